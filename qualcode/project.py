"""The one door to a project's data.

The CLI and the TUI call this module and nothing below it. Every change is one transaction
and one event in the append-only log; reads return plain records (``qualcode.records``).
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, Row, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from qualcode import codebook as cb
from qualcode.db import engine as dbengine
from qualcode.db.models import (
    Code,
    Codebook,
    Coder,
    Coding,
    Event,
    Memo,
    Participant,
    ProjectInfo,
    Segment,
    Suggestion,
    Transcript,
    utcnow,
)
from qualcode.errors import InputError, QualcodeError
from qualcode.ingest import codings as codings_format
from qualcode.ingest.transcripts import DEFAULT_MAX_SEGMENT_CHARS, ParsedTranscript
from qualcode.project_agreement import AgreementQueries
from qualcode.project_export import ExportQueries
from qualcode.project_suggest import (
    SUGGESTION_EVENTS,
    SuggestionQueries,
    describe_suggestion_event,
    undo_suggestion_event,
)
from qualcode.project_team import TeamOperations
from qualcode.project_workbench import WorkbenchQueries
from qualcode.records import (
    CodeInfo,
    CoderInfo,
    CodingInfo,
    CodingsImportOutcome,
    EventInfo,
    ImportOutcome,
    MemoInfo,
    ParticipantInfo,
    ProjectSummary,
    SegmentInfo,
    TranscriptInfo,
)

CODER_NAME = re.compile(r"^[\w][\w .'’\-@]{0,99}$")
MEMO_TARGETS = ("segment", "coding", "code", "transcript")
UNDOABLE = {
    "coding.add",
    "coding.remove",
    "memo.set",
    "code.add",
    "code.update",
    "code.delete",
    "code.merge",
    *SUGGESTION_EVENTS,
}
DEFAULT_SETTINGS = {"max_segment_chars": str(DEFAULT_MAX_SEGMENT_CHARS), "nlp.model": ""}


def new_guid() -> str:
    return str(uuid.uuid4())


class Project(WorkbenchQueries, TeamOperations, SuggestionQueries, AgreementQueries, ExportQueries):
    """An open project. Use ``Project.open`` / ``Project.create``; close when done."""

    def __init__(self, engine: Engine, location: str):
        self.engine = engine
        self.location = location
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, db: str | None = None) -> Project:
        url = dbengine.resolve_url(db)
        return cls(dbengine.open_engine(url), _display(url))

    @classmethod
    def create(cls, db: str | None = None, codebook: cb.CodebookDoc | None = None, name: str | None = None) -> Project:
        url = dbengine.resolve_url(db)
        engine = dbengine.open_engine(url, create=True)
        project = cls(engine, _display(url))
        try:
            with project._tx() as s:
                if s.scalar(select(func.count()).select_from(Codebook)):
                    raise QualcodeError(f"{project.location} is already a qualcode project")
                for key, value in DEFAULT_SETTINGS.items():
                    s.add(ProjectInfo(key=key, value=value))
                s.add(ProjectInfo(key="name", value=name or Path(project.location).stem))
                doc = codebook or cb.CodebookDoc(name="Codebook", codes=())
                book = Codebook(name=doc.name, description=doc.description, source=doc.source, version=1)
                s.add(book)
                s.flush()
                _insert_codes(s, book.id, doc)
                _log(s, None, "project.create", {"codebook": doc.name, "codes": len(doc.by_id())})
        except Exception:
            engine.dispose()
            raise
        return project

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """One transaction, committed (durably) before returning."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    # ------------------------------------------------------------------ settings

    def setting(self, key: str) -> str | None:
        with self._read() as s:
            return s.scalar(select(ProjectInfo.value).where(ProjectInfo.key == key))

    def set_setting(self, key: str, value: str) -> None:
        with self._tx() as s:
            row = s.get(ProjectInfo, key)
            before = row.value if row else None
            if row:
                row.value = value
            else:
                s.add(ProjectInfo(key=key, value=value))
            _log(s, None, "setting.set", {"key": key, "before": before, "after": value})

    @property
    def max_segment_chars(self) -> int:
        value = self.setting("max_segment_chars")
        return int(value) if value else DEFAULT_MAX_SEGMENT_CHARS

    # ------------------------------------------------------------------ coders

    def add_coder(self, name: str) -> CoderInfo:
        name = name.strip()
        if not CODER_NAME.match(name):
            raise QualcodeError(
                f"invalid coder name {name!r}: use letters, digits, spaces, '.', '-' (up to 100 characters)"
            )
        with self._tx() as s:
            if s.scalar(select(Coder.id).where(Coder.name == name)):
                raise QualcodeError(f"coder {name!r} already exists")
            coder = Coder(name=name)
            s.add(coder)
            s.flush()
            _log(s, coder.id, "coder.add", {"name": name})
            return CoderInfo(coder.id, coder.name)

    def coders(self) -> list[CoderInfo]:
        with self._read() as s:
            return [CoderInfo(c.id, c.name) for c in s.scalars(select(Coder).order_by(Coder.name))]

    def coder(self, name: str) -> CoderInfo:
        with self._read() as s:
            return CoderInfo(*_coder_row(s, name))

    # ------------------------------------------------------------------ codebook (reads)

    def codebook_version(self) -> int:
        with self._read() as s:
            return s.scalar(select(Codebook.version)) or 0

    def codes(self) -> list[CodeInfo]:
        """Every code in codebook order (depth first), colours inherited from ancestors."""
        with self._read() as s:
            return _code_infos(s)

    def code(self, key: str) -> CodeInfo:
        for info in self.codes():
            if info.key == key:
                return info
        raise QualcodeError(f"unknown code {key!r}; `qualcode codebook show` lists the codes")

    def codebook_doc(self) -> cb.CodebookDoc:
        with self._read() as s:
            return _codebook_doc(s)

    # ------------------------------------------------------------------ codebook (changes)

    def plan_codebook_update(self, doc: cb.CodebookDoc, merges: dict[str, str] | None = None) -> cb.CodebookChanges:
        """What ``update_codebook`` would change; raises if it would lose codings."""
        with self._read() as s:
            changes = cb.compare(_codebook_doc(s), doc)
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
        with self._tx() as s:
            old_doc = _codebook_doc(s)
            changes = cb.compare(old_doc, doc)
            self._check_removals(s, changes, doc, merges)
            if changes.empty:
                return changes
            coder_id = _coder_row(s, coder)[0] if coder else None
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
                _set_definition(row, code)
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
            _log(
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
        self, name: str, parent_key: str | None = None, key: str | None = None, coder: str | None = None, **definition
    ) -> CodeInfo:
        name = name.strip()
        if not name:
            raise QualcodeError("a code needs a name")
        with self._tx() as s:
            coder_id = _coder_row(s, coder)[0] if coder else None
            book = s.scalars(select(Codebook)).one()
            parent = _code_row(s, parent_key) if parent_key else None
            parent_id = parent.id if parent else None
            _check_sibling_name(s, parent_id, name)
            if key is None:
                key = _unique_key(s, (parent.key + "." if parent else "") + _slug(name))
            elif not cb.ID_PATTERN.match(key):
                raise QualcodeError(f"invalid code id {key!r}: use lower-case letters, digits, '_', '-' and '.'")
            elif s.scalar(select(Code.id).where(Code.key == key)):
                raise QualcodeError(f"a code with id {key!r} already exists")
            position = s.scalar(
                select(func.coalesce(func.max(Code.position) + 1, 0)).where(
                    Code.parent_id.is_(parent_id) if parent_id is None else Code.parent_id == parent_id
                )
            )
            row = Code(codebook_id=book.id, key=key, name=name, parent_id=parent_id, position=position, guid=new_guid())
            _set_definition(row, cb.CodeDef(id=key, name=name, **_definition_fields(definition)))
            s.add(row)
            s.flush()
            _bump(s)
            _log(s, coder_id, "code.add", {"code": _code_dict(row)})
            return _code_infos(s, only=key)[0]

    def update_code(self, key: str, coder: str | None = None, **changes) -> CodeInfo:
        """Rename or redefine a code (name, description, include, exclude, example, keywords, color)."""
        allowed = {"name", *cb.TEXT_FIELDS, "keywords", "color"}
        unknown = set(changes) - allowed
        if unknown:
            raise QualcodeError(f"cannot change {', '.join(sorted(unknown))} of a code")
        with self._tx() as s:
            coder_id = _coder_row(s, coder)[0] if coder else None
            row = _code_row(s, key)
            if "name" in changes:
                changes["name"] = (changes["name"] or "").strip()
                if not changes["name"]:
                    raise QualcodeError("a code needs a name")
                _check_sibling_name(s, row.parent_id, changes["name"], exclude_id=row.id)
            if "keywords" in changes:
                changes["keywords"] = [k.strip() for k in changes["keywords"] if k and k.strip()]
            if changes.get("color") and not cb.COLOR_PATTERN.match(changes["color"]):
                raise QualcodeError(f"colour {changes['color']!r} must look like #1f77b4")
            before = {f: getattr(row, f) for f in changes}
            for f, v in changes.items():
                setattr(row, f, v)
            _bump(s)
            _log(s, coder_id, "code.update", {"code_id": row.id, "key": key, "before": before, "after": changes})
            return _code_infos(s, only=key)[0]

    def move_code(
        self, key: str, new_parent_key: str | None, position: int | None = None, coder: str | None = None
    ) -> CodeInfo:
        with self._tx() as s:
            coder_id = _coder_row(s, coder)[0] if coder else None
            row = _code_row(s, key)
            parent = _code_row(s, new_parent_key) if new_parent_key else None
            ancestor = parent
            while ancestor is not None:
                if ancestor.id == row.id:
                    raise QualcodeError(f"cannot move {key!r} under its own descendant {new_parent_key!r}")
                ancestor = s.get(Code, ancestor.parent_id) if ancestor.parent_id else None
            new_parent_id = parent.id if parent else None
            _check_sibling_name(s, new_parent_id, row.name, exclude_id=row.id)
            before = {"parent_id": row.parent_id, "position": row.position}
            siblings = [c for c in _children(s, new_parent_id) if c.id != row.id]
            position = len(siblings) if position is None else max(0, min(position, len(siblings)))
            siblings.insert(position, row)
            row.parent_id = new_parent_id
            for index, code in enumerate(siblings):
                code.position = index
            s.flush()
            _renumber(s, before["parent_id"])
            _bump(s)
            _log(
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
            return _code_infos(s, only=key)[0]

    def delete_code(self, key: str, coder: str | None = None) -> None:
        """Delete a code that has no codings, memos or children (merge it otherwise)."""
        with self._tx() as s:
            coder_id = _coder_row(s, coder)[0] if coder else None
            row = _code_row(s, key)
            if _children(s, row.id):
                raise QualcodeError(f"{key!r} has sub-codes; move or delete them first")
            n = s.scalar(select(func.count()).select_from(Coding).where(Coding.code_id == row.id))
            m = s.scalar(select(func.count()).select_from(Memo).where(Memo.code_id == row.id))
            if n or m:
                raise QualcodeError(
                    f"{key!r} has {n} codings and {m} memos; merge it into another code instead of deleting it"
                )
            payload = {"code": _code_dict(row)}
            s.execute(delete(Suggestion).where(Suggestion.code_id == row.id))
            s.delete(row)
            s.flush()
            _renumber(s, payload["code"]["parent_id"])
            _bump(s)
            _log(s, coder_id, "code.delete", payload)

    def merge_code(self, source_key: str, target_key: str, coder: str | None = None) -> int:
        """Move every coding and memo of ``source`` to ``target`` and delete ``source``."""
        if source_key == target_key:
            raise QualcodeError("cannot merge a code into itself")
        with self._tx() as s:
            coder_id = _coder_row(s, coder)[0] if coder else None
            src, dst = _code_row(s, source_key), _code_row(s, target_key)
            if _children(s, src.id):
                raise QualcodeError(f"{source_key!r} has sub-codes; move them first")
            codings = [_coding_dict(c) for c in s.scalars(select(Coding).where(Coding.code_id == src.id))]
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
            payload = {
                "source": _code_dict(src),
                "target_id": dst.id,
                "moved": moved,
                "dropped": dropped,
                "memos": memos,
            }
            s.execute(delete(Suggestion).where(Suggestion.code_id == src.id))
            s.delete(src)
            s.flush()
            _renumber(s, payload["source"]["parent_id"])
            _bump(s)
            _log(s, coder_id, "code.merge", payload)
            return len(moved) + len(dropped)

    # ------------------------------------------------------------------ import

    def import_transcript(
        self,
        parsed: ParsedTranscript,
        participant: str | None = None,
        attributes: dict[str, str] | None = None,
        name: str | None = None,
    ) -> ImportOutcome:
        """Store one parsed transcript in one transaction; the same file twice is a no-op."""
        name = name or parsed.name
        with self._tx() as s:
            same = s.scalars(select(Transcript).where(Transcript.sha256 == parsed.sha256)).first()
            if same is not None:
                return ImportOutcome(same.name, "unchanged", detail="already imported (same content)")
            if s.scalar(select(Transcript.id).where(Transcript.name == name)):
                raise InputError(
                    parsed.source_path,
                    f"a different transcript named {name!r} is already in the project; rename the file or pass --name",
                )
            label = participant or parsed.front.participant or name
            attrs = {**parsed.front.attributes, **(attributes or {})}
            person = _participant(s, label, attrs, parsed.front.identifying, parsed.source_path)
            meta = {"title": parsed.front.title} if parsed.front.title else {}
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
                    Segment.__table__.insert(),
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
            _index_segments(s, row.id)
            _log(
                s,
                None,
                "transcript.import",
                {"name": name, "sha256": parsed.sha256, "segments": len(parsed.segments), "source": parsed.source_path},
            )
            return ImportOutcome(name, "imported", len(parsed.segments))

    def import_codings(self, path: Path, add_coders: bool = False, origin: str = "imported") -> CodingsImportOutcome:
        """Import a codings CSV (see ``qualcode.ingest.codings``) in one transaction, all or nothing."""
        rows = codings_format.read_codings(path)
        where = str(path)
        with self._tx() as s:
            coders = {c.name: c.id for c in s.scalars(select(Coder))}
            new_coders = sorted({r.coder for r in rows if r.coder not in coders})
            if new_coders and not add_coders:
                first = next(r for r in rows if r.coder in new_coders)
                raise InputError(
                    f"{where}:{first.line}",
                    f"unknown coder {first.coder!r}; add it with `qualcode coders add {first.coder}` or import with --add-coders",
                )
            for name in new_coders:
                if not CODER_NAME.match(name):
                    raise InputError(where, f"invalid coder name {name!r}")
                c = Coder(name=name)
                s.add(c)
                s.flush()
                coders[name] = c.id
                _log(s, c.id, "coder.add", {"name": name})
            codes = {c.key: c.id for c in s.scalars(select(Code))}
            transcripts: dict[str, tuple[int, str, list[tuple[int, int, int]]]] = {}
            resolved = []
            for r in rows:
                if r.code not in codes:
                    raise InputError(
                        f"{where}:{r.line}", f"unknown code {r.code!r}; `qualcode codebook show` lists the codes"
                    )
                if r.transcript not in transcripts:
                    t = s.scalars(select(Transcript).where(Transcript.name == r.transcript)).first()
                    if t is None:
                        raise InputError(f"{where}:{r.line}", f"unknown transcript {r.transcript!r}; import it first")
                    segs = s.execute(
                        select(Segment.id, Segment.start, Segment.end)
                        .where(Segment.transcript_id == t.id)
                        .order_by(Segment.position)
                    ).all()
                    transcripts[r.transcript] = (t.id, t.text, [tuple(x) for x in segs])
                tid, ttext, segs = transcripts[r.transcript]
                rc = codings_format.resolve(r, ttext, [(a, b) for _, a, b in segs], where)
                resolved.append((rc, tid, segs[rc.segment_index][0]))
            existing = set(
                s.execute(select(Coding.coder_id, Coding.code_id, Coding.segment_id, Coding.start, Coding.end)).all()
            )
            added = unchanged = memos = 0
            for rc, tid, seg_id in resolved:
                key = (coders[rc.coder], codes[rc.code], seg_id, rc.start, rc.end)
                if key in existing:
                    unchanged += 1
                    continue
                existing.add(key)
                coding = Coding(
                    code_id=codes[rc.code],
                    coder_id=coders[rc.coder],
                    transcript_id=tid,
                    segment_id=seg_id,
                    start=rc.start,
                    end=rc.end,
                    origin=origin,
                    guid=new_guid(),
                )
                s.add(coding)
                s.flush()
                added += 1
                if rc.memo:
                    s.add(Memo(coder_id=coders[rc.coder], coding_id=coding.id, text=rc.memo, guid=new_guid()))
                    memos += 1
            _log(s, None, "codings.import", {"source": where, "added": added, "unchanged": unchanged})
            return CodingsImportOutcome(where, added, unchanged, memos, tuple(new_coders))

    def add_codings(
        self, rows: Iterable[tuple[str, str, int, int | None, int | None]], origin: str = "imported"
    ) -> int:
        """Bulk-add codings (coder, code key, segment id, start, end) in one transaction and one event.

        ``start``/``end`` of None mean the whole segment; codings already there are skipped.
        Returns the number added.
        """
        with self._tx() as s:
            coders = {n: i for i, n in s.execute(select(Coder.id, Coder.name))}
            codes = {k: i for i, k in s.execute(select(Code.id, Code.key))}
            wanted = list(rows)
            seg_ids = {r[2] for r in wanted}
            segs = (
                {
                    i: (t, a, b)
                    for i, t, a, b in s.execute(
                        select(Segment.id, Segment.transcript_id, Segment.start, Segment.end).where(
                            Segment.id.in_(seg_ids)
                        )
                    )
                }
                if seg_ids
                else {}
            )
            existing = (
                set(
                    s.execute(
                        select(Coding.coder_id, Coding.code_id, Coding.segment_id, Coding.start, Coding.end).where(
                            Coding.segment_id.in_(seg_ids)
                        )
                    ).all()
                )
                if seg_ids
                else set()
            )
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
                if not a <= start < end <= b:
                    raise QualcodeError(f"coding {start}-{end} is outside segment {seg_id} ({a}-{b})")
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
            _log(s, None, "codings.import", {"added": len(batch)})
            return len(batch)

    # ------------------------------------------------------------------ transcripts and segments

    def transcripts(self, coder: str | None = None) -> list[TranscriptInfo]:
        """All transcripts by name, with how many segments ``coder`` has coded in each."""
        with self._read() as s:
            counts = dict(s.execute(select(Segment.transcript_id, func.count()).group_by(Segment.transcript_id)).all())
            coded: dict[int, int] = {}
            if coder:
                coder_id = _coder_row(s, coder)[0]
                coded = dict(
                    s.execute(
                        select(Coding.transcript_id, func.count(func.distinct(Coding.segment_id)))
                        .where(Coding.coder_id == coder_id)
                        .group_by(Coding.transcript_id)
                    ).all()
                )
            rows = s.execute(
                select(
                    Transcript.id,
                    Transcript.name,
                    Transcript.format,
                    Participant.label,
                    Participant.attributes,
                    func.length(Transcript.text),
                    Transcript.source_path,
                    Transcript.sha256,
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
                    counts.get(r[0], 0),
                    r[5] or 0,
                    coded.get(r[0], 0),
                    r[6],
                    r[7],
                )
                for r in rows
            ]

    def transcript(self, name: str) -> TranscriptInfo:
        for t in self.transcripts():
            if t.name == name:
                return t
        raise QualcodeError(f"no transcript named {name!r}; `qualcode transcripts list` shows them")

    def transcript_text(self, transcript_id: int) -> str:
        with self._read() as s:
            value = s.scalar(select(Transcript.text).where(Transcript.id == transcript_id))
            if value is None:
                raise QualcodeError(f"no transcript with id {transcript_id}")
            return value

    def segments(self, transcript_id: int, offset: int = 0, limit: int | None = None) -> list[SegmentInfo]:
        with self._read() as s:
            text_value = s.scalar(select(Transcript.text).where(Transcript.id == transcript_id))
            if text_value is None:
                raise QualcodeError(f"no transcript with id {transcript_id}")
            # Plain rows rather than ORM objects: a 5,000-segment interview opens several times faster.
            q = (
                select(
                    Segment.id,
                    Segment.transcript_id,
                    Segment.position,
                    Segment.speaker,
                    Segment.start,
                    Segment.end,
                    Segment.time_start,
                    Segment.time_end,
                )
                .where(Segment.transcript_id == transcript_id)
                .order_by(Segment.position)
                .offset(offset)
            )
            if limit is not None:
                q = q.limit(limit)
            return [_segment_info(row, text_value) for row in s.execute(q)]

    def segment(self, segment_id: int) -> SegmentInfo:
        with self._read() as s:
            seg = s.get(Segment, segment_id)
            if seg is None:
                raise QualcodeError(f"no segment with id {segment_id}")
            return _segment_info(seg, s.scalar(select(Transcript.text).where(Transcript.id == seg.transcript_id)))

    def participants(self) -> list[ParticipantInfo]:
        with self._read() as s:
            return [
                ParticipantInfo(p.id, p.label, dict(p.attributes or {}))
                for p in s.scalars(select(Participant).order_by(Participant.label))
            ]

    # ------------------------------------------------------------------ coding

    def apply_code(
        self,
        coder: str,
        code_key: str,
        segment_id: int,
        start: int | None = None,
        end: int | None = None,
        origin: str = "manual",
    ) -> CodingInfo:
        """Code a whole segment, or ``text[start:end]`` inside it. Applying it twice changes nothing."""
        if origin not in ("manual", "suggestion", "imported"):
            raise QualcodeError(f"unknown origin {origin!r}")
        with self._tx() as s:
            coder_id, coder_name = _coder_row(s, coder)
            code = _code_row(s, code_key)
            seg = s.get(Segment, segment_id)
            if seg is None:
                raise QualcodeError(f"no segment with id {segment_id}")
            start = seg.start if start is None else start
            end = seg.end if end is None else end
            if not seg.start <= start < end <= seg.end:
                raise QualcodeError(f"a coding must lie inside its segment ({seg.start}-{seg.end}), not {start}-{end}")
            existing = s.scalars(
                select(Coding).where(
                    Coding.coder_id == coder_id,
                    Coding.code_id == code.id,
                    Coding.segment_id == seg.id,
                    Coding.start == start,
                    Coding.end == end,
                )
            ).first()
            if existing is not None:
                return _coding_info(existing, code, coder_name, _color_of(s, code))
            coding = Coding(
                code_id=code.id,
                coder_id=coder_id,
                transcript_id=seg.transcript_id,
                segment_id=seg.id,
                start=start,
                end=end,
                origin=origin,
                guid=new_guid(),
            )
            s.add(coding)
            s.flush()
            _log(s, coder_id, "coding.add", {"coding": _coding_dict(coding)})
            return _coding_info(coding, code, coder_name, _color_of(s, code))

    def remove_coding(self, coder: str, coding_id: int) -> None:
        """Remove one of ``coder``'s own codings (with its memos, restored by undo)."""
        with self._tx() as s:
            coder_id, _ = _coder_row(s, coder)
            coding = s.get(Coding, coding_id)
            if coding is None:
                raise QualcodeError(f"no coding with id {coding_id}")
            if coding.coder_id != coder_id:
                raise QualcodeError("that coding belongs to another coder; each coder removes only their own")
            payload = {"coding": _coding_dict(coding), "memos": _memo_dicts(s, Memo.coding_id == coding.id)}
            s.delete(coding)
            _log(s, coder_id, "coding.remove", payload)

    def codings(
        self,
        transcript_id: int | None = None,
        coders: Iterable[str] | None = None,
        segment_ids: Iterable[int] | None = None,
    ) -> list[CodingInfo]:
        with self._read() as s:
            colors = {c.key: c.color for c in _code_infos(s)}
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
            if segment_ids is not None:
                q = q.where(Coding.segment_id.in_(list(segment_ids)))
            return [
                CodingInfo(
                    c.id, key, name, coder, c.transcript_id, c.segment_id, c.start, c.end, c.origin, colors.get(key)
                )
                for c, key, name, coder in s.execute(q)
            ]

    def code_counts(self, coder: str | None = None) -> dict[str, int]:
        """Number of codings per code key (for one coder, or everyone)."""
        with self._read() as s:
            q = select(Code.key, func.count(Coding.id)).join(Coding, Coding.code_id == Code.id).group_by(Code.key)
            if coder:
                q = q.where(Coding.coder_id == _coder_row(s, coder)[0])
            return dict(s.execute(q).all())

    def next_uncoded_segment(
        self, transcript_id: int, coder: str, after_position: int = -1, skip_speakers: Iterable[str] = ("Interviewer",)
    ) -> SegmentInfo | None:
        """The next segment (wrapping around) that ``coder`` has not coded, skipping the interviewer."""
        with self._read() as s:
            coder_id = _coder_row(s, coder)[0]
            coded = select(Coding.segment_id).where(Coding.coder_id == coder_id, Coding.transcript_id == transcript_id)
            skip = [sp for sp in skip_speakers]
            base = select(Segment).where(Segment.transcript_id == transcript_id, Segment.id.not_in(coded))
            if skip:
                base = base.where((Segment.speaker.is_(None)) | (Segment.speaker.not_in(skip)))
            seg = s.scalars(base.where(Segment.position > after_position).order_by(Segment.position).limit(1)).first()
            if seg is None:
                seg = s.scalars(base.order_by(Segment.position).limit(1)).first()
            if seg is None:
                return None
            return _segment_info(seg, s.scalar(select(Transcript.text).where(Transcript.id == transcript_id)))

    # ------------------------------------------------------------------ memos

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
        model = {"segment": Segment, "coding": Coding, "code": Code, "transcript": Transcript}[target]
        text_value = text_value.rstrip()
        with self._tx() as s:
            coder_id, coder_name = _coder_row(s, coder)
            if s.get(model, target_id) is None:
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
            _log(s, coder_id, "memo.set", payload)
            return result

    def memos(
        self, coder: str | None = None, target: str | None = None, target_id: int | None = None
    ) -> list[MemoInfo]:
        with self._read() as s:
            q = select(Memo, Coder.name).join(Coder, Coder.id == Memo.coder_id).order_by(Memo.id)
            if coder:
                q = q.where(Coder.name == coder)
            out = []
            for memo, name in s.execute(q):
                kind, tid = _memo_target(memo)
                if (target is None or kind == target) and (target_id is None or tid == target_id):
                    out.append(MemoInfo(memo.id, name, kind, tid, memo.text))
            return out

    # ------------------------------------------------------------------ undo / redo

    def undo(self, coder: str) -> EventInfo | None:
        """Reverse ``coder``'s most recent change that is not yet undone (never anyone else's)."""
        with self._tx() as s:
            coder_id, name = _coder_row(s, coder)
            target = _undo_target(s, coder_id)
            if target is None:
                return None
            _reverse(s, target)
            ev = _log(s, coder_id, "undo", {"kind": target.kind}, undoes=target.id)
            return EventInfo(ev.id, "undo", name, f"undid {_describe(target)}")

    def redo(self, coder: str) -> EventInfo | None:
        with self._tx() as s:
            coder_id, name = _coder_row(s, coder)
            undo_event = _redo_target(s, coder_id)
            if undo_event is None:
                return None
            original = s.get(Event, undo_event.undoes)
            _replay(s, original)
            ev = _log(s, coder_id, "redo", original.payload, undoes=undo_event.id)
            return EventInfo(ev.id, "redo", name, f"redid {_describe(original)}")

    def events(self, coder: str | None = None, limit: int = 50) -> list[EventInfo]:
        with self._read() as s:
            q = (
                select(Event, Coder.name)
                .outerjoin(Coder, Coder.id == Event.coder_id)
                .order_by(Event.id.desc())
                .limit(limit)
            )
            if coder:
                q = q.where(Coder.name == coder)
            return [EventInfo(e.id, e.kind, n, _describe(e)) for e, n in s.execute(q)]

    # ------------------------------------------------------------------ overview and integrity

    def summary(self) -> ProjectSummary:
        with self._read() as s:
            book = s.scalars(select(Codebook)).first()
            by_coder = dict(
                s.execute(
                    select(Coder.name, func.count(Coding.id))
                    .outerjoin(Coding, Coding.coder_id == Coder.id)
                    .group_by(Coder.name)
                ).all()
            )
            words = 0
            for (body,) in s.execute(select(Transcript.text)):
                words += len(body.split())
            return ProjectSummary(
                location=self.location,
                codebook=book.name if book else "",
                codebook_version=book.version if book else 0,
                n_codes=s.scalar(select(func.count()).select_from(Code)) or 0,
                coders=tuple(sorted(by_coder)),
                n_transcripts=s.scalar(select(func.count()).select_from(Transcript)) or 0,
                n_segments=s.scalar(select(func.count()).select_from(Segment)) or 0,
                n_words=words,
                codings_by_coder=by_coder,
                n_memos=s.scalar(select(func.count()).select_from(Memo)) or 0,
                n_participants=s.scalar(select(func.count()).select_from(Participant)) or 0,
            )

    def check(self) -> list[str]:
        """Problems found by the database's own checks and the project's invariants (empty = healthy)."""
        problems: list[str] = []
        with self._read() as s:
            if self.backend == "sqlite":
                for (row,) in s.execute(text("PRAGMA integrity_check")):
                    if row != "ok":
                        problems.append(f"SQLite integrity: {row}")
                for row in s.execute(text("PRAGMA foreign_key_check")):
                    problems.append(f"foreign key broken: table {row[0]} row {row[1]} -> {row[2]}")
            lengths = dict(s.execute(select(Transcript.id, func.length(Transcript.text))).all())
            names = dict(s.execute(select(Transcript.id, Transcript.name)).all())
            last_end: dict[int, int] = defaultdict(int)
            bounds: dict[int, tuple[int, int, int]] = {}
            for seg in s.scalars(select(Segment).order_by(Segment.transcript_id, Segment.position)):
                where = f"{names.get(seg.transcript_id)} segment {seg.position}"
                if not 0 <= seg.start <= seg.end <= lengths.get(seg.transcript_id, -1):
                    problems.append(f"{where}: offsets {seg.start}-{seg.end} outside the text")
                if seg.start < last_end[seg.transcript_id]:
                    problems.append(f"{where}: overlaps the previous segment")
                last_end[seg.transcript_id] = seg.end
                bounds[seg.id] = (seg.transcript_id, seg.start, seg.end)
            code_ids = set(s.scalars(select(Code.id)))
            for c in s.scalars(select(Coding)):
                seg = bounds.get(c.segment_id)
                if seg is None or seg[0] != c.transcript_id:
                    problems.append(f"coding {c.id}: segment {c.segment_id} is not in its transcript")
                elif not seg[1] <= c.start < c.end <= seg[2]:
                    problems.append(f"coding {c.id}: offsets {c.start}-{c.end} outside its segment {seg[1]}-{seg[2]}")
                if c.code_id not in code_ids:
                    problems.append(f"coding {c.id}: points at a code that no longer exists ({c.code_id})")
            parents = dict(s.execute(select(Code.id, Code.parent_id)).all())
            for cid in parents:
                seen, node = set(), cid
                while node is not None:
                    if node in seen:
                        problems.append(f"code {cid}: its parents form a cycle")
                        break
                    seen.add(node)
                    node = parents.get(node)
            for t_id, t_name in names.items():
                if t_id not in last_end:
                    problems.append(f"transcript {t_name}: has no segments (a half-finished import)")
        return problems

    # ------------------------------------------------------------------ bulk reads for domain modules

    def coding_rows(self, coders: Iterable[str] | None = None) -> list[tuple[str, int, int, str, int, int]]:
        """(coder, transcript id, segment id, code key, start, end) for every coding: input for agreement and exports."""
        with self._read() as s:
            q = (
                select(Coder.name, Coding.transcript_id, Coding.segment_id, Code.key, Coding.start, Coding.end)
                .join(Coder, Coder.id == Coding.coder_id)
                .join(Code, Code.id == Coding.code_id)
                .order_by(Coding.transcript_id, Coding.segment_id, Code.key, Coder.name, Coding.start)
            )
            if coders is not None:
                q = q.where(Coder.name.in_(list(coders)))
            return [tuple(r) for r in s.execute(q)]

    def segment_rows(self) -> list[tuple[int, int, int, str | None, int, int]]:
        """(segment id, transcript id, position, speaker, start, end) for every segment."""
        with self._read() as s:
            q = select(
                Segment.id, Segment.transcript_id, Segment.position, Segment.speaker, Segment.start, Segment.end
            ).order_by(Segment.transcript_id, Segment.position)
            return [tuple(r) for r in s.execute(q)]


# ====================================================================== helpers


def _display(url: str) -> str:
    path = dbengine.sqlite_path(url)
    if path is not None:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _index_segments(s: Session, transcript_id: int) -> None:
    """Keep SQLite's full-text index (segment_fts, rowid = segment id) in step with a transcript."""
    if s.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL searches transcripts.text through its GIN index
    s.execute(
        text("DELETE FROM segment_fts WHERE rowid IN (SELECT id FROM segments WHERE transcript_id = :t)"),
        {"t": transcript_id},
    )
    s.execute(
        text(
            "INSERT INTO segment_fts(rowid, text) SELECT s.id, substr(t.text, s.start_offset + 1, s.end_offset - s.start_offset)"
            " FROM segments s JOIN transcripts t ON t.id = s.transcript_id WHERE s.transcript_id = :t"
        ),
        {"t": transcript_id},
    )


def _log(s: Session, coder_id: int | None, kind: str, payload: dict, undoes: int | None = None) -> Event:
    ev = Event(coder_id=coder_id, kind=kind, payload=payload, undoes=undoes)
    s.add(ev)
    s.flush()
    return ev


def _coder_row(s: Session, name: str) -> tuple[int, str]:
    row = s.execute(select(Coder.id, Coder.name).where(Coder.name == name)).first()
    if row is None:
        known = ", ".join(s.scalars(select(Coder.name).order_by(Coder.name))) or "none yet"
        raise QualcodeError(f"unknown coder {name!r} (coders: {known}); add one with `qualcode coders add {name}`")
    return row[0], row[1]


def _code_row(s: Session, key: str) -> Code:
    row = s.scalars(select(Code).where(Code.key == key)).first()
    if row is None:
        raise QualcodeError(f"unknown code {key!r}; `qualcode codebook show` lists the codes")
    return row


def _children(s: Session, parent_id: int | None) -> list[Code]:
    q = select(Code).where(Code.parent_id.is_(None) if parent_id is None else Code.parent_id == parent_id)
    return list(s.scalars(q.order_by(Code.position, Code.id)))


def _renumber(s: Session, parent_id: int | None) -> None:
    for index, code in enumerate(_children(s, parent_id)):
        code.position = index


def _depth(rows: dict[str, Code], row: Code) -> int:
    by_id = {r.id: r for r in rows.values()}
    depth = 0
    while row.parent_id is not None and row.parent_id in by_id:
        row = by_id[row.parent_id]
        depth += 1
    return depth


def _check_sibling_name(s: Session, parent_id: int | None, name: str, exclude_id: int | None = None) -> None:
    for sibling in _children(s, parent_id):
        if sibling.id != exclude_id and sibling.name.casefold() == name.casefold():
            raise QualcodeError(f"a sibling code is already called {name!r}")


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")
    return slug[:40].strip("_") or "code"


def _unique_key(s: Session, key: str) -> str:
    existing = set(s.scalars(select(Code.key)))
    candidate, n = key, 2
    while candidate in existing:
        candidate, n = f"{key}_{n}", n + 1
    return candidate


def _definition_fields(values: dict) -> dict:
    allowed = {*cb.TEXT_FIELDS, "keywords", "color"}
    unknown = set(values) - allowed
    if unknown:
        raise QualcodeError(f"unknown code fields: {', '.join(sorted(unknown))}")
    out = dict(values)
    if "keywords" in out:
        out["keywords"] = tuple(out["keywords"] or ())
    return out


def _set_definition(row: Code, code: cb.CodeDef) -> None:
    row.name = code.name
    for f in cb.TEXT_FIELDS:
        setattr(row, f, getattr(code, f))
    row.keywords = list(code.keywords)
    row.color = code.color


def _insert_codes(s: Session, codebook_id: int, doc: cb.CodebookDoc) -> None:
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
        _set_definition(row, code)
        s.add(row)
        s.flush()
        ids[code.id] = row.id


def _bump(s: Session) -> None:
    s.execute(update(Codebook).values(version=Codebook.version + 1, updated_at=utcnow()))


def _code_infos(s: Session, only: str | None = None) -> list[CodeInfo]:
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
                    r.description,
                    r.include,
                    r.exclude,
                    r.example,
                    tuple(r.keywords or ()),
                    color,
                    r.guid,
                )
            )
            visit(r, depth + 1, color)

    visit(None, 0, None)
    if only is not None:
        return [c for c in out if c.key == only]
    return out


def _color_of(s: Session, code: Code) -> str | None:
    node: Code | None = code
    while node is not None:
        if node.color:
            return node.color
        node = s.get(Code, node.parent_id) if node.parent_id else None
    return None


def _codebook_doc(s: Session) -> cb.CodebookDoc:
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
                description=r.description,
                include=r.include,
                exclude=r.exclude,
                example=r.example,
                keywords=tuple(r.keywords or ()),
                color=r.color,
                children=build(r.id),
            )
            for r in by_parent.get(parent_id, [])
        )

    return cb.CodebookDoc(name=book.name, description=book.description, source=book.source, codes=build(None))


def _participant(s: Session, label: str, attrs: dict[str, str], identifying: dict, where: str) -> Participant:
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


def _segment_info(seg: Segment | Row, body: str) -> SegmentInfo:
    """From a segment, or a row of the same columns."""
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
    )


def _coding_info(c: Coding, code: Code, coder: str, color: str | None) -> CodingInfo:
    return CodingInfo(c.id, code.key, code.name, coder, c.transcript_id, c.segment_id, c.start, c.end, c.origin, color)


def _code_dict(row: Code) -> dict:
    return {
        "id": row.id,
        "key": row.key,
        "parent_id": row.parent_id,
        "position": row.position,
        "name": row.name,
        "description": row.description,
        "include": row.include,
        "exclude": row.exclude,
        "example": row.example,
        "keywords": list(row.keywords or []),
        "color": row.color,
        "guid": row.guid,
        "codebook_id": row.codebook_id,
    }


def _coding_dict(c: Coding) -> dict:
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


def _memo_dicts(s: Session, where) -> list[dict]:
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


def _memo_target(memo: Memo) -> tuple[str, int]:
    for kind in MEMO_TARGETS:
        value = getattr(memo, f"{kind}_id")
        if value is not None:
            return kind, value
    raise AssertionError("memo without a target")  # the check constraint prevents this


def _memo_info(memo: Memo, coder: str, target: str, target_id: int) -> MemoInfo:
    return MemoInfo(memo.id, coder, target, target_id, memo.text)


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


# ---------------------------------------------------------------------- undo machinery


def _undo_target(s: Session, coder_id: int) -> Event | None:
    cancelled: set[int] = set()
    for ev in s.scalars(select(Event).where(Event.coder_id == coder_id).order_by(Event.id.desc())):
        if ev.id in cancelled:
            continue
        if ev.kind == "undo":
            cancelled.add(ev.undoes)
            continue
        if ev.kind in UNDOABLE or ev.kind == "redo":
            return ev
    return None


def _redo_target(s: Session, coder_id: int) -> Event | None:
    cancelled: set[int] = set()
    for ev in s.scalars(select(Event).where(Event.coder_id == coder_id).order_by(Event.id.desc())):
        if ev.id in cancelled:
            continue
        if ev.kind == "redo":
            cancelled.add(ev.undoes)
            continue
        if ev.kind == "undo":
            return ev
        if ev.kind in UNDOABLE:
            return None  # a new change after an undo clears what could be redone
    return None


def _original(s: Session, ev: Event) -> Event:
    """For a redo event, the change it re-applied."""
    while ev.kind == "redo":
        ev = s.get(Event, s.get(Event, ev.undoes).undoes)
    return ev


def _same_row(s: Session, model, data: dict):
    """The row an event named, or None when it is gone (checked by GUID, not by id alone)."""
    row = s.get(model, data["id"])
    if row is None or ("guid" in data and row.guid != data["guid"]):
        return None
    return row


def _reverse(s: Session, ev: Event) -> None:
    original = _original(s, ev)
    p, kind = original.payload, original.kind
    what = _describe(original)  # before any flush: a failed one leaves the session unusable
    try:
        if kind == "coding.add":
            row = _same_row(s, Coding, p["coding"])
            if row is None:
                raise QualcodeError("cannot undo: that coding was removed since")
            s.delete(row)
            undo_suggestion_event(s, p)  # an accepted suggestion is open again
        elif kind == "coding.remove":
            _restore_coding(s, p["coding"])
            for memo in p.get("memos", []):
                s.add(Memo(**memo))
        elif kind == "memo.set":
            _set_memo_raw(s, ev.coder_id, p, p["before"])
        elif kind == "code.add":
            row = _same_row(s, Code, p["code"])
            if row is None:
                raise QualcodeError("cannot undo: that code was removed since")
            if s.scalar(select(func.count()).select_from(Coding).where(Coding.code_id == row.id)) or _children(
                s, row.id
            ):
                raise QualcodeError(f"cannot undo adding {row.key!r}: it has codings or sub-codes now")
            s.execute(delete(Memo).where(Memo.code_id == row.id))
            s.execute(delete(Suggestion).where(Suggestion.code_id == row.id))
            s.delete(row)
        elif kind == "code.update":
            row = s.get(Code, p["code_id"])
            if row is None:
                raise QualcodeError("cannot undo: that code was removed since")
            moved_from = row.parent_id
            for f, v in p["before"].items():
                setattr(row, f, v)
            s.flush()
            _renumber(s, moved_from)
            _renumber(s, row.parent_id)
        elif kind == "code.delete":
            s.add(Code(**p["code"]))
        elif kind == "code.merge":
            s.add(Code(**p["source"]))
            s.flush()
            if p["moved"]:
                s.execute(update(Coding).where(Coding.id.in_(p["moved"])).values(code_id=p["source"]["id"]))
            for c in p["dropped"]:
                _restore_coding(s, c)
            if p["memos"]:
                s.execute(update(Memo).where(Memo.id.in_(p["memos"])).values(code_id=p["source"]["id"]))
        elif kind in SUGGESTION_EVENTS:
            undo_suggestion_event(s, p)
        else:  # pragma: no cover - guarded by UNDOABLE
            raise QualcodeError(f"cannot undo {kind}")
        s.flush()
    except IntegrityError:
        raise QualcodeError(f"cannot undo {what}: the project has changed since") from None
    if kind.startswith("code."):
        _bump(s)


def _replay(s: Session, ev: Event) -> None:
    """Apply a change again (for redo)."""
    original = _original(s, ev)
    p, kind = original.payload, original.kind
    what = _describe(original)  # before any flush: a failed one leaves the session unusable
    try:
        if kind == "coding.add":
            _restore_coding(s, p["coding"])
            undo_suggestion_event(s, p, redo=True)
        elif kind == "coding.remove":
            row = _same_row(s, Coding, p["coding"])
            if row is not None:
                s.delete(row)
        elif kind == "memo.set":
            _set_memo_raw(s, ev.coder_id, p, p["after"])
        elif kind == "code.add":
            s.add(Code(**p["code"]))
        elif kind == "code.update":
            row = s.get(Code, p["code_id"])
            if row is None:
                raise QualcodeError("cannot redo: that code was removed since")
            old_parent = row.parent_id
            for f, v in p["after"].items():
                setattr(row, f, v)
            s.flush()
            _renumber(s, old_parent)
            _renumber(s, row.parent_id)
        elif kind == "code.delete":
            row = _same_row(s, Code, p["code"])
            if row is not None:
                s.delete(row)
        elif kind == "code.merge":
            if p["moved"]:
                s.execute(update(Coding).where(Coding.id.in_(p["moved"])).values(code_id=p["target_id"]))
            for c in p["dropped"]:
                s.execute(delete(Coding).where(Coding.id == c["id"]))
            if p["memos"]:
                s.execute(update(Memo).where(Memo.id.in_(p["memos"])).values(code_id=p["target_id"]))
            s.flush()
            row = s.get(Code, p["source"]["id"])
            if row is not None:
                s.delete(row)
        elif kind in SUGGESTION_EVENTS:
            undo_suggestion_event(s, p, redo=True)
        s.flush()
    except IntegrityError:
        raise QualcodeError(f"cannot redo {what}: the project has changed since") from None
    if kind.startswith("code."):
        _bump(s)


def _restore_coding(s: Session, data: dict) -> None:
    if s.get(Segment, data["segment_id"]) is None or s.get(Code, data["code_id"]) is None:
        raise QualcodeError("cannot restore the coding: its segment or code no longer exists")
    s.add(Coding(**data))


def _set_memo_raw(s: Session, coder_id: int, p: dict, value: str | None) -> None:
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


def _describe(ev: Event) -> str:
    p = ev.payload or {}
    kind = ev.kind
    if kind in ("coding.add", "coding.remove"):
        c = p.get("coding", {})
        verb = "coding" if kind == "coding.add" else "removing the coding"
        return f"{verb} (code #{c.get('code_id')}, segment #{c.get('segment_id')})"
    if kind == "memo.set":
        return f"memo on {p.get('target')} #{p.get('target_id')}"
    if kind == "code.add":
        return f"adding code {p.get('code', {}).get('key')}"
    if kind == "code.update":
        return f"changing code {p.get('key')} ({', '.join(p.get('after', {}))})"
    if kind == "code.delete":
        return f"deleting code {p.get('code', {}).get('key')}"
    if kind == "code.merge":
        return f"merging code {p.get('source', {}).get('key')}"
    if kind in SUGGESTION_EVENTS:
        return describe_suggestion_event(kind, p)
    if kind in ("undo", "redo"):
        return f"{kind} of event #{ev.undoes}"
    if kind == "transcript.import":
        return f"import of {p.get('name')} ({p.get('segments')} segments)"
    return kind
