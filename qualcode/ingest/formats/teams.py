"""Microsoft Teams .docx transcripts (the .vtt ones are read in ``webvtt.py``).

Each turn is one paragraph whose lines (Word line breaks) are the time, the name and the words:
``Jane Doe   0:03`` then the words, or, in older exports, ``0:0:2.90 --> 0:0:5.120``, the name,
then the words. The lines before the first turn (meeting title, date, duration) and the
"started/stopped transcription" notices are kept as metadata.
"""

from __future__ import annotations

import re

from qualcode.ingest.formats import CONVENTIONS, Reading, Source, Turn, clock_seconds, is_speaker_name, reader
from qualcode.ingest.formats.documents import docx_paragraphs
from qualcode.ingest.formats.webvtt import TIMING, stamp_seconds

_NAME_TIME = CONVENTIONS["Otter.ai 'Name  0:03' lines"]
_NOTICE = re.compile(r"\b(?:started|stopped) transcription\b", re.IGNORECASE)


@reader("teams-docx")
def read_teams_docx(source: Source) -> Reading | None:
    if source.suffix != ".docx" or not source.is_zip:
        return None
    paras = [p.text.strip() for p in docx_paragraphs(source) if p.text.strip()]
    if any("otter.ai" in p.casefold() or p.startswith("SUMMARY KEYWORDS") for p in paras[:20] + paras[-3:]):
        return None
    turns: list[Turn] = []
    header: list[str] = []
    notices: list[str] = []
    for para in paras:
        lines = [line.strip() for line in para.split("\n")]
        timing = TIMING.match(lines[0]) if len(lines) >= 3 else None
        named = _NAME_TIME.match(lines[0]) if len(lines) >= 2 and ":" in lines[0] else None
        if timing and len(lines) >= 3 and is_speaker_name(lines[1]):
            a, b = timing.group("a"), timing.group("b")
            turns.append(
                Turn(" ".join(lines[1].split()), "\n".join(lines[2:]), stamp_seconds(a), stamp_seconds(b), a, b)
            )
        elif named and len(lines) >= 2 and is_speaker_name(named.group("name")):
            turns.append(
                Turn(" ".join(named.group("name").split()), "\n".join(lines[1:]), clock_seconds(named.group("time")))
            )
        elif len(para) < 200 and _NOTICE.search(para):
            notices.append(para)
        elif turns:
            turns[-1].text += "\n" + para
        else:
            header.append(para)
    if len(turns) < 2:
        return None
    for turn in turns:
        if turn.raw_start is not None and re.match(r"^\d{2}:\d{2}:\d{2}\.\d{3}$", turn.raw_start or ""):
            turn.raw_start = turn.raw_end = None
    meta: dict[str, object] = {}
    if header:
        meta["header"] = [line for p in header for line in p.split("\n")]
    if notices:
        meta["notices"] = notices
    return Reading("teams", "Microsoft Teams .docx", turns, meta, cues=True)
