"""Row lookups and small writes every part of the project shares: the event log, GUIDs, codes
and coders by name, the codebook version, SQLite's full-text index."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table, select, text, update
from sqlalchemy.orm import Session

from qualcode import codebook as cb
from qualcode.db.models import Code, Codebook, Coder, Coding, Event, Memo, ProjectInfo, Segment, Transcript, utcnow
from qualcode.errors import QualcodeError
from qualcode.records import CodeInfo, CodingInfo, SegmentInfo
from qualcode.speakers import DEFAULT_SPEAKERS, Speakers
from qualcode.speakers import SETTING as SPEAKERS_SETTING

CODER_NAME = re.compile(r"^[\w][\w .'’\-@]{0,99}$")

SEGMENTS_TABLE: Table = Segment.__table__  # type: ignore[assignment]
"""For Core inserts of many segments by column name (no ORM bookkeeping)."""
CODINGS_TABLE: Table = Coding.__table__  # type: ignore[assignment]
MEMOS_TABLE: Table = Memo.__table__  # type: ignore[assignment]
Row_ = TypeVar("Row_")


def row_by_id(s: Session, model: type[Row_], row_id: int | None, what: str) -> Row_:
    """The row with this id, or a clear error naming ``what`` was looked for."""
    row = s.get(model, row_id) if row_id is not None else None
    if row is None:
        raise QualcodeError(f"no {what} with id {row_id}")
    return row


def new_guid() -> str:
    return str(uuid.uuid4())


def index_segments(s: Session, transcript_id: int) -> None:
    """Keep SQLite's full-text index (segment_fts, rowid = segment id) in step with a transcript.

    Segment texts are cut in Python and inserted in one executemany: SQLite's ``substr`` counts
    characters from the start of a UTF-8 text, so cutting there costs time in proportion to the
    offset and the whole transcript in proportion to its square (80,000 turns: 48 s).
    """
    if s.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL searches transcripts.text through its GIN index
    s.execute(
        text("DELETE FROM segment_fts WHERE rowid IN (SELECT id FROM segments WHERE transcript_id = :t)"),
        {"t": transcript_id},
    )
    body = s.scalar(select(Transcript.text).where(Transcript.id == transcript_id)) or ""
    rows = [
        {"id": i, "text": body[a:b]}
        for i, a, b in s.execute(
            select(Segment.id, Segment.start, Segment.end).where(Segment.transcript_id == transcript_id)
        )
    ]
    if rows:
        s.execute(text("INSERT INTO segment_fts(rowid, text) VALUES (:id, :text)"), rows)


def log_event(s: Session, coder_id: int | None, kind: str, payload: dict[str, Any], undoes: int | None = None) -> Event:
    ev = Event(coder_id=coder_id, kind=kind, payload=payload, undoes=undoes)
    s.add(ev)
    s.flush()
    return ev


def coder_row(s: Session, name: str) -> tuple[int, str]:
    row = s.execute(select(Coder.id, Coder.name).where(Coder.name == name)).first()
    if row is None:
        known = ", ".join(s.scalars(select(Coder.name).order_by(Coder.name))) or "none yet"
        raise QualcodeError(f"unknown coder {name!r} (coders: {known}); add one with `qualcode coders add {name}`")
    return row[0], row[1]


def code_row(s: Session, key: str) -> Code:
    row = s.scalars(select(Code).where(Code.key == key)).first()
    if row is None:
        raise QualcodeError(f"unknown code {key!r}; `qualcode codebook show` lists the codes")
    return row


def children(s: Session, parent_id: int | None) -> list[Code]:
    q = select(Code).where(Code.parent_id.is_(None) if parent_id is None else Code.parent_id == parent_id)
    return list(s.scalars(q.order_by(Code.position, Code.id)))


def renumber(s: Session, parent_id: int | None) -> None:
    for index, code in enumerate(children(s, parent_id)):
        code.position = index


def bump_codebook_version(s: Session) -> None:
    s.execute(update(Codebook).values(version=Codebook.version + 1, updated_at=utcnow()))


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
    rows = list(s.scalars(select(Code).order_by(Code.position, Code.id)))
    by_parent: dict[int | None, list[Code]] = defaultdict(list)
    for r in rows:
        by_parent[r.parent_id].append(r)
    out: list[CodeInfo] = []

    def visit(parent: Code | None, depth: int, inherited: str | None) -> None:
        for r in by_parent.get(parent.id if parent else None, []):
            color = r.color or inherited
            out.append(
                CodeInfo(
                    r.id,
                    r.key,
                    r.name,
                    parent.key if parent else None,
                    depth,
                    r.position,
                    **{**cb.definition_of(r), "color": color},
                    guid=r.guid,
                )
            )
            visit(r, depth + 1, color)

    visit(None, 0, None)
    if only is not None:
        return [c for c in out if c.key == only]
    return out


def color_of(s: Session, code: Code) -> str | None:
    node: Code | None = code
    while node is not None:
        if node.color:
            return node.color
        node = s.get(Code, node.parent_id) if node.parent_id else None
    return None


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


def setting_value(s: Session, key: str) -> str | None:
    return s.scalar(select(ProjectInfo.value).where(ProjectInfo.key == key))


def project_speakers(s: Session) -> Speakers:
    """Who is the interviewer in this project (the setting ``interviewer.labels``, else the defaults)."""
    return Speakers.from_setting(setting_value(s, SPEAKERS_SETTING))


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
        speakers.is_interviewer(seg.speaker),
    )


def coding_info(c: Coding, code: Code, coder: str, color: str | None) -> CodingInfo:
    return CodingInfo(c.id, code.key, code.name, coder, c.transcript_id, c.segment_id, c.start, c.end, c.origin, color)


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


def coding_dict(c: Coding) -> dict[str, Any]:
    return {
        "id": c.id,
        "code_id": c.code_id,
        "coder_id": c.coder_id,
        "transcript_id": c.transcript_id,
        "segment_id": c.segment_id,
        "start": c.start,
        "end": c.end,
        "origin": c.origin,
        "guid": c.guid,
    }


def memo_dicts(s: Session, where: ColumnElement[bool]) -> list[dict[str, Any]]:
    return [
        {
            "id": m.id,
            "coder_id": m.coder_id,
            "segment_id": m.segment_id,
            "coding_id": m.coding_id,
            "code_id": m.code_id,
            "transcript_id": m.transcript_id,
            "text": m.text,
            "guid": m.guid,
        }
        for m in s.scalars(select(Memo).where(where))
    ]
