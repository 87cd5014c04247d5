"""Reads of the part of the study an analysis shows, through indexed queries.

Retrieval, co-occurrence, group comparison and framework matrices used to work on one read of the
whole project (``ExportData``: every transcript's text, every segment, every coding). A slice is an
``ExportData`` holding only what the analysis looks at — the codes asked for and their codings, the
segments those codings run over and the turns around them, the texts of the transcripts they are
in — so the domain functions in ``qualcode.analysis`` run on it unchanged and give the same result
as on the whole study, and one code's passages cost the same in a study of 100 interviews as in
one of 1,000. The codebook, the coders and the participants (what filters and groups are checked
against) are always read whole: one row per code, coder and person.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from qualcode.db.models import Coding, Memo, Segment, Transcript
from qualcode.errors import QualcodeError
from qualcode.project.mapping import SEGMENT_COLUMNS, StudyOutline, iso_time, study_outline
from qualcode.project.placement import covered
from qualcode.records import CodeInfo
from qualcode.speakers import META_KEY, Speakers, norm, roles_from_meta
from qualcode.speakers import SETTING as SPEAKERS_SETTING
from qualcode.store import setting_value
from qualcode.study import (
    ExportCoding,
    ExportData,
    ExportMemo,
    ExportSegment,
    ExportTranscript,
)

CHUNK = 500  # ids or ranges per IN list / OR of ranges (SQLite allows 32,766 variables)


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


def read_slice(s: Session, project_name: str, want: Slice, outline: StudyOutline | None = None) -> ExportData:
    """The rows ``want`` names, in the order ``ExchangePart.export_data`` gives them (``outline``:
    the study's outline when it is already read)."""
    outline = outline or study_outline(s)
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
    which = _which_codings(code_ids, want.transcript_ids)

    # The codings, in export order (the domain's tie-breaks follow it).
    codings: list[ExportCoding] = []
    coding_ids: list[int] = []
    if code_ids is None or code_ids:
        extra = (Coding.guid, Coding.origin, Coding.created_at) if want.details else ()
        q = select(
            Coding.id,
            Coding.coder_id,
            Coding.code_id,
            Coding.transcript_id,
            Coding.segment_id,
            Coding.start,
            Coding.end,
        ).add_columns(*extra)
        for r in s.execute(q.where(*which).order_by(Coding.transcript_id, Coding.start, Coding.end, Coding.id)):
            coding_ids.append(r[0])
            if want.details:
                codings.append(
                    ExportCoding(coder_names[r[1]], keys[r[2]], r[3], r[4], r[5], r[6], r[7], r[8], iso_time(r[9]))
                )
            else:
                codings.append(ExportCoding(coder_names[r[1]], keys[r[2]], r[3], r[4], r[5], r[6]))
    touched = sorted({c.transcript_id for c in codings})
    in_codings = select(Coding.transcript_id).where(*which)

    # The transcripts (in the database's order of names, as the export's): the touched ones, or all
    # of them for what needs every transcript (a matrix's rows, the groups compared).
    cols: list[Any] = [Transcript.id, Transcript.name, Transcript.participant_id, Transcript.guid, Transcript.format]
    tq = select(*cols, Transcript.meta["title"]).order_by(Transcript.name)
    if want.transcripts != "all":
        tq = tq.where(Transcript.id.in_(in_codings))
    if want.transcript_ids is not None:
        tq = tq.where(Transcript.id.in_(want.transcript_ids))
    rows: list[Any] = list(s.execute(tq))
    texts: dict[int, str] = {}
    if want.texts and touched:
        texts.update(
            (tid, text)
            for tid, text in s.execute(select(Transcript.id, Transcript.text).where(Transcript.id.in_(in_codings)))
        )
    speakers = _speakers(s, [r[0] for r in rows])
    person_by_label = {p.label: p.id for p in people}
    roles = speakers.transcripts_with_roles()
    transcripts = [
        ExportTranscript(
            tid,
            name,
            pid,
            texts.get(tid, ""),
            guid,
            fmt,
            str(title or ""),
            {
                norm(r.speaker): person_by_label[r.participant]
                for r in roles.get(tid, ())
                if r.participant in person_by_label
            },
        )
        for tid, name, pid, guid, fmt, title in rows
    ]

    segments = _segments(s, want, code_ids, which, in_codings, speakers) if want.segments != "none" and touched else []
    memos = _memos(s, which, coder_names) if want.memos and codings else []
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


def span_texts(s: Session, spans: Iterable[tuple[int, int, int]]) -> Iterator[tuple[tuple[int, int, int], str]]:
    """``text[start:end]`` of each (transcript id, start, end), cut in Python as ``read_slice``'s
    texts are cut by the analysis: a few transcripts' texts at a time, none kept."""
    by_transcript: dict[int, list[tuple[int, int]]] = {}
    for tid, start, end in spans:
        by_transcript.setdefault(tid, []).append((start, end))
    for ids in _chunks(sorted(by_transcript), TEXTS_AT_ONCE):
        for tid, text in s.execute(select(Transcript.id, Transcript.text).where(Transcript.id.in_(ids))):
            for start, end in by_transcript[tid]:
                yield (tid, start, end), (text or "")[start:end]


def _which_codings(code_ids: list[int] | None, transcript_ids: tuple[int, ...] | None) -> list[ColumnElement[bool]]:
    """The conditions on ``Coding`` that pick the codings a slice reads (none: every coding).
    With transcripts, the codes are compared as ``code_id + 0``, which no index serves: SQLite
    would otherwise walk every coding of the codes (7,410 for a theme at 1,000 interviews) by
    ``ix_codings_code`` rather than the page's transcripts' few by ``ix_codings_transcript_coder``."""
    if transcript_ids is None:
        return [] if code_ids is None else [Coding.code_id.in_(code_ids)]
    out: list[ColumnElement[bool]] = [Coding.transcript_id.in_(transcript_ids)]
    if code_ids is not None:
        out.append((Coding.code_id + 0).in_(code_ids))
    return out


def _segments(
    s: Session,
    want: Slice,
    code_ids: list[int] | None,
    which: list[ColumnElement[bool]],
    in_codings: Any,
    speakers: Speakers,
) -> list[ExportSegment]:
    """The turns the codings run over (``covered``: by ``segment_id``, and by offsets for the few
    that cross turns), and with ``context`` the turns either side by position."""
    if code_ids is None:  # every code's codings: every turn of the transcripts they are in, in order
        q = select(*SEGMENT_COLUMNS).where(Segment.transcript_id.in_(in_codings))
        ordered: list[Any] = list(s.execute(q.order_by(Segment.transcript_id, Segment.position)))
    else:
        rows: dict[int, Any] = {r[0]: r for r in s.execute(covered(*SEGMENT_COLUMNS, where=which))}
        if want.segments == "context" and want.context > 0 and rows:
            rows.update(_context_rows(s, list(rows.values()), want.context))
        ordered = sorted(rows.values(), key=lambda r: (r[1], r[2]))
    return [
        ExportSegment(r[0], r[1], r[2], r[3], r[4], r[5], speakers.is_interviewer(r[3], r[1]), r[6], r[7])
        for r in ordered
    ]


def _context_rows(s: Session, rows: list[Any], n: int) -> dict[int, Any]:
    """The ``n`` turns before and after each turn in ``rows``. Positions of a transcript's
    segments run 0, 1, 2… (checked: a transcript where they do not is read whole)."""
    by_transcript: dict[int, list[int]] = {}
    for r in rows:
        by_transcript.setdefault(r[1], []).append(r[2])
    whole: list[int] = []
    for ids in _chunks(sorted(by_transcript)):
        for tid, count, low, high in s.execute(
            select(Segment.transcript_id, func.count(), func.min(Segment.position), func.max(Segment.position))
            .where(Segment.transcript_id.in_(ids))
            .group_by(Segment.transcript_id)
        ):
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
    conditions: list[ColumnElement[bool]] = [Segment.transcript_id.in_(ids) for ids in _chunks(whole)]
    conditions += [
        or_(*(and_(Segment.transcript_id == t, Segment.position.between(a, b)) for t, a, b in part))
        for part in _chunks(ranges, CHUNK // 5)
    ]
    for condition in conditions:
        out.update((r[0], r) for r in s.execute(select(*SEGMENT_COLUMNS).where(condition)))
    return out


def _memos(s: Session, which: list[ColumnElement[bool]], coder_names: dict[int, str]) -> list[ExportMemo]:
    """Memos on the codings read and on the segments they start in: what a passage shows."""
    codings = select(Coding.id).where(*which)
    firsts = select(Coding.segment_id).where(*which)
    q = (
        select(Memo.coder_id, Memo.segment_id, Memo.text, Memo.guid, Memo.created_at, Coding.guid)
        .outerjoin(Coding, Coding.id == Memo.coding_id)
        .where(or_(Memo.coding_id.in_(codings), Memo.segment_id.in_(firsts)))
        .order_by(Memo.id)
    )
    out = []
    for coder_id, segment_id, text, guid, created, coding_guid in s.execute(q):
        target, target_id = ("segment", segment_id) if segment_id is not None else ("coding", coding_guid or "")
        out.append(ExportMemo(coder_names[coder_id], target, target_id, text, guid, iso_time(created)))
    return out


def _speakers(s: Session, transcript_ids: Collection[int]) -> Speakers:
    """As ``mapping.project_speakers``, reading the speakers maps of these transcripts only."""
    labels = Speakers.from_setting(setting_value(s, SPEAKERS_SETTING))
    roles = {}
    for ids in _chunks(sorted(transcript_ids)):
        q = select(Transcript.id, Transcript.name, Transcript.meta[META_KEY]).where(Transcript.id.in_(ids))
        for tid, name, value in s.execute(q):
            if value:
                try:
                    roles[tid] = roles_from_meta(value, name)
                except QualcodeError:  # a map damaged outside qualcode: the project's labels decide for it
                    continue
    return labels.with_roles(roles) if roles else labels


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
