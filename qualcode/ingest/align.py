"""Carrying spans (segments, codings) from one version of a transcript's text to the next.

A corrected transcript (a misheard word, a redacted name, a missing page) is aligned with the old
text; every span then moves with the words it covered. The alignment is a diff of words (a run of
non-space characters with the spaces after it), refined character by character inside the runs
that changed, so that "Smith" corrected to "Smyth" keeps a span that started or ended inside it.
The diff goes from coarse to fine: the common beginning and end first, then lines, then words
inside the lines that differ, then characters inside the words that differ. Each finer diff only
sees what the coarser one could not match, so a few corrections in a long transcript cost time in
proportion to the text, not to its square.

Rules, for a span ``old[start:end]``:

- characters the diff keeps map to their new place; an insertion strictly inside the span joins
  it, an insertion at either edge does not;
- a replaced run that the span touches is taken in whole (the new words stand for the old);
- deleted characters vanish from the span; a span left with nothing is ``deleted``.

``status`` says what happened: ``kept`` (the same text, perhaps at new offsets), ``changed`` (its
text was edited; ``removed_text`` holds the old characters that are gone) or ``deleted``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

# (tag, i1, i2, j1, j2) as in difflib: old[i1:i2] becomes new[j1:j2]
Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]

_LINE = re.compile(r"[^\n]*\n+|[^\n]+")  # a line with the blank lines after it
_WORD = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class MovedSpan:
    index: int  # position in the list given
    old_start: int
    old_end: int
    new_start: int | None  # None when the span was deleted
    new_end: int | None
    status: str  # kept | changed | deleted
    removed_text: str = ""  # old characters inside the span that are not in the new text


@dataclass(frozen=True)
class Alignment:
    """Character-level edit script from ``old`` to ``new``: (tag, i1, i2, j1, j2) as in difflib."""

    old: str
    new: str
    opcodes: tuple[Opcode, ...]
    # blocks that cover old characters, in order, and where they start, for bisecting a position
    _covering: list[Opcode] = field(init=False, repr=False, compare=False)
    _starts: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        covering = [op for op in self.opcodes if op[2] > op[1]]
        object.__setattr__(self, "_covering", covering)  # frozen: set once, here
        object.__setattr__(self, "_starts", [op[1] for op in covering])

    def _block(self, position: int) -> Opcode:
        index = bisect.bisect_right(self._starts, position) - 1
        return self._covering[index]

    def map_start(self, position: int) -> int:
        """Where the character ``old[position]`` starts in ``new`` (a replaced run from its start)."""
        tag, i1, _i2, j1, _j2 = self._block(position)
        return j1 + (position - i1) if tag == "equal" else j1

    def map_end(self, position: int) -> int:
        """Where a span ending (exclusively) at ``position`` ends in ``new``."""
        tag, i1, _i2, j1, j2 = self._block(position - 1)
        if tag == "equal":
            return j1 + (position - i1)
        return j2 if tag == "replace" else j1

    def removed(self, start: int, end: int) -> str:
        """The old characters in ``[start, end)`` that the edit deletes or replaces."""
        parts = []
        first = bisect.bisect_right(self._starts, start) - 1
        for tag, i1, i2, _j1, _j2 in self._covering[max(first, 0) :]:
            if i1 >= end:
                break
            if tag != "equal":
                lo, hi = max(i1, start), min(i2, end)
                if lo < hi:
                    parts.append(self.old[lo:hi])
        return "".join(parts)


def align(old: str, new: str) -> Alignment:
    # the shared beginning and end, each cut back to a word boundary so that words are diffed whole
    prefix = _common_prefix(old, new)
    while prefix and not old[prefix - 1].isspace():
        prefix -= 1
    suffix = _common_suffix(old[prefix:], new[prefix:])
    while suffix and not (old[len(old) - suffix - 1].isspace() and new[len(new) - suffix - 1].isspace()):
        suffix -= 1
    old_mid, new_mid = old[prefix : len(old) - suffix], new[prefix : len(new) - suffix]
    ops: list[Opcode] = []
    if prefix:
        ops.append(("equal", 0, prefix, 0, prefix))
    ops.extend(_shift(_word_diff(old_mid, new_mid), prefix, prefix))
    if suffix:
        ops.append(("equal", len(old) - suffix, len(old), len(new) - suffix, len(new)))
    return Alignment(old, new, tuple(_merge(ops)))


def map_spans(old: str, new: str, spans: list[tuple[int, int]], alignment: Alignment | None = None) -> list[MovedSpan]:
    """Each ``(start, end)`` of ``old`` mapped into ``new`` (see the module's rules)."""
    a = alignment or align(old, new)
    out = []
    for index, (start, end) in enumerate(spans):
        if not 0 <= start < end <= len(old):
            raise ValueError(f"span {start}-{end} is outside the old text ({len(old)} characters)")
        new_start, new_end = a.map_start(start), a.map_end(end)
        removed = a.removed(start, end)
        if new_end <= new_start:
            out.append(MovedSpan(index, start, end, None, None, "deleted", old[start:end]))
        elif new[new_start:new_end] == old[start:end]:
            out.append(MovedSpan(index, start, end, new_start, new_end, "kept"))
        else:
            out.append(MovedSpan(index, start, end, new_start, new_end, "changed", removed))
    return out


# ---------------------------------------------------------------------- the diff


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    lo, hi = 0, n
    while lo < hi:  # binary search on slices: C-speed comparisons, O(n log n) worst case
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _tokens(pattern: re.Pattern[str], text: str) -> tuple[list[str], list[int]]:
    tokens, starts = [], []
    for match in pattern.finditer(text):
        tokens.append(match.group())
        starts.append(match.start())
    starts.append(len(text))
    return tokens, starts


def _word_diff(old: str, new: str) -> list[Opcode]:
    return _diff(old, new, 0)


_LEVELS = (_LINE, _WORD)  # then characters


def _diff(old: str, new: str, level: int) -> list[Opcode]:
    if not old or not new:
        if old:
            return [("delete", 0, len(old), 0, 0)]
        return [("insert", 0, 0, 0, len(new))] if new else []
    if level == len(_LEVELS):
        return SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    a, a_at = _tokens(_LEVELS[level], old)
    b, b_at = _tokens(_LEVELS[level], new)
    # lines may repeat ("Interviewer: Yes."): difflib's popular-element heuristic keeps that cheap,
    # and whatever it leaves unmatched is matched again by words
    matcher = SequenceMatcher(None, a, b, autojunk=level == 0)
    ops: list[Opcode] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        o1, o2, n1, n2 = a_at[i1], a_at[i2], b_at[j1], b_at[j2]
        if tag == "replace":
            ops.extend(_shift(_diff(old[o1:o2], new[n1:n2], level + 1), o1, n1))
        else:
            ops.append((tag, o1, o2, n1, n2))
    return ops


def _shift(ops: list[Opcode], di: int, dj: int) -> list[Opcode]:
    return [(tag, i1 + di, i2 + di, j1 + dj, j2 + dj) for tag, i1, i2, j1, j2 in ops]


def _merge(ops: list[Opcode]) -> list[Opcode]:
    out: list[Opcode] = []
    for op in ops:
        if op[1] == op[2] and op[3] == op[4]:
            continue
        if out and out[-1][0] == op[0] == "equal" and out[-1][2] == op[1] and out[-1][4] == op[3]:
            prev = out[-1]
            out[-1] = ("equal", prev[1], op[2], prev[3], op[4])
        else:
            out.append(op)
    return out
