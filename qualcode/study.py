"""Plain records an export works on: one read of the project, detached from the database.

``Project.export_data()`` fills them; tests build them by hand. Nothing here knows SQL.
A participant's ``identifying`` block (real names) is deliberately absent: what is not read
cannot be exported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from qualcode.speakers import norm


@dataclass(frozen=True)
class ExportCode:
    key: str
    name: str
    parent_key: str | None
    depth: int
    description: str = ""
    include: str = ""
    exclude: str = ""
    example: str = ""
    keywords: tuple[str, ...] = ()
    color: str | None = None  # the code's own colour (not inherited)
    guid: str = ""


@dataclass(frozen=True)
class ExportParticipant:
    id: int
    label: str
    attributes: dict[str, str] = field(default_factory=dict)
    guid: str = ""


@dataclass(frozen=True)
class ExportTranscript:
    id: int
    name: str
    participant_id: int | None
    text: str = ""  # empty when the export did not ask for texts
    guid: str = ""
    format: str = "txt"
    title: str = ""
    # Speakers whose turns are the words of another participant than ``participant_id`` (a focus
    # group): the speaker as compared (``qualcode.speakers.norm``) -> participant id.
    speaker_people: Mapping[str, int] = field(default_factory=dict)

    def person_id(self, speaker: str | None) -> int | None:
        """Whose words a turn of ``speaker`` is (None: no participant)."""
        if speaker is not None and self.speaker_people:
            pid = self.speaker_people.get(norm(speaker))
            if pid is not None:
                return pid
        return self.participant_id


class ExportSegment(NamedTuple):  # tuples: a 1,000-interview project has 100,000 of them
    id: int
    transcript_id: int
    position: int
    speaker: str | None
    start: int
    end: int
    interviewer: bool = False  # the interviewer's turn (by the project's labels and the transcript's map)
    time_start: float | None = None  # seconds into the recording, where the source has times
    time_end: float | None = None


class ExportCoding(NamedTuple):
    coder: str
    code_key: str
    transcript_id: int
    segment_id: int
    start: int
    end: int
    guid: str = ""
    origin: str = "manual"
    created: str = ""  # ISO 8601, UTC


@dataclass(frozen=True)
class ExportMemo:
    coder: str
    target: str  # segment | coding | code | transcript
    target_id: int | str  # segment/transcript id, coding guid, or code key
    text: str
    guid: str = ""
    created: str = ""


@dataclass
class ExportData:
    """Everything an export needs, in codebook and transcript order."""

    project_name: str = "project"
    codebook_name: str = "Codebook"
    codebook_description: str = ""
    codebook_source: str = ""
    codebook_version: int = 1
    codes: list[ExportCode] = field(default_factory=list)
    coders: list[str] = field(default_factory=list)
    participants: list[ExportParticipant] = field(default_factory=list)
    transcripts: list[ExportTranscript] = field(default_factory=list)
    segments: list[ExportSegment] = field(default_factory=list)
    codings: list[ExportCoding] = field(default_factory=list)
    memos: list[ExportMemo] = field(default_factory=list)

    def attribute_keys(self) -> list[str]:
        """Attribute names used by any participant, in first-seen order."""
        seen: dict[str, None] = {}
        for p in self.participants:
            for key in p.attributes:
                seen.setdefault(key, None)
        return list(seen)
