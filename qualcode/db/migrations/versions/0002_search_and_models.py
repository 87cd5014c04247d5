"""full-text search over segments (SQLite FTS5) and stored suggestion models

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlp_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("trained_on", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nlp_models")),
        sa.UniqueConstraint("version", name=op.f("uq_nlp_models_version")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # rowid = segments.id; kept in step by project.py (import, anonymise) and by the
        # trigger below when segments go away with their transcript.
        op.execute("CREATE VIRTUAL TABLE segment_fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')")
        op.execute(
            "INSERT INTO segment_fts(rowid, text) SELECT s.id, substr(t.text, s.start_offset + 1, s.end_offset - s.start_offset)"
            " FROM segments s JOIN transcripts t ON t.id = s.transcript_id"
        )
        op.execute(
            "CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments BEGIN"
            " DELETE FROM segment_fts WHERE rowid = old.id; END"
        )
    elif bind.dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_transcripts_fts ON transcripts USING gin (to_tsvector('english', text))"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS segments_fts_delete")
        op.execute("DROP TABLE IF EXISTS segment_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_transcripts_fts")
    op.drop_table("nlp_models")
