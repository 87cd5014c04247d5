"""Group comparison (e.g. Headteachers vs Teachers) as CSV, Markdown, JSON, HTML and XLSX.

Renders a ``qualcode.analysis.compare.Comparison``: per code, participants who mention it and
their share of each group, side by side, with the difference in percentage points. The HTML bars
use the first two Okabe–Ito colours (blue, orange), distinguishable with colour-blindness, and
every bar carries its number.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from qualcode.analysis.compare import Comparison
from qualcode.export.pages import e, html_page, save_atomic
from qualcode.export.render import PALETTE, md_escape, safe_cell


def heading(c: Comparison) -> str:
    return f"{c.a.label} and {c.b.label} compared"


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def _diff(value: float) -> str:
    return f"{value:+.0f}" if value else "0"


def render_json(c: Comparison) -> str:
    return json.dumps(c.as_json(), indent=2, ensure_ascii=False) + "\n"


def render_csv(c: Comparison) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    a, b = c.a.label, c.b.label
    w.writerow(
        [
            "code_id",
            "code",
            "depth",
            "includes_subcodes",
            safe_cell(f"{a} participants (n={c.a.n})"),
            safe_cell(f"{a} share"),
            safe_cell(f"{b} participants (n={c.b.n})"),
            safe_cell(f"{b} share"),
            "difference_points",
        ]
    )
    for r in c.rows:
        w.writerow(
            [
                safe_cell(r.key),
                safe_cell(r.name),
                r.depth,
                r.rolls_up,
                r.a_count,
                round(r.a_share, 4),
                r.b_count,
                round(r.b_share, 4),
                r.difference,
            ]
        )
    return out.getvalue()


def render_markdown(c: Comparison) -> str:
    lines = [f"# {md_escape(heading(c))}", ""]
    lines += [md_escape(n) for n in c.notes()] + [""]
    lines.append(
        f"| Code | {md_escape(c.a.label)} (n={c.a.n}) | {md_escape(c.b.label)} (n={c.b.n}) | Difference (points) |"
    )
    lines.append("|:---|---:|---:|---:|")
    for r in c.rows:
        name = md_escape(r.name)
        name = f"**{name}**" if r.rolls_up else name
        lines.append(
            f"| {'&emsp;' * r.depth}{name} | {r.a_count} ({_pct(r.a_share)}) | {r.b_count} ({_pct(r.b_share)}) "
            f"| {_diff(r.difference)} |"
        )
    return "\n".join(lines) + "\n"


def render_html(c: Comparison) -> str:
    ca, cb = PALETTE[0], PALETTE[1]
    body = [f'<p class="note">{e(n)}</p>' for n in c.notes()]
    body.append(
        f'<p class="legend"><span><i style="background:{ca}"></i>{e(c.a.label)} (n={c.a.n})</span>'
        f'<span><i style="background:{cb}"></i>{e(c.b.label)} (n={c.b.n})</span></p>'
    )
    out = [
        "<table>",
        f'<thead><tr><th>Code</th><th class="n">{e(c.a.label)}<br><small>n={c.a.n}</small></th>'
        f'<th class="n">{e(c.b.label)}<br><small>n={c.b.n}</small></th><th class="n">Difference<br>'
        "<small>points</small></th><th>Share of participants</th></tr></thead><tbody>",
    ]
    for r in c.rows:
        cls = ' class="parent"' if r.rolls_up else ""
        bars = (
            f'<span class="bar" style="width:{160 * r.a_share:.0f}px;background:{ca}"></span>{_pct(r.a_share)}<br>'
            f'<span class="bar" style="width:{160 * r.b_share:.0f}px;background:{cb}"></span>{_pct(r.b_share)}'
        )
        out.append(
            f'<tr{cls}><td style="padding-left:{0.6 + 1.4 * r.depth:.1f}em">{e(r.name)}</td>'
            f'<td class="n">{r.a_count} ({_pct(r.a_share)})</td><td class="n">{r.b_count} ({_pct(r.b_share)})</td>'
            f'<td class="n">{_diff(r.difference)}</td><td>{bars}</td></tr>'
        )
    out.append("</tbody></table>")
    body.append("\n".join(out))
    return html_page(heading(c), body)


def write_xlsx(c: Comparison, path: str | Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Comparison"
    ws.append(
        [
            "Code",
            safe_cell(f"{c.a.label} (n={c.a.n})"),
            safe_cell(f"{c.a.label} share"),
            safe_cell(f"{c.b.label} (n={c.b.n})"),
            safe_cell(f"{c.b.label} share"),
            "Difference (points)",
            "Code id",
        ]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    for r in c.rows:
        ws.append([safe_cell(r.name), r.a_count, r.a_share, r.b_count, r.b_share, r.difference, safe_cell(r.key)])
        row = ws.max_row
        ws.cell(row, 1).alignment = Alignment(indent=r.depth * 2)
        ws.cell(row, 3).number_format = ws.cell(row, 5).number_format = "0%"
        if r.rolls_up:
            ws.cell(row, 1).font = Font(bold=True)
        if r.depth:
            ws.row_dimensions[row].outline_level = min(r.depth, 7)
    ws.freeze_panes = "B2"
    for letter, width in zip("ABCDEFG", (60, 14, 10, 14, 10, 12, 34)):
        ws.column_dimensions[letter].width = width
    notes = wb.create_sheet("Notes")
    notes.append([safe_cell(heading(c))])
    for n in c.notes():
        notes.append([safe_cell(n)])
    notes.column_dimensions["A"].width = 120
    save_atomic(wb.save, path)
