"""SQL text run the same way by the standard library's sqlite3 and by a session.

The analysis reads (``qualcode.project.slices``) are written once, as SQL text with ``:name``
parameters, which both sqlite3's ``execute`` and SQLAlchemy's ``text()`` take. A ``Reader`` holds
the function that runs them and decodes, in one place, what such a query returns where it differs
by backend: what the ORM's column types (``qualcode.db.models``) would have decoded. On SQLite a
GUID in canonical form is its 16 bytes, a moment an integer of microseconds since 1970 (text
before revision 0006), a coding's origin an index into ``ORIGINS`` and JSON its text; PostgreSQL
returns text, timestamps and parsed JSON. A transcript's text goes through
``qualcode.db.basics.stored_text``, as every read that bypasses the ORM does.

Nothing here imports SQLAlchemy: a session's reader (``session_reader``) imports ``text`` when built.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from qualcode.db.basics import guid_from_stored, moment_from_sqlite, origin_from_stored, stored_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Rows = Callable[[str, dict[str, Any]], Iterable[Sequence[Any]]]


class Reader:
    """Runs SQL text (``rows``) on one backend and decodes its raw values as the ORM would."""

    def __init__(self, run: Rows, backend: str) -> None:
        self.run = run
        self.backend = backend
        self._sqlite = backend == "sqlite"

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> Iterable[Sequence[Any]]:
        return self.run(sql, params or {})

    def one(self, sql: str, params: dict[str, Any] | None = None) -> Sequence[Any] | None:
        return next(iter(self.rows(sql, params)), None)

    def guid(self, value: Any) -> str:
        """A GUID as text (``models.Guid``)."""
        return "" if value is None else str(guid_from_stored(value))

    def moment(self, value: Any) -> datetime | None:
        """A timestamp (``models.Timestamp``): naive UTC on SQLite, aware on PostgreSQL."""
        if value is None or not self._sqlite:
            return value  # type: ignore[no-any-return]
        return moment_from_sqlite(value)

    def json(self, value: Any) -> Any:
        """A JSON column, or ``column -> 'key'``: text on SQLite, parsed already by psycopg."""
        if self._sqlite and isinstance(value, str):
            return json.loads(value)
        return value

    def origin(self, value: Any) -> str:
        """A coding's origin (``models.Origin``): an index into ``ORIGINS`` on SQLite."""
        return str(origin_from_stored(value))

    @staticmethod
    def text(value: Any) -> str:
        """A transcript's text (``stored_text``)."""
        return stored_text(value)


def iso_time(value: datetime | None) -> str:
    """A moment as the exports write it: UTC to the second, ``Z`` (empty when unknown)."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.isoformat(timespec="seconds")[:19] + "Z"


def in_list(name: str, values: Iterable[Any], params: dict[str, Any]) -> str:
    """``(:name0, :name1, …)`` for ``values``, added to ``params``: an IN list both runners take
    (``(NULL)`` for none, which matches nothing)."""
    names = []
    for i, value in enumerate(values):
        key = f"{name}{i}"
        params[key] = value
        names.append(":" + key)
    return "(" + (", ".join(names) or "NULL") + ")"


def session_reader(s: Session) -> Reader:
    """The reader of a session: every backend, PostgreSQL included."""
    from sqlalchemy import text

    def run(sql: str, params: dict[str, Any]) -> Iterable[Sequence[Any]]:
        return s.execute(text(sql), params)

    return Reader(run, s.get_bind().dialect.name)
