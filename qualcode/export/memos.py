"""Every memo in one document: Markdown, CSV, JSON or Word, each memo with its place."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from qualcode.export.pages import DocxBody, docx_text, new_document, save_atomic
from qualcode.export.render import md_escape, safe_cell
from qualcode.records import MemoEntry
from qualcode.segments import segment_ref

EXCERPT = 160  # characters of the coded words or segment shown beside a memo


def place(m: MemoEntry) -> str:
    """Where a memo is: "interview-01 ¶4, coding Time", "code Time", "interview-01"."""
    if m.target == "code":
        return f"code {m.code_name or m.code}"
    where = m.transcript or "?"
    if m.position is not None:
        where += f" {segment_ref(m.position)}"
    if m.target == "coding":
        where += f", coding {m.code_name or m.code}"
    return where


def excerpt(text: str, limit: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def as_json(memos: Sequence[MemoEntry]) -> str:
    rows = [
        {
            "coder": m.coder,
            "on": m.target,
            "transcript": m.transcript,
            "segment": m.position + 1 if m.position is not None else None,
            "code": m.code,
            "passage": m.passage or None,
            "text": m.text,
            "updated": m.updated,
        }
        for m in memos
    ]
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def as_csv(memos: Sequence[MemoEntry]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["coder", "on", "transcript", "segment", "code", "passage", "memo", "updated"])
    for m in memos:
        w.writerow(
            [
                safe_cell(m.coder),
                m.target,
                safe_cell(m.transcript or ""),
                m.position + 1 if m.position is not None else "",
                safe_cell(m.code or ""),
                safe_cell(m.passage),
                safe_cell(m.text),
                m.updated,
            ]
        )
    return out.getvalue()


def as_markdown(memos: Sequence[MemoEntry], title: str = "Memos") -> str:
    lines = [f"# {md_escape(title)}", "", f"{len(memos)} memo{'' if len(memos) == 1 else 's'}.", ""]
    for m in memos:
        lines.append(f"## {md_escape(place(m))} — {md_escape(m.coder)}")
        lines.append("")
        if m.passage:
            lines += [f"> {md_escape(excerpt(m.passage))}", ""]
        lines += [md_escape(m.text), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_docx(memos: Sequence[MemoEntry], path: str | Path, title: str = "Memos") -> None:
    from docx.shared import Pt

    doc = new_document(title)
    body = DocxBody(doc)
    body.paragraph(f"{len(memos)} memo{'' if len(memos) == 1 else 's'}.")
    for m in memos:
        body.paragraph(f"{place(m)} — {m.coder}", "Heading 2")
        if m.passage:
            body.paragraph(excerpt(m.passage), "Quote")
        for part in m.text.split("\n"):
            body.paragraph(part)
        body.paragraph().add_run(docx_text(m.updated)).font.size = Pt(8)
    save_atomic(doc.save, path)
