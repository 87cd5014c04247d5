"""Team coding: merging another project file into this one, and blank copies for blind coding.

Matching rules: transcripts by content hash (sha256), codes by ``id``, coders by name, memos by
GUID, codings by (coder, code, transcript, start, end), framework matrices by name and their
summaries by (matrix, row, column). Offsets are into identical texts, so a
coding lands in whichever segment holds it here even if the two projects split turns
differently. Conflicts are reported and resolved only by an explicit option; what a merge
leaves as it is here (a summary or memo that differs, a code deleted there) is named in its notes.
Both projects must be of one study (the ``study.guid`` setting, or shared GUIDs for older ones).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from qualcode import codebook as cb
from qualcode import codetree
from qualcode.db.models import (
    Code,
    Codebook,
    Coder,
    Coding,
    Event,
    Matrix,
    MatrixCell,
    Memo,
    Participant,
    ProjectInfo,
    Segment,
    Transcript,
)
from qualcode.errors import QualcodeError
from qualcode.project import events
from qualcode.project.codebook import CodebookPart
from qualcode.project.coders import (
    active_coder_ids,
    effective_changes,
    has_work,
    merge_in,
    remove_in,
    rename_in,
    restore,
)
from qualcode.project.settings import SettingsPart
from qualcode.segments import place_span
from qualcode.store import (
    SEGMENTS_TABLE,
    Store,
    index_segments,
    new_guid,
)

CODE_FIELDS = cb.CODE_FIELDS
CODEBOOK_CHOICES = ("ours", "theirs")
CODER_CHOICES = ("union", "ours", "theirs")

STUDY_KEY = "study.guid"
"""The ``project_info`` key of a project's study id: made by ``init``, carried by ``copy`` and ``split``."""


@dataclass(frozen=True)
class NewProject:
    """A project to create: where, its codebook and name, and what to put in it before it exists."""

    location: str | None
    codebook: cb.CodebookDoc | None
    name: str | None
    fill: Callable[[Session], None] | None = None
    """Run in the creating transaction after the codebook is in: its rows are part of the new project or none is."""


CreateStores = Callable[[list[NewProject]], list[Store]]
"""Makes new projects' stores, all built before any appears: how ``copy`` and ``split`` make their copies."""


Snapshot = dict[str, Any]
"""A project's codebook, transcripts, coders, codings and memos as plain data keyed for matching."""


@dataclass
class MergePlan:
    """What a merge would do (or did), and the conflicts that stop it."""

    transcripts_added: list[str] = field(default_factory=list)
    codes_added: list[str] = field(default_factory=list)
    codes_updated: list[str] = field(default_factory=list)
    coders_added: list[str] = field(default_factory=list)
    coders_changed: list[str] = field(default_factory=list)
    """Renames, merges and removals of coders made there and carried here, as lines."""
    codings_added: dict[str, int] = field(default_factory=dict)
    codings_removed: dict[str, int] = field(default_factory=dict)
    memos_added: int = 0
    memos_updated: int = 0
    matrices_added: list[str] = field(default_factory=list)
    matrix_cells_added: int = 0
    matrix_cells_updated: int = 0
    cells_replaced: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What differs and is left as it is here (kept summaries and memos, codes deleted there): never silent."""
    conflicts: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.transcripts_added
            or self.codes_added
            or self.codes_updated
            or self.coders_added
            or self.coders_changed
            or any(self.codings_added.values())
            or any(self.codings_removed.values())
            or self.memos_added
            or self.memos_updated
            or self.matrices_added
            or self.matrix_cells_added
            or self.matrix_cells_updated
        )

    def lines(self) -> list[str]:
        out = [f"add transcript {n}" for n in self.transcripts_added]
        out += [f"add code {k}" for k in self.codes_added]
        out += [f"update code {k} (theirs)" for k in self.codes_updated]
        out += self.coders_changed
        out += [f"add coder {n}" for n in self.coders_added]
        out += [f"add {n} codings by {c}" for c, n in sorted(self.codings_added.items()) if n]
        out += [
            f"remove {n} codings by {c} (theirs replaces ours)" for c, n in sorted(self.codings_removed.items()) if n
        ]
        if self.memos_added:
            out.append(f"add {self.memos_added} memos")
        if self.memos_updated:
            out.append(f"update {self.memos_updated} memos")
        out += [f"add matrix {n}" for n in self.matrices_added]
        if self.matrix_cells_added:
            out.append(f"add {self.matrix_cells_added} matrix summaries")
        out += self.cells_replaced
        return out


class TeamPart:
    def __init__(
        self, store: Store, settings: SettingsPart, codebook: CodebookPart, create_stores: CreateStores
    ) -> None:
        self._create_stores = create_stores
        self._store = store
        self._settings = settings
        self._codebook = codebook

    def merge_from(
        self,
        other: TeamPart,
        dry_run: bool = False,
        codebook: str | None = None,
        coders: str | None = None,
        only_coders: list[str] | None = None,
        force: bool = False,
    ) -> MergePlan:
        """Bring ``other``'s coders, codings, memos, codebook changes and new transcripts into this project.

        ``codebook``: how to resolve a code id defined differently in both (``ours`` keeps this
        project's definition, ``theirs`` takes the other's). ``coders``: how to resolve a coder
        whose work differs in both (``union`` keeps both sets of codings, ``ours`` ignores the
        other's, ``theirs`` replaces ours). A coder whose work here is a subset of theirs is
        simply brought up to date. With unresolved conflicts nothing changes and the plan lists them.
        A project of another study (see ``different_study``) is refused unless ``force``.
        """
        if codebook not in (None, *CODEBOOK_CHOICES):
            raise QualcodeError(f"--codebook must be one of {', '.join(CODEBOOK_CHOICES)}")
        if coders not in (None, *CODER_CHOICES):
            raise QualcodeError(f"--coders must be one of {', '.join(CODER_CHOICES)}")
        if not force:
            reason = self.different_study(other)
            if reason:
                raise QualcodeError(f"{other.location} {reason}; nothing was merged (--force merges it anyway)")
        theirs = other.snapshot(only_coders)
        if only_coders:
            missing = sorted(set(only_coders) - set(theirs["coders"]))
            if missing:
                raise QualcodeError(f"the other project has no coder {missing[0]!r}")
        plan = MergePlan()
        with self._store.read() as s:  # what this project is with their coder changes carried (rolled back)
            plan.coders_changed = carry_coder_changes(s, theirs["coder_changes"], only_coders)
            ours = _snapshot_session(s, None)
            s.rollback()
        self._plan_merge(ours, theirs, plan, codebook, coders)
        if plan.conflicts or dry_run or plan.empty:
            return plan
        with self._store.tx() as s:  # plan again inside the write transaction: nobody changed it meanwhile
            plan = MergePlan()
            plan.coders_changed = carry_coder_changes(s, theirs["coder_changes"], only_coders)
            ours = _snapshot_session(s, None)
            self._plan_merge(ours, theirs, plan, codebook, coders)
            if plan.conflicts:
                return plan
            self._apply_merge(s, ours, theirs, plan, codebook, coders)
            s.add(Event(coder_id=None, kind="project.merge", payload={"from": other.location, "changes": plan.lines()}))
        return plan

    def copy_for_coder(self, target: str, coder: str) -> Store:
        """A new project at ``target`` with this project's codebook and transcripts and only ``coder``'s work."""
        return self.copies_for_coders([(target, coder)])[0]

    def copies_for_coders(self, targets: list[tuple[str, str]]) -> list[Store]:
        """One copy per (target, coder), as ``copy_for_coder`` makes it; all of them, or none.

        Every copy is built whole under a hidden name before the first takes its own name, so an
        error, a full disk or a kill leaves no half-made copy that would open, pass ``check`` and
        block the retry.
        """
        for _, coder in targets:
            self._settings.coder(coder)  # a clear error for an unknown coder, before anything is built
        study = self.study_id(create=True) or new_guid()
        doc = self._codebook.codebook_doc()
        version = self._codebook.codebook_version()
        base = self._settings.setting("name") or "project"

        def filler(coder: str) -> Callable[[Session], None]:
            def fill(s: Session) -> None:
                theirs = self.snapshot([coder])
                book = s.scalars(select(Codebook)).one()
                guids = {c["key"]: c["guid"] for c in theirs["codes"].values()}
                for row in s.scalars(select(Code)):
                    row.guid = guids[row.key]  # same GUIDs: exports of both projects line up
                book.version = version
                info = s.get(ProjectInfo, STUDY_KEY)
                if info is None:
                    s.add(ProjectInfo(key=STUDY_KEY, value=study))
                else:
                    info.value = study  # the same study: `merge` takes the copy back without --force
                ours = _snapshot_session(s, None)
                plan = MergePlan()
                self._plan_merge(ours, theirs, plan, None, None)
                self._apply_merge(s, ours, theirs, plan, None, None)
                s.add(Event(coder_id=None, kind="project.copy", payload={"from": self._store.location, "coder": coder}))

            return fill

        return self._create_stores(
            [NewProject(target, doc, f"{base} ({coder})", filler(coder)) for target, coder in targets]
        )

    def study_id(self, create: bool = False) -> str | None:
        """This project's study id; ``create`` gives one to a project made before study ids existed."""
        with self._store.read() as s:
            value = s.scalar(select(ProjectInfo.value).where(ProjectInfo.key == STUDY_KEY))
        if value or not create:
            return value
        try:
            with self._store.tx() as s:
                row = s.get(ProjectInfo, STUDY_KEY)
                if row is None:
                    row = ProjectInfo(key=STUDY_KEY, value=new_guid())
                    s.add(row)
                return row.value
        except OperationalError:  # a read-only project file: its copies still match it by GUIDs
            return None

    def different_study(self, other: TeamPart) -> str | None:
        """Why ``other`` is not the same study as this project, or None when it is.

        Projects made by ``init`` since study ids exist carry one, and ``copy``/``split`` give it to
        their copies: the ids are compared. A project from before has none; then the two are one
        study if they share a code or a transcript (by GUID), as copies of one project do.
        """
        mine, theirs = self.study_id(), other.study_id()
        if mine and theirs:
            return (
                None if mine == theirs else "is a different study (it was not made from this project by copy or split)"
            )
        with self._store.read() as s:
            codes, texts = set(s.scalars(select(Code.guid))), set(s.scalars(select(Transcript.guid)))
        with other._store.read() as s:
            shared = codes & set(s.scalars(select(Code.guid))) or texts & set(s.scalars(select(Transcript.guid)))
        if shared:
            return None
        return "shares no code and no transcript with this project: it looks like a different study"

    # ------------------------------------------------------------------ internals

    @property
    def location(self) -> str:
        return self._store.location

    def snapshot(self, only_coders: list[str] | None) -> Snapshot:
        """This project's coders, codes, transcripts, codings and memos as plain data (what a merge compares)."""
        with self._store.read() as s:
            return _snapshot_session(s, only_coders)

    def _plan_merge(
        self, ours: Snapshot, theirs: Snapshot, plan: MergePlan, codebook: str | None, coders: str | None
    ) -> None:
        for sha, t in theirs["transcripts"].items():
            if sha not in ours["transcripts"]:
                if t["name"] in {x["name"] for x in ours["transcripts"].values()}:
                    plan.conflicts.append(
                        f"transcript {t['name']!r} has different text in the two projects; rename one before merging"
                    )
                else:
                    plan.transcripts_added.append(t["name"])
        for key, c in theirs["codes"].items():
            mine = ours["codes"].get(key)
            if mine is None:
                plan.codes_added.append(key)
            elif _definition(mine) != _definition(c):
                if codebook == "theirs":
                    plan.codes_updated.append(key)
                elif codebook is None:
                    fields = [f for f in (*CODE_FIELDS, "parent") if _definition(mine)[f] != _definition(c)[f]]
                    plan.conflicts.append(
                        f"code {key!r} is defined differently ({', '.join(fields)}); choose --codebook ours or theirs"
                    )
        for key, merged_into in theirs["deleted_codes"].items():
            if key in ours["codes"] and key not in theirs["codes"]:
                how = f"merged into {merged_into!r}" if merged_into else "deleted"
                plan.notes.append(f"code {key!r} was {how} in the other project; it is kept here (not merged)")
        for name in theirs["coders"]:
            if name not in ours["coders"]:
                plan.coders_added.append(name)
        for name in theirs["coders"]:
            mine = {k for k in ours["codings"] if k[0] == name}
            other = {k for k in theirs["codings"] if k[0] == name}
            new = other - mine
            gone = mine - other
            if gone and new and coders is None:
                plan.conflicts.append(
                    f"coder {name!r} has different work in the two projects "
                    f"({len(gone)} codings only here, {len(new)} only there); choose --coders union, ours or theirs"
                )
                continue
            if coders == "ours" and mine:
                continue
            plan.codings_added[name] = len(new)
            if coders == "theirs":
                plan.codings_removed[name] = len(gone)
        for guid, m in theirs["memos"].items():
            mine = ours["memos"].get(guid)
            if mine is None:
                plan.memos_added += 1
            elif mine["text"] != m["text"]:
                if coders == "theirs":
                    plan.memos_updated += 1
                elif coders is None:
                    plan.conflicts.append(
                        f"a memo by {m['coder']} on {_memo_place(m, theirs)} differs in the two projects; "
                        "choose --coders ours or theirs"
                    )
                else:
                    plan.notes.append(
                        f"keep ours: a memo by {m['coder']} on {_memo_place(m, theirs)} differs in the other project"
                    )
        for name, m in theirs["matrices"].items():
            mine = ours["matrices"].get(name)
            if mine is None:
                plan.matrices_added.append(name)
                continue
            if _layout(mine) != _layout(m):
                plan.conflicts.append(
                    f"matrix {name!r} has different rows or columns in the two projects; rename one before merging"
                )
                continue
            for cell, text in m["cells"].items():
                here = mine["cells"].get(cell)
                if here is None:
                    plan.matrix_cells_added += 1
                elif here["text"] != text["text"]:
                    where = f"the summary {cell[0]!r} × {cell[1]!r} of matrix {name!r}"
                    if coders == "theirs":
                        plan.matrix_cells_updated += 1
                        plan.cells_replaced.append(f"replace {where} with theirs")
                    elif coders is None:
                        plan.conflicts.append(f"{where} differs in the two projects; choose --coders ours or theirs")
                    else:  # a summary holds one text: union cannot keep both, so it keeps ours and says so
                        plan.notes.append(f"keep ours: {where} differs in the other project")
        for key in theirs["codings"]:
            sha = key[2]
            if sha in ours["transcripts"] or sha in theirs["transcripts"]:
                continue
            plan.conflicts.append(f"a coding points at a transcript missing from the other project ({sha[:12]})")
            break

    def _apply_merge(
        self, s: Session, ours: Snapshot, theirs: Snapshot, plan: MergePlan, codebook: str | None, coders: str | None
    ) -> None:

        book = s.scalars(select(Codebook)).one()
        # Participants and transcripts.
        participants = {p.label: p for p in s.scalars(select(Participant))}
        for sha, t in theirs["transcripts"].items():
            if t["name"] not in plan.transcripts_added:
                continue
            person = None
            if t["participant"]:
                p = t["participant"]
                person = participants.get(p["label"])
                if person is None:
                    person = Participant(
                        label=p["label"], attributes=p["attributes"], identifying=p["identifying"], guid=p["guid"]
                    )
                    s.add(person)
                    s.flush()
                    participants[p["label"]] = person
            row = Transcript(
                name=t["name"],
                sha256=sha,
                source_path=t["source_path"],
                format=t["format"],
                text=t["text"],
                participant_id=person.id if person else None,
                meta=t["meta"],
                guid=t["guid"],
            )
            s.add(row)
            s.flush()
            s.execute(
                SEGMENTS_TABLE.insert(),
                [
                    {
                        "transcript_id": row.id,
                        "position": i,
                        "speaker": seg[0],
                        "start_offset": seg[1],
                        "end_offset": seg[2],
                        "time_start": seg[3],
                        "time_end": seg[4],
                    }
                    for i, seg in enumerate(t["segments"])
                ],
            )
            index_segments(s, row.id)
        # Codes: additions (parents first, in the other codebook's order) and chosen updates.
        rows = {c.key: c for c in s.scalars(select(Code))}
        for key, c in theirs["codes"].items():
            if key in plan.codes_added:
                code = Code(
                    codebook_id=book.id,
                    key=key,
                    position=c["position"],
                    guid=c["guid"],
                    parent_id=rows[c["parent"]].id if c["parent"] else None,
                    **{f: c[f] for f in CODE_FIELDS},
                )
                s.add(code)
                s.flush()
                rows[key] = code
            elif key in plan.codes_updated:
                code = rows[key]
                for f in CODE_FIELDS:
                    setattr(code, f, c[f])
                code.parent_id = rows[c["parent"]].id if c["parent"] else None
        if plan.codes_added or plan.codes_updated:
            book.version += 1
        # Coders.
        coder_ids = {c.name: c.id for c in s.scalars(select(Coder))}
        for name in plan.coders_added:
            if name in coder_ids:  # removed here, working there: back
                restore(s, coder_ids[name])
                continue
            coder = Coder(name=name)
            s.add(coder)
            s.flush()
            coder_ids[name] = coder.id
        # Codings.
        transcripts = {t.sha256: t for t in s.scalars(select(Transcript))}
        segments: dict[int, tuple[list[int], list[tuple[int, int, int]]]] = {}
        for t in transcripts.values():
            rows_here = s.execute(
                select(Segment.id, Segment.start, Segment.end)
                .where(Segment.transcript_id == t.id)
                .order_by(Segment.position)
            ).all()
            segments[t.id] = ([a for _, a, _ in rows_here], [(sid, a, b) for sid, a, b in rows_here])
        guid_map: dict[str, int] = {}
        for name in theirs["coders"]:
            if name not in plan.codings_added:
                continue
            if plan.codings_removed.get(name):
                gone = [ours["codings"][k] for k in ours["codings"] if k[0] == name and k not in theirs["codings"]]
                s.execute(delete(Coding).where(Coding.id.in_([g["id"] for g in gone])))
            for key, c in theirs["codings"].items():
                if key[0] != name or key in ours["codings"]:
                    continue
                t = transcripts[key[2]]
                starts, segs = segments[t.id]
                # one coding may run over several turns (qualcode.project.placement); its edges must
                # still fall inside turns here, as they did in the project it comes from
                placed = place_span([(a, b) for _, a, b in segs], key[3], key[4], starts)
                if placed is None or placed[2:] != (key[3], key[4]):
                    raise QualcodeError(
                        f"a coding by {name} in {t.name!r} ({key[3]}-{key[4]}) begins or ends between turns here; "
                        "import the transcript with the same --max-segment-chars in both projects"
                    )
                index = placed[0]
                coding = Coding(
                    code_id=rows[key[1]].id,
                    coder_id=coder_ids[name],
                    transcript_id=t.id,
                    segment_id=segs[index][0],
                    start=key[3],
                    end=key[4],
                    origin=c["origin"],
                    guid=c["guid"] or new_guid(),
                )
                s.add(coding)
                s.flush()
                guid_map[c["guid"]] = coding.id
        # Memos.
        existing = {m.guid: m for m in s.scalars(select(Memo))}
        coding_by_guid = {c.guid: c.id for c in s.scalars(select(Coding))}
        seg_by_position = {
            (t.sha256, pos): sid
            for t in transcripts.values()
            for sid, pos in s.execute(select(Segment.id, Segment.position).where(Segment.transcript_id == t.id))
        }
        for guid, m in theirs["memos"].items():
            if guid in existing:
                if coders == "theirs" and existing[guid].text != m["text"]:
                    existing[guid].text = m["text"]
                continue
            target = _memo_target_here(m, rows, transcripts, coding_by_guid, seg_by_position)
            if target is None or m["coder"] not in coder_ids:
                continue
            s.add(Memo(coder_id=coder_ids[m["coder"]], text=m["text"], guid=guid, **target))
        s.flush()
        # Framework matrices and their summaries.
        matrices = {m.name: m for m in s.scalars(select(Matrix))}
        for name, m in theirs["matrices"].items():
            stored = matrices.get(name)
            if stored is None:
                if name not in plan.matrices_added:
                    continue
                stored = Matrix(name=name, guid=m["guid"], **_layout(m), description=m["description"])
                s.add(stored)
                s.flush()
            elif _layout(ours["matrices"][name]) != _layout(m):
                continue
            mine = ours["matrices"].get(name, {"cells": {}})["cells"]
            for (r, c), cell in m["cells"].items():
                here = mine.get((r, c))
                coder_id = coder_ids.get(cell["coder"]) if cell["coder"] else None
                if here is None:
                    s.add(
                        MatrixCell(matrix_id=stored.id, row_label=r, column_key=c, text=cell["text"], coder_id=coder_id)
                    )
                elif here["text"] != cell["text"] and coders == "theirs":
                    existing_cell = s.get(MatrixCell, here["id"])
                    if existing_cell is not None:  # read in this transaction a moment ago
                        existing_cell.text, existing_cell.coder_id = cell["text"], coder_id
        s.flush()


def _layout(m: dict[str, Any]) -> dict[str, Any]:
    return {"rows_by": m["rows_by"], "rows": list(m["rows"]), "columns": list(m["columns"])}


def _definition(code: dict[str, Any]) -> dict[str, Any]:
    return {**{f: code[f] for f in CODE_FIELDS}, "parent": code["parent"]}


def _memo_place(m: dict[str, Any], snapshot: Snapshot) -> str:
    """Where a memo is, in words: "code 'x'", "segment 3 of 'T'", "transcript 'T'" or "a coding"."""
    kind, ref = m["target"]
    names = {sha: t["name"] for sha, t in snapshot["transcripts"].items()}
    if kind == "code":
        return f"code {ref!r}"
    if kind == "transcript":
        return f"transcript {names.get(str(ref), '?')!r}"
    if kind == "segment":
        sha, position = ref
        return f"segment {position + 1} of {names.get(sha, '?')!r}"
    return "a coding"


def _memo_target_here(
    m: dict[str, Any],
    codes: dict[str, Code],
    transcripts: dict[str, Transcript],
    coding_by_guid: dict[str, int],
    seg_by_position: dict[tuple[str, int], int],
) -> dict[str, int] | None:
    kind, ref = m["target"]
    if kind == "code" and ref in codes:
        return {"code_id": codes[ref].id}
    if kind == "transcript" and ref in transcripts:
        return {"transcript_id": transcripts[ref].id}
    if kind == "coding" and ref in coding_by_guid:
        return {"coding_id": coding_by_guid[ref]}
    if kind == "segment" and tuple(ref) in seg_by_position:
        return {"segment_id": seg_by_position[tuple(ref)]}
    return None


def _snapshot_session(s: Session, only_coders: list[str] | None) -> Snapshot:
    """Everything a merge compares, keyed by the cross-project identities."""
    by_id = {c.id: c for c in s.scalars(select(Code))}
    codes = {}
    for c in by_id.values():
        codes[c.key] = {
            "key": c.key,
            "guid": c.guid,
            "position": c.position,
            "parent": by_id[c.parent_id].key if c.parent_id else None,
            **{f: (list(c.keywords or []) if f == "keywords" else getattr(c, f)) for f in CODE_FIELDS},
        }
    parents = {key: c["parent"] for key, c in codes.items()}
    codes = dict(sorted(codes.items(), key=lambda kv: (codetree.depth(parents, kv[0]), kv[1]["position"])))
    people = {p.id: p for p in s.scalars(select(Participant))}
    transcripts, sha_of = {}, {}
    for t in s.scalars(select(Transcript)):
        sha_of[t.id] = t.sha256
        p = people.get(t.participant_id) if t.participant_id is not None else None
        segs = s.execute(
            select(Segment.speaker, Segment.start, Segment.end, Segment.time_start, Segment.time_end)
            .where(Segment.transcript_id == t.id)
            .order_by(Segment.position)
        ).all()
        transcripts[t.sha256] = {
            "name": t.name,
            "text": t.text,
            "format": t.format,
            "source_path": t.source_path,
            "meta": t.meta,
            "guid": t.guid,
            "segments": [tuple(x) for x in segs],
            "participant": {"label": p.label, "attributes": p.attributes, "identifying": p.identifying, "guid": p.guid}
            if p
            else None,
        }
    coder_names = {c.id: c.name for c in s.scalars(select(Coder))}
    active = {coder_names[i] for i in active_coder_ids(s, coder_names)}
    keep = set(only_coders) if only_coders else set(coder_names.values())
    codings = {}
    coding_guid = {}
    for coding in s.scalars(select(Coding)):
        name = coder_names[coding.coder_id]
        coding_guid[coding.id] = coding.guid
        if name in keep:
            codings[(name, by_id[coding.code_id].key, sha_of[coding.transcript_id], coding.start, coding.end)] = {
                "id": coding.id,
                "guid": coding.guid,
                "origin": coding.origin,
            }
    positions = {
        sid: (sha_of[tid], pos)
        for sid, tid, pos in s.execute(select(Segment.id, Segment.transcript_id, Segment.position))
    }
    memos = {}
    for m in s.scalars(select(Memo)):
        name = coder_names[m.coder_id]
        if name not in keep:
            continue
        target: tuple[str, str | tuple[str, int]]
        if m.code_id:
            target = ("code", by_id[m.code_id].key)
        elif m.transcript_id:
            target = ("transcript", sha_of[m.transcript_id])
        elif m.coding_id:
            target = ("coding", coding_guid[m.coding_id])
        elif m.segment_id is not None:
            target = ("segment", positions[m.segment_id])
        else:
            raise AssertionError("memo without a target")  # the memos table's check prevents this
        memos[m.guid] = {"coder": name, "text": m.text, "target": target}
    matrices: dict[str, dict[str, Any]] = {}
    for matrix in s.scalars(select(Matrix)):
        cells = {
            (c.row_label, c.column_key): {
                "id": c.id,
                "text": c.text,
                "coder": coder_names.get(c.coder_id) if c.coder_id is not None else None,
            }
            for c in s.scalars(select(MatrixCell).where(MatrixCell.matrix_id == matrix.id))
        }
        matrices[matrix.name] = {
            "guid": matrix.guid,
            "description": matrix.description,
            "rows_by": matrix.rows_by,
            "rows": list(matrix.rows),
            "columns": list(matrix.columns),
            "cells": cells,
        }
    deleted_codes: dict[str, str | None] = {}  # key -> the code it was merged into (None: deleted)
    for kind, payload in s.execute(
        select(Event.kind, Event.payload).where(Event.kind.in_(("code.delete", "code.merge"))).order_by(Event.id)
    ):
        if kind == "code.delete":
            deleted_codes[payload["code"]["key"]] = None
        else:
            into = by_id.get(payload.get("target_id"))
            deleted_codes[payload["source"]["key"]] = into.key if into is not None else "another code"
    return {
        "deleted_codes": deleted_codes,
        "codes": codes,
        "transcripts": transcripts,
        "coders": sorted(keep & active),
        "coder_changes": effective_changes(s),
        "codings": codings,
        "memos": memos,
        "matrices": matrices,
    }


def carry_coder_changes(
    s: Session, changes: list[tuple[str, dict[str, Any]]], only_coders: list[str] | None
) -> list[str]:
    """Make here, in ``s``, the renames, merges and removals of coders the other project made (by
    name, oldest first) that still apply: a rename whose old name is a coder here and whose new one
    is not, a merge whose source is a coder here (into the target, or renamed to it when the
    target is not here yet), a removal of a coder without work. Each is logged as the same
    undoable event here. Returns what was done, as plan lines."""
    lines: list[str] = []
    for kind, p in changes:
        names = [p.get(k) for k in ("before", "after", "source", "target", "name") if p.get(k)]
        if only_coders and not set(names) & set(only_coders):
            continue
        here = {c.name: c.id for c in s.scalars(select(Coder))}
        live = set(active_coder_ids(s, here.values()))
        if kind == "coder.rename" and here.get(p["before"]) in live and p["after"] not in here:
            rename_in(s, here[p["before"]], p["before"], p["after"])
            lines.append(f"rename coder {p['before']} to {p['after']} (as there)")
        elif kind == "coder.merge" and here.get(p["source"]) in live:
            if p["target"] not in here:
                rename_in(s, here[p["source"]], p["source"], p["target"])
            elif here[p["target"]] in live:
                merge_in(s, here[p["source"]], p["source"], here[p["target"]], p["target"])
            else:
                continue
            lines.append(f"merge coder {p['source']} into {p['target']} (as there)")
        elif kind == "coder.remove" and here.get(p["name"]) in live and not has_work(s, here[p["name"]]):
            remove_in(s, here[p["name"]], p["name"])
            lines.append(f"remove coder {p['name']} (as there)")
    s.flush()
    return lines


events.register(("project.create", "project.copy", "project.merge"))
