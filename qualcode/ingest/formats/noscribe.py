"""noScribe transcripts (.txt, .html; the .vtt is read in ``webvtt.py``).

Each turn starts ``S01: [00:00:12]`` (the label can be renamed, e.g. ``Interviewer:``); the
lines before the first turn — the audio file's name and noScribe's settings — are kept as
metadata, never as a speaker. The .html is noScribe's own editor format: its paragraphs are read
as the .txt's lines, and its ``<meta>`` tags are kept too.
"""

from __future__ import annotations

from html.parser import HTMLParser

from qualcode.errors import InputError
from qualcode.ingest.formats import (
    CONVENTIONS,
    Reading,
    Source,
    check_not_mixed,
    convention_counts,
    line_turns,
    reader,
)

NOSCRIBE = "noScribe 'S01: [00:00:12]' lines"


def _reading(
    lines: list[str], where: str, fmt: str, label: str, extra: dict[str, object], counts: dict[str, int] | None = None
) -> Reading | None:
    counts = convention_counts(lines) if counts is None else counts
    if counts[NOSCRIBE] < 2:
        return None
    check_not_mixed(where, NOSCRIBE, counts)
    header, turns = line_turns(lines, CONVENTIONS[NOSCRIBE])
    meta: dict[str, object] = dict(extra)
    if header:
        meta["header"] = header
    return Reading(fmt, label, turns, meta)


@reader("noscribe")
def read_noscribe_text(source: Source) -> Reading | None:
    if source.is_zip or source.suffix not in (".txt", ".text", ""):
        return None
    if source.counts()[NOSCRIBE] < 2:
        return None
    return _reading(source.lines(), source.where, "noscribe", "noScribe .txt", {}, source.counts())


class _Paragraphs(HTMLParser):
    """Text of an HTML page by paragraph (``<p>``, headings, ``<br>`` as a line break), and its meta tags."""

    BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.meta: dict[str, str] = {}
        self._current: list[str] = []
        self._skip = 0

    def _flush(self) -> None:
        text = "".join(self._current)
        self.lines.extend(" ".join(part.split()) for part in text.split("\n"))
        self.lines.append("")
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "meta":
            values = dict(attrs)
            key = values.get("name") or values.get("property")
            if key and values.get("content") is not None:
                self.meta[key] = values["content"] or ""
        elif tag == "br":
            self._current.append("\n")
        elif tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._current.append(data.replace("\n", " "))


@reader("noscribe-html")
def read_noscribe_html(source: Source) -> Reading | None:
    if source.is_zip or source.suffix not in (".html", ".htm"):
        return None
    parser = _Paragraphs()
    parser.feed(source.text())
    parser.close()
    parser._flush()
    found = _reading(
        parser.lines, source.where, "noscribe", "noScribe .html", {"html_meta": parser.meta} if parser.meta else {}
    )
    if found is None:
        raise InputError(
            source.where,
            "an HTML file that is not a noScribe transcript ('S01: [00:00:12] …' paragraphs); "
            "qualcode reads noScribe's .html — save other pages as .txt or .docx",
        )
    return found
