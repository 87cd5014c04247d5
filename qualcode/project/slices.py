"""Reads of the part of the study an analysis shows, through indexed queries.

Retrieval, co-occurrence, group comparison and framework matrices used to work on one read of the
whole project (``ExportData``: every transcript's text, every segment, every coding). A slice is an
``ExportData`` holding only what the analysis looks at — the codes asked for and their codings, the
segments those codings run over and the turns around them, the texts of the transcripts they are
in — so the domain functions in ``qualcode.analysis`` run on it unchanged and give the same result
as on the whole study, and one code's passages cost the same in a study of 100 interviews as in
one of 1,000. The codebook, the coders and the participants (what filters and groups are checked
against) are always read whole: one row per code, coder and person.

Every read here is SQL text run by a ``qualcode.project.sql.Reader``: a session's on every backend
(``session_reader``), or the standard library's sqlite3 on a current SQLite project
(``qualcode.project.light``), which spares a command SQLAlchemy altogether. Tests compare the two.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from qualcode import codebook as cb
from qualcode.errors import QualcodeError
from qualcode.project.sql import Reader, in_list, iso_time
from qualcode.records import CodeInfo
from qualcode.speakers import META_KEY, Speakers, norm, roles_from_meta
from qualcode.speakers import SETTING as SPEAKERS_SETTING
from qualcode.study import (
    ExportCode,
    ExportCoding,
    ExportData,
    ExportMemo,
    ExportParticipant,
    ExportSegment,
    ExportTranscript,
)

CHUNK = 500  # ids or ranges per IN list / OR of ranges (SQLite allows 32,766 variables)

# A segment's columns as ``segment_info`` and the export read them, in this order (``s``: segments).
SEGMENT_SQL = "s.id, s.transcript_id, s.position, s.speaker, s.start_offset, s.end_offset, s.time_start, s.time_end"


@dataclass(frozen=True)
class Slice:
    """What to read. ``roots``: the codes whose codings are read (None: every code's; empty: none),
    with every code below them when ``below``. ``transcripts``: "touched" (those the codings are
    in) or "all" (every transcript, for a matrix's rows or the groups compared; texts still only of
    the touched ones). ``segments``: "none", "covered" (the turns the codings run over; with every
    code's codings, every turn of their transcripts) or "context" (those and ``context`` turns
    either side). ``memos``: those on the codings and on the turns they start in.
    ``transcript_ids``: only the codings in these transcripts (a page of passages)."""

    roots: tuple[str, ...] | None
    below: bool = True
    transcripts: str = "touched"
    texts: bool = False
    segments: str = "none"
    context: int = 0
    memos: bool = False
    details: bool = False
    transcript_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class BookInfo:
    """The codebook's header."""

    name: str
    description: str
    source: str
    version: int


@dataclass(frozen=True)
class StudyOutline:
    """What every read of the study starts from: the codebook, its codes (as code infos and as
    export records), the coders' names by id and the participants."""

    book: BookInfo
    infos: list[CodeInfo]
    codes: list[ExportCode]
    coder_names: dict[int, str]
    people: list[ExportParticipant]


def setting(r: Reader, key: str) -> str | None:
    """A ``project_info`` value (``store.setting_value``)."""
    row = r.one("SELECT value FROM project_info WHERE key = :key", {"key": key})
    return None if row is None else row[0]


def code_rows(r: Reader) -> list[tuple[CodeInfo, str | None]]:
    """Every code in codebook order (depth first), colours inherited from ancestors, each with its
    own colour."""
    rows = list(
        r.rows(
            "SELECT id, key, parent_id, position, name, description, include, exclude, example, keywords, color, guid"
            " FROM codes ORDER BY position, id"
        )
    )
    by_parent: dict[int | None, list[Any]] = {}
    for row in rows:
        by_parent.setdefault(row[2], []).append(row)
    out: list[tuple[CodeInfo, str | None]] = []

    def visit(parent: Any, depth: int, inherited: str | None) -> None:
        for row in by_parent.get(parent[0] if parent else None, []):
            cid, key, _, position, name, description, include, exclude, example, keywords, own, guid = row
            color = own or inherited
            info = CodeInfo(
                cid,
                key,
                name,
                parent[1] if parent else None,
                depth,
                position,
                description,
                include,
                exclude,
                example,
                tuple(r.json(keywords) or ()),
                color,
                r.guid(guid),
            )
            out.append((info, own))
            visit(row, depth + 1, color)

    visit(None, 0, None)
    return out


def read_outline(r: Reader) -> StudyOutline:
    """The outline the whole-study export and a slice of the study both read, read once."""
    found = code_rows(r)
    infos = [info for info, _ in found]
    codes = [
        ExportCode(
            c.key,
            c.name,
            c.parent_key,
            c.depth,
            **{**cb.definition_of(c), "color": own},  # the code's own colour, not inherited
            guid=c.guid,
        )
        for c, own in found
    ]
    people = [
        ExportParticipant(pid, label, dict(r.json(attrs) or {}), r.guid(guid))
        for pid, label, attrs, guid in r.rows("SELECT id, label, attributes, guid FROM participants ORDER BY label")
    ]
    book = r.one("SELECT name, description, source, version FROM codebooks ORDER BY id")
    if book is None:
        raise QualcodeError("the project has no codebook")
    return StudyOutline(
        BookInfo(book[0], book[1] or "", book[2] or "", book[3]),
        infos,
        codes,
        {cid: name for cid, name in r.rows("SELECT id, name FROM coders")},
        people,
    )


def subtree(infos: Iterable[CodeInfo], roots: Iterable[str], below: bool = True) -> set[str]:
    """The codes ``roots`` and, with ``below``, every code under them (unknown keys are kept: the
    analysis refuses them with its own message)."""
    wanted = set(roots)
    if not below:
        return wanted
    children: dict[str | None, list[str]] = {}
    for c in infos:
        children.setdefault(c.parent_key, []).append(c.key)
    out: set[str] = set()
    todo = list(wanted)
    while todo:
        key = todo.pop()
        if key not in out:
            out.add(key)
            todo.extend(children.get(key, ()))
    return out


def read_slice(r: Reader, project_name: str, want: Slice, outline: StudyOutline | None = None) -> ExportData:
    """The rows ``want`` names, in the order ``ExchangePart.export_data`` gives them (``outline``:
    the study's outline when it is already read)."""
    outline = outline or read_outline(r)
    book, infos, codes, coder_names, people = (
        outline.book,
        outline.infos,
        outline.codes,
        outline.coder_names,
        outline.people,
    )
    keys = {c.id: c.key for c in infos}
    wanted = None if want.roots is None else subtree(infos, want.roots, want.below)
    code_ids = None if wanted is None else [c.id for c in infos if c.key in wanted]
    params: dict[str, Any] = {}
    which = _which_codings(code_ids, want.transcript_ids, params)

    # The codings, in export order (the domain's tie-breaks follow it).
    codings: list[ExportCoding] = []
    if code_ids is None or code_ids:
        extra = ", c.guid, c.origin, c.created_at" if want.details else ""
        q = (
            "SELECT c.id, c.coder_id, c.code_id, c.transcript_id, c.segment_id, c.start_offset, c.end_offset"
            f"{extra} FROM codings c{_where(which)} ORDER BY c.transcript_id, c.start_offset, c.end_offset, c.id"
        )
        if want.details:
            codings = [
                ExportCoding(
                    coder_names[row[1]],
                    keys[row[2]],
                    row[3],
                    row[4],
                    row[5],
                    row[6],
                    r.guid(row[7]),
                    r.origin(row[8]),
                    iso_time(r.moment(row[9])),
                )
                for row in r.rows(q, params)
            ]
        else:
            codings = [
                ExportCoding(coder_names[row[1]], keys[row[2]], row[3], row[4], row[5], row[6])
                for row in r.rows(q, params)
            ]
    touched = sorted({c.transcript_id for c in codings})
    in_codings = f"(SELECT c.transcript_id FROM codings c{_where(which)})"

    # The transcripts (in the database's order of names, as the export's): the touched ones, or all
    # of them for what needs every transcript (a matrix's rows, the groups compared).
    conditions = []
    if want.transcripts != "all":
        conditions.append(f"t.id IN {in_codings}")
    if want.transcript_ids is not None:
        conditions.append(f"t.id IN {in_list('tp', want.transcript_ids, params)}")
    rows = list(
        r.rows(
            "SELECT t.id, t.name, t.participant_id, t.guid, t.format, t.meta -> 'title' FROM transcripts t"
            f"{_where(conditions)} ORDER BY t.name",
            params,
        )
    )
    texts: dict[int, str] = {}
    if want.texts and touched:
        q = f"SELECT t.id, t.text FROM transcripts t WHERE t.id IN {in_codings}"
        texts.update((tid, r.text(body)) for tid, body in r.rows(q, params))
    speakers = _speakers(r, [row[0] for row in rows])
    person_by_label = {p.label: p.id for p in people}
    roles = speakers.transcripts_with_roles()
    transcripts = [
        ExportTranscript(
            tid,
            name,
            pid,
            texts.get(tid, ""),
            r.guid(guid),
            fmt,
            str(r.json(title) or ""),
            {
                norm(role.speaker): person_by_label[role.participant]
                for role in roles.get(tid, ())
                if role.participant in person_by_label
            },
        )
        for tid, name, pid, guid, fmt, title in rows
    ]

    segments = (
        _segments(r, want, code_ids, which, in_codings, params, speakers) if want.segments != "none" and touched else []
    )
    memos = _memos(r, which, params, coder_names) if want.memos and codings else []
    return ExportData(
        project_name,
        book.name,
        book.description or "",
        book.source or "",
        book.version,
        codes,
        sorted(coder_names.values()),
        people,
        transcripts,
        segments,
        codings,
        memos,
    )


TEXTS_AT_ONCE = 50  # transcripts whose texts are held at once while spans are cut from them


def span_texts(r: Reader, spans: Iterable[tuple[int, int, int]]) -> Iterator[tuple[tuple[int, int, int], str]]:
    """``text[start:end]`` of each (transcript id, start, end), cut in Python as ``read_slice``'s
    texts are cut by the analysis: a few transcripts' texts at a time, none kept."""
    by_transcript: dict[int, list[tuple[int, int]]] = {}
    for tid, start, end in spans:
        by_transcript.setdefault(tid, []).append((start, end))
    for ids in _chunks(sorted(by_transcript), TEXTS_AT_ONCE):
        params: dict[str, Any] = {}
        for tid, body in r.rows(f"SELECT id, text FROM transcripts WHERE id IN {in_list('t', ids, params)}", params):
            text = r.text(body)
            for start, end in by_transcript[tid]:
                yield (tid, start, end), text[start:end]


def _where(conditions: list[str]) -> str:
    return " WHERE " + " AND ".join(conditions) if conditions else ""


def _which_codings(
    code_ids: list[int] | None, transcript_ids: tuple[int, ...] | None, params: dict[str, Any]
) -> list[str]:
    """The conditions on codings (``c``) that pick those a slice reads (none: every coding), their
    values added to ``params``. With transcripts, the codes are compared as ``code_id + 0``, which
    no index serves: SQLite would otherwise walk every coding of the codes (7,410 for a theme at
    1,000 interviews) by ``ix_codings_code`` rather than the page's transcripts' few by
    ``ix_codings_transcript_coder``."""
    if transcript_ids is None:
        return [] if code_ids is None else [f"c.code_id IN {in_list('k', code_ids, params)}"]
    out = [f"c.transcript_id IN {in_list('wt', transcript_ids, params)}"]
    if code_ids is not None:
        out.append(f"c.code_id + 0 IN {in_list('k', code_ids, params)}")
    return out


def _segments(
    r: Reader,
    want: Slice,
    code_ids: list[int] | None,
    which: list[str],
    in_codings: str,
    params: dict[str, Any],
    speakers: Speakers,
) -> list[ExportSegment]:
    """The turns the codings run over (``covered``: by ``segment_id``, and by offsets for the few
    that cross turns), and with ``context`` the turns either side by position."""
    if code_ids is None:  # every code's codings: every turn of the transcripts they are in, in order
        q = f"SELECT {SEGMENT_SQL} FROM segments s WHERE s.transcript_id IN {in_codings}"
        ordered: list[Any] = list(r.rows(q + " ORDER BY s.transcript_id, s.position", params))
    else:
        rows: dict[int, Any] = {row[0]: row for row in r.rows(_covered(which), params)}
        if want.segments == "context" and want.context > 0 and rows:
            rows.update(_context_rows(r, list(rows.values()), want.context))
        ordered = sorted(rows.values(), key=lambda row: (row[1], row[2]))
    return [
        ExportSegment(
            row[0], row[1], row[2], row[3], row[4], row[5], speakers.is_interviewer(row[3], row[1]), row[6], row[7]
        )
        for row in ordered
    ]


def _covered(which: list[str]) -> str:
    """One row of ``SEGMENT_SQL`` per segment the codings ``which`` cover, without repeats
    (``placement.covered``): most codings lie inside their first segment and are joined by
    ``segment_id``; only those that run past its end are joined by offsets to the later turns,
    which start at or after the first one's end (a range of ``ix_segments_transcript_start``)."""
    also = " AND " + " AND ".join(which) if which else ""
    return (
        f"SELECT {SEGMENT_SQL} FROM codings c JOIN segments s ON s.id = c.segment_id{_where(which)}"
        f" UNION SELECT {SEGMENT_SQL} FROM codings c JOIN segments f ON f.id = c.segment_id"
        " JOIN segments s ON s.transcript_id = c.transcript_id AND s.start_offset >= f.end_offset"
        " AND s.start_offset < c.end_offset AND s.end_offset > s.start_offset AND s.position > f.position"
        f" WHERE c.end_offset > f.end_offset{also}"
    )


def _context_rows(r: Reader, rows: list[Any], n: int) -> dict[int, Any]:
    """The ``n`` turns before and after each turn in ``rows``. Positions of a transcript's
    segments run 0, 1, 2… (checked: a transcript where they do not is read whole)."""
    by_transcript: dict[int, list[int]] = {}
    for row in rows:
        by_transcript.setdefault(row[1], []).append(row[2])
    whole: list[int] = []
    for ids in _chunks(sorted(by_transcript)):
        params: dict[str, Any] = {}
        q = (
            "SELECT transcript_id, count(*), min(position), max(position) FROM segments"
            f" WHERE transcript_id IN {in_list('t', ids, params)} GROUP BY transcript_id"
        )
        for tid, count, low, high in r.rows(q, params):
            if low != 0 or high != count - 1:
                whole.append(tid)
    ranges: list[tuple[int, int, int]] = []
    for tid, positions in by_transcript.items():
        if tid in whole:
            continue
        lo = hi = None
        for p in sorted(set(positions)):
            if hi is not None and p - n <= hi + 1:
                hi = p + n
                continue
            if lo is not None and hi is not None:
                ranges.append((tid, lo, hi))
            lo, hi = max(0, p - n), p + n
        if lo is not None and hi is not None:
            ranges.append((tid, lo, hi))
    out: dict[int, Any] = {}
    queries: list[tuple[str, dict[str, Any]]] = []
    for ids in _chunks(whole):
        params = {}
        queries.append((f"s.transcript_id IN {in_list('t', ids, params)}", params))
    for part in _chunks(ranges, CHUNK // 5):
        params = {}
        terms = []
        for i, (t, a, b) in enumerate(part):
            params[f"t{i}"], params[f"a{i}"], params[f"b{i}"] = t, a, b
            terms.append(f"(s.transcript_id = :t{i} AND s.position BETWEEN :a{i} AND :b{i})")
        queries.append((" OR ".join(terms), params))
    for condition, params in queries:
        out.update((row[0], row) for row in r.rows(f"SELECT {SEGMENT_SQL} FROM segments s WHERE {condition}", params))
    return out


def _memos(r: Reader, which: list[str], params: dict[str, Any], coder_names: dict[int, str]) -> list[ExportMemo]:
    """Memos on the codings read and on the segments they start in: what a passage shows."""
    q = (
        "SELECT m.coder_id, m.segment_id, m.text, m.guid, m.created_at, mc.guid FROM memos m"
        " LEFT OUTER JOIN codings mc ON mc.id = m.coding_id"
        f" WHERE m.coding_id IN (SELECT c.id FROM codings c{_where(which)})"
        f" OR m.segment_id IN (SELECT c.segment_id FROM codings c{_where(which)}) ORDER BY m.id"
    )
    out = []
    for coder_id, segment_id, text, guid, created, coding_guid in r.rows(q, params):
        target, target_id = ("segment", segment_id) if segment_id is not None else ("coding", r.guid(coding_guid))
        out.append(
            ExportMemo(coder_names[coder_id], target, target_id, text, r.guid(guid), iso_time(r.moment(created)))
        )
    return out


def _speakers(r: Reader, transcript_ids: Collection[int]) -> Speakers:
    """As ``mapping.project_speakers``, reading the speakers maps of these transcripts only."""
    labels = Speakers.from_setting(setting(r, SPEAKERS_SETTING))
    roles = {}
    for ids in _chunks(sorted(transcript_ids)):
        params: dict[str, Any] = {}
        q = f"SELECT id, name, meta -> '{META_KEY}' FROM transcripts WHERE id IN {in_list('t', ids, params)}"
        for tid, name, value in r.rows(q, params):
            value = r.json(value)
            if value:
                try:
                    roles[tid] = roles_from_meta(value, name)
                except QualcodeError:  # a map damaged outside qualcode: the project's labels decide for it
                    continue
    return labels.with_roles(roles) if roles else labels


def identifying_terms(r: Reader) -> list[tuple[str, str]]:
    """(text, kind) for every name in the participants' identifying data: what quotes must not show.

    Used only to black out names in exported quotes; the terms themselves are never exported.
    """
    kinds = {
        "name": "name",
        "school": "school",
        "town": "place",
        "city": "place",
        "place": "place",
        "village": "place",
        "organisation": "organisation",
        "organization": "organisation",
        "trust": "organisation",
        "authority": "organisation",
    }
    out: dict[str, str] = {}
    for (ident,) in r.rows("SELECT identifying FROM participants"):
        for key, value in (r.json(ident) or {}).items():
            values = value if isinstance(value, list) else [value]
            for v in values:
                if not isinstance(v, str) or len(v.strip()) < 3:
                    continue
                v = v.strip()
                words = v.split()
                person = key == "name" or (
                    key == "others"
                    and 2 <= len(words) <= 3
                    and not any(w.casefold() in _ORGANISATION_WORDS for w in words)
                )
                kind = "name" if person else kinds.get(key, "organisation")
                out.setdefault(v, kind)
                if person and len(words) >= 2:  # "Helen" and "Mrs Achterberg" as well as "Helen Achterberg"
                    for w in words:
                        if len(w) >= 3 and w[:1].isupper() and w.casefold().rstrip(".") not in _TITLES:
                            out.setdefault(w, "name")
    return sorted(out.items(), key=lambda kv: (-len(kv[0]), kv[0]))


_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "frau", "herr", "rev", "fr"}
_ORGANISATION_WORDS = {
    "school",
    "schools",
    "trust",
    "alliance",
    "partnership",
    "primary",
    "academy",
    "college",
    "university",
    "research",
    "council",
    "authority",
    "network",
    "federation",
    "hub",
    "gymnasium",
    "grundschule",
    "sekundarschule",
    "gesamtschule",
    "realschule",
    "high",
    "infant",
    "junior",
    "church",
}


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
