"""The one door to a project's data: ``Project``, a small façade over typed parts.

The CLI, the TUI and the browser call ``Project`` and nothing below it. Every change is one
transaction and one event in the append-only log (``qualcode.store``); reads return plain
records (``qualcode.records``).

``Project`` opens the ``Store`` and holds one part per concern, each a class in its own module
of this package that takes the store (and, explicitly, any other part whose public behaviour it
needs): ``project.settings``, ``project.codebook``, ``project.codings``, ``project.transcripts``,
``project.transcript_changes``, ``project.workbench``, ``project.agreement``, ``project.suggestions``,
``project.exchange``, ``project.team``, ``project.analysis``. ``Project`` covers every part with
one-line delegations: the faces call them and never a part (``tests/test_one_door.py``); tests
and the parts themselves may reach a part directly.

A new part (analysis, transcript replacement, ...) goes the same way: a module here with a class
taking the store and the parts it needs, built on first use (a ``cached_property`` of ``Project``,
so a command imports only the parts it calls), and delegations below.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast, overload

from qualcode.records import (
    CodeInfo,
    CoderInfo,
    CoderMerge,
    CodingInfo,
    CodingsImportOutcome,
    EventInfo,
    ImportOutcome,
    MemoEntry,
    MemoInfo,
    ParticipantInfo,
    ProjectSummary,
    SegmentInfo,
    SpeakerInfo,
    TranscriptInfo,
)

# The parts other than settings and transcripts are built when first used (see Project), so that
# a command imports only the parts it calls: `qualcode status` needs none of them. SQLAlchemy and
# the store are imported when a project is opened or created, so that `qualcode status` can read a
# current SQLite project without them (``Project.summary_at``, ``qualcode.project.peek``).
if TYPE_CHECKING:  # numpy, through qualcode.agreement and qualcode.suggest: only where they are used
    from sqlalchemy import Connection

    from qualcode import codebook as cb
    from qualcode.agreement.units import ReliabilityData
    from qualcode.analysis.compare import Comparison
    from qualcode.analysis.cooccurrence import Cooccurrence
    from qualcode.analysis.matrix import FrameworkMatrix, MatrixView
    from qualcode.analysis.retrieval import Passage, Retrieval
    from qualcode.ingest.transcripts import ParsedTranscript
    from qualcode.project.agreement import AgreementPart, Disagreement
    from qualcode.project.analysis import AnalysisPart, Where
    from qualcode.project.autocode import AutocodePart, AutocodeReport
    from qualcode.project.codebook import CodebookPart
    from qualcode.project.coders import CoderPart
    from qualcode.project.codings import CodingPart
    from qualcode.project.exchange import ExchangePart, RefiImportSummary
    from qualcode.project.light import LightProject
    from qualcode.project.memos import MemoListPart
    from qualcode.project.participants import ParticipantPart
    from qualcode.project.speaker_roles import SpeakerRolesPart
    from qualcode.project.suggestions import AnonymiseResult, ModelInfo, ModelStatus, SuggestionInfo, SuggestionPart
    from qualcode.project.team import MergePlan, NewProject, TeamPart
    from qualcode.project.transcript_changes import ReplaceReport, TranscriptChangePart
    from qualcode.project.workbench import SearchHit, WorkbenchPart
    from qualcode.refi import RefiProject
    from qualcode.speakers import Speakers
    from qualcode.store import Store
    from qualcode.study import ExportData
    from qualcode.suggest.anonymise import Entities, FoundNames, MappingRow
    from qualcode.suggest.engine import Proposal

__all__ = ["Project"]

Part = TypeVar("Part")


class _built_on_first_use(Generic[Part]):
    """A part of ``Project`` built, and its module imported, the first time it is used: once, even
    when the workbench's threads ask for it at the same moment (``functools.cached_property``
    has no lock from Python 3.12 on, and a part such as the analysis keeps caches of its own)."""

    def __init__(self, build: Callable[[Project], Part]) -> None:
        self.build = build
        self.name = build.__name__

    @overload
    def __get__(self, project: None, owner: type[Project]) -> _built_on_first_use[Part]: ...
    @overload
    def __get__(self, project: Project, owner: type[Project]) -> Part: ...
    def __get__(self, project: Project | None, owner: type[Project]) -> Part | _built_on_first_use[Part]:
        if project is None:
            return self
        with project._parts_lock:  # re-entrant: a part's builder may ask for the parts it takes
            built = project.__dict__.get(self.name)
            if built is None:
                built = project.__dict__[self.name] = self.build(project)
        return cast(Part, built)


class Project:
    """An open project. Use ``Project.open`` / ``Project.create``; close when done."""

    def __init__(self, store: Store) -> None:
        from qualcode.project.settings import SettingsPart
        from qualcode.project.transcripts import TranscriptPart

        self.store = store
        self._parts_lock = threading.RLock()
        self.settings = SettingsPart(store)
        self.transcripts = TranscriptPart(store)

    # The other parts, each built (and its module imported) the first time it is used.
    @_built_on_first_use
    def codebook(self) -> CodebookPart:
        from qualcode.project.codebook import CodebookPart

        return CodebookPart(self.store)

    @_built_on_first_use
    def transcript_changes(self) -> TranscriptChangePart:
        from qualcode.project.transcript_changes import TranscriptChangePart

        return TranscriptChangePart(self.store)

    @_built_on_first_use
    def speaker_roles(self) -> SpeakerRolesPart:
        from qualcode.project.speaker_roles import SpeakerRolesPart

        return SpeakerRolesPart(self.store)

    @_built_on_first_use
    def autocoding(self) -> AutocodePart:
        from qualcode.project.autocode import AutocodePart

        return AutocodePart(self.store)

    @_built_on_first_use
    def memo_list(self) -> MemoListPart:
        from qualcode.project.memos import MemoListPart

        return MemoListPart(self.store)

    @_built_on_first_use
    def participant_edits(self) -> ParticipantPart:
        from qualcode.project.participants import ParticipantPart

        return ParticipantPart(self.store)

    @_built_on_first_use
    def codings(self) -> CodingPart:
        from qualcode.project.codings import CodingPart

        return CodingPart(self.store)

    @_built_on_first_use
    def coder_changes(self) -> CoderPart:
        from qualcode.project.coders import CoderPart

        return CoderPart(self.store)

    @_built_on_first_use
    def workbench(self) -> WorkbenchPart:
        from qualcode.project.workbench import WorkbenchPart

        return WorkbenchPart(self.store, self.settings)

    @_built_on_first_use
    def agreement(self) -> AgreementPart:
        from qualcode.project.agreement import AgreementPart

        return AgreementPart(self.store, self.settings, self.codebook, self.transcripts, self.codings)

    @_built_on_first_use
    def suggestions(self) -> SuggestionPart:
        from qualcode.project.suggestions import SuggestionPart

        return SuggestionPart(self.store, self.settings)

    @_built_on_first_use
    def exchange(self) -> ExchangePart:
        from qualcode.project.exchange import ExchangePart

        return ExchangePart(self.store, self.settings)

    @_built_on_first_use
    def team(self) -> TeamPart:
        from qualcode.project.team import TeamPart

        return TeamPart(self.store, self.settings, self.codebook, _create_stores)

    @_built_on_first_use
    def analysis(self) -> AnalysisPart:
        from qualcode.project.analysis import AnalysisPart

        return AnalysisPart(self.store, self.exchange)

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, db: str | None = None) -> Project:
        from qualcode.store import Store

        return cls(Store.open(db))

    @classmethod
    def summary_at(cls, db: str | None = None) -> ProjectSummary:
        """The summary of the project at ``db`` (what ``qualcode status`` shows). A current SQLite
        project is read directly, without SQLAlchemy (``qualcode.project.peek``); any other is
        opened as ``open`` opens it, with the same migration and the same errors."""
        from qualcode.project.peek import read_summary

        summary = read_summary(db)
        if summary is not None:
            return summary
        with cls.open(db) as project:
            return project.summary()

    @classmethod
    def analysis_at(cls, db: str | None = None) -> LightProject | Project:
        """The project at ``db`` for the analysis commands' reads (``retrieve``, ``analysis_frame``,
        ``cooccurrence``, ``compare_groups``, ``matrices``, ``matrix``, ``cell_passages``,
        ``matrix_view``). A current SQLite project is read directly, without
        SQLAlchemy (``qualcode.project.light``); any other is opened as ``open`` opens it."""
        from qualcode.project.light import LightProject

        light = LightProject.open(db, lambda: cls.open(db))
        return light if light is not None else cls.open(db)

    @classmethod
    def create(cls, db: str | None = None, codebook: cb.CodebookDoc | None = None, name: str | None = None) -> Project:
        return cls(_create_store(db, codebook, name))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def location(self) -> str:
        return self.store.location

    @property
    def identity(self) -> str:
        """This project's identity on this machine: its absolute database URL, without any password."""
        return str(self.store.engine.url.render_as_string(hide_password=True))

    @property
    def backend(self) -> str:
        return self.store.backend

    @property
    def database_file(self) -> Path | None:
        """The SQLite file of this project (None on PostgreSQL)."""
        return self.store.file

    @property
    def max_segment_chars(self) -> int:
        return self.settings.max_segment_chars

    def speakers(self) -> Speakers:
        """Who is the interviewer in this project (the setting ``interviewer.labels``)."""
        return self.settings.speakers()

    # ------------------------------------------------------------------ settings
    def setting(self, key: str) -> str | None:
        return self.settings.setting(key)

    def set_setting(self, key: str, value: str) -> None:
        return self.settings.set_setting(key, value)

    def add_coder(self, name: str) -> CoderInfo:
        return self.settings.add_coder(name)

    def check_coder_name(self, name: str) -> str:
        """The name as a new coder would be called, or a one-line refusal (nothing is added)."""
        return self.settings.check_coder_name(name)

    def coders(self) -> list[CoderInfo]:
        return self.settings.coders()

    def coder(self, name: str) -> CoderInfo:
        return self.settings.coder(name)

    # Coders as people (qualcode.project.coders): each one undoable event.
    def rename_coder(self, old: str, new: str) -> CoderInfo:
        return self.coder_changes.rename(old, new)

    def remove_coder(self, name: str, merge_into: str | None = None) -> CoderMerge | None:
        return self.coder_changes.remove(name, merge_into)

    def merge_coders(self, source: str, target: str) -> CoderMerge:
        return self.coder_changes.merge(source, target)

    def lemma_model(self) -> str | None:
        """The trained spaCy pipeline named by the setting ``nlp.model`` (None: the defaults)."""
        return self.settings.lemma_model()

    # ------------------------------------------------------------------ codebook
    def codebook_version(self) -> int:
        return self.codebook.codebook_version()

    def codes(self) -> list[CodeInfo]:
        """Every code in codebook order (depth first), colours inherited from ancestors."""
        return self.codebook.codes()

    def code(self, key: str) -> CodeInfo:
        return self.codebook.code(key)

    def codebook_doc(self) -> cb.CodebookDoc:
        return self.codebook.codebook_doc()

    def plan_codebook_update(self, doc: cb.CodebookDoc, merges: dict[str, str] | None = None) -> cb.CodebookChanges:
        """What ``update_codebook`` would change; raises if it would lose codings."""
        return self.codebook.plan_codebook_update(doc, merges)

    def update_codebook(
        self, doc: cb.CodebookDoc, merges: dict[str, str] | None = None, coder: str | None = None
    ) -> cb.CodebookChanges:
        """Apply an edited codebook by id: additions, renames, moves, redefinitions, removals."""
        return self.codebook.update_codebook(doc, merges, coder)

    def add_code(
        self,
        name: str,
        parent_key: str | None = None,
        key: str | None = None,
        coder: str | None = None,
        **definition: Any,
    ) -> CodeInfo:
        return self.codebook.add_code(name, parent_key, key, coder, **definition)

    def update_code(self, key: str, coder: str | None = None, **changes: Any) -> CodeInfo:
        """Rename or redefine a code (name, description, include, exclude, example, keywords, color)."""
        return self.codebook.update_code(key, coder, **changes)

    def move_code(
        self, key: str, new_parent_key: str | None, position: int | None = None, coder: str | None = None
    ) -> CodeInfo:
        return self.codebook.move_code(key, new_parent_key, position, coder)

    def delete_code(self, key: str, coder: str | None = None) -> None:
        """Delete a code that has no codings, memos or children (merge it otherwise)."""
        return self.codebook.delete_code(key, coder)

    def merge_code(self, source_key: str, target_key: str, coder: str | None = None) -> int:
        """Move every coding and memo of ``source`` to ``target`` and delete ``source``."""
        return self.codebook.merge_code(source_key, target_key, coder)

    # ------------------------------------------------------------------ transcripts
    def import_transcript(
        self,
        parsed: ParsedTranscript,
        participant: str | None = None,
        attributes: dict[str, str] | None = None,
        name: str | None = None,
    ) -> ImportOutcome:
        """Store one parsed transcript in one transaction; the same file twice is a no-op."""
        return self.transcripts.import_transcript(parsed, participant, attributes, name)

    def replace_transcript(
        self, name: str, parsed: ParsedTranscript, coder: str, dry_run: bool = False
    ) -> ReplaceReport:
        """Replace a transcript's text; codings and memos move with their words, lost ones become memos. One event."""
        return self.transcript_changes.replace(name, parsed, coder, dry_run)

    def rename_transcript(self, old: str, new: str, coder: str | None = None) -> None:
        return self.transcript_changes.rename(old, new, coder)

    def remove_transcript(self, name: str, coder: str, force: bool = False) -> tuple[int, int]:
        """Remove a transcript (refused while it has codings unless ``force``); undo brings it back whole."""
        return self.transcript_changes.remove(name, coder, force)

    def list_transcripts(self, coder: str | None = None) -> list[TranscriptInfo]:
        """All transcripts by name, with how many of the segments to code ``coder`` has coded in each."""
        return self.transcripts.transcripts(coder)

    def transcript(self, name: str) -> TranscriptInfo:
        return self.transcripts.transcript(name)

    def autocode(self, code_key: str, coder: str, match: str, **options: Any) -> AutocodeReport:
        """Apply a code wherever a text or regular expression finds a passage: one event ("u" undoes it).
        Options: is_regex, whole_words, span ("segment" or "match"), transcripts, include_interviewer, dry_run."""
        return self.autocoding.autocode(code_key, coder, match, **options)

    def memo_entries(
        self,
        search: str | None = None,
        coders: Iterable[str] | None = None,
        code: str | None = None,
        transcripts: Iterable[str] | None = None,
        redact: bool = False,
    ) -> list[MemoEntry]:
        """Every memo with its place (transcript, segment, code, the coded words), filtered; with
        ``redact``, names from the participants' identifying data blacked out of the memo and the
        words, as retrieval blacks them out."""
        found = self.memo_list.memo_entries(search, coders, code, transcripts)
        if not redact or not found:
            return found
        from qualcode.analysis.themes import redactor

        blackout = redactor(self.exchange.identifying_terms())
        return [dataclasses.replace(m, text=blackout(m.text), passage=blackout(m.passage)) for m in found]

    def transcript_media(self, transcript_id: int) -> str | None:
        """Where the transcript's recording is (its front matter's ``media:``), if it names one."""
        return self.transcripts.media(transcript_id)

    def transcript_speakers(self, name: str) -> list[SpeakerInfo]:
        """A transcript's speakers with their turns, and whose words each one's are."""
        return self.speaker_roles.speakers(name)

    def set_transcript_speakers(
        self,
        name: str,
        coder: str,
        interviewer: Iterable[str] = (),
        participants: Mapping[str, str] | None = None,
        reset: Iterable[str] = (),
    ) -> list[SpeakerInfo]:
        """Map speakers to the interviewer or to participants (new labels make new participants). One event."""
        return self.speaker_roles.set_speakers(name, coder, interviewer, participants, reset)

    def transcript_text(self, transcript_id: int) -> str:
        return self.transcripts.transcript_text(transcript_id)

    def segments(self, transcript_id: int, offset: int = 0, limit: int | None = None) -> list[SegmentInfo]:
        return self.transcripts.segments(transcript_id, offset, limit)

    def segment(self, segment_id: int) -> SegmentInfo:
        return self.transcripts.segment(segment_id)

    def participants(self) -> list[ParticipantInfo]:
        return self.transcripts.participants()

    def set_participant_attributes(self, label: str, coder: str, values: Mapping[str, str | None]) -> ParticipantInfo:
        """Set attributes of a participant (None or "" removes one): one event that undo reverses."""
        return self.participant_edits.set_attributes(label, coder, values)

    def segment_rows(self) -> list[tuple[int, int, int, str | None, int, int]]:
        """(segment id, transcript id, position, speaker, start, end) for every segment."""
        return self.transcripts.segment_rows()

    def summary(self) -> ProjectSummary:
        return self.transcripts.summary()

    def check(self) -> list[str]:
        """Problems found by the database's own checks and the project's invariants (empty = healthy)."""
        return self.transcripts.check()

    # ------------------------------------------------------------------ codings
    def apply_code(
        self,
        coder: str,
        code_key: str,
        segment_id: int,
        start: int | None = None,
        end: int | None = None,
        origin: str = "manual",
    ) -> CodingInfo:
        """Code a whole segment, or ``text[start:end]`` from inside it, running on over the next turns
        if ``end`` lies past it (one coding). Applying it twice changes nothing."""
        return self.codings.apply_code(coder, code_key, segment_id, start, end, origin)

    def code_span(
        self, coder: str, code_key: str, transcript_id: int, start: int, end: int, origin: str = "manual"
    ) -> CodingInfo:
        """Code ``text[start:end]`` of a transcript — inside one turn or over several — as one coding."""
        return self.codings.code_span(coder, code_key, transcript_id, start, end, origin)

    def list_codings(
        self,
        transcript_id: int | None = None,
        coders: Iterable[str] | None = None,
        segment_ids: Iterable[int] | None = None,
    ) -> list[CodingInfo]:
        """Codings (of a transcript, by some coders, touching some segments), in text order."""
        return self.codings.codings(transcript_id, coders, segment_ids)

    def remove_coding(self, coder: str, coding_id: int) -> None:
        """Remove one of ``coder``'s own codings (with its memos, restored by undo)."""
        return self.codings.remove_coding(coder, coding_id)

    def code_counts(self, coder: str | None = None) -> dict[str, int]:
        """Number of codings per code key (for one coder, or everyone)."""
        return self.codings.code_counts(coder)

    def coding_rows(self, coders: Iterable[str] | None = None) -> list[tuple[str, int, int, str, int, int]]:
        """(coder, transcript id, segment id, code key, start, end) for every coding: input for agreement and exports."""
        return self.codings.coding_rows(coders)

    def add_codings(
        self, rows: Iterable[tuple[str, str, int, int | None, int | None]], origin: str = "imported"
    ) -> int:
        """Bulk-add codings (coder, code key, segment id, start, end) in one transaction and one event."""
        return self.codings.add_codings(rows, origin)

    def set_memo(self, coder: str, target: str, target_id: int, text_value: str) -> MemoInfo | None:
        """Write (or with empty text, delete) ``coder``'s memo on a segment, coding, code or transcript."""
        return self.codings.set_memo(coder, target, target_id, text_value)

    def memos(
        self, coder: str | None = None, target: str | None = None, target_id: int | None = None
    ) -> list[MemoInfo]:
        return self.codings.memos(coder, target, target_id)

    def undo(self, coder: str) -> EventInfo | None:
        """Reverse ``coder``'s most recent change that is not yet undone (never anyone else's)."""
        return self.codings.undo(coder)

    def redo(self, coder: str) -> EventInfo | None:
        return self.codings.redo(coder)

    def events(self, coder: str | None = None, limit: int = 50) -> list[EventInfo]:
        return self.codings.events(coder, limit)

    # ------------------------------------------------------------------ workbench
    def transcript_list(self) -> list[TranscriptInfo]:
        """Every transcript by name with participant, attributes and segment count, without reading"""
        return self.workbench.transcript_list()

    def coded_segment_counts(self, coder: str) -> dict[int, int]:
        """Transcript id -> how many of its segments ``coder`` has coded (transcripts with none are absent)."""
        return self.workbench.coded_segment_counts(coder)

    def search(self, query: str, limit: int = 200) -> list[SearchHit]:
        """Segments matching every word of ``query`` (best first), at most ``limit``."""
        return self.workbench.search(query, limit)

    def next_uncoded_segment(
        self, transcript_id: int, coder: str, after_position: int = -1, skip_speakers: Iterable[str] | None = None
    ) -> SegmentInfo | None:
        """The next segment (wrapping around) that ``coder`` has not coded, skipping the interviewer."""
        return self.workbench.next_uncoded_segment(transcript_id, coder, after_position, skip_speakers)

    # ------------------------------------------------------------------ agreement
    def reliability_data(
        self,
        coders: list[str],
        unit: str = "segment",
        codes: str | None = None,
        transcripts: list[str] | None = None,
        include_interviewer: bool = False,
    ) -> ReliabilityData:
        """Units-by-coders arrays per code for ``coders`` (see ``qualcode.agreement.units``)."""
        return self.agreement.reliability_data(coders, unit, codes, transcripts, include_interviewer)

    def disagreements(
        self,
        coders: list[str],
        codes: str | None = None,
        transcripts: list[str] | None = None,
        include_interviewer: bool = False,
    ) -> list[Disagreement]:
        """Per code (codebook order), the segments where the coders differ on it."""
        return self.agreement.disagreements(coders, codes, transcripts, include_interviewer)

    @staticmethod
    def table_agreement(path: Path, level: str = "nominal", categories: int | None = None, fmt: str = "md") -> str:
        """Every agreement measure for a coding table made elsewhere, as text (needs no open project)."""
        from qualcode.project.agreement import AgreementPart

        return AgreementPart.table_agreement(path, level, categories, fmt)

    # ------------------------------------------------------------------ suggestions
    def transcript_ids(self, names: Iterable[str] | None) -> list[int] | None:
        """Ids of the named transcripts (None for all); an unknown name is an error."""
        return self.suggestions.transcript_ids(names)

    def training_payload(
        self,
        coders: Iterable[str] | None = None,
        architecture: str = "linear",
        use_definitions: bool = False,
        epochs: int | None = None,
        seed: int = 0,
    ) -> dict[str, Any]:
        """Everything ``qualcode.suggest.model.train_payload`` needs, as plain data."""
        return self.suggestions.training_payload(coders, architecture, use_definitions, epochs, seed)

    def suggestion_payload(
        self,
        transcripts: Iterable[str] | None = None,
        coders: Iterable[str] | None = None,
        use_model: bool = True,
        top: int = 3,
        min_score: float = 0.3,
        use_definitions: bool = False,
        keywords: bool = True,
        for_coder: str | None = None,
    ) -> tuple[dict[str, Any], list[int]]:
        """Input for ``qualcode.suggest.engine.suggest_payload`` and the segments it covers;
        ``for_coder``: blind coding (see ``SuggestionPart.suggestion_payload``)."""
        return self.suggestions.suggestion_payload(
            transcripts, coders, use_model, top, min_score, use_definitions, keywords, for_coder
        )

    def store_model(self, result: dict[str, Any], activate: bool = True) -> ModelInfo:
        """Store a trained model (from ``train_payload``) as the next version; make it active."""
        return self.suggestions.store_model(result, activate)

    def models(self) -> list[ModelInfo]:
        return self.suggestions.models()

    def activate_model(self, version: str) -> ModelInfo:
        return self.suggestions.activate_model(version)

    def active_model(self) -> tuple[ModelInfo, bytes, dict[str, Any]] | None:
        """The active model's record, pipeline bytes and metadata (labels, calibration), or None."""
        return self.suggestions.active_model()

    def model_status(self, coders: Iterable[str] | None = None) -> ModelStatus:
        """Whether the active model should be retrained: none yet, other coders, a changed"""
        return self.suggestions.model_status(coders)

    def store_suggestions(self, proposals: Iterable[Proposal | dict[str, Any]], segment_ids: Iterable[int]) -> int:
        """Replace the open suggestions of ``segment_ids`` with ``proposals`` (``Proposal`` or dicts)."""
        return self.suggestions.store_suggestions(proposals, segment_ids)

    def list_suggestions(
        self,
        segment_id: int | None = None,
        transcript_id: int | None = None,
        status: str | None = "open",
        coder: str | None = None,
        limit: int | None = None,
        min_score: float = 0.0,
    ) -> list[SuggestionInfo]:
        """Suggestions, best first per segment; with ``coder``, not the codes that coder already applied."""
        return self.suggestions.suggestions(segment_id, transcript_id, status, coder, limit, min_score)

    def suggestion_counts(self) -> dict[str, int]:
        return self.suggestions.suggestion_counts()

    def accept_suggestion(self, suggestion_id: int, coder: str) -> CodingInfo:
        """Code the suggestion's segment with its code as ``coder`` (origin "suggestion"): one event."""
        return self.suggestions.accept_suggestion(suggestion_id, coder)

    def reject_suggestion(self, suggestion_id: int, coder: str) -> SuggestionInfo:
        """Mark a suggestion rejected by ``coder`` (negative evidence for the next model): one event."""
        return self.suggestions.reject_suggestion(suggestion_id, coder)

    def learn_from_decision(self, suggestion_id: int) -> str | None:
        """Move the active model towards one accepted or rejected suggestion at once, without a
        retrain: the model's version, or None when there was nothing to learn."""
        return self.suggestions.learn_from_decision(suggestion_id)

    def anonymise_words(self) -> list[tuple[str, str]]:
        """The project's word list of names to anonymise: (name, kind)."""
        return self.suggestions.anonymise_words()

    def add_anonymise_words(self, words: Iterable[tuple[str, str]]) -> int:
        """Add names to the word list (one event); returns how many were new."""
        return self.suggestions.add_anonymise_words(words)

    def anonymise_inputs(self, transcripts: Iterable[str] | None = None) -> dict[str, Any]:
        """Plain data for finding names: texts, participants' front matter, the word list."""
        return self.suggestions.anonymise_inputs(transcripts)

    def find_names(
        self, transcripts: Iterable[str] | None = None, ner: bool = True, entities: Entities | None = None
    ) -> FoundNames:
        """Names to replace and their proposed pseudonyms (``FoundNames``); changes nothing."""
        return self.suggestions.find_names(transcripts, ner, entities)

    def anonymise(self, mapping: list[MappingRow], transcripts: Iterable[str] | None = None) -> AnonymiseResult:
        """Rewrite transcripts with ``mapping`` (``MappingRow``s) in one transaction and one event:"""
        return self.suggestions.anonymise(mapping, transcripts)

    # ------------------------------------------------------------------ exchange
    def export_data(
        self, texts: bool = True, memos: bool = True, coders: list[str] | None = None, details: bool = True
    ) -> ExportData:
        """Codes, coders, participants (without identifying data), transcripts, segments, codings, memos."""
        return self.exchange.export_data(texts, memos, coders, details)

    def identifying_terms(self) -> list[tuple[str, str]]:
        """(text, kind) for every name in the participants' identifying data: what quotes must not show."""
        return self.exchange.identifying_terms()

    def import_refi_doc(self, doc: RefiProject, where: str = "REFI-QDA file") -> RefiImportSummary:
        """Write a parsed REFI-QDA project or codebook into this project: one transaction, one event."""
        return self.exchange.import_refi_doc(doc, where)

    def import_refi(self, path: str | Path, allow_external: bool = False) -> RefiImportSummary:
        """Import a `.qdpx`, `.qde` or `.qdc` file (from NVivo, MAXQDA, ATLAS.ti, Taguette, QualCoder or qualcode)."""
        return self.exchange.import_refi(path, allow_external)

    def import_peer(self, path: str | Path, coder: str | None = None) -> RefiImportSummary:
        """Import a QualCoder project, a Taguette export or Taguette's codebook or highlights CSV."""
        return self.exchange.import_peer(path, coder)

    def import_codings(self, path: Path, add_coders: bool = False, origin: str = "imported") -> CodingsImportOutcome:
        """Import a codings CSV (see ``qualcode.ingest.codings``) in one transaction, all or nothing."""
        return self.exchange.import_codings(path, add_coders, origin)

    # ------------------------------------------------------------------ analysis
    def analysis_data(self, full: bool = True) -> ExportData:
        """The project's rows as the analysis reads them (kept while nothing changes: read, never modify).
        ``full=False`` may leave out texts, memos and coding details."""
        return self.analysis.data(full)

    def analysis_frame(self, transcripts: bool = True) -> ExportData:
        """The study's shape without its words (codes, coders, participants and, unless not
        ``transcripts``, transcripts): what filters, groups and matrix rows are checked against."""
        return self.analysis.frame(transcripts)

    def retrieve(self, code: str, **options: Any) -> Retrieval:
        """Every passage coded with ``code`` (and its sub-codes) across the study that passes the filters.
        Options: subcodes, where, coders, agreed, text, context, redact; ``texts=False``: the
        passages without their words (``passage_texts`` reads them a page at a time)."""
        return self.analysis.retrieve(code, **options)

    def passage_texts(self, passages: Sequence[Passage], **options: Any) -> list[Passage]:
        """Passages read with ``texts=False``, with their words and turns around (context, redact)."""
        return self.analysis.passage_texts(passages, **options)

    def passages_containing(self, passages: Sequence[Passage], text: str, **options: Any) -> list[Passage]:
        """Those of ``passages`` whose words contain ``text``, in order (redact: as shown, names blacked out)."""
        return self.analysis.passages_containing(passages, text, **options)

    def cooccurrence(self, **options: Any) -> Cooccurrence:
        """Which codes are applied to the same segment: counts and Jaccard per pair (coders, rollup, where)."""
        return self.analysis.cooccurrence(**options)

    def shared_passages(self, a: str, b: str, **options: Any) -> Retrieval:
        """The passages where codes ``a`` and ``b`` meet (coders, rollup, context, redact)."""
        return self.analysis.shared_passages(a, b, **options)

    def compare_groups(self, a_where: Where, b_where: Where, **options: Any) -> Comparison:
        """Per code, the share of each group's participants who mention it, side by side (coders)."""
        return self.analysis.compare_groups(a_where, b_where, **options)

    def matrices(self) -> list[FrameworkMatrix]:
        """Every framework matrix in the project, by name, with its summaries."""
        return self.analysis.matrices()

    def matrix(self, name: str) -> FrameworkMatrix:
        return self.analysis.matrix(name)

    def create_matrix(
        self, name: str, rows_by: str, rows: Sequence[str], columns: Sequence[str], **options: Any
    ) -> FrameworkMatrix:
        """A new framework matrix (coder, description, cells): one event."""
        return self.analysis.create_matrix(name, rows_by, rows, columns, **options)

    def import_matrix(self, matrix: FrameworkMatrix, *, coder: str | None = None) -> FrameworkMatrix:
        """Store a matrix read from a file (``qualcode.analysis.matrix.load_matrix``): one event."""
        return self.analysis.import_matrix(matrix, coder=coder)

    def set_cell(self, name: str, row: str, column: str, text: str, *, coder: str) -> FrameworkMatrix:
        """Write (or with empty text, clear) the summary in one cell: one event, undone by ``coder``."""
        return self.analysis.set_cell(name, row, column, text, coder=coder)

    def delete_matrix(self, name: str, *, coder: str) -> None:
        """Delete a matrix and its summaries: one event, undone by ``coder``."""
        return self.analysis.delete_matrix(name, coder=coder)

    def cell_passages(self, name: str, row: str, column: str, **options: Any) -> Retrieval:
        """What supports a cell: passages of the row's participants coded with the column's code (coders, context, redact)."""
        return self.analysis.cell_passages(name, row, column, **options)

    def matrix_view(self, name: str, **options: Any) -> MatrixView:
        """A matrix ready to write: summaries, optional counts and quotes (counts, quotes, coders, redact)."""
        return self.analysis.matrix_view(name, **options)

    # ------------------------------------------------------------------ team
    def merge_from(
        self,
        other: Project,
        dry_run: bool = False,
        codebook: str | None = None,
        coders: str | None = None,
        only_coders: list[str] | None = None,
        force: bool = False,
    ) -> MergePlan:
        """Bring ``other``'s coders, codings, memos, codebook changes and new transcripts into this project.

        A project of another study is refused unless ``force``."""
        return self.team.merge_from(other.team, dry_run, codebook, coders, only_coders, force)

    def copy_for_coder(self, target: str, coder: str) -> Project:
        """A new project at ``target`` with this project's codebook and transcripts and only ``coder``'s work."""
        return Project(self.team.copy_for_coder(target, coder))

    def copies_for_coders(self, targets: list[tuple[str, str]]) -> list[Project]:
        """One copy per (target, coder), all built before any appears: a failure or a kill leaves none."""
        return [Project(store) for store in self.team.copies_for_coders(targets)]


def _create_store(db: str | None, codebook: cb.CodebookDoc | None, name: str | None) -> Store:
    """A new project's store: schema, settings, the codebook and the first event, all or nothing."""
    from qualcode.project.team import NewProject

    return _create_stores([NewProject(db, codebook, name)])[0]


def _create_stores(projects: list[NewProject]) -> list[Store]:
    """New projects' stores, each whole or not at all; every file is built before the first appears."""
    from qualcode.db import engine as dbengine
    from qualcode.store import Store
    from qualcode.store.session import display_location

    urls = [dbengine.resolve_url(new.location) for new in projects]
    engines = dbengine.create_projects([(url, _populate(url, new)) for url, new in zip(urls, projects, strict=True)])
    return [Store(engine, display_location(url)) for engine, url in zip(engines, urls, strict=True)]


def _populate(url: str, new: NewProject) -> Callable[[Connection], None]:
    from sqlalchemy.orm import Session

    from qualcode import codebook as cb
    from qualcode.db.models import Codebook, ProjectInfo
    from qualcode.project.mapping import insert_codes
    from qualcode.project.settings import DEFAULT_SETTINGS
    from qualcode.project.team import STUDY_KEY
    from qualcode.store import log_event, new_guid
    from qualcode.store.session import display_location

    doc = new.codebook or cb.CodebookDoc(name="Codebook", codes=())

    def populate(conn: Connection) -> None:
        with Session(bind=conn) as s:
            for key, value in DEFAULT_SETTINGS.items():
                s.add(ProjectInfo(key=key, value=value))
            s.add(ProjectInfo(key="name", value=new.name or Path(display_location(url)).stem))
            s.add(ProjectInfo(key=STUDY_KEY, value=new_guid()))
            book = Codebook(name=doc.name, description=doc.description, source=doc.source, version=1)
            s.add(book)
            s.flush()
            insert_codes(s, book.id, doc)
            log_event(s, None, "project.create", {"codebook": doc.name, "codes": len(doc.by_id())})
            s.flush()
            if new.fill is not None:
                new.fill(s)
                s.flush()

    return populate
