"""The project's summary (what ``qualcode status`` shows) read with the standard library's sqlite3.

Opening a project through the store loads SQLAlchemy and its ORM, which alone cost more than
three times ``import textual``; a summary is six counts and a codebook's name. So an SQLite project
whose schema is current (the revision query and ``HEAD_REVISION`` of ``qualcode.db.basics``, the
check ``Project.open`` makes) is read here directly, with the same queries ``TranscriptPart.summary``
runs through its session (``summary_from``; tests compare the two). Anything else gives None, and ``Project.summary_at`` opens the project
as ``Project.open`` does, which migrates an older schema, waits for a lock and words every error
as it always has: PostgreSQL, a schema to migrate or newer than this version, a missing file, a
file that is not a project, or a damaged or locked one.

The connection cannot write (``PRAGMA query_only``) and takes no write lock: the summary is read in
one deferred transaction, a snapshot, while coders go on coding. It is opened ``mode=rw`` rather than
``mode=ro`` because a read-only connection cannot remove the write-ahead log files it creates
beside a project in WAL mode, and would leave ``NAME-wal`` and ``NAME-shm`` behind it; as the last
connection to close, this one removes them, as the store's would (after moving into the file any
committed change still in the log, which is what every last connection does).

The analysis commands read through the same connection (``open_current``, ``qualcode.project.light``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from qualcode.db.basics import (
    HEAD_REVISION,
    REMOVED_CODER,
    REVISION_QUERY,
    add_text_function,
    shown_path,
    sqlite_file,
    stored_text,
)
from qualcode.records import ProjectSummary


def read_summary(db: str | None) -> ProjectSummary | None:
    """The summary of the SQLite project at ``db`` if its schema is current, else None."""
    opened = open_current(db)
    if opened is None:
        return None
    conn, path = opened
    try:
        return summary_from(conn.execute, shown_path(path))
    except sqlite3.Error:  # damaged: the store words it
        return None
    finally:
        close_current(conn)


def open_current(db: str | None) -> tuple[sqlite3.Connection, Path] | None:
    """A connection to the SQLite project at ``db``, that cannot write, in a read transaction
    (one snapshot), if its schema is current; else None. ``close_current`` ends it."""
    path = sqlite_file(db)
    if path is None or not path.is_file():
        return None
    try:
        # timeout 0: a project locked by another session is left to the store, which waits for it
        conn = sqlite3.connect(path.as_uri() + "?mode=rw", uri=True, timeout=0, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        conn.execute("PRAGMA query_only = ON")
        add_text_function(conn)  # as every connection qualcode opens has it (revision 0008)
        conn.execute("BEGIN")
        revision = conn.execute(REVISION_QUERY).fetchone()  # the first read starts the snapshot
        if revision is not None and revision[0] == HEAD_REVISION:
            return conn, path
    except sqlite3.Error:  # not a project, damaged, locked: the store words it
        pass
    close_current(conn)
    return None


def close_current(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass
    finally:
        conn.close()


Rows = Callable[[str, dict[str, Any]], Iterable[Sequence[Any]]]


def summary_from(run: Rows, location: str) -> ProjectSummary:
    """The summary from the queries ``run`` answers (SQL with ``:name`` parameters): sqlite3's
    ``execute`` here, a session's for every other project (``TranscriptPart.summary``)."""

    def count(table: str) -> int:
        return int(next(iter(run(f"SELECT count(*) FROM {table}", {})))[0])

    book = next(iter(run("SELECT name, version FROM codebooks ORDER BY id LIMIT 1", {})), None)
    prefix = REMOVED_CODER.format("")
    gone = {
        key
        for (key,) in run(
            "SELECT key FROM project_info WHERE substr(key, 1, :n) = :prefix", {"n": len(prefix), "prefix": prefix}
        )
    }
    by_coder = {
        name: n
        for coder_id, name, n in run(
            "SELECT coders.id, coders.name, count(codings.id) FROM coders"
            " LEFT OUTER JOIN codings ON codings.coder_id = coders.id GROUP BY coders.id, coders.name",
            {},
        )
        if REMOVED_CODER.format(coder_id) not in gone  # removed coders are out of every list
    }
    words = 0
    for (body,) in run("SELECT text FROM transcripts", {}):
        words += len(stored_text(body).split())
    return ProjectSummary(
        location=location,
        codebook=book[0] if book else "",
        codebook_version=book[1] if book else 0,
        n_codes=count("codes"),
        coders=tuple(sorted(by_coder)),
        n_transcripts=count("transcripts"),
        n_segments=count("segments"),
        n_words=words,
        codings_by_coder=by_coder,
        n_memos=count("memos"),
        n_participants=count("participants"),
    )
