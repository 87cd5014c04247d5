"""a coding may run over consecutive turns: REFI-QDA selections cut at turn boundaries are joined again

From this revision a coding is one passage, ``text[start:end]`` of its transcript, that may run
over several consecutive turns; ``segment_id`` is the first turn it touches. The offsets always
pointed into the whole transcript text, so the tables keep their columns; an index on segments'
start offsets finds the turns a coding runs on over, and the data the old rule left behind is
carried over. REFI-QDA import used to cut a selection spanning several turns
into one coding per turn: the first piece kept the coding's GUID, piece ``i`` got
``uuid5(NAMESPACE_URL, f"{guid}/{i}")``. Those pieces are found by exactly that GUID, checked
(same coder, code and transcript; the previous piece ends where its turn ends, the next starts
where the next turn starts) and joined into the first piece again; their memos move with them.
Nothing else is touched: a coder's own codings of neighbouring turns stay as they are.

The downgrade cuts every coding that runs over several turns at the turn boundaries the way the
old import did, so an older qualcode can open the project and an upgrade joins them again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The tables as this revision knows them (never the models: they move on, a migration does not).
CODINGS = sa.table(
    "codings",
    sa.column("id", sa.Integer),
    sa.column("code_id", sa.Integer),
    sa.column("coder_id", sa.Integer),
    sa.column("transcript_id", sa.Integer),
    sa.column("segment_id", sa.Integer),
    sa.column("start_offset", sa.Integer),
    sa.column("end_offset", sa.Integer),
    sa.column("origin", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("guid", sa.String),
)
SEGMENTS = sa.table(
    "segments",
    sa.column("id", sa.Integer),
    sa.column("transcript_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("start_offset", sa.Integer),
    sa.column("end_offset", sa.Integer),
)
MEMOS = sa.table("memos", sa.column("id", sa.Integer), sa.column("coding_id", sa.Integer))


def _piece_guid(guid: str, index: int) -> str:
    """The GUID the old REFI-QDA import gave piece ``index`` (1, 2…) of a selection it cut."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{guid}/{index}"))


def _segments(bind: sa.Connection) -> tuple[dict[int, tuple[int, int, int, int]], dict[tuple[int, int], int]]:
    """segment id -> (transcript id, position, start, end); (transcript id, position) -> segment id."""
    rows = bind.execute(
        sa.select(
            SEGMENTS.c.id,
            SEGMENTS.c.transcript_id,
            SEGMENTS.c.position,
            SEGMENTS.c.start_offset,
            SEGMENTS.c.end_offset,
        )
    ).all()
    by_id = {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}
    by_position = {(r[1], r[2]): r[0] for r in rows}
    return by_id, by_position


def upgrade() -> None:
    # the turns a coding runs on over are found as a range of start offsets in its transcript
    op.create_index("ix_segments_transcript_start", "segments", ["transcript_id", "start_offset"])
    bind = op.get_bind()
    segs, at = _segments(bind)
    rows = bind.execute(
        sa.select(
            CODINGS.c.id,
            CODINGS.c.code_id,
            CODINGS.c.coder_id,
            CODINGS.c.transcript_id,
            CODINGS.c.segment_id,
            CODINGS.c.start_offset,
            CODINGS.c.end_offset,
            CODINGS.c.guid,
        ).order_by(CODINGS.c.id)
    ).all()
    by_guid = {r.guid: r for r in rows if r.guid}
    taken = {(r.coder_id, r.code_id, r.segment_id, r.start_offset, r.end_offset) for r in rows}
    joined: set[int] = set()
    for first in rows:
        if first.id in joined or not first.guid:
            continue
        end, seg_id = first.end_offset, first.segment_id
        pieces: list[Any] = []
        while True:
            piece = by_guid.get(_piece_guid(first.guid, len(pieces) + 1))
            if piece is None or piece.id in joined:
                break
            tid, position, _, seg_end = segs[seg_id]
            next_seg = at.get((tid, position + 1))
            if (
                (piece.coder_id, piece.code_id, piece.transcript_id) != (first.coder_id, first.code_id, tid)
                or end != seg_end
                or next_seg is None
                or piece.segment_id != next_seg
                or piece.start_offset != segs[next_seg][2]
            ):
                break  # not a cut the old import made (or a piece was removed since): leave it
            pieces.append(piece)
            end, seg_id = piece.end_offset, piece.segment_id
        if not pieces:
            continue
        whole = (first.coder_id, first.code_id, first.segment_id, first.start_offset, end)
        if whole in taken:
            continue  # the whole passage is coded already: keep the pieces rather than guess
        taken.add(whole)
        ids = [p.id for p in pieces]
        joined.update(ids)
        bind.execute(MEMOS.update().where(MEMOS.c.coding_id.in_(ids)).values(coding_id=first.id))
        bind.execute(CODINGS.delete().where(CODINGS.c.id.in_(ids)))
        bind.execute(CODINGS.update().where(CODINGS.c.id == first.id).values(end_offset=end))


def downgrade() -> None:
    op.drop_index("ix_segments_transcript_start", table_name="segments")
    bind = op.get_bind()
    segs, at = _segments(bind)
    rows = bind.execute(sa.select(CODINGS).order_by(CODINGS.c.id)).all()
    taken = {(r.coder_id, r.code_id, r.segment_id, r.start_offset, r.end_offset): r.id for r in rows}
    for row in rows:
        tid, position, _, seg_end = segs[row.segment_id]
        if row.end_offset <= seg_end:
            continue
        pieces: list[dict[str, Any]] = []
        index = 1
        next_id = at.get((tid, position + index))
        while next_id is not None and segs[next_id][2] < row.end_offset:
            _, _, a, b = segs[next_id]
            key = (row.coder_id, row.code_id, next_id, a, min(b, row.end_offset))
            if b > a and key not in taken:  # a turn the coder coded on its own keeps that coding
                taken[key] = 0
                created: datetime | None = row.created_at
                pieces.append(
                    {
                        "code_id": row.code_id,
                        "coder_id": row.coder_id,
                        "transcript_id": tid,
                        "segment_id": next_id,
                        "start_offset": a,
                        "end_offset": min(b, row.end_offset),
                        "origin": row.origin,
                        "created_at": created,
                        "guid": _piece_guid(row.guid, len(pieces) + 1),
                    }
                )
            index += 1
            next_id = at.get((tid, position + index))
        first = (row.coder_id, row.code_id, row.segment_id, row.start_offset, seg_end)
        if taken.get(first):  # that turn's part is coded already: its memos go to that coding
            bind.execute(MEMOS.update().where(MEMOS.c.coding_id == row.id).values(coding_id=taken[first]))
            bind.execute(CODINGS.delete().where(CODINGS.c.id == row.id))
        else:
            taken[first] = row.id
            bind.execute(CODINGS.update().where(CODINGS.c.id == row.id).values(end_offset=seg_end))
        if pieces:
            bind.execute(CODINGS.insert(), pieces)
