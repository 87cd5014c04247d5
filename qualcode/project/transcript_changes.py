"""Changing a transcript after coding has started: replace its text, rename it, remove it.

``replace`` aligns the new text with the old (``qualcode.ingest.align``), cuts the new text into
segments, and moves every coding, memo and suggestion with the words it covered. A coding whose
words were deleted is not dropped: it is listed in the report and written into its coder's memo
on the transcript, with its own memo. Each change is one transaction and one event whose payload
holds the transcript's whole state before and after (text, segments, codings, memos,
suggestions, all with their ids and GUIDs), so undo and redo put back exactly that state, and
refuse when the transcript has changed since.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from qualcode.db.models import Code, Coder, Coding, Memo, Segment, Suggestion, Transcript, utcnow
from qualcode.errors import GoneSince, QualcodeError
from qualcode.ingest.align import align, map_spans
from qualcode.ingest.transcripts import ParsedTranscript
from qualcode.limits import check_length
from qualcode.project import events
from qualcode.segments import place_span, segment_ref
from qualcode.store import (
    CODINGS_TABLE,
    MEMOS_TABLE,
    SEGMENTS_TABLE,
    Store,
    coder_row,
    index_segments,
    log_event,
    new_guid,
    unindex_segments,
)

TRANSCRIPT_EVENTS = ("transcript.replace", "transcript.rename", "transcript.remove")
# The Core tables behind the models, for bulk inserts that keep the rows' own ids (mypy sees FromClause).
SUGGESTIONS_TABLE: Table = Suggestion.__table__  # type: ignore[assignment]
TRANSCRIPTS_TABLE: Table = Transcript.__table__  # type: ignore[assignment]
QUOTE_CHARS = 80


@dataclass(frozen=True)
class MovedCoding:
    coding_id: int
    coder: str
    code_key: str
    code_name: str
    old_position: int
    new_position: int
    old_text: str
    new_text: str
    status: str  # kept (same words) | changed (words edited, or trimmed to one segment)


@dataclass(frozen=True)
class LostCoding:
    coding_id: int
    coder: str
    code_key: str
    code_name: str
    old_position: int
    old_text: str
    reason: str
    memo: str | None = None


@dataclass
class ReplaceReport:
    """What ``replace`` did (or, for a dry run, would do)."""

    name: str
    old_chars: int
    new_chars: int
    old_segments: int
    new_segments: int
    moved: list[MovedCoding] = field(default_factory=list)
    lost: list[LostCoding] = field(default_factory=list)
    memos_moved: int = 0
    memos_lost: int = 0  # segment memos whose words were all deleted (kept in the transcript memo)
    suggestions_dropped: int = 0
    dry_run: bool = False

    @property
    def kept(self) -> list[MovedCoding]:
        return [m for m in self.moved if m.status == "kept"]

    @property
    def changed(self) -> list[MovedCoding]:
        return [m for m in self.moved if m.status == "changed"]

    def lines(self) -> list[str]:
        out = [
            f"{self.name}: {self.old_chars:,} → {self.new_chars:,} characters, "
            f"{self.old_segments} → {self.new_segments} segments",
            f"{'would move' if self.dry_run else 'moved'} {len(self.moved)} codings ({len(self.kept)} on the same words, "
            f"{len(self.changed)} on edited words); {len(self.lost)} lost",
        ]
        for m in self.changed:
            out.append(
                f"  changed: {m.coder} {m.code_key} {segment_ref(m.old_position)} → {segment_ref(m.new_position)}: "
                f"«{_quote(m.old_text)}» → «{_quote(m.new_text)}»"
            )
        for lost in self.lost:
            memo = f" (memo: {_quote(lost.memo)})" if lost.memo else ""
            out.append(
                f"  lost: {lost.coder} {lost.code_key} {segment_ref(lost.old_position)} «{_quote(lost.old_text)}»: "
                f"{lost.reason}{memo}"
            )
        if self.lost or self.memos_lost:
            verb = "would keep" if self.dry_run else "kept"
            out.append(f"{verb} what was lost in each coder's memo on the transcript")
        if self.memos_moved or self.memos_lost:
            out.append(f"memos on segments: {self.memos_moved} moved, {self.memos_lost} on deleted words")
        return out


class TranscriptChangePart:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------------ replace

    def replace(self, name: str, parsed: ParsedTranscript, coder: str, dry_run: bool = False) -> ReplaceReport:
        """Replace ``name``'s text with ``parsed``'s, carrying codings and memos with their words."""
        session = self._store.read if dry_run else self._store.tx
        with session() as s:
            coder_id, _ = coder_row(s, coder)
            tid = _transcript_id(s, name)
            _check_new_text(s, tid, name, parsed)
            if not dry_run:
                _lock(s, tid)
            before = transcript_state(s, tid)
            plan = _plan(s, tid, name, before, parsed)
            plan.report.dry_run = dry_run
            if dry_run:
                return plan.report
            _clear_content(s, tid)
            s.execute(
                update(Transcript)
                .where(Transcript.id == tid)
                .values(text=parsed.text, sha256=parsed.sha256, source_path=parsed.source_path, format=parsed.format)
            )
            if parsed.segments:
                s.execute(
                    insert(SEGMENTS_TABLE),
                    [
                        {
                            "transcript_id": tid,
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
            ids = dict(s.execute(select(Segment.position, Segment.id).where(Segment.transcript_id == tid)).all())
            for row in plan.codings:
                row["segment_id"] = ids[row.pop("position")]
            for row in plan.memos:
                if row.get("position") is not None:
                    row["segment_id"] = ids[row["position"]]
                row.pop("position", None)
            for row in plan.suggestions:
                row["segment_id"] = ids[row.pop("position")]
            _insert_rows(s, plan.codings, plan.memos, plan.suggestions)
            for memo in plan.new_memos:
                s.execute(insert(MEMOS_TABLE), [memo])
            index_segments(s, tid)
            after = transcript_state(s, tid)
            log_event(
                s,
                coder_id,
                "transcript.replace",
                {
                    "transcript_id": tid,
                    "name": name,
                    "source": parsed.source_path,
                    "moved": len(plan.report.moved),
                    "lost": [lost.coding_id for lost in plan.report.lost],
                    "before": before,
                    "after": after,
                },
            )
            return plan.report

    # ------------------------------------------------------------------ rename, remove

    def rename(self, old: str, new: str, coder: str | None = None) -> None:
        new = new.strip()
        if not new:
            raise QualcodeError("a transcript's name cannot be empty")
        check_length("transcript name", new, "the new name")
        with self._store.tx() as s:
            coder_id = coder_row(s, coder)[0] if coder else None
            tid = _transcript_id(s, old)
            if new == old:
                return
            if s.scalar(select(Transcript.id).where(Transcript.name == new)) is not None:
                raise QualcodeError(f"there is already a transcript named {new!r}; choose another name")
            s.execute(update(Transcript).where(Transcript.id == tid).values(name=new))
            log_event(s, coder_id, "transcript.rename", {"transcript_id": tid, "before": old, "after": new})

    def remove(self, name: str, coder: str, force: bool = False) -> tuple[int, int]:
        """Remove a transcript; refused while it has codings unless ``force``. Returns (codings, memos) removed."""
        with self._store.tx() as s:
            coder_id, _ = coder_row(s, coder)
            tid = _transcript_id(s, name)
            _lock(s, tid)
            before = transcript_state(s, tid, whole=True)
            n_codings, n_memos = len(before["codings"]), len(before["memos"])
            if n_codings and not force:
                raise QualcodeError(
                    f"{name!r} has {n_codings} codings; remove it with --force (undo in the workbench brings it back)"
                )
            _clear_content(s, tid)
            s.execute(delete(Transcript).where(Transcript.id == tid))
            log_event(s, coder_id, "transcript.remove", {"transcript_id": tid, "name": name, "before": before})
            return n_codings, n_memos


# ---------------------------------------------------------------------- undo and redo


def undo_transcript_event(s: Session, kind: str, p: dict[str, Any]) -> None:
    tid = p["transcript_id"]
    if kind == "transcript.replace":
        _restore(s, tid, p["before"], expected=p["after"], what=f"replacing {p['name']!r}")
    elif kind == "transcript.rename":
        _set_name(s, tid, p["after"], p["before"])
    elif kind == "transcript.remove":
        state = p["before"]
        row = state["row"]
        if s.scalar(select(Transcript.id).where(Transcript.name == row["name"])) is not None:
            raise QualcodeError(f"cannot undo removing {row['name']!r}: a transcript of that name is there again")
        if s.scalar(select(Transcript.id).where(Transcript.sha256 == state["transcript"]["sha256"])) is not None:
            raise QualcodeError(f"cannot undo removing {row['name']!r}: the same text was imported again")
        s.execute(insert(TRANSCRIPTS_TABLE), [{**row, **state["transcript"], "imported_at": _when(row["imported_at"])}])
        _write_content(s, tid, state)


def redo_transcript_event(s: Session, kind: str, p: dict[str, Any]) -> None:
    tid = p["transcript_id"]
    if kind == "transcript.replace":
        _restore(s, tid, p["after"], expected=p["before"], what=f"replacing {p['name']!r}")
    elif kind == "transcript.rename":
        _set_name(s, tid, p["before"], p["after"])
    elif kind == "transcript.remove":
        state = p["before"]
        if s.get(Transcript, tid) is None:
            raise GoneSince(f"{p['name']!r} was removed since")
        _lock(s, tid)
        if _comparable(transcript_state(s, tid)) != _comparable(state):
            raise QualcodeError(f"cannot redo removing {p['name']!r}: the transcript has changed since")
        _clear_content(s, tid)
        s.execute(delete(Transcript).where(Transcript.id == tid))


def _set_name(s: Session, tid: int, current: str, wanted: str) -> None:
    name = s.scalar(select(Transcript.name).where(Transcript.id == tid))
    if name is None:
        raise GoneSince(f"the transcript {current!r} was removed since")
    if name != current:
        raise QualcodeError(f"cannot reverse the renaming of {current!r}: the transcript has changed since")
    if s.scalar(select(Transcript.id).where(Transcript.name == wanted)) is not None:
        raise QualcodeError(f"cannot rename back to {wanted!r}: another transcript has that name now")
    s.execute(update(Transcript).where(Transcript.id == tid).values(name=wanted))


def _restore(s: Session, tid: int, state: dict[str, Any], expected: dict[str, Any], what: str) -> None:
    if s.get(Transcript, tid) is None:
        raise GoneSince("the transcript was removed since")
    _lock(s, tid)
    if _comparable(transcript_state(s, tid)) != _comparable(expected):
        raise QualcodeError(f"cannot reverse {what}: its codings, memos or text have changed since")
    _clear_content(s, tid)
    s.execute(update(Transcript).where(Transcript.id == tid).values(**state["transcript"]))
    _write_content(s, tid, state)


def _comparable(state: dict[str, Any]) -> dict[str, Any]:
    """What must be as the event left it for undo or redo: everything but the suggestions, which
    the suggestion engine replaces on its own."""
    return {k: v for k, v in state.items() if k not in ("suggestions", "row")}


# ---------------------------------------------------------------------- state


def transcript_state(s: Session, tid: int, whole: bool = False) -> dict[str, Any]:
    """Everything a transcript holds, as JSON-ready rows with their ids (``whole``: its own row too)."""
    t = s.execute(select(Transcript.__table__).where(Transcript.id == tid)).one()  # not a cached ORM object
    seg_ids = select(Segment.id).where(Segment.transcript_id == tid).scalar_subquery()
    coding_ids = select(Coding.id).where(Coding.transcript_id == tid).scalar_subquery()
    state: dict[str, Any] = {
        "transcript": {
            "text": t.text,
            "sha256": t.sha256,
            "source_path": t.source_path,
            "format": t.format,
            "meta": dict(t.meta or {}),
        },
        "segments": [
            {
                "id": r.id,
                "position": r.position,
                "speaker": r.speaker,
                "start": r.start,
                "end": r.end,
                "time_start": r.time_start,
                "time_end": r.time_end,
            }
            for r in s.execute(
                select(
                    Segment.id,
                    Segment.position,
                    Segment.speaker,
                    Segment.start,
                    Segment.end,
                    Segment.time_start,
                    Segment.time_end,
                )
                .where(Segment.transcript_id == tid)
                .order_by(Segment.position)
            )
        ],
        "codings": [
            {
                "id": r.id,
                "code_id": r.code_id,
                "coder_id": r.coder_id,
                "segment_id": r.segment_id,
                "start": r.start,
                "end": r.end,
                "origin": r.origin,
                "guid": r.guid,
                "created_at": _iso(r.created_at),
            }
            for r in s.execute(
                select(
                    Coding.id,
                    Coding.code_id,
                    Coding.coder_id,
                    Coding.segment_id,
                    Coding.start,
                    Coding.end,
                    Coding.origin,
                    Coding.guid,
                    Coding.created_at,
                )
                .where(Coding.transcript_id == tid)
                .order_by(Coding.id)
            )
        ],
        "memos": [
            {
                "id": m.id,
                "coder_id": m.coder_id,
                "segment_id": m.segment_id,
                "coding_id": m.coding_id,
                "transcript_id": m.transcript_id,
                "text": m.text,
                "guid": m.guid,
                "created_at": _iso(m.created_at),
                "updated_at": _iso(m.updated_at),
            }
            for m in s.scalars(
                select(Memo)
                .where(or_(Memo.transcript_id == tid, Memo.segment_id.in_(seg_ids), Memo.coding_id.in_(coding_ids)))
                .order_by(Memo.id)
            )
        ],
        "suggestions": [
            {
                "id": g.id,
                "segment_id": g.segment_id,
                "code_id": g.code_id,
                "source": g.source,
                "score": g.score,
                "reason": g.reason,
                "model_version": g.model_version,
                "status": g.status,
                "decided_by": g.decided_by,
                "created_at": _iso(g.created_at),
            }
            for g in s.scalars(select(Suggestion).where(Suggestion.segment_id.in_(seg_ids)).order_by(Suggestion.id))
        ],
    }
    if whole:
        state["row"] = {
            "id": t.id,
            "name": t.name,
            "participant_id": t.participant_id,
            "imported_at": _iso(t.imported_at),
            "guid": t.guid,
        }
    return state


def _lock(s: Session, tid: int) -> None:
    """Hold the transcript, its segments and its codings until commit, so that no coding or memo
    can be added to them between reading the state and writing the new one (PostgreSQL; an
    SQLite write transaction already holds the whole database)."""
    s.execute(select(Transcript.id).where(Transcript.id == tid).with_for_update())
    s.execute(select(Segment.id).where(Segment.transcript_id == tid).with_for_update())
    s.execute(select(Coding.id).where(Coding.transcript_id == tid).with_for_update())


def _clear_content(s: Session, tid: int) -> None:
    seg_ids = select(Segment.id).where(Segment.transcript_id == tid).scalar_subquery()
    coding_ids = select(Coding.id).where(Coding.transcript_id == tid).scalar_subquery()
    s.execute(delete(Suggestion).where(Suggestion.segment_id.in_(seg_ids)))
    s.execute(
        delete(Memo).where(or_(Memo.transcript_id == tid, Memo.segment_id.in_(seg_ids), Memo.coding_id.in_(coding_ids)))
    )
    s.execute(delete(Coding).where(Coding.transcript_id == tid))
    unindex_segments(s, tid)  # faster than the triggers that would otherwise do it segment by segment
    s.execute(delete(Segment).where(Segment.transcript_id == tid))


def _write_content(s: Session, tid: int, state: dict[str, Any]) -> None:
    """Insert a state's rows with the ids they had (the ids were given once and are never reused)."""
    if state["segments"]:
        s.execute(
            insert(SEGMENTS_TABLE),
            [
                {
                    "id": r["id"],
                    "transcript_id": tid,
                    "position": r["position"],
                    "speaker": r["speaker"],
                    "start_offset": r["start"],
                    "end_offset": r["end"],
                    "time_start": r["time_start"],
                    "time_end": r["time_end"],
                }
                for r in state["segments"]
            ],
        )
    codes = set(s.scalars(select(Code.id)))
    missing = {c["code_id"] for c in state["codings"]} - codes
    if missing:
        raise QualcodeError("cannot put the transcript back: codes its codings used were deleted since")
    _insert_rows(s, [{**c, "transcript_id": tid} for c in state["codings"]], state["memos"], state["suggestions"])
    index_segments(s, tid)


def _insert_rows(
    s: Session, codings: list[dict[str, Any]], memos: list[dict[str, Any]], suggestions: list[dict[str, Any]]
) -> None:
    if codings:
        s.execute(
            insert(CODINGS_TABLE),
            [
                {
                    "id": c["id"],
                    "code_id": c["code_id"],
                    "coder_id": c["coder_id"],
                    "transcript_id": c["transcript_id"],
                    "segment_id": c["segment_id"],
                    "start_offset": c["start"],
                    "end_offset": c["end"],
                    "origin": c["origin"],
                    "guid": c["guid"],
                    "created_at": _when(c["created_at"]),
                }
                for c in codings
            ],
        )
    if memos:
        s.execute(
            insert(MEMOS_TABLE),
            [
                {
                    **{k: m.get(k) for k in ("id", "coder_id", "segment_id", "coding_id", "transcript_id", "text")},
                    "code_id": None,
                    "guid": m["guid"],
                    "created_at": _when(m["created_at"]),
                    "updated_at": _when(m["updated_at"]),
                }
                for m in memos
            ],
        )
    if suggestions:
        s.execute(insert(SUGGESTIONS_TABLE), [{**g, "created_at": _when(g["created_at"])} for g in suggestions])


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def _transcript_id(s: Session, name: str) -> int:
    tid = s.scalar(select(Transcript.id).where(Transcript.name == name))
    if tid is None:
        raise QualcodeError(f"no transcript named {name!r}; `qualcode transcripts list` shows them")
    return tid


def _check_new_text(s: Session, tid: int, name: str, parsed: ParsedTranscript) -> None:
    if not parsed.segments:
        raise QualcodeError(f"{parsed.source_path} has no text to replace {name!r} with")
    same = s.execute(select(Transcript.id, Transcript.name).where(Transcript.sha256 == parsed.sha256)).first()
    if same is not None:
        if same[0] == tid:
            raise QualcodeError(f"{parsed.source_path} is the text {name!r} already has; nothing to replace")
        raise QualcodeError(f"{parsed.source_path} is the text of another transcript, {same[1]!r}")


# ---------------------------------------------------------------------- the plan


@dataclass
class _Plan:
    report: ReplaceReport
    codings: list[dict[str, Any]]  # rows to insert, with "position" (of the new segment) for segment_id
    memos: list[dict[str, Any]]  # kept memos; those on segments carry "position"
    new_memos: list[dict[str, Any]]  # coders' new memos on the transcript (the lost codings)
    suggestions: list[dict[str, Any]]


class _NewSegments:
    def __init__(self, parsed: ParsedTranscript) -> None:
        self.spans = [(seg.start, seg.end) for seg in parsed.segments]
        self.starts = [a for a, _ in self.spans]

    def best(self, start: int, end: int) -> tuple[int, int, int] | None:
        """The segment holding most of ``[start, end)``, and the part of it inside: (position, start, end)."""
        index = max(bisect.bisect_right(self.starts, start) - 1, 0)
        best: tuple[int, int, int] | None = None
        while index < len(self.spans) and self.spans[index][0] < end:
            a, b = max(start, self.spans[index][0]), min(end, self.spans[index][1])
            if b > a and (best is None or b - a > best[2] - best[1]):
                best = (index, a, b)
            index += 1
        return best

    def whole(self, start: int, end: int) -> tuple[int, int, int] | None:
        """Where a coding of ``[start, end)`` goes, kept whole across the turns it runs over
        (``qualcode.segments.place_span``): (position of its first segment, start, end)."""
        placed = place_span(self.spans, start, end, self.starts)
        return None if placed is None else (placed[0], placed[2], placed[3])


def _plan(s: Session, tid: int, name: str, before: dict[str, Any], parsed: ParsedTranscript) -> _Plan:
    old, new = before["transcript"]["text"], parsed.text
    segments = {r["id"]: r for r in before["segments"]}
    report = ReplaceReport(name, len(old), len(new), len(segments), len(parsed.segments))
    alignment = align(old, new)
    targets = _NewSegments(parsed)
    code_names = {i: (k, n) for i, k, n in s.execute(select(Code.id, Code.key, Code.name))}
    coder_names = dict(s.execute(select(Coder.id, Coder.name)).all())

    def place(spans: list[tuple[int, int]], whole: bool = False) -> list[tuple[int, int, int] | None]:
        placed: list[tuple[int, int, int] | None] = []
        for m in map_spans(old, new, spans, alignment):
            if m.status == "deleted" or m.new_start is None or m.new_end is None:
                placed.append(None)
            else:
                placed.append((targets.whole if whole else targets.best)(m.new_start, m.new_end))
        return placed

    coding_memos = {m["coding_id"]: m for m in before["memos"] if m["coding_id"] is not None}
    lost_lines: dict[int, list[str]] = {}
    codings: list[dict[str, Any]] = []
    lost_ids: set[int] = set()
    places = place([(c["start"], c["end"]) for c in before["codings"]], whole=True)  # one passage, however many turns

    # Two codings of one coder with one code can end up on the same words (one lost a word at its
    # edge). One stays: the one whose words did not change, else the first.
    def intact(index: int) -> bool:
        c, where = before["codings"][index], places[index]
        return where is not None and new[where[1] : where[2]] == old[c["start"] : c["end"]]

    keeper: dict[tuple[Any, ...], int] = {}
    for index, (c, where) in enumerate(zip(before["codings"], places, strict=True)):
        if where is not None:
            on_words = (c["coder_id"], c["code_id"], *where)
            if on_words not in keeper or (intact(index) and not intact(keeper[on_words])):
                keeper[on_words] = index

    for index, (c, where) in enumerate(zip(before["codings"], places, strict=True)):
        key, code_name = code_names[c["code_id"]]
        old_text = old[c["start"] : c["end"]]
        old_position = segments[c["segment_id"]]["position"]
        reason = None
        if where is None:
            reason = "its words were deleted"
        elif keeper[(c["coder_id"], c["code_id"], where[0], where[1], where[2])] != index:
            reason = "it now covers the same words as another of the coder's codings with that code"
        if reason is not None:
            memo = coding_memos.get(c["id"])
            lost = LostCoding(
                c["id"],
                coder_names[c["coder_id"]],
                key,
                code_name,
                old_position,
                old_text,
                reason,
                memo and memo["text"],
            )
            report.lost.append(lost)
            lost_ids.add(c["id"])
            line = f"- lost coding {code_name} ({key}), {segment_ref(old_position)}: «{old_text}»"
            lost_lines.setdefault(c["coder_id"], []).append(line + (f"\n  its memo: {lost.memo}" if lost.memo else ""))
            continue
        assert where is not None
        position, start, end = where
        status = "kept" if new[start:end] == old_text else "changed"
        report.moved.append(
            MovedCoding(
                c["id"],
                coder_names[c["coder_id"]],
                key,
                code_name,
                old_position,
                position,
                old_text,
                new[start:end],
                status,
            )
        )
        codings.append({**c, "transcript_id": tid, "position": position, "start": start, "end": end})

    seg_list = before["segments"]
    seg_places = dict(zip((r["id"] for r in seg_list), place([(r["start"], r["end"]) for r in seg_list]), strict=True))
    memos: list[dict[str, Any]] = []
    by_target: dict[tuple[int, int], dict[str, Any]] = {}
    for m in before["memos"]:
        if m["coding_id"] is not None:
            if m["coding_id"] not in lost_ids:
                memos.append(dict(m))
            continue
        if m["segment_id"] is None:
            memos.append(dict(m))  # on the transcript
            continue
        where = seg_places[m["segment_id"]]
        if where is None:
            report.memos_lost += 1
            old_seg = segments[m["segment_id"]]
            lost_lines.setdefault(m["coder_id"], []).append(
                f"- memo on {segment_ref(old_seg['position'])} «{_quote(old[old_seg['start'] : old_seg['end']])}», "
                f"whose words were deleted: {m['text']}"
            )
            continue
        report.memos_moved += 1
        same = by_target.get((m["coder_id"], where[0]))
        if same is not None:  # two turns became one: one memo per coder per segment, both texts kept
            same["text"] += "\n\n" + m["text"]
            continue
        row = {**m, "segment_id": None, "position": where[0]}
        by_target[(m["coder_id"], where[0])] = row
        memos.append(row)

    new_memos: list[dict[str, Any]] = []
    if lost_lines:
        stamp = utcnow()
        heading = f"Replacing the transcript with {parsed.source_path} ({stamp:%Y-%m-%d}) lost these words:"
        transcript_memos = {m["coder_id"]: m for m in memos if m["transcript_id"] is not None}
        for who, lines in lost_lines.items():
            block = heading + "\n" + "\n".join(lines)
            if who in transcript_memos:
                memo = transcript_memos[who]
                memo["text"] = memo["text"].rstrip() + "\n\n" + block
                memo["updated_at"] = stamp.isoformat()
            else:
                new_memos.append(
                    {
                        "coder_id": who,
                        "transcript_id": tid,
                        "text": block,
                        "guid": new_guid(),
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                )

    suggestions: list[dict[str, Any]] = []
    taken: set[tuple[Any, ...]] = set()
    for g in before["suggestions"]:
        where = seg_places.get(g["segment_id"])
        if where is None or (where[0], g["code_id"], g["source"]) in taken:
            report.suggestions_dropped += 1
            continue
        taken.add((where[0], g["code_id"], g["source"]))
        suggestions.append({**g, "segment_id": None, "position": where[0]})
    return _Plan(report, codings, memos, new_memos, suggestions)


events.register(
    TRANSCRIPT_EVENTS,
    undo=lambda c: undo_transcript_event(c.s, c.kind, c.payload),
    redo=lambda c: redo_transcript_event(c.s, c.kind, c.payload),
    fields=lambda p: {"transcript_ids": (p.get("transcript_id"),), "transcript_name": p.get("name") or p.get("before")},
)
