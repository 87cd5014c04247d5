"""``Store``: one open project database (an Engine and its sessions)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from qualcode.db import engine as dbengine


class Store:
    """An open project database. ``tx()`` is one durable transaction; ``read()`` a read-only session."""

    def __init__(self, engine: Engine, location: str) -> None:
        self.engine = engine
        self.location = location
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, db: str | None = None, create: bool = False) -> Store:
        """The project at ``db`` (a path or URL; None for ``./qualcode.db``), created when ``create``."""
        url = dbengine.resolve_url(db)
        return cls(dbengine.open_engine(url, create=create), display_location(url))

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @property
    def file(self) -> Path | None:
        """The SQLite database file (None for PostgreSQL or an in-memory database)."""
        return dbengine.sqlite_path(self.engine.url.render_as_string(hide_password=False))

    @contextmanager
    def tx(self) -> Iterator[Session]:
        """One transaction, committed (durably) before returning."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def display_location(url: str) -> str:
    """How a project's location is shown: a path relative to here if it is a file, else the URL without password."""
    path = dbengine.sqlite_path(url)
    if path is not None:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)
    return make_url(url).render_as_string(hide_password=True)
