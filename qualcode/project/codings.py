"""Codings and memos, and the event log: undo, redo and the list of events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from qualcode import event_words
from qualcode.db.models import (
    Code,
    Coder,
    Coding,
    Event,
    Memo,
    Segment,
    Transcript,
    utcnow,
)
from qualcode.errors import GoneSince, QualcodeError
from qualcode.project import events
from qualcode.project.coders import history_ids, owner
from qualcode.project.mapping import code_infos
from qualcode.project.placement import Placement, Placer, covers, place_coding
from qualcode.project.suggestions import undo_suggestion_event
from qualcode.records import (
    CodingInfo,
    EventInfo,
    MemoInfo,
)
from qualcode.store import (
    Store,
    add_coding_row,
    code_row,
    coder_row,
    coding_at,
    coding_dict,
    coding_info,
    color_of,
    lock_history,
    log_event,
    memo_dicts,
    new_guid,
)

MEMO_TARGETS = ("segment", "coding", "code", "transcript")
MEMO_MODELS: dict[str, type[Segment | Coding | Code | Transcript]] = {
    "segment": Segment,
    "coding": Coding,
    "code": Code,
    "transcript": Transcript,
}


class CodingPart:
    def __init__(self, store: Store) -> None:
        self._store = store

    def apply_code(
        self,
        coder: str,
        code_key: str,
        segment_id: int,
        start: int | None = None,
        end: int | None = None,
        origin: str = "manual",
    ) -> CodingInfo:
        """Code a whole segment, or ``text[start:end]`` from inside it — running on over the next
        turns if ``end`` lies past it (one passage, see ``qualcode.project.placement``). Applying it
        twice changes nothing."""
        with self._store.tx() as s:
            coder_id, coder_name, code = _coder_and_code(s, coder, code_key, origin)
            seg = _locked_segment(s, segment_id)
            start = seg.start if start is None else start
            end = seg.end if end is None else end
            if not seg.start <= start < seg.end or end <= start:
                raise QualcodeError(
                    f"a coding must start inside its segment ({seg.start}-{seg.end}), not {start}-{end}"
                )
            # Inside its own turn (what a key press in the workbench makes) the segment is the
            # placement; only a span running on past it needs the transcript's other turns.
            placed = (
                Placement(seg.transcript_id, seg.id, start, end, (seg.id,))
                if end <= seg.end
                else place_coding(s, seg.transcript_id, start, end)
            )
            if placed is None:  # cannot happen for a span starting inside a turn's text
                raise QualcodeError(f"offsets {start}-{end} cover no words of a turn")
            return _add_coding(s, coder_id, coder_name, code, placed, origin)

    def code_span(
        self, coder: str, code_key: str, transcript_id: int, start: int, end: int, origin: str = "manual"
    ) -> CodingInfo:
        """Code ``text[start:end]`` of a transcript: inside one turn or across consecutive turns,
        always one coding (placed by ``qualcode.project.placement``). Applying it twice changes nothing."""
        with self._store.tx() as s:
            coder_id, coder_name, code = _coder_and_code(s, coder, code_key, origin)
            placed = place_coding(s, transcript_id, start, end)
            if placed is None:
                raise QualcodeError(
                    f"offsets {start}-{end} cover no words of a turn, only what lies between turns (labels, blank lines)"
                )
            _locked_segment(s, placed.segment_id)
            return _add_coding(s, coder_id, coder_name, code, placed, origin)

    def remove_coding(self, coder: str, coding_id: int) -> None:
        """Remove one of ``coder``'s own codings (with its memos, restored by undo)."""
        with self._store.tx() as s:
            coder_id, _ = coder_row(s, coder)
            lock_history(s, coder_id)  # removed in two tabs at once: removed (and logged) once
            coding = s.get(Coding, coding_id)
            if coding is None:
                raise QualcodeError(f"no coding with id {coding_id}")
            if coding.coder_id != coder_id:
                raise QualcodeError("that coding belongs to another coder; each coder removes only their own")
            payload = {"coding": coding_dict(coding), "memos": memo_dicts(s, Memo.coding_id == coding.id)}
            s.delete(coding)
            log_event(s, coder_id, "coding.remove", payload)

    def codings(
        self,
        transcript_id: int | None = None,
        coders: Iterable[str] | None = None,
        segment_ids: Iterable[int] | None = None,
    ) -> list[CodingInfo]:
        with self._store.read() as s:
            colors = {c.key: c.color for c in code_infos(s)}
            q = (
                select(Coding, Code.key, Code.name, Coder.name)
                .join(Code, Code.id == Coding.code_id)
                .join(Coder, Coder.id == Coding.coder_id)
                .order_by(Coding.transcript_id, Coding.start, Coding.id)
            )
            if transcript_id is not None:
                q = q.where(Coding.transcript_id == transcript_id)
            if coders is not None:
                q = q.where(Coder.name.in_(list(coders)))
            if segment_ids is not None:  # the codings shown on these segments: every one that runs over them
                inner = aliased(Coding)
                shown = select(inner.id).join(Segment, covers(coding=inner)).where(Segment.id.in_(list(segment_ids)))
                q = q.where(Coding.id.in_(shown))
            return [
                CodingInfo(
                    c.id, key, name, coder, c.transcript_id, c.segment_id, c.start, c.end, c.origin, colors.get(key)
                )
                for c, key, name, coder in s.execute(q)
            ]

    def code_counts(self, coder: str | None = None) -> dict[str, int]:
        """Number of codings per code key (for one coder, or everyone)."""
        with self._store.read() as s:
            q = select(Code.key, func.count(Coding.id)).join(Coding, Coding.code_id == Code.id).group_by(Code.key)
            if coder:
                q = q.where(Coding.coder_id == coder_row(s, coder)[0])
            return dict(s.execute(q).all())

    def coding_rows(self, coders: Iterable[str] | None = None) -> list[tuple[str, int, int, str, int, int]]:
        """(coder, transcript id, segment id, code key, start, end) for every coding: input for agreement and exports."""
        with self._store.read() as s:
            q = (
                select(Coder.name, Coding.transcript_id, Coding.segment_id, Code.key, Coding.start, Coding.end)
                .join(Coder, Coder.id == Coding.coder_id)
                .join(Code, Code.id == Coding.code_id)
                .order_by(Coding.transcript_id, Coding.segment_id, Code.key, Coder.name, Coding.start)
            )
            if coders is not None:
                q = q.where(Coder.name.in_(list(coders)))
            return [(a, b, c, d, e, f) for a, b, c, d, e, f in s.execute(q)]

    def add_codings(
        self, rows: Iterable[tuple[str, str, int, int | None, int | None]], origin: str = "imported"
    ) -> int:
        """Bulk-add codings (coder, code key, segment id, start, end) in one transaction and one event.

        ``start``/``end`` of None mean the whole segment; a coding starts inside the segment named
        and may run on over the next turns. Codings already there are skipped. Returns the number added.
        """
        with self._store.tx() as s:
            coders = {n: i for i, n in s.execute(select(Coder.id, Coder.name))}
            codes = {k: i for i, k in s.execute(select(Code.id, Code.key))}
            wanted = list(rows)
            seg_ids = {r[2] for r in wanted}
            segs = (
                {
                    i: (t, a, b)
                    for i, t, a, b in s.execute(
                        select(Segment.id, Segment.transcript_id, Segment.start, Segment.end)
                        .where(Segment.id.in_(seg_ids))
                        .with_for_update(read=True, key_share=True)  # see apply_code
                    )
                }
                if seg_ids
                else {}
            )
            existing: set[tuple[int, int, int, int, int]] = set()
            if seg_ids:
                q = select(Coding.coder_id, Coding.code_id, Coding.segment_id, Coding.start, Coding.end)
                existing = {(a, b, c, d, e) for a, b, c, d, e in s.execute(q.where(Coding.segment_id.in_(seg_ids)))}
            placer = Placer(s)
            batch = []
            for coder, key, seg_id, start, end in wanted:
                if coder not in coders:
                    raise QualcodeError(f"unknown coder {coder!r}")
                if key not in codes:
                    raise QualcodeError(f"unknown code {key!r}")
                if seg_id not in segs:
                    raise QualcodeError(f"no segment with id {seg_id}")
                tid, a, b = segs[seg_id]
                start = a if start is None else start
                end = b if end is None else end
                placed = placer.place(tid, start, end) if a <= start < b and start < end else None
                if placed is None or placed.segment_id != seg_id:
                    raise QualcodeError(f"coding {start}-{end} does not start inside segment {seg_id} ({a}-{b})")
                start, end = placed.start, placed.end
                k = (coders[coder], codes[key], seg_id, start, end)
                if k in existing:
                    continue
                existing.add(k)
                batch.append(
                    {
                        "code_id": codes[key],
                        "coder_id": coders[coder],
                        "transcript_id": tid,
                        "segment_id": seg_id,
                        "start": start,
                        "end": end,
                        "origin": origin,
                        "guid": new_guid(),
                        "created_at": utcnow(),
                    }
                )
            if batch:
                s.execute(insert(Coding), batch)
            log_event(s, None, "codings.import", {"added": len(batch)})
            return len(batch)

    def set_memo(self, coder: str, target: str, target_id: int, text_value: str) -> MemoInfo | None:
        """Write (or with empty text, delete) ``coder``'s memo on a segment, coding, code or transcript."""
        if target not in MEMO_TARGETS:
            raise QualcodeError(f"a memo is on one of: {', '.join(MEMO_TARGETS)}")
        column = {
            "segment": Memo.segment_id,
            "coding": Memo.coding_id,
            "code": Memo.code_id,
            "transcript": Memo.transcript_id,
        }[target]
        model = MEMO_MODELS[target]
        text_value = text_value.rstrip()
        with self._store.tx() as s:
            coder_id, coder_name = coder_row(s, coder)
            lock_history(s, coder_id)  # one memo per coder and target, however many tabs save at once
            if s.get(model, target_id, with_for_update={"read": True, "key_share": True}) is None:
                raise QualcodeError(f"no {target} with id {target_id}")
            memo = s.scalars(select(Memo).where(Memo.coder_id == coder_id, column == target_id)).first()
            before = memo.text if memo else None
            if before == (text_value or None):
                return _memo_info(memo, coder_name, target, target_id) if memo else None
            payload = {
                "target": target,
                "target_id": target_id,
                "before": before,
                "after": text_value or None,
                "guid": memo.guid if memo else new_guid(),
            }
            if memo is not None and not text_value:
                s.delete(memo)
                result = None
            else:
                if memo is None:
                    memo = Memo(coder_id=coder_id, text=text_value, guid=payload["guid"], **{column.key: target_id})
                    s.add(memo)
                else:
                    memo.text, memo.updated_at = text_value, utcnow()
                s.flush()
                result = _memo_info(memo, coder_name, target, target_id)
            log_event(s, coder_id, "memo.set", payload)
            return result

    def memos(
        self, coder: str | None = None, target: str | None = None, target_id: int | None = None
    ) -> list[MemoInfo]:
        with self._store.read() as s:
            q = select(Memo, Coder.name).join(Coder, Coder.id == Memo.coder_id).order_by(Memo.id)
            if coder:
                q = q.where(Coder.name == coder)
            out = []
            for memo, name in s.execute(q):
                kind, tid = _memo_target(memo)
                if (target is None or kind == target) and (target_id is None or tid == target_id):
                    out.append(MemoInfo(memo.id, name, kind, tid, memo.text))
            return out

    def undo(self, coder: str) -> EventInfo | None:
        """Reverse ``coder``'s most recent change that is not yet undone (never anyone else's).

        A change whose rows are gone (another coder's replace deleted the words of the coding, a
        merge dropped it) cannot be reversed, now or later: it is logged as skipped
        (``undo.skip``, with the reason) and returned as such, changing nothing else, so that the
        next undo reaches the change before it. Any other refusal raises and logs nothing.
        """
        with self._store.tx() as s:
            coder_id, name = coder_row(s, coder, removed_ok=True)  # a removed coder may undo the removal
            lock_history(s, coder_id)  # two tabs pressing u at once reverse two changes, not one twice
            target = _undo_target(s, coder_id)
            if target is None:
                return None
            try:
                with s.begin_nested():  # a change found gone half-way leaves nothing behind
                    kept = _reverse(s, target)
            except GoneSince as gone:
                ev = log_event(s, coder_id, "undo.skip", {"kind": target.kind, "reason": str(gone)}, undoes=target.id)
            else:
                ev = log_event(s, coder_id, "undo", {"kind": target.kind, **kept}, undoes=target.id)
            return event_info(s, ev, name)

    def redo(self, coder: str) -> EventInfo | None:
        """Apply again what ``coder`` undid last; one whose rows are gone is skipped (``redo.skip``), as in ``undo``."""
        with self._store.tx() as s:
            coder_id, name = coder_row(s, coder, removed_ok=True)
            lock_history(s, coder_id)
            undo_event = _redo_target(s, coder_id)
            if undo_event is None:
                return None
            original = _event(s, undo_event.undoes)
            try:
                with s.begin_nested():
                    _replay(s, original, undo_event)
            except GoneSince as gone:
                payload = {"kind": _original(s, original).kind, "reason": str(gone)}
                ev = log_event(s, coder_id, "redo.skip", payload, undoes=undo_event.id)
            else:
                ev = log_event(s, coder_id, "redo", original.payload, undoes=undo_event.id)
            return event_info(s, ev, name)

    def events(self, coder: str | None = None, limit: int = 50) -> list[EventInfo]:
        with self._store.read() as s:
            q = (
                select(Event, Coder.name)
                .outerjoin(Coder, Coder.id == Event.coder_id)
                .order_by(Event.id.desc())
                .limit(limit)
            )
            if coder:
                q = q.where(Coder.name == coder)
            return [event_info(s, e, n) for e, n in s.execute(q)]


def _memo_target(memo: Memo) -> tuple[str, int]:
    for kind in MEMO_TARGETS:
        value = getattr(memo, f"{kind}_id")
        if value is not None:
            return kind, value
    raise AssertionError("memo without a target")  # the check constraint prevents this


def _memo_info(memo: Memo, coder: str, target: str, target_id: int) -> MemoInfo:
    return MemoInfo(memo.id, coder, target, target_id, memo.text)


def _undo_target(s: Session, coder_id: int) -> Event | None:
    """The change (or redo) an undo reverses: the coder's newest one not cancelled by an undo or
    skipped by one. A ``redo.skip`` changed nothing and is passed over."""
    cancelled: set[int | None] = set()
    for ev in s.scalars(_history(s, coder_id)):
        if ev.id in cancelled:
            continue
        if ev.kind in ("undo", "undo.skip"):
            cancelled.add(ev.undoes)
            continue
        if ev.kind == "redo" or events.undoable(ev.kind):
            return ev
    return None


def _redo_target(s: Session, coder_id: int) -> Event | None:
    """The undo a redo cancels: the coder's newest one not cancelled by a redo or skipped by one.
    An ``undo.skip`` reversed nothing, so there is nothing in it to redo: it is passed over."""
    cancelled: set[int | None] = set()
    for ev in s.scalars(_history(s, coder_id)):
        if ev.id in cancelled:
            continue
        if ev.kind in ("redo", "redo.skip"):
            cancelled.add(ev.undoes)
            continue
        if ev.kind == "undo":
            return ev
        if events.undoable(ev.kind):
            return None  # a new change after an undo clears what could be redone
    return None


def _history(s: Session, coder_id: int) -> Select[Event]:
    """The coder's events newest first, with those of every coder merged into them (``coders merge``)."""
    ids = history_ids(s, coder_id)
    return select(Event).where(Event.coder_id.in_(ids)).order_by(Event.id.desc())


def _event(s: Session, event_id: int | None) -> Event:
    """An event that another names (the log is append-only: it is there)."""
    ev = s.get(Event, event_id) if event_id is not None else None
    if ev is None:
        raise QualcodeError(f"the event log names event #{event_id}, which is missing")
    return ev


def _original(s: Session, ev: Event) -> Event:
    """For a redo event, the change it re-applied."""
    while ev.kind == "redo":
        ev = _event(s, _event(s, ev.undoes).undoes)
    return ev


def _reverse(s: Session, ev: Event) -> dict[str, Any]:
    """Reverse a change (for undo) with the undo its part registered. Returns what the undo event
    keeps beside the kind: for a coding, the row as it was when undone (a replace may have moved it
    since it was made), which is where redo puts it back."""
    original = _original(s, ev)
    p, kind = original.payload, original.kind
    step = events.lookup(kind)
    if step is None or step.undo is None:  # pragma: no cover - _undo_target picks undoable kinds
        raise QualcodeError(f"cannot undo {kind}")
    what = _describe(s, original)  # before any flush: a failed one leaves the session unusable
    try:
        kept = step.undo(events.Change(s, kind, p, owner(s, ev.coder_id))) or {}
        s.flush()
    except IntegrityError:
        raise QualcodeError(f"cannot undo {what}: the project has changed since") from None
    return kept


def _replay(s: Session, ev: Event, undo: Event) -> None:
    """Apply a change again (for redo of ``undo``, the event that reversed it)."""
    original = _original(s, ev)
    p, kind = original.payload, original.kind
    step = events.lookup(kind)
    if step is None or step.redo is None:  # pragma: no cover - only an undone change is redone
        raise QualcodeError(f"cannot redo {kind}")
    what = _describe(s, original)  # before any flush: a failed one leaves the session unusable
    try:
        step.redo(events.Change(s, kind, p, owner(s, ev.coder_id), undo.payload or {}))
        s.flush()
    except IntegrityError:
        raise QualcodeError(f"cannot redo {what}: the project has changed since") from None


# ---------------------------------------------------------------------- this part's event kinds


def restore_coding(s: Session, data: dict[str, Any]) -> None:
    """Put a coding row back as an event recorded it (undo of a removal, of a merge's dropped codings)."""
    if s.get(Segment, data["segment_id"]) is None:
        raise GoneSince("the coding's segment no longer exists (its transcript was replaced or removed since)")
    if s.get(Code, data["code_id"]) is None:
        raise GoneSince("the coding's code was deleted since")
    s.add(Coding(**{**data, "coder_id": owner(s, data["coder_id"])}))  # a merged coder's coding is the merger's


def _undo_add(c: events.Change) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    coding = events.same_row(c.s, Coding, c.payload["coding"])
    if coding is None:
        raise GoneSince("that coding was removed since (its words deleted by a replace, or merged away)")
    if coding_dict(coding) != c.payload["coding"]:
        kept["coding"] = coding_dict(coding)
    c.s.delete(coding)
    undo_suggestion_event(c.s, c.payload)  # an accepted suggestion is open again
    return kept


def _redo_add(c: events.Change) -> None:
    restore_coding(c.s, c.kept.get("coding") or c.payload["coding"])
    undo_suggestion_event(c.s, c.payload, redo=True)


def _undo_remove(c: events.Change) -> None:
    restore_coding(c.s, c.payload["coding"])
    for memo in c.payload.get("memos", []):
        c.s.add(Memo(**{**memo, "coder_id": owner(c.s, memo["coder_id"])}))


def _redo_remove(c: events.Change) -> None:
    coding = events.same_row(c.s, Coding, c.payload["coding"])
    if coding is not None:
        c.s.delete(coding)


def _coding_fields(p: dict[str, Any]) -> dict[str, Any]:
    c = p.get("coding", {})
    marker = p.get("suggestion") or {}
    return {
        "code_ids": (c.get("code_id"),),
        "segment_ids": (c.get("segment_id"),),
        "transcript_ids": (c.get("transcript_id"),),
        "suggestion_id": marker.get("id"),
    }


def _memo_fields(p: dict[str, Any]) -> dict[str, Any]:
    target, target_id = p.get("target"), p.get("target_id")
    ids = {f"{target}_ids": (target_id,)} if target in ("code", "segment", "transcript") else {}
    return {"memo_target": target, "memo_target_id": target_id, **ids}


def _set_memo_raw(s: Session, coder_id: int | None, p: dict[str, Any], value: str | None) -> None:
    if s.get(MEMO_MODELS[p["target"]], p["target_id"]) is None:
        # A segment's memo moves to a new segment when its transcript is replaced; the old one is gone.
        raise GoneSince(f"the {p['target']} the memo was on no longer exists")
    column = getattr(Memo, f"{p['target']}_id")
    memo = s.scalars(select(Memo).where(Memo.coder_id == coder_id, column == p["target_id"])).first()
    if value is None:
        if memo is not None:
            s.delete(memo)
    elif memo is None:
        s.add(
            Memo(
                coder_id=coder_id, text=value, guid=p.get("guid") or new_guid(), **{f"{p['target']}_id": p["target_id"]}
            )
        )
    else:
        memo.text, memo.updated_at = value, utcnow()


def _describe(s: Session, ev: Event) -> str:
    return event_info(s, ev, None).summary


def event_info(s: Session, ev: Event, coder: str | None) -> EventInfo:
    """An event as data. For undo and redo, the kind, ids and changes are those of the change they
    reverse or re-apply."""
    change = ev
    if ev.kind in ("undo", "undo.skip") and ev.undoes is not None:
        cancelled = s.get(Event, ev.undoes)
        change = _original(s, cancelled) if cancelled is not None else ev
    elif ev.kind == "redo":
        change = _original(s, ev)
    elif ev.kind == "redo.skip" and ev.undoes is not None:
        undo = s.get(Event, ev.undoes)
        cancelled = s.get(Event, undo.undoes) if undo is not None and undo.undoes is not None else None
        change = _original(s, cancelled) if cancelled is not None else ev
    action = "" if change is ev and ev.kind in event_words.UNDO_KINDS else change.kind
    reason = (ev.payload or {}).get("reason") if ev.kind in ("undo.skip", "redo.skip") else None
    info = EventInfo(
        ev.id,
        ev.kind,
        coder,
        "",
        action,
        undoes=ev.undoes,
        reason=reason,
        **events.fields(change.kind, change.payload or {}),
    )
    return replace(info, summary=event_words.describe(info))


events.register("coding.add", undo=_undo_add, redo=_redo_add, fields=_coding_fields)
events.register("coding.remove", undo=_undo_remove, redo=_redo_remove, fields=_coding_fields)
events.register(
    "memo.set",
    undo=lambda c: _set_memo_raw(c.s, c.coder_id, c.payload, c.payload["before"]),
    redo=lambda c: _set_memo_raw(c.s, c.coder_id, c.payload, c.payload["after"]),
    fields=_memo_fields,
)
events.register("codings.import")


def _locked_segment(s: Session, segment_id: int) -> Segment:
    """The segment, held ``FOR KEY SHARE`` on PostgreSQL: a replace or remove of its transcript in
    progress is waited for, and then the segment is seen gone, instead of failing on its foreign
    key at the insert."""
    seg = s.get(Segment, segment_id, with_for_update={"read": True, "key_share": True})
    if seg is None:
        raise QualcodeError(
            f"no segment with id {segment_id} (its transcript may have been replaced or removed since: open it again)"
        )
    return seg


def _add_coding(s: Session, coder_id: int, coder_name: str, code: Code, placed: Placement, origin: str) -> CodingInfo:
    """The coding at ``placed``, added with its event unless the coder already has it."""
    coding = coding_at(s, coder_id, code.id, placed.segment_id, placed.start, placed.end)
    if coding is None:
        coding = add_coding_row(
            s, coder_id, code.id, placed.transcript_id, placed.segment_id, placed.start, placed.end, origin
        )
        log_event(s, coder_id, "coding.add", {"coding": coding_dict(coding)})
    return coding_info(coding, code, coder_name, color_of(s, code))


def _coder_and_code(s: Session, coder: str, code_key: str, origin: str) -> tuple[int, str, Code]:
    """The coder (their history held, so that the same code applied in two tabs at once is one
    coding) and the code a coding is about to be added with."""
    if origin not in ("manual", "suggestion", "imported"):
        raise QualcodeError(f"unknown origin {origin!r}")
    coder_id, coder_name = coder_row(s, coder)
    lock_history(s, coder_id)
    return coder_id, coder_name, code_row(s, code_key)
