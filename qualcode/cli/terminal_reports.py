"""Reports drawn for a terminal: the code report and the co-occurrence pairs as styled text and
tables, where Markdown would show its marks (`**`, `&emsp;`, `\\[`). `--format md` still gives
Markdown; a pipe or a file gets Markdown by default, as before."""

from __future__ import annotations

from rich.padding import Padding
from rich.text import Text

from qualcode.analysis.cooccurrence import Cooccurrence
from qualcode.analysis.retrieval import Retrieval, group_passages
from qualcode.cli.common import Column, plain, print_table
from qualcode.segments import clock, segment_label


def print_retrieval(out, r: Retrieval, by: str, names: dict[str, str]) -> None:
    n = len(r.passages)
    out.print(plain(f"Code report: {r.code_name}"), style="bold")
    out.print(
        plain(
            f"{n} coded passage{'' if n == 1 else 's'} from {r.participants} participant{'' if r.participants == 1 else 's'}."
        )
    )
    for note in r.notes():
        out.print(plain(note), style="dim")
    for group in group_passages(r.passages, by):
        out.print()
        out.print(plain(f"{group.label} ({len(group.passages)})"), style="bold underline")
        for p in group.passages:
            out.print()
            for t in p.before:
                out.print(
                    Padding(plain(f"{t.speaker + ': ' if t.speaker else ''}{t.text}"), (0, 0, 0, 2)), style="dim italic"
                )
            out.print(Padding(Text.assemble("“", plain(p.text), "”"), (0, 0, 0, 2)))
            for t in p.after:
                out.print(
                    Padding(plain(f"{t.speaker + ': ' if t.speaker else ''}{t.text}"), (0, 0, 0, 2)), style="dim italic"
                )
            at = f", {clock(p.time_start)}" if p.time_start is not None else ""
            code = "" if len(r.codes) == 1 else f" · {names.get(p.code, p.code)}"
            who = plain(p.attribution)
            who.stylize("bold")
            where = plain(f" ({p.transcript}, {segment_label(p.position)}{at}) · coded by {', '.join(p.coders)}{code}")
            where.stylize("dim")
            out.print(Padding(Text.assemble("— ", who, where), (0, 0, 0, 2)))
            for memo in p.memos:
                out.print(Padding(plain(f"Memo: {memo}"), (0, 0, 0, 4)), style="yellow")


def print_cooccurrence(out, c: Cooccurrence) -> None:
    out.print(plain(f"Co-occurrence of codes ({c.unit}s)"), style="bold")
    for note in c.notes():
        out.print(plain(note), style="dim")
    if not c.codes:
        out.print("Nothing is coded yet.")
        return
    names = {x.key: x.name for x in c.codes}
    rows = [[names[p.a], names[p.b], p.segments, f"{p.jaccard:.2f}"] for p in c.pairs]
    if not rows:
        out.print("No two codes share a segment.")
        return
    columns = [Column("code"), Column("code"), Column("segments", numeric=True), Column("Jaccard", numeric=True)]
    print_table(out, columns, rows)
