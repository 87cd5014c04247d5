"""SQLAlchemy 2.0 models: the project's data model.

Offsets (``start``/``end``) are Python string indices (Unicode code points) into
``Transcript.text``, end exclusive — the same convention as REFI-QDA's
``PlainTextSelection``. Nothing here is SQLite-only: the same schema runs on PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from qualcode.db.basics import (
    ORIGINS,
    SQLITE_EPOCH,
    TEXT_FUNCTION,
    guid_from_stored,
    moment_from_sqlite,
    origin_from_stored,
    packed_text,
    stored_text,
)

# Explicit constraint names so that Alembic migrations are the same on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class _SQLiteMicroseconds(sqlite.DATETIME):
    """DATETIME in the schema; the value is passed through as it is (an integer, see ``Timestamp``)."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class Timestamp(TypeDecorator[datetime]):
    """A moment, stored on SQLite as an integer of microseconds since 1970 (8 bytes, not 26 of text).

    The column stays DATETIME (NUMERIC affinity keeps the integer). Values read back are what
    SQLAlchemy's own SQLite DATETIME gives: naive datetimes of the stored wall-clock time (qualcode
    writes UTC); rows written as text before revision 0006 are still read. PostgreSQL keeps its
    ``timestamp with time zone`` (8 bytes already).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return _SQLiteMicroseconds()  # type: ignore[no-untyped-call]  # SQLAlchemy's DATETIME is untyped
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return (value.replace(tzinfo=None) - SQLITE_EPOCH) // timedelta(microseconds=1)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None or dialect.name != "sqlite":
            return cast("datetime | None", value)
        return moment_from_sqlite(value)


class Guid(TypeDecorator[str]):
    """A GUID, stored on SQLite as its 16 bytes (a BLOB in the VARCHAR(36) column) when it is in the
    canonical lowercase form, and as text otherwise (GUIDs read from other programs' files keep
    their spelling). Read back as the same string. PostgreSQL keeps the text."""

    impl = String(36)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        try:
            parsed = uuid.UUID(value)
        except (ValueError, TypeError, AttributeError):
            return value
        return parsed.bytes if str(parsed) == value else value

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return cast("str | None", guid_from_stored(value))


class Origin(TypeDecorator[str]):
    """Where a coding came from (``ORIGINS``), stored on SQLite as a small integer: 0 and 1 take no
    bytes in a row, the words 6 to 10 (revision 0007, the column is INTEGER there). Read back as
    the word. PostgreSQL keeps the text column. A value that is not an origin is passed on as it
    is, for the column's CHECK to refuse."""

    impl = String(20)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(String(20))

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite" or value not in ORIGINS:
            return value
        return ORIGINS.index(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return cast("str | None", origin_from_stored(value))


class PackedText(TypeDecorator[str]):
    """A transcript's text, stored on SQLite as zlib-compressed UTF-8 (a BLOB in the TEXT column,
    revision 0008; ``qualcode.db.basics.packed_text``), read back as the str it was. PostgreSQL
    keeps the text column (it compresses long values itself, TOAST). SQL that needs the words
    wraps the column in ``unpacked``."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return packed_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if isinstance(value, bytes):
            return stored_text(value)
        return cast("str | None", value)


class unpacked(FunctionElement[str]):  # used as a SQL function: func.length(unpacked(Transcript.text))
    """A transcript's text in SQL, as text: ``qualcode_text(transcripts.text)`` on SQLite (see
    ``qualcode.db.basics.TEXT_FUNCTION``), the column itself on PostgreSQL. For ``length`` and
    ``substr`` of ``Transcript.text``: on SQLite the column holds compressed bytes."""

    type = Text()
    name = TEXT_FUNCTION
    inherit_cache = True


@compiles(unpacked)
def _unpacked(element: unpacked, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unpacked, "sqlite")
def _unpacked_sqlite(element: unpacked, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{TEXT_FUNCTION}({compiler.process(element.clauses, **kw)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class ProjectInfo(Base):
    """Key/value settings of the project (name, nlp.model, max segment length…)."""

    __tablename__ = "project_info"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Coder(Base):
    __tablename__ = "coders"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)


class Codebook(Base):
    """The project's codebook header; ``version`` goes up with every change to its codes."""

    __tablename__ = "codebooks"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)


class Code(Base):
    """A code in the codebook tree (adjacency list). ``key`` is the stable id that survives renames."""

    __tablename__ = "codes"
    __table_args__ = (UniqueConstraint("codebook_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_id: Mapped[int] = mapped_column(ForeignKey("codebooks.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    include: Mapped[str] = mapped_column(Text, default="")
    exclude: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    color: Mapped[str | None] = mapped_column(String(20))
    guid: Mapped[str] = mapped_column(Guid())  # stable REFI-QDA GUID


class Participant(Base):
    __tablename__ = "participants"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(300), unique=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Real names from the front matter's ``identifying`` block: used by anonymisation, never exported.
    identifying: Mapped[dict[str, Any]] = mapped_column(default=dict)
    guid: Mapped[str] = mapped_column(Guid())


class Transcript(Base):
    __tablename__ = "transcripts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source_path: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(PackedText())  # compressed on SQLite (revision 0008)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"), index=True)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    imported_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)
    guid: Mapped[str] = mapped_column(Guid())

    participant: Mapped[Participant | None] = relationship()


class Segment(Base):
    """A speaker turn (or part of a long one): ``text[start:end]`` of its transcript."""

    __tablename__ = "segments"
    __table_args__ = (
        UniqueConstraint("transcript_id", "position"),
        CheckConstraint("start_offset >= 0 AND end_offset >= start_offset", name="offsets"),
        # the turns a coding runs on over: a range of start offsets in its transcript (revision 0005)
        Index("ix_segments_transcript_start", "transcript_id", "start_offset"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str | None] = mapped_column(String(200))
    start: Mapped[int] = mapped_column("start_offset", Integer)
    end: Mapped[int] = mapped_column("end_offset", Integer)
    time_start: Mapped[float | None] = mapped_column(Float)  # seconds, from caption files
    time_end: Mapped[float | None] = mapped_column(Float)


class Coding(Base):
    """A code applied by a coder to ``text[start:end]``: inside one segment, or one passage over a run of
    consecutive turns (``segment_id`` is the first segment it touches; see ``qualcode.project.placement``)."""

    __tablename__ = "codings"
    __table_args__ = (
        # segment first: it also finds a segment's codings (and cascades), so no index of its own (0006)
        UniqueConstraint("segment_id", "coder_id", "code_id", "start_offset", "end_offset"),
        CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="offsets"),
        # SQLite keeps the origin as an index into ORIGINS (revision 0007)
        CheckConstraint("origin IN ('manual', 'suggestion', 'imported')", name="origin").ddl_if(dialect="postgresql"),
        CheckConstraint("origin IN (0, 1, 2)", name="origin").ddl_if(dialect="sqlite"),
        Index("ix_codings_transcript_coder", "transcript_id", "coder_id"),
        Index("ix_codings_code", "code_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="RESTRICT"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id", ondelete="RESTRICT"))
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"))
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column("start_offset", Integer)
    end: Mapped[int] = mapped_column("end_offset", Integer)
    origin: Mapped[str] = mapped_column(Origin(), default="manual")
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)
    guid: Mapped[str] = mapped_column(Guid())


class Memo(Base):
    """A coder's note on exactly one of: a segment, a coding, a code, a transcript."""

    __tablename__ = "memos"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN segment_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN coding_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN code_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN transcript_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id", ondelete="RESTRICT"), index=True)
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    coding_id: Mapped[int | None] = mapped_column(ForeignKey("codings.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"), index=True)
    transcript_id: Mapped[int | None] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)
    guid: Mapped[str] = mapped_column(Guid())


class Suggestion(Base):
    """A code proposed for a segment; only a person accepting it turns it into a coding."""

    __tablename__ = "suggestions"
    __table_args__ = (
        UniqueConstraint("segment_id", "code_id", "source"),
        CheckConstraint("status IN ('open', 'accepted', 'rejected')", name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # found by the unique key, which starts with it (0006)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # keywords | model
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    model_version: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="open")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)


class Event(Base):
    """Append-only log of every change: who, what, when, before and after.

    ``undoes`` points at the event an ``undo`` or ``redo`` event reverses; rows are never
    updated or deleted, so undo history survives restarts and can be replayed elsewhere.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_coder", "coder_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    undoes: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"))


class NlpModel(Base):
    """A trained suggestion model, stored with the project so every coder's machine uses the same one."""

    __tablename__ = "nlp_models"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. textcat_multilabel
    trained_on: Mapped[dict[str, Any]] = mapped_column(default=dict)  # coders, codings count, codebook version
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)
    active: Mapped[bool] = mapped_column(default=False)


class Matrix(Base):
    """A framework matrix: rows (participants, or the values of one attribute) × columns (code keys).

    ``rows`` and ``columns`` keep the order the researcher chose; the summaries are ``MatrixCell`` rows.
    """

    __tablename__ = "matrices"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    rows_by: Mapped[str] = mapped_column(String(200))  # "participant" or an attribute name
    rows: Mapped[list[Any]] = mapped_column(default=list)
    columns: Mapped[list[Any]] = mapped_column(default=list)  # code keys
    guid: Mapped[str] = mapped_column(Guid())
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)


class MatrixCell(Base):
    """The summary written in one cell of a matrix, and who wrote it last."""

    __tablename__ = "matrix_cells"
    __table_args__ = (UniqueConstraint("matrix_id", "row_label", "column_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    matrix_id: Mapped[int] = mapped_column(ForeignKey("matrices.id", ondelete="CASCADE"))
    row_label: Mapped[str] = mapped_column(String(300))
    column_key: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)


# A row id, once given, is never given to another row: the event log names rows by id, and undo
# must never find a newer row where an older one was. PostgreSQL sequences promise this already;
# SQLite does only with AUTOINCREMENT (migration 0003).
for _table in Base.metadata.tables.values():
    if "id" in _table.c and _table.c.id.primary_key:
        _table.dialect_options["sqlite"]["autoincrement"] = True
