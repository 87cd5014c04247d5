"""a coding's origin as a small integer on SQLite

A coding row on SQLite held its origin as a word ("manual", "imported", "suggestion"): 6 to 10
bytes of every row, 8 % of the codings table. From this revision the column is INTEGER there
and holds the word's index in ``qualcode.db.models.ORIGINS``: SQLite stores 0 and 1 in the
row's header alone, so "manual" and "imported" take no bytes and "suggestion" one
(``qualcode.db.models.Origin`` turns it back into the word). The CHECK constraint follows.

Changing a column's type and a CHECK on SQLite means rebuilding the table (SQLite's own
procedure, as in 0003 and 0006: indexes recreated, the AUTOINCREMENT counter kept so that no id
the event log names is given again). ``qualcode.db.engine.upgrade`` VACUUMs the file afterwards.

What else was measured and left (benchmarks/README.md, "File size", 0006 → 0007): the
full-text index with ``detail=none`` or ``detail=column`` ranks the same but re-reads and
re-tokenizes every hit's text to rank it (common words 5× the CPU) and refuses phrase
queries; codings' GUIDs derived from the study's GUID and the coding's id would collide between
two copies of one study coded apart and merged. PostgreSQL keeps its text column.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ORIGINS = ("manual", "imported", "suggestion")  # as qualcode.db.models.ORIGINS at this revision
WORDS = ("origin VARCHAR(20) NOT NULL", "CONSTRAINT ck_codings_origin CHECK (origin IN ('manual', 'suggestion', 'imported'))")
NUMBERS = ("origin INTEGER NOT NULL", "CONSTRAINT ck_codings_origin CHECK (origin IN (0, 1, 2))")
TO_NUMBER = "CASE origin " + " ".join(f"WHEN '{w}' THEN {i}" for i, w in enumerate(ORIGINS)) + " END"
TO_WORD = "CASE origin " + " ".join(f"WHEN {i} THEN '{w}'" for i, w in enumerate(ORIGINS)) + " END"


def _rebuild_codings(bind: sa.Connection, old: tuple[str, ...], new: tuple[str, ...], origin: str) -> None:
    """Rebuild SQLite's codings table with the definitions ``old`` replaced by ``new``, the
    origin column filled with the expression ``origin``."""
    create_sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'codings'").scalar_one()
    others = (
        bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 'codings' AND sql IS NOT NULL"
        )
        .scalars()
        .all()
    )
    seq = bind.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'codings'").scalar()
    for before, after in zip(old, new, strict=True):
        if create_sql.count(before) != 1:
            raise RuntimeError(f"unexpected definition of table codings: {create_sql}")
        create_sql = create_sql.replace(before, after)
    create_sql = re.sub(r'^CREATE TABLE (IF NOT EXISTS )?"?codings"? \(', "CREATE TABLE _rebuild_codings (", create_sql, count=1)
    columns = [row[1] for row in bind.exec_driver_sql("PRAGMA table_info(codings)").all()]
    values = [origin if c == "origin" else c for c in columns]
    bind.exec_driver_sql(create_sql)
    bind.exec_driver_sql(f"INSERT INTO _rebuild_codings ({', '.join(columns)}) SELECT {', '.join(values)} FROM codings")
    bind.exec_driver_sql("DROP TABLE codings")
    bind.exec_driver_sql("ALTER TABLE _rebuild_codings RENAME TO codings")
    for sql in others:
        bind.exec_driver_sql(sql)
    if seq is not None:
        bind.exec_driver_sql("UPDATE sqlite_sequence SET seq = ? WHERE name = 'codings'", (seq,))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _rebuild_codings(bind, WORDS, NUMBERS, TO_NUMBER)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _rebuild_codings(bind, NUMBERS, WORDS, TO_WORD)
