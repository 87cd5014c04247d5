"""Caption files (.vtt, .srt) from Teams, Zoom, Whisper and noScribe, told apart by content.

- Microsoft Teams .vtt: ``<v Name>`` voice tags, GUID cue ids, and in older exports times that
  are not zero-padded (``0:0:2.90``). Teams writes the fraction there as a whole number of
  milliseconds (``.90`` is 90 ms, ``.120`` is 120 ms), so it is read that way and the time as
  written is kept (``meta["raw_times"]``).
- Zoom ``.transcript.vtt``: numbered cues of ``Name: words``. Zoom ``.cc.vtt`` captions carry no
  speakers: imported, and flagged "captions, no speakers".
- Whisper .vtt (hour-less ``00:01.000`` times) and .srt, diarized ones with ``[SPEAKER_01]: words``
  cues (WhisperX, whisper-ctranslate2); noScribe .vtt (``<v S00>``, a NOTE
  header naming noScribe).
- Captions that name the speaker only when it changes (``Name: words`` on the first cue of a
  turn, as podcast hosts publish .srt): the unlabelled cues after a label are that speaker's.
  Where consecutive cues of one speaker each carry the name, an unlabelled cue stays nobody's.
"""

from __future__ import annotations

import html
import re

from qualcode.errors import InputError
from qualcode.ingest.formats import Reading, Source, Turn, is_speaker_name, reader

_STAMP = r"\d{1,9}(?::\d{1,9}){1,2}(?:[.,]\d{1,9})?"  # bounded: a time is never longer
TIMING = re.compile(r"^\s*(?P<a>" + _STAMP + r")\s*-->\s*(?P<b>" + _STAMP + r")(?:\s.*)?$")
_STANDARD = re.compile(r"^(?:\d{2,}:)?\d{2}:\d{2}[.,]\d{3}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?:/\S*)?$")
_HOURLESS = re.compile(r"^\d{2}:\d{2}[.,]\d{3}$")
VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
TAG = re.compile(r"</?[^>]*>")
LABEL = re.compile(r"^([^\W\d_][\w'’.\-]*(?: [\w'’.()\-]+){0,3}?):\s+(.*)$", re.DOTALL)
# a diarized Whisper caption (WhisperX, whisper-ctranslate2): "[SPEAKER_01]: words"
BRACKETED = re.compile(r"^\[([^\[\]\n]+)\]:\s+(.*)$", re.DOTALL)


def stamp_seconds(stamp: str) -> float:
    """A caption time in seconds. A standard one (``00:01:02.500``, ``01:02,500``) as it says; one
    that is not zero-padded, as Teams writes them (``0:1:2.5``), with its fraction read as
    milliseconds."""
    parts = stamp.replace(",", ".").split(":")
    whole, _, fraction = parts[-1].partition(".")
    seconds = 0.0
    for part in [*parts[:-1], whole]:
        seconds = seconds * 60 + int(part)
    if fraction:
        seconds += int(fraction) / 1000 if not _STANDARD.match(stamp) else float("0." + fraction)
    return round(seconds, 3)


def parse_cues(text: str, where: str, suffix: str) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    """(cue id, raw start, raw end, cue text with tags) for every cue, and the header and NOTE lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if suffix == ".vtt" and not (lines and lines[0].lstrip("\ufeff").startswith("WEBVTT")):
        raise InputError(f"{where}:1", "a WebVTT file must start with 'WEBVTT'")
    cues: list[tuple[str, str, str, str]] = []
    notes: list[str] = []
    index = 0
    if suffix == ".vtt":
        head = lines[0].lstrip("\ufeff")[len("WEBVTT") :].strip(" \t-")
        if head:
            notes.append(head)
        index = 1
        while index < len(lines) and lines[index].strip() and "-->" not in lines[index]:
            notes.append(lines[index].strip())  # header lines such as "Kind: captions"
            index += 1
    block_id = ""
    while index < len(lines):
        line = lines[index]
        match = TIMING.match(line)
        if not match:
            stripped = line.strip()
            if stripped.startswith("NOTE"):
                note = [stripped[4:].strip()]
                index += 1
                while index < len(lines) and lines[index].strip():
                    note.append(lines[index].strip())
                    index += 1
                notes.extend(n for n in note if n)
                continue
            if stripped.startswith(("STYLE", "REGION")) and not block_id:
                while index < len(lines) and lines[index].strip():
                    index += 1
                continue
            block_id = stripped
            index += 1
            continue
        index += 1
        body: list[str] = []
        while index < len(lines) and lines[index].strip():
            body.append(lines[index].strip())
            index += 1
        cues.append((block_id, match.group("a"), match.group("b"), "\n".join(body)))
        block_id = ""
    return cues, notes


def cue_turn(raw_start: str, raw_end: str, body: str, where: str) -> Turn:
    speaker = None
    voice = VOICE.search(body)
    if voice:
        speaker = " ".join(voice.group(1).split())
    words = html.unescape(TAG.sub("", body.replace("\n", " "))).strip()
    if speaker is None:
        label = LABEL.match(words) or BRACKETED.match(words)
        if label and is_speaker_name(label.group(1)):
            speaker, words = label.group(1).strip(), label.group(2).strip()
    standard = _STANDARD.match(raw_start) and _STANDARD.match(raw_end)
    return Turn(
        speaker,
        words,
        stamp_seconds(raw_start),
        stamp_seconds(raw_end),
        None if standard else raw_start,
        None if standard else raw_end,
    )


@reader("vtt")
def read_captions(source: Source) -> Reading | None:
    if source.is_zip or source.suffix not in (".vtt", ".srt"):
        if source.is_zip or source.suffix not in (".txt", ".text", ""):
            return None
        text = source.text()
        # a caption file under another name: WEBVTT first, or an SRT cue in its first lines
        if not (text.startswith("WEBVTT") or _looks_srt(text)):
            return None
        suffix = ".vtt" if text.startswith("WEBVTT") else ".srt"
    else:
        suffix = source.suffix
    cues, notes = parse_cues(source.text(), source.where, suffix)
    if not cues:
        raise InputError(source.where, "no caption cues found (expected lines like '00:00:01.000 --> 00:00:04.000')")
    turns = [cue_turn(a, b, body, source.where) for _, a, b, body in cues]
    ids = [cue_id for cue_id, *_ in cues]
    voices = sum(1 for *_, body in cues if VOICE.search(body))
    speakers = any(t.speaker for t in turns)
    labels = [t.speaker for t in turns]
    if speakers and not any(a is not None and a == b for a, b in zip(labels, labels[1:])):
        # Captions that name a speaker only when the speaker changes (podcast hosts' .srt,
        # "Travis: When you first get" and then unlabelled cues): an unlabelled cue goes on
        # with the speaker before it, as a reader of the file would take it. Where one speaker's
        # cues each carry the name (Zoom, Teams), an unlabelled cue is speech the tool did not
        # attribute ("Hmm." in a real Zoom transcript), and stays nobody's.
        current = None
        for turn in turns:
            if turn.speaker is None:
                turn.speaker = current
            current = turn.speaker
    meta: dict[str, object] = {"header": notes} if notes else {}
    name = source.name
    if any("noscribe" in n.casefold() for n in notes):
        fmt, label = "noscribe", "noScribe .vtt"
    elif voices and (sum(1 for i in ids if _GUID.match(i)) * 2 >= len(ids) or any(t.raw_start for t in turns)):
        fmt, label = "teams", "Microsoft Teams .vtt"
    elif name.endswith(".cc.vtt") or (not speakers and name.endswith(".vtt") and "zoom" in name):
        fmt, label = "zoom-cc", "Zoom captions (.cc.vtt)"
    elif name.endswith(".transcript.vtt") or (speakers and not voices and ids and all(i.isdigit() for i in ids)):
        fmt, label = (
            "zoom",
            "Zoom transcript (.transcript.vtt)" if suffix == ".vtt" else "SubRip .srt, 'Name: text' cues",
        )
    elif suffix == ".vtt" and all(_HOURLESS.match(a) for _, a, *_ in cues):
        fmt, label = "whisper", "Whisper .vtt (hour-less times)"
    else:
        fmt, label = suffix[1:], "WebVTT captions" if suffix == ".vtt" else "SubRip .srt captions"
    if fmt == "zoom" and suffix == ".srt":
        fmt = "srt"
    return Reading(fmt, label, turns, meta, cues=True)


_SRT_START = re.compile(r"^\s*\d+\s*\n\s*" + _STAMP + r"\s*-->", re.MULTILINE)


def _looks_srt(text: str) -> bool:
    return bool(_SRT_START.match(text.lstrip("\ufeff")[:200].replace("\r\n", "\n")))
