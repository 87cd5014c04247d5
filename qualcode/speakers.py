"""Who is speaking: the one definition of an interviewer's turn for the whole program.

Interviewer turns are shown muted, left out of coding progress, suggestions and agreement. The
labels are a project setting (``interviewer.labels``, comma-separated) with the defaults below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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


def _norm(label: str) -> str:
    return " ".join(label.split()).casefold()


@dataclass(frozen=True)
class Speakers:
    """Which speaker labels are the interviewer's (compared without case and extra spaces)."""

    interviewer_labels: frozenset[str] = field(default_factory=lambda: frozenset(DEFAULT_INTERVIEWER_LABELS))

    @classmethod
    def from_labels(cls, labels: Iterable[str]) -> Speakers:
        return cls(frozenset(_norm(label) for label in labels if label.strip()))

    @classmethod
    def from_setting(cls, value: str | None) -> Speakers:
        """The project setting's value (comma-separated labels); empty or None means the defaults."""
        if not value or not value.strip():
            return cls()
        return cls.from_labels(value.split(","))

    def is_interviewer(self, speaker: str | None) -> bool:
        return speaker is not None and _norm(speaker) in self.interviewer_labels

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
