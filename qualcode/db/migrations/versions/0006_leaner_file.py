"""a leaner project file: the full-text index keeps no second copy of the text (SQLite)

Up to 0005 the SQLite full-text index (``segment_fts``, FTS5) stored every segment's text a
second time in its ``_content`` table: a quarter of the file. From this revision it is an
external-content FTS5 table: it keeps only the index (rowid = segment id) and reads a segment's
words, when it needs them, from the ``segment_text`` view, ``transcripts.text`` cut at the
segment's offsets. Search itself never reads them (its ranking uses the index alone).

An external-content index forgets a segment only when told the words it held, so triggers take
segments out of the index *before* what they were read from changes: a segment deleted or its
offsets moved, a transcript deleted or its text changed. ``qualcode.store.index_segments`` puts
back the segments that are missing afterwards, and the code paths that change a whole transcript
call ``unindex_segments`` first, which cuts the texts in Python (``substr`` in a trigger counts
characters from the start of the transcript each time). The ``_docsize`` shadow table has one
row per indexed segment; the triggers use it to act only on segments still in the index.

Timestamps and GUIDs shrink on SQLite as well (``qualcode.db.models.Timestamp`` and ``Guid``):
a moment is an integer of microseconds since 1970 instead of 26 characters of text, a GUID in its
canonical lowercase form its 16 bytes instead of 36 characters (any other spelling, as read from
another program's file, stays text). The columns keep their declared types; the rows are
rewritten here.

Only the indexes a query uses are kept: the codings' unique key now starts with the segment (the
lookups of a coder's codings of a code on given segments, and the cascade when a segment goes, use
it), so that a separate index on ``codings.segment_id`` is no longer needed; the suggestions'
unique key already starts with the segment, so ``ix_suggestions_segment_id`` goes too. Changing
a unique constraint on SQLite means rebuilding the table (SQLite's own procedure, as in 0003:
the AUTOINCREMENT counter is kept, so that no id the event log names is given again).

PostgreSQL keeps its search as it was: it searches ``transcripts.text`` through its own GIN index.
``qualcode.db.engine.upgrade`` VACUUMs an SQLite file after this migration so that the space
the old copy took is given back.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"
INDEXED = "EXISTS (SELECT 1 FROM segment_fts_docsize d WHERE d.id = {id})"
FORGET = "INSERT INTO segment_fts(segment_fts, rowid, text) SELECT 'delete', {id}, substr({body}, {a} + 1, {b} - {a})"

CREATE = (
    "CREATE VIEW segment_text(id, text) AS SELECT s.id, substr(t.text, s.start_offset + 1, s.end_offset - s.start_offset)"
    " FROM segments s JOIN transcripts t ON t.id = s.transcript_id",
    f"CREATE VIRTUAL TABLE segment_fts USING fts5(text, content = 'segment_text', content_rowid = 'id', {TOKENIZE})",
    # a segment that goes (on its own, or with its transcript: then the transcript's trigger has run first)
    "CREATE TRIGGER segments_fts_delete BEFORE DELETE ON segments"
    f" WHEN {INDEXED.format(id='old.id')} BEGIN "
    + FORGET.format(id="old.id", body="t.text", a="old.start_offset", b="old.end_offset")
    + " FROM transcripts t WHERE t.id = old.transcript_id; END",
    "CREATE TRIGGER segments_fts_update BEFORE UPDATE OF transcript_id, start_offset, end_offset ON segments"
    f" WHEN {INDEXED.format(id='old.id')} BEGIN "
    + FORGET.format(id="old.id", body="t.text", a="old.start_offset", b="old.end_offset")
    + " FROM transcripts t WHERE t.id = old.transcript_id; END",
    "CREATE TRIGGER transcripts_fts_delete BEFORE DELETE ON transcripts BEGIN "
    + FORGET.format(id="s.id", body="old.text", a="s.start_offset", b="s.end_offset")
    + f" FROM segments s WHERE s.transcript_id = old.id AND {INDEXED.format(id='s.id')}; END",
    "CREATE TRIGGER transcripts_fts_update BEFORE UPDATE OF text ON transcripts WHEN old.text IS NOT new.text BEGIN "
    + FORGET.format(id="s.id", body="old.text", a="s.start_offset", b="s.end_offset")
    + f" FROM segments s WHERE s.transcript_id = old.id AND {INDEXED.format(id='s.id')}; END",
)
DROP = (
    "DROP TRIGGER IF EXISTS transcripts_fts_update",
    "DROP TRIGGER IF EXISTS transcripts_fts_delete",
    "DROP TRIGGER IF EXISTS segments_fts_update",
    "DROP TRIGGER IF EXISTS segments_fts_delete",
    "DROP TABLE IF EXISTS segment_fts",
    "DROP VIEW IF EXISTS segment_text",
)


def _segment_texts(bind: sa.Connection) -> Iterator[list[dict[str, object]]]:
    """Every segment's text, one transcript at a time, cut in Python (``substr`` is quadratic)."""
    for tid, body in bind.exec_driver_sql("SELECT id, text FROM transcripts ORDER BY id").all():
        body = body or ""
        rows = bind.exec_driver_sql(
            "SELECT id, start_offset, end_offset FROM segments WHERE transcript_id = ?", (tid,)
        ).all()
        yield [{"id": i, "text": body[a:b]} for i, a, b in rows]


def _fill(bind: sa.Connection) -> None:
    for rows in _segment_texts(bind):
        if rows:
            bind.execute(sa.text("INSERT INTO segment_fts(rowid, text) VALUES (:id, :text)"), rows)


TIMESTAMPS = {
    "coders": ("created_at",),
    "codebooks": ("updated_at",),
    "transcripts": ("imported_at",),
    "codings": ("created_at",),
    "memos": ("created_at", "updated_at"),
    "suggestions": ("created_at",),
    "events": ("at",),
    "nlp_models": ("created_at",),
    "matrices": ("created_at",),
    "matrix_cells": ("updated_at",),
}
GUIDS = ("codes", "participants", "transcripts", "codings", "memos", "matrices")
EPOCH = datetime(1970, 1, 1)
TEXT_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's own for SQLite DATETIME


def _rewrite(bind: sa.Connection, table: str, column: str, convert) -> None:
    rows = bind.exec_driver_sql(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL").all()
    changed = [(new, i) for i, old in rows if (new := convert(old)) is not old]
    if changed:
        bind.exec_driver_sql(f"UPDATE {table} SET {column} = ? WHERE id = ?", changed)


def _micros(value):
    if not isinstance(value, str):
        return value
    return (datetime.fromisoformat(value).replace(tzinfo=None) - EPOCH) // timedelta(microseconds=1)


def _text_time(value):
    if isinstance(value, str):
        return value
    return (EPOCH + timedelta(microseconds=int(value))).strftime(TEXT_FORMAT)


def _guid_bytes(value):
    if not isinstance(value, str):
        return value
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return value
    return parsed.bytes if str(parsed) == value else value


def _guid_text(value):
    return str(uuid.UUID(bytes=value)) if isinstance(value, bytes) and len(value) == 16 else value


OLD_KEY = ("uq_codings_coder_id", ("coder_id", "code_id", "segment_id", "start_offset", "end_offset"))
NEW_KEY = ("uq_codings_segment_id", ("segment_id", "coder_id", "code_id", "start_offset", "end_offset"))


def _codings_key(bind: sa.Connection, old: tuple[str, tuple[str, ...]], new: tuple[str, tuple[str, ...]]) -> None:
    """Replace the codings' unique constraint ``old`` with ``new`` (SQLite: rebuild the table)."""
    if bind.dialect.name != "sqlite":
        op.drop_constraint(old[0], "codings", type_="unique")
        op.create_unique_constraint(new[0], "codings", list(new[1]))
        return
    create_sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'codings'").scalar_one()
    others = (
        bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 'codings' AND sql IS NOT NULL"
        )
        .scalars()
        .all()
    )
    seq = bind.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'codings'").scalar()
    before = f"CONSTRAINT {old[0]} UNIQUE ({', '.join(old[1])})"
    if create_sql.count(before) != 1:
        raise RuntimeError(f"unexpected definition of table codings: {create_sql}")
    new_sql = create_sql.replace(before, f"CONSTRAINT {new[0]} UNIQUE ({', '.join(new[1])})")
    new_sql = re.sub(r'^CREATE TABLE (IF NOT EXISTS )?"?codings"? \(', "CREATE TABLE _rebuild_codings (", new_sql, count=1)
    bind.exec_driver_sql(new_sql)
    bind.exec_driver_sql("INSERT INTO _rebuild_codings SELECT * FROM codings")
    bind.exec_driver_sql("DROP TABLE codings")
    bind.exec_driver_sql("ALTER TABLE _rebuild_codings RENAME TO codings")
    for sql in others:
        bind.exec_driver_sql(sql)
    if seq is not None:
        bind.exec_driver_sql("UPDATE sqlite_sequence SET seq = ? WHERE name = 'codings'", (seq,))


def upgrade() -> None:
    bind = op.get_bind()
    op.drop_index("ix_suggestions_segment_id", table_name="suggestions")
    op.drop_index("ix_codings_segment", table_name="codings")
    _codings_key(bind, OLD_KEY, NEW_KEY)
    if bind.dialect.name != "sqlite":
        return
    for sql in DROP:
        bind.exec_driver_sql(sql)
    for sql in CREATE:
        bind.exec_driver_sql(sql)
    _fill(bind)
    for table, columns in TIMESTAMPS.items():
        for column in columns:
            _rewrite(bind, table, column, _micros)
    for table in GUIDS:
        _rewrite(bind, table, "guid", _guid_bytes)


def downgrade() -> None:
    bind = op.get_bind()
    _codings_key(bind, NEW_KEY, OLD_KEY)
    op.create_index("ix_codings_segment", "codings", ["segment_id"])
    op.create_index("ix_suggestions_segment_id", "suggestions", ["segment_id"])
    if bind.dialect.name != "sqlite":
        return
    for table, columns in TIMESTAMPS.items():
        for column in columns:
            _rewrite(bind, table, column, _text_time)
    for table in GUIDS:
        _rewrite(bind, table, "guid", _guid_text)
    for sql in DROP:
        bind.exec_driver_sql(sql)
    # revision 0002's index, with its own copy of the text
    bind.exec_driver_sql(f"CREATE VIRTUAL TABLE segment_fts USING fts5(text, {TOKENIZE})")
    _fill(bind)
    bind.exec_driver_sql(
        "CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments BEGIN"
        " DELETE FROM segment_fts WHERE rowid = old.id; END"
    )
