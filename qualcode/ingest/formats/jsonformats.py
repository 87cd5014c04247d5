"""Transcripts as data: Whisper .json and .tsv, and Podcasting 2.0 transcript .json.

- Whisper .json: ``{"text": …, "segments": [{"start", "end", "text"}…], "language"}``; a
  ``speaker`` on a segment (as WhisperX writes it) is kept.
- Whisper .tsv: ``start<TAB>end<TAB>text`` with times in whole milliseconds.
- Podcasting 2.0 .json: ``{"version": …, "segments": [{"speaker", "startTime", "endTime", "body"}…]}``,
  often one word a segment: one speaker's consecutive segments become one turn.

Anything else in a .json is refused with one line: qualcode does not guess at unknown data.
"""

from __future__ import annotations

import json
import math
from typing import Any

from qualcode.errors import InputError
from qualcode.ingest.formats import Reading, Source, Turn, reader


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    # to the millisecond, as caption files write times: Whisper's .json stores 1.18 s as
    # 1.1799999999999993 where its .vtt of the same transcription says 00:01.180
    return round(float(value), 3)


def _speaker(value: Any) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


@reader("json")
def read_json(source: Source) -> Reading | None:
    if source.suffix == ".tsv":
        return _whisper_tsv(source)
    if source.suffix != ".json":
        return None
    try:
        data = json.loads(source.text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{source.where}:{exc.lineno}", f"not valid JSON: {exc.msg}") from None
    except (RecursionError, ValueError):  # nested deeper than Python can follow; a number too long to read
        raise InputError(
            source.where, "a .json file qualcode cannot read (nested too deeply or a number too long)"
        ) from None
    segments = data.get("segments") if isinstance(data, dict) else None
    if isinstance(segments, list) and segments and all(isinstance(s, dict) for s in segments):
        if all("body" in s for s in segments):
            return _podcast(data, segments)
        if all("text" in s and "start" in s for s in segments):
            return _whisper(data, segments)
    raise InputError(
        source.where,
        "a .json file qualcode does not know: it reads Whisper .json ('segments' with start, end and text) "
        "and Podcasting 2.0 transcripts ('segments' with startTime, endTime and body)",
    )


def _podcast(data: dict[str, Any], segments: list[dict[str, Any]]) -> Reading:
    """Segments are often single words: one speaker's words up to the end of a sentence are
    gathered into one cue (with the first word's start and the last word's end) before the cues
    are laid out, so a word-by-word file reads as fast as a sentence-by-sentence one."""
    turns: list[Turn] = []
    words: list[str] = []
    names: dict[Any, str | None] = {}  # the speaker's name as given -> as stored (most files repeat a few)
    speaker: str | None = None
    start: Any = None
    end: Any = None
    for segment in segments:
        given = segment.get("speaker")
        try:
            who = names[given]
        except (KeyError, TypeError):  # TypeError: a name that is not text (a list, a mapping)
            who = _speaker(given)
            if isinstance(given, str):
                names[given] = who
        body = segment.get("body")
        body = body if isinstance(body, str) else "" if body is None else str(body)
        if words and who != speaker:
            turns.append(Turn(speaker, " ".join(words), _number(start), _number(end)))
            words = []
        if not words:
            speaker, start = who, segment.get("startTime")
        words.append(body)
        end = segment.get("endTime")
        if body.endswith((".", "?", "!", "\n", ". ", "? ", "! ")):
            turns.append(Turn(speaker, " ".join(words), _number(start), _number(end)))
            words = []
    if words:
        turns.append(Turn(speaker, " ".join(words), _number(start), _number(end)))
    meta = {"version": str(data["version"])} if "version" in data else {}
    return Reading("podcast", "Podcasting 2.0 transcript .json", turns, meta, cues=True)


def _whisper(data: dict[str, Any], segments: list[dict[str, Any]]) -> Reading:
    turns = [
        Turn(_speaker(s.get("speaker")), str(s.get("text") or ""), _number(s.get("start")), _number(s.get("end")))
        for s in segments
    ]
    meta: dict[str, Any] = {}
    if isinstance(data.get("language"), str):
        meta["language"] = data["language"]
    return Reading("whisper", "Whisper .json", turns, meta, cues=True)


def _whisper_tsv(source: Source) -> Reading:
    lines = source.text().splitlines()
    if not lines or [c.strip().lower() for c in lines[0].split("\t")] != ["start", "end", "text"]:
        raise InputError(
            f"{source.where}:1", "a .tsv transcript must start with Whisper's header 'start<TAB>end<TAB>text'"
        )
    turns: list[Turn] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("\t", 2)
        try:
            start, end = int(parts[0]) / 1000, int(parts[1]) / 1000
        except (ValueError, IndexError):
            raise InputError(
                f"{source.where}:{number}", "expected 'start<TAB>end<TAB>text' with times in milliseconds"
            ) from None
        turns.append(Turn(None, parts[2] if len(parts) > 2 else "", start, end))
    return Reading("whisper", "Whisper .tsv", turns, {}, cues=True)
