"""The analysis reads of a current SQLite project with the standard library's sqlite3.

``retrieve``, ``cooccur``, ``compare``, ``matrix list``/``show`` and ``export matrix`` read here.

``qualcode retrieve`` on the store paid for SQLAlchemy, its ORM and the models before reading a
row (about a third of the command at 1,000 interviews). On an SQLite project whose schema is
current the same SQL text the store's sessions run (``qualcode.project.slices``) is run here by
sqlite3, through the connection ``qualcode status`` reads with (``peek.open_current``): it cannot
write (``PRAGMA query_only``), and everything is read in one deferred transaction, a snapshot,
while coders go on coding. Anything else (PostgreSQL, a schema to migrate or newer than this
version, a missing file, a file that is not a project, a damaged or locked one) is opened by
``Project.open`` as always, which words every error as it always has; so is a project that
fails a read here half-way (``sqlite3.Error``): the read is done again by the store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from qualcode.project.analysis_reads import AnalysisReads, Where
from qualcode.project.peek import close_current, open_current
from qualcode.project.sql import Reader

if TYPE_CHECKING:
    from qualcode.analysis.compare import Comparison
    from qualcode.analysis.cooccurrence import Cooccurrence
    from qualcode.analysis.matrix import FrameworkMatrix, MatrixView
    from qualcode.analysis.retrieval import Retrieval
    from qualcode.project import Project
    from qualcode.study import ExportData

T = TypeVar("T")


class LightProject:
    """What the analysis commands ask of a project (as ``Project``'s methods of the same names),
    read with sqlite3. Use ``Project.analysis_at``; close when done."""

    def __init__(self, store: Callable[[], Project], conn: sqlite3.Connection, path: Path) -> None:
        self._store = store
        self._conn: sqlite3.Connection | None = conn
        self._project: Project | None = None  # the store, once a read here failed
        reader = Reader(lambda sql, params: conn.execute(sql, params), "sqlite")

        @contextmanager
        def reading() -> Iterator[Reader]:
            yield reader

        self._reads = AnalysisReads(reading, str(path))

    @classmethod
    def open(cls, db: str | None, store: Callable[[], Project]) -> LightProject | None:
        """The project at ``db`` if it is a current SQLite project, else None. ``store`` opens
        it through the store (``Project.open``), should a read here fail."""
        opened = open_current(db)
        return None if opened is None else cls(store, *opened)

    def _either(self, light: Callable[[AnalysisReads], T], store: Callable[[Project], T]) -> T:
        if self._project is None:
            try:
                return light(self._reads)
            except sqlite3.Error:  # damaged half-way, say: the store reads it again and words it
                self._close_connection()
                self._project = self._store()
        return store(self._project)

    def retrieve(self, code: str, **options: Any) -> Retrieval:
        return self._either(lambda a: a.retrieve(code, **options), lambda p: p.retrieve(code, **options))

    def analysis_frame(self, transcripts: bool = True) -> ExportData:
        return self._either(lambda a: a.frame(transcripts), lambda p: p.analysis_frame(transcripts))

    def cooccurrence(self, **options: Any) -> Cooccurrence:
        return self._either(lambda a: a.cooccurrence(**options), lambda p: p.cooccurrence(**options))

    def compare_groups(self, a_where: Where, b_where: Where, *, coders: Sequence[str] | None = None) -> Comparison:
        return self._either(
            lambda a: a.compare_groups(a_where, b_where, coders=coders),
            lambda p: p.compare_groups(a_where, b_where, coders=coders),
        )

    def matrices(self) -> list[FrameworkMatrix]:
        return self._either(lambda a: a.matrices(), lambda p: p.matrices())

    def matrix(self, name: str) -> FrameworkMatrix:
        return self._either(lambda a: a.matrix(name), lambda p: p.matrix(name))

    def cell_passages(self, name: str, row: str, column: str, **options: Any) -> Retrieval:
        return self._either(
            lambda a: a.cell_passages(name, row, column, **options),
            lambda p: p.cell_passages(name, row, column, **options),
        )

    def matrix_view(self, name: str, **options: Any) -> MatrixView:
        return self._either(lambda a: a.matrix_view(name, **options), lambda p: p.matrix_view(name, **options))

    def _close_connection(self) -> None:
        if self._conn is not None:
            close_current(self._conn)
            self._conn = None

    def close(self) -> None:
        self._close_connection()
        if self._project is not None:
            self._project.close()

    def __enter__(self) -> LightProject:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
