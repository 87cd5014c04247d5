"""The plain-text codings format: a CSV file of who applied which code where.

::

    coder,transcript,code,anchor,span,memo
    alice,rln-01-headteacher,formalisation.alignment,"went straight into the school improvement plan",segment,
    bob,rln-01-headteacher,effects.pupils,"the Year 4 writing scores went up",quote,Outcome claim

- ``transcript`` is the transcript's name (its file name without extension);
- ``anchor`` is text that occurs exactly once in that transcript; it may run over several
  consecutive turns (a question with its answer), and the coding is then one passage over them;
- ``span`` is ``segment`` (the default: the whole segment containing the anchor, or the whole
  turns it runs over) or ``quote`` (exactly the anchor);
- instead of ``anchor``, ``start`` and ``end`` columns may give character offsets into the
  stored text (what ``qualcode export codings`` writes);
- ``memo`` is optional, and kept exactly as written (spaces included).

Cells are read through :func:`qualcode.cells.unescape_cell`, the inverse of the escaping
every qualcode CSV gets against spreadsheet formulas, so ``export codings`` → ``import`` gives back
every memo and name unchanged (``=1``, ``-1``, ``@x`` and leading apostrophes included).

Strict where a mistake would be silent: offsets are plain ASCII digits, a column appears once, a
row gives an anchor or offsets (not both), and the same coding twice with different memos is an
error rather than one memo quietly dropped.

Anchors rather than segment numbers keep the file readable and valid when segmentation
settings change.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qualcode.cells import SafeWriter, unescape_cell
from qualcode.errors import InputError
from qualcode.ingest.linebreaks import LINE_BREAK, LINE_BREAK_PATTERN
from qualcode.ingest.sources import DEFAULT_MAX_BYTES, decode_text, read_source
from qualcode.limits import check_length
from qualcode.segments import place_span

REQUIRED = ("coder", "transcript", "code")
KNOWN = ("coder", "transcript", "code", "anchor", "span", "memo", "start", "end")
EXPORT_COLUMNS = ("coder", "transcript", "code", "start", "end", "memo")
_DIGITS = re.compile(r"[0-9]+")  # not int(): it takes "1_0", "+5" and Arabic-Indic digits


@dataclass(frozen=True)
class CodingRow:
    line: int
    coder: str
    transcript: str
    code: str
    anchor: str
    span: str
    memo: str
    start: int | None
    end: int | None


@dataclass(frozen=True)
class ResolvedCoding:
    line: int
    coder: str
    transcript: str
    code: str
    segment_index: int
    start: int
    end: int
    memo: str


def read_codings(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[CodingRow]:
    raw = read_source(path, max_bytes, what="codings file")
    text = decode_text(raw)
    where = str(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError(where, "empty codings file") from None
    except csv.Error as exc:
        raise InputError(f"{where}:1", f"not a readable CSV file: {exc}") from None
    repeated = next((h for i, h in enumerate(header) if h and h in header[:i]), None)
    if repeated:
        raise InputError(f"{where}:1", f"column {repeated!r} appears twice in the header")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"{where}:1",
            f"codings file needs the columns {', '.join(REQUIRED)} and anchor (or start and end); missing {', '.join(missing)}",
        )
    unknown = [h for h in header if h not in KNOWN]
    if unknown:
        raise InputError(f"{where}:1", f"unknown column {unknown[0]!r} (known: {', '.join(KNOWN)})")
    if "anchor" not in header and not ("start" in header and "end" in header):
        raise InputError(f"{where}:1", "codings file needs an anchor column, or start and end columns")
    rows: list[CodingRow] = []
    seen: dict[tuple[str | int | None, ...], tuple[int, str]] = {}  # the coding a row names -> (line, memo)
    try:
        for record in reader:
            line = reader.line_num
            if not any(field.strip() for field in record):
                continue
            if len(record) != len(header):
                raise InputError(f"{where}:{line}", f"expected {len(header)} fields, found {len(record)}")
            values = {column: unescape_cell(value) for column, value in zip(header, record)}
            span = (values.get("span") or "segment").strip().lower()
            if span not in ("segment", "quote"):
                raise InputError(f"{where}:{line}", f"span must be 'segment' or 'quote', not {span!r}")
            start = _offset(values.get("start"), where, line)
            end = _offset(values.get("end"), where, line)
            anchor = values.get("anchor") or ""
            if anchor and (start is not None or end is not None):
                raise InputError(
                    f"{where}:{line}", "give an anchor or start and end offsets, not both (which should win?)"
                )
            if not anchor and (start is None or end is None):
                raise InputError(
                    f"{where}:{line}", "give an anchor (text from the transcript) or start and end offsets"
                )
            for column in REQUIRED:
                if not values[column].strip():
                    raise InputError(f"{where}:{line}", f"empty {column}")
            memo = values.get("memo") or ""
            if not memo.strip():
                memo = ""
            row = CodingRow(
                line,
                values["coder"].strip(),
                values["transcript"].strip(),
                values["code"].strip(),
                anchor,
                span,
                memo,
                start,
                end,
            )
            check_length("coder name", row.coder, f"{where}:{line}")
            key = (row.coder, row.transcript, row.code, row.anchor, row.span, row.start, row.end)
            if key in seen:
                first_line, first_memo = seen[key]
                if first_memo != row.memo:
                    raise InputError(
                        f"{where}:{line}",
                        f"the same coding as line {first_line} with a different memo; keep one row (join the memos)",
                    )
            else:
                seen[key] = (line, row.memo)
            rows.append(row)
    except csv.Error as exc:
        raise InputError(f"{where}:{reader.line_num}", f"malformed CSV: {exc}") from None
    return rows


def _offset(value: str | None, where: str, line: int) -> int | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.startswith("-") and _DIGITS.fullmatch(text[1:]):
        raise InputError(f"{where}:{line}", "offsets cannot be negative")
    if not _DIGITS.fullmatch(text) or len(text) > 12:
        raise InputError(f"{where}:{line}", f"offset {value!r} is not a whole number (digits 0-9 only)")
    return int(text)


def format_codings(rows: Iterable[tuple[str, str, str, int, int, str]]) -> str:
    """(coder, transcript, code, start, end, memo) rows as the CSV ``read_codings`` reads back unchanged."""
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def resolve(row: CodingRow, text: str, segments: list[tuple[int, int]], where: str) -> ResolvedCoding:
    """Place one row in a transcript's text; ``segments`` are (start, end) in order."""
    loc = f"{where}:{row.line}"
    if row.anchor:
        found = _find_anchor(text, row.anchor)
        if not found:
            raise InputError(loc, f"anchor not found in transcript {row.transcript!r}: {_short(row.anchor)}")
        if len(found) > 1:
            raise InputError(
                loc, f"anchor occurs more than once in {row.transcript!r}; quote more words: {_short(row.anchor)}"
            )
        start, end = found[0]
    else:
        start, end = row.start, row.end  # type: ignore[assignment]
        if not 0 <= start < end <= len(text):
            raise InputError(loc, f"offsets {start}-{end} are outside the transcript ({len(text)} characters)")
    placed = place_span(segments, start, end)
    if placed is None:
        raise InputError(
            loc,
            f"the coded text holds no words of a turn of {row.transcript!r}, only what lies between turns: "
            f"{_short(text[start:end])}",
        )
    first, last, start, end = placed  # one passage, however many turns it runs over
    if row.span == "segment" and row.anchor:
        start, end = segments[first][0], segments[last][1]
    return ResolvedCoding(row.line, row.coder, row.transcript, row.code, first, start, end, row.memo)


def _find_anchor(text: str, anchor: str) -> list[tuple[int, int]]:
    """Where ``anchor`` occurs in ``text`` (the first two places at most). A line break in the
    anchor matches any line break of :mod:`qualcode.ingest.linebreaks`, so an anchor copied with
    ``\\n`` finds words the file broke with ``\\r\\n``, a lone ``\\r`` or U+2028."""
    if LINE_BREAK.search(anchor) is None:
        first = text.find(anchor)
        if first < 0:
            return []
        second = text.find(anchor, first + 1)
        return [(first, first + len(anchor))] + ([(second, second + len(anchor))] if second >= 0 else [])
    pattern = re.compile(LINE_BREAK_PATTERN.join(re.escape(part) for part in LINE_BREAK.split(anchor)))
    found: list[tuple[int, int]] = []
    position = 0
    while len(found) < 2:
        match = pattern.search(text, position)
        if match is None:
            break
        found.append(match.span())
        position = match.start() + 1
    return found


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
