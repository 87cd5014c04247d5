"""One entry for the import command: which reader reads another tool's file, and what it holds.

Apart from ``qualcode.ingest.peers`` (telling the files apart, reading SQLite safely), which the
readers import: the entry imports the readers, so in one module the two would import each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import InputError
from qualcode.ingest.peers import open_readonly, peer_kind, table_names

if TYPE_CHECKING:
    from qualcode.export.refi import RefiProject


def read_peer(path: Path) -> RefiProject:
    """A QualCoder project, a Taguette export or a Taguette codebook CSV as REFI records.

    (A Taguette highlights CSV needs the project's transcripts: ``qualcode.project`` places it.)
    """
    from qualcode.ingest.qualcoder import read_qualcoder
    from qualcode.ingest.taguette import read_taguette, read_taguette_codebook

    kind = peer_kind(path)
    if kind == "qualcoder":
        return read_qualcoder(path)
    if kind == "taguette":
        return read_taguette(path)
    if kind == "taguette-codebook":
        return read_taguette_codebook(path)
    if kind == "sqlite":
        with open_readonly(path) as db:
            table_names(db)  # a damaged database says so here
        raise InputError(
            str(path),
            "an SQLite database, but neither a QualCoder project nor a Taguette export "
            "(a qualcode project is merged with `qualcode merge`)",
        )
    raise InputError(str(path), "not a QualCoder project or a Taguette export")


def describe_peer(path: Path) -> tuple[str, list[str]]:
    """One line saying what another tool's file holds, and what would not be carried."""
    from qualcode.ingest.taguette import read_taguette_highlights

    if peer_kind(path) == "taguette-highlights":
        rows = read_taguette_highlights(path)
        documents = {r.document for r in rows}
        highlights = {(r.document, r.id) for r in rows}
        tags = {r.tag for r in rows if r.tag}
        return (
            f"{path}: Taguette highlights: {len(highlights)} highlights with {len(tags)} tags on "
            f"{len(documents)} documents (found in the project's transcripts when imported)",
            [],
        )
    doc = read_peer(path)
    kind = {"qualcoder": "a QualCoder project", "taguette": "a Taguette project export"}.get(
        peer_kind(path) or "", "a Taguette codebook"
    )
    line = f"{path}: {kind} ({doc.origin}): {_n(len(list(doc.all_codes())), 'code')}"
    if doc.kind == "project":
        codings = [c for s in doc.sources for sel in s.selections for c in sel.codings]
        coders = {c.user for c in codings}
        line += (
            f", {_n(len(doc.sources), 'text')}, {_n(len(codings), 'coding')} by {_n(len(coders), 'coder')}, "
            f"{_n(len(doc.cases), 'case')}, {_n(len(doc.notes), 'memo')}"
        )
    return line, list(doc.warnings)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
