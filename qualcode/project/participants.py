"""Participants' attributes after import: `qualcode participants set`, one undoable event each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.db.models import Participant
from qualcode.errors import GoneSince, QualcodeError
from qualcode.limits import check_length
from qualcode.project import events
from qualcode.records import ParticipantInfo
from qualcode.store import Store, coder_row, log_event

PARTICIPANT_EVENTS = ("participant.attributes",)


class ParticipantPart:
    def __init__(self, store: Store) -> None:
        self._store = store

    def set_attributes(self, label: str, coder: str, values: Mapping[str, str | None]) -> ParticipantInfo:
        """Set (or, with None or "", remove) attributes of participant ``label``. One event."""
        if not values:
            raise QualcodeError("say which attributes to set: KEY=VALUE (KEY= removes one)")
        changes: dict[str, str | None] = {}
        for key, value in values.items():
            key = key.strip()
            if not key:
                raise QualcodeError("an attribute needs a name before '=', e.g. role=Teacher")
            if key in ("participant", "identifying", "speakers", "media", "title"):
                raise QualcodeError(f"{key!r} is not an attribute: it has a meaning of its own in front matter")
            check_length("attribute name", key, "the attribute's name")
            text = None if value is None or not str(value).strip() else " ".join(str(value).split())
            check_length("attribute value", text, f"the value of {key}")
            changes[key] = text
        with self._store.tx() as s:
            coder_id = coder_row(s, coder)[0]
            person = _participant(s, label)
            before = dict(person.attributes or {})
            after = dict(before)
            for key, text in changes.items():
                if text is None:
                    after.pop(key, None)
                else:
                    after[key] = text
            if after != before:
                person.attributes = after
                log_event(
                    s,
                    coder_id,
                    "participant.attributes",
                    {"participant_id": person.id, "label": person.label, "before": before, "after": after},
                )
            return ParticipantInfo(person.id, person.label, after)


def undo_participant_event(s: Session, p: dict[str, Any], redo: bool = False) -> None:
    person = s.get(Participant, p["participant_id"])
    if person is None:
        raise GoneSince(f"the attributes of {p['label']!r}: the participant was removed since")
    current, wanted = (p["before"], p["after"]) if redo else (p["after"], p["before"])
    if dict(person.attributes or {}) != current:
        raise QualcodeError(f"cannot reverse the attributes of {p['label']!r}: they were changed since")
    person.attributes = dict(wanted)


def _participant(s: Session, label: str) -> Participant:
    person = s.scalars(select(Participant).where(Participant.label == label)).first()
    if person is None:
        known = sorted(s.scalars(select(Participant.label)))[:5]
        hint = f" (participants: {', '.join(known)}{'…' if len(known) == 5 else ''})" if known else ""
        raise QualcodeError(f"no participant labelled {label!r}{hint}; `qualcode participants list` shows them")
    return person


events.register(
    PARTICIPANT_EVENTS,
    undo=lambda c: undo_participant_event(c.s, c.payload),
    redo=lambda c: undo_participant_event(c.s, c.payload, redo=True),
    fields=lambda p: {"participant_label": p.get("label")},
)
