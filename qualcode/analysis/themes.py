"""Theme tables: one model of "which themes, how often, for whom, in whose words".

Plain Python on ``ExportData``. The steps:

1. **Source of codings** (``select_units``): one coder, the union of several, or only what two
   coders agreed on. A *unit* is a (segment, code) pair: a code counts once per segment however
   many spans of it a coder marked there. ``agreed`` keeps a unit only where both named coders
   applied that very code to that segment.
2. **Table** (``build_table``): rows are codes in codebook order with their depth; a code with
   sub-codes *rolls up*: its cells count each segment (or participant) coded with it or with
   anything below it, once. Columns are participants, or the values of one or two participant
   attributes (``by=("role",)``, ``by=("role", "network")``); cells count coded segments or the
   participants who mention the code; a total column and an "any code" row come with it.
3. **Quotes** (``build_quotes``): per code, the N most representative coded passages —
   agreed on by more coders, of a quotable length, using the code's keywords, from as many
   different participants and groups as possible — starting at the first content sentence
   (``content_start``: not "[pause]", "Yes.", "Of course."), trimmed at sentence bounds and
   attributed the way the write-ups quote interviewees ("Headteacher, School C (RLN)").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from qualcode import codetree
from qualcode.errors import QualcodeError
from qualcode.segments import touched
from qualcode.study import ExportCode, ExportData, ExportParticipant, ExportSegment, ExportTranscript

NOT_RECORDED = "(not recorded)"
NO_PARTICIPANT = "(no participant)"
COUNTS = ("segments", "participants")
ATTRIBUTION_STYLES = ("attributes", "label")
DEFAULT_QUOTE_CHARS = 320


# ---------------------------------------------------------------------- source of codings


Counted = int | tuple[str, int]
"""What a theme table counts: a segment or participant id, or ("t", transcript id) for a transcript
without a participant."""


class Unit(NamedTuple):
    """A code applied to a segment (by the coders in ``coders``), with the passage to quote."""

    segment_id: int
    transcript_id: int
    code_key: str
    start: int
    end: int
    coders: frozenset[str]
    segments: tuple[int, ...] = ()  # every segment its codings touch (a passage may run over several turns)


@dataclass(frozen=True)
class Source:
    coders: tuple[str, ...]
    agreed: bool = False

    def describe(self) -> str:
        if self.agreed:
            return f"codes applied by both {self.coders[0]} and {self.coders[1]} to the same segment"
        if not self.coders:
            return "codings (none yet: the project has no coders)"
        if len(self.coders) == 1:
            return f"codings by {self.coders[0]}"
        return "codings by " + _join(self.coders) + " (union: a code counts once per segment)"


def resolve_source(data: ExportData, coders: list[str] | None, agreed: bool) -> Source:
    """Check the coders named against the project; no coders means everyone (union)."""
    known = list(data.coders)
    wanted = list(dict.fromkeys(coders or []))
    for name in wanted:
        if name not in known:
            raise QualcodeError(f"unknown coder {name!r} (coders: {', '.join(known) or 'none yet'})")
    if agreed:
        if len(wanted) != 2:
            raise QualcodeError("--agreed needs exactly two coders, e.g. --coders alice,bob --agreed")
        return Source(tuple(wanted), True)
    return Source(tuple(wanted or known), False)


def select_units(data: ExportData, source: Source) -> list[Unit]:
    """The (segment, code) units the source stands for, in transcript order."""
    wanted = set(source.coders)
    spans: dict[tuple[int, str], dict[str, list[tuple[int, int]]]] = {}
    transcript_of: dict[int, int] = {}
    turns = TurnBounds.of(data)
    for coder, key, tid, seg_id, start, end, *_ in data.codings:
        if coder in wanted:
            by_coder = spans.get((seg_id, key))
            if by_coder is None:
                spans[(seg_id, key)] = by_coder = {}
                transcript_of[seg_id] = tid
            by_coder.setdefault(coder, []).append((start, end))
    units: list[Unit] = []
    for (seg_id, key), by_coder in spans.items():
        tid = transcript_of[seg_id]
        over = tuple(
            dict.fromkeys(sid for spans_ in by_coder.values() for a, b in spans_ for sid in turns.touched(tid, a, b))
        )
        if source.agreed:
            a, b = source.coders
            if a not in by_coder or b not in by_coder:
                continue
            ha, hb = _hull(by_coder[a]), _hull(by_coder[b])
            start, end = max(ha[0], hb[0]), min(ha[1], hb[1])
            if start >= end:  # both coded the segment, in different places: quote both places
                start, end = min(ha[0], hb[0]), max(ha[1], hb[1])
            units.append(Unit(seg_id, tid, key, start, end, frozenset((a, b)), over))
        else:
            all_spans = [s for spans_ in by_coder.values() for s in spans_]
            start, end = _hull(all_spans)
            units.append(Unit(seg_id, tid, key, start, end, frozenset(by_coder), over))
    units.sort(key=lambda u: (u.transcript_id, u.start, u.code_key))
    return units


def speaking_people(t: ExportTranscript, turns: Iterable[ExportSegment]) -> set[int | None]:
    """The participants whose words a transcript holds (``turns``: its segments): its own participant,
    unless each of its speakers is the interviewer or mapped to someone else (a focus group)."""
    if not t.speaker_people:
        return {t.participant_id}
    spoken = {t.person_id(s.speaker) for s in turns if not s.interviewer}
    return spoken or {t.participant_id}


def speaker_of_segments(data: ExportData) -> dict[int, tuple[str | None, bool]]:
    """Segment id -> (speaker, whether it is the interviewer's turn)."""
    return {s.id: (s.speaker, s.interviewer) for s in data.segments}


def participant_turns(u: Unit, speaking: dict[int, tuple[str | None, bool]]) -> list[int]:
    """The turns of a unit that are not the interviewer's (a question coded with its answer counts
    as the answer)."""
    return [sid for sid in (u.segments or (u.segment_id,)) if not speaking.get(sid, (None, False))[1]]


class TurnBounds:
    """Which segments a coding touches (bounds built once per transcript, when first asked).
    ``turns``: transcript id -> its segments in order of position."""

    def __init__(self, turns: Mapping[int, list[ExportSegment]]) -> None:
        self._turns = turns
        self._bounds: dict[int, tuple[list[int], list[tuple[int, int]], list[int]]] = {}

    @classmethod
    def of(cls, data: ExportData) -> TurnBounds:
        by_transcript: dict[int, list[ExportSegment]] = {}
        for g in data.segments:
            by_transcript.setdefault(g.transcript_id, []).append(g)
        for segs in by_transcript.values():
            segs.sort(key=lambda g: g.position)
        return cls(by_transcript)

    def touched(self, transcript_id: int, start: int, end: int) -> list[int]:
        """The ids of the segments ``text[start:end]`` runs over, in order."""
        found = self._bounds.get(transcript_id)
        if found is None:
            segs = self._turns.get(transcript_id, [])
            spans = [(g.start, g.end) for g in segs]
            found = self._bounds[transcript_id] = ([g.id for g in segs], spans, [a for a, _ in spans])
        ids, spans, starts = found
        return [ids[i] for i in touched(spans, start, end, starts)]


def _hull(spans: list[tuple[int, int]]) -> tuple[int, int]:
    return min(s for s, _ in spans), max(e for _, e in spans)


# ---------------------------------------------------------------------- the table model


@dataclass(frozen=True)
class Column:
    values: tuple[str, ...]  # the attribute values (or the participant label) of this group
    label: str
    n_participants: int


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    depth: int
    parent_key: str | None
    cells: tuple[int, ...]
    total: int
    rolls_up: int = 0  # how many sub-codes this row's counts include (0: a leaf)


@dataclass
class ThemeTable:
    rows: list[Row]
    columns: list[Column]
    any_code: Row  # segments (or participants) with any code at all
    count: str  # segments | participants
    by: tuple[str, ...]  # ("participant",) or attribute names
    source: str
    project: str = ""
    codebook: str = ""
    codebook_version: int = 0

    @property
    def by_label(self) -> str:
        return " × ".join(self.by)

    @property
    def count_label(self) -> str:
        return "coded segments" if self.count == "segments" else "participants who mention the code"

    def notes(self) -> list[str]:
        out = [f"Cells: {self.count_label}; columns: {self.by_label}; source: {self.source}."]
        if any(r.rolls_up for r in self.rows):
            unit = "segment" if self.count == "segments" else "participant"
            out.append(
                f"A code with sub-codes includes them: each {unit} coded with it or any code below it counts once."
            )
        out.append(
            "n = participants in the group. Totals count each "
            + ("segment" if self.count == "segments" else "participant")
            + " once."
        )
        return out


def group_of(p: ExportParticipant | None, by: tuple[str, ...]) -> tuple[str, ...]:
    if by == ("participant",):
        return (p.label if p else NO_PARTICIPANT,)
    if p is None:
        return tuple(NO_PARTICIPANT for _ in by)
    return tuple(str(p.attributes.get(k) or "").strip() or NOT_RECORDED for k in by)


def check_by(data: ExportData, by: tuple[str, ...]) -> tuple[str, ...]:
    by = tuple(b.strip() for b in by if b.strip()) or ("participant",)
    if "participant" in by:
        if len(by) > 1:
            raise QualcodeError("--by participant cannot be combined with an attribute")
        return by
    if len(by) > 2:
        raise QualcodeError("--by takes one or two attributes (e.g. --by role --by network)")
    if len(set(by)) != len(by):
        raise QualcodeError("name each --by attribute once")
    keys = data.attribute_keys()
    for b in by:
        if b not in keys:
            raise QualcodeError(
                f"no participant has the attribute {b!r} (attributes: {', '.join(keys) or 'none'}; or --by participant)"
            )
    return by


def code_subset(codes: list[ExportCode], root: str | None, max_depth: int | None) -> list[ExportCode]:
    """``root`` and everything below it (depths re-based), cut at ``max_depth`` (0 = top level only)."""
    if root:
        if root not in {c.key for c in codes}:
            raise QualcodeError(f"unknown code {root!r}; `qualcode codebook show` lists the codes")
        keep = descendants(codes)[root]
        top = next(c.depth for c in codes if c.key == root)
        codes = [
            replace(c, depth=c.depth - top, parent_key=c.parent_key if c.key != root else None)
            for c in codes
            if c.key in keep
        ]
    if max_depth is not None:
        codes = [c for c in codes if c.depth <= max_depth]
    return codes


def descendants(codes: list[ExportCode]) -> dict[str, set[str]]:
    """key -> the key itself and every key below it."""
    return codetree.descendants({c.key: c.parent_key for c in codes})


def ancestors_map(codes: list[ExportCode]) -> dict[str, tuple[str, ...]]:
    """key -> the key itself and every ancestor (among ``codes``)."""
    parents = {c.key: c.parent_key for c in codes}
    return {key: (key, *codetree.ancestors(parents, key)) for key in parents}


def build_table(
    data: ExportData,
    units: list[Unit],
    by: tuple[str, ...] = ("participant",),
    count: str = "segments",
    codes: list[ExportCode] | None = None,
    source: str = "",
    skip_empty: bool = False,
) -> ThemeTable:
    if count not in COUNTS:
        raise QualcodeError(f"--count must be one of {', '.join(COUNTS)}")
    by = check_by(data, by)
    codes = data.codes if codes is None else codes
    people = {p.id: p for p in data.participants}
    transcripts = {t.id: t for t in data.transcripts}
    speaking = speaker_of_segments(data)
    # Columns: every group with a participant who has a transcript, whether coded or not.
    members: dict[tuple[str, ...], set[Counted]] = defaultdict(set)
    mapped = {t.id for t in data.transcripts if t.speaker_people}
    turns_of: dict[int, list[ExportSegment]] = defaultdict(list)
    for seg in data.segments:
        if seg.transcript_id in mapped:
            turns_of[seg.transcript_id].append(seg)
    for t in data.transcripts:
        for pid in speaking_people(t, turns_of.get(t.id, ())):
            person = people.get(pid) if pid is not None else None
            members[group_of(person, by)].add(pid if pid is not None else ("t", t.id))
    groups = sorted(members, key=_group_sort_key)
    columns = [Column(g, " / ".join(g), len(members[g])) for g in groups]
    index = {g: i for i, g in enumerate(groups)}
    person_cache: dict[tuple[int, str | None], tuple[int, Counted]] = {}

    def column_of(transcript_id: int, speaker: str | None) -> tuple[int, Counted]:
        """The unit's column, and whom it counts as said by."""
        key = (transcript_id, speaker)
        if key not in person_cache:
            t = transcripts.get(transcript_id)
            pid = t.person_id(speaker) if t is not None else None
            person_cache[key] = (
                index[group_of(people.get(pid) if pid is not None else None, by)],
                pid if pid is not None else ("t", transcript_id),
            )
        return person_cache[key]

    # Roll-up follows the whole codebook, so that a row cut by --depth or --codes still counts its sub-codes.
    up = ancestors_map(data.codes)
    below = descendants(data.codes)
    cell_sets: dict[str, list[set[Counted]]] = {c.key: [set() for _ in groups] for c in codes}
    total_sets: dict[str, set[Counted]] = {c.key: set() for c in codes}
    any_cells: list[set[Counted]] = [set() for _ in groups]
    any_total: set[Counted] = set()
    for u in units:
        chain = [k for k in up.get(u.code_key, ()) if k in cell_sets]
        if not chain:
            continue  # a code outside the chosen rows
        said = participant_turns(u, speaking)
        if not said:
            continue  # the interviewer's words count for no participant
        col, who = column_of(u.transcript_id, speaking[said[0]][0] if said[0] in speaking else None)
        items: tuple[Counted, ...] = tuple(said) if count == "segments" else (who,)
        for key in chain:
            cell_sets[key][col].update(items)
            total_sets[key].update(items)
        any_cells[col].update(items)
        any_total.update(items)
    rows = []
    for c in codes:
        cells = tuple(len(s) for s in cell_sets[c.key])
        total = len(total_sets[c.key])
        if skip_empty and not total:
            continue
        rows.append(Row(c.key, c.name, c.depth, c.parent_key, cells, total, len(below[c.key]) - 1))
    any_row = Row("", "Any code", 0, None, tuple(len(s) for s in any_cells), len(any_total))
    return ThemeTable(
        rows, columns, any_row, count, by, source, data.project_name, data.codebook_name, data.codebook_version
    )


def _natural(value: str) -> tuple[tuple[int, int, str], ...]:
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold()) for part in re.split(r"(\d+)", value) if part
    )


def _group_sort_key(group: tuple[str, ...]) -> tuple[tuple[bool, tuple[tuple[int, int, str], ...]], ...]:
    return tuple((v in (NOT_RECORDED, NO_PARTICIPANT), _natural(v)) for v in group)


# ---------------------------------------------------------------------- quotes


@dataclass(frozen=True)
class Quote:
    code_key: str
    text: str
    attribution: str
    participant: str
    transcript: str
    segment: int  # position of the segment in its transcript (0-based; qualcode.segments numbers it for people)
    start: int
    end: int
    coders: tuple[str, ...]
    score: float
    trimmed: bool = False


@dataclass
class QuoteSection:
    key: str
    name: str
    depth: int
    coded: int  # units coded with exactly this code
    quotes: list[Quote] = field(default_factory=list)
    shown: bool = True  # it, or a code below it, has coded passages (a heading worth printing)


@dataclass
class QuoteView:
    per_code: int
    max_chars: int
    source: str
    sections: list[QuoteSection]
    redacted: bool = False

    def notes(self) -> list[str]:
        return [
            f"Up to {self.per_code} quote{'' if self.per_code == 1 else 's'} per code from {self.source}, chosen for agreement between coders, "
            f"a quotable length and the code's keywords, from as many different participants as possible; "
            f"trimmed at sentence ends to about {self.max_chars} characters ([…] marks a cut)"
            + (
                "; names from the participants' identifying data are blacked out as [name], [school], [place]."
                if self.redacted
                else "."
            )
        ]


def attribution(p: ExportParticipant | None, style: str = "attributes", fallback: str = "") -> str:
    """How a write-up names a speaker: "Headteacher, School C (RLN)"; the label when attributes are missing."""
    if p is None:
        return fallback or "Unknown participant"
    if style == "label":
        return p.label
    attrs = p.attributes or {}
    role, school, network = (str(attrs.get(k) or "").strip() for k in ("role", "school", "network"))
    head = role or p.label
    if school:
        head = f"{head}, {school}"
    if network:
        head = f"{head} ({network})"
    return head


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+")


def sentences(text: str) -> list[str]:
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append(text[start : m.start() + len(m.group(0).rstrip())].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


# Words that acknowledge rather than say something ("Yes.", "Mm.", "Of course."): a sentence made
# only of these, and of bracketed transcription notes ([pause], [laughs]), is not content.
BACK_CHANNEL_WORDS = frozenset(
    [
        "yes",
        "yeah",
        "yep",
        "yup",
        "aye",
        "no",
        "nope",
        "mm",
        "mmm",
        "mhm",
        "hm",
        "hmm",
        "uh",
        "um",
        "er",
        "erm",
        "ah",
        "oh",
        "ok",
        "okay",
        "right",
        "sure",
        "well",
        "so",
        "absolutely",
        "definitely",
        "exactly",
        "indeed",
        "true",
        "fine",
        "great",
        "good",
        "lovely",
        "thanks",
        "cheers",
        "anyway",
    ]
)
BACK_CHANNEL_PHRASES = frozenset(
    [
        "of course",
        "thank you",
        "i see",
        "that's right",
        "that’s right",
        "i know",
        "go on",
        "fair enough",
        "mm-hm",
        "uh-huh",
    ]
)
_NOTE = re.compile(r"\[[^\]\n]*\]")
_LEADING_NOTES = re.compile(r"(?:\s*\[[^\]\n]*\])+\s*")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def is_content(sentence: str) -> bool:
    """Whether a sentence says something: not only transcription notes and back-channel words."""
    words = " ".join(_WORD.findall(_NOTE.sub(" ", sentence).casefold()))
    for phrase in BACK_CHANNEL_PHRASES:
        words = re.sub(rf"(?<!\S){re.escape(phrase)}(?!\S)", " ", words)
    return not all(w in BACK_CHANNEL_WORDS for w in words.split())


def content_start(text: str) -> int | None:
    """Where the first content sentence of ``text`` starts, past leading transcription notes
    ("[pause]") and back-channel sentences ("Yes. Of course."); None if it has none."""
    pos, n = 0, len(text)
    while pos < n:
        notes = _LEADING_NOTES.match(text, pos)
        if notes and notes.end() > pos:
            pos = notes.end()
            continue
        if text[pos].isspace():
            pos += 1
            continue
        end = _SENTENCE_END.search(text, pos)
        while end is not None and end.end() < n and text[end.end()].islower():  # "Well... it was hard."
            end = _SENTENCE_END.search(text, end.end())
        if is_content(text[pos : end.start() if end else n]):
            return pos
        if end is None:
            return None
        pos = end.end()
    return None


def trim_quote(text: str, limit: int = DEFAULT_QUOTE_CHARS) -> tuple[str, bool]:
    """Whitespace folded, then whole sentences up to ``limit`` characters; a cut is marked […]."""
    text = " ".join(text.split())
    if limit <= 0 or len(text) <= limit:
        return text, False
    kept = ""
    for sentence in sentences(text):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    if not kept:  # the first sentence alone is too long: cut at a word boundary
        kept = text[:limit].rsplit(" ", 1)[0].rstrip(",;:—– ")
    return kept + " […]", True


Redactor = Callable[[str], str]
"""Text in, the same text with identifying terms blacked out."""


def redactor(terms: list[tuple[str, str]]) -> Redactor:
    """A function that blacks out each (text, kind) term as "[kind]", whole words only, longest first."""
    terms = [(t, k) for t, k in terms if t.strip()]
    if not terms:
        return lambda text: text
    kinds = {t.casefold(): k for t, k in terms}
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(t) for t, _ in sorted(terms, key=lambda x: -len(x[0]))) + r")(?!\w)",
        re.IGNORECASE,
    )
    return lambda text: pattern.sub(lambda m: f"[{kinds.get(m.group(0).casefold(), 'name')}]", text)


def build_quotes(
    data: ExportData,
    units: list[Unit],
    per_code: int,
    codes: list[ExportCode] | None = None,
    by: tuple[str, ...] = ("participant",),
    max_chars: int = DEFAULT_QUOTE_CHARS,
    style: str = "attributes",
    source: Source | None = None,
    redact: list[tuple[str, str]] | None = None,
) -> QuoteView:
    if per_code < 0:
        raise QualcodeError("--quotes must be 0 or more")
    if style not in ATTRIBUTION_STYLES:
        raise QualcodeError(f"--attribution must be one of {', '.join(ATTRIBUTION_STYLES)}")
    codes = data.codes if codes is None else codes
    by = by if by and by != ("participant",) else ()
    blackout = redactor(redact or [])
    texts = {t.id: t.text for t in data.transcripts}
    transcripts = {t.id: t for t in data.transcripts}
    people = {p.id: p for p in data.participants}
    positions = {s.id: s.position for s in data.segments}
    speaking = speaker_of_segments(data)
    starts = {g.id: g.start for g in data.segments}
    n_coders = max(1, len(source.coders)) if source else max(1, len(data.coders))
    # A passage goes to its own code's section, or to the nearest ancestor shown when its code is not.
    shown = {c.key for c in codes}
    up = ancestors_map(data.codes)
    by_code: dict[str, list[Unit]] = defaultdict(list)
    for u in units:
        home = next((k for k in up.get(u.code_key, ()) if k in shown), None)
        if home is not None:
            by_code[home].append(u)
    sections = []
    for code in codes:
        candidates = []
        keywords = [k.casefold() for k in code.keywords if k.strip()]
        for u in by_code.get(code.key, []):
            said = participant_turns(u, speaking)
            if not said:
                continue  # an interviewer's question is never quoted as a participant's words
            speaker = speaking[said[0]][0] if said[0] in speaking else None
            if said[0] != u.segment_id and said[0] in starts:  # a question coded with its answer: quote the answer
                u = u._replace(start=max(u.start, starts[said[0]]))
            passage = texts.get(u.transcript_id, "")[u.start : u.end]
            skip = content_start(passage)  # before blacking out: "[name]" is not a transcription note
            if skip is None:
                continue  # only "Yes." or "[laughs]": nothing worth quoting
            u = u._replace(start=u.start + skip)
            raw = blackout(passage[skip:])
            text, trimmed = trim_quote(raw, max_chars)
            t = transcripts[u.transcript_id]
            pid = t.person_id(speaker)
            person = people.get(pid) if pid is not None else None
            folded = raw.casefold()
            hits = sum(1 for k in keywords if k in folded)
            length = len(" ".join(raw.split()))
            fit = 1.0 if 80 <= length <= max_chars else (0.6 if length <= 2 * max_chars and length >= 40 else 0.2)
            score = round(len(u.coders) / n_coders + fit + 0.25 * min(hits, 2), 4)
            candidates.append(
                (
                    score,
                    person,
                    u,
                    Quote(
                        code.key,
                        text,
                        attribution(person, style, t.name),
                        person.label if person else t.name,
                        t.name,
                        positions.get(u.segment_id, 0),
                        u.start,
                        u.end,
                        tuple(sorted(u.coders)),
                        score,
                        trimmed,
                    ),
                )
            )
        candidates.sort(key=lambda c: (-c[0], c[3].transcript, c[3].start))
        chosen = _diverse(candidates, per_code, by)
        sections.append(QuoteSection(code.key, code.name, code.depth, len(by_code.get(code.key, [])), chosen))
    below = descendants(codes)
    coded = {s.key for s in sections if s.coded}
    for section in sections:
        section.shown = bool(below.get(section.key, {section.key}) & coded)
    return QuoteView(per_code, max_chars, source.describe() if source else "all codings", sections, bool(redact))


def _diverse(
    candidates: list[tuple[float, ExportParticipant | None, Unit, Quote]], n: int, by: tuple[str, ...]
) -> list[Quote]:
    """Best first, but a new participant (and a new group) before a second quote from anyone."""
    chosen: list[Quote] = []
    taken: set[int] = set()
    people: set[str] = set()
    groups: set[tuple[str, ...]] = set()
    for strict in (2, 1, 0):
        for i, (_, person, _, quote) in enumerate(candidates):
            if len(chosen) >= n:
                return chosen
            if i in taken:
                continue
            group = group_of(person, by) if by else ()
            if strict >= 1 and quote.participant in people:
                continue
            if strict == 2 and by and group in groups:
                continue
            taken.add(i)
            chosen.append(quote)
            people.add(quote.participant)
            groups.add(group)
    return chosen


def _join(names: Iterable[str]) -> str:
    items = list(names)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
