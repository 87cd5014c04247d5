"""Otter.ai exports (.txt, .docx): a ``Name  0:03`` line before each paragraph.

Otter starts the file with ``SUMMARY KEYWORDS`` and ``SPEAKERS`` lists and may end it with
``Transcribed by https://otter.ai``; both are kept as metadata (``keywords``, ``speakers``,
``footer``), never as a turn. Times are ``M:SS`` or, past the hour, ``H:MM:SS``.
"""

from __future__ import annotations

import re
from typing import Any

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
from qualcode.ingest.formats.documents import (
    ODT_MIME,
    Para,
    document_lines,
    document_reading,
    docx_paragraphs,
    odt_paragraphs,
)

OTTER = "Otter.ai 'Name  0:03' lines"
_FOOTER = re.compile(r"^\s*Transcribed by (?:https?://)?otter\.ai\S*\s*$", re.IGNORECASE | re.MULTILINE)
_MARKS = ("SUMMARY KEYWORDS", "otter.ai")


def _has_marks(lines: list[str]) -> bool:
    head = "\n".join(lines[:40]) + "\n" + "\n".join(lines[-5:])
    return any(mark.casefold() in head.casefold() for mark in _MARKS)


def header_meta(header: list[str]) -> dict[str, Any]:
    """``SUMMARY KEYWORDS`` and ``SPEAKERS`` lists as lists; other header lines as they are."""
    meta: dict[str, Any] = {}
    rest: list[str] = []
    key: str | None = None
    for line in header:
        upper = line.strip().upper()
        if upper in ("SUMMARY KEYWORDS", "KEYWORDS"):
            key = "keywords"
        elif upper == "SPEAKERS":
            key = "speakers"
        elif key is not None:
            meta.setdefault(key, []).extend(w.strip() for w in line.split(",") if w.strip())
        else:
            rest.append(line)
    if rest:
        meta["header"] = rest
    return meta


def _reading(
    lines: list[str], where: str, fmt: str, label: str, counts: dict[str, int] | None = None
) -> Reading | None:
    counts = convention_counts(lines) if counts is None else counts
    if counts[OTTER] < 2:
        return None
    check_not_mixed(where, OTTER, counts)
    header, turns = line_turns(lines, CONVENTIONS[OTTER])
    meta = header_meta(header)
    if turns:
        footer = _FOOTER.search(turns[-1].text)
        if footer:
            meta["footer"] = footer.group(0).strip()
            turns[-1].text = (turns[-1].text[: footer.start()] + turns[-1].text[footer.end() :]).strip()
    return Reading(fmt, label, turns, meta)


@reader("otter")
def read_otter_text(source: Source) -> Reading | None:
    if source.is_zip or source.suffix not in (".txt", ".md", ".text", ""):
        return None
    if source.counts()[OTTER] < 2:
        return None
    lines = source.lines()
    label = "Otter.ai .txt" if _has_marks(lines) else "text, 'Name  0:03' lines (as Otter.ai writes them)"
    return _reading(lines, source.where, "otter", label, source.counts())


def otter_document(
    paras: list[Para], where: str, fmt: str, kind: str, counts: dict[str, int] | None = None
) -> Reading | None:
    """A document (.docx, .odt) in Otter's layout, whether or not Otter's marks are in it
    (``counts``: the document's convention counts, when the caller has them)."""
    lines = document_lines(paras)
    counts = convention_counts(lines) if counts is None else counts
    if counts[OTTER] < 2:
        return None
    marks = _has_marks(lines)
    label = f"Otter.ai {kind.split()[-1]}" if marks else f"{kind}, 'Name  0:03' lines (as Otter.ai writes them)"
    return _reading(lines, where, "otter" if marks else fmt, label, counts)


@reader("otter-docx")
def read_otter_docx(source: Source) -> Reading | None:
    if source.suffix != ".docx" or not source.is_zip:
        return None
    return otter_document(docx_paragraphs(source), source.where, "docx", "Word .docx")


@reader("odt")
def read_odt(source: Source) -> Reading | None:
    """An OpenDocument text: Otter's conventions if it follows them, else a document's (here
    rather than in ``documents``, which this module builds on)."""
    if source.suffix != ".odt" and not (source.is_zip and ODT_MIME in source.data[:200]):
        return None
    if not source.is_zip:
        raise InputError(source.where, "not an OpenDocument .odt text (not a zip archive)")
    paras = odt_paragraphs(source)
    if not any(p.text.strip() for p in paras):
        raise InputError(source.where, "the .odt document has no text")
    counts = convention_counts(document_lines(paras))
    found = otter_document(paras, source.where, "odt", "OpenDocument .odt", counts)
    return found or document_reading(paras, source.where, "odt", "OpenDocument .odt", claim_plain=True, counts=counts)
