"""Code every match: where a text search or a regular expression finds a passage, a coding.

Plain domain code over segments' texts: it plans placements (segment, start, end), the project
writes them as one event. Regular expressions run with the ``regex`` module's time limit, so a
pattern that would never end (``(a|aa)+$`` on a long turn) stops with one clear line instead of
hanging the command.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError

if TYPE_CHECKING:  # the regex module is loaded when a pattern is compiled, not by every command
    import regex

SPANS = ("segment", "match")
MAX_PATTERN_CHARS = 1_000
DEFAULT_TIME_LIMIT = 10.0  # seconds for every search of one command together


@dataclass(frozen=True)
class TurnText:
    segment_id: int
    transcript_id: int
    start: int  # offset of the segment in its transcript's text
    text: str
    interviewer: bool = False


@dataclass(frozen=True)
class Placement:
    segment_id: int
    transcript_id: int
    start: int  # offsets into the transcript's text
    end: int
    matched: str  # the words found (the whole turn's text for --span segment is not repeated here)


def compile_matcher(
    text: str, is_regex: bool = False, whole_words: bool = False, case: bool = False
) -> regex.Pattern[str]:
    """The search as a pattern; a plain text matches as written (without case unless ``case``)."""
    if not text or not text.strip():
        raise QualcodeError("--match needs some text to look for")
    if len(text) > MAX_PATTERN_CHARS:
        raise QualcodeError(f"--match is {len(text):,} characters; at most {MAX_PATTERN_CHARS:,}")
    import regex

    source = text if is_regex else regex.escape(text.strip())
    if whole_words:
        source = rf"(?<!\w)(?:{source})(?!\w)"
    flags = regex.V0 | (0 if case else regex.IGNORECASE)
    try:
        return regex.compile(source, flags)
    except regex.error as exc:
        raise QualcodeError(f"--match is not a valid regular expression: {exc}") from None


def plan(
    turns: Iterable[TurnText],
    pattern: regex.Pattern[str],
    span: str = "segment",
    include_interviewer: bool = False,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> list[Placement]:
    """Where the pattern finds something: the whole turn (``span="segment"``), or each match."""
    if span not in SPANS:
        raise QualcodeError(f"--span must be one of {', '.join(SPANS)}")
    deadline = time.monotonic() + time_limit
    out: list[Placement] = []
    for turn in turns:
        if turn.interviewer and not include_interviewer:
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            raise _too_slow(time_limit)
        try:
            if span == "segment":
                found = pattern.search(turn.text, timeout=left)
                if found is not None and found.end() > found.start():
                    lead = len(turn.text) - len(turn.text.lstrip())
                    tail = len(turn.text.rstrip())
                    out.append(
                        Placement(turn.segment_id, turn.transcript_id, turn.start + lead, turn.start + tail, found[0])
                    )
                continue
            for found in pattern.finditer(turn.text, timeout=left):
                if found.end() > found.start():  # an empty match codes nothing
                    out.append(
                        Placement(
                            turn.segment_id,
                            turn.transcript_id,
                            turn.start + found.start(),
                            turn.start + found.end(),
                            found[0],
                        )
                    )
        except TimeoutError:
            raise _too_slow(time_limit) from None
    return out


def _too_slow(limit: float) -> QualcodeError:
    return QualcodeError(
        f"the search did not finish within {limit:g} s (a regular expression that backtracks without end?); "
        "nothing was coded: simplify the pattern"
    )
