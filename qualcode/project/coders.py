"""Coders as people: rename one, remove one, merge one into another — each one undoable event.

The event log names coders by id (``events.coder_id``, ON DELETE RESTRICT) and is never
rewritten, so a coder's row is never deleted: removal is soft. A removed coder keeps its row and
gets a marker in ``project_info`` (``coder.removed.<id>``: empty for a plain removal, the id of
the coder it was merged into for a merge). A removed coder is left out of lists and refused as
``--coder`` (``store.coder_row``); adding the name again, or undoing the removal, takes the marker
away.

Merging A into B gives B everything of A's: codings, memos, suggestion decisions, framework
matrix summaries and undo history (B's undo walks A's events too, see ``history_ids``). Where
both coded the same passage with the same code, B's coding is kept and A's is dropped (its memos
move to B's coding); where both wrote a memo on the same place, A's text is added below B's. The
event (``coder.merge``, logged as B's change) keeps every row it touched, so undo puts each back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from qualcode.db.models import Code, Coder, Coding, Event, MatrixCell, Memo, ProjectInfo, Segment, Suggestion, utcnow
from qualcode.errors import GoneSince, QualcodeError
from qualcode.project import events
from qualcode.records import CoderInfo, CoderMerge
from qualcode.store import REMOVED_CODER, Store, coder_name, coder_row, coding_dict, lock_history, log_event

CODER_EVENTS = ("coder.rename", "coder.remove", "coder.merge")
JOINED = "\n\n"  # between B's memo and A's when both wrote one on the same place


class CoderPart:
    def __init__(self, store: Store) -> None:
        self._store = store

    def rename(self, old: str, new: str) -> CoderInfo:
        """Call coder ``old`` ``new`` from now on: every coding, memo and event is theirs under the new name."""
        new = coder_name(new)
        with self._store.tx() as s:
            coder_id, name = coder_row(s, old)
            if name == new:
                raise QualcodeError(f"coder {old!r} is already called {new!r}")
            _refuse_taken(s, new)
            rename_in(s, coder_id, name, new)
            return CoderInfo(coder_id, new)

    def remove(self, name: str, merge_into: str | None = None) -> CoderMerge | None:
        """Remove coder ``name``: refused while they have codings or memos, unless ``merge_into``
        another coder (then it is ``merge``)."""
        if merge_into is not None:
            return self.merge(name, merge_into)
        with self._store.tx() as s:
            coder_id, name = coder_row(s, name)
            lock_history(s, coder_id)
            work = _work(s, coder_id)
            if work:
                raise QualcodeError(
                    f"coder {name!r} has {work}; nothing was removed "
                    f"(`qualcode coders remove {name} --merge-into OTHER` gives them to another coder)"
                )
            remove_in(s, coder_id, name)
            return None

    def merge(self, source: str, target: str) -> CoderMerge:
        """Give everything of coder ``source`` to coder ``target`` and remove ``source``. One event, ``target``'s."""
        with self._store.tx() as s:
            a_id, a_name = coder_row(s, source)
            b_id, b_name = coder_row(s, target)
            if a_id == b_id:
                raise QualcodeError(f"cannot merge coder {a_name!r} into themselves; name another coder")
            for coder_id in sorted((a_id, b_id)):  # the same order everywhere: two merges never wait on each other
                lock_history(s, coder_id)
            return merge_in(s, a_id, a_name, b_id, b_name)


def rename_in(s: Session, coder_id: int, old: str, new: str) -> None:
    """Rename a coder in this transaction (checked by the caller), with its event."""
    s.get_one(Coder, coder_id).name = new
    log_event(s, coder_id, "coder.rename", {"coder_id": coder_id, "before": old, "after": new})


def remove_in(s: Session, coder_id: int, name: str) -> None:
    """Mark a coder without work removed in this transaction, with its event."""
    _mark(s, coder_id, "")
    log_event(s, coder_id, "coder.remove", {"coder_id": coder_id, "name": name})


def merge_in(s: Session, a_id: int, a_name: str, b_id: int, b_name: str) -> CoderMerge:
    """Merge coder A into coder B in this transaction, with its event (B's)."""
    payload = _merge_rows(s, a_id, b_id)
    payload.update(source=a_name, target=b_name)
    log_event(s, b_id, "coder.merge", payload)
    return _merge_record(payload)


def has_work(s: Session, coder_id: int) -> bool:
    return bool(_work(s, coder_id))


def restore(s: Session, coder_id: int) -> None:
    """Take a removed coder's marker away (the coder is back)."""
    _mark(s, coder_id, None)


def effective_changes(s: Session) -> list[tuple[str, dict[str, Any]]]:
    """The ``coder.*`` changes of this project that stand (not undone), oldest first, as (kind, payload)."""
    standing: dict[int, tuple[str, dict[str, Any]]] = {}
    kinds: dict[int, tuple[str, int | None]] = {}
    rows = s.execute(
        select(Event.id, Event.kind, Event.payload, Event.undoes)
        .where(Event.kind.in_((*CODER_EVENTS, "undo", "redo")))
        .order_by(Event.id)
    )
    for ev_id, kind, payload, undoes in rows:
        kinds[ev_id] = (kind, undoes)
        if kind in CODER_EVENTS:
            standing[ev_id] = (kind, payload)
        elif kind == "undo":
            standing.pop(undoes, None)
        else:  # a redo: of a coder change, if the undo it cancels reversed one
            undone = kinds.get(undoes or -1, ("", None))[1]
            while undone is not None and kinds.get(undone, ("", None))[0] == "redo":
                undone = kinds[undone][1]
                undone = kinds.get(undone or -1, ("", None))[1]
            original = kinds.get(undone or -1, ("", None))[0]
            if original in CODER_EVENTS:
                standing[ev_id] = (original, payload)
    return list(standing.values())


def _refuse_taken(s: Session, name: str, but: int | None = None) -> None:
    taken = s.scalar(select(Coder.id).where(Coder.name == name))
    if taken is not None and taken != but:
        gone = " (a removed coder: `qualcode coders add` brings them back)" if removed(s, taken) is not None else ""
        raise QualcodeError(f"there is already a coder called {name!r}{gone}; nothing was renamed")


def _work(s: Session, coder_id: int) -> str:
    """What a coder has that removal would orphan, in words ("" for nothing)."""
    codings = s.scalar(select(Coding.id).where(Coding.coder_id == coder_id).limit(1))
    memos = s.scalar(select(Memo.id).where(Memo.coder_id == coder_id).limit(1))
    return " and ".join(w for w, has in (("codings", codings), ("memos", memos)) if has is not None)


def removed(s: Session, coder_id: int) -> str | None:
    """None for an active coder; "" for a removed one; the id (as text) of the coder it was merged into."""
    return s.scalar(select(ProjectInfo.value).where(ProjectInfo.key == REMOVED_CODER.format(coder_id)))


def _mark(s: Session, coder_id: int, value: str | None) -> None:
    key = REMOVED_CODER.format(coder_id)
    row = s.get(ProjectInfo, key)
    if value is None:
        if row is not None:
            s.delete(row)
    elif row is None:
        s.add(ProjectInfo(key=key, value=value))
    else:
        row.value = value


def active_coder_ids(s: Session, ids: Iterable[int]) -> list[int]:
    """Those of ``ids`` that are not removed coders."""
    prefix = REMOVED_CODER.format("")
    gone = {k[len(prefix) :] for k in s.scalars(select(ProjectInfo.key).where(ProjectInfo.key.startswith(prefix)))}
    return [i for i in ids if str(i) not in gone]


def history_ids(s: Session, coder_id: int) -> list[int]:
    """The coders whose events are ``coder_id``'s undo history: itself and every coder merged into it."""
    merged: dict[int, list[int]] = {}
    prefix = REMOVED_CODER.format("")
    for key, value in s.execute(select(ProjectInfo.key, ProjectInfo.value).where(ProjectInfo.key.startswith(prefix))):
        if value.isdigit():
            merged.setdefault(int(value), []).append(int(key[len(prefix) :]))
    out, todo = [], [coder_id]
    while todo:
        current = todo.pop()
        if current not in out:
            out.append(current)
            todo.extend(merged.get(current, []))
    return out


def owner(s: Session, coder_id: int | None) -> int | None:
    """The coder whose rows ``coder_id``'s are now: itself, or the coder it was merged into (followed on)."""
    seen: set[int] = set()
    while coder_id is not None and coder_id not in seen:
        seen.add(coder_id)
        value = removed(s, coder_id)
        if not value or not value.isdigit():
            return coder_id
        coder_id = int(value)
    return coder_id


def _merge_rows(s: Session, a_id: int, b_id: int) -> dict[str, Any]:
    """Move A's rows to B (see the module's docstring) and mark A merged; what moved, as a payload."""
    b_codings = {
        (c.code_id, c.segment_id, c.start, c.end): c.id
        for c in s.scalars(select(Coding).where(Coding.coder_id == b_id))
    }
    moved: list[int] = []
    dropped: list[dict[str, Any]] = []
    retargeted: list[dict[str, int]] = []
    for c in s.scalars(select(Coding).where(Coding.coder_id == a_id).order_by(Coding.id)):
        twin = b_codings.get((c.code_id, c.segment_id, c.start, c.end))
        if twin is None:
            moved.append(c.id)
            continue
        for memo in s.scalars(select(Memo).where(Memo.coding_id == c.id)):
            retargeted.append({"id": memo.id, "from": c.id, "to": twin})
            memo.coding_id = twin
        dropped.append(coding_dict(c))
    s.flush()
    if dropped:
        s.execute(delete(Coding).where(Coding.id.in_([d["id"] for d in dropped])))
    if moved:
        s.execute(update(Coding).where(Coding.id.in_(moved)).values(coder_id=b_id))
    b_memos = {_target(m): m for m in s.scalars(select(Memo).where(Memo.coder_id == b_id))}
    moved_memos: list[int] = []
    joined: list[dict[str, Any]] = []
    for memo in list(s.scalars(select(Memo).where(Memo.coder_id == a_id).order_by(Memo.id))):
        into = b_memos.get(_target(memo))
        if into is None:
            moved_memos.append(memo.id)
            continue
        joined.append({"memo": _memo_dict(memo), "into": into.id, "before": into.text})
        into.text, into.updated_at = into.text + JOINED + memo.text, utcnow()
        s.delete(memo)
    s.flush()
    if moved_memos:
        s.execute(update(Memo).where(Memo.id.in_(moved_memos)).values(coder_id=b_id))
    decisions = list(s.scalars(select(Suggestion.id).where(Suggestion.decided_by == a_id)))
    if decisions:
        s.execute(update(Suggestion).where(Suggestion.id.in_(decisions)).values(decided_by=b_id))
    cells = list(s.scalars(select(MatrixCell.id).where(MatrixCell.coder_id == a_id)))
    if cells:
        s.execute(update(MatrixCell).where(MatrixCell.id.in_(cells)).values(coder_id=b_id))
    _mark(s, a_id, str(b_id))
    return {
        "source_id": a_id,
        "target_id": b_id,
        "moved": moved,
        "dropped": dropped,
        "retargeted": retargeted,
        "memos": moved_memos,
        "joined": joined,
        "suggestions": decisions,
        "cells": cells,
    }


def _merge_record(p: dict[str, Any]) -> CoderMerge:
    return CoderMerge(p["source"], p["target"], len(p["moved"]), len(p["dropped"]), len(p["memos"]), len(p["joined"]))


def _target(memo: Memo) -> tuple[str, int | None]:
    for kind in ("segment", "coding", "code", "transcript"):
        value = getattr(memo, f"{kind}_id")
        if value is not None:
            return kind, value
    return "none", None  # the memos table's check prevents this


def _memo_dict(m: Memo) -> dict[str, Any]:
    fields = ("id", "coder_id", "segment_id", "coding_id", "code_id", "transcript_id", "text", "guid")
    return {f: getattr(m, f) for f in fields}


def undo_coder_event(s: Session, kind: str, p: dict[str, Any], redo: bool = False) -> None:
    """Reverse (or with ``redo``, apply again) a ``coder.*`` event."""
    if kind == "coder.rename":
        row = s.get(Coder, p["coder_id"])
        current, wanted = (p["before"], p["after"]) if redo else (p["after"], p["before"])
        if row is None:  # pragma: no cover - coders are never deleted
            raise GoneSince(f"coder {current!r} is gone")
        if row.name != current:
            raise QualcodeError(f"cannot reverse renaming coder {p['before']!r}: they are called {row.name!r} now")
        _refuse_taken(s, wanted, but=row.id)
        row.name = wanted
    elif kind == "coder.remove":
        state = removed(s, p["coder_id"])
        if redo:
            work = _work(s, p["coder_id"])
            if work:
                raise QualcodeError(f"cannot remove coder {p['name']!r} again: they have {work} now")
            _mark(s, p["coder_id"], "")
        elif state is None:
            raise GoneSince(f"coder {p['name']!r} was added back since")
        else:
            _mark(s, p["coder_id"], None)
    elif kind == "coder.merge":
        if redo:
            _redo_merge(s, p)
        else:
            _undo_merge(s, p)


def _undo_merge(s: Session, p: dict[str, Any]) -> None:
    a_id, b_id = p["source_id"], p["target_id"]
    if removed(s, a_id) not in (None, str(b_id)):
        raise QualcodeError(f"cannot undo merging coder {p['source']!r}: they were merged elsewhere since")
    _mark(s, a_id, None)
    for data in p["dropped"]:
        if s.get(Segment, data["segment_id"]) is None or s.get(Code, data["code_id"]) is None:
            raise GoneSince(
                f"a coding of {p['source']!r} that the merge dropped: its segment or code was removed since"
            )
        s.add(Coding(**data))
    s.flush()
    for j in p["joined"]:
        into = s.get(Memo, j["into"])
        if into is not None and into.text.endswith(JOINED + j["memo"]["text"]):
            into.text = j["before"]
        s.add(Memo(**j["memo"]))
    s.flush()
    if p["memos"]:
        s.execute(update(Memo).where(Memo.id.in_(p["memos"]), Memo.coder_id == b_id).values(coder_id=a_id))
    for r in p["retargeted"]:
        s.execute(update(Memo).where(Memo.id == r["id"], Memo.coding_id == r["to"]).values(coding_id=r["from"]))
    if p["moved"]:
        s.execute(update(Coding).where(Coding.id.in_(p["moved"]), Coding.coder_id == b_id).values(coder_id=a_id))
    if p["suggestions"]:
        s.execute(
            update(Suggestion)
            .where(Suggestion.id.in_(p["suggestions"]), Suggestion.decided_by == b_id)
            .values(decided_by=a_id)
        )
    if p["cells"]:
        s.execute(
            update(MatrixCell).where(MatrixCell.id.in_(p["cells"]), MatrixCell.coder_id == b_id).values(coder_id=a_id)
        )


def _redo_merge(s: Session, p: dict[str, Any]) -> None:
    """Merge again; refused when the source coder's work is no longer what was merged (merge anew instead)."""
    a_id, b_id = p["source_id"], p["target_id"]
    if removed(s, a_id) is not None or removed(s, b_id) is not None:
        raise QualcodeError(f"cannot merge coder {p['source']!r} again: one of the two coders was removed since")
    again = _merge_rows(s, a_id, b_id)
    same = (
        sorted(again["moved"]) == sorted(p["moved"])
        and sorted(d["id"] for d in again["dropped"]) == sorted(d["id"] for d in p["dropped"])
        and sorted(again["memos"]) == sorted(p["memos"])
    )
    if not same:
        raise QualcodeError(
            f"cannot redo merging coder {p['source']!r}: their work changed since; "
            f"`qualcode coders merge {p['source']} {p['target']}` merges it as it is now"
        )


def _coder_fields(p: dict[str, Any]) -> dict[str, Any]:
    if "before" in p:  # coder.rename
        return {"coder_names": (p.get("before"), p.get("after"))}
    if "source" in p:  # coder.merge
        return {"coder_names": (p.get("source"), p.get("target"))}
    return {"coder_names": (p.get("name"),)}  # coder.remove


def _undo(c: events.Change) -> None:
    undo_coder_event(c.s, c.kind, c.payload)


def _redo(c: events.Change) -> None:
    undo_coder_event(c.s, c.kind, c.payload, redo=True)


events.register(CODER_EVENTS, undo=_undo, redo=_redo, fields=_coder_fields)
