"""The code report: every passage of a code across the study, as Markdown, CSV, JSON, HTML or Word.

Renders a ``qualcode.analysis.retrieval.Retrieval`` (names already blacked out there when asked),
grouped by participant or by an attribute. Passages are attributed the way the theme tables
attribute quotes ("Headteacher, School C (RLN)"), with transcript and segment number (from 1).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

from qualcode.analysis.retrieval import Passage, Retrieval, Turn, group_passages
from qualcode.export.pages import DocxBody, docx_text, e, html_page, new_document, note_paragraph, save_atomic
from qualcode.export.render import md_escape, safe_cell
from qualcode.segments import clock, segment_label, segment_ref


def heading(r: Retrieval) -> str:
    return f"Code report: {r.code_name}"


def _where(p: Passage) -> str:
    at = f", {clock(p.time_start)}" if p.time_start is not None else ""
    return f"{p.transcript}, {segment_label(p.position)}{at}"


def _summary(r: Retrieval) -> str:
    n = len(r.passages)
    spans = len({(p.transcript_id, p.start, p.end) for p in r.passages})
    also = f" ({spans} distinct spans; a span under several codes is shown once)" if spans != n else ""
    people = f"{r.participants} participant{'' if r.participants == 1 else 's'}"
    return f"{n} coded passage{'' if n == 1 else 's'}{also} from {people}."


def render_json(r: Retrieval, by: str = "participant", names: dict[str, str] | None = None) -> str:
    """Every passage as data (``by`` and ``names`` shape the documents; every writer here takes them).

    One key of the document a line and one passage a line, each written compactly: what
    ``indent`` gives would take CPython's pure-Python encoder (three to four times as long on a
    theme's thousands of passages); without it ``json.dumps`` runs the C encoder."""
    doc = r.as_json()
    passages = doc.pop("passages")
    lines = [f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}," for key, value in doc.items()]
    if not passages:
        return "{\n" + "\n".join(lines) + '\n  "passages": []\n}\n'
    encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder for them all
    rows = ",\n".join("    " + encode(p) for p in passages)
    return "{\n" + "\n".join(lines) + '\n  "passages": [\n' + rows + "\n  ]\n}\n"


def render_csv(r: Retrieval, by: str = "participant", names: dict[str, str] | None = None) -> str:
    """One row per passage (``by`` and ``names`` shape the documents; every writer here takes them)."""
    keys: dict[str, None] = {}
    for p in r.passages:
        for k in p.attributes:
            keys.setdefault(k, None)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    header = [
        "code_id",
        "transcript",
        "segment",
        "start",
        "end",
        "time",
        "speaker",
        "participant",
        "attribution",
        *keys,
    ]
    header += ["coders", "memos", "text"]
    if r.context:
        header += ["before", "after"]
    w.writerow([safe_cell(h) for h in header])
    for p in r.passages:
        time = clock(p.time_start) if p.time_start is not None else ""
        row = [safe_cell(p.code), safe_cell(p.transcript), p.segment, p.start, p.end, time, safe_cell(p.speaker or "")]
        row += [safe_cell(p.participant)]
        row += [safe_cell(p.attribution), *(safe_cell(str(p.attributes.get(k, ""))) for k in keys)]
        row += [safe_cell(" ".join(p.coders)), safe_cell(" | ".join(p.memos)), safe_cell(p.text)]
        if r.context:
            row += [safe_cell(_turns_text(p.before)), safe_cell(_turns_text(p.after))]
        w.writerow(row)
    return out.getvalue()


def _turns_text(turns: Iterable[Turn]) -> str:
    return "\n".join(f"{segment_ref(t.position)} {t.speaker + ': ' if t.speaker else ''}{t.text}" for t in turns)


def _spans(passages: Iterable[Passage]) -> list[tuple[Passage, list[Passage]]]:
    """Reading formats show a span once: passages of one span under several (sub-)codes are merged."""
    out: list[tuple[Passage, list[Passage]]] = []
    for p in passages:
        if out and (out[-1][0].transcript_id, out[-1][0].start, out[-1][0].end) == (p.transcript_id, p.start, p.end):
            out[-1][1].append(p)
        else:
            out.append((p, [p]))
    return out


def _md_speaker(t: Turn) -> str:
    return md_escape(t.speaker) + ": " if t.speaker else ""


def _memos(same: list[Passage]) -> list[str]:
    return list(dict.fromkeys(m for p in same for m in p.memos))


def _coded(r: Retrieval, same: list[Passage], names: dict[str, str]) -> str:
    """ "coded by alice, bob", or per code when the report covers sub-codes."""
    if len(r.codes) == 1:
        return "coded by " + ", ".join(same[0].coders)
    return "; ".join(f"{names.get(p.code, p.code)} ({', '.join(p.coders)})" for p in same)


def render_markdown(r: Retrieval, by: str = "participant", names: dict[str, str] | None = None) -> str:
    names = names or {}
    lines = [f"# {md_escape(heading(r))}", "", md_escape(_summary(r)), ""]
    lines += [md_escape(n) for n in r.notes()] + [""]
    for group in group_passages(r.passages, by):
        lines += [f"## {md_escape(group.label)} ({len(group.passages)})", ""]
        for p, same in _spans(group.passages):
            for t in p.before:
                lines += [f"> *{_md_speaker(t)}{md_escape(t.text)}*", ">"]
            lines.append(f"> “{md_escape(p.text)}”")
            for t in p.after:
                lines += [">", f"> *{_md_speaker(t)}{md_escape(t.text)}*"]
            lines += [
                "",
                f"— {md_escape(p.attribution)} ({md_escape(_where(p))}) · {md_escape(_coded(r, same, names))}",
                "",
            ]
            memos = _memos(same)
            lines += [f"- Memo: {md_escape(m)}" for m in memos]
            if memos:
                lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_html(r: Retrieval, by: str = "participant", names: dict[str, str] | None = None) -> str:
    names = names or {}
    body = [f'<p class="meta">{e(_summary(r))}</p>']
    body += [f'<p class="note">{e(n)}</p>' for n in r.notes()]
    for group in group_passages(r.passages, by):
        body.append(f"<h2>{e(group.label)} <small>({len(group.passages)})</small></h2>")
        for p, same in _spans(group.passages):
            parts = ['<div class="passage">']
            parts += [f'<p class="context">{e(_turns_text([t]))}</p>' for t in p.before]
            parts.append(
                f"<blockquote>“{e(p.text)}”<cite>— {e(p.attribution)} <small>({e(_where(p))}) · "
                f"{e(_coded(r, same, names))}</small></cite></blockquote>"
            )
            parts += [f'<p class="context">{e(_turns_text([t]))}</p>' for t in p.after]
            parts += [f'<p class="memo">Memo: {e(m)}</p>' for m in _memos(same)]
            parts.append("</div>")
            body.append("\n".join(parts))
    return html_page(heading(r), body)


def write_docx(r: Retrieval, path: str | Path, by: str = "participant", names: dict[str, str] | None = None) -> None:
    """A Word document to annotate: one heading per group, each passage a quote with its attribution."""
    from docx.shared import Pt, RGBColor

    names = names or {}
    doc = new_document(heading(r))
    body = DocxBody(doc)
    body.paragraph(_summary(r))
    for n in r.notes():
        note_paragraph(doc, n, body)
    grey = RGBColor(0x55, 0x55, 0x55)

    def context(turn: Turn) -> None:
        run = body.paragraph().add_run(docx_text(_turns_text([turn])))
        run.italic, run.font.color.rgb, run.font.size = True, grey, Pt(9)

    for group in group_passages(r.passages, by):
        body.paragraph(f"{group.label} ({len(group.passages)})", "Heading 2")
        for p, same in _spans(group.passages):
            for t in p.before:
                context(t)
            body.paragraph(f"“{p.text}”", "Quote")
            for t in p.after:
                context(t)
            cite = body.paragraph()
            cite.add_run(docx_text(f"— {p.attribution}")).bold = True
            cite.add_run(docx_text(f" ({_where(p)}) · {_coded(r, same, names)}")).font.size = Pt(9)
            for m in _memos(same):
                note_paragraph(doc, f"Memo: {m}", body)
    save_atomic(doc.save, path)
