"""Co-occurrence of codes as CSV (the pairs), Markdown and XLSX (the matrix), JSON, and an HTML heat map.

Renders a ``qualcode.analysis.cooccurrence.Cooccurrence``. The matrix is symmetric: a cell counts
the segments coded with both codes, the diagonal the segments with the code. The heat map shades
by Jaccard on a single-hue scale (safe for colour-blind readers and in grey) and prints every
number, so nothing is read from colour alone.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from qualcode.analysis.cooccurrence import Cooccurrence
from qualcode.export.pages import e, heat_colour, html_page, save_atomic
from qualcode.export.render import md_escape, safe_cell


def heading(c: Cooccurrence) -> str:
    return "Code co-occurrence" + (f" — {c.project}" if c.project else "")


def render_json(c: Cooccurrence) -> str:
    return json.dumps(c.as_json(), indent=2, ensure_ascii=False) + "\n"


def render_csv(c: Cooccurrence) -> str:
    names = {x.key: x.name for x in c.codes}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["a", "a_name", "b", "b_name", "segments", "jaccard", "a_segments", "b_segments"])
    for p in c.pairs:
        w.writerow(
            [
                safe_cell(p.a),
                safe_cell(names.get(p.a, p.a)),
                safe_cell(p.b),
                safe_cell(names.get(p.b, p.b)),
                p.segments,
                p.jaccard,
                c.count(p.a, p.a),
                c.count(p.b, p.b),
            ]
        )
    return out.getvalue()


def render_markdown(c: Cooccurrence) -> str:
    lines = [f"# {md_escape(heading(c))}", ""]
    lines += [md_escape(n) for n in c.notes()] + [""]
    if not c.codes:
        return "\n".join(lines + ["Nothing is coded yet."]) + "\n"
    lines += ["## Pairs", "", "| Code | Code | Segments | Jaccard |", "|:---|:---|---:|---:|"]
    names = {x.key: x.name for x in c.codes}
    for p in c.pairs:
        lines.append(f"| {md_escape(names[p.a])} | {md_escape(names[p.b])} | {p.segments} | {p.jaccard:.2f} |")
    lines += ["", "## Matrix (segments)", ""]
    short = [f"{i}" for i in range(1, len(c.codes) + 1)]
    lines.append("| # | Code | " + " | ".join(short) + " |")
    lines.append("|---:|:---|" + "---:|" * len(short))
    for i, a in enumerate(c.codes, 1):
        cells = [str(c.count(a.key, b.key) or "·") for b in c.codes]
        lines.append(f"| {i} | {md_escape(a.name)} | " + " | ".join(cells) + " |")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_html(c: Cooccurrence) -> str:
    body = [f'<p class="note">{e(n)}</p>' for n in c.notes()]
    if not c.codes:
        return html_page(heading(c), body + ['<p class="note">Nothing is coded yet.</p>'])
    scale = "".join(
        f'<span><i style="background:{heat_colour(v / 4)[0]};border:1px solid #999"></i>{v / 4:.2f}</span>'
        for v in range(5)
    )
    body.append(f'<p class="legend">Shade: Jaccard {scale}</p>')
    # Columns are numbered like the rows: long code names stay readable in the rows, and the hover
    # title of every cell names both codes.
    out = ['<table class="heat">', '<thead><tr><th class="n">#</th><th>Code</th><th class="n">Segments</th>']
    out += [f'<th class="n" title="{e(b.name)}">{i}</th>' for i, b in enumerate(c.codes, 1)]
    out.append("</tr></thead><tbody>")
    for i, a in enumerate(c.codes, 1):
        row = [f'<tr><td class="n">{i}</td>']
        row.append(
            f'<td class="code" style="padding-left:{0.6 + 1.2 * a.depth:.1f}em" title="{e(a.key)}">{e(a.name)}</td>'
        )
        row.append(f'<td class="n">{a.segments}</td>')
        for b in c.codes:
            n = c.count(a.key, b.key)
            if a.key == b.key:
                row.append('<td class="heat" style="background:#e8e8e8">—</td>')
            elif n:
                bg, fg = heat_colour(c.jaccard(a.key, b.key))
                tip = f"{a.name} × {b.name}: {n} segments, Jaccard {c.jaccard(a.key, b.key):.2f}"
                row.append(f'<td class="heat" style="background:{bg};color:{fg}" title="{e(tip)}">{n}</td>')
            else:
                row.append('<td class="heat zero"></td>')
        out.append("".join(row) + "</tr>")
    out.append("</tbody></table>")
    body.append("\n".join(out))
    return html_page(heading(c), body, wide=True)


def write_xlsx(c: Cooccurrence, path: str | Path) -> None:
    """Sheets: Segments (the matrix), Jaccard (the matrix), Pairs, Notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    wb = Workbook()
    wb.remove(wb.active)
    for title, value in (("Segments", c.count), ("Jaccard", c.jaccard)):
        ws = wb.create_sheet(title)
        ws.append(["Code", "Code id", *(safe_cell(x.name) for x in c.codes)])
        for cell in ws[1]:
            cell.font = bold
            cell.alignment = Alignment(text_rotation=90 if cell.column > 2 else 0, vertical="bottom")
        for a in c.codes:
            ws.append([safe_cell(a.name), safe_cell(a.key), *(value(a.key, b.key) for b in c.codes)])
            row = ws.max_row
            ws.cell(row, 1).alignment = Alignment(indent=a.depth * 2)
            for j, b in enumerate(c.codes, start=3):
                if a.key != b.key and c.count(a.key, b.key):
                    bg, fg = heat_colour(c.jaccard(a.key, b.key))
                    ws.cell(row, j).fill = PatternFill("solid", fgColor=bg.lstrip("#"))
                    ws.cell(row, j).font = Font(color=fg.lstrip("#"))
                if title == "Jaccard":
                    ws.cell(row, j).number_format = "0.00"
        ws.freeze_panes = "C2"
        ws.column_dimensions["A"].width = 48
        ws.column_dimensions["B"].width = 30
        ws.row_dimensions[1].height = 150
    ws = wb.create_sheet("Pairs")
    names = {x.key: x.name for x in c.codes}
    ws.append(["Code A", "Code B", "Segments", "Jaccard", "Code id A", "Code id B"])
    for cell in ws[1]:
        cell.font = bold
    for p in c.pairs:
        ws.append([safe_cell(names[p.a]), safe_cell(names[p.b]), p.segments, p.jaccard, safe_cell(p.a), safe_cell(p.b)])
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCDEF", (44, 44, 10, 10, 30, 30)):
        ws.column_dimensions[letter].width = width
    notes = wb.create_sheet("Notes")
    notes.append([safe_cell(heading(c))])
    notes["A1"].font = Font(bold=True, size=13)
    for n in c.notes():
        notes.append([safe_cell(n)])
    notes.column_dimensions["A"].width = 120
    save_atomic(wb.save, path)
