"""Which codes are applied to the same segment: counts and Jaccard.

The unit is the segment (a speaker turn). For the chosen coders (one, or the union of several) a
segment *has* a code when any of them applied it there. By default codes are counted as applied
(the most specific code a coder chose); ``rollup`` counts each code as its top-level theme, so
that two sub-codes of one theme in a segment are one theme there, not a pair.

For two codes a and b: ``segments`` = segments having both; ``jaccard`` = both / either
= n_ab / (n_a + n_b - n_ab). Every pair with at least one shared segment is listed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qualcode.analysis.retrieval import Study, Where, check_coders, check_where, describe_source, matches
from qualcode.study import ExportData


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    segments: int
    jaccard: float


@dataclass(frozen=True)
class CodeCount:
    key: str
    name: str
    depth: int
    segments: int


@dataclass
class Cooccurrence:
    codes: list[CodeCount]  # codes with at least one segment, codebook order
    pairs: list[Pair]  # most shared first
    source: str
    rollup: bool = False
    unit: str = "segment"
    filters: list[str] = field(default_factory=list)
    project: str = ""

    def count(self, a: str, b: str) -> int:
        if a == b:
            return self._singles().get(a, 0)
        return self._lookup().get((a, b) if a < b else (b, a), (0, 0.0))[0]

    def jaccard(self, a: str, b: str) -> float:
        if a == b:
            return 1.0 if self.count(a, a) else 0.0
        return self._lookup().get((a, b) if a < b else (b, a), (0, 0.0))[1]

    def _singles(self) -> dict[str, int]:
        cache = self.__dict__.get("_singles_cache")
        if cache is None:
            cache = self.__dict__["_singles_cache"] = {c.key: c.segments for c in self.codes}
        return cache

    def _lookup(self) -> dict[tuple[str, str], tuple[int, float]]:
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = {(min(p.a, p.b), max(p.a, p.b)): (p.segments, p.jaccard) for p in self.pairs}
            self.__dict__["_cache"] = cache
        return cache

    def notes(self) -> list[str]:
        level = "top-level themes (sub-codes counted as their theme)" if self.rollup else "codes as applied"
        out = [
            f"Unit: the segment. Codes: {level}. Source: {self.source}.",
            "Cells: segments coded with both codes (diagonal: segments with the code). "
            "Jaccard = segments with both / segments with either.",
        ]
        out += [f"Filter: {f}." for f in self.filters]
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "rollup": self.rollup,
            "source": self.source,
            "codes": [{"id": c.key, "name": c.name, "segments": c.segments} for c in self.codes],
            "pairs": [{"a": p.a, "b": p.b, "segments": p.segments, "jaccard": p.jaccard} for p in self.pairs],
        }


def segment_codes(
    data: ExportData,
    coders: Sequence[str] | None = None,
    rollup: bool = False,
    where: Where | None = None,
    study: Study | None = None,
) -> dict[int, set[str]]:
    """segment id -> the codes (or, with ``rollup``, top-level themes) the chosen coders applied there."""
    study = study or Study(data)
    chosen = set(check_coders(data, coders))
    attr_filter = check_where(data, where)
    top = {k: chain[-1] for k, chain in study.up.items()} if rollup else None
    ok: dict[int, bool] = {}
    out: dict[int, set[str]] = defaultdict(set)
    for c in data.codings:
        if c.coder not in chosen:
            continue
        if attr_filter:
            good = ok.get(c.transcript_id)
            if good is None:
                good = ok[c.transcript_id] = matches(study.person(c.transcript_id), attr_filter)
            if not good:
                continue
        code = top.get(c.code_key, c.code_key) if top is not None else c.code_key
        for sid in study.touched(c.transcript_id, c.start, c.end) or [c.segment_id]:  # each turn it runs over
            out[sid].add(code)
    return out


def cooccurrence(
    data: ExportData,
    coders: Sequence[str] | None = None,
    rollup: bool = False,
    where: Where | None = None,
    study: Study | None = None,
) -> Cooccurrence:
    study = study or Study(data)
    chosen = check_coders(data, coders)
    by_segment = segment_codes(data, coders, rollup, where, study)
    singles: dict[str, int] = defaultdict(int)
    both: dict[tuple[str, str], int] = defaultdict(int)
    for keys in by_segment.values():
        ordered = sorted(keys)
        for i, a in enumerate(ordered):
            singles[a] += 1
            for b in ordered[i + 1 :]:
                both[(a, b)] += 1
    rank = study.order
    codes = [
        CodeCount(k, study.codes[k].name, study.codes[k].depth, singles[k])
        for k in sorted(singles, key=lambda k: rank.get(k, len(rank)))
    ]
    pairs = []
    for (a, b), n in both.items():
        if rank.get(a, 0) > rank.get(b, 0):
            a, b = b, a
        pairs.append(Pair(a, b, n, round(n / (singles[a] + singles[b] - n), 4)))
    pairs.sort(key=lambda p: (-p.segments, rank.get(p.a, 0), rank.get(p.b, 0)))
    filters = [" and ".join(f"{k} = {' or '.join(v)}" for k, v in where.items())] if where else []
    return Cooccurrence(
        codes, pairs, describe_source(chosen, 0, not coders), rollup, "segment", filters, data.project_name
    )


def shared_segments(
    data: ExportData,
    a: str,
    b: str,
    coders: Sequence[str] | None = None,
    rollup: bool = False,
    where: Where | None = None,
    study: Study | None = None,
) -> set[int]:
    """The segments a matrix cell stands for: coded with both ``a`` and ``b`` (pass them to ``retrieve``)."""
    study = study or Study(data)
    study.code(a), study.code(b)
    return {seg for seg, keys in segment_codes(data, coders, rollup, where, study).items() if a in keys and b in keys}
