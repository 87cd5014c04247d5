"""Transcript formats recognised by their content: a small registry of readers.

Researchers receive transcripts from Otter.ai, Microsoft Teams, Zoom, Rev, Descript, Trint,
noScribe, Whisper and podcast hosts. Each convention has a reader here (one module per source);
:func:`qualcode.ingest.formats.sniff.read` sniffs a file's content — not only its name — and
hands it to the first reader that recognises it (it loads the reader modules, which import this
one: in this module the two would import each other). A reader returns :class:`Turn` s and the source's header as metadata; :func:`build`
lays the turns out as the stored text (``Speaker: words``, one turn a paragraph) with segments
whose offsets slice it, merging consecutive cues of one speaker and marking overlapping speech.

Plain Python on bytes and strings: no database, no faces. ``qualcode.ingest.transcripts`` calls
``sniff.read`` first and keeps its own readers for what no format here claims (plain ``Speaker:``
text, Markdown, front matter).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qualcode.errors import InputError
from qualcode.ingest.sources import decode_bytes
from qualcode.limits import FIELD_LIMITS

CAPTIONS_NO_SPEAKERS = "captions, no speakers"


@dataclass
class Turn:
    """One speaker's words as the source gives them: a cue, a paragraph or a turn."""

    speaker: str | None
    text: str
    start: float | None = None
    end: float | None = None
    raw_start: str | None = None  # the time as written, when it is not in a standard form
    raw_end: str | None = None


@dataclass
class Reading:
    """What a reader found in a file."""

    format: str  # a short id stored with the transcript (at most 10 characters)
    label: str  # what people call it: "Otter.ai .txt"
    turns: list[Turn]
    meta: dict[str, Any] = field(default_factory=dict)
    cues: bool = False  # the turns are caption cues: merge one speaker's consecutive cues


@dataclass
class Built:
    """The stored text and its turns' segments for a reading; overlaps and raw times by offset."""

    format: str
    label: str
    text: str
    segments: list[tuple[str | None, int, int, float | None, float | None]]
    meta: dict[str, Any]
    overlaps: set[int] = field(default_factory=set)  # start offsets of turns that overlap the one before
    raw_times: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)

    def meta_for(self, starts: list[int]) -> dict[str, Any]:
        """The metadata to store, with overlaps and raw times named by the position of the segment
        (after long turns are split) that begins at each turn's start."""
        meta = dict(self.meta)
        overlaps = [i for i, start in enumerate(starts) if start in self.overlaps]
        if overlaps:
            meta["overlaps"] = overlaps
        raw = [[i, *self.raw_times[start]] for i, start in enumerate(starts) if start in self.raw_times]
        if raw:
            meta["raw_times"] = raw
        return meta


class Source:
    """A file's bytes, with its text decoded once when a reader asks for it."""

    def __init__(self, where: str, name: str, data: bytes, text: str | None = None) -> None:
        """``text``: the file's text when the caller has decoded it already (without front matter)."""
        self.where = where
        self.name = name.lower()
        self.suffix = "." + self.name.rsplit(".", 1)[-1] if "." in self.name else ""
        self.data = data
        self._text: str | None = text
        self._lines: list[str] | None = None
        self._counts: dict[str, int] | None = None

    def text(self) -> str:
        if self._text is None:
            self._text = decode_bytes(self.data, self.where)
        return self._text

    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text().splitlines()
        return self._lines

    def counts(self) -> dict[str, int]:
        """How many of the text's lines follow each line convention (computed once for all readers)."""
        if self._counts is None:
            self._counts = convention_counts(self.lines())
        return self._counts

    @property
    def is_zip(self) -> bool:
        return self.data.startswith(b"PK\x03\x04")


Sniffer = Callable[[Source], "Reading | None"]
READERS: list[tuple[str, Sniffer]] = []


def reader(name: str) -> Callable[[Sniffer], Sniffer]:
    """Register a reader: it returns a Reading when the source is its format, else None."""

    def add(fn: Sniffer) -> Sniffer:
        READERS.append((name, fn))
        return fn

    return add


# --------------------------------------------------------------------------- laying turns out


def build(reading: Reading, max_chars: int, where: str = "") -> Built:
    """The stored text (``Speaker: words``, a blank line between turns) and segments.

    Consecutive cues of one speaker are merged into one turn while it stays within ``max_chars``
    (so each segment keeps its own times; 0: no limit); a turn that starts before the previous one, by another
    speaker, has ended is overlapping speech: kept as its own turn, in order of starting time, and
    listed in ``meta["overlaps"]`` by position.
    """
    turns = [
        Turn(
            t.speaker,
            " ".join(t.text.split()) if reading.cues else t.text.strip(),
            t.start,
            t.end,
            t.raw_start,
            t.raw_end,
        )
        for t in reading.turns
    ]
    turns = [t for t in turns if t.text]
    if reading.cues and all(t.start is not None for t in turns):
        turns.sort(key=lambda t: t.start or 0.0)  # a stable sort: cues that start together keep their order
    merged: list[Turn] = []
    raw: list[tuple[str | None, str | None]] = []
    for turn in turns:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.speaker == turn.speaker
            and (reading.cues or turn.start is None)
            and (max_chars <= 0 or len(last.text) + len(turn.text) + 1 <= max_chars)
        ):
            last.text += (" " if reading.cues else "\n") + turn.text
            if turn.end is not None:
                last.end = turn.end if last.end is None else max(last.end, turn.end)
                raw[-1] = (raw[-1][0], turn.raw_end)
            continue
        merged.append(Turn(turn.speaker, turn.text, turn.start, turn.end))
        raw.append((turn.raw_start, turn.raw_end))
    parts: list[str] = []
    segments: list[tuple[str | None, int, int, float | None, float | None]] = []
    built = Built(reading.format, reading.label, "", segments, dict(reading.meta))
    offset = 0
    latest_end: float | None = None
    for position, turn in enumerate(merged):
        if turn.speaker is not None and len(turn.speaker) > FIELD_LIMITS["speaker label"]:
            raise InputError(
                where,
                f"speaker label longer than {FIELD_LIMITS['speaker label']} characters: {turn.speaker[:40]!r}…",
            )
        prefix = f"{turn.speaker}: " if turn.speaker else ""
        start = offset + len(prefix)
        segments.append((turn.speaker, start, start + len(turn.text), turn.start, turn.end))
        overlapping = turn.start is not None and latest_end is not None and turn.start < latest_end - 1e-6
        if position and overlapping and merged[position - 1].speaker != turn.speaker:
            built.overlaps.add(start)
        if turn.end is not None:
            latest_end = turn.end if latest_end is None else max(latest_end, turn.end)
        if raw[position] != (None, None):
            built.raw_times[start] = raw[position]
        chunk = prefix + turn.text + "\n\n"
        parts.append(chunk)
        offset += len(chunk)
    built.text = "".join(parts).rstrip("\n") + "\n"
    built.meta["source_format"] = reading.label
    if merged and all(t.speaker is None for t in merged) and any(t.start is not None for t in merged):
        built.meta["flags"] = [*built.meta.get("flags", []), CAPTIONS_NO_SPEAKERS]
    return built


# --------------------------------------------------------------------------- shared helpers

# 1:02:03, 02:03, 2:03, 00:00:12, optionally with a fraction
CLOCK = r"\d{1,2}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?"


def clock_seconds(stamp: str) -> float:
    """``H:MM:SS``, ``MM:SS`` (with or without a fraction) in seconds."""
    seconds = 0.0
    for part in stamp.strip().replace(",", ".").split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def is_speaker_name(value: str) -> bool:
    """A plausible speaker label: short, a few words, not a sentence."""
    value = value.strip()
    return (
        0 < len(value) <= min(FIELD_LIMITS["speaker label"], 60)
        and len(value.split()) <= 5
        and not value.endswith((".", "?", "!", ",", ";"))
        and any(ch.isalpha() for ch in value)
    )


def paragraphs(text: str) -> list[str]:
    """Blocks of a text separated by blank lines, without their outer whitespace."""
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")) if p.strip()]


def mixed(where: str, found: str, other: str) -> InputError:
    return InputError(
        where,
        f"mixes two transcript conventions ({found} and {other}); qualcode cannot tell which lines are turns — "
        "save the file with one convention throughout",
    )


# --------------------------------------------------------------------------- line conventions

_NAME = r"(?P<name>[^\W\d_][^:\[\]()\t]{0,58}?)"
CONVENTIONS: dict[str, re.Pattern[str]] = {
    # Otter.ai (and Teams .docx): "Jane Doe  0:03" alone on its line
    "Otter.ai 'Name  0:03' lines": re.compile(r"^[ \t]*" + _NAME + r"(?: {2,}|\t+)(?P<time>" + CLOCK + r")[ \t]*$"),
    # Rev: "Speaker 1 (00:03):" then the words, on the line or the next
    "Rev 'Name (00:03):' lines": re.compile(
        r"^[ \t]*" + _NAME + r"[ \t]+\((?P<time>" + CLOCK + r")\):(?:[ \t]+(?P<rest>.*))?$"
    ),
    # Descript / Trint: "[00:00:03] Name: words"
    "Descript/Trint '[00:00:03] Name:' lines": re.compile(
        r"^[ \t]*\[(?P<time>" + CLOCK + r")\][ \t]+" + _NAME + r":(?:[ \t]+(?P<rest>.*))?$"
    ),
    # noScribe: "S01: [00:00:12] words"
    "noScribe 'S01: [00:00:12]' lines": re.compile(
        r"^[ \t]*" + _NAME + r":[ \t]+\[(?P<time>" + CLOCK + r")\][ \t]*(?P<rest>.*)$"
    ),
    # plain "Name: words" (qualcode's own text convention)
    "'Name: text' lines": re.compile(r"^[ \t]*" + _NAME + r":[ \t]+(?P<rest>\S.*)$"),
}


def convention_counts(lines: list[str]) -> dict[str, int]:
    """How many lines follow each convention (a line counts for the first that it matches)."""
    counts = dict.fromkeys(CONVENTIONS, 0)
    for line in lines:
        if ":" not in line:
            continue  # every convention has a colon: after the name or in the time
        for name, pattern in CONVENTIONS.items():
            match = pattern.match(line)
            if match and is_speaker_name(match.group("name")):
                counts[name] += 1
                break
    return counts


def check_not_mixed(where: str, mine: str, counts: dict[str, int]) -> None:
    """Refuse a file where another convention is about as common as the one recognised."""
    own = counts.get(mine, 0)
    for name, n in counts.items():
        if name != mine and n >= 3 and n * 4 >= own:
            raise mixed(where, mine, name)


def line_turns(lines: list[str], pattern: re.Pattern[str]) -> tuple[list[str], list[Turn]]:
    """Header lines (before the first turn) and turns of a text whose turns start with ``pattern``.

    A turn's words run from the rest of its line to the next turn; blank lines inside a turn
    become one line break.
    """
    header: list[str] = []
    turns: list[Turn] = []
    body: list[str] = []

    def close() -> None:
        if turns:
            turns[-1].text = "\n".join(line for line in (b.strip() for b in body) if line)

    for line in lines:
        match = pattern.match(line) if ":" in line else None  # every convention has a colon
        if match and is_speaker_name(match.group("name")):
            close()
            body = []
            stamp = match.groupdict().get("time")
            turns.append(Turn(" ".join(match.group("name").split()), "", clock_seconds(stamp) if stamp else None))
            rest = match.groupdict().get("rest")
            if rest:
                body.append(rest)
        elif turns:
            body.append(line)
        elif line.strip():
            header.append(line.strip())
    close()
    return header, turns
