"""Export, REFI-QDA import and codings CSV import: the project's side of ``qualcode export`` and ``import``.

``ExchangePart`` of ``qualcode.project``. ``export_data`` reads everything an export needs in one
read transaction (never a participant's ``identifying`` block); ``import_refi_doc`` writes a
parsed REFI-QDA project or codebook into the project in one transaction and one event.
Matching, so that importing the same file twice changes nothing: codes by GUID, then by their
place in the tree (parent and name); transcripts by GUID, then by content; participants by
label; coders by name; codings by (coder, code, segment, start, end); memos by GUID.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, func, insert, select
from sqlalchemy.orm import Session

from qualcode import codebook as cb
from qualcode.analysis.matrix import matrices_from_refi
from qualcode.db.models import (
    Code,
    Codebook,
    Coder,
    Coding,
    Matrix,
    MatrixCell,
    Memo,
    Participant,
    Segment,
    Transcript,
    utcnow,
)
from qualcode.errors import InputError, QualcodeError
from qualcode.ingest import codings as codings_format
from qualcode.ingest.refi_read import read_refi
from qualcode.ingest.transcripts import ParsedSegment, segment_text
from qualcode.limits import FIELD_LIMITS
from qualcode.project import events
from qualcode.project.coders import active_coder_ids, restore
from qualcode.project.mapping import SEGMENT_COLUMNS, project_speakers, study_outline
from qualcode.project.placement import Placer
from qualcode.project.settings import SettingsPart
from qualcode.project.slices import identifying_terms
from qualcode.project.sql import iso_time, session_reader
from qualcode.records import (
    CodingsImportOutcome,
)
from qualcode.refi import (
    MATRIX_SET_PREFIX,
    RefiCase,
    RefiCode,
    RefiNote,
    RefiSelection,
    RefiSource,
    parse_definition,
)
from qualcode.speakers import norm
from qualcode.store import (
    CODINGS_TABLE,
    SEGMENTS_TABLE,
    Store,
    add_coder_row,
    bump_codebook_version,
    coder_name,
    coder_name_from,
    index_segments,
    log_event,
    new_guid,
)
from qualcode.study import (
    ExportCoding,
    ExportData,
    ExportMemo,
    ExportSegment,
    ExportTranscript,
)

if TYPE_CHECKING:
    from qualcode.refi import RefiProject


class ExchangePart:
    def __init__(self, store: Store, settings: SettingsPart) -> None:
        self._store = store
        self._settings = settings

    def export_data(
        self, texts: bool = True, memos: bool = True, coders: list[str] | None = None, details: bool = True
    ) -> ExportData:
        """Codes, coders, participants (without identifying data), transcripts, segments, codings, memos.

        ``details=False`` leaves out what only a REFI-QDA export needs (codings' GUIDs, origins and
        dates), which makes a theme table on 100,000 segments noticeably faster.
        """

        name = self._settings.setting("name") or Path(self._store.location).stem
        with self._store.read() as s:
            outline = study_outline(s)
            book, infos, codes, coder_names, people = (
                outline.book,
                outline.infos,
                outline.codes,
                outline.coder_names,
                outline.people,
            )
            cols: list[Any] = [
                Transcript.id,
                Transcript.name,
                Transcript.participant_id,
                Transcript.guid,
                Transcript.format,
                Transcript.meta,
            ]
            if texts:
                cols.append(Transcript.text)
            speakers = project_speakers(s)
            person_by_label = {p.label: p.id for p in people}
            transcripts = []
            for row in s.execute(select(*cols).order_by(Transcript.name)):
                meta = row[5] or {}
                speaker_people = {
                    norm(sp): person_by_label[label]
                    for sp, label in (
                        (r.speaker, r.participant) for r in speakers.transcripts_with_roles().get(row[0], ())
                    )
                    if label in person_by_label
                }
                transcripts.append(
                    ExportTranscript(
                        row[0],
                        row[1],
                        row[2],
                        row[6] if texts else "",
                        row[3],
                        row[4],
                        str(meta.get("title") or ""),
                        speaker_people,
                    )
                )
            segments = [
                ExportSegment(*r[:6], speakers.is_interviewer(r[3], r[1]), r[6], r[7])
                for r in s.execute(select(*SEGMENT_COLUMNS).order_by(Segment.transcript_id, Segment.position))
            ]
            keys = {c.id: c.key for c in infos}
            extra = (Coding.guid, Coding.origin, Coding.created_at) if details else ()
            q = select(
                Coding.coder_id,
                Coding.code_id,
                Coding.transcript_id,
                Coding.segment_id,
                Coding.start,
                Coding.end,
                *extra,
            ).order_by(Coding.transcript_id, Coding.start, Coding.end, Coding.id)
            if coders is not None:
                q = q.where(Coding.coder_id.in_([i for i, n in coder_names.items() if n in set(coders)]))
            if details:
                codings = [
                    ExportCoding(coder_names[r[0]], keys[r[1]], r[2], r[3], r[4], r[5], r[6], r[7], iso_time(r[8]))
                    for r in s.execute(q)
                ]
            else:
                codings = [ExportCoding(coder_names[a], keys[b], c, d, e, f) for a, b, c, d, e, f in s.execute(q)]
            memo_rows: list[ExportMemo] = []
            target: str
            tid: Any
            if memos:
                coding_guid = dict(s.execute(select(Coding.id, Coding.guid)).all())
                for m in s.scalars(select(Memo).order_by(Memo.id)):
                    if m.segment_id is not None:
                        target, tid = "segment", m.segment_id
                    elif m.coding_id is not None:
                        target, tid = "coding", coding_guid.get(m.coding_id, "")
                    elif m.code_id is not None:
                        target, tid = "code", keys.get(m.code_id, "")
                    else:
                        target, tid = "transcript", m.transcript_id
                    memo_rows.append(
                        ExportMemo(coder_names[m.coder_id], target, tid, m.text, m.guid, iso_time(m.created_at))
                    )
            return ExportData(
                name,
                book.name,
                book.description or "",
                book.source or "",
                book.version,
                codes,
                sorted(coder_names[i] for i in active_coder_ids(s, coder_names)),  # not those removed
                people,
                transcripts,
                segments,
                codings,
                memo_rows,
            )

    def identifying_terms(self) -> list[tuple[str, str]]:
        """(text, kind) for every name in the participants' identifying data: what quotes must not
        show (``slices.identifying_terms``, which the analysis reads without the store too)."""
        with self._store.read() as s:
            return identifying_terms(session_reader(s))

    # ------------------------------------------------------------------ REFI-QDA import

    def import_refi_doc(self, doc: RefiProject, where: str = "REFI-QDA file") -> RefiImportSummary:
        """Write a parsed REFI-QDA project or codebook into this project: one transaction, one event."""
        max_chars = self._settings.max_segment_chars
        summary = RefiImportSummary(where, doc.origin, doc.kind, warnings=list(doc.warnings))
        # Segmentation needs no database: do it before the write transaction.
        texts = {src.guid: src.text for src in doc.sources}
        segmented = {g: segment_text(t, max_chars) for g, t in texts.items() if t is not None and t.strip()}
        with self._store.tx() as s:
            _Importer(s, doc, summary, segmented).run()
        return summary

    def import_refi(self, path: str | Path, allow_external: bool = False) -> RefiImportSummary:
        """Import a `.qdpx`, `.qde` or `.qdc` file (from NVivo, MAXQDA, ATLAS.ti, Taguette, QualCoder or qualcode).

        Nothing changes unless everything can be written; what the file holds that qualcode cannot
        keep is listed in the summary's ``warnings``. ``allow_external`` lets ``relative://`` and
        ``absolute://`` source paths be read from disk.
        """
        doc = read_refi(path, allow_external=allow_external)
        return self.import_refi_doc(doc, str(path))

    def import_peer(self, path: str | Path, coder: str | None = None) -> RefiImportSummary:
        """Import a project left by another tool: a QualCoder project (its ``.qda`` folder or
        ``data.qda``), a Taguette project export (``.sqlite3``), or Taguette's codebook or
        highlights CSV. The readers (``qualcode.ingest.qualcoder``, ``qualcode.ingest.taguette``)
        turn the file into REFI-QDA records, which are written exactly as a ``.qdpx`` is: one
        transaction, one event, matched so that importing the same file again adds nothing, and
        every coding placed by the same rule as a REFI-QDA selection. ``coder`` is whom a
        highlights CSV's codings are credited to (the CSV names nobody; default ``taguette``).
        """
        from qualcode.ingest.peer_import import read_peer
        from qualcode.ingest.peers import peer_kind

        path = Path(path)
        if peer_kind(path) == "taguette-highlights":
            return self.import_taguette_highlights(path, coder or "taguette")
        return self._write_peer(read_peer(path), str(path))

    def _write_peer(self, doc: RefiProject, where: str) -> RefiImportSummary:
        """The one place where another tool's records are written. A coding across turns is placed
        as a REFI-QDA selection is (``_Importer.sources``): when that rule changes, these follow."""
        return self.import_refi_doc(doc, where)

    def import_taguette_highlights(self, path: Path, coder: str) -> RefiImportSummary:
        """Taguette's highlights CSV, each highlight found by its words in the transcript its
        document was imported as (all or nothing: a document not in the project refuses the file)."""
        from qualcode.ingest.taguette import document_names, place_highlights, read_taguette_highlights

        where = str(path)
        try:
            coder = coder_name(coder)
        except QualcodeError as refused:
            raise InputError(where, str(refused)) from None
        rows = read_taguette_highlights(path)
        found: dict[str, tuple[str, str, str]] = {}
        with self._store.read() as s:
            for row in rows:
                if row.document in found:
                    continue
                names = document_names(row.document)
                hit = s.execute(
                    select(Transcript.guid, Transcript.name, Transcript.text).where(Transcript.name.in_(names))
                ).first()
                if hit is None:
                    lowered = [n.lower() for n in names]
                    hit = s.execute(
                        select(Transcript.guid, Transcript.name, Transcript.text).where(
                            func.lower(Transcript.name).in_(lowered)
                        )
                    ).first()
                if hit is None:
                    raise InputError(
                        f"{where}:{row.line}",
                        f"document {row.document!r} is not a transcript in the project; import it "
                        "(or the Taguette project export) first",
                    )
                found[row.document] = (hit[0], hit[1], hit[2])
        return self._write_peer(place_highlights(rows, found, coder, where), where)

    def import_codings(self, path: Path, add_coders: bool = False, origin: str = "imported") -> CodingsImportOutcome:
        """Import a codings CSV (see ``qualcode.ingest.codings``) in one transaction, all or nothing."""
        where = str(path)
        rows = codings_format.read_codings(path)
        named = []
        for r in rows:  # the coders' names as every other way in stores them
            try:
                named.append(dataclasses.replace(r, coder=coder_name(r.coder)))
            except QualcodeError as refused:
                raise InputError(f"{where}:{r.line}", str(refused)) from None
        rows = named
        with self._store.tx() as s:
            every = {c.name: c.id for c in s.scalars(select(Coder))}
            live = set(active_coder_ids(s, every.values()))
            coders = {name: i for name, i in every.items() if i in live}  # a removed coder is not there
            new_coders = sorted({r.coder for r in rows if r.coder not in coders})
            if new_coders and not add_coders:
                first = next(r for r in rows if r.coder in new_coders)
                raise InputError(
                    f"{where}:{first.line}",
                    f"unknown coder {first.coder!r}; add it with `qualcode coders add {first.coder}` or import with --add-coders",
                )
            for name in new_coders:
                if name in every:  # removed before: back, as `qualcode coders add` brings them back
                    restore(s, every[name])
                    coders[name] = every[name]
                    log_event(s, every[name], "coder.add", {"name": name, "restored": True})
                    continue
                coders[name] = add_coder_row(s, name).id
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
                    rows_here = s.execute(
                        select(Segment.id, Segment.start, Segment.end)
                        .where(Segment.transcript_id == t.id)
                        .order_by(Segment.position)
                    )
                    transcripts[r.transcript] = (t.id, t.text, [(i, a, b) for i, a, b in rows_here])
                tid, ttext, segs = transcripts[r.transcript]
                rc = codings_format.resolve(r, ttext, [(a, b) for _, a, b in segs], where)
                resolved.append((rc, tid, segs[rc.segment_index][0]))
            # Only the codings of the transcripts this file names: its cost must not grow with the project.
            q = select(Coding.coder_id, Coding.code_id, Coding.segment_id, Coding.start, Coding.end).where(
                Coding.transcript_id.in_([tid for tid, _, _ in transcripts.values()])
            )
            existing = {(a, b, c, d, e) for a, b, c, d, e in s.execute(q)}
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
            log_event(s, None, "codings.import", {"source": where, "added": added, "unchanged": unchanged})
            return CodingsImportOutcome(where, added, unchanged, memos, tuple(new_coders))


@dataclass
class RefiImportSummary:
    """What an import of a REFI-QDA file did, and what it could not take."""

    path: str
    origin: str = ""
    kind: str = "project"
    codes_added: int = 0
    codes_matched: int = 0
    coders_added: list[str] = field(default_factory=list)
    participants_added: int = 0
    transcripts_added: list[str] = field(default_factory=list)
    transcripts_unchanged: list[str] = field(default_factory=list)
    codings_added: int = 0
    codings_unchanged: int = 0
    memos_added: int = 0
    matrices_added: list[str] = field(default_factory=list)
    matrix_cells_added: int = 0
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"codes: {self.codes_added} added, {self.codes_matched} already there"]
        if self.kind == "project":
            out.append(
                f"transcripts: {len(self.transcripts_added)} added, {len(self.transcripts_unchanged)} already there"
            )
            out.append(f"participants: {self.participants_added} added")
            out.append(
                f"coders: {len(self.coders_added)} added"
                + (f" ({', '.join(self.coders_added)})" if self.coders_added else "")
            )
            out.append(f"codings: {self.codings_added} added, {self.codings_unchanged} already there")
            out.append(f"memos: {self.memos_added} added")
            if self.matrices_added or self.matrix_cells_added:
                out.append(
                    f"framework matrices: {len(self.matrices_added)} added, {self.matrix_cells_added} summaries added"
                )
        return out


class _Importer:
    """The body of ``import_refi_doc``, inside its transaction."""

    def __init__(
        self, s: Session, doc: RefiProject, summary: RefiImportSummary, segmented: dict[str, list[ParsedSegment]]
    ):
        self.s, self.doc, self.summary, self.segmented = s, doc, summary, segmented
        self.warn = summary.warnings.append
        self.code_ids: dict[str, int] = {}  # file code GUID -> codes.id
        self.coder_ids: dict[str, int] = {}  # coder name -> coders.id
        self.user_names = {u.guid: u.name for u in doc.users}
        self.memo_targets: dict[str, list[tuple[str, int]]] = defaultdict(list)  # note GUID -> targets

    def run(self) -> None:

        self.codes()
        if self.summary.codes_added:
            bump_codebook_version(self.s)
        if self.doc.kind == "project":
            self.sources()
            self.memos()
            self.matrices()
        sets = [x.name for x in self.doc.sets if not x.name.startswith(MATRIX_SET_PREFIX)]
        if sets:
            self.warn(f"{len(sets)} sets not imported (qualcode has no sets): " + ", ".join(repr(n) for n in sets[:5]))
        s = self.summary
        log_event(
            self.s,
            None,
            "refi.import",
            {
                "source": s.path,
                "origin": s.origin,
                "codes_added": s.codes_added,
                "transcripts_added": s.transcripts_added,
                "codings_added": s.codings_added,
                "memos_added": s.memos_added,
                "matrices_added": s.matrices_added,
                "warnings": len(s.warnings),
            },
        )

    # -------------------------------------------------------------- codes

    def codes(self) -> None:

        s = self.s
        book = s.scalars(select(Codebook)).one()
        rows = list(s.scalars(select(Code)))
        by_guid = {_norm(r.guid): r for r in rows}
        by_place = {(r.parent_id, r.name.casefold()): r for r in rows}
        keys = {r.key for r in rows}
        next_position: dict[int | None, int] = defaultdict(int)
        for r in rows:
            next_position[r.parent_id] = max(next_position[r.parent_id], r.position + 1)
        taken_names: set[tuple[int | None, str]] = set(by_place)
        not_codable = 0

        def add(code: RefiCode, parent: Code | None) -> None:
            nonlocal not_codable
            parent_id = parent.id if parent else None
            row = by_guid.get(code.guid) if code.guid else None
            if row is None:
                row = by_place.get((parent_id, code.name.casefold()))
            if row is not None:
                self.summary.codes_matched += 1
            else:
                fields = _definition(code.description)
                name = code.name
                if (parent_id, name.casefold()) in taken_names:
                    n = 2
                    while (parent_id, f"{name} ({n})".casefold()) in taken_names:
                        n += 1
                    self.warn(f"two codes called {name!r} under the same parent; the second is called '{name} ({n})'")
                    name = f"{name} ({n})"
                key = str(fields["id"] or "")
                if not (key and cb.ID_PATTERN.match(key) and key not in keys):
                    key = ((parent.key + ".") if parent else "") + cb.slug(name)
                    base, n = key, 2
                    while key in keys:
                        key, n = f"{base}_{n}", n + 1
                keys.add(key)
                guid = code.guid if code.guid and code.guid not in by_guid else str(uuid.uuid4())
                row = Code(
                    codebook_id=book.id,
                    key=key,
                    name=name,
                    parent_id=parent_id,
                    position=next_position[parent_id],
                    description=str(fields["description"]),
                    include=str(fields["include"]),
                    exclude=str(fields["exclude"]),
                    example=str(fields["example"]),
                    keywords=list(fields["keywords"]),
                    color=code.color,
                    guid=guid,
                )
                next_position[parent_id] += 1
                s.add(row)
                s.flush()
                by_guid[_norm(guid)] = row
                taken_names.add((parent_id, name.casefold()))
                self.summary.codes_added += 1
                if not code.is_codable:
                    not_codable += 1
            if code.guid:
                self.code_ids[code.guid] = row.id
            for guid in code.notes:
                self.memo_targets[guid].append(("code", row.id))
            for child in code.children:
                add(child, row)

        for code in self.doc.codes:
            add(code, None)
        if not_codable:
            self.warn(f"{not_codable} codes marked not codable (folders) were imported as ordinary codes")

    # -------------------------------------------------------------- coders, participants

    def coder_id(self, *user_guids: str) -> int:

        name = ""
        for guid in (*user_guids, self.doc.creating_user):
            if guid and self.user_names.get(guid):
                name = self.user_names[guid]
                break
        if not name:
            name = self.doc.users[0].name if len(self.doc.users) == 1 and self.doc.users[0].name else "imported"
        name = coder_name_from(name)
        if name not in self.coder_ids:
            found = self.s.scalar(select(Coder.id).where(Coder.name == name))
            if found is not None and not active_coder_ids(self.s, [found]):
                restore(self.s, found)  # a removed coder whose work comes back is a coder again
                self.summary.coders_added.append(name)
            if found is None:
                found = add_coder_row(self.s, name, log=False).id
                self.summary.coders_added.append(name)
            self.coder_ids[name] = found
        return self.coder_ids[name]

    def participant(self, case: RefiCase | None, source: RefiSource, label: str) -> int:
        s = self.s
        variables = {v.guid: v.name for v in self.doc.variables}
        attrs: dict[str, str] = {}
        for values in ((case.values if case else {}), source.values):
            for guid, value in values.items():
                name = variables.get(guid)
                if name is None:
                    self.warn(f"a value of an undeclared variable ({guid}) was not imported")
                    continue
                if value != "":
                    attrs.setdefault(name, value)
        person = s.scalars(select(Participant).where(Participant.label == label)).first()
        if person is None:
            guid = case.guid if case is not None and case.guid else str(uuid.uuid4())
            if s.scalar(select(Participant.id).where(Participant.guid == guid)):
                guid = str(uuid.uuid4())
            person = Participant(label=label, attributes=attrs, identifying={}, guid=guid)
            s.add(person)
            s.flush()
            self.summary.participants_added += 1
            return person.id
        merged = dict(person.attributes or {})
        for key, value in attrs.items():
            if key in merged and str(merged[key]) != value:
                self.warn(
                    f"participant {label!r} already has {key}={merged[key]!r}; the file's {value!r} was not imported"
                )
            else:
                merged[key] = value
        person.attributes = merged
        return person.id

    # -------------------------------------------------------------- sources, codings

    def sources(self) -> None:
        s = self.s
        doc = self.doc
        case_of: dict[str, Any] = {}
        for case in doc.cases:
            for guid in case.sources:
                if guid in case_of:
                    self.warn(f"source {guid} belongs to several cases; kept the first ({case_of[guid].name!r})")
                else:
                    case_of[guid] = case
            if case.selections:
                self.warn(
                    f"case {case.name!r}: {len(case.selections)} selections linked to it were not kept "
                    "(qualcode links a participant to whole transcripts)"
                )
        existing_guid = {
            _norm(g): (i, n) for i, n, g in s.execute(select(Transcript.id, Transcript.name, Transcript.guid))
        }
        existing_sha = {h: (i, n) for i, n, h in s.execute(select(Transcript.id, Transcript.name, Transcript.sha256))}
        names = set(s.scalars(select(Transcript.name)))
        known_codings = {
            (coder_id, code_id, segment_id, start, end)
            for coder_id, code_id, segment_id, start, end in s.execute(
                select(Coding.coder_id, Coding.code_id, Coding.segment_id, Coding.start, Coding.end)
            )
        }
        known_coding_guids = {_norm(g) for g in s.scalars(select(Coding.guid))}
        placer = Placer(s)
        batch = []
        with_notes = []
        for src in doc.sources:
            label = f"source {src.name!r}"
            if src.text is None:
                continue  # the reader has said why
            segs = self.segmented.get(src.guid)
            if not segs:
                self.warn(f"{label} has no text; not imported{_lost_codings(src)}")
                continue
            data = src.text.encode("utf-8")
            sha = hashlib.sha256(data).hexdigest()
            same = existing_guid.get(src.guid) if src.guid else None
            same = same or existing_sha.get(sha)
            if same is not None:
                self.summary.transcripts_unchanged.append(same[1])
                tid = same[0]
                if s.scalar(select(Transcript.text).where(Transcript.id == tid)) != src.text:
                    self.warn(
                        f"{label}: the project's transcript {same[1]!r} (same GUID) has different text; "
                        f"not imported{_lost_codings(src)}"
                    )
                    continue
            else:
                name = _transcript_name(src.name, names)
                if name != src.name.strip():
                    self.warn(f"{label} was imported as {name!r} (a transcript of that name is already in the project)")
                names.add(name)
                source_case = case_of.get(src.guid)
                person = self.participant(
                    source_case, src, (source_case.name if source_case is not None and source_case.name else name)
                )
                guid = src.guid if src.guid and GUID_RE.match(src.guid) else str(uuid.uuid4())
                row = Transcript(
                    name=name,
                    sha256=sha,
                    source_path=f"{self.summary.path}#{src.path or src.guid}",
                    format="txt",
                    text=src.text,
                    participant_id=person,
                    meta={"title": src.description} if src.description else {},
                    guid=guid,
                )
                s.add(row)
                s.flush()
                s.execute(
                    SEGMENTS_TABLE.insert(),
                    [
                        {
                            "transcript_id": row.id,
                            "position": i,
                            "speaker": g.speaker,
                            "start_offset": g.start,
                            "end_offset": g.end,
                            "time_start": g.time_start,
                            "time_end": g.time_end,
                        }
                        for i, g in enumerate(segs)
                    ],
                )
                index_segments(s, row.id)
                existing_sha[sha] = existing_guid[_norm(guid)] = (row.id, name)
                self.summary.transcripts_added.append(name)
                tid = row.id
            for guid in src.notes:
                self.memo_targets[guid].append(("transcript", tid))
            n = len(src.text)
            outside = whitespace = unknown = 0
            selections = list(src.selections)
            if src.codings:
                self.warn(f"{label}: {len(src.codings)} codings of the whole source cover its whole text")
                selections.append(RefiSelection("", 0, n, codings=src.codings))
            for sel in selections:
                if not 0 <= sel.start < sel.end <= n:
                    outside += 1
                    continue
                # one selection, one coding: kept whole across turns (qualcode.project.placement)
                placed = placer.place(tid, sel.start, sel.end)
                if placed is None:
                    whitespace += 1
                    continue
                seg_id, lo, hi = placed.segment_id, placed.start, placed.end
                if sel.notes:
                    for guid in sel.notes:
                        self.memo_targets[guid].append(("segment", seg_id))
                for coding in sel.codings:
                    code_id = self.code_ids.get(coding.code)
                    if code_id is None:
                        unknown += 1
                        continue
                    coder = self.coder_id(coding.user, sel.user, src.user)
                    key = (coder, code_id, seg_id, lo, hi)
                    if key in known_codings:
                        self.summary.codings_unchanged += 1
                        continue
                    known_codings.add(key)
                    guid = (
                        coding.guid
                        if coding.guid and coding.guid not in known_coding_guids
                        else (
                            str(uuid.uuid5(uuid.NAMESPACE_URL, f"{coding.guid}/{tid}"))
                            if coding.guid
                            else str(uuid.uuid4())
                        )
                    )
                    known_coding_guids.add(guid)
                    values = {
                        "code_id": code_id,
                        "coder_id": coder,
                        "transcript_id": tid,
                        "segment_id": seg_id,
                        "start_offset": lo,
                        "end_offset": hi,
                        "origin": "imported",
                        "guid": guid,
                        "created_at": _when(coding.created),
                    }
                    if coding.notes:
                        with_notes.append((values, coding.notes))
                    else:
                        batch.append(values)
                    self.summary.codings_added += 1
            if outside:
                self.warn(f"{label}: {outside} selections outside the text's {n} characters were not imported")
            if whitespace:
                self.warn(f"{label}: {whitespace} selections cover only blank space between turns; not imported")
            if unknown:
                self.warn(f"{label}: {unknown} codings refer to codes the file does not define; not imported")
        if batch:
            s.execute(insert(CODINGS_TABLE), batch)
        for values, notes in with_notes:
            # a one-row INSERT executes to a CursorResult, which knows the new row's key
            result = cast("CursorResult[Any]", s.execute(insert(CODINGS_TABLE).values(**values)))
            new_key = result.inserted_primary_key
            assert new_key is not None
            coding_id = new_key[0]
            for guid in notes:
                self.memo_targets[guid].append(("coding", coding_id))

    # -------------------------------------------------------------- framework matrices

    def matrices(self) -> None:
        """Matrices ``add_matrices`` wrote: new ones added, missing summaries of known ones filled in."""
        s = self.s
        for m in matrices_from_refi(self.doc):
            limit = min(FIELD_LIMITS["matrix name"], FIELD_LIMITS["matrix row"])
            if any(len(x) > limit for x in (m.name, *m.rows)):
                self.warn(f"matrix {m.name[:60]!r}: its name or a row is over {limit} characters; not imported")
                continue
            row = s.scalars(select(Matrix).where(Matrix.name == m.name)).first()
            if row is None:
                row = Matrix(
                    name=m.name,
                    description=m.description,
                    rows_by=m.rows_by,
                    rows=m.rows,
                    columns=m.columns,
                    guid=str(uuid.uuid4()),
                )
                s.add(row)
                s.flush()
                self.summary.matrices_added.append(m.name)
            elif (row.rows_by, list(row.rows), list(row.columns)) != (m.rows_by, m.rows, m.columns):
                self.warn(f"matrix {m.name!r} has other rows or columns here; the file's matrix was not imported")
                continue
            here = {
                (r, c)
                for r, c in s.execute(
                    select(MatrixCell.row_label, MatrixCell.column_key).where(MatrixCell.matrix_id == row.id)
                )
            }
            for (r, c), text in m.cells.items():
                if (r, c) not in here:
                    s.add(MatrixCell(matrix_id=row.id, row_label=r, column_key=c, text=text))
                    self.summary.matrix_cells_added += 1
        s.flush()

    # -------------------------------------------------------------- memos

    def memos(self) -> None:
        s = self.s
        known = {_norm(g) for g in s.scalars(select(Memo.guid))}
        grouped: dict[tuple[int, str, int], list[RefiNote]] = defaultdict(list)
        unattached = []
        cell_notes = {_norm(g) for st in self.doc.sets if st.name.startswith(MATRIX_SET_PREFIX) for g in st.notes}
        for note in self.doc.notes:
            if _norm(note.guid) in known or _norm(note.guid) in cell_notes:
                continue  # imported before, or a framework matrix's cell (``matrices``)
            targets = self.memo_targets.get(note.guid, [])
            if not targets:
                unattached.append(note.name or note.guid)
                continue
            coder = self.coder_id(note.user)
            for kind_and_id in dict.fromkeys(targets):
                grouped[(coder, kind_and_id[0], kind_and_id[1])].append(note)
        for (coder, target, target_id), notes in grouped.items():
            column = {
                "segment": Memo.segment_id,
                "coding": Memo.coding_id,
                "code": Memo.code_id,
                "transcript": Memo.transcript_id,
            }[target]
            text = "\n\n".join(n.text.strip() for n in notes if n.text.strip())
            if not text:
                continue
            if len(notes) > 1:
                self.warn(f"{len(notes)} notes by the same person on the same {target} were joined into one memo")
            existing = s.scalars(select(Memo).where(Memo.coder_id == coder, column == target_id)).first()
            if existing is not None:
                if existing.text.strip() != text:
                    self.warn(
                        f"a {target} already has a memo by that coder; the file's note {notes[0].name!r} was not imported"
                    )
                continue
            guid = notes[0].guid if GUID_RE.match(notes[0].guid or "") else str(uuid.uuid4())
            s.add(
                Memo(
                    coder_id=coder, text=text, guid=guid, created_at=_when(notes[0].created), **{column.key: target_id}
                )
            )
            self.summary.memos_added += 1
        if unattached:
            self.warn(
                f"{len(unattached)} notes are not attached to a code, source, selection or coding; not imported: "
                + ", ".join(repr(n) for n in unattached[:3])
            )
        s.flush()


GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _norm(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _definition(text: str) -> dict[str, Any]:
    return parse_definition(text)


def _transcript_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[\x00-\x1f]", " ", name or "").strip()[:280] or "source"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base} ({n})", n + 1
    return candidate


def _when(value: str) -> datetime:
    if value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    return utcnow()


def _lost_codings(src: RefiSource) -> str:
    """How many codings a skipped source takes with it, for its warning (never lost uncounted)."""
    n = sum(len(sel.codings) for sel in src.selections)
    return f" ({n} coding{'s' if n != 1 else ''} on it not imported)" if n else ""


events.register("refi.import")
