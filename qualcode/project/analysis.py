"""The analysis stage on a project: retrieval, co-occurrence, group comparison, framework matrices.

The reads (``qualcode.project.analysis_reads``, run here through the store's sessions on every
backend) and the framework matrices, which are written and undone as events.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qualcode.analysis import matrix as fm
from qualcode.analysis.retrieval import Study
from qualcode.db.models import Matrix, MatrixCell, utcnow
from qualcode.errors import GoneSince, QualcodeError
from qualcode.limits import check_length
from qualcode.project import events
from qualcode.project.analysis_reads import SLICES_KEPT, AnalysisReads, Where, framework_of
from qualcode.project.exchange import ExchangePart
from qualcode.project.sql import Reader, session_reader
from qualcode.store import Store, coder_row, log_event, new_guid
from qualcode.study import ExportData

__all__ = ["SLICES_KEPT", "AnalysisPart", "Where"]


class AnalysisPart(AnalysisReads):
    def __init__(self, store: Store, exchange: ExchangePart) -> None:
        super().__init__(self._session_reader, store.location)
        self._store = store
        self._exchange = exchange

    @contextmanager
    def _session_reader(self) -> Iterator[Reader]:
        with self._store.read() as s:
            yield session_reader(s)

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

    def data(self, full: bool = True) -> ExportData:
        """The project's rows as the analysis reads them (cached per data version: read, never modify).

        ``full=False`` may leave out texts, memos and coding details."""
        return self._read(full)[0]

    # ------------------------------------------------------------------ framework matrices

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
            return framework_of(session_reader(s), stored.id)

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
            return framework_of(session_reader(s), m.id)

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
