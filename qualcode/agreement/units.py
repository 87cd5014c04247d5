"""Reliability data from a project's codings: units by coders, per code.

Plain Python and numpy on plain rows (what ``Project.coding_rows`` and ``Project.segment_rows``
return), so tests can build them by hand.

Segment level (the default): for each code, every compared segment is a unit and a coder's value
is 1 if they applied the code (or, for a parent code, any code below it) anywhere in the segment,
else 0. A coding that runs over several turns counts in each segment it touches. Character level: every character inside a compared segment is a unit, the value is
whether the coder's codings of that code cover it; runs of characters with the same values are
one unit with a weight (its length), which is exact and keeps the arrays small. This is how
NVivo's coding comparison counts, but the statistics on top follow the published definitions.

Only transcripts that every compared coder has worked on (coded at least once) are compared: a
transcript one coder never opened is not a disagreement. Segments spoken by the interviewer are
left out unless asked for.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from qualcode import codetree
from qualcode.segments import touched
from qualcode.speakers import DEFAULT_SPEAKERS, Speakers

SegmentRow = tuple[int, int, int, str | None, int, int]  # segment id, transcript id, position, speaker, start, end
CodingRow = tuple[str, int, int, str, int, int]  # coder, transcript id, segment id, code key, start, end


@dataclass(frozen=True)
class CodeNode:
    key: str
    name: str
    parent_key: str | None
    depth: int


@dataclass
class ReliabilityData:
    """Per code, a units-by-coders array (0/1, NaN where a coder has no value) and unit weights."""

    coders: tuple[str, ...]
    unit: str  # segment | char
    codes: list[CodeNode]
    values: dict[str, np.ndarray]  # code key -> (units, coders)
    weights: dict[str, np.ndarray | None]
    unit_transcript: dict[str, np.ndarray]  # code key -> transcript id per unit
    transcripts: dict[int, str]  # compared transcripts, id -> name
    skipped_transcripts: dict[str, list[str]] = field(default_factory=dict)  # name -> coders who never coded it
    codings_hash: str = ""
    rolled_up: set[str] = field(default_factory=set)  # parent codes whose values include their descendants


def codings_hash(rows: list[CodingRow]) -> str:
    """A fingerprint of exactly the codings a report used (order-independent)."""
    digest = hashlib.sha256()
    for row in sorted(rows):
        digest.update(repr(row).encode())
        digest.update(b"\n")
    return digest.hexdigest()[:16]


def descendants(codes: list[CodeNode]) -> dict[str, set[str]]:
    return codetree.descendants({c.key: c.parent_key for c in codes})


def _each_segment_touched(rows: list[CodingRow], segment_rows: list[SegmentRow]) -> list[CodingRow]:
    """A coding that runs over several turns counts in each segment it touches: one row per
    segment, with the coding's own offsets (the character level clips them to each segment)."""
    turns: dict[int, list[SegmentRow]] = {}
    for seg in segment_rows:
        turns.setdefault(seg[1], []).append(seg)
    bounds: dict[int, tuple[list[int], list[tuple[int, int]], list[int]]] = {}
    for tid, segs in turns.items():
        segs.sort(key=lambda g: g[2])
        spans = [(g[4], g[5]) for g in segs]
        bounds[tid] = ([g[0] for g in segs], spans, [a for a, _ in spans])
    out: list[CodingRow] = []
    for row in rows:
        coder, tid, sid, key, start, end = row
        ids, spans, starts = bounds.get(tid, ([], [], []))
        hit = touched(spans, start, end, starts)
        if len(hit) <= 1:
            out.append(row)  # inside one turn (or a segment this function cannot see: kept as it was)
        else:
            out.extend((coder, tid, ids[i], key, start, end) for i in hit)
    return out


def build(
    coders: list[str],
    codes: list[CodeNode],
    segment_rows: list[SegmentRow],
    coding_rows: list[CodingRow],
    transcript_names: dict[int, str],
    unit: str = "segment",
    include_interviewer: bool = False,
    transcripts: list[str] | None = None,
    speakers: Speakers = DEFAULT_SPEAKERS,
) -> ReliabilityData:
    """``segment_rows``: (segment id, transcript id, position, speaker, start, end);
    ``coding_rows``: (coder, transcript id, segment id, code key, start, end)."""
    if unit not in ("segment", "char"):
        raise ValueError("unit must be 'segment' or 'char'")
    coder_index = {c: i for i, c in enumerate(coders)}
    rows = [r for r in coding_rows if r[0] in coder_index]
    worked: dict[int, set[str]] = {}
    for coder, tid, *_ in rows:
        worked.setdefault(tid, set()).add(coder)
    wanted = set(transcripts) if transcripts else None
    compared: dict[int, str] = {}
    skipped: dict[str, list[str]] = {}
    for tid, name in sorted(transcript_names.items(), key=lambda kv: kv[1]):
        if wanted is not None and name not in wanted:
            continue
        missing = [c for c in coders if c not in worked.get(tid, set())]
        if missing:
            skipped[name] = missing
        else:
            compared[tid] = name
    segments = [
        s for s in segment_rows if s[1] in compared and (include_interviewer or not speakers.is_interviewer(s[3], s[1]))
    ]
    seg_ids = [s[0] for s in segments]
    seg_pos = {sid: i for i, sid in enumerate(seg_ids)}
    rows = [r for r in _each_segment_touched(rows, segment_rows) if r[2] in seg_pos]
    below = descendants(codes)
    rolled = {c.key for c in codes if len(below[c.key]) > 1}
    owner: dict[str, list[str]] = {}  # leaf key -> every code whose value it counts towards
    for key, keys in below.items():
        for k in keys:
            owner.setdefault(k, []).append(key)

    values: dict[str, np.ndarray] = {}
    weights: dict[str, np.ndarray | None] = {}
    unit_tid: dict[str, np.ndarray] = {}
    seg_tid = np.array([s[1] for s in segments], dtype=np.int64)
    if unit == "segment":
        base = np.zeros((len(segments), len(coders)))
        per_code = {c.key: base.copy() for c in codes}
        for coder, _tid, sid, key, _s, _e in rows:
            for target in owner.get(key, []):
                per_code[target][seg_pos[sid], coder_index[coder]] = 1.0
        for c in codes:
            values[c.key] = per_code[c.key]
            weights[c.key] = None
            unit_tid[c.key] = seg_tid
    else:
        spans: dict[str, dict[int, list[tuple[int, int, int]]]] = {c.key: {} for c in codes}
        for coder, _tid, sid, key, start, end in rows:
            for target in owner.get(key, []):
                spans[target].setdefault(sid, []).append((start, end, coder_index[coder]))
        for c in codes:
            vals, wts, tids = [], [], []
            for seg in segments:
                sid, tid, _pos, _sp, start, end = seg
                if end <= start:
                    continue
                marks = spans[c.key].get(sid, [])
                cuts = sorted({start, end, *(max(start, a) for a, _, _ in marks), *(min(end, b) for _, b, _ in marks)})
                for a, b in zip(cuts, cuts[1:]):
                    if b <= a:
                        continue
                    row = np.zeros(len(coders))
                    for s0, e0, ci in marks:
                        if s0 <= a and b <= e0:
                            row[ci] = 1.0
                    vals.append(row)
                    wts.append(b - a)
                    tids.append(tid)
            values[c.key] = np.array(vals).reshape(-1, len(coders))
            weights[c.key] = np.array(wts, dtype=np.int64)
            unit_tid[c.key] = np.array(tids, dtype=np.int64)
    used = [r for r in coding_rows if r[0] in coder_index and r[1] in compared]
    return ReliabilityData(
        tuple(coders), unit, codes, values, weights, unit_tid, compared, skipped, codings_hash(used), rolled
    )
