"""Whose words each turn is: a transcript's speakers mapped to the interviewer and to participants.

The map lives in the transcript's metadata (``meta["speakers"]``, see ``qualcode.speakers``), so a
transcript carries it through copy, split, merge, replace and remove. Each change is one undoable
event, ``transcript.speakers``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from qualcode.db.models import Participant, Segment, Transcript
from qualcode.errors import GoneSince, QualcodeError
from qualcode.limits import check_length
from qualcode.project import events
from qualcode.project.mapping import project_speakers
from qualcode.records import SpeakerInfo
from qualcode.speakers import META_KEY, SpeakerRole, norm, roles_from_meta, roles_to_meta
from qualcode.store import Store, coder_row, log_event, new_guid

SPEAKER_EVENTS = ("transcript.speakers",)


class SpeakerRolesPart:
    def __init__(self, store: Store) -> None:
        self._store = store

    def speakers(self, name: str) -> list[SpeakerInfo]:
        """Every speaker of transcript ``name`` in order of first turn, with their turns and role."""
        with self._store.read() as s:
            tid = _transcript_id(s, name)
            return _speaker_infos(s, tid)

    def set_speakers(
        self,
        name: str,
        coder: str,
        interviewer: Iterable[str] = (),
        participants: Mapping[str, str] | None = None,
        reset: Iterable[str] = (),
    ) -> list[SpeakerInfo]:
        """Say who each named speaker is: the interviewer, a participant (by label; a new label makes a
        new participant), or back to what the project's labels say (``reset``). One event."""
        participants = dict(participants or {})
        interviewer, reset = list(interviewer), list(reset)
        if not (interviewer or participants or reset):
            raise QualcodeError("say who a speaker is: --interviewer SPEAKER, --participant SPEAKER=LABEL or --reset")
        with self._store.tx() as s:
            coder_id = coder_row(s, coder)[0]
            tid = _transcript_id(s, name)
            t = s.get(Transcript, tid)
            assert t is not None
            here = _speaker_names(s, tid)
            named = [*interviewer, *participants, *reset]
            folded = [norm(n) for n in named]
            for n, f in zip(named, folded):
                if f not in here:
                    known = ", ".join(here.values()) or "none: this transcript has no speaker labels"
                    raise QualcodeError(f"{name!r} has no speaker {n!r} (speakers: {known})")
            if len(set(folded)) != len(folded):
                raise QualcodeError("a speaker is named twice; say once who each speaker is")
            meta = dict(t.meta or {})
            before = meta.get(META_KEY)
            roles = {norm(r.speaker): r for r in roles_from_meta(before, name)}
            for n in interviewer:
                roles[norm(n)] = SpeakerRole(here[norm(n)], interviewer=True)
            created: list[dict[str, Any]] = []
            for n, label in participants.items():
                label = " ".join(label.split())
                if not label:
                    raise QualcodeError(f"speaker {n!r} needs a participant's label, e.g. {n!r}='Teacher A'")
                check_length("participant label", label, "--participant")
                person = s.scalars(select(Participant).where(Participant.label == label)).first()
                if person is None:
                    person = Participant(label=label, attributes={}, identifying={}, guid=new_guid())
                    s.add(person)
                    s.flush()
                    created.append({"id": person.id, "label": label, "guid": person.guid})
                roles[norm(n)] = SpeakerRole(here[norm(n)], participant=label)
            for n in reset:
                roles.pop(norm(n), None)
            after = roles_to_meta(roles.values()) or None
            if after == before and not created:
                return _speaker_infos(s, tid)
            _write(s, tid, after)
            log_event(
                s,
                coder_id,
                "transcript.speakers",
                {"transcript_id": tid, "name": name, "before": before, "after": after, "created": created},
            )
            s.flush()
            return _speaker_infos(s, tid)


def undo_speakers_event(s: Session, p: dict[str, Any], redo: bool = False) -> None:
    tid = p["transcript_id"]
    t = s.get(Transcript, tid)
    if t is None:
        raise GoneSince(f"the speakers of {p['name']!r}: the transcript was removed since")
    current, wanted = (p["before"], p["after"]) if redo else (p["after"], p["before"])
    if (t.meta or {}).get(META_KEY) != current:
        raise QualcodeError(f"cannot reverse the speakers of {p['name']!r}: they were changed since")
    if redo:
        for person in p.get("created", []):
            if s.scalar(select(Participant.id).where(Participant.label == person["label"])) is None:
                s.add(
                    Participant(
                        id=person["id"], label=person["label"], attributes={}, identifying={}, guid=person["guid"]
                    )
                )
        s.flush()
    _write(s, tid, wanted)
    if not redo:
        s.flush()
        for person in p.get("created", []):
            if not _participant_in_use(s, person["id"], person["label"]):
                s.execute(delete(Participant).where(Participant.id == person["id"], Participant.guid == person["guid"]))


def _participant_in_use(s: Session, pid: int, label: str) -> bool:
    if s.scalar(select(func.count()).select_from(Transcript).where(Transcript.participant_id == pid)):
        return True
    return any(r.participant == label for rs in project_speakers(s).transcripts_with_roles().values() for r in rs)


def _write(s: Session, tid: int, value: Any) -> None:
    t = s.get(Transcript, tid)
    assert t is not None
    meta = dict(t.meta or {})
    if value:
        meta[META_KEY] = value
    else:
        meta.pop(META_KEY, None)
    t.meta = meta  # a new dict: the JSON column sees the change


def _transcript_id(s: Session, name: str) -> int:
    tid = s.scalar(select(Transcript.id).where(Transcript.name == name))
    if tid is None:
        raise QualcodeError(f"no transcript named {name!r}; `qualcode transcripts list` shows them")
    return tid


def _speaker_names(s: Session, tid: int) -> dict[str, str]:
    """Folded -> the label as the transcript first writes it, in order of first turn."""
    out: dict[str, str] = {}
    for speaker in s.scalars(
        select(Segment.speaker)
        .where(Segment.transcript_id == tid, Segment.speaker.is_not(None))
        .order_by(Segment.position)
    ):
        if speaker is not None:
            out.setdefault(norm(speaker), speaker)
    return out


def _speaker_infos(s: Session, tid: int) -> list[SpeakerInfo]:
    speakers = project_speakers(s)
    t = s.get(Transcript, tid)
    assert t is not None
    own_label = (
        s.scalar(select(Participant.label).where(Participant.id == t.participant_id)) if t.participant_id else None
    )
    turns: dict[str, int] = {}
    for speaker, n in s.execute(
        select(Segment.speaker, func.count())
        .where(Segment.transcript_id == tid, Segment.speaker.is_not(None))
        .group_by(Segment.speaker)
    ):
        if speaker is not None:
            turns[norm(speaker)] = turns.get(norm(speaker), 0) + n
    out = []
    for folded, speaker in _speaker_names(s, tid).items():
        role = speakers.role(speaker, tid)
        asked = speakers.is_interviewer(speaker, tid)
        person = None if asked else (speakers.participant_of(speaker, tid) or own_label)
        out.append(SpeakerInfo(speaker, turns.get(folded, 0), asked, person, role is not None))
    return out


events.register(
    SPEAKER_EVENTS,
    undo=lambda c: undo_speakers_event(c.s, c.payload),
    redo=lambda c: undo_speakers_event(c.s, c.payload, redo=True),
    fields=lambda p: {"transcript_ids": (p.get("transcript_id"),), "transcript_name": p.get("name")},
)
