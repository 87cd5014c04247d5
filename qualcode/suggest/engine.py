"""Proposals for segments: keyword evidence and the model's score, combined, with reasons.

``propose`` is plain Python on plain data; ``suggest_payload`` wraps it for a process pool.
A proposal never becomes a coding by itself: the project stores it as an open suggestion and
only a person accepting it creates a coding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from qualcode import nlp
from qualcode.suggest.calibration import Calibrator
from qualcode.suggest.keywords import CodeKeywords, KeywordHit, KeywordMatcher, describe_hits, strengths
from qualcode.suggest.model import LoadedModel, SegmentText, keyword_features, raw_scores

DEFAULT_TOP = 3
DEFAULT_MIN_SCORE = 0.3
BATCH = 500


@dataclass(frozen=True)
class Proposal:
    segment_id: int
    code: str
    source: str  # keywords | model | both
    score: float  # calibrated probability that a coder would apply the code (or keyword strength)
    reason: dict[str, Any]  # {"summary": str, "words": [[start, end, text, keyword, kind]], "model": p, "keywords": s}
    model_version: str | None = None


def reason_summary(hits: list[KeywordHit], model_p: float | None, version: str | None) -> str:
    parts = []
    if hits:
        parts.append("words: " + describe_hits(hits))
    if model_p is not None:
        parts.append(f"model {model_p:.2f}" + (f" ({version})" if version else ""))
    return " · ".join(parts)


def propose(
    segments: list[SegmentText],
    codes: list[CodeKeywords],
    model: LoadedModel | None = None,
    keyword_calibrator: Calibrator | None = None,
    top: int = DEFAULT_TOP,
    min_score: float = DEFAULT_MIN_SCORE,
    matcher: KeywordMatcher | None = None,
    use_definitions: bool = False,
    lemma_model: str | None = None,
    skip: Iterable[tuple[int, str]] = (),
    progress: Callable[[int], None] | None = None,
    keywords: bool = True,
) -> list[Proposal]:
    """Up to ``top`` proposals per segment scoring ``min_score`` or more, best first.

    Interviewer turns get none; ``skip`` holds (segment id, code) pairs not to propose (codes
    already applied, suggestions already decided).
    """
    if matcher is None and keywords and codes:
        matcher = KeywordMatcher(codes, use_definitions=use_definitions, model=lemma_model)
    if not keywords:
        matcher = None
    skip = set(skip)
    known = {c.key for c in codes}
    labels = [c for c in (model.labels if model else []) if c in known]
    label_index = {c: j for j, c in enumerate(model.labels)} if model else {}
    out: list[Proposal] = []
    todo = [s for s in segments if not s.interviewer and s.text.strip()]
    for b in range(0, len(todo), BATCH):
        batch = todo[b : b + BATCH]
        texts = [s.text for s in batch]
        # Tokenise once for both the keywords and the model when they want the same lemmas.
        want_lemmas = matcher.lemmas if matcher else (model.lemmas if model else False)
        docs, used = nlp.tokens(texts, lemmas=want_lemmas, model=lemma_model)
        all_hits = matcher.match_docs(docs, texts) if matcher else [[] for _ in texts]
        if model is not None:
            raw = raw_scores(model.pipeline, nlp.lemma_words(docs)) if used == model.lemmas else model.raw(texts)
            probs = model.probabilities(raw)
            kw = keyword_features(None, texts, model.labels)
            for i, hits in enumerate(all_hits):
                exact = {h.code for h in hits if h.kind in ("phrase", "word")}
                for code, s in strengths(hits).items():
                    j = label_index.get(code)
                    if j is not None:
                        kw[i, j] = (1.0, s, 1.0 if code in exact else 0.0)
            combined = model.combined(raw, kw)
        for i, seg in enumerate(batch):
            hits_by_code: dict[str, list[KeywordHit]] = {}
            for h in all_hits[i]:
                hits_by_code.setdefault(h.code, []).append(h)
            strength = strengths(all_hits[i])
            candidates: list[Proposal] = []
            for code in set(hits_by_code) | set(labels):
                if (seg.id, code) in skip or code not in known:
                    continue
                hits = hits_by_code.get(code, [])
                model_p = None
                if model is not None and code in label_index:
                    j = label_index[code]
                    model_p = float(probs[i, j])
                    score = float(combined[i, j])
                    source = "both" if hits else "model"
                elif hits:
                    exact_hit = any(h.kind in ("phrase", "word") for h in hits)
                    score = (
                        float(keyword_calibrator(np.array([[strength[code], 1.0 if exact_hit else 0.0]]))[0])
                        if keyword_calibrator is not None
                        else strength[code]
                    )
                    source = "keywords"
                else:
                    continue
                if score < min_score:
                    continue
                version = model.version if model is not None and model_p is not None else None
                reason = {
                    "summary": reason_summary(hits, model_p, version),
                    "words": [[h.start, h.end, h.text, h.keyword, h.kind] for h in hits],
                    "keywords": round(strength.get(code, 0.0), 4),
                    "model": None if model_p is None else round(model_p, 4),
                }
                candidates.append(Proposal(seg.id, code, source, round(score, 4), reason, version))
            candidates.sort(key=lambda p: (-p.score, p.code))
            out.extend(candidates[:top])
        if progress:
            progress(len(batch))
    return out


def suggest_payload(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """``propose`` from plain data, for a process pool; returns proposals as dicts.

    ``payload``: {"segments": [(id, transcript_id, text, speaker)], "codes": [(key, name,
    keywords, definition)], "model": {"data": bytes, "meta": dict, "version": str} or None,
    "keyword_calibrator": dict or None, "top", "min_score", "skip": [(segment_id, code)],
    "use_definitions", "lemma_model"}.
    """
    segments = [SegmentText(*s) for s in payload["segments"]]
    codes = [CodeKeywords(k, n, tuple(kw), d) for k, n, kw, d in payload["codes"]]
    model = None
    if payload.get("model"):
        m = payload["model"]
        model = LoadedModel(m["data"], m["meta"], m.get("version", ""), payload.get("lemma_model"))
    calibrator = Calibrator.from_dict(payload["keyword_calibrator"]) if payload.get("keyword_calibrator") else None
    proposals = propose(
        segments,
        codes,
        model,
        calibrator,
        top=payload.get("top", DEFAULT_TOP),
        min_score=payload.get("min_score", DEFAULT_MIN_SCORE),
        use_definitions=payload.get("use_definitions", False),
        lemma_model=payload.get("lemma_model"),
        skip=[tuple(x) for x in payload.get("skip", [])],
    )
    return [p.__dict__ for p in proposals]
