"""Who is speaking: the one definition of an interviewer's turn, and of whose words a turn is.

Interviewer turns are shown muted, left out of coding progress, suggestions, agreement and
participant quotes. The labels are a project setting (``interviewer.labels``, comma-separated)
with the defaults below. One transcript can say otherwise for its own speakers (its ``speakers``
map, kept in the transcript's metadata): a speaker can be the interviewer whatever the labels say,
a participant although the labels call them the interviewer, or a participant of their own (a
focus group: each speaker a participant with attributes). A speaker the map does not name speaks
for the transcript's participant, unless the labels make them the interviewer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from qualcode.errors import QualcodeError

SETTING = "interviewer.labels"
DEFAULT_INTERVIEWER_LABELS: tuple[str, ...] = (
    "interviewer",
    "interviewer 1",
    "interviewer 2",
    "int",
    "i",
    "q",
    "moderator",
    "facilitator",
)
META_KEY = "speakers"  # the transcript metadata key that holds its speakers map
INTERVIEWER = "interviewer"
PARTICIPANT = "participant"


def norm(label: str) -> str:
    """A speaker label as compared: without case and extra spaces."""
    return " ".join(label.split()).casefold()


_norm = norm


@dataclass(frozen=True)
class SpeakerRole:
    """What one transcript says of one of its speakers: the interviewer, or the words of a participant
    (``participant`` is a participant's label; None: the transcript's own participant)."""

    speaker: str
    interviewer: bool = False
    participant: str | None = None

    def as_meta(self) -> dict[str, str]:
        if self.interviewer:
            return {"role": INTERVIEWER}
        return {"role": PARTICIPANT, **({"participant": self.participant} if self.participant else {})}


def roles_from_meta(value: Any, where: str = "the transcript") -> list[SpeakerRole]:
    """A transcript's ``speakers`` map as stored, or as written in front matter::

    speakers:
      Speaker 1: interviewer            # the interviewer, whatever the project's labels say
      Speaker 2: Teacher A              # the words of participant "Teacher A"
      Speaker 3: {role: participant}    # the transcript's own participant
    """
    if value is None:
        return []
    if not isinstance(value, Mapping):
        raise QualcodeError(f"{where}: 'speakers' must map speaker names to 'interviewer' or a participant's label")
    out: list[SpeakerRole] = []
    for speaker, spec in value.items():
        name = " ".join(str(speaker).split())
        if not name:
            raise QualcodeError(f"{where}: a speaker name in 'speakers' is empty")
        if isinstance(spec, str):
            label = " ".join(spec.split())
            if not label:
                raise QualcodeError(f"{where}: speaker {name!r} needs 'interviewer' or a participant's label")
            if norm(label) == INTERVIEWER:
                out.append(SpeakerRole(name, interviewer=True))
            else:
                out.append(SpeakerRole(name, participant=label))
        elif isinstance(spec, Mapping):
            kind = str(spec.get("role") or PARTICIPANT).strip().casefold()
            if kind not in (INTERVIEWER, PARTICIPANT):
                raise QualcodeError(f"{where}: speaker {name!r} has role {kind!r}; use interviewer or participant")
            given = " ".join(str(spec.get("participant") or "").split())
            if kind == INTERVIEWER and given:
                raise QualcodeError(f"{where}: speaker {name!r} cannot be the interviewer and a participant")
            out.append(SpeakerRole(name, kind == INTERVIEWER, given or None))
        else:
            raise QualcodeError(f"{where}: speaker {name!r} needs 'interviewer' or a participant's label")
    seen: set[str] = set()
    for entry in out:
        if norm(entry.speaker) in seen:
            raise QualcodeError(f"{where}: speaker {entry.speaker!r} is named twice in 'speakers'")
        seen.add(norm(entry.speaker))
    return out


def roles_to_meta(roles: Iterable[SpeakerRole]) -> dict[str, dict[str, str]]:
    return {r.speaker: r.as_meta() for r in roles}


@dataclass(frozen=True)
class Speakers:
    """Which speaker labels are the interviewer's (compared without case and extra spaces), and what
    each transcript's ``speakers`` map says of its own speakers (``roles``: transcript id -> roles)."""

    interviewer_labels: frozenset[str] = field(default_factory=lambda: frozenset(DEFAULT_INTERVIEWER_LABELS))
    roles: tuple[tuple[int, tuple[SpeakerRole, ...]], ...] = ()

    @classmethod
    def from_labels(cls, labels: Iterable[str]) -> Speakers:
        return cls(frozenset(_norm(label) for label in labels if label.strip()))

    @classmethod
    def from_setting(cls, value: str | None) -> Speakers:
        """The project setting's value (comma-separated labels); empty or None means the defaults."""
        if not value or not value.strip():
            return cls()
        return cls.from_labels(value.split(","))

    def with_roles(self, roles: Mapping[int, Iterable[SpeakerRole]]) -> Speakers:
        return Speakers(self.interviewer_labels, tuple((tid, tuple(rs)) for tid, rs in roles.items() if rs))

    @cached_property
    def _by_transcript(self) -> dict[int, dict[str, SpeakerRole]]:
        return {tid: {norm(r.speaker): r for r in rs} for tid, rs in self.roles}

    def role(self, speaker: str | None, transcript_id: int | None) -> SpeakerRole | None:
        """What transcript ``transcript_id`` says of ``speaker`` (None: nothing of its own)."""
        if speaker is None or transcript_id is None:
            return None
        own = self._by_transcript.get(transcript_id)
        return own.get(norm(speaker)) if own else None

    def is_interviewer(self, speaker: str | None, transcript_id: int | None = None) -> bool:
        if speaker is None:
            return False
        own = self.role(speaker, transcript_id)
        if own is not None:
            return own.interviewer
        return _norm(speaker) in self.interviewer_labels

    def participant_of(self, speaker: str | None, transcript_id: int | None) -> str | None:
        """The label of the participant whose words a turn is, when the transcript names one for the
        speaker (None: the transcript's own participant, or the interviewer)."""
        own = self.role(speaker, transcript_id)
        return own.participant if own is not None and not own.interviewer else None

    def transcripts_with_roles(self) -> dict[int, tuple[SpeakerRole, ...]]:
        return dict(self.roles)

    def setting_value(self) -> str:
        return ", ".join(sorted(self.interviewer_labels))


DEFAULT_SPEAKERS = Speakers()


def speaker_turns(speakers: Iterable[str | None]) -> list[tuple[str | None, int]]:
    """Each speaker of a transcript with its number of turns, in order of first appearance.

    ``speakers`` is the speaker of each segment in order; a turn is a run of consecutive segments
    by one speaker (a long turn split into several segments is still one turn)."""
    counts: dict[str | None, int] = {}
    previous: object = object()
    for speaker in speakers:
        if speaker != previous:
            counts[speaker] = counts.get(speaker, 0) + 1
        previous = speaker
    return list(counts.items())
