"""Transcripts: import, text, segments, participants; the project's summary and integrity check."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, case, func, not_, select, text
from sqlalchemy.orm import Session

from qualcode.db.models import (
    Code,
    Codebook,
    Coding,
    Participant,
    Segment,
    Transcript,
    unpacked,
)
from qualcode.errors import InputError, QualcodeError
from qualcode.ingest.linebreaks import line_number
from qualcode.ingest.transcripts import ParsedTranscript, stray_text
from qualcode.media import media_location
from qualcode.project import events
from qualcode.project.mapping import SEGMENT_COLUMNS, interviewer_condition, project_speakers, segment_info
from qualcode.project.peek import summary_from
from qualcode.project.placement import covered
from qualcode.records import (
    ImportOutcome,
    ParticipantInfo,
    ProjectSummary,
    SegmentInfo,
    TranscriptInfo,
)
from qualcode.segments import place_span
from qualcode.speakers import META_KEY as SPEAKERS_KEY
from qualcode.speakers import roles_to_meta
from qualcode.store import SEGMENTS_TABLE, Store, coder_row, index_segments, log_event, new_guid


class TranscriptPart:
    def __init__(self, store: Store) -> None:
        self._store = store

    def import_transcript(
        self,
        parsed: ParsedTranscript,
        participant: str | None = None,
        attributes: dict[str, str] | None = None,
        name: str | None = None,
    ) -> ImportOutcome:
        """Store one parsed transcript in one transaction; the same file twice is a no-op."""
        name = name or parsed.name
        with self._store.tx() as s:
            same = s.scalars(select(Transcript).where(Transcript.sha256 == parsed.sha256)).first()
            if same is not None:
                return ImportOutcome(same.name, "unchanged", detail="already imported (same content)")
            if s.scalar(select(Transcript.id).where(Transcript.name == name)):
                raise InputError(
                    parsed.source_path,
                    f"a different transcript named {name!r} is already in the project; rename the file or pass "
                    f"--name, or, if this is a corrected version, `qualcode transcripts replace {name} FILE --coder NAME`",
                )
            label = participant or parsed.front.participant or name
            attrs = {**parsed.front.attributes, **(attributes or {})}
            person = _participant(s, label, attrs, parsed.front.identifying, parsed.source_path)
            meta: dict[str, Any] = {**parsed.meta, **({"title": parsed.front.title} if parsed.front.title else {})}
            if parsed.front.media:
                meta["media"] = media_location(parsed.front.media, parsed.source_path)
            if parsed.front.speakers:
                meta[SPEAKERS_KEY] = roles_to_meta(parsed.front.speakers)
                for role in parsed.front.speakers:
                    if role.participant and role.participant != label:
                        _participant(s, role.participant, {}, {}, parsed.source_path)
            row = Transcript(
                name=name,
                sha256=parsed.sha256,
                source_path=parsed.source_path,
                format=parsed.format,
                text=parsed.text,
                participant_id=person.id,
                meta=meta,
                guid=new_guid(),
            )
            s.add(row)
            s.flush()
            if parsed.segments:  # a Core insert: no ORM bookkeeping for thousands of rows
                s.execute(
                    SEGMENTS_TABLE.insert(),
                    [
                        {
                            "transcript_id": row.id,
                            "position": i,
                            "speaker": seg.speaker,
                            "start_offset": seg.start,
                            "end_offset": seg.end,
                            "time_start": seg.time_start,
                            "time_end": seg.time_end,
                        }
                        for i, seg in enumerate(parsed.segments)
                    ],
                )
            index_segments(s, row.id)
            log_event(
                s,
                None,
                "transcript.import",
                {"name": name, "sha256": parsed.sha256, "segments": len(parsed.segments), "source": parsed.source_path},
            )
            return ImportOutcome(name, "imported", len(parsed.segments))

    def media(self, transcript_id: int) -> str | None:
        """The transcript's recording (front matter ``media:``, made absolute at import), or None."""
        with self._store.read() as s:
            meta = s.scalar(select(Transcript.meta).where(Transcript.id == transcript_id))
        value = (meta or {}).get("media")
        return str(value) if value else None

    def transcripts(self, coder: str | None = None) -> list[TranscriptInfo]:
        """All transcripts by name, with how many of the segments to code ``coder`` has coded in each."""
        with self._store.read() as s:
            to_code = to_code_condition(s)
            counts = segment_counts(s, to_code)
            coded: dict[int, int] = {}
            if coder:
                coder_id = coder_row(s, coder)[0]
                coded = coded_counts(s, coder_id, to_code)
            rows = s.execute(
                select(
                    Transcript.id,
                    Transcript.name,
                    Transcript.format,
                    Participant.label,
                    Participant.attributes,
                    func.length(unpacked(Transcript.text)),
                    Transcript.source_path,
                    Transcript.sha256,
                    # only these two of the metadata: it can hold a long source's header and raw times
                    Transcript.meta["flags"],
                    Transcript.meta["overlaps"],
                )
                .outerjoin(Participant, Participant.id == Transcript.participant_id)
                .order_by(Transcript.name)
            ).all()
            return [
                TranscriptInfo(
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    dict(r[4] or {}),
                    counts.get(r[0], (0, 0))[0],
                    r[5] or 0,
                    coded.get(r[0], 0),
                    r[6],
                    r[7],
                    counts.get(r[0], (0, 0))[1],
                    *_meta_notes(r[8], r[9]),
                )
                for r in rows
            ]

    def transcript(self, name: str) -> TranscriptInfo:
        for t in self.transcripts():
            if t.name == name:
                return t
        raise QualcodeError(f"no transcript named {name!r}; `qualcode transcripts list` shows them")

    def transcript_text(self, transcript_id: int) -> str:
        with self._store.read() as s:
            value = s.scalar(select(Transcript.text).where(Transcript.id == transcript_id))
            if value is None:
                raise QualcodeError(f"no transcript with id {transcript_id}")
            return value

    def segments(self, transcript_id: int, offset: int = 0, limit: int | None = None) -> list[SegmentInfo]:
        with self._store.read() as s:
            text_value = s.scalar(select(Transcript.text).where(Transcript.id == transcript_id))
            if text_value is None:
                raise QualcodeError(f"no transcript with id {transcript_id}")
            # Plain rows rather than ORM objects: a 5,000-segment interview opens several times faster.
            q = (
                select(*SEGMENT_COLUMNS)
                .where(Segment.transcript_id == transcript_id)
                .order_by(Segment.position)
                .offset(offset)
            )
            if limit is not None:
                q = q.limit(limit)
            speakers = project_speakers(s)
            return [segment_info(row, text_value, speakers) for row in s.execute(q)]

    def segment(self, segment_id: int) -> SegmentInfo:
        with self._store.read() as s:
            seg = s.get(Segment, segment_id)
            if seg is None:
                raise QualcodeError(f"no segment with id {segment_id}")
            body = s.scalar(select(Transcript.text).where(Transcript.id == seg.transcript_id))
            return segment_info(seg, body or "", project_speakers(s))

    def participants(self) -> list[ParticipantInfo]:
        with self._store.read() as s:
            return [
                ParticipantInfo(p.id, p.label, dict(p.attributes or {}))
                for p in s.scalars(select(Participant).order_by(Participant.label))
            ]

    def segment_rows(self) -> list[tuple[int, int, int, str | None, int, int]]:
        """(segment id, transcript id, position, speaker, start, end) for every segment."""
        with self._store.read() as s:
            q = select(
                Segment.id, Segment.transcript_id, Segment.position, Segment.speaker, Segment.start, Segment.end
            ).order_by(Segment.transcript_id, Segment.position)
            return [(a, b, c, d, e, f) for a, b, c, d, e, f in s.execute(q)]

    def summary(self) -> ProjectSummary:
        with self._store.read() as s:
            return summary_from(lambda sql, params: s.execute(text(sql), params), self._store.location)

    def check(self) -> list[str]:
        """Problems found by the database's own checks and the project's invariants (empty = healthy)."""
        problems: list[str] = []
        with self._store.read() as s:
            if self._store.backend == "sqlite":
                for (row,) in s.execute(text("PRAGMA integrity_check")):
                    if row != "ok":
                        problems.append(f"SQLite integrity: {row}")
                for row in s.execute(text("PRAGMA foreign_key_check")):
                    problems.append(f"foreign key broken: table {row[0]} row {row[1]} -> {row[2]}")
                if problems:  # a damaged file: the checks below would read the broken pages
                    return problems
            if s.scalar(select(func.count()).select_from(Codebook)) != 1:
                problems.append("the project has no codebook: an `init` was interrupted before it finished")
            names = dict(s.execute(select(Transcript.id, Transcript.name)).all())
            lengths: dict[int, int] = {}  # of the texts that can be read (one at a time: a damaged one is named)
            for t_id, t_name in names.items():
                try:
                    lengths[t_id] = len(s.scalar(select(Transcript.text).where(Transcript.id == t_id)) or "")
                except QualcodeError as exc:
                    problems.append(f"transcript {t_name}: {exc}")
            last_end: dict[int, int] = defaultdict(int)
            bounds: dict[int, tuple[int, int, int]] = {}
            spans: dict[int, list[tuple[int, int, str | None]]] = defaultdict(list)
            turns: dict[int, list[tuple[int, int]]] = defaultdict(list)  # transcript id -> its segments, in order
            for seg in s.scalars(select(Segment).order_by(Segment.transcript_id, Segment.position)):
                where = f"{names.get(seg.transcript_id)} segment {seg.position}"
                length = lengths.get(seg.transcript_id)
                if length is not None and not 0 <= seg.start <= seg.end <= length:
                    problems.append(f"{where}: offsets {seg.start}-{seg.end} outside the text")
                if seg.start < last_end[seg.transcript_id]:
                    problems.append(f"{where}: overlaps the previous segment")
                last_end[seg.transcript_id] = seg.end
                bounds[seg.id] = (seg.transcript_id, seg.start, seg.end)
                spans[seg.transcript_id].append((seg.start, seg.end, seg.speaker))
                turns[seg.transcript_id].append((seg.start, seg.end))
            code_ids = set(s.scalars(select(Code.id)))
            for c in s.scalars(select(Coding)):
                span = bounds.get(c.segment_id)
                if span is None or span[0] != c.transcript_id:
                    problems.append(f"coding {c.id}: segment {c.segment_id} is not in its transcript")
                elif not span[1] <= c.start < span[2] or c.end <= c.start:
                    problems.append(
                        f"coding {c.id}: offsets {c.start}-{c.end} do not start in its segment {span[1]}-{span[2]}"
                    )
                elif (placed := place_span(turns[c.transcript_id], c.start, c.end)) is None or placed[2:] != (
                    c.start,
                    c.end,
                ):
                    # it may run on over the next turns, but must end inside one (not past the last)
                    problems.append(f"coding {c.id}: offsets {c.start}-{c.end} do not end inside a turn")
                if c.code_id not in code_ids:
                    problems.append(f"coding {c.id}: points at a code that no longer exists ({c.code_id})")
            parents: dict[int, int | None] = {i: p for i, p in s.execute(select(Code.id, Code.parent_id))}
            for cid in parents:
                seen: set[int] = set()
                node: int | None = cid
                while node is not None:
                    if node in seen:
                        problems.append(f"code {cid}: its parents form a cycle")
                        break
                    seen.add(node)
                    node = parents.get(node)
            for t_id, t_name in names.items():
                if t_id not in last_end:
                    problems.append(f"transcript {t_name}: has no segments (a half-finished import)")
                    continue
                if t_id not in lengths:  # its text is damaged, said above
                    continue
                body = s.scalar(select(Transcript.text).where(Transcript.id == t_id)) or ""
                stray = stray_text(body, spans[t_id])
                if stray:
                    start, end = stray[0]
                    words = " ".join(body[start:end].split())
                    more = f" and {len(stray) - 1} more line(s)" if len(stray) > 1 else ""
                    problems.append(
                        f"transcript {t_name}: line {line_number(body, start)} of its text is in no segment "
                        f"({words[:60]!r}){more}; `qualcode transcripts replace {t_name} FILE --coder NAME` "
                        "with its file splits it again"
                    )
        return problems


def _meta_notes(flags: Any, overlaps: Any) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The flags and overlapping turns an import recorded in a transcript's metadata."""
    return (
        tuple(str(f) for f in flags) if isinstance(flags, list) else (),
        tuple(int(p) for p in overlaps if isinstance(p, int)) if isinstance(overlaps, list) else (),
    )


def to_code_condition(s: Session) -> ColumnElement[bool]:
    """Which segments a coder is meant to code: every turn but the interviewer's (by the project's
    ``Speakers``). The one definition of coding progress, for the CLI and the workbench alike."""
    interviewer = interviewer_condition(s, project_speakers(s))
    return Segment.speaker.is_(None) | not_(interviewer)


def coded_counts(s: Session, coder_id: int, to_code: ColumnElement[bool]) -> dict[int, int]:
    """Transcript id -> how many of its segments to code the coder has coded: every turn a coding
    runs over counts (``placement.covered``)."""
    rows = covered(
        Segment.transcript_id.label("transcript_id"),
        Segment.id.label("segment_id"),
        where=(Coding.coder_id == coder_id, to_code),
    ).subquery()
    return {tid: n for tid, n in s.execute(select(rows.c.transcript_id, func.count()).group_by(rows.c.transcript_id))}


def segment_counts(s: Session, to_code: ColumnElement[bool]) -> dict[int, tuple[int, int]]:
    """Transcript id -> (segments, segments to code)."""
    rows = s.execute(
        select(Segment.transcript_id, func.count(), func.sum(case((to_code, 1), else_=0))).group_by(
            Segment.transcript_id
        )
    )
    return {tid: (n, int(todo or 0)) for tid, n, todo in rows}


def _participant(s: Session, label: str, attrs: dict[str, str], identifying: dict[str, Any], where: str) -> Participant:
    person = s.scalars(select(Participant).where(Participant.label == label)).first()
    if person is None:
        person = Participant(label=label, attributes=attrs, identifying=identifying, guid=new_guid())
        s.add(person)
        s.flush()
        return person
    merged = dict(person.attributes or {})
    for key, value in attrs.items():
        if key in merged and merged[key] != value:
            raise InputError(
                where, f"participant {label!r} already has {key}={merged[key]!r}, this file says {value!r}"
            )
        merged[key] = value
    person.attributes = merged
    if identifying:
        person.identifying = {**(person.identifying or {}), **identifying}
    return person


events.register(
    "transcript.import", fields=lambda p: {"transcript_name": p.get("name"), "n_segments": p.get("segments")}
)
