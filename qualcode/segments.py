"""How segments are numbered for people: one numbering for every screen, file and message.

The database keeps a segment's ``position`` in its transcript from 0; people count from 1, so
the first segment is ¶1 in the workbench, in ``transcripts show``, in ``disagreements``, in
theme exports and in REFI-QDA notes alike. Only the JSON and CSV fields named ``position``
(if any) keep the stored value; everything a person reads goes through these functions.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence


def segment_number(position: int) -> int:
    """The number people use for the segment stored at ``position`` (0-based): 1, 2, 3…"""
    return position + 1


def segment_ref(position: int) -> str:
    """The short reference shown beside a segment: "¶12"."""
    return f"¶{segment_number(position)}"


def clock(seconds: float) -> str:
    """A media time as people read it: "0:12:03" (hours always shown, seconds whole)."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def segment_label(position: int) -> str:
    """The reference in prose: "segment 12"."""
    return f"segment {segment_number(position)}"


# ---------------------------------------------------------------- where a coding lies

# A coding is one passage, ``text[start:end]`` of its transcript. It may run on over a run of
# consecutive turns (a question with its answer, several paragraphs): it stays one coding, shown
# on every turn it covers and exported as one passage, while agreement counts each turn it touches.
# Its ``segment_id`` is the first turn it touches; the offsets say how far it runs.


def place_span(
    bounds: Sequence[tuple[int, int]], start: int, end: int, starts: Sequence[int] | None = None
) -> tuple[int, int, int, int] | None:
    """Where ``text[start:end]`` lies among a transcript's segments, given as (start, end) in order.

    Returns (index of the first segment touched, index of the last, start, end), the offsets
    trimmed to begin inside the first segment and end inside the last (what lies between turns —
    speaker labels, blank lines — at either edge is not part of a coding); None when the span
    touches no segment's text.
    ``starts`` (each segment's start, in order) saves building that list for every call.
    """
    if start >= end:
        return None
    first = max(0, bisect.bisect_right(starts if starts is not None else [a for a, _ in bounds], start) - 1)
    while first < len(bounds) and (bounds[first][1] <= start or bounds[first][0] == bounds[first][1]):
        first += 1  # the span starts after this segment (in the blank space behind it) or it is empty
    if first >= len(bounds) or bounds[first][0] >= end:
        return None
    last = first
    for i in range(first + 1, len(bounds)):
        a, b = bounds[i]
        if a >= end:
            break
        if b > a:
            last = i
    return first, last, max(start, bounds[first][0]), min(end, bounds[last][1])


def touched(bounds: Sequence[tuple[int, int]], start: int, end: int, starts: Sequence[int] | None = None) -> list[int]:
    """The indices of the segments that ``text[start:end]`` touches (empty when none; a segment
    with no text in the run is not touched)."""
    placed = place_span(bounds, start, end, starts)
    if placed is None:
        return []
    return [i for i in range(placed[0], placed[1] + 1) if bounds[i][1] > bounds[i][0]]
