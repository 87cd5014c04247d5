"""Every passage of a code across the study: the "code report" a researcher reads and annotates.

A *passage* is one distinct coded span: a code (the one asked for, or one of its sub-codes) on a
span ``text[start:end]`` of a transcript's stored text, with every coder who marked exactly that
span. Two coders marking different spans of one segment give two passages; the same span marked
by both gives one passage naming both.

Filters combine with AND:

- ``where``: participant attributes, ``{"role": ("Headteacher", "Deputy head"), "network": ("RLN",)}``
  — any of the values of a key, every key;
- ``coders``: only codings by these coders (none: everyone); ``agreed=N`` keeps a passage only
  where at least N of those coders applied its code to its segment (the unit theme tables use);
- ``text``: the passage contains this text (case-insensitive: ``text_filter``, the one rule);
- ``participants`` / ``segments``: ids, for a matrix cell or a co-occurrence cell.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from qualcode.analysis.themes import (
    NO_PARTICIPANT,
    NOT_RECORDED,
    Redactor,
    TurnBounds,
    _group_sort_key,
    ancestors_map,
    attribution,
    descendants,
    redactor,
)
from qualcode.errors import QualcodeError
from qualcode.segments import clock, segment_number
from qualcode.study import ExportCode, ExportData, ExportParticipant, ExportSegment

INTERVIEWER_LABEL = "Interviewer"  # a passage of the interviewer's turn that names no speaker

Where = Mapping[str, Sequence[str]]


class Study:
    """Look-ups over one ``ExportData``, built in one pass; reuse it for several queries."""

    def __init__(self, data: ExportData):
        self.data = data
        self.codes = {c.key: c for c in data.codes}
        self.order = {c.key: i for i, c in enumerate(data.codes)}
        self.below = descendants(data.codes)
        self.up = ancestors_map(data.codes)
        self.people = {p.id: p for p in data.participants}
        self.transcripts = {t.id: t for t in data.transcripts}
        self.transcript_order = {t.id: i for i, t in enumerate(data.transcripts)}
        self.person_of = {t.id: t.participant_id for t in data.transcripts}
        self.segments = {s.id: s for s in data.segments}
        by_transcript: dict[int, list[ExportSegment]] = defaultdict(list)
        for s in data.segments:
            by_transcript[s.transcript_id].append(s)
        self.turns: dict[int, list[ExportSegment]] = {}
        self.turn_index: dict[int, int] = {}
        for tid, segs in by_transcript.items():
            segs.sort(key=lambda s: s.position)
            self.turns[tid] = segs
            for i, s in enumerate(segs):
                self.turn_index[s.id] = i
        self._bounds = TurnBounds(self.turns)
        self.memos_on_coding: dict[str, list[str]] = defaultdict(list)
        self.memos_on_segment: dict[int, list[str]] = defaultdict(list)
        for m in data.memos:
            if m.target == "coding" and m.target_id:
                self.memos_on_coding[str(m.target_id)].append(f"{m.coder}: {m.text}")
            elif m.target == "segment":
                self.memos_on_segment[int(m.target_id)].append(f"{m.coder}: {m.text}")

    def touched(self, transcript_id: int, start: int, end: int) -> list[int]:
        """The ids of the segments a coding of ``text[start:end]`` runs over, in order (one for a
        coding inside a turn: a passage over several turns is still one passage)."""
        return self._bounds.touched(transcript_id, start, end)

    def person(self, transcript_id: int, speaker: str | None = None) -> ExportParticipant | None:
        """Whose words a turn of ``speaker`` in the transcript is (without a speaker: the transcript's
        participant)."""
        t = self.transcripts.get(transcript_id)
        pid = t.person_id(speaker) if t is not None else self.person_of.get(transcript_id)
        return self.people.get(pid) if pid is not None else None

    def code(self, key: str) -> ExportCode:
        if key not in self.codes:
            raise QualcodeError(f"unknown code {key!r}; `qualcode codebook show` lists the codes")
        return self.codes[key]


# ---------------------------------------------------------------------- filters


def parse_where(items: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """``["role=Headteacher,Deputy head", "network=RLN"]`` -> ``{"role": (…, …), "network": ("RLN",)}``.

    Values of one key are alternatives (a comma separates them; repeating the key adds more).
    """
    out: dict[str, list[str]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        wanted = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not key or not wanted:
            raise QualcodeError(f"--where takes ATTRIBUTE=VALUE[,VALUE…], e.g. role=Headteacher; got {item!r}")
        bucket = out.setdefault(key, [])
        bucket.extend(v for v in wanted if v not in bucket)
    return {k: tuple(v) for k, v in out.items()}


def check_where(data: ExportData, where: Where | None) -> dict[str, frozenset[str]]:
    """The filter with its keys checked against the participants' attributes (values folded for matching)."""
    if not where:
        return {}
    keys = data.attribute_keys()
    out = {}
    for key, values in where.items():
        if key not in keys:
            raise QualcodeError(f"no participant has the attribute {key!r} (attributes: {', '.join(keys) or 'none'})")
        out[key] = frozenset(v.strip().casefold() for v in values)
    return out


def matches(person: ExportParticipant | None, where: Mapping[str, frozenset[str]]) -> bool:
    if not where:
        return True
    if person is None:
        return False
    return all(str(person.attributes.get(k) or "").strip().casefold() in values for k, values in where.items())


def check_coders(data: ExportData, coders: Sequence[str] | None, agreed: int = 0) -> tuple[str, ...]:
    """The coders named, checked against the project (none named: everyone)."""
    known = list(data.coders)
    wanted = tuple(dict.fromkeys(c.strip() for c in coders or () if c.strip()))
    for name in wanted:
        if name not in known:
            raise QualcodeError(f"unknown coder {name!r} (coders: {', '.join(known) or 'none yet'})")
    chosen = wanted or tuple(known)
    if agreed < 0:
        raise QualcodeError("--agreed must be 0 or more")
    if agreed > 1 and agreed > len(chosen):
        raise QualcodeError(f"--agreed {agreed} needs at least {agreed} coders; the selection has {len(chosen)}")
    return chosen


def text_filter(text: str | None) -> Callable[[str], bool] | None:
    """The text filter's one rule, wherever passages are filtered by their words: the passage
    contains ``text``, compared with Unicode case folding (``"STRASSE"`` finds ``"Straße"``).
    None for no filter (``text`` empty)."""
    if not text:
        return None
    needle = text.casefold()
    return lambda passage_text: needle in passage_text.casefold()


def describe_source(coders: Sequence[str], agreed: int, everyone: bool) -> str:
    if agreed >= 2:
        return f"passages whose code at least {agreed} of {', '.join(coders)} applied to the same segment"
    if len(coders) == 1:
        return f"codings by {coders[0]}"
    return "codings by " + ("every coder" if everyone else ", ".join(coders)) + " (union)"


# ---------------------------------------------------------------------- passages


@dataclass(frozen=True, slots=True)
class Turn:
    position: int  # stored position of the segment in its transcript (0-based)
    speaker: str | None
    text: str

    @property
    def segment(self) -> int:
        """The number people use for it (``qualcode.segments``)."""
        return segment_number(self.position)


@dataclass(frozen=True, slots=True)
class Passage:
    code: str
    transcript: str
    transcript_id: int
    segment_id: int
    position: int  # stored position of the segment in its transcript (0-based)
    start: int  # offsets into the stored transcript text
    end: int
    text: str
    participant: str
    participant_id: int | None
    attributes: Mapping[str, str]
    attribution: str
    speaker: str | None
    coders: tuple[str, ...]
    memos: tuple[str, ...] = ()
    before: tuple[Turn, ...] = ()
    after: tuple[Turn, ...] = ()
    interviewer: bool = False  # the interviewer's words: ``participant`` is then the speaker's label
    time_start: float | None = None  # the turn's time in the recording (seconds), where the source has times
    time_end: float | None = None

    @property
    def segment(self) -> int:
        """The number people use for the segment (``qualcode.segments``): 1, 2, 3…"""
        return segment_number(self.position)

    def as_json(self) -> dict[str, Any]:
        out = {
            "transcript": self.transcript,
            "segment": self.segment,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "speaker": self.speaker,
            "interviewer": self.interviewer,
            "participant": self.participant,
            "attributes": dict(self.attributes),
            "coders": list(self.coders),
            "code": self.code,
        }
        if self.time_start is not None:
            out["time_start"], out["time_end"] = self.time_start, self.time_end
            out["clock"] = clock(self.time_start)
        if self.memos:
            out["memos"] = list(self.memos)
        if self.before or self.after:
            out["before"] = [{"segment": t.segment, "speaker": t.speaker, "text": t.text} for t in self.before]
            out["after"] = [{"segment": t.segment, "speaker": t.speaker, "text": t.text} for t in self.after]
        return out


@dataclass
class Retrieval:
    code: str
    code_name: str
    codes: tuple[str, ...]  # the code and, with sub-codes, everything below it (codebook order)
    passages: list[Passage]
    source: str
    filters: list[str] = field(default_factory=list)
    context: int = 0
    redacted: bool = False
    project: str = ""
    texts: bool = True  # False: passages without their words or turns around (``Project.passage_texts`` reads them)

    @property
    def participants(self) -> int:
        return count_people(self.passages)

    def notes(self) -> list[str]:
        out = [f"Source: {self.source}."]
        if len(self.codes) > 1:
            out.append(f"Includes the {len(self.codes) - 1} code(s) below {self.code_name}.")
        out += [f"Filter: {f}." for f in self.filters]
        out.append(
            "One entry per distinct coded span; segment numbers count from 1; offsets are into the stored transcript text."
        )
        if self.redacted:
            out.append("Names from the participants' identifying data are blacked out as [name], [school], [place].")
        return out

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "passages": [p.as_json() for p in self.passages]}


def retrieve(
    data: ExportData,
    code: str,
    *,
    subcodes: bool = True,
    where: Where | None = None,
    coders: Sequence[str] | None = None,
    agreed: int = 0,
    text: str | None = None,
    participants: Iterable[int] | None = None,
    segments: Iterable[int] | None = None,
    context: int = 0,
    redact: list[tuple[str, str]] | None = None,
    study: Study | None = None,
) -> Retrieval:
    """Every passage coded with ``code`` (and, with ``subcodes``, anything below it) that passes the filters."""
    study = study or Study(data)
    root = study.code(code)
    wanted_codes = study.below[code] if subcodes else {code}
    chosen = check_coders(data, coders, agreed)
    chosen_set = set(chosen)
    attr_filter = check_where(data, where)
    if context < 0:
        raise QualcodeError("--context must be 0 or more")
    person_ok: dict[tuple[int, str | None], bool] = {}
    people_filter = set(participants) if participants is not None else None
    segment_filter = set(segments) if segments is not None else None

    def speaker_ok(tid: int, seg_id: int) -> bool:
        seg = study.segments.get(seg_id)
        speaker = seg.speaker if seg is not None and not seg.interviewer else None
        key = (tid, speaker)
        ok = person_ok.get(key)
        if ok is None:
            person = study.person(tid, speaker)
            ok = matches(person, attr_filter) and (
                people_filter is None or (person.id if person is not None else None) in people_filter
            )
            person_ok[key] = ok
        return ok

    # One pass: distinct spans, with their coders and coding GUIDs; coders per (segment, code) for --agreed.
    # A coding over several turns is one passage; for --agreed and --segment it counts in each turn it touches.
    spans: dict[tuple[str, int, int, int], tuple[int, set[str], list[str], list[int]]] = {}
    unit_coders: dict[tuple[int, str], set[str]] = defaultdict(set)
    for c in data.codings:
        if c.code_key not in wanted_codes or c.coder not in chosen_set:
            continue
        if not speaker_ok(c.transcript_id, c.segment_id):
            continue
        over = study.touched(c.transcript_id, c.start, c.end) or [c.segment_id]
        if segment_filter is not None and segment_filter.isdisjoint(over):
            continue
        span = (c.code_key, c.transcript_id, c.start, c.end)
        entry = spans.get(span)
        if entry is None:
            spans[span] = entry = (c.segment_id, set(), [], over)
        entry[1].add(c.coder)
        if c.guid:
            entry[2].append(c.guid)
        for sid in over:
            unit_coders[(sid, c.code_key)].add(c.coder)

    wanted_text = text_filter(text)
    blackout = redactor(redact or [])
    texts = {t.id: t.text for t in data.transcripts}
    passages: list[Passage] = []
    # (transcript, speaker) -> (name, label, participant id, attributes, attribution)
    speakers: dict[tuple[int, str | None, bool], tuple[str, str, int | None, Mapping[str, str], str]] = {}
    for (key, tid, start, end), (seg_id, who, guids, over) in spans.items():
        if agreed >= 2 and all(len(unit_coders[(sid, key)]) < agreed for sid in over):
            continue
        raw = texts.get(tid, "")[start:end]
        if wanted_text is not None and not wanted_text(raw):
            continue
        seg = study.segments.get(seg_id)
        # A question coded with its answer is the answer's: the first turn that is not the interviewer's.
        said = next((g for g in (study.segments.get(sid) for sid in over) if g is not None and not g.interviewer), None)
        speaker = said.speaker if said else (seg.speaker if seg else None)
        asked = said is None and bool(seg and seg.interviewer)
        who_said = speakers.get((tid, speaker, asked))
        if who_said is None:
            t = study.transcripts[tid]
            if asked:  # the interviewer's words are never a participant's quote
                said_by = speaker or INTERVIEWER_LABEL
                who_said = (t.name, said_by, None, MappingProxyType({}), f"{said_by} (interviewer)")
            else:
                person = study.person(tid, speaker)
                who_said = (
                    t.name,
                    person.label if person else t.name,
                    person.id if person else None,
                    MappingProxyType(dict(person.attributes) if person else {}),
                    attribution(person, "attributes", t.name),
                )
            speakers[(tid, speaker, asked)] = who_said
        memos = [m for g in guids for m in study.memos_on_coding.get(g, ())] + study.memos_on_segment.get(seg_id, [])
        before, after = _context(study, texts, over, context, blackout) if context else ((), ())
        passages.append(
            Passage(
                key,
                who_said[0],
                tid,
                seg_id,
                seg.position if seg else -1,
                start,
                end,
                blackout(raw),
                who_said[1],
                who_said[2],
                who_said[3],
                who_said[4],
                speaker,
                tuple(sorted(who)),
                tuple(dict.fromkeys(blackout(m) for m in memos)),
                before,
                after,
                asked,
                seg.time_start if seg else None,
                seg.time_end if seg else None,
            )
        )
    passages.sort(key=lambda p: (study.transcript_order.get(p.transcript_id, 0), p.start, p.end, study.order[p.code]))
    codes = tuple(k for k in study.order if k in wanted_codes)
    filters = []
    if where:
        filters.append(" and ".join(f"{k} = {' or '.join(v)}" for k, v in where.items()))
    if text:
        filters.append(f"text contains {text!r}")
    return Retrieval(
        code,
        root.name,
        codes,
        passages,
        describe_source(chosen, agreed, not coders),
        filters,
        context,
        bool(redact),
        data.project_name,
    )


def _context(
    study: Study, texts: Mapping[int, str], over: Sequence[int], n: int, blackout: Redactor
) -> tuple[tuple[Turn, ...], tuple[Turn, ...]]:
    """The ``n`` turns before the passage's first turn and after its last."""
    seg = study.segments.get(over[0])
    if seg is None:
        return (), ()
    turns = study.turns[seg.transcript_id]
    i = study.turn_index[over[0]]
    j = study.turn_index.get(over[-1], i)
    text = texts.get(seg.transcript_id, "")

    def turn(s: ExportSegment) -> Turn:
        return Turn(s.position, s.speaker, blackout(text[s.start : s.end]))

    return tuple(turn(s) for s in turns[max(0, i - n) : i]), tuple(turn(s) for s in turns[j + 1 : j + 1 + n])


# ---------------------------------------------------------------------- grouping


@dataclass(frozen=True)
class PassageGroup:
    label: str
    passages: tuple[Passage, ...]

    @property
    def participants(self) -> int:
        return count_people(self.passages)


def count_people(passages: Iterable[Passage]) -> int:
    """How many participants said these passages (the interviewer is nobody's participant)."""
    return len(
        {
            p.participant_id if p.participant_id is not None else ("t", p.transcript_id)
            for p in passages
            if not p.interviewer
        }
    )


def group_passages(passages: Sequence[Passage], by: str = "participant") -> list[PassageGroup]:
    """Passages grouped by participant label or by the value of one attribute (natural order, missing last)."""
    groups: dict[str, list[Passage]] = defaultdict(list)
    for p in passages:
        if p.interviewer:
            label = f"{p.participant} (interviewer)"
        elif by == "participant":
            label = p.participant if p.participant_id is not None else NO_PARTICIPANT
        elif p.participant_id is None:
            label = NO_PARTICIPANT
        else:
            label = str(p.attributes.get(by) or "").strip() or NOT_RECORDED
        groups[label].append(p)
    return [PassageGroup(g, tuple(groups[g])) for g in sorted(groups, key=lambda g: _group_sort_key((g,)))]


def check_group_by(data: ExportData, by: str) -> str:
    by = (by or "participant").strip()
    keys = data.attribute_keys()
    if by != "participant" and by not in keys:
        raise QualcodeError(f"cannot group by {by!r}: use participant or an attribute ({', '.join(keys) or 'none'})")
    return by
