"""What the coding workbench asks beyond the core API: the transcript list, progress, the next uncoded
segment and full-text search.

``WorkbenchPart`` of ``qualcode.project``. SQLite projects search the ``segment_fts`` FTS5 table
(rowid = segment id; external content, so the query reads only the index and its ranking, never
the words); PostgreSQL projects use the server's full-text search (the GIN index on
``to_tsvector('english', transcripts.text)`` narrows the transcripts, then each segment is
matched). What the user types is never passed to either engine as query syntax: words are
quoted one by one, so ``"``, ``*``, ``NEAR``, ``-`` or ``[laughs]`` cannot cause a syntax error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from qualcode.db.basics import TEXT_FUNCTION, stored_prefix
from qualcode.db.models import Coder, Coding, Participant, Segment, Transcript
from qualcode.project.mapping import project_speakers, segment_info
from qualcode.project.placement import covered
from qualcode.project.settings import SettingsPart
from qualcode.project.transcripts import coded_counts, segment_counts, to_code_condition
from qualcode.records import (
    SegmentInfo,
    TranscriptInfo,
)
from qualcode.store import Store, coder_row

_TERM = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchHit:
    """A segment that matches a search, with where the matched words are in its text."""

    segment_id: int
    transcript_id: int
    transcript: str
    participant: str | None
    position: int
    speaker: str | None
    text: str
    matches: tuple[tuple[int, int], ...] = ()  # (start, end) offsets into ``text``


def search_terms(query: str) -> list[str]:
    """The words and "quoted phrases" of a query, without any search-engine syntax."""
    terms = []
    for phrase, word in _TERM.findall(query or ""):
        value = " ".join(_WORD.findall(phrase if phrase else word))
        if value:
            terms.append(value)
    return terms


def fts5_query(query: str) -> str | None:
    """An FTS5 MATCH expression that finds every term (as a prefix), or None for no terms.

    Each term is a quoted FTS5 string, so nothing the user types is read as FTS5 syntax.
    """
    terms = search_terms(query)
    if not terms:
        return None
    return " ".join('"' + term.replace('"', '""') + '"*' for term in terms)


def tsquery(query: str) -> str | None:
    """A PostgreSQL ``to_tsquery`` expression: every term, the last word of each as a prefix.

    Terms hold only word characters and spaces (``search_terms``), so nothing the user typed can
    be read as tsquery syntax.
    """
    parts = []
    for term in search_terms(query):
        words = term.split()
        parts.append("(" + " <-> ".join(words[:-1] + [words[-1] + ":*"]) + ")")
    return " & ".join(parts) or None


def match_spans(body: str, query: str) -> tuple[tuple[int, int], ...]:
    """Where the query's terms (as word prefixes, ignoring case) occur in ``body``."""
    spans = []
    for term in search_terms(query):
        pattern = r"\b" + r"\W+".join(re.escape(w) for w in term.split())
        for m in re.finditer(pattern, body, flags=re.IGNORECASE):
            spans.append((m.start(), m.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


_SEGMENT_TEXT = "substr(t.text, s.start_offset + 1, s.end_offset - s.start_offset)"  # PostgreSQL
# SQLite holds the text compressed (revision 0008): SQL reads its words through qualcode_text
_SQLITE_SEGMENT_TEXT = f"substr({TEXT_FUNCTION}(t.text), s.start_offset + 1, s.end_offset - s.start_offset)"
_FROM = (
    "FROM segments s JOIN transcripts t ON t.id = s.transcript_id LEFT JOIN participants p ON p.id = t.participant_id "
)
_COLUMNS = f"s.id, s.transcript_id, t.name, p.label, s.position, s.speaker, {_SEGMENT_TEXT} AS body {_FROM}"
_SQLITE_COLUMNS = (
    f"s.id, s.transcript_id, t.name, p.label, s.position, s.speaker, {_SQLITE_SEGMENT_TEXT} AS body {_FROM}"
)
# the index's hits with their offsets: each transcript's text is read and cut once, in Python
_SQLITE_HITS = "s.id, s.transcript_id, t.name, p.label, s.position, s.speaker, s.start_offset, s.end_offset " + _FROM


def _cut(s: Session, found: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Search hits with their offsets as rows with the segment's text: each transcript hit is
    read once, and decompressed only as far as its last hit ends."""
    ends: dict[int, int] = {}
    for r in found:
        ends[r[1]] = max(ends.get(r[1], 0), r[7])
    bodies = {
        i: stored_prefix(body, ends[i])
        for i, body in s.execute(
            text("SELECT id, text FROM transcripts WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": list(ends)},
        )
    }
    return [(*r[:6], bodies[r[1]][r[6] : r[7]]) for r in found]


class WorkbenchPart:
    def __init__(self, store: Store, settings: SettingsPart) -> None:
        self._store = store
        self._settings = settings

    def transcript_list(self) -> list[TranscriptInfo]:
        """Every transcript by name with participant, attributes and segment count, without reading
        any transcript text (``n_chars`` is 0; ``Project.transcripts`` has it). Fast with thousands."""
        with self._store.read() as s:
            counts = segment_counts(s, to_code_condition(s))
            rows = s.execute(
                select(Transcript.id, Transcript.name, Transcript.format, Participant.label, Participant.attributes)
                .outerjoin(Participant, Participant.id == Transcript.participant_id)
                .order_by(Transcript.name)
            ).all()
        out = []
        for r in rows:
            n, to_code = counts.get(r[0], (0, 0))
            out.append(TranscriptInfo(r[0], r[1], r[2], r[3], dict(r[4] or {}), n, 0, n_to_code=to_code))
        return out

    def coded_segment_counts(self, coder: str) -> dict[int, int]:
        """Transcript id -> how many of its segments to code (not the interviewer's) ``coder`` has
        coded (transcripts with none are absent)."""
        with self._store.read() as s:
            coder_id = s.scalar(select(Coder.id).where(Coder.name == coder))
            if coder_id is None:
                return {}
            return coded_counts(s, coder_id, to_code_condition(s))

    def search(self, query: str, limit: int = 200) -> list[SearchHit]:
        """Segments matching every word of ``query`` (best first), at most ``limit``.

        Words match as prefixes on SQLite ("develop" finds "development") and by English stem
        on PostgreSQL; "quoted words" must occur together.
        """
        terms = search_terms(query)
        if not terms:
            return []
        rows: Sequence[Any] | None = None  # rows of the query's seven columns
        with self._store.read() as s:
            dialect = s.get_bind().dialect.name
            if dialect == "postgresql":
                rows = s.execute(
                    text(
                        f"SELECT {_COLUMNS}"
                        "WHERE to_tsvector('english', t.text) @@ to_tsquery('english', :q) "
                        f"AND to_tsvector('english', {_SEGMENT_TEXT}) @@ to_tsquery('english', :q) "
                        f"ORDER BY ts_rank(to_tsvector('english', {_SEGMENT_TEXT}), to_tsquery('english', :q)) DESC, "
                        "t.name, s.position LIMIT :n"
                    ),
                    {"q": tsquery(query), "n": limit},
                ).all()
            else:
                if dialect == "sqlite":
                    try:
                        found = s.execute(
                            text(
                                f"SELECT {_SQLITE_HITS}JOIN segment_fts f ON f.rowid = s.id "
                                "WHERE segment_fts MATCH :q ORDER BY f.rank, t.name, s.position LIMIT :n"
                            ),
                            {"q": fts5_query(query), "n": limit},
                        ).all()
                    except OperationalError:
                        found = None  # no FTS5 in this SQLite build: fall back to LIKE below
                    if found is not None:
                        rows = _cut(s, found)
                if rows is None:
                    body = _SQLITE_SEGMENT_TEXT if dialect == "sqlite" else _SEGMENT_TEXT
                    columns = _SQLITE_COLUMNS if dialect == "sqlite" else _COLUMNS
                    clauses = " AND ".join(f"lower({body}) LIKE :t{i} ESCAPE '\\'" for i in range(len(terms)))
                    params = {f"t{i}": "%" + _like_escape(t.lower()) + "%" for i, t in enumerate(terms)}
                    rows = s.execute(
                        text(f"SELECT {columns}WHERE {clauses} ORDER BY t.name, s.position LIMIT :n"),
                        {**params, "n": limit},
                    ).all()
        assert rows is not None
        return [SearchHit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], match_spans(r[6], query)) for r in rows]

    def next_uncoded_segment(
        self, transcript_id: int, coder: str, after_position: int = -1, skip_speakers: Iterable[str] | None = None
    ) -> SegmentInfo | None:
        """The next segment (wrapping around) that ``coder`` has not coded, skipping the interviewer's turns
        (``skip_speakers`` names the speakers to skip instead of the project's ``Speakers``)."""
        with self._store.read() as s:
            coder_id = coder_row(s, coder)[0]
            # every turn a coding runs over is coded, not only its first
            coded = [
                sid
                for (sid,) in s.execute(
                    covered(Segment.id, where=(Coding.coder_id == coder_id, Coding.transcript_id == transcript_id))
                )
            ]
            speakers = project_speakers(s)
            if skip_speakers is None:
                here = s.scalars(select(Segment.speaker).where(Segment.transcript_id == transcript_id).distinct()).all()
                skip = [sp for sp in here if speakers.is_interviewer(sp, transcript_id)]
            else:
                skip = list(skip_speakers)
            base = select(Segment).where(Segment.transcript_id == transcript_id, Segment.id.not_in(coded))
            if skip:
                base = base.where((Segment.speaker.is_(None)) | (Segment.speaker.not_in(skip)))
            seg = s.scalars(base.where(Segment.position > after_position).order_by(Segment.position).limit(1)).first()
            if seg is None:
                seg = s.scalars(base.order_by(Segment.position).limit(1)).first()
            if seg is None:
                return None
            body = s.scalar(select(Transcript.text).where(Transcript.id == transcript_id))
            return segment_info(seg, body or "", speakers)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
