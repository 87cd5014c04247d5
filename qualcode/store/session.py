"""``Store``: one open project database (an Engine and its sessions)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from qualcode.db import engine as dbengine
from qualcode.db.basics import shown_path
from qualcode.errors import QualcodeError


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
        """One transaction, committed (durably) before returning.

        A constraint that fails here, and not in the checks the change made first, was broken
        by another session between those checks and the write (PostgreSQL runs transactions side
        by side; an SQLite writer holds the whole file): it is rolled back and reported in one
        line, never as a traceback.
        """
        try:
            with self._sessions() as session, session.begin():
                yield session
        except IntegrityError as exc:
            raise QualcodeError(concurrent_change(exc.orig)) from None
        except StaleDataError:  # a row read here was deleted by another session before the update
            raise QualcodeError(
                "another session removed a row this change updates while it was being saved; "
                "nothing was changed: reload and try again"
            ) from None

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
        return shown_path(path)
    return make_url(url).render_as_string(hide_password=True)


def concurrent_change(orig: BaseException | None) -> str:
    """What a constraint failure at write time means for the user: another session got there first."""
    message = str(orig)
    state = getattr(orig, "sqlstate", None)
    table = re.search(r'(?:in|from) table "(\w+)"', message)  # the other table a foreign key names
    what = f" (rows of {table.group(1)})" if table else ""
    if state == "23503" or "FOREIGN KEY" in message:
        return (
            f"another session changed what this change depends on{what} while it was being saved; "
            "nothing was changed: reload and try again"
        )
    return (
        "another session saved a conflicting change at the same moment; nothing was changed: reload and try again"
        f" ({(message.splitlines() or [''])[0][:160]})"
    )
