"""Renderers for theme tables and quotes: CSV, Markdown, JSON, XLSX, Word and a self-contained HTML report.

All of them render the same ``ThemeReport`` (a ``ThemeTable`` and, optionally, a ``QuoteView``).
Safety: every text cell that a spreadsheet could take for a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is neutralised with a leading apostrophe in CSV and
XLSX, as OWASP recommends; HTML escapes everything it did not write itself; Markdown escapes the
characters that would turn user text into markup ("[laughs]" stays literal).
"""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.export.cells import SafeWriter, xlsx_cell
from qualcode.export.files import save_atomic
from qualcode.export.page_css import PAGE_CSS as _CSS
from qualcode.export.themes import Column, QuoteView, ThemeTable
from qualcode.segments import segment_label, segment_number

TEXT_FORMATS = ("csv", "md", "json", "html")
FORMATS = ("csv", "md", "json", "xlsx", "html", "docx")
SUFFIXES = {
    ".csv": "csv",
    ".md": "md",
    ".markdown": "md",
    ".json": "json",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
}
# Okabe–Ito: distinguishable with colour-blindness and in grey when printed.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#999999",
    "#882255",
    "#44AA99",
    "#117733",
)


@dataclass
class ThemeReport:
    table: ThemeTable | None
    quotes: QuoteView | None = None
    title: str = ""

    @property
    def heading(self) -> str:
        if self.title:
            return self.title
        t = self.table
        name = (t.project if t else "") or "Project"
        return f"Themes — {name}"


safe_cell = xlsx_cell  # every cell of CSV and XLSX goes through the one rule in qualcode.export.cells


def column_header(col: Column) -> str:
    return f"{col.label} (n={col.n_participants})"


# ---------------------------------------------------------------------- CSV


def table_csv(table: ThemeTable) -> str:
    out = io.StringIO()
    w = SafeWriter(out, lineterminator="\n")
    w.writerow(
        [
            "code_id",
            "code",
            "depth",
            "includes_subcodes",
            *(column_header(c) for c in table.columns),
            "total",
        ]
    )
    for r in table.rows:
        w.writerow([r.key, "  " * r.depth + r.name, r.depth, r.rolls_up, *r.cells, r.total])
    a = table.any_code
    w.writerow(["", a.name, "", "", *a.cells, a.total])
    return out.getvalue()


def quotes_csv(view: QuoteView) -> str:
    out = io.StringIO()
    w = SafeWriter(out, lineterminator="\n")
    w.writerow(
        [
            "code_id",
            "code",
            "rank",
            "quote",
            "attribution",
            "participant",
            "transcript",
            "segment",
            "start",
            "end",
            "coders",
        ]
    )
    for section in view.sections:
        for rank, q in enumerate(section.quotes, 1):
            w.writerow(
                [
                    section.key,
                    section.name,
                    rank,
                    q.text,
                    q.attribution,
                    q.participant,
                    q.transcript,
                    segment_number(q.segment),
                    q.start,
                    q.end,
                    " ".join(q.coders),
                ]
            )
    return out.getvalue()


# ---------------------------------------------------------------------- Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def render_markdown(report: ThemeReport) -> str:
    lines = [f"# {md_escape(report.heading)}", ""]
    t = report.table
    if t is not None:
        lines += [f"Codebook: {md_escape(t.codebook)} (version {t.codebook_version}).", ""]
        header = ["Code", *(md_escape(column_header(c)) for c in t.columns), "Total"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|")
        for r in t.rows:
            name = md_escape(r.name)
            name = f"**{name}**" if r.rolls_up else name
            lines.append(
                "| " + "&emsp;" * r.depth + name + " | " + " | ".join(str(v) for v in r.cells) + f" | {r.total} |"
            )
        a = t.any_code
        lines.append(f"| *{a.name}* | " + " | ".join(str(v) for v in a.cells) + f" | {a.total} |")
        lines.append("")
        lines += [md_escape(n).replace("\\*", "*") for n in t.notes()]
        lines.append("")
    q = report.quotes
    if q is not None:
        lines += ["## Quotes", "", md_escape(q.notes()[0]), ""]
        for section in q.sections:
            if not section.shown:
                continue
            level = "#" * min(6, 3 + section.depth)
            lines += [f"{level} {md_escape(section.name)}", ""]
            for quote in section.quotes:
                lines.append(
                    f"> “{md_escape(quote.text)}” — {md_escape(quote.attribution)} "
                    f"({md_escape(quote.transcript)}, {segment_label(quote.segment)})"
                )
                lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------------- JSON


def report_dict(report: ThemeReport) -> dict[str, Any]:
    out: dict[str, Any] = {"title": report.heading}
    t = report.table
    if t is not None:
        out["table"] = {
            "project": t.project,
            "codebook": t.codebook,
            "codebook_version": t.codebook_version,
            "count": t.count,
            "by": list(t.by),
            "source": t.source,
            "notes": t.notes(),
            "columns": [
                {"values": list(c.values), "label": c.label, "participants": c.n_participants} for c in t.columns
            ],
            "rows": [
                {
                    "code_id": r.key,
                    "code": r.name,
                    "depth": r.depth,
                    "parent": r.parent_key,
                    "includes_subcodes": r.rolls_up,
                    "cells": list(r.cells),
                    "total": r.total,
                }
                for r in t.rows
            ],
            "any_code": {"cells": list(t.any_code.cells), "total": t.any_code.total},
        }
    q = report.quotes
    if q is not None:
        out["quotes"] = {
            "per_code": q.per_code,
            "max_chars": q.max_chars,
            "source": q.source,
            "codes": [
                {
                    "code_id": s.key,
                    "code": s.name,
                    "depth": s.depth,
                    "coded": s.coded,
                    "quotes": [
                        {
                            "text": x.text,
                            "attribution": x.attribution,
                            "participant": x.participant,
                            "transcript": x.transcript,
                            "segment": segment_number(x.segment),
                            "start": x.start,
                            "end": x.end,
                            "coders": list(x.coders),
                            "trimmed": x.trimmed,
                            "score": x.score,
                        }
                        for x in s.quotes
                    ],
                }
                for s in q.sections
            ],
        }
    return out


def render_json(report: ThemeReport) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------- HTML


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def render_html(report: ThemeReport) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(report.heading)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(report.heading)}</h1>",
    ]
    t = report.table
    if t is not None:
        parts.append(
            f'<p class="meta">Codebook: {_e(t.codebook)} (version {t.codebook_version}). '
            f"Cells: {_e(t.count_label)}, by {_e(t.by_label)}. Source: {_e(t.source)}.</p>"
        )
        parts.append("<h2>Table</h2>")
        parts.append(_html_table(t))
        parts += [f'<p class="note">{_e(n)}</p>' for n in t.notes()]
        parts.append("<h2>Code frequencies</h2>")
        parts.append(_chart(t))
    q = report.quotes
    if q is not None:
        parts.append("<h2>Quotes</h2>")
        parts.append(f'<p class="note">{_e(q.notes()[0])}</p>')
        for section in q.sections:
            if not section.shown:
                continue
            level = min(6, 3 + section.depth)
            parts.append(f"<h{level}>{_e(section.name)}</h{level}>")
            for quote in section.quotes:
                parts.append(
                    f"<blockquote>“{_e(quote.text)}”<cite>— {_e(quote.attribution)} "
                    f"<small>({_e(quote.transcript)}, {segment_label(quote.segment)})</small></cite></blockquote>"
                )
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _html_table(t: ThemeTable) -> str:
    out = ["<table>", "<thead><tr><th>Code</th>"]
    out += [f'<th class="n">{_e(c.label)}<br><small>n={c.n_participants}</small></th>' for c in t.columns]
    out.append('<th class="n">Total</th></tr></thead><tbody>')
    for r in t.rows:
        cls = ' class="parent"' if r.rolls_up else ""
        pad = f' style="padding-left:{0.6 + 1.4 * r.depth:.1f}em"'
        cells = "".join(f'<td class="n{" zero" if not v else ""}">{v}</td>' for v in r.cells)
        out.append(f'<tr{cls}><td{pad}>{_e(r.name)}</td>{cells}<td class="n">{r.total}</td></tr>')
    a = t.any_code
    out.append(
        '<tr class="any"><td>Any code</td>'
        + "".join(f'<td class="n">{v}</td>' for v in a.cells)
        + f'<td class="n">{a.total}</td></tr>'
    )
    out.append("</tbody></table>")
    return "\n".join(out)


def _chart(t: ThemeTable, max_series: int = 12) -> str:
    """Horizontal grouped bars, one group of bars per code, one bar per column (or the total)."""
    series = list(range(len(t.columns))) if 1 < len(t.columns) <= max_series else []
    names = [column_header(t.columns[i]) for i in series] or ["Total"]
    rows = [r for r in t.rows if r.total or r.depth == 0]
    if not rows:
        return '<p class="note">Nothing is coded yet.</p>'
    values = [[r.cells[i] for i in series] if series else [r.total] for r in rows]
    top = max((v for vs in values for v in vs), default=0) or 1
    label_w, bar_w, bar_h, gap = 380, 540, 9, 7
    block = len(names) * bar_h + gap
    height = len(rows) * block + 30
    legend = "".join(
        f'<span><i style="background:{PALETTE[i % len(PALETTE)]}"></i>{_e(n)}</span>' for i, n in enumerate(names)
    )
    caption = f"{_e(t.count_label.capitalize())} per code" + (f", by {_e(t.by_label)}" if series else " (all groups)")
    svg = [
        f'<figure><figcaption class="legend">{legend}<br><small>{caption}.</small></figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_w + bar_w + 60}" height="{height}" '
        f'viewBox="0 0 {label_w + bar_w + 60} {height}" aria-label="Code frequencies by group">'
    ]
    y = 4
    for r, vs in zip(rows, values):
        room = 58 - 2 * r.depth
        name = r.name if len(r.name) <= room else r.name[: room - 1] + "…"
        weight = ' font-weight="600"' if r.rolls_up else ""
        svg.append(
            f'<text x="{6 + 12 * r.depth}" y="{y + block / 2:.1f}" font-size="11" dominant-baseline="middle"{weight}>'
            f"<title>{_e(r.name)}</title>{_e(name)}</text>"
        )
        for i, v in enumerate(vs):
            w = bar_w * v / top
            color = PALETTE[i % len(PALETTE)]
            by = y + i * bar_h
            svg.append(
                f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h - 2}" fill="{color}">'
                f"<title>{_e(names[i])}: {v}</title></rect>"
            )
            if v:
                svg.append(
                    f'<text x="{label_w + w + 3:.1f}" y="{by + bar_h / 2:.1f}" font-size="9" dominant-baseline="middle">{v}</text>'
                )
        y += block
    svg.append(f'<line x1="{label_w}" y1="0" x2="{label_w}" y2="{y}" stroke="#333" stroke-width="1"/>')
    svg.append("</svg></figure>")
    return "\n".join(svg)


# ---------------------------------------------------------------------- XLSX


def write_xlsx(report: ThemeReport, path: str | Path) -> None:
    """One sheet per view (Themes, Quotes) and a Notes sheet; frozen headers, widths, outline levels."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="E8E8E8")
    rule = Border(bottom=Side(style="thin", color="333333"))
    top_rule = Border(top=Side(style="thin", color="333333"))
    wb = Workbook()
    wb.remove(wb.active)
    t = report.table
    if t is not None:
        ws = wb.create_sheet("Themes")
        header = ["Code", *(column_header(c) for c in t.columns), "Total", "Code id"]
        ws.append([safe_cell(h) for h in header])
        for cell in ws[1]:
            cell.font, cell.fill, cell.border = bold, head_fill, rule
            cell.alignment = Alignment(
                wrap_text=True, vertical="bottom", horizontal="left" if cell.column == 1 else "right"
            )
        for r in t.rows:
            ws.append([safe_cell(r.name), *r.cells, r.total, safe_cell(r.key)])
            row = ws.max_row
            ws.cell(row, 1).alignment = Alignment(indent=r.depth * 2)
            if r.rolls_up:
                for cell in ws[row]:
                    cell.font = bold
            if r.depth:
                ws.row_dimensions[row].outline_level = min(r.depth, 7)
        a = t.any_code
        ws.append([a.name, *a.cells, a.total, ""])
        for cell in ws[ws.max_row]:
            cell.font, cell.border = Font(italic=True), top_rule
        ws.freeze_panes = "B2"
        ws.sheet_properties.outlinePr.summaryBelow = False
        ws.column_dimensions["A"].width = min(
            70, max(12, *(len(r.name) + 2 * r.depth + 2 for r in t.rows)) if t.rows else 12
        )
        for i, name in enumerate(header[1:], start=2):
            ws.column_dimensions[get_column_letter(i)].width = (
                min(24, max(8, len(name) // 2 + 3))
                if i < len(header)
                else min(40, max(10, *(len(r.key) + 2 for r in t.rows)) if t.rows else 10)
            )
        ws.row_dimensions[1].height = 32
        ws.auto_filter.ref = None
    q = report.quotes
    if q is not None:
        ws = wb.create_sheet("Quotes")
        ws.append(["Code", "Quote", "Attribution", "Transcript", "Segment", "Coders", "Code id"])
        for cell in ws[1]:
            cell.font, cell.fill, cell.border = bold, head_fill, rule
        for section in q.sections:
            for quote in section.quotes:
                ws.append(
                    [
                        safe_cell(section.name),
                        safe_cell(quote.text),
                        safe_cell(quote.attribution),
                        safe_cell(quote.transcript),
                        segment_number(quote.segment),
                        safe_cell(", ".join(quote.coders)),
                        safe_cell(section.key),
                    ]
                )
                row = ws.max_row
                ws.cell(row, 1).alignment = Alignment(indent=section.depth * 2, vertical="top", wrap_text=True)
                ws.cell(row, 2).alignment = Alignment(wrap_text=True, vertical="top")
                for col in (3, 4, 5, 6, 7):
                    ws.cell(row, col).alignment = Alignment(vertical="top", wrap_text=col == 3)
                if section.depth:
                    ws.row_dimensions[row].outline_level = min(section.depth, 7)
        ws.freeze_panes = "B2"
        for letter, width in zip("ABCDEFG", (34, 80, 30, 22, 9, 14, 28)):
            ws.column_dimensions[letter].width = width
    notes = wb.create_sheet("Notes")
    notes.append([safe_cell(report.heading)])
    notes["A1"].font = Font(bold=True, size=13)
    if t is not None:
        notes.append([safe_cell(f"Codebook: {t.codebook} (version {t.codebook_version})")])
        for n in t.notes():
            notes.append([safe_cell(n)])
    if q is not None:
        for n in q.notes():
            notes.append([safe_cell(n)])
    notes.column_dimensions["A"].width = 120
    for row in notes.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True)
    save_atomic(wb.save, path)


# ---------------------------------------------------------------------- dispatch


# ---------------------------------------------------------------------- Word


def write_docx(report: ThemeReport, path: str | Path) -> None:
    """The Markdown's content as a Word document: a real table to paste into a paper (sub-codes
    indented, counts right-aligned, the header row repeated on each page), its notes, the quotes."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    from qualcode.export.pages import DocxBody, docx_text, new_document, note_paragraph

    t = report.table
    doc = new_document(report.heading, landscape=t is not None and len(t.columns) > 6)
    body = DocxBody(doc)
    if t is not None:
        body.paragraph(
            f"Codebook: {t.codebook} (version {t.codebook_version}). "
            f"Cells: {t.count_label}, by {t.by_label}. Source: {t.source}."
        )
        header = ["Code", *(column_header(c) for c in t.columns), "Total"]
        table = doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        tr_pr = table.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)

        def fill(
            cells: list[Any], values: list[str], bold: bool = False, italic: bool = False, indent: int = 0
        ) -> None:
            for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
                para = cell.paragraphs[0]
                run = para.add_run(docx_text(value))
                run.bold, run.italic = bold, italic
                if i:
                    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                elif indent:
                    para.paragraph_format.left_indent = Cm(0.5 * indent)

        fill(list(table.rows[0].cells), header, bold=True)
        for r in t.rows:
            cells = list(table.add_row().cells)
            fill(cells, [r.name, *(str(v) for v in r.cells), str(r.total)], bold=bool(r.rolls_up), indent=r.depth)
        a = t.any_code
        fill(list(table.add_row().cells), [a.name, *(str(v) for v in a.cells), str(a.total)], italic=True)
        for note in t.notes():
            note_paragraph(doc, note, body)
    q = report.quotes
    if q is not None:
        body.paragraph("Quotes", "Heading 2")
        note_paragraph(doc, q.notes()[0], body)
        for section in q.sections:
            if not section.shown:
                continue
            body.paragraph(section.name, f"Heading {min(9, 3 + section.depth)}")
            for quote in section.quotes:
                para = body.paragraph(style="Quote")
                para.add_run(docx_text(f"“{quote.text}”"))
                para.add_run(docx_text(f" — {quote.attribution} ")).bold = True
                para.add_run(docx_text(f"({quote.transcript}, {segment_label(quote.segment)})"))
    save_atomic(doc.save, path)


def render_text(report: ThemeReport, fmt: str) -> str:
    if fmt == "md":
        return render_markdown(report)
    if fmt == "json":
        return render_json(report)
    if fmt == "html":
        return render_html(report)
    if fmt == "csv":
        if report.table is not None:
            return table_csv(report.table)
        return quotes_csv(report.quotes) if report.quotes is not None else ""
    raise ValueError(f"not a text format: {fmt}")
