"""The analyses that only read a project: retrieval, co-occurrence, group comparison.

Reads are thin: a read of the part of the study the analysis shows (``qualcode.project.slices``:
one code's codings, the turns they run over and their transcripts' texts, not the whole project)
and the domain call in ``qualcode.analysis``. The last few reads are kept while the project's data
does not change — its version is the event log's newest id and length, since every change is one
event — so a screen that re-queries with another filter or coder does not read again.

The reads are SQL text run by a ``qualcode.project.sql.Reader``: the store's sessions on every
backend (``qualcode.project.analysis.AnalysisPart``, which adds the framework matrices), or
sqlite3 on a current SQLite project (``qualcode.project.light``). Nothing here imports SQLAlchemy.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from threading import Lock
from typing import Any, TypeVar

from qualcode.analysis import matrix as fm
from qualcode.analysis.compare import Comparison, compare_groups
from qualcode.analysis.cooccurrence import Cooccurrence, cooccurrence, shared_segments
from qualcode.analysis.retrieval import Passage, Retrieval, Study, retrieve, text_filter
from qualcode.analysis.themes import redactor
from qualcode.errors import QualcodeError
from qualcode.heap import paused_gc
from qualcode.project.slices import (
    Slice,
    StudyOutline,
    identifying_terms,
    read_outline,
    read_slice,
    setting,
    span_texts,
)
from qualcode.project.sql import Reader
from qualcode.study import ExportData

SLICES_KEPT = 4  # reads kept per data version (a screen's code and the one before it)

Where = Mapping[str, Sequence[str]]
F = TypeVar("F", bound=Callable[..., Any])


def without_gc(method: F) -> F:
    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        with paused_gc():
            return method(*args, **kwargs)

    return run  # type: ignore[return-value]


class AnalysisReads:
    """The analyses that only read: retrieval, co-occurrence, group comparison and what they
    check filters against, on the slices ``reading`` reads (see the module's docstring).
    ``location``: the project's, whose file name names a project without a ``name`` setting."""

    def __init__(self, reading: Callable[[], AbstractContextManager[Reader]], location: str) -> None:
        self._reading = reading
        self._location = location
        self._lock = Lock()
        self._version: tuple[int, int] | None = None
        self._full: tuple[ExportData, Study] | None = None  # texts, memos and details
        self._lean: tuple[ExportData, Study] | None = None  # codes, people and codings only
        self._terms: list[tuple[str, str]] | None = None
        self._slices: dict[Slice, tuple[ExportData, Study]] = {}
        self._outline: StudyOutline | None = None  # codebook, coders, participants: what every page reads

    # ------------------------------------------------------------------ the cached read

    def data_version(self) -> tuple[int, int]:
        """(newest event id, number of events): changes with every change to the project.

        The count catches a PostgreSQL transaction that took an earlier id but committed later.
        """
        with self._reading() as r:
            newest, n = r.one("SELECT max(id), count(id) FROM events") or (None, None)
        return (newest or 0, n or 0)

    def _fresh(self) -> None:
        """Forget what was read if the project changed since (called holding the lock)."""
        version = self.data_version()
        if version != self._version:
            self._version, self._full, self._lean, self._terms = version, None, None, None
            self._slices, self._outline = {}, None

    def _slice(self, want: Slice) -> tuple[ExportData, Study]:
        """The part of the study ``want`` names (kept while the data does not change)."""
        with self._lock:
            self._fresh()
            found = self._slices.pop(want, None)
            if found is None:
                with self._reading() as r:
                    name = setting(r, "name") or Path(self._location).stem
                    if self._outline is None:  # read once per version of the data, as pages do
                        self._outline = read_outline(r)
                    data = read_slice(r, name, want, self._outline)
                found = (data, Study(data))
            self._slices[want] = found  # the newest last
            while len(self._slices) > SLICES_KEPT:
                del self._slices[next(iter(self._slices))]
            return found

    def last_read(self) -> ExportData | None:
        """The part of the study the latest query read (what a slice holds, for checks)."""
        with self._lock:
            return next(reversed(self._slices.values()))[0] if self._slices else None

    def frame(self, transcripts: bool = True) -> ExportData:
        """The study's shape without its words: codes, coders, participants and (unless not
        ``transcripts``) transcripts, no texts, segments or codings: what filters, groups and
        matrix rows are checked against."""
        return self._slice(Slice((), transcripts="all" if transcripts else "touched"))[0]

    def _passages(
        self, roots: tuple[str, ...], below: bool, context: int, transcripts: str = "touched", texts: bool = True
    ) -> tuple[ExportData, Study]:
        """What passages of ``roots`` show: their codings, texts, turns (and ``context`` around), memos.
        Without ``texts``: no texts and no turns around (``context`` is not read)."""
        if not texts:
            return self._slice(Slice(roots, below, transcripts, False, "covered", memos=True, details=True))
        segments = "context" if context > 0 else "covered"
        want = Slice(roots, below, transcripts, True, segments, max(context, 0), memos=True, details=True)
        return self._slice(want)

    def _redact(self, redact: bool) -> list[tuple[str, str]] | None:
        if not redact:
            return None
        with self._lock:
            if self._terms is None:
                with self._reading() as r:
                    self._terms = identifying_terms(r)
            return self._terms

    def forget(self) -> None:
        """Drop the cached read (the next query reads the project again)."""
        with self._lock:
            self._version = self._full = self._lean = self._terms = self._outline = None
            self._slices = {}

    # ------------------------------------------------------------------ reads

    @without_gc
    def retrieve(
        self,
        code: str,
        *,
        subcodes: bool = True,
        where: Where | None = None,
        coders: Sequence[str] | None = None,
        agreed: int = 0,
        text: str | None = None,
        context: int = 0,
        redact: bool = True,
        texts: bool = True,
    ) -> Retrieval:
        """Every passage coded with ``code`` (and its sub-codes) across the study that passes the filters.

        Without ``texts``: the same passages without their words or the turns around them
        (``text`` empty, no ``before``/``after``): what a list needs to order, group, count and
        filter them, read without any transcript's text; ``passage_texts`` reads the words of
        the few shown."""
        if context < 0:
            raise QualcodeError("--context must be 0 or more")
        data, study = self._passages((code,), subcodes, context, texts=texts)
        found = retrieve(
            data,
            code,
            subcodes=subcodes,
            where=where,
            coders=coders,
            agreed=agreed,
            text=text if texts else None,
            context=context if texts else 0,
            redact=self._redact(redact),
            study=study,
        )
        if not texts:
            found.texts = False
            if text:
                found.passages = self.passages_containing(found.passages, text, redact=False)
                found.filters.append(f"text contains {text!r}")
        return found

    @without_gc
    def cooccurrence(
        self, *, coders: Sequence[str] | None = None, rollup: bool = False, where: Where | None = None
    ) -> Cooccurrence:
        """Which codes are applied to the same segment: counts and Jaccard per pair."""
        data, study = self._slice(Slice(None, segments="covered"))
        return cooccurrence(data, coders, rollup, where, study)

    @without_gc
    def shared_passages(
        self,
        a: str,
        b: str,
        *,
        coders: Sequence[str] | None = None,
        rollup: bool = False,
        context: int = 0,
        redact: bool = True,
        texts: bool = True,
    ) -> Retrieval:
        """The passages of ``a`` and of ``b`` in the segments coded with both: what a co-occurrence cell opens.

        With ``rollup`` ``a`` and ``b`` are top-level themes and their sub-codes count as them.
        Without ``texts``, the passages come without their words (as ``retrieve``'s).
        """
        data, study = self._passages((a, b), rollup, context, texts=texts)
        if not texts:
            context = 0
        segments = shared_segments(data, a, b, coders, rollup, None, study)
        terms = self._redact(redact)
        found = [
            retrieve(
                data,
                key,
                subcodes=rollup,
                coders=coders,
                segments=segments,
                context=context,
                redact=terms,
                study=study,
            )
            for key in (a, b)
        ]
        passages = [p for r in found for p in r.passages]
        passages.sort(
            key=lambda p: (study.transcript_order.get(p.transcript_id, 0), p.start, p.end, study.order[p.code])
        )
        first, second = found
        return Retrieval(
            a,
            f"{first.code_name} and {second.code_name}",
            tuple(dict.fromkeys(first.codes + second.codes)),
            passages,
            first.source,
            [f"segments coded with both {first.code_name} and {second.code_name}"],
            context,
            bool(terms),
            data.project_name,
            texts,
        )

    @without_gc
    def passage_texts(self, passages: Sequence[Passage], *, context: int = 0, redact: bool = True) -> list[Passage]:
        """``passages`` (read without ``texts``) with their words and ``context`` turns either side,
        in the same order: a page of a list. What is read is the slice of the passages' codes
        restricted to their transcripts, and ``retrieve`` cuts the words and turns from it exactly
        as from the code's whole slice, so a page shows what ``retrieve`` with ``texts`` shows.
        A passage whose coding is gone since comes back as it was given."""
        if context < 0:
            raise QualcodeError("--context must be 0 or more")
        if not passages:
            return []
        codes = tuple(sorted({p.code for p in passages}))
        transcripts = tuple(sorted({p.transcript_id for p in passages}))
        segments = "context" if context > 0 else "covered"
        want = Slice(codes, False, "touched", True, segments, context, transcript_ids=transcripts)
        with self._lock:  # the outline is read once per version of the data, not once per page
            self._fresh()
            with self._reading() as r:
                if self._outline is None:
                    self._outline = read_outline(r)
                data = read_slice(r, "", want, self._outline)
        study = Study(data)
        terms = self._redact(redact)
        full: dict[tuple[str, int, int, int], Passage] = {}
        for code in codes:
            if code not in study.codes:  # deleted since the list was read
                continue
            for p in retrieve(data, code, subcodes=False, context=context, redact=terms, study=study).passages:
                full[(p.code, p.transcript_id, p.start, p.end)] = p
        out = []
        for p in passages:
            f = full.get((p.code, p.transcript_id, p.start, p.end))
            out.append(p if f is None else dataclasses.replace(p, text=f.text, before=f.before, after=f.after))
        return out

    def passages_containing(self, passages: Sequence[Passage], text: str, *, redact: bool = True) -> list[Passage]:
        """Those of ``passages`` whose words contain ``text`` (``retrieve``'s rule,
        ``analysis.retrieval.text_filter``), in their order. With ``redact`` the words are read as
        the analysis shows them, names blacked out, so a name it hides finds nothing; without,
        as stored (``retrieve``'s ``text`` filter). The words are read a few transcripts at a
        time and none is kept."""
        wanted = text_filter(text)
        if wanted is None:
            return list(passages)
        blackout = redactor(self._redact(redact) or [])
        spans = {(p.transcript_id, p.start, p.end) for p in passages}
        with self._reading() as r:
            found = {span for span, words in span_texts(r, spans) if wanted(blackout(words))}
        return [p for p in passages if (p.transcript_id, p.start, p.end) in found]

    @without_gc
    def compare_groups(self, a_where: Where, b_where: Where, *, coders: Sequence[str] | None = None) -> Comparison:
        """Per code, the share of each group's participants who mention it, side by side."""
        data, study = self._slice(Slice(None, transcripts="all"))
        return compare_groups(data, a_where, b_where, coders, study=study)

    # ------------------------------------------------------------------ framework matrices (reading)

    def matrices(self) -> list[fm.FrameworkMatrix]:
        """Every framework matrix in the project, by name, with its summaries."""
        with self._reading() as r:
            return [_framework(r, row) for row in list(r.rows(f"{_MATRIX} ORDER BY name"))]

    def matrix(self, name: str) -> fm.FrameworkMatrix:
        with self._reading() as r:
            row = r.one(f"{_MATRIX} WHERE name = :name", {"name": name.strip()})
            if row is None:
                known = ", ".join(n for (n,) in r.rows("SELECT name FROM matrices ORDER BY name")) or "none yet"
                raise QualcodeError(f"no matrix named {name!r} (matrices: {known})")
            return _framework(r, row)

    @without_gc
    def cell_passages(
        self,
        name: str,
        row: str,
        column: str,
        *,
        coders: Sequence[str] | None = None,
        context: int = 0,
        redact: bool = True,
    ) -> Retrieval:
        """What supports a cell: passages of the row's participants coded with the column's code or below it."""
        matrix = self.matrix(name)
        data, study = self._passages((column,), True, context, transcripts="all")
        if row not in matrix.rows or column not in matrix.columns:
            raise QualcodeError(f"the matrix {matrix.name!r} has no cell {row!r} × {column!r}")
        members = fm.row_members(matrix, data)[row]
        return retrieve(
            data,
            column,
            participants=members,
            coders=coders,
            context=context,
            redact=self._redact(redact),
            study=study,
        )

    @without_gc
    def matrix_view(
        self,
        name: str,
        *,
        counts: bool = False,
        quotes: int = 0,
        coders: Sequence[str] | None = None,
        redact: bool = True,
    ) -> fm.MatrixView:
        """A matrix ready to write (``qualcode.export.framework``): summaries, optional counts and quotes."""
        matrix = self.matrix(name)
        if counts or quotes:
            data = self._slice(Slice(tuple(matrix.columns), transcripts="all", texts=True, segments="covered"))[0]
        else:
            data = self.frame()
        return fm.build_matrix_view(matrix, data, counts, quotes, coders, self._redact(redact))


_MATRIX = 'SELECT id, name, rows_by, "rows", "columns", description FROM matrices'


def framework_of(r: Reader, matrix_id: int) -> fm.FrameworkMatrix:
    """The stored matrix with this id and its summaries (what a change to it returns)."""
    row = r.one(f"{_MATRIX} WHERE id = :id", {"id": matrix_id})
    if row is None:
        raise QualcodeError(f"no matrix with id {matrix_id}")
    return _framework(r, row)


def _framework(r: Reader, row: Sequence[Any]) -> fm.FrameworkMatrix:
    mid, name, rows_by, rows, columns, description = row
    cells = {
        (label, key): text
        for label, key, text in r.rows(
            "SELECT row_label, column_key, text FROM matrix_cells WHERE matrix_id = :id", {"id": mid}
        )
    }
    return fm.FrameworkMatrix(name, rows_by, list(r.json(rows) or ()), list(r.json(columns) or ()), cells, description)
