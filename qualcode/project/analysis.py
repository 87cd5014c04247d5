"""The analysis stage on a project: retrieval, co-occurrence, group comparison, framework matrices.

Reads are thin: one read of the project (``ExportData``) and the domain call in
``qualcode.analysis``. The read is kept while the project's data does not change — its version is
the event log's newest id and length, since every change is one event — so a screen that re-queries
with another filter, coder or code does not read the whole project again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from threading import Lock

from sqlalchemy import func, select

from qualcode.analysis import matrix as fm
from qualcode.analysis.compare import Comparison, compare_groups
from qualcode.analysis.cooccurrence import Cooccurrence, cooccurrence, shared_segments
from qualcode.analysis.retrieval import Retrieval, Study, retrieve
from qualcode.db.models import Event
from qualcode.export.data import ExportData
from qualcode.project.exchange import ExchangePart
from qualcode.store import Store

Where = Mapping[str, Sequence[str]]


class AnalysisPart:
    def __init__(self, store: Store, exchange: ExchangePart) -> None:
        self._store = store
        self._exchange = exchange
        self._lock = Lock()
        self._version: tuple[int, int] | None = None
        self._full: tuple[ExportData, Study] | None = None  # texts, memos and details
        self._lean: tuple[ExportData, Study] | None = None  # codes, people and codings only
        self._terms: list[tuple[str, str]] | None = None

    # ------------------------------------------------------------------ the cached read

    def data_version(self) -> tuple[int, int]:
        """(newest event id, number of events): changes with every change to the project.

        The count catches a PostgreSQL transaction that took an earlier id but committed later.
        """
        with self._store.read() as s:
            newest, n = s.execute(select(func.max(Event.id), func.count(Event.id))).one()
        return (newest or 0, n or 0)

    def _read(self, full: bool) -> tuple[ExportData, Study]:
        with self._lock:
            version = self.data_version()
            if version != self._version:
                self._version, self._full, self._lean, self._terms = version, None, None, None
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

    def _redact(self, redact: bool) -> list[tuple[str, str]] | None:
        if not redact:
            return None
        with self._lock:
            if self._terms is None:
                self._terms = self._exchange.identifying_terms()
            return self._terms

    def data(self, full: bool = True) -> ExportData:
        """The project's rows as the analysis reads them (cached per data version)."""
        return self._read(full)[0]

    def forget(self) -> None:
        """Drop the cached read (the next query reads the project again)."""
        with self._lock:
            self._version = self._full = self._lean = self._terms = None

    # ------------------------------------------------------------------ reads

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
    ) -> Retrieval:
        """Every passage coded with ``code`` (and its sub-codes) across the study that passes the filters."""
        data, study = self._read(True)
        return retrieve(
            data,
            code,
            subcodes=subcodes,
            where=where,
            coders=coders,
            agreed=agreed,
            text=text,
            context=context,
            redact=self._redact(redact),
            study=study,
        )

    def cooccurrence(
        self, *, coders: Sequence[str] | None = None, rollup: bool = False, where: Where | None = None
    ) -> Cooccurrence:
        """Which codes are applied to the same segment: counts and Jaccard per pair."""
        data, study = self._read(False)
        return cooccurrence(data, coders, rollup, where, study)

    def shared_passages(
        self,
        a: str,
        b: str,
        *,
        coders: Sequence[str] | None = None,
        rollup: bool = False,
        context: int = 0,
        redact: bool = True,
    ) -> Retrieval:
        """The passages of ``a`` and of ``b`` in the segments coded with both: what a co-occurrence cell opens.

        With ``rollup`` ``a`` and ``b`` are top-level themes and their sub-codes count as them.
        """
        data, study = self._read(True)
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
        )

    def compare_groups(self, a_where: Where, b_where: Where, *, coders: Sequence[str] | None = None) -> Comparison:
        """Per code, the share of each group's participants who mention it, side by side."""
        data, study = self._read(False)
        return compare_groups(data, a_where, b_where, coders, study=study)

    # ------------------------------------------------------------------ helpers for faces

    def check_matrix(self, matrix: fm.FrameworkMatrix) -> list[str]:
        return fm.check_matrix(matrix, self.data(False))
