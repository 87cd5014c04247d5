"""What reading a project needs before, or without, SQLAlchemy: where a ``--db`` value points, how
a project's location is shown, the schema revision this version writes and how a project's own is
read, and the ``project_info`` key that marks a removed coder.

The engine (``qualcode.db.engine``), the store and the light summary read that ``qualcode status``
uses (``qualcode.project.peek``) all take these from here, so that they agree on what a current
project is. Nothing here imports SQLAlchemy.
"""

from __future__ import annotations

import codecs
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    import sqlite3

DEFAULT_FILENAME = "qualcode.db"
# The newest migration; kept here so that opening an up-to-date project never imports Alembic.
HEAD_REVISION = "0008"
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


# Transcripts' text on SQLite (revision 0008): UTF-8, zlib-compressed, in the TEXT column as a
# BLOB. ``packed_text`` writes it (the ORM's ``qualcode.db.models.PackedText``, the migration);
# ``stored_text`` reads it back wherever a query bypasses the ORM's column types. SQL that needs
# the words (the full-text index's ``segment_text`` view and triggers, ``length``, ``substr``)
# calls the function ``qualcode_text(transcripts.text)``, which every connection qualcode opens
# registers (``add_text_function``); a connection without it (another program's) fails on
# "no such function" rather than reading or indexing compressed bytes as words.
TEXT_FUNCTION = "qualcode_text"
TEXT_LEVEL = 6  # zlib's default: level 9 saves 0.1 % more of interview text for 15 % more CPU


def packed_text(value: str) -> bytes:
    """A transcript's text as SQLite stores it from revision 0008."""
    return zlib.compress(value.encode("utf-8"), TEXT_LEVEL)


def stored_text(value: str | bytes | None) -> str:
    """A transcript's text as a query that bypasses the ORM's column types returns it (``sqlite3``,
    or SQL text run through a session): every such read of ``transcripts.text`` goes through here.

    Compressed bytes (SQLite, revision 0008) are decompressed; text (PostgreSQL, older revisions)
    is returned as it is."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        try:
            return zlib.decompress(value).decode("utf-8")
        except zlib.error:  # bytes that are not compressed: text another program stored as a BLOB
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                raise QualcodeError(DAMAGED_TEXT) from None
        except UnicodeDecodeError:
            raise QualcodeError(DAMAGED_TEXT) from None
    return value


DAMAGED_TEXT = (
    "a transcript's stored text is damaged (neither compressed nor plain UTF-8 text): "
    "restore the project file from a backup"
)


def stored_prefix(value: str | bytes | None, chars: int) -> str:
    """At least the first ``chars`` characters of a stored text (all of it when it is shorter):
    what search needs to cut its hits, without decompressing the rest of each transcript."""
    if not isinstance(value, bytes):
        return stored_text(value)
    inflate = zlib.decompressobj()
    decode = codecs.getincrementaldecoder("utf-8")()
    parts: list[str] = []
    have = 0
    data = value
    try:
        while have < chars:
            piece = inflate.decompress(data, max(chars - have, 4096))  # a character is 1 to 4 bytes
            data = inflate.unconsumed_tail
            if not piece:
                parts.append(decode.decode(inflate.flush(), final=True))
                break
            parts.append(decode.decode(piece))
            have += len(parts[-1])
    except zlib.error:
        return stored_text(value)
    return "".join(parts)


def text_function() -> Callable[[str | bytes | None], str | None]:
    """``qualcode_text`` for one connection: ``stored_text`` of a value (NULL stays NULL).

    The full-text index's view reads a segment at a time, each time its transcript's whole text:
    the last text decompressed is kept, so the segments of one transcript decompress it once."""
    last: list[bytes | str] = [b"", ""]

    def qualcode_text(value: str | bytes | None) -> str | None:
        if value is None:
            return None
        if not isinstance(value, bytes):
            return value
        if value != last[0]:
            last[1] = stored_text(value)
            last[0] = value
        return str(last[1])

    return qualcode_text


def add_text_function(conn: sqlite3.Connection) -> None:
    """Register ``qualcode_text`` on an sqlite3 connection (deterministic: usable in views and indexes)."""
    conn.create_function(TEXT_FUNCTION, 1, text_function(), deterministic=True)


# How SQLite keeps what the ORM's column types (``qualcode.db.models``) write, read back the
# same way by those types and by queries that bypass them (``qualcode.project.sql``).
SQLITE_EPOCH = datetime(1970, 1, 1)


def guid_from_stored(value: Any) -> Any:
    """A GUID kept as its 16 bytes, as its canonical text; anything else as it is."""
    if isinstance(value, bytes) and len(value) == 16:
        h = value.hex()  # what str(uuid.UUID(bytes=value)) gives, without building the UUID
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return value


def moment_from_sqlite(value: str | int) -> datetime:
    """A moment SQLite keeps as microseconds since 1970 (text before revision 0006), as a naive
    datetime of the stored wall-clock time."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=None)
    return SQLITE_EPOCH + timedelta(microseconds=int(value))


def origin_from_stored(value: Any) -> Any:
    """A coding's origin kept as its index into ``ORIGINS`` (SQLite), as the word; else as it is."""
    if isinstance(value, int) and 0 <= value < len(ORIGINS):
        return ORIGINS[value]
    return value
