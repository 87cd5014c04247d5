"""Turning a transcript file into stored text and segments.

A segment is a speaker turn (``Speaker: text``), or a paragraph where a file has no speaker
labels. A turn longer than ``max_chars`` is split at sentence boundaries. Offsets always slice
the stored text back to the segment text: ``text[start:end]``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.errors import InputError
from qualcode.ingest.linebreaks import LINE_BREAK_PATTERN, lines
from qualcode.ingest.sources import (
    CAPTION_SUFFIXES,
    DEFAULT_MAX_BYTES,
    DOCX_SUFFIXES,
    TEXT_SUFFIXES,
    FrontMatter,
    RawSource,
    decode_text,
    read_source,
    split_front_matter,
)
from qualcode.limits import FIELD_LIMITS, MAX_PARAGRAPH_CHARS, check_length

DEFAULT_MAX_SEGMENT_CHARS = 1200
# "Interviewer: …", "Deputy head: …", "P1: …", "**Teacher:** …" — up to four words before the colon.
SPEAKER_LINE = re.compile(
    r"^[ \t]*(?:\*\*)?(?P<label>[^\W\d_][\w'’.()\-]*(?:[ \t][\w'’.()\-]+){0,3}?)"
    r"(?::\*\*|\*\*:|:)(?:[ \t]+|(?=[\r\n])|$)"
)
# a blank line (two line breaks with only spaces or tabs between) or a paragraph separator
BLANK_LINE = re.compile(r"(?:" + LINE_BREAK_PATTERN + r"[ \t]*" + LINE_BREAK_PATTERN + r"|\u2029)\s*")


@dataclass
class ParsedSegment:
    speaker: str | None
    start: int
    end: int
    time_start: float | None = None
    time_end: float | None = None


@dataclass
class ParsedTranscript:
    name: str
    format: str
    source_path: str
    sha256: str
    text: str
    segments: list[ParsedSegment]
    front: FrontMatter = field(default_factory=FrontMatter)
    meta: dict[str, Any] = field(default_factory=dict)  # the source's header, format, flags (ingest/formats)


def parse_file(
    path: Path, max_bytes: int = DEFAULT_MAX_BYTES, max_chars: int = DEFAULT_MAX_SEGMENT_CHARS
) -> ParsedTranscript:
    suffix = path.suffix.lower()
    raw = read_source(path, max_bytes)
    where = str(path)
    known = _known_format(path, raw, max_chars)  # the formats recognised by content (ingest/formats)
    if known is not None:
        return known
    if suffix in TEXT_SUFFIXES:
        text = decode_text(raw)
        front, body_start = split_front_matter(text, where)
        body = text[body_start:]
        segments = segment_text(body, max_chars)
        fmt = TEXT_SUFFIXES[suffix]
    elif suffix in DOCX_SUFFIXES:
        front, body = FrontMatter(), _docx_text(raw.data, where)
        segments = segment_text(body, max_chars)
        fmt = "docx"
    elif suffix in CAPTION_SUFFIXES:
        front = FrontMatter()
        body, segments = _captions(decode_text(raw), where, suffix, max_chars)
        fmt = CAPTION_SUFFIXES[suffix]
    else:
        raise InputError(
            where,
            f"unsupported file type {suffix or '(none)'}: qualcode imports .txt, .md, .docx, .odt, .vtt, .srt, "
            ".json, .tsv and .html transcripts and .csv codings",
        )
    if not segments:
        raise InputError(where, "no transcript text found (only front matter or blank lines)")
    return ParsedTranscript(path.stem, fmt, str(path), raw.sha256, body, segments, front)


def _known_format(path: Path, raw: RawSource, max_chars: int) -> ParsedTranscript | None:
    """The transcript as read by the format its content follows, or None for the plain readers below."""
    from qualcode.ingest import formats
    from qualcode.ingest.formats import sniff

    where, front, text = str(path), FrontMatter(), None
    if path.suffix.lower() in TEXT_SUFFIXES:
        text = decode_text(raw)
        front, body_start = split_front_matter(text, where)
        text = text[body_start:]
    source = formats.Source(where, path.name, raw.data, text)
    reading = sniff.read(source)
    if reading is None:
        from qualcode.ingest.formats.documents import docx_text

        body = docx_text(source)  # a Word document in no particular layout: read as plain text
        if body is None:
            return None
        if not body.strip():
            raise InputError(where, "the .docx document has no text")
        segments = segment_text(body, max_chars)
        return ParsedTranscript(path.stem, "docx", where, raw.sha256, body, segments, front)
    built = formats.build(reading, max_chars, where)
    segments = _split_long([ParsedSegment(*seg) for seg in built.segments], built.text, max_chars)
    if not segments:
        raise InputError(where, "no transcript text found")
    meta = built.meta_for([seg.start for seg in segments])
    return ParsedTranscript(path.stem, built.format, where, raw.sha256, built.text, segments, front, meta)


# --------------------------------------------------------------------------- plain text


def speaker_label(line: str) -> tuple[str, int] | None:
    """The speaker a line opens a turn for, and where the turn's words start in the line; None
    for a line that is not a turn (a "label" longer than any speaker's name is prose that happens
    to hold a colon)."""
    match = SPEAKER_LINE.match(line)
    if match is None:
        return None
    label = match.group("label").strip()
    return (label, match.end()) if len(label) <= FIELD_LIMITS["speaker label"] else None


def segment_text(text: str, max_chars: int = DEFAULT_MAX_SEGMENT_CHARS) -> list[ParsedSegment]:
    """Speaker turns, or paragraphs where fewer than two lines open a turn. Every line break of
    :mod:`qualcode.ingest.linebreaks` ends a line, so a turn after a form feed, a lone ``\\r`` or a
    U+2028 is found like any other, and every word of ``text`` lies in a segment (speaker labels
    and whitespace between turns excepted)."""
    turns: list[tuple[str, int, int]] = []  # (speaker, where its line starts, where its words start)
    for start, end, _ in lines(text):
        found = speaker_label(text[start:end])
        if found is not None:
            turns.append((found[0], start, start + found[1]))
    if len(turns) < 2:
        return _split_long([_trimmed(text, s, e, None) for s, e in _paragraphs(text)], text, max_chars)
    segments: list[ParsedSegment] = []
    if text[: turns[0][1]].strip():
        segments.append(_trimmed(text, 0, turns[0][1], None))
    for index, (speaker, _, start) in enumerate(turns):
        end = turns[index + 1][1] if index + 1 < len(turns) else len(text)
        segments.append(_trimmed(text, start, end, speaker))
    return _split_long([s for s in segments if s.end > s.start], text, max_chars)


_LABEL_ONLY = re.compile(r"(?:\*\*)?(?P<label>[^:]+?)(?::\*\*|\*\*:|:)")


def stray_text(text: str, segments: list[tuple[int, int, str | None]]) -> list[tuple[int, int]]:
    """Lines of ``text`` with words outside every segment: the invariant ``qualcode check`` holds
    each transcript to. Between segments (``(start, end, speaker)`` in order) there may be
    whitespace and speaker labels only — a line that is just a label (``Alice:``,
    ``**Alice:**``, ``[Headteacher 1]:`` once anonymised), or the line opening a turn that names
    its speaker; anything else is text the splitter lost. Returns the (start, end) of each such line."""
    stray: list[tuple[int, int]] = []
    done = 0
    for start, end, speaker in segments:
        if start > done:
            _stray_lines(text, done, start, speaker, stray)
        done = max(done, end)
    _stray_lines(text, done, len(text), None, stray)
    return stray


def _stray_lines(text: str, lo: int, hi: int, speaker: str | None, stray: list[tuple[int, int]]) -> None:
    gap = text[lo:hi]
    if not gap.strip():
        return
    for start, end, _ in lines(gap):
        line = gap[start:end].strip()
        if not line:
            continue
        label = _LABEL_ONLY.fullmatch(line)  # a turn with no words, its label perhaps anonymised
        if label is not None and len(label.group("label").strip()) <= FIELD_LIMITS["speaker label"]:
            continue
        if speaker and speaker in line:  # the line that opens this turn, however the format wrote it
            continue
        stray.append((lo + start, lo + end))


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in BLANK_LINE.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _trimmed(text: str, start: int, end: int, speaker: str | None) -> ParsedSegment:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return ParsedSegment(speaker, start, end)


def _split_long(segments: list[ParsedSegment], text: str, max_chars: int) -> list[ParsedSegment]:
    if max_chars <= 0:
        return segments
    out: list[ParsedSegment] = []
    for seg in segments:
        if seg.end - seg.start <= max_chars:
            out.append(seg)
            continue
        chunk: tuple[int, int] | None = None  # start and end of the sentences gathered so far
        for s, e in _sentences(text, seg.start, seg.end):
            if chunk is not None and e - chunk[0] > max_chars:
                out.append(ParsedSegment(seg.speaker, chunk[0], chunk[1], seg.time_start, seg.time_end))
                chunk = None
            chunk = (s, e) if chunk is None else (chunk[0], e)
        if chunk is not None:
            out.append(ParsedSegment(seg.speaker, chunk[0], chunk[1], seg.time_start, seg.time_end))
    return out


def _sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``, in windows spaCy accepts (its limit is 1,000,000
    characters, E088)."""
    from qualcode.nlp import sentence_spans, windows  # spaCy only when a turn is long

    for lo, hi in windows(text, start, end, MAX_PARAGRAPH_CHARS):
        for s, e in sentence_spans(text[lo:hi]):
            yield s + lo, e + lo


# --------------------------------------------------------------------------- .docx


def _docx_text(data: bytes, where: str) -> str:
    import io

    try:
        import docx
    except ImportError:  # pragma: no cover - a declared dependency
        raise InputError(where, "reading .docx needs python-docx") from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if "word/document.xml" not in zf.namelist():
                raise InputError(where, "not a Word .docx document")
            if sum(info.file_size for info in zf.infolist()) > 200 * 1024 * 1024:
                raise InputError(where, "the .docx expands to more than 200 MB; refusing it")
        document = docx.Document(io.BytesIO(data))
    except InputError:
        raise
    except Exception:
        raise InputError(where, "not a readable Word .docx document") from None
    # A page or column break inside a paragraph is a line break (python-docx would drop it and
    # join the words on either side, so a turn after it would run into the one before).
    from docx.oxml.ns import qn

    for br in document.element.body.iter(qn("w:br")):
        if br.get(qn("w:type")) in ("page", "column"):
            br.set(qn("w:type"), "textWrapping")
    paragraphs = [p.text.rstrip() for p in document.paragraphs]
    text = "\n\n".join(p for p in paragraphs if p.strip())
    if not text.strip():
        raise InputError(where, "the .docx document has no text")
    return text


# --------------------------------------------------------------------------- captions

TIMING = re.compile(r"^\s*(?P<a>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<b>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})")
VOICE = re.compile(r"<v(?:\.[\w.]+)?\s+([^>]+)>")
TAG = re.compile(r"</?[^>]*>")


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def _captions(text: str, where: str, suffix: str, max_chars: int) -> tuple[str, list[ParsedSegment]]:
    """Cues merged into turns (same speaker, consecutive), with the first and last cue's times."""
    rows = text.splitlines()  # the line breaks of qualcode.ingest.linebreaks; the text is rebuilt below
    if suffix == ".vtt" and not (rows and rows[0].lstrip("\ufeff").startswith("WEBVTT")):
        raise InputError(f"{where}:1", "a WebVTT file must start with 'WEBVTT'")
    cues: list[tuple[float, float, str | None, str]] = []
    index = 0
    while index < len(rows):
        match = TIMING.match(rows[index])
        if not match:
            index += 1
            continue
        start, end = _seconds(match.group("a")), _seconds(match.group("b"))
        index += 1
        body: list[str] = []
        while index < len(rows) and rows[index].strip():
            body.append(rows[index].strip())
            index += 1
        cue = " ".join(body)
        speaker = None
        voice = VOICE.search(cue)
        if voice:
            speaker = voice.group(1).strip()
            check_length("speaker label", speaker, where)
        cue = TAG.sub("", cue).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").strip()
        label = speaker_label(cue)
        if speaker is None and label is not None:
            speaker, cue = label[0], cue[label[1] :].strip()
        if cue:
            cues.append((start, end, speaker, cue))
    if not cues:
        raise InputError(where, "no caption cues found (expected lines like '00:00:01.000 --> 00:00:04.000')")

    turns: list[tuple[float, float, str | None, str]] = []  # cues of one speaker joined up to max_chars
    for start, end, speaker, cue in cues:
        last = turns[-1] if turns else None
        if last and last[2] == speaker and len(last[3]) + len(cue) + 1 <= max_chars:
            turns[-1] = (last[0], end, speaker, last[3] + " " + cue)
        else:
            turns.append((start, end, speaker, cue))

    parts: list[str] = []
    segments: list[ParsedSegment] = []
    offset = 0
    for start, end, speaker, words in turns:
        prefix = f"{speaker}: " if speaker else ""
        segments.append(ParsedSegment(speaker, offset + len(prefix), offset + len(prefix) + len(words), start, end))
        chunk = prefix + words + "\n\n"
        parts.append(chunk)
        offset += len(chunk)
    return "".join(parts).rstrip("\n") + "\n", segments
