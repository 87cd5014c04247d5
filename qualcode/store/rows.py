"""Row lookups and small writes every part of the project shares: the event log, GUIDs, codes
and coders by name, the codebook version, SQLite's full-text index."""

from __future__ import annotations

import re
import unicodedata
import uuid
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, String, Table, cast, literal, select, text, update
from sqlalchemy.orm import Session

from qualcode.db.basics import REMOVED_CODER as REMOVED_CODER  # the removed coder's key, shared with the light read
from qualcode.db.models import Code, Codebook, Coder, Coding, Event, Memo, ProjectInfo, Segment, Transcript, utcnow
from qualcode.errors import QualcodeError
from qualcode.records import CodingInfo

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


def _segment_texts(s: Session, transcript_id: int, only_indexed: bool) -> list[dict[str, Any]]:
    """The transcript's segments as ``{"id", "text"}``, those in the full-text index or those not in it.

    Segment texts are cut in Python: SQLite's ``substr`` counts characters from the start of a
    UTF-8 text, so cutting there costs time in proportion to the offset and the whole transcript
    in proportion to its square (80,000 turns: 48 s).
    """
    indexed = text(
        ("" if only_indexed else "NOT ") + "EXISTS (SELECT 1 FROM segment_fts_docsize d WHERE d.id = segments.id)"
    )
    body = s.scalar(select(Transcript.text).where(Transcript.id == transcript_id)) or ""
    query = select(Segment.id, Segment.start, Segment.end).where(Segment.transcript_id == transcript_id, indexed)
    return [{"id": i, "text": body[a:b]} for i, a, b in s.execute(query)]


def index_segments(s: Session, transcript_id: int) -> None:
    """Add a transcript's segments that are not in SQLite's full-text index yet to it.

    ``segment_fts`` is an external-content FTS5 table (revision 0006): it keeps only the index,
    rowid = segment id, and reads a segment's words from the ``segment_text`` view over the
    transcript's text. Triggers take a segment out of the index before its offsets, its
    transcript's text or the row itself change (with ``substr``: slow on very long transcripts,
    so the code paths that change a whole transcript call ``unindex_segments`` first); this puts
    back what is missing afterwards. The ``_docsize`` table has one row per indexed segment.
    """
    if s.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL searches transcripts.text through its GIN index
    rows = _segment_texts(s, transcript_id, only_indexed=False)
    if rows:
        s.execute(text("INSERT INTO segment_fts(rowid, text) VALUES (:id, :text)"), rows)


def unindex_segments(s: Session, transcript_id: int) -> None:
    """Take a transcript's segments out of SQLite's full-text index, before its text or segments change.

    An external-content index forgets a segment only when told the words it holds, which are
    read from the text as it still is; the triggers do the same one segment at a time.
    """
    if s.get_bind().dialect.name != "sqlite":
        return
    rows = _segment_texts(s, transcript_id, only_indexed=True)
    if rows:
        s.execute(text("INSERT INTO segment_fts(segment_fts, rowid, text) VALUES ('delete', :id, :text)"), rows)


def log_event(s: Session, coder_id: int | None, kind: str, payload: dict[str, Any], undoes: int | None = None) -> Event:
    ev = Event(coder_id=coder_id, kind=kind, payload=payload, undoes=undoes)
    s.add(ev)
    s.flush()
    return ev


# ---------------------------------------------------------------------- coders: one set of rules
# Every way a coder comes into a project (``coders add``, the workbench's coder prompt, a codings
# CSV with --add-coders, a Taguette or REFI-QDA import) goes through these, so a name one path
# takes is a name every path takes. A merge copies the other project's coders as they are.


def coder_name(name: str) -> str:
    """The name a coder is stored under (NFC, without surrounding spaces), or a one-line refusal."""
    name = unicodedata.normalize("NFC", name).strip()
    if not CODER_NAME.match(name):
        raise QualcodeError(
            f"invalid coder name {name!r}: use letters, digits, spaces, '.', '-' (up to 100 characters)"
        )
    return name


def coder_name_from(foreign: str, fallback: str = "imported") -> str:
    """A coder name made from another tool's user name: characters the rules refuse become ``_``."""
    name = re.sub(r"[^\w .'’\-@]", "_", unicodedata.normalize("NFC", foreign).strip())[:100].strip() or fallback
    return name if CODER_NAME.match(name) else ("u_" + name)[:100].strip()


def add_coder_row(s: Session, name: str, *, log: bool = True) -> Coder:
    """A new coder under ``coder_name``'s rules (refused if one of that name exists), with the
    ``coder.add`` event unless ``log`` is off (an import records its coders in its own event)."""
    name = coder_name(name)
    if s.scalar(select(Coder.id).where(Coder.name == name)) is not None:
        raise QualcodeError(f"coder {name!r} already exists")
    coder = Coder(name=name)
    s.add(coder)
    s.flush()
    if log:
        log_event(s, coder.id, "coder.add", {"name": name})
    return coder


def coder_row(s: Session, name: str, removed_ok: bool = False) -> tuple[int, str]:
    """A coder's id and name; a removed coder is refused (``removed_ok``: one removed without a
    merge is accepted, for undoing the removal)."""
    # The coder and the mark of their removal in one query (it runs on every key that codes).
    marked = literal(REMOVED_CODER.format("")) + cast(Coder.id, String)
    row = s.execute(
        select(Coder.id, Coder.name, ProjectInfo.value)
        .outerjoin(ProjectInfo, ProjectInfo.key == marked)
        .where(Coder.name == name)
    ).first()
    gone = row[2] if row else None
    if row is None or (gone is not None and not (removed_ok and gone == "")):
        removed = {
            int(k.rsplit(".", 1)[1])
            for k in s.scalars(select(ProjectInfo.key).where(ProjectInfo.key.startswith(REMOVED_CODER.format(""))))
        }
        names = [n for i, n in s.execute(select(Coder.id, Coder.name).order_by(Coder.name)) if i not in removed]
        known = ", ".join(names) or "none yet"
        if row is not None:
            merged = s.get(Coder, int(gone)) if gone and gone.isdigit() else None
            how = f"merged into {merged.name!r}" if merged is not None else "removed"
            raise QualcodeError(
                f"coder {name!r} was {how} (coders: {known}); `qualcode coders add {name}` brings them back"
            )
        raise QualcodeError(f"unknown coder {name!r} (coders: {known}); add one with `qualcode coders add {name}`")
    return row[0], row[1]


def lock_history(s: Session, coder_id: int) -> None:
    """Hold ``coder_id``'s history until commit, so that that coder's undos and redos, from any
    number of tabs or processes, run one after another and each reverses a different change.

    PostgreSQL: the coder's row ``FOR NO KEY UPDATE``, taken before the history is read (at READ
    COMMITTED every later statement then sees what the previous holder committed). That lock waits
    only for another of its kind, not for the foreign-key checks of rows that name the coder, so
    other coders' work is never held up by it. SQLite: a write transaction begins IMMEDIATE and so
    already holds the whole database; nothing is run there.
    """
    if s.get_bind().dialect.name != "sqlite":
        s.execute(select(Coder.id).where(Coder.id == coder_id).with_for_update(key_share=True))


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


def color_of(s: Session, code: Code) -> str | None:
    node: Code | None = code
    while node is not None:
        if node.color:
            return node.color
        node = s.get(Code, node.parent_id) if node.parent_id else None
    return None


def setting_value(s: Session, key: str) -> str | None:
    return s.scalar(select(ProjectInfo.value).where(ProjectInfo.key == key))


def coding_at(s: Session, coder_id: int, code_id: int, segment_id: int, start: int, end: int) -> Coding | None:
    """The coder's coding of the code at exactly these offsets (a code is applied there once)."""
    return s.scalars(
        select(Coding).where(
            Coding.coder_id == coder_id,
            Coding.code_id == code_id,
            Coding.segment_id == segment_id,
            Coding.start == start,
            Coding.end == end,
        )
    ).first()


def add_coding_row(
    s: Session, coder_id: int, code_id: int, transcript_id: int, segment_id: int, start: int, end: int, origin: str
) -> Coding:
    """A new coding with its GUID, flushed (its id known); the caller logs its event."""
    coding = Coding(
        code_id=code_id,
        coder_id=coder_id,
        transcript_id=transcript_id,
        segment_id=segment_id,
        start=start,
        end=end,
        origin=origin,
        guid=new_guid(),
    )
    s.add(coding)
    s.flush()
    return coding


def coding_info(c: Coding, code: Code, coder: str, color: str | None) -> CodingInfo:
    return CodingInfo(c.id, code.key, code.name, coder, c.transcript_id, c.segment_id, c.start, c.end, c.origin, color)


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
