"""Codebook documents: a Markdown appendix for a paper, YAML, and REFI-QDA `.qdc`.

The appendix lists every code in codebook order, numbered by its place in the tree (1, 1.2,
1.2.3), with its definition, when to use it and when not, an example, its keywords, and how
often it was applied (coded segments and the participants they come from, a parent counting
its sub-codes too).
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.export.data import ExportCode, ExportData
from qualcode.export.render import md_escape
from qualcode.export.themes import Counted, Unit, ancestors_map


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
        lines += [
            f"{len(data.codes)} codes (version {data.codebook_version}). Counts: {md_escape(source)}; "
            f"a code with sub-codes counts each segment coded with it or below it once; "
            f"participants out of {total}.",
            "",
        ]
    children = {c.parent_key for c in data.codes}
    for c in data.codes:
        level = "#" * min(6, 2 + c.depth)
        lines += [f"{level} {numbers[c.key]} {md_escape(c.name)}", ""]
        fields = [("Definition", c.description), ("Include", c.include), ("Exclude", c.exclude)]
        for label, value in fields:
            if value.strip():
                lines.append(f"- **{label}:** {md_escape(value)}")
        if c.example.strip():
            lines.append(f"- **Example:** “{md_escape(c.example.strip().strip(chr(34)).strip('“”'))}”")
        if c.keywords:
            lines.append(f"- **Keywords:** {md_escape(', '.join(c.keywords))}")
        if counts is not None:
            k = counts[c.key]
            below = " (with its sub-codes)" if c.key in children else ""
            lines.append(f"- **Coded:** {k.segments} segments{below}, from {k.participants} of {total} participants")
        lines.append(f"- **Id:** `{c.key}`")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
