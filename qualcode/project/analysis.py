"""The analysis stage on a project: retrieval, co-occurrence, group comparison, framework matrices.

Reads are thin: a read of the part of the study the analysis shows (``qualcode.project.slices``:
one code's codings, the turns they run over and their transcripts' texts, not the whole project)
and the domain call in ``qualcode.analysis``. The last few reads are kept while the project's data
does not change — its version is the event log's newest id and length, since every change is one
event — so a screen that re-queries with another filter or coder does not read again.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from threading import Lock
from typing import Any, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from qualcode.analysis import matrix as fm
from qualcode.analysis.compare import Comparison, compare_groups
from qualcode.analysis.cooccurrence import Cooccurrence, cooccurrence, shared_segments
from qualcode.analysis.retrieval import Passage, Retrieval, Study, retrieve, text_filter
from qualcode.analysis.themes import redactor
from qualcode.db.models import Event, Matrix, MatrixCell, utcnow
from qualcode.errors import GoneSince, QualcodeError
from qualcode.heap import paused_gc
from qualcode.limits import check_length
from qualcode.project import events
from qualcode.project.exchange import ExchangePart
from qualcode.project.mapping import StudyOutline, study_outline
from qualcode.project.slices import Slice, read_slice, span_texts
from qualcode.store import Store, coder_row, log_event, new_guid, setting_value
from qualcode.study import ExportData

SLICES_KEPT = 4  # reads kept per data version (a screen's code and the one before it)

Where = Mapping[str, Sequence[str]]
F = TypeVar("F", bound=Callable[..., Any])


def _without_gc(method: F) -> F:
    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        with paused_gc():
            return method(*args, **kwargs)

    return run  # type: ignore[return-value]


class AnalysisPart:
    def __init__(self, store: Store, exchange: ExchangePart) -> None:
        self._store = store
        self._exchange = exchange
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
        with self._store.read() as s:
            newest, n = s.execute(select(func.max(Event.id), func.count(Event.id))).one()
        return (newest or 0, n or 0)

    def _fresh(self) -> None:
        """Forget what was read if the project changed since (called holding the lock)."""
        version = self.data_version()
        if version != self._version:
            self._version, self._full, self._lean, self._terms = version, None, None, None
            self._slices, self._outline = {}, None

    def _read(self, full: bool) -> tuple[ExportData, Study]:
        with self._lock:
            self._fresh()
            if self._full is not None:
                return self._full
            if full:
                data = self._exchange.export_data(texts=True, memos=True, details=True)
                self._full = (data, Study(data))
                return self._full
            if self._lean is None:
                data = self._exchange.export_data(texts=False, memos=False, details=False)
                self._lean = (data, Study(data))
            return self._lean

    def _slice(self, want: Slice) -> tuple[ExportData, Study]:
        """The part of the study ``want`` names (kept while the data does not change)."""
        with self._lock:
            self._fresh()
            found = self._slices.pop(want, None)
            if found is None:
                with self._store.read() as s:
                    name = setting_value(s, "name") or Path(self._store.location).stem
                    data = read_slice(s, name, want)
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
                self._terms = self._exchange.identifying_terms()
            return self._terms

    def data(self, full: bool = True) -> ExportData:
        """The project's rows as the analysis reads them (cached per data version: read, never modify).

        ``full=False`` may leave out texts, memos and coding details."""
        return self._read(full)[0]

    def forget(self) -> None:
        """Drop the cached read (the next query reads the project again)."""
        with self._lock:
            self._version = self._full = self._lean = self._terms = self._outline = None
            self._slices = {}

    # ------------------------------------------------------------------ reads

    @_without_gc
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

    @_without_gc
    def cooccurrence(
        self, *, coders: Sequence[str] | None = None, rollup: bool = False, where: Where | None = None
    ) -> Cooccurrence:
        """Which codes are applied to the same segment: counts and Jaccard per pair."""
        data, study = self._slice(Slice(None, segments="covered"))
        return cooccurrence(data, coders, rollup, where, study)

    @_without_gc
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

    @_without_gc
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
            with self._store.read() as s:
                if self._outline is None:
                    self._outline = study_outline(s)
                data = read_slice(s, "", want, self._outline)
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
        with self._store.read() as s:
            found = {span for span, words in span_texts(s, spans) if wanted(blackout(words))}
        return [p for p in passages if (p.transcript_id, p.start, p.end) in found]

    @_without_gc
    def compare_groups(self, a_where: Where, b_where: Where, *, coders: Sequence[str] | None = None) -> Comparison:
        """Per code, the share of each group's participants who mention it, side by side."""
        data, study = self._slice(Slice(None, transcripts="all"))
        return compare_groups(data, a_where, b_where, coders, study=study)

    # ------------------------------------------------------------------ framework matrices

    def matrices(self) -> list[fm.FrameworkMatrix]:
        """Every framework matrix in the project, by name, with its summaries."""
        with self._store.read() as s:
            rows = list(s.scalars(select(Matrix).order_by(Matrix.name)))
            return [_framework(s, m) for m in rows]

    def matrix(self, name: str) -> fm.FrameworkMatrix:
        with self._store.read() as s:
            return _framework(s, _matrix_row(s, name))

    def create_matrix(
        self,
        name: str,
        rows_by: str,
        rows: Sequence[str],
        columns: Sequence[str],
        *,
        coder: str | None,
        description: str = "",
        cells: Mapping[tuple[str, str], str] | None = None,
    ) -> fm.FrameworkMatrix:
        """A new matrix: ``rows`` (participant labels, or values of the attribute ``rows_by``) ×
        ``columns`` (code keys). ``cells`` fills summaries at once (a matrix read from a file).

        One event; ``coder`` undoes it (None: an import nobody undoes).
        """
        raw = {
            "name": name,
            "description": description,
            "rows_by": rows_by,
            "rows": list(rows),
            "columns": list(columns),
            "cells": {},
        }
        matrix = fm.matrix_from_dict(raw, "matrix")
        check_length("matrix name", matrix.name, "the new matrix")
        for row in matrix.rows:
            check_length("matrix row", row, f"matrix {matrix.name!r}")
        for (row, column), text in (cells or {}).items():
            if row not in matrix.rows or column not in matrix.columns:
                raise QualcodeError(f"matrix {matrix.name!r}: no cell {row!r} × {column!r}")
            if text and text.strip():
                matrix.cells[(row, column)] = text.strip()
        problems = fm.check_matrix(matrix, self.frame())
        if problems:
            raise QualcodeError(f"matrix {matrix.name!r}: {problems[0]}")
        with self._store.tx() as s:
            coder_id = coder_row(s, coder)[0] if coder is not None else None
            if s.scalar(select(Matrix.id).where(Matrix.name == matrix.name)) is not None:
                raise QualcodeError(f"there is already a matrix named {matrix.name!r}")
            stored = Matrix(
                name=matrix.name,
                description=matrix.description,
                rows_by=matrix.rows_by,
                rows=matrix.rows,
                columns=matrix.columns,
                guid=new_guid(),
            )
            s.add(stored)
            s.flush()
            cell_rows = [{"row": r, "column": c, "text": t} for (r, c), t in matrix.cells.items()]
            for cell in cell_rows:
                s.add(
                    MatrixCell(
                        matrix_id=stored.id,
                        row_label=cell["row"],
                        column_key=cell["column"],
                        text=cell["text"],
                        coder_id=coder_id,
                    )
                )
            log_event(s, coder_id, "matrix.create", {"matrix": _matrix_dict(stored), "cells": cell_rows})
            s.flush()
            return _framework(s, stored)

    def import_matrix(self, matrix: fm.FrameworkMatrix, *, coder: str | None = None) -> fm.FrameworkMatrix:
        """Store a matrix read from a file (``qualcode.analysis.matrix.load_matrix``): one event."""
        return self.create_matrix(
            matrix.name,
            matrix.rows_by,
            matrix.rows,
            matrix.columns,
            coder=coder,
            description=matrix.description,
            cells=matrix.cells,
        )

    def set_cell(self, name: str, row: str, column: str, text: str, *, coder: str) -> fm.FrameworkMatrix:
        """Write (or with empty text, clear) the summary in one cell: one event, undone by ``coder``."""
        text = (text or "").strip()
        with self._store.tx() as s:
            coder_id, _ = coder_row(s, coder)
            m = _matrix_row(s, name)
            row, column = _cell_names(m, row, column)
            cell = _cell(s, m.id, row, column)
            before = cell.text if cell is not None else None
            if before != (text or None):
                payload = {
                    "matrix_id": m.id,
                    "guid": m.guid,
                    "name": m.name,
                    "row": row,
                    "column": column,
                    "before": before,
                    "after": text or None,
                }
                _write_cell(s, m.id, row, column, text or None, coder_id)
                log_event(s, coder_id, "matrix.cell", payload)
                s.flush()
            return _framework(s, m)

    def delete_matrix(self, name: str, *, coder: str) -> None:
        """Delete a matrix and its summaries: one event, undone by ``coder``."""
        with self._store.tx() as s:
            coder_id, _ = coder_row(s, coder)
            m = _matrix_row(s, name)
            cells = [
                {"row": c.row_label, "column": c.column_key, "text": c.text, "coder_id": c.coder_id}
                for c in s.scalars(select(MatrixCell).where(MatrixCell.matrix_id == m.id).order_by(MatrixCell.id))
            ]
            payload = {"matrix": _matrix_dict(m), "cells": cells}
            s.execute(delete(MatrixCell).where(MatrixCell.matrix_id == m.id))
            s.delete(m)
            log_event(s, coder_id, "matrix.delete", payload)

    @_without_gc
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

    @_without_gc
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


# ---------------------------------------------------------------------- rows and events


def _matrix_row(s: Session, name: str) -> Matrix:
    m = s.scalars(select(Matrix).where(Matrix.name == name.strip())).first()
    if m is None:
        known = ", ".join(s.scalars(select(Matrix.name).order_by(Matrix.name))) or "none yet"
        raise QualcodeError(f"no matrix named {name!r} (matrices: {known})")
    return m


def _cell_names(m: Matrix, row: str, column: str) -> tuple[str, str]:
    row, column = row.strip(), column.strip()
    if row not in m.rows:
        raise QualcodeError(f"the matrix {m.name!r} has no row {row!r} (rows: {', '.join(m.rows)})")
    if column not in m.columns:
        raise QualcodeError(f"the matrix {m.name!r} has no column {column!r} (columns: {', '.join(m.columns)})")
    return row, column


def _cell(s: Session, matrix_id: int, row: str, column: str) -> MatrixCell | None:
    return s.scalars(
        select(MatrixCell).where(
            MatrixCell.matrix_id == matrix_id, MatrixCell.row_label == row, MatrixCell.column_key == column
        )
    ).first()


def _write_cell(s: Session, matrix_id: int, row: str, column: str, text: str | None, coder_id: int | None) -> None:
    cell = _cell(s, matrix_id, row, column)
    if text is None:
        if cell is not None:
            s.delete(cell)
    elif cell is None:
        s.add(MatrixCell(matrix_id=matrix_id, row_label=row, column_key=column, text=text, coder_id=coder_id))
    else:
        cell.text, cell.coder_id, cell.updated_at = text, coder_id, utcnow()


def _matrix_dict(m: Matrix) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": m.name,
        "description": m.description,
        "rows_by": m.rows_by,
        "rows": list(m.rows),
        "columns": list(m.columns),
        "guid": m.guid,
    }


def _framework(s: Session, m: Matrix) -> fm.FrameworkMatrix:
    cells = {
        (r, c): t
        for r, c, t in s.execute(
            select(MatrixCell.row_label, MatrixCell.column_key, MatrixCell.text).where(MatrixCell.matrix_id == m.id)
        )
    }
    return fm.FrameworkMatrix(m.name, m.rows_by, list(m.rows), list(m.columns), cells, m.description)


def _same_matrix(s: Session, data: dict[str, Any]) -> Matrix | None:
    row = s.get(Matrix, data["id"])
    return row if row is not None and row.guid == data["guid"] else None


def _restore_matrix(s: Session, data: dict[str, Any], cells: list[dict[str, Any]], coder_id: int | None) -> None:
    if s.scalar(select(Matrix.id).where(Matrix.name == data["name"])) is not None:
        raise QualcodeError(f"another matrix is named {data['name']!r} now")
    s.add(Matrix(**data))
    s.flush()
    for c in cells:
        s.add(
            MatrixCell(
                matrix_id=data["id"],
                row_label=c["row"],
                column_key=c["column"],
                text=c["text"],
                coder_id=c.get("coder_id", coder_id),
            )
        )


def undo_matrix_event(s: Session, kind: str, payload: dict[str, Any], coder_id: int | None, redo: bool = False) -> None:
    """Reverse (or with ``redo`` re-apply) a matrix event in session ``s``."""
    create = (kind == "matrix.delete") != redo  # undoing a delete creates again; redoing a create too
    if kind in ("matrix.create", "matrix.delete"):
        data = payload["matrix"]
        if create:
            _restore_matrix(s, data, payload.get("cells", []), coder_id)
            return
        m = _same_matrix(s, data)
        if m is None:
            raise GoneSince(f"the matrix {data['name']!r} was deleted since")
        if kind == "matrix.create":
            now = {
                (r, c): t
                for r, c, t in s.execute(
                    select(MatrixCell.row_label, MatrixCell.column_key, MatrixCell.text).where(
                        MatrixCell.matrix_id == m.id
                    )
                )
            }
            then = {(c["row"], c["column"]): c["text"] for c in payload.get("cells", [])}
            if now != then:
                raise QualcodeError(f"the matrix {m.name!r} has summaries written since; delete it instead")
        s.execute(delete(MatrixCell).where(MatrixCell.matrix_id == m.id))
        s.delete(m)
        return
    if kind == "matrix.cell":
        m = _same_matrix(s, {"id": payload["matrix_id"], "guid": payload["guid"]})
        if m is None:
            raise GoneSince(f"the matrix {payload['name']!r} was deleted since")
        value = payload["after"] if redo else payload["before"]
        _write_cell(s, m.id, payload["row"], payload["column"], value, coder_id)
        return
    raise QualcodeError(f"cannot undo {kind}")  # pragma: no cover - only the matrix kinds are registered


events.register(
    ("matrix.create", "matrix.delete"),
    undo=lambda c: undo_matrix_event(c.s, c.kind, c.payload, c.coder_id),
    redo=lambda c: undo_matrix_event(c.s, c.kind, c.payload, c.coder_id, redo=True),
    fields=lambda p: {"matrix_name": (p.get("matrix") or {}).get("name")},
)
events.register(
    "matrix.cell",
    undo=lambda c: undo_matrix_event(c.s, c.kind, c.payload, c.coder_id),
    redo=lambda c: undo_matrix_event(c.s, c.kind, c.payload, c.coder_id, redo=True),
    fields=lambda p: {"matrix_name": p.get("name"), "matrix_row": p.get("row"), "matrix_column": p.get("column")},
)
