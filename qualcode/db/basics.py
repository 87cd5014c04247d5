"""What reading a project needs before, or without, SQLAlchemy: where a ``--db`` value points, how
a project's location is shown, the schema revision this version writes and how a project's own is
read, and the ``project_info`` key that marks a removed coder.

The engine (``qualcode.db.engine``), the store and the light summary read that ``qualcode status``
uses (``qualcode.project.peek``) all take these from here, so that they agree on what a current
project is. Nothing here imports SQLAlchemy.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_FILENAME = "qualcode.db"
# The newest migration; kept here so that opening an up-to-date project never imports Alembic.
HEAD_REVISION = "0007"
# A project's schema revision, in one query (no table: not a qualcode project).
REVISION_QUERY = "SELECT version_num FROM alembic_version"

ORIGINS = ("manual", "imported", "suggestion")
"""Where a coding came from; on SQLite stored as its index here (revision 0007, ``models.Origin``)."""

REMOVED_CODER = "coder.removed.{}"
"""The ``project_info`` key that marks a coder removed (see ``qualcode.project.coders``): empty for a
plain removal, else the id of the coder it was merged into."""


def sqlite_file(db: str | None) -> Path | None:
    """The SQLite file a ``--db`` value names (None for ``./qualcode.db``), or None for a URL."""
    if db is None or db == "":
        db = DEFAULT_FILENAME
    if "://" in db:
        return None
    return Path(db).expanduser().resolve()


def shown_path(path: Path) -> str:
    """How a project file is shown: relative to the working directory when it is below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def stored_text(value: str | bytes | None) -> str:
    """A transcript's text as a query that bypasses the ORM's column types returns it (``sqlite3``,
    or SQL text run through a session): every such read of ``transcripts.text`` goes through here."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value
