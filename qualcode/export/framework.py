"""Framework matrices as the book prints them (Table 5.2): rows × themes, a written summary in each cell.

Renders a ``qualcode.analysis.matrix.MatrixView`` as Markdown, CSV, XLSX, HTML or Word
(landscape). Optionally each cell also shows its count (coded passages and participants of the
row under the column's code) and the quotes chosen for it, attributed like the theme tables.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from qualcode.analysis.matrix import MatrixView
from qualcode.export.pages import docx_text, e, html_page, new_document, note_paragraph, save_atomic
from qualcode.export.render import md_escape, safe_cell
from qualcode.segments import segment_label

EMPTY = "—"


def heading(v: MatrixView) -> str:
    return v.matrix.name


def _count(v: MatrixView, row: str, column: str) -> str:
    if v.counts is None:
        return ""
    passages, people = v.counts[(row, column)]
    return f"{passages} passage{'' if passages == 1 else 's'}, {people} participant{'' if people == 1 else 's'}"


def _quotes(v: MatrixView, row: str, column: str) -> list[str]:
    if v.quotes is None:
        return []
    return [
        f"“{q.text}” — {q.attribution} ({q.transcript}, {segment_label(q.position)})" for q in v.quotes[(row, column)]
    ]


def cell_text(v: MatrixView, row: str, column: str) -> str:
    """The whole cell as plain text: summary, then count and quotes, separated by blank lines."""
    parts = [v.matrix.summary(row, column) or EMPTY]
    if v.counts is not None:
        parts.append(f"[{_count(v, row, column)}]")
    parts += _quotes(v, row, column)
    return "\n\n".join(parts)


def _column_names(v: MatrixView) -> list[str]:
    return [v.column_names.get(c, c) for c in v.matrix.columns]


def render_csv(v: MatrixView) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([safe_cell(v.matrix.rows_by.capitalize()), *(safe_cell(n) for n in _column_names(v))])
    for row in v.matrix.rows:
        w.writerow([safe_cell(row), *(safe_cell(cell_text(v, row, c)) for c in v.matrix.columns)])
    return out.getvalue()


def render_markdown(v: MatrixView) -> str:
    m = v.matrix
    lines = [f"# {md_escape(heading(v))}", ""]
    if m.description:
        lines += [md_escape(m.description), ""]
    lines += [md_escape(n) for n in v.notes()] + [""]
    lines.append("| " + " | ".join([md_escape(m.rows_by.capitalize()), *map(md_escape, _column_names(v))]) + " |")
    lines.append("|" + ":---|" * (len(m.columns) + 1))
    for row in m.rows:
        cells = []
        for c in m.columns:
            parts = [md_escape(m.summary(row, c) or EMPTY)]
            if v.counts is not None:
                parts.append(f"*{md_escape(_count(v, row, c))}*")
            parts += [md_escape(q) for q in _quotes(v, row, c)]
            cells.append("<br><br>".join(parts))
        lines.append(f"| **{md_escape(row)}** | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_html(v: MatrixView) -> str:
    m = v.matrix
    body = [f'<p class="meta">{e(m.description)}</p>'] if m.description else []
    body += [f'<p class="note">{e(n)}</p>' for n in v.notes()]
    out = ['<table class="matrix">', f"<thead><tr><th>{e(m.rows_by.capitalize())}</th>"]
    out += [f'<th title="{e(c)}">{e(name)}</th>' for c, name in zip(m.columns, _column_names(v))]
    out.append("</tr></thead><tbody>")
    for row in m.rows:
        cells = [f"<th>{e(row)}<br><small>n={v.row_sizes.get(row, 0)}</small></th>"]
        for c in m.columns:
            summary = m.summary(row, c)
            parts = [f"<p>{e(p)}</p>" for p in summary.split("\n\n")] if summary else [f"<p>{EMPTY}</p>"]
            if v.counts is not None:
                parts.append(f'<p class="count">{e(_count(v, row, c))}</p>')
            if v.quotes is not None:
                parts += [
                    f"<blockquote>“{e(q.text)}”<cite>— {e(q.attribution)} <small>({e(q.transcript)}, "
                    f"{segment_label(q.position)})</small></cite></blockquote>"
                    for q in v.quotes[(row, c)]
                ]
            cells.append(f"<td>{''.join(parts)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    body.append("\n".join(out))
    return html_page(heading(v), body, wide=True)


def write_xlsx(v: MatrixView, path: str | Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    m = v.matrix
    wb = Workbook()
    ws = wb.active
    ws.title = "Matrix"
    ws.append([safe_cell(m.rows_by.capitalize()), *(safe_cell(n) for n in _column_names(v))])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    for row in m.rows:
        ws.append([safe_cell(row), *(safe_cell(cell_text(v, row, c)) for c in m.columns)])
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    ws.freeze_panes = "B2"
    ws.column_dimensions["A"].width = 18
    for i in range(2, len(m.columns) + 2):
        ws.column_dimensions[get_column_letter(i)].width = 45
    notes = wb.create_sheet("Notes")
    notes.append([safe_cell(heading(v))])
    if m.description:
        notes.append([safe_cell(m.description)])
    for n in v.notes():
        notes.append([safe_cell(n)])
    notes.append(["Code ids: " + ", ".join(m.columns)])
    notes.column_dimensions["A"].width = 120
    save_atomic(wb.save, path)


def write_docx(v: MatrixView, path: str | Path) -> None:
    """A landscape Word table: the row names down the side, themes across, summaries in the cells."""
    from docx.shared import Pt

    m = v.matrix
    doc = new_document(heading(v), landscape=True)
    if m.description:
        doc.add_paragraph(docx_text(m.description))
    for n in v.notes():
        note_paragraph(doc, n)
    table = doc.add_table(rows=1 + len(m.rows), cols=1 + len(m.columns))
    table.style = "Table Grid"
    header = table.rows[0].cells
    header[0].text = docx_text(m.rows_by.capitalize())
    for cell, name in zip(header[1:], _column_names(v)):
        cell.text = docx_text(name)
    for cell in header:
        for run in cell.paragraphs[0].runs:
            run.bold = True
    size = Pt(8 if len(m.columns) > 5 else 9)
    for i, row in enumerate(m.rows, start=1):
        cells = table.rows[i].cells
        cells[0].text = ""
        first = cells[0].paragraphs[0]
        first.add_run(docx_text(row)).bold = True
        first.add_run(docx_text(f"\nn={v.row_sizes.get(row, 0)}")).font.size = Pt(8)
        for cell, c in zip(cells[1:], m.columns):
            paragraphs = (m.summary(row, c) or EMPTY).split("\n\n")
            cell.paragraphs[0].add_run(docx_text(paragraphs[0])).font.size = size
            for extra in paragraphs[1:]:
                cell.add_paragraph().add_run(docx_text(extra)).font.size = size
            if v.counts is not None:
                run = cell.add_paragraph().add_run(docx_text(_count(v, row, c)))
                run.italic, run.font.size = True, Pt(7.5)
            for q in _quotes(v, row, c):
                run = cell.add_paragraph().add_run(docx_text(q))
                run.italic, run.font.size = True, Pt(7.5)
    save_atomic(doc.save, path)
