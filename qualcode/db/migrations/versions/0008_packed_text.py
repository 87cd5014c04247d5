"""transcripts' text compressed on SQLite

Up to 0007 an SQLite project held each transcript's text as plain UTF-8: 41 % of the file of
1,000 generated interviews. From this revision ``transcripts.text`` holds the text
zlib-compressed (``qualcode.db.basics.packed_text``; a BLOB in the TEXT column), which the ORM's
``qualcode.db.models.PackedText`` turns back into the text; reads that bypass the ORM's column
types go through ``qualcode.db.basics.stored_text``.

SQL that needs the words reads them through the function ``qualcode_text(transcripts.text)``,
which every connection qualcode opens registers: the full-text index's ``segment_text`` view (an
external-content FTS5 table reads a segment's words from it) and the triggers that take segments
out of the index before their text changes (revision 0006) are recreated here to call it. A
connection without the function (the ``sqlite3`` shell, another program) fails with "no such
function: qualcode_text" when it would change a transcript or a segment, rather than tell the
index wrong words; searching the index needs no text and works there too.

The index itself is not touched: it holds the same words. ``qualcode.db.engine.upgrade``
VACUUMs the file afterwards. PostgreSQL keeps its text column: it compresses long values itself
(TOAST) and searches the text through its GIN index.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import zlib

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FUNCTION = "qualcode_text"  # as qualcode.db.basics.TEXT_FUNCTION at this revision
LEVEL = 6  # as qualcode.db.basics.TEXT_LEVEL

INDEXED = "EXISTS (SELECT 1 FROM segment_fts_docsize d WHERE d.id = {id})"
FORGET = "INSERT INTO segment_fts(segment_fts, rowid, text) SELECT 'delete', {id}, substr({body}, {a} + 1, {b} - {a})"
DROP = (
    "DROP TRIGGER IF EXISTS transcripts_fts_update",
    "DROP TRIGGER IF EXISTS transcripts_fts_delete",
    "DROP TRIGGER IF EXISTS segments_fts_update",
    "DROP TRIGGER IF EXISTS segments_fts_delete",
    "DROP VIEW IF EXISTS segment_text",
)


def _create(words: str) -> tuple[str, ...]:
    """Revision 0006's view and triggers, with the text of a transcript column read as ``words``
    gives it (``{}`` is the column)."""
    return (
        f"CREATE VIEW segment_text(id, text) AS SELECT s.id, substr({words.format('t.text')}, s.start_offset + 1,"
        " s.end_offset - s.start_offset) FROM segments s JOIN transcripts t ON t.id = s.transcript_id",
        "CREATE TRIGGER segments_fts_delete BEFORE DELETE ON segments"
        f" WHEN {INDEXED.format(id='old.id')} BEGIN "
        + FORGET.format(id="old.id", body=words.format("t.text"), a="old.start_offset", b="old.end_offset")
        + " FROM transcripts t WHERE t.id = old.transcript_id; END",
        "CREATE TRIGGER segments_fts_update BEFORE UPDATE OF transcript_id, start_offset, end_offset ON segments"
        f" WHEN {INDEXED.format(id='old.id')} BEGIN "
        + FORGET.format(id="old.id", body=words.format("t.text"), a="old.start_offset", b="old.end_offset")
        + " FROM transcripts t WHERE t.id = old.transcript_id; END",
        "CREATE TRIGGER transcripts_fts_delete BEFORE DELETE ON transcripts BEGIN "
        + FORGET.format(id="s.id", body=words.format("old.text"), a="s.start_offset", b="s.end_offset")
        + f" FROM segments s WHERE s.transcript_id = old.id AND {INDEXED.format(id='s.id')}; END",
        "CREATE TRIGGER transcripts_fts_update BEFORE UPDATE OF text ON transcripts WHEN old.text IS NOT new.text BEGIN "
        + FORGET.format(id="s.id", body=words.format("old.text"), a="s.start_offset", b="s.end_offset")
        + f" FROM segments s WHERE s.transcript_id = old.id AND {INDEXED.format(id='s.id')}; END",
    )


def _packed(value):
    return zlib.compress(value.encode("utf-8"), LEVEL) if isinstance(value, str) else value


def _plain(value):
    return zlib.decompress(value).decode("utf-8") if isinstance(value, bytes) else value


def _rewrite(bind: sa.Connection, convert) -> None:
    """Every transcript's text through ``convert``, one at a time (a long study does not sit in memory)."""
    ids = [i for (i,) in bind.exec_driver_sql("SELECT id FROM transcripts ORDER BY id")]
    for tid in ids:
        value = bind.exec_driver_sql("SELECT text FROM transcripts WHERE id = ?", (tid,)).scalar()
        new = convert(value)
        if new is not value:
            bind.exec_driver_sql("UPDATE transcripts SET text = ? WHERE id = ?", (new, tid))


def _add_function(bind: sa.Connection) -> None:
    from qualcode.db.basics import add_text_function

    add_text_function(bind.connection.driver_connection)  # type: ignore[arg-type]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    _add_function(bind)
    for sql in DROP:  # the text changes form, not words: the index is left as it is
        bind.exec_driver_sql(sql)
    _rewrite(bind, _packed)
    for sql in _create(FUNCTION + "({})"):
        bind.exec_driver_sql(sql)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for sql in DROP:
        bind.exec_driver_sql(sql)
    _rewrite(bind, _plain)
    for sql in _create("{}"):
        bind.exec_driver_sql(sql)
