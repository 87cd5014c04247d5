"""How segments are numbered for people: one numbering for every screen, file and message.

The database keeps a segment's ``position`` in its transcript from 0; people count from 1, so
the first segment is ¶1 in the workbench, in ``transcripts show``, in ``disagreements``, in
theme exports and in REFI-QDA notes alike. Only the JSON and CSV fields named ``position``
(if any) keep the stored value; everything a person reads goes through these functions.
"""

from __future__ import annotations


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
