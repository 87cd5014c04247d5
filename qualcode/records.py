"""Plain records that ``qualcode.project`` hands to the CLI, the TUI and the domain modules.

They are detached from the database: safe to keep, pass between threads and test with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CoderInfo:
    id: int
    name: str


@dataclass(frozen=True)
class CoderMerge:
    """What merging coder ``source`` into ``target`` did (``qualcode coders merge``)."""

    source: str
    target: str
    codings_moved: int
    codings_dropped: int  # both had coded the same passage with the same code: the target's kept
    memos_moved: int
    memos_joined: int  # both had a memo on the same place: the source's text added below the target's


@dataclass(frozen=True)
class CodeInfo:
    id: int
    key: str
    name: str
    parent_key: str | None
    depth: int
    position: int
    description: str = ""
    include: str = ""
    exclude: str = ""
    example: str = ""
    keywords: tuple[str, ...] = ()
    color: str | None = None  # own colour, or the nearest ancestor's
    guid: str = ""

    @property
    def path(self) -> str:
        return self.key


@dataclass(frozen=True)
class ParticipantInfo:
    id: int
    label: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SpeakerInfo:
    """One speaker of a transcript: how many turns, and whose words they are."""

    speaker: str
    turns: int
    interviewer: bool
    participant: str | None  # whose words (None: the interviewer's, or no participant)
    set_here: bool = False  # said by the transcript's own speakers map, not by the project's labels


@dataclass(frozen=True)
class MemoEntry:
    """A memo with its place, for the list of every memo (``qualcode memos``)."""

    id: int
    coder: str
    target: str  # segment | coding | code | transcript
    text: str
    updated: str  # ISO 8601, UTC
    transcript: str | None = None  # the transcript it is on, or whose segment or coding it is on
    transcript_id: int | None = None
    segment_id: int | None = None
    position: int | None = None  # the segment's stored position (0-based)
    code: str | None = None  # the code's key (a memo on a code, or on a coding of it)
    code_name: str | None = None
    passage: str = ""  # the coded words (memo on a coding) or the segment's text (memo on a segment)


@dataclass(frozen=True)
class TranscriptInfo:
    id: int
    name: str
    format: str
    participant: str | None
    attributes: dict[str, str]
    n_segments: int
    n_chars: int
    coded_segments: int = 0  # of the segments to code, by the coder asked about, if any
    source_path: str = ""
    sha256: str = ""
    n_to_code: int = 0  # segments a coder is meant to code: every turn but the interviewer's
    flags: tuple[str, ...] = ()  # what the import noticed about the source, e.g. "captions, no speakers"
    overlaps: tuple[int, ...] = ()  # positions of segments whose speech overlaps the turn before

    @property
    def progress(self) -> float:
        return self.coded_segments / self.n_to_code if self.n_to_code else 0.0


@dataclass(frozen=True)
class SegmentInfo:
    id: int
    transcript_id: int
    position: int
    speaker: str | None
    start: int
    end: int
    text: str
    time_start: float | None = None
    time_end: float | None = None
    interviewer: bool = False  # an interviewer's turn, by the project's ``Speakers``


@dataclass(frozen=True)
class CodingInfo:
    id: int
    code_key: str
    code_name: str
    coder: str
    transcript_id: int
    segment_id: int  # the first segment it touches: a coding may run on over the next turns
    start: int  # offsets into the transcript's text: the passage is text[start:end]
    end: int
    origin: str
    color: str | None = None


@dataclass(frozen=True)
class MemoInfo:
    id: int
    coder: str
    target: str  # segment | coding | code | transcript
    target_id: int
    text: str


@dataclass(frozen=True)
class ImportOutcome:
    name: str
    status: str  # imported | unchanged
    segments: int = 0
    detail: str = ""


@dataclass(frozen=True)
class CodingsImportOutcome:
    path: str
    added: int
    unchanged: int
    memos: int
    coders_added: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldChange:
    """One field of a code as a change left it."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class EventInfo:
    """One event of the log as data; ``qualcode.event_words`` words it for people.

    For ``undo`` and ``redo`` events, ``action`` is the kind of the change reversed or re-applied
    and the ids and changes are that change's; the same for ``undo.skip`` and ``redo.skip``, an
    undo or redo that found the change's rows gone and skipped it (``reason`` says what is gone).
    For any other event ``action`` equals ``kind``.
    """

    id: int
    kind: str
    coder: str | None
    summary: str  # worded without names (ids only); faces word it with names via event_words
    action: str = ""
    code_ids: tuple[int, ...] = ()
    segment_ids: tuple[int, ...] = ()
    transcript_ids: tuple[int, ...] = ()
    changes: tuple[FieldChange, ...] = ()  # code.update: each changed field, before and after
    code_key: str | None = None  # the code added, changed, deleted or merged away
    code_name: str | None = None
    memo_target: str | None = None  # memo.set: segment | coding | code | transcript
    memo_target_id: int | None = None
    suggestion_id: int | None = None
    participant_label: str | None = None  # participant.attributes
    transcript_name: str | None = None  # transcript.import
    n_segments: int | None = None
    matrix_name: str | None = None  # matrix.create, matrix.cell, matrix.delete
    matrix_row: str | None = None  # matrix.cell: the cell written
    matrix_column: str | None = None
    undoes: int | None = None  # undo/redo: the event it cancels
    reason: str | None = None  # undo.skip/redo.skip: why the change could not be reversed or re-applied
    coder_names: tuple[str, ...] = ()  # coder.rename: before, after; coder.remove: the name; coder.merge: from, into


@dataclass(frozen=True)
class ProjectSummary:
    location: str
    codebook: str
    codebook_version: int
    n_codes: int
    coders: tuple[str, ...]
    n_transcripts: int
    n_segments: int
    n_words: int
    codings_by_coder: dict[str, int]
    n_memos: int
    n_participants: int
