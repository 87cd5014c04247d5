"""framework matrices stored in the project: matrices and their cells

A matrix names its rows (participants, or the values of one attribute) and its columns (code
keys) in the researcher's order; each written summary is a row of ``matrix_cells``. New tables
get AUTOINCREMENT on SQLite like every other (0003): the event log names their rows by id.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "matrices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("rows_by", sa.String(length=200), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matrices")),
        sa.UniqueConstraint("name", name=op.f("uq_matrices_name")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "matrix_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matrix_id", sa.Integer(), nullable=False),
        sa.Column("row_label", sa.String(length=300), nullable=False),
        sa.Column("column_key", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coder_id"], ["coders.id"], name=op.f("fk_matrix_cells_coder_id_coders"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["matrix_id"], ["matrices.id"], name=op.f("fk_matrix_cells_matrix_id_matrices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matrix_cells")),
        sa.UniqueConstraint("matrix_id", "row_label", "column_key", name=op.f("uq_matrix_cells_matrix_id")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("matrix_cells")
    op.drop_table("matrices")
