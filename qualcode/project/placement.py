"""Where a coding lies: one rule for every way a coding comes in.

A coding is one passage, ``text[start:end]`` of its transcript, and may run on over a run of
consecutive turns (a question with its answer, several paragraphs). It is stored once: its
``segment_id`` is the first turn it touches and its offsets say how far it runs. The workbench
shows it on every turn it covers, retrieval, quotes and exports give it as one passage, REFI-QDA
export writes one selection, and agreement counts each segment it touches.

Every importer places codings given by absolute offsets with :class:`Placer` (or
:func:`place_coding` for one), inside its own transaction::

    placer = Placer(session)
    placed = placer.place(transcript_id, start, end)   # None: no words of a turn, only what lies between turns
    Coding(..., transcript_id=transcript_id, segment_id=placed.segment_id,
           start=placed.start, end=placed.end)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CompoundSelect, and_, func, select, union
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from qualcode.db.models import Coding, Segment, Transcript, unpacked
from qualcode.errors import QualcodeError
from qualcode.segments import place_span


@dataclass(frozen=True)
class Placement:
    """A coding's place: its first segment, the offsets it covers, every segment it touches."""

    transcript_id: int
    segment_id: int  # the first segment touched: what ``Coding.segment_id`` stores
    start: int
    end: int
    segment_ids: tuple[int, ...]  # every segment touched, in order (one for a coding inside a turn)


class Placer:
    """Places codings given by absolute offsets, reading each transcript's segments once."""

    def __init__(self, s: Session) -> None:
        self._s = s
        self._segments: dict[int, tuple[list[int], list[tuple[int, int]], list[int], int]] = {}

    def _transcript(self, transcript_id: int) -> tuple[list[int], list[tuple[int, int]], list[int], int]:
        found = self._segments.get(transcript_id)
        if found is None:
            length = self._s.scalar(
                select(func.length(unpacked(Transcript.text))).where(Transcript.id == transcript_id)
            )
            if length is None:
                raise QualcodeError(f"no transcript with id {transcript_id}")
            rows = self._s.execute(
                select(Segment.id, Segment.start, Segment.end)
                .where(Segment.transcript_id == transcript_id)
                .order_by(Segment.position)
            ).all()
            ids = [r[0] for r in rows]
            bounds = [(r[1], r[2]) for r in rows]
            found = self._segments[transcript_id] = (ids, bounds, [a for a, _ in bounds], int(length))
        return found

    def place(self, transcript_id: int, start: int, end: int) -> Placement | None:
        """Where ``text[start:end]`` of the transcript lies; None when it covers no words of a turn
        (only what lies between turns: speaker labels, blank lines). Offsets outside the text are an error."""
        ids, bounds, starts, length = self._transcript(transcript_id)
        if not 0 <= start < end <= length:
            raise QualcodeError(f"offsets {start}-{end} are outside the transcript ({length} characters)")
        placed = place_span(bounds, start, end, starts)
        if placed is None:
            return None
        first, last, a, b = placed
        return Placement(transcript_id, ids[first], a, b, tuple(ids[first : last + 1]))


def place_coding(s: Session, transcript_id: int, start: int, end: int) -> Placement | None:
    """Where one coding of ``text[start:end]`` lies (see :class:`Placer` for many)."""
    return Placer(s).place(transcript_id, start, end)


def covers(segment: Any = Segment, coding: Any = Coding) -> ColumnElement[bool]:
    """Join condition: the coding covers (part of) the segment — every turn it runs over, not only
    its first. ``select(...).join(Segment, covers())`` gives one row per coding and turn; pass
    aliases (``sqlalchemy.orm.aliased``) for a subquery inside a query on the same table."""
    return and_(
        segment.transcript_id == coding.transcript_id,
        segment.start < coding.end,
        segment.end > coding.start,
    )


def covered(
    *columns: Any,
    where: Iterable[ColumnElement[bool]] = (),
    joins: Iterable[tuple[Any, ColumnElement[bool]]] = (),
) -> CompoundSelect[Any]:
    """One row of ``columns`` per coding and segment it covers (``Segment`` in ``columns`` and
    ``where`` is the covered segment), without repeats.

    Most codings lie inside their first segment: those are joined by ``segment_id``, which is
    as fast as before codings could cross turns; only codings that run past their first
    segment's end are joined by offsets (``covers``) to the later turns. ``joins`` adds
    (table, on) joins to both halves (``Code``, ``Coder``…).
    """
    first = select(*columns).select_from(Coding).join(Segment, Segment.id == Coding.segment_id)
    start = aliased(Segment)
    later = (
        select(*columns)
        .select_from(Coding)
        .join(start, start.id == Coding.segment_id)
        # the later turns start at or after the first one's end: a range of ix_segments_transcript_start
        .join(
            Segment,
            and_(
                Segment.transcript_id == Coding.transcript_id,
                Segment.start >= start.end,
                Segment.start < Coding.end,
                Segment.end > Segment.start,
                Segment.position > start.position,
            ),
        )
        .where(Coding.end > start.end)
    )
    for target, on in joins:
        first, later = first.join(target, on), later.join(target, on)
    conditions = list(where)
    return union(first.where(*conditions), later.where(*conditions))
