"""Codebook documents: a Markdown or Word appendix for a paper, YAML, and REFI-QDA `.qdc`.

The appendix lists every code in codebook order, numbered by its place in the tree (1, 1.2,
1.2.3), with its definition, when to use it and when not, an example, its keywords, and how
often it was applied (coded segments and the participants they come from, a parent counting
its sub-codes too).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.analysis.themes import Counted, Unit, ancestors_map
from qualcode.export.render import md_escape
from qualcode.study import ExportCode, ExportData


@dataclass(frozen=True)
class CodeCount:
    segments: int
    participants: int
    transcripts: int


def code_counts(data: ExportData, units: list[Unit]) -> dict[str, CodeCount]:
    """Per code (rolled up over its sub-codes): coded segments, participants and transcripts."""
    up = ancestors_map(data.codes)
    transcripts = {t.id: t for t in data.transcripts}
    speaking = {s.id: s for s in data.segments}
    segs: dict[str, set[int]] = {c.key: set() for c in data.codes}
    people: dict[str, set[Counted]] = {c.key: set() for c in data.codes}
    trans: dict[str, set[int]] = {c.key: set() for c in data.codes}
    for u in units:
        seg = speaking.get(u.segment_id)
        t = transcripts.get(u.transcript_id)
        pid = t.person_id(seg.speaker if seg else None) if t else None
        for key in up.get(u.code_key, ()):
            segs[key].update(u.segments or (u.segment_id,))  # each turn a passage runs over
            people[key].add(pid if pid is not None else ("t", u.transcript_id))
            trans[key].add(u.transcript_id)
    return {k: CodeCount(len(segs[k]), len(people[k]), len(trans[k])) for k in segs}


def numbering(codes: list[ExportCode]) -> dict[str, str]:
    out: dict[str, str] = {}
    counters: dict[str | None, int] = {}
    for c in codes:
        counters[c.key] = 0
        counters[c.parent_key] = counters.get(c.parent_key, 0) + 1
        prefix = out.get(c.parent_key, "") if c.parent_key else ""
        out[c.key] = f"{prefix}.{counters[c.parent_key]}" if prefix else str(counters[c.parent_key])
    return out


def _counts_note(data: ExportData, source: str, total: int) -> str:
    return (
        f"{len(data.codes)} codes (version {data.codebook_version}). Counts: {source}; "
        f"a code with sub-codes counts each segment coded with it or below it once; "
        f"participants out of {total}."
    )


def _fields(c: ExportCode, counts: dict[str, CodeCount] | None, total: int, parent: bool) -> list[tuple[str, str]]:
    """(label, text) of what the appendix says about a code, in order."""
    out = [
        (label, value)
        for label, value in (("Definition", c.description), ("Include", c.include), ("Exclude", c.exclude))
        if value.strip()
    ]
    if c.example.strip():
        out.append(("Example", f"“{c.example.strip().strip(chr(34)).strip('“”')}”"))
    if c.keywords:
        out.append(("Keywords", ", ".join(c.keywords)))
    if counts is not None:
        k = counts[c.key]
        below = " (with its sub-codes)" if parent else ""
        out.append(("Coded", f"{k.segments} segments{below}, from {k.participants} of {total} participants"))
    return out


def write_codebook_docx(
    data: ExportData, counts: dict[str, CodeCount] | None, path: str | Path, source: str = ""
) -> None:
    """The Markdown appendix as a Word document (headings numbered by the tree, one list per code)."""
    from qualcode.export.pages import DocxBody, docx_text, new_document, note_paragraph, save_atomic

    numbers = numbering(data.codes)
    doc = new_document(f"Codebook: {data.codebook_name}")
    body = DocxBody(doc)
    if data.codebook_description.strip():
        body.paragraph(data.codebook_description)
    if data.codebook_source.strip():
        body.paragraph(f"Source: {data.codebook_source}")
    total = len(data.participants)
    if counts is not None:
        note_paragraph(doc, _counts_note(data, source, total), body)
    children = {c.parent_key for c in data.codes}
    for c in data.codes:
        body.paragraph(f"{numbers[c.key]} {c.name}", f"Heading {min(9, 2 + c.depth)}")
        for label, value in [*_fields(c, counts, total, c.key in children), ("Id", c.key)]:
            para = body.paragraph(style="List Bullet")
            para.add_run(docx_text(f"{label}: ")).bold = True
            para.add_run(docx_text(value))
    save_atomic(doc.save, path)


def codebook_markdown(
    data: ExportData, counts: dict[str, CodeCount] | None, source: str = "", n_participants: int | None = None
) -> str:
    numbers = numbering(data.codes)
    lines = [f"# Codebook: {md_escape(data.codebook_name)}", ""]
    if data.codebook_description.strip():
        lines += [md_escape(data.codebook_description), ""]
    if data.codebook_source.strip():
        lines += [f"Source: {md_escape(data.codebook_source)}", ""]
    total = n_participants if n_participants is not None else len(data.participants)
    if counts is not None:
        lines += [_counts_note(data, md_escape(source), total), ""]
    children = {c.parent_key for c in data.codes}
    for c in data.codes:
        level = "#" * min(6, 2 + c.depth)
        lines += [f"{level} {numbers[c.key]} {md_escape(c.name)}", ""]
        for label, value in _fields(c, counts, total, c.key in children):
            lines.append(f"- **{label}:** {md_escape(value)}")
        lines.append(f"- **Id:** `{c.key}`")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
