"""The one rule for line breaks, for every way text comes into a project.

A line ends at ``\\r\\n``, ``\\r`` or ``\\n``, at the Unicode line and paragraph separators
(U+2028, U+2029) and NEL (U+0085), and at the control characters that old tools write between
lines or pages: vertical tab, form feed (``pdftotext`` at every page break) and the file, group
and record separators (U+001C..U+001E). That is exactly the set :meth:`str.splitlines` uses, so
a turn that starts after any of them starts a line of its own, wherever the text came from.

The stored text is never rewritten: these functions give offsets into the text as written, so
``text[start:end]`` of a segment stays what the file says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# every character str.splitlines() ends a line at; "\r\n" is one break
LINE_BREAK_CHARS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# a "\r" is a break of its own only where no "\n" follows, so no pattern can split a "\r\n"
LINE_BREAK_PATTERN = r"(?:\r\n|\r(?!\n)|[\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029])"
LINE_BREAK = re.compile(LINE_BREAK_PATTERN)


def lines(text: str, start: int = 0) -> Iterator[tuple[int, int, int]]:
    """``(start, end, next)`` for every line from ``start``: ``text[start:end]`` is the line
    without its break, ``next`` where the following line starts (``len(text)`` after the last)."""
    for match in LINE_BREAK.finditer(text, start):
        yield start, match.start(), match.end()
        start = match.end()
    if start < len(text):
        yield start, len(text), len(text)


def line_number(text: str, offset: int) -> int:
    """The 1-based number of the line holding ``offset`` (``\\r\\n`` counts once)."""
    return sum(1 for _ in LINE_BREAK.finditer(text, 0, offset)) + 1


def strip_break(line: str) -> str:
    """A line from ``splitlines(keepends=True)`` without its line break."""
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line and line[-1] in LINE_BREAK_CHARS else line
