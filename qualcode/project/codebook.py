"""The codebook: codes added, changed, moved, deleted, merged; a whole codebook updated."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from qualcode import codebook as cb
from qualcode import codetree
from qualcode.db.models import (
    Code,
    Codebook,
    Coding,
    Memo,
    Suggestion,
    utcnow,
)
from qualcode.errors import GoneSince, QualcodeError
from qualcode.limits import check_length
from qualcode.project import events
from qualcode.project.codings import restore_coding
from qualcode.project.mapping import code_dict, code_infos, codebook_doc, set_definition
from qualcode.records import (
    CodeInfo,
    FieldChange,
)
from qualcode.store import (
    Store,
    bump_codebook_version,
    children,
    code_row,
    coder_row,
    coding_dict,
    log_event,
    new_guid,
    renumber,
)


class CodebookPart:
    def __init__(self, store: Store) -> None:
        self._store = store

    def codebook_version(self) -> int:
        with self._store.read() as s:
            return s.scalar(select(Codebook.version)) or 0

    def codes(self) -> list[CodeInfo]:
        """Every code in codebook order (depth first), colours inherited from ancestors."""
        with self._store.read() as s:
            return code_infos(s)

    def code(self, key: str) -> CodeInfo:
        for info in self.codes():
            if info.key == key:
                return info
        raise QualcodeError(f"unknown code {key!r}; `qualcode codebook show` lists the codes")

    def codebook_doc(self) -> cb.CodebookDoc:
        with self._store.read() as s:
            return codebook_doc(s)

    def plan_codebook_update(self, doc: cb.CodebookDoc, merges: dict[str, str] | None = None) -> cb.CodebookChanges:
        """What ``update_codebook`` would change; raises if it would lose codings."""
        with self._store.read() as s:
            changes = cb.compare(codebook_doc(s), doc)
            self._check_removals(s, changes, doc, merges or {})
            return changes

    def update_codebook(
        self, doc: cb.CodebookDoc, merges: dict[str, str] | None = None, coder: str | None = None
    ) -> cb.CodebookChanges:
        """Apply an edited codebook by id: additions, renames, moves, redefinitions, removals.

        A removed code with codings or memos must be named in ``merges`` (old id -> id that
        stays); its codings move there. Without that, nothing changes and an error says so.
        """
        merges = merges or {}
        with self._store.tx() as s:
            old_doc = codebook_doc(s)
            changes = cb.compare(old_doc, doc)
            self._check_removals(s, changes, doc, merges)
            if changes.empty:
                return changes
            coder_id = coder_row(s, coder)[0] if coder else None
            book = s.scalars(select(Codebook)).one()
            rows = {c.key: c for c in s.scalars(select(Code))}
            for code, _, _ in doc.walk():
                if code.id not in rows:
                    row = Code(codebook_id=book.id, key=code.id, name=code.name, guid=new_guid(), position=0)
                    s.add(row)
                    rows[code.id] = row
            s.flush()
            for code_id, (parent, position) in doc.placement().items():
                row, code = rows[code_id], doc.by_id()[code_id]
                row.parent_id = rows[parent].id if parent else None
                row.position = position
                set_definition(row, code)
            s.flush()
            moved = 0
            for key in changes.removed:
                if key in merges:
                    moved += _move_codings(s, rows[key].id, rows[merges[key]].id)
            # Children before parents: every removed code's parent is removed too or stays.
            for key in sorted(changes.removed, key=lambda k: -_depth(rows, rows[k])):
                s.execute(delete(Suggestion).where(Suggestion.code_id == rows[key].id))
                s.delete(rows[key])
                s.flush()
            book.name, book.description, book.source = doc.name, doc.description, doc.source
            book.version += 1
            book.updated_at = utcnow()
            log_event(
                s,
                coder_id,
                "codebook.update",
                {
                    "changes": changes.lines(),
                    "merges": merges,
                    "codings_moved": moved,
                    "before": cb.codebook_to_dict(old_doc),
                    "after": cb.codebook_to_dict(doc),
                },
            )
            return changes

    def _check_removals(
        self, s: Session, changes: cb.CodebookChanges, doc: cb.CodebookDoc, merges: dict[str, str]
    ) -> None:
        new_ids = doc.by_id()
        for old, new in merges.items():
            if old not in changes.removed:
                raise QualcodeError(f"--merge {old}={new}: {old!r} is not removed by this codebook")
            if new not in new_ids:
                raise QualcodeError(f"--merge {old}={new}: {new!r} is not a code in the new codebook")
        for key in changes.removed:
            if key in merges:
                continue
            code_id = s.scalar(select(Code.id).where(Code.key == key))
            n_codings = s.scalar(select(func.count()).select_from(Coding).where(Coding.code_id == code_id)) or 0
            n_memos = s.scalar(select(func.count()).select_from(Memo).where(Memo.code_id == code_id)) or 0
            if n_codings or n_memos:
                what = f"{n_codings} codings" + (f" and {n_memos} memos" if n_memos else "")
                raise QualcodeError(
                    f"the new codebook drops {key!r}, which has {what}; "
                    f"say where they go with --merge {key}=OTHER_ID, or keep the code"
                )

    def add_code(
        self,
        name: str,
        parent_key: str | None = None,
        key: str | None = None,
        coder: str | None = None,
        **definition: Any,  # fields of cb.DEFINITION_FIELDS, checked here
    ) -> CodeInfo:
        name = name.strip()
        if not name:
            raise QualcodeError("a code needs a name")
        check_length("code name", name, "the new code")
        with self._store.tx() as s:
            coder_id = coder_row(s, coder)[0] if coder else None
            book = s.scalars(select(Codebook)).one()
            parent = code_row(s, parent_key) if parent_key else None
            parent_id = parent.id if parent else None
            _check_sibling_name(s, parent_id, name)
            if key is None:
                key = _unique_key(s, (parent.key + "." if parent else "") + cb.slug(name))
            elif not cb.ID_PATTERN.match(key):
                raise QualcodeError(f"invalid code id {key!r}: use lower-case letters, digits, '_', '-' and '.'")
            elif s.scalar(select(Code.id).where(Code.key == key)):
                raise QualcodeError(f"a code with id {key!r} already exists")
            check_length("code id", key, "the new code")  # ids made from deep parents' ids can grow long
            position = s.scalar(
                select(func.coalesce(func.max(Code.position) + 1, 0)).where(
                    Code.parent_id.is_(parent_id) if parent_id is None else Code.parent_id == parent_id
                )
            )
            row = Code(codebook_id=book.id, key=key, name=name, parent_id=parent_id, position=position, guid=new_guid())
            set_definition(row, cb.CodeDef(id=key, name=name, **_definition_fields(definition)))
            s.add(row)
            s.flush()
            bump_codebook_version(s)
            log_event(s, coder_id, "code.add", {"code": code_dict(row)})
            return code_infos(s, only=key)[0]

    def update_code(self, key: str, coder: str | None = None, **changes: Any) -> CodeInfo:
        """Rename or redefine a code (name, description, include, exclude, example, keywords, color)."""
        allowed = set(cb.CODE_FIELDS)
        unknown = set(changes) - allowed
        if unknown:
            raise QualcodeError(f"cannot change {', '.join(sorted(unknown))} of a code")
        with self._store.tx() as s:
            coder_id = coder_row(s, coder)[0] if coder else None
            row = code_row(s, key)
            if "name" in changes:
                changes["name"] = (changes["name"] or "").strip()
                if not changes["name"]:
                    raise QualcodeError("a code needs a name")
                check_length("code name", changes["name"], f"code {key}")
                _check_sibling_name(s, row.parent_id, changes["name"], exclude_id=row.id)
            if "keywords" in changes:
                changes["keywords"] = [k.strip() for k in changes["keywords"] if k and k.strip()]
            if changes.get("color") and not cb.COLOR_PATTERN.match(changes["color"]):
                raise QualcodeError(f"colour {changes['color']!r} must look like #1f77b4")
            before = {f: getattr(row, f) for f in changes}
            for f, v in changes.items():
                setattr(row, f, v)
            bump_codebook_version(s)
            log_event(s, coder_id, "code.update", {"code_id": row.id, "key": key, "before": before, "after": changes})
            return code_infos(s, only=key)[0]

    def move_code(
        self, key: str, new_parent_key: str | None, position: int | None = None, coder: str | None = None
    ) -> CodeInfo:
        with self._store.tx() as s:
            coder_id = coder_row(s, coder)[0] if coder else None
            row = code_row(s, key)
            parent = code_row(s, new_parent_key) if new_parent_key else None
            ancestor = parent
            while ancestor is not None:
                if ancestor.id == row.id:
                    raise QualcodeError(f"cannot move {key!r} under its own descendant {new_parent_key!r}")
                ancestor = s.get(Code, ancestor.parent_id) if ancestor.parent_id else None
            new_parent_id = parent.id if parent else None
            _check_sibling_name(s, new_parent_id, row.name, exclude_id=row.id)
            before = {"parent_id": row.parent_id, "position": row.position}
            siblings = [c for c in children(s, new_parent_id) if c.id != row.id]
            position = len(siblings) if position is None else max(0, min(position, len(siblings)))
            siblings.insert(position, row)
            row.parent_id = new_parent_id
            for index, code in enumerate(siblings):
                code.position = index
            s.flush()
            renumber(s, before["parent_id"])
            bump_codebook_version(s)
            log_event(
                s,
                coder_id,
                "code.update",
                {
                    "code_id": row.id,
                    "key": key,
                    "before": before,
                    "after": {"parent_id": new_parent_id, "position": position},
                },
            )
            return code_infos(s, only=key)[0]

    def delete_code(self, key: str, coder: str | None = None) -> None:
        """Delete a code that has no codings, memos or children (merge it otherwise)."""
        with self._store.tx() as s:
            coder_id = coder_row(s, coder)[0] if coder else None
            row = code_row(s, key)
            if children(s, row.id):
                raise QualcodeError(f"{key!r} has sub-codes; move or delete them first")
            n = s.scalar(select(func.count()).select_from(Coding).where(Coding.code_id == row.id))
            m = s.scalar(select(func.count()).select_from(Memo).where(Memo.code_id == row.id))
            if n or m:
                raise QualcodeError(
                    f"{key!r} has {n} codings and {m} memos; merge it into another code instead of deleting it"
                )
            payload = {"code": code_dict(row)}
            s.execute(delete(Suggestion).where(Suggestion.code_id == row.id))
            s.delete(row)
            s.flush()
            renumber(s, payload["code"]["parent_id"])
            bump_codebook_version(s)
            log_event(s, coder_id, "code.delete", payload)

    def merge_code(self, source_key: str, target_key: str, coder: str | None = None) -> int:
        """Move every coding and memo of ``source`` to ``target`` and delete ``source``."""
        if source_key == target_key:
            raise QualcodeError("cannot merge a code into itself")
        with self._store.tx() as s:
            coder_id = coder_row(s, coder)[0] if coder else None
            src, dst = code_row(s, source_key), code_row(s, target_key)
            if children(s, src.id):
                raise QualcodeError(f"{source_key!r} has sub-codes; move them first")
            codings = [coding_dict(c) for c in s.scalars(select(Coding).where(Coding.code_id == src.id))]
            memos = [m.id for m in s.scalars(select(Memo).where(Memo.code_id == src.id))]
            existing = {
                (c.coder_id, c.segment_id, c.start, c.end)
                for c in s.scalars(select(Coding).where(Coding.code_id == dst.id))
            }
            moved, dropped = [], []
            for c in codings:
                if (c["coder_id"], c["segment_id"], c["start"], c["end"]) in existing:
                    dropped.append(c)
                    s.execute(delete(Coding).where(Coding.id == c["id"]))
                else:
                    moved.append(c["id"])
            if moved:
                s.execute(update(Coding).where(Coding.id.in_(moved)).values(code_id=dst.id))
            if memos:
                s.execute(update(Memo).where(Memo.id.in_(memos)).values(code_id=dst.id))
            payload: dict[str, Any] = {
                "source": code_dict(src),
                "target_id": dst.id,
                "moved": moved,
                "dropped": dropped,
                "memos": memos,
            }
            s.execute(delete(Suggestion).where(Suggestion.code_id == src.id))
            s.delete(src)
            s.flush()
            renumber(s, payload["source"]["parent_id"])
            bump_codebook_version(s)
            log_event(s, coder_id, "code.merge", payload)
            return len(moved) + len(dropped)


def _move_codings(s: Session, source_id: int, target_id: int) -> int:
    existing = {
        (c.coder_id, c.segment_id, c.start, c.end) for c in s.scalars(select(Coding).where(Coding.code_id == target_id))
    }
    moved = 0
    for c in list(s.scalars(select(Coding).where(Coding.code_id == source_id))):
        if (c.coder_id, c.segment_id, c.start, c.end) in existing:
            s.delete(c)
        else:
            c.code_id = target_id
        moved += 1
    s.execute(update(Memo).where(Memo.code_id == source_id).values(code_id=target_id))
    s.flush()
    return moved


def _depth(rows: dict[str, Code], row: Code) -> int:
    return codetree.depth({r.id: r.parent_id for r in rows.values()}, row.id)


def _check_sibling_name(s: Session, parent_id: int | None, name: str, exclude_id: int | None = None) -> None:
    for sibling in children(s, parent_id):
        if sibling.id != exclude_id and sibling.name.casefold() == name.casefold():
            raise QualcodeError(f"a sibling code is already called {name!r}")


def _unique_key(s: Session, key: str) -> str:
    existing = set(s.scalars(select(Code.key)))
    candidate, n = key, 2
    while candidate in existing:
        candidate, n = f"{key}_{n}", n + 1
    return candidate


def _definition_fields(values: dict[str, Any]) -> dict[str, Any]:
    allowed = set(cb.DEFINITION_FIELDS)
    unknown = set(values) - allowed
    if unknown:
        raise QualcodeError(f"unknown code fields: {', '.join(sorted(unknown))}")
    out = dict(values)
    if "keywords" in out:
        out["keywords"] = tuple(out["keywords"] or ())
    return out


# ---------------------------------------------------------------------- this part's event kinds


def _undo_code_add(c: events.Change) -> None:
    s = c.s
    row = events.same_row(s, Code, c.payload["code"])
    if row is None:
        raise GoneSince("that code was removed since")
    if s.scalar(select(func.count()).select_from(Coding).where(Coding.code_id == row.id)) or children(s, row.id):
        raise QualcodeError(f"cannot undo adding {row.key!r}: it has codings or sub-codes now")
    s.execute(delete(Memo).where(Memo.code_id == row.id))
    s.execute(delete(Suggestion).where(Suggestion.code_id == row.id))
    s.delete(row)
    _changed(s)


def _redo_code_add(c: events.Change) -> None:
    c.s.add(Code(**c.payload["code"]))
    _changed(c.s)


def _set_code_fields(c: events.Change, side: str) -> None:
    """Undo (``before``) or redo (``after``) a rename, move or redefinition."""
    row = c.s.get(Code, c.payload["code_id"])
    if row is None:
        raise GoneSince("that code was removed since")
    moved_from = row.parent_id
    for f, v in c.payload[side].items():
        setattr(row, f, v)
    c.s.flush()
    renumber(c.s, moved_from)
    renumber(c.s, row.parent_id)
    _changed(c.s)


def _undo_code_delete(c: events.Change) -> None:
    c.s.add(Code(**c.payload["code"]))
    _changed(c.s)


def _redo_code_delete(c: events.Change) -> None:
    row = events.same_row(c.s, Code, c.payload["code"])
    if row is not None:
        c.s.delete(row)
    _changed(c.s)


def _undo_code_merge(c: events.Change) -> None:
    s, p = c.s, c.payload
    s.add(Code(**p["source"]))
    s.flush()
    if p["moved"]:
        s.execute(update(Coding).where(Coding.id.in_(p["moved"])).values(code_id=p["source"]["id"]))
    for coding in p["dropped"]:
        restore_coding(s, coding)
    if p["memos"]:
        s.execute(update(Memo).where(Memo.id.in_(p["memos"])).values(code_id=p["source"]["id"]))
    _changed(s)


def _redo_code_merge(c: events.Change) -> None:
    s, p = c.s, c.payload
    if p["moved"]:
        s.execute(update(Coding).where(Coding.id.in_(p["moved"])).values(code_id=p["target_id"]))
    for coding in p["dropped"]:
        s.execute(delete(Coding).where(Coding.id == coding["id"]))
    if p["memos"]:
        s.execute(update(Memo).where(Memo.id.in_(p["memos"])).values(code_id=p["target_id"]))
    s.flush()
    row = s.get(Code, p["source"]["id"])
    if row is not None:
        s.delete(row)
    _changed(s)


def _changed(s: Session) -> None:
    s.flush()
    bump_codebook_version(s)


def _code_fields(p: dict[str, Any]) -> dict[str, Any]:
    code = p.get("code", {})
    return {"code_ids": (code.get("id"),), "code_key": code.get("key"), "code_name": code.get("name")}


def _update_fields(p: dict[str, Any]) -> dict[str, Any]:
    before, after = p.get("before", {}), p.get("after", {})
    parents = (
        tuple(dict.fromkeys(x for x in (before.get("parent_id"), after.get("parent_id")) if x is not None))
        if "parent_id" in after
        else ()
    )
    return {
        "code_ids": (p.get("code_id"), *parents),
        "code_key": p.get("key"),
        "changes": tuple(FieldChange(f, before.get(f), v) for f, v in after.items()),
    }


def _merge_fields(p: dict[str, Any]) -> dict[str, Any]:
    source = p.get("source", {})
    return {
        "code_ids": (source.get("id"), p.get("target_id")),
        "code_key": source.get("key"),
        "code_name": source.get("name"),
    }


events.register("code.add", undo=_undo_code_add, redo=_redo_code_add, fields=_code_fields)
events.register(
    "code.update",
    undo=lambda c: _set_code_fields(c, "before"),
    redo=lambda c: _set_code_fields(c, "after"),
    fields=_update_fields,
)
events.register("code.delete", undo=_undo_code_delete, redo=_redo_code_delete, fields=_code_fields)
events.register("code.merge", undo=_undo_code_merge, redo=_redo_code_merge, fields=_merge_fields)
events.register("codebook.update")
