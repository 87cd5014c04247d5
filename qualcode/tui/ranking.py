"""Ranking codes for the fuzzy code finder (rapidfuzz over names, ids, keywords, definitions).

Plain Python on ``CodeInfo`` records, so it is tested without a screen. A name that starts with
what was typed, or has a word that does, ranks above a loose match; the id and keywords come
next; words from the definition (description, include, example) count least, so typing "cover"
finds Release time even though the word is only in its keywords and definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from qualcode.records import CodeInfo


@dataclass(frozen=True)
class RankedCode:
    code: CodeInfo
    score: float
    why: str  # name | id | keyword | definition


def rank_codes(query: str, codes: list[CodeInfo], limit: int = 50) -> list[RankedCode]:
    q = default_process(query or "")
    if not q:
        return [RankedCode(c, 0.0, "name") for c in codes[:limit]]
    ranked = []
    for order, code in enumerate(codes):
        score, why = _score(q, code)
        if score >= 55:
            ranked.append((score, -order, RankedCode(code, score, why)))
    ranked.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [r for _, _, r in ranked[:limit]]


def _score(q: str, code: CodeInfo) -> tuple[float, str]:
    name = default_process(code.name)
    best, why = 0.0, "name"
    words = name.split()
    if name.startswith(q):
        best = 100.0
    elif any(w.startswith(q) for w in words):
        best = 96.0
    elif q in name:
        best = 92.0
    else:
        best = 0.9 * max(fuzz.partial_ratio(q, name), fuzz.WRatio(q, name)) if len(q) > 2 else 0.0
    key = default_process(code.key.replace(".", " ").replace("_", " "))
    key_score = (
        94.0
        if any(part.startswith(q) for part in key.split())
        else (0.85 * fuzz.partial_ratio(q, key) if len(q) > 2 else 0.0)
    )
    if key_score > best:
        best, why = key_score, "id"
    for keyword in code.keywords:
        kw = default_process(keyword)
        kw_score = (
            90.0
            if kw.startswith(q) or any(w.startswith(q) for w in kw.split())
            else (0.8 * fuzz.partial_ratio(q, kw) if len(q) > 3 else 0.0)
        )
        if kw_score > best:
            best, why = kw_score, "keyword"
    if best < 80 and len(q) > 2:
        definition = default_process(" ".join((code.description, code.include, code.example)))
        if q in definition:
            def_score = 78.0
        else:
            def_score = 0.7 * fuzz.partial_ratio(q, definition) if len(q) > 4 else 0.0
        if def_score > best:
            best, why = def_score, "definition"
    return best, why
