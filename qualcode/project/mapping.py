"""The store's rows as the domain's objects and back: codes as ``CodeDef`` and ``CodeInfo``, the
codebook as a ``CodebookDoc``, segments with the project's interviewer marked.

These sit above the store because they speak the domain's language (``qualcode.codebook``,
``qualcode.speakers``); the store itself knows only rows, sessions and the event log."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from qualcode import codebook as cb
from qualcode.db.models import Code, Codebook, Segment, Transcript
from qualcode.errors import QualcodeError
from qualcode.records import CodeInfo, SegmentInfo
from qualcode.speakers import DEFAULT_SPEAKERS, META_KEY, Speakers, roles_from_meta

if TYPE_CHECKING:  # the study's records only when the study is read (not at start-up)
    from qualcode.project.slices import StudyOutline
from qualcode.speakers import SETTING as SPEAKERS_SETTING
from qualcode.store import new_guid, setting_value


def set_definition(row: Code, code: cb.CodeDef) -> None:
    row.name = code.name
    for f, value in cb.definition_of(code).items():
        setattr(row, f, list(value) if f == "keywords" else value)


def insert_codes(s: Session, codebook_id: int, doc: cb.CodebookDoc) -> None:
    ids: dict[str, int] = {}
    for code, parent, _ in doc.walk():
        position = doc.placement()[code.id][1]
        row = Code(
            codebook_id=codebook_id,
            key=code.id,
            parent_id=ids.get(parent) if parent else None,
            position=position,
            guid=new_guid(),
        )
        set_definition(row, code)
        s.add(row)
        s.flush()
        ids[code.id] = row.id


def code_infos(s: Session, only: str | None = None) -> list[CodeInfo]:
    """Every code in codebook order (depth first), colours inherited from ancestors (one
    query, ``slices.code_rows``, which the analysis also runs without the store)."""
    from qualcode.project.slices import code_rows
    from qualcode.project.sql import session_reader

    out = [info for info, _ in code_rows(session_reader(s))]
    if only is not None:
        return [c for c in out if c.key == only]
    return out


def codebook_doc(s: Session) -> cb.CodebookDoc:
    book = s.scalars(select(Codebook)).one()
    rows = list(s.scalars(select(Code).order_by(Code.position, Code.id)))
    by_parent: dict[int | None, list[Code]] = defaultdict(list)
    for r in rows:
        by_parent[r.parent_id].append(r)

    def build(parent_id: int | None) -> tuple[cb.CodeDef, ...]:
        return tuple(
            cb.CodeDef(
                id=r.key,
                name=r.name,
                **cb.definition_of(r),
                children=build(r.id),
            )
            for r in by_parent.get(parent_id, [])
        )

    return cb.CodebookDoc(name=book.name, description=book.description, source=book.source, codes=build(None))


def project_speakers(s: Session) -> Speakers:
    """Who is the interviewer in this project (the setting ``interviewer.labels``, else the defaults),
    and what each transcript's own ``speakers`` map says of its speakers."""
    labels = Speakers.from_setting(setting_value(s, SPEAKERS_SETTING))
    roles = {}
    # Only the map itself: a transcript's metadata may also hold a long header from its source.
    for tid, name, value in s.execute(select(Transcript.id, Transcript.name, Transcript.meta[META_KEY])):
        if value:
            try:
                roles[tid] = roles_from_meta(value, name)
            except QualcodeError:  # a map damaged outside qualcode: the project's labels decide for it
                continue
    return labels.with_roles(roles) if roles else labels


def interviewer_condition(s: Session, speakers: Speakers) -> ColumnElement[bool]:
    """SQL for "this segment is an interviewer's turn", by the labels and each transcript's own map."""
    q = select(Segment.transcript_id, Segment.speaker).where(Segment.speaker.is_not(None)).distinct()
    own = speakers.transcripts_with_roles()
    by_labels: set[str] = set()
    by_map: dict[int, list[str]] = {}
    for tid, speaker in s.execute(q):
        if speaker is None:
            continue
        if tid in own:
            if speakers.is_interviewer(speaker, tid):
                by_map.setdefault(tid, []).append(speaker)
        elif speakers.is_interviewer(speaker):
            by_labels.add(speaker)
    parts: list[ColumnElement[bool]] = []
    if by_labels:
        labelled = Segment.speaker.in_(sorted(by_labels))
        parts.append(and_(labelled, Segment.transcript_id.not_in(sorted(own))) if own else labelled)
    parts += [and_(Segment.transcript_id == tid, Segment.speaker.in_(names)) for tid, names in by_map.items()]
    return or_(*parts) if parts else false()


# A segment's columns as ``segment_info`` and the export read them, in this order.
SEGMENT_COLUMNS = (
    Segment.id,
    Segment.transcript_id,
    Segment.position,
    Segment.speaker,
    Segment.start,
    Segment.end,
    Segment.time_start,
    Segment.time_end,
)


def segment_info(seg: Any, body: str, speakers: Speakers = DEFAULT_SPEAKERS) -> SegmentInfo:
    """From a ``Segment``, or a row of the same columns."""
    return SegmentInfo(
        seg.id,
        seg.transcript_id,
        seg.position,
        seg.speaker,
        seg.start,
        seg.end,
        body[seg.start : seg.end],
        seg.time_start,
        seg.time_end,
        speakers.is_interviewer(seg.speaker, seg.transcript_id),
    )


def code_dict(row: Code) -> dict[str, Any]:
    """A code row as JSON-ready data (for the event log)."""
    definition = {**cb.definition_of(row), "keywords": list(row.keywords or [])}
    return {
        "id": row.id,
        "key": row.key,
        "parent_id": row.parent_id,
        "position": row.position,
        "name": row.name,
        **definition,
        "guid": row.guid,
        "codebook_id": row.codebook_id,
    }


def study_outline(s: Session) -> StudyOutline:
    """The outline the whole-study export and a slice of the study both read, read once
    (``slices.read_outline``)."""
    from qualcode.project.slices import read_outline
    from qualcode.project.sql import session_reader

    return read_outline(session_reader(s))
