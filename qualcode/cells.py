"""Spreadsheet cells: one escaping rule for every CSV and XLSX qualcode writes, and its inverse.

A spreadsheet takes a cell that starts with ``=``, ``+``, ``-``, ``@`` (after any spaces), a tab
or a carriage return for a formula (OWASP "CSV injection"). Such text is written with a leading
apostrophe, which spreadsheets show as text. A value that already starts with an apostrophe gets a
second one, so that :func:`unescape_cell` (applied by every importer of what qualcode exports)
gives back exactly the text that was written: ``unescape_cell(escape_cell(x)) == x`` for every x.

A hand-written file is read as written: an apostrophe is only removed when what follows it is
something :func:`escape_cell` would have escaped ("'cause" stays "'cause").
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    _DictWriter = csv.DictWriter[str]
else:  # generic only in the stubs: csv.DictWriter[str] fails at run time on Python 3.11
    _DictWriter = csv.DictWriter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_AFTER_SPACES = ("=", "+", "-", "@")
# What the XML of an .xlsx file cannot hold (openpyxl raises IllegalCharacterError for these).
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_REPLACEMENT = "\ufffd"


def needs_escape(text: str) -> bool:
    return bool(text) and (text[0] in FORMULA_START or text[0] == "'" or text.lstrip(" ")[:1] in _FORMULA_AFTER_SPACES)


def escape_cell(value: Any) -> Any:
    """The value for a CSV/XLSX cell: text a spreadsheet would run (or an apostrophe) gets a leading apostrophe."""
    if isinstance(value, str) and needs_escape(value):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """The text :func:`escape_cell` was given."""
    if text.startswith("'") and needs_escape(text[1:]):
        return text[1:]
    return text


def xlsx_cell(value: Any) -> Any:
    """:func:`escape_cell`, and characters an .xlsx cannot store shown as U+FFFD instead of failing."""
    value = escape_cell(value)
    if isinstance(value, str):
        return XLSX_ILLEGAL.sub(XLSX_REPLACEMENT, value)
    return value


class SafeWriter:
    """``csv.writer`` whose every text cell goes through :func:`escape_cell`.

    A row with a line break that is not the writer's line terminator (a lone ``\r`` when lines
    end in ``\n``) is written with every field quoted: ``csv`` quotes only the terminator's own
    characters, and an unquoted ``\r`` ends the row for every reader.
    """

    def __init__(self, fh: SupportsWrite[str], **kwargs: Any) -> None:  # kwargs: csv.writer's format options
        self._writer = csv.writer(fh, **kwargs)
        self._quoted = csv.writer(fh, **{**kwargs, "quoting": csv.QUOTE_ALL})

    def writerow(self, row: Iterable[object]) -> None:
        cells = [escape_cell(v) for v in row]
        breaks = any(isinstance(v, str) and ("\r" in v or "\n" in v) for v in cells)
        (self._quoted if breaks else self._writer).writerow(cells)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(_DictWriter):
    """``csv.DictWriter`` whose every text cell goes through :func:`escape_cell` (line breaks as in ``SafeWriter``)."""

    def __init__(self, fh: SupportsWrite[str], fieldnames: Sequence[str], **kwargs: Any) -> None:
        super().__init__(fh, fieldnames, **kwargs)
        self.writer_file = fh
        self.writer_options = {k: v for k, v in kwargs.items() if k != "quoting"}

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        cells = {k: escape_cell(v) for k, v in rowdict.items()}
        if any(isinstance(v, str) and ("\r" in v or "\n" in v) for v in cells.values()):
            quoted = csv.DictWriter(self.writer_file, self.fieldnames, quoting=csv.QUOTE_ALL, **self.writer_options)
            return quoted.writerow(cells)
        return super().writerow(cells)
