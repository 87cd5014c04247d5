"""row ids are never reused on SQLite (AUTOINCREMENT), as PostgreSQL's sequences already promise

The event log names rows by id. Without AUTOINCREMENT, SQLite hands the id of a deleted row
(a coding dropped by a merge, say) to the next insert, and an undo that looked the id up
reversed another coder's coding instead. PostgreSQL sequences never go back, so only SQLite
tables are rebuilt here, following SQLite's own procedure for changing a table definition
(https://www.sqlite.org/lang_altertable.html#otheralter): new table, copy, drop, rename,
indexes and triggers again. ``qualcode.db.engine.upgrade`` runs migrations with foreign keys
switched off for this and checks them before committing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import re

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = (
    "codebooks",
    "coders",
    "participants",
    "codes",
    "transcripts",
    "segments",
    "codings",
    "memos",
    "suggestions",
    "events",
    "nlp_models",
)


def _rebuild(table: str, autoincrement: bool) -> None:
    bind = op.get_bind()
    create_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    others = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL",
        (table,),
    ).scalars().all()
    pk = f"CONSTRAINT pk_{table} PRIMARY KEY"
    if autoincrement:
        new_sql, n_col = re.subn(r"\n\tid INTEGER NOT NULL,", f"\n\tid INTEGER NOT NULL {pk} AUTOINCREMENT,", create_sql, count=1)
        new_sql, n_pk = re.subn(rf",\s*{pk} \(id\)", "", new_sql, count=1)
    else:
        new_sql, n_col = re.subn(rf" {pk} AUTOINCREMENT,", ",", create_sql, count=1)
        new_sql, n_pk = re.subn(r"\n\)\s*$", f", \n\t{pk} (id)\n)", new_sql, count=1)
    if n_col != 1 or n_pk != 1:
        raise RuntimeError(f"unexpected definition of table {table}: {create_sql}")
    temporary = f"_rebuild_{table}"
    bind.exec_driver_sql(re.sub(rf'^CREATE TABLE "?{table}"? \(', f"CREATE TABLE {temporary} (", new_sql, count=1))
    bind.exec_driver_sql(f"INSERT INTO {temporary} SELECT * FROM {table}")
    bind.exec_driver_sql(f"DROP TABLE {table}")
    bind.exec_driver_sql(f"ALTER TABLE {temporary} RENAME TO {table}")
    for sql in others:
        bind.exec_driver_sql(sql)


# Ids the event log names that may have been freed before this revision: the sequence starts
# after them too, so that an old event never finds a newer row where its own row was.
LOGGED_IDS = {"codings": ("$.coding.id",), "codes": ("$.code.id", "$.source.id")}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in TABLES:
        _rebuild(table, autoincrement=True)
    for table, paths in LOGGED_IDS.items():
        logged = " UNION ALL ".join(f"SELECT json_extract(payload, '{path}') AS x FROM events" for path in paths)
        highest = bind.exec_driver_sql(
            f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0), coalesce((SELECT max(x) FROM ({logged})), 0))"
        ).scalar_one()
        bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
        bind.exec_driver_sql("INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)", (table, highest))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        _rebuild(table, autoincrement=False)
