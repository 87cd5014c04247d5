"""Text exports of transcription services that put a time beside each speaker.

- Rev: ``Speaker 1 (00:03):`` and the words on that line or the next (times ``MM:SS`` or
  ``HH:MM:SS``);
- Descript and Trint: ``[00:00:03] Speaker 1: words``.

Read from the services' documented layouts. The lines before the first turn are kept as metadata.
"""

from __future__ import annotations

from qualcode.ingest.formats import (
    CONVENTIONS,
    Reading,
    Source,
    check_not_mixed,
    line_turns,
    reader,
)

TEXT_SUFFIXES = (".txt", ".md", ".text", "")
_FORMATS = {
    "Rev 'Name (00:03):' lines": ("rev", "Rev text"),
    "Descript/Trint '[00:00:03] Name:' lines": ("descript", "Descript/Trint text"),
}


@reader("stamped")
def read_stamped(source: Source) -> Reading | None:
    if source.is_zip or source.suffix not in TEXT_SUFFIXES:
        return None
    lines = source.lines()
    counts = source.counts()
    found = max(_FORMATS, key=lambda name: counts[name])
    if counts[found] < 2:
        return None
    check_not_mixed(source.where, found, counts)
    header, turns = line_turns(lines, CONVENTIONS[found])
    fmt, label = _FORMATS[found]
    return Reading(fmt, label, turns, {"header": header} if header else {})
