"""Proposals for segments: keyword evidence and the model's score, combined, with reasons.

``propose`` is plain Python on plain data; ``suggest_payload`` wraps it for a process pool.
A proposal never becomes a coding by itself: the project stores it as an open suggestion and
only a person accepting it creates a coding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode import nlp
from qualcode.heap import paused_gc
from qualcode.suggest.calibration import Calibrator
from qualcode.suggest.keywords import CodeKeywords, KeywordHit, KeywordMatcher, describe_hits, strengths
from qualcode.suggest.linear import LinearModel
from qualcode.suggest.model import LoadedModel, SegmentText, keyword_features, raw_scores

if TYPE_CHECKING:
    from spacy.tokens import Doc

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
    why: dict[int, str] | None = None,
) -> list[Proposal]:
    """Up to ``top`` proposals per segment scoring ``min_score`` or more, best first.

    Interviewer turns get none; ``skip`` holds (segment id, code) pairs not to propose (codes
    already applied, suggestions already decided). ``why``, when given, is filled with the
    reason each segment without a proposal has none: "interviewer" (an interviewer's turn or
    empty), "decided" (every code that scored high enough is already applied or decided) or
    "low" (no score reached ``min_score``).
    """
    with paused_gc():  # hundreds of thousands of tokens' lists, hits and reasons, all kept
        return _propose(
            segments,
            codes,
            model,
            keyword_calibrator,
            top,
            min_score,
            matcher,
            use_definitions,
            lemma_model,
            skip,
            progress,
            keywords,
            why,
        )


def _propose(
    segments: list[SegmentText],
    codes: list[CodeKeywords],
    model: LoadedModel | None,
    keyword_calibrator: Calibrator | None,
    top: int,
    min_score: float,
    matcher: KeywordMatcher | None,
    use_definitions: bool,
    lemma_model: str | None,
    skip: Iterable[tuple[int, str]],
    progress: Callable[[int], None] | None,
    keywords: bool,
    why: dict[int, str] | None,
) -> list[Proposal]:
    if matcher is None and keywords and codes:
        matcher = KeywordMatcher(codes, use_definitions=use_definitions, model=lemma_model)
    if not keywords:
        matcher = None
    skip = set(skip)
    known = {c.key for c in codes}
    names = {c.key: c.name or c.key for c in codes}
    labels = [c for c in (model.labels if model else []) if c in known]
    label_index = {c: j for j, c in enumerate(model.labels)} if model else {}
    out: list[Proposal] = []
    todo = [s for s in segments if not s.interviewer and s.text.strip()]
    if why is not None:
        why.update((s.id, "interviewer") for s in segments if s.interviewer or not s.text.strip())
    usable = np.array([c in known for c in model.labels], dtype=bool) if model else np.zeros(0, dtype=bool)
    kw_scores: dict[tuple[float, float], float] = {}  # keyword evidence -> calibrated score, computed once
    for b in range(0, len(todo), BATCH):
        batch = todo[b : b + BATCH]
        texts = [s.text for s in batch]
        # Tokenise once for both the keywords and the model when they want the same lemmas.
        want_lemmas = matcher.lemmas if matcher else (model.lemmas if model else False)
        docs, used = nlp.tokens(texts, lemmas=want_lemmas, model=lemma_model)
        all_hits = matcher.match_docs(docs, texts) if matcher else [[] for _ in texts]
        all_strengths = [strengths(hits) for hits in all_hits]
        combined: np.ndarray | None = None
        theme_p: dict[str, np.ndarray] = {}
        # Per segment, the modelled codes that score high enough: the only ones worth a look.
        high: list[list[str]] = [[] for _ in batch]
        if model is not None:
            raw = _raw(model, docs, texts, used)
            probs = model.probabilities(raw)
            kw = keyword_features(None, texts, model.labels)
            for i, hits in enumerate(all_hits):
                exact = {h.code for h in hits if h.kind in ("phrase", "word")}
                for code, s in all_strengths[i].items():
                    j = label_index.get(code)
                    if j is not None:
                        kw[i, j] = (1.0, s, 1.0 if code in exact else 0.0)
            combined = model.combined(raw, kw)
            theme_p = model.theme_scores(combined)
            rows, cols = np.nonzero((combined >= min_score) & usable)
            for r, j in zip(rows.tolist(), cols.tolist()):
                high[r].append(model.labels[j])
        for i, seg in enumerate(batch):
            hits_by_code: dict[str, list[KeywordHit]] = {}
            for h in all_hits[i]:
                hits_by_code.setdefault(h.code, []).append(h)
            strength = all_strengths[i]
            candidates: list[Proposal] = []
            # A modelled code below min_score is never proposed, with keyword hits or without.
            for code in set(hits_by_code).union(high[i]):
                if code not in known or (seg.id, code) in skip:
                    continue
                hits = hits_by_code.get(code, [])
                model_p = None
                if model is not None and combined is not None and code in label_index:
                    j = label_index[code]
                    model_p = float(probs[i, j])
                    score = float(combined[i, j])
                    source = "both" if hits else "model"
                elif hits:
                    evidence = (strength[code], 1.0 if any(h.kind in ("phrase", "word") for h in hits) else 0.0)
                    if keyword_calibrator is None:
                        score = strength[code]
                    elif evidence in kw_scores:
                        score = kw_scores[evidence]
                    else:
                        score = kw_scores[evidence] = float(keyword_calibrator(np.array([list(evidence)]))[0])
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
            if not candidates and model is not None and combined is not None and theme_p:
                theme = _theme_proposal(seg.id, i, model, combined, theme_p, names, skip, min_score)
                if theme is not None:
                    candidates.append(theme)
            candidates.sort(key=lambda p: (-p.score, p.code))
            out.extend(candidates[:top])
            if why is not None and not candidates:
                skipped = any((seg.id, c) in skip for c in set(hits_by_code).union(labels) if c in known)
                why[seg.id] = "decided" if skipped and _any_high(seg.id, i, skip, model, combined, min_score) else "low"
        if progress:
            progress(len(batch))
    return out


def _raw(model: LoadedModel, docs: list[Doc], texts: list[str], used_lemmas: bool) -> np.ndarray:
    """The model's raw scores for ``docs`` (from ``nlp.tokens`` of ``texts``): the linear model
    counts its words from the docs' arrays; other models, or docs tokenised with other lemmas
    than the model was trained on, go through words."""
    if used_lemmas != model.lemmas:
        return model.raw(texts)
    if isinstance(model.pipeline, LinearModel):
        counted = nlp.lemma_counts(docs, model.pipeline.columns)
        if counted is not None:
            return model.pipeline.scores_of_counts(*counted)
    return raw_scores(model.pipeline, nlp.lemma_words(docs))


def _any_high(
    segment_id: int,
    row: int,
    skip: set[tuple[int, str]],
    model: LoadedModel | None,
    combined: np.ndarray | None,
    min_score: float,
) -> bool:
    """Whether a skipped (already applied or decided) code would have scored ``min_score``."""
    if model is None or combined is None:
        return True  # a keyword match on a code already there
    return any(combined[row, j] >= min_score for j, code in enumerate(model.labels) if (segment_id, code) in skip)


@dataclass
class Coverage:
    """How many segments got suggestions, and why the others did not."""

    segments: int
    suggested: int
    interviewer: int = 0
    decided: int = 0
    low: int = 0
    min_score: float = DEFAULT_MIN_SCORE

    @classmethod
    def of(
        cls, segments: list[SegmentText], proposals: list[Proposal], why: dict[int, str], min_score: float
    ) -> Coverage:
        counts = {k: 0 for k in ("interviewer", "decided", "low")}
        with_proposal = {p.segment_id for p in proposals}
        for seg in segments:
            if seg.id not in with_proposal:
                counts[why.get(seg.id, "low")] += 1
        return cls(len(segments), len(with_proposal), min_score=min_score, **counts)

    def line(self) -> str:
        """'312 of 400 segments got suggestions; 60 interviewer turns, 28 with no score of 30 % or more'."""
        parts = []
        if self.interviewer:
            parts.append(f"{self.interviewer} interviewer turns or empty")
        if self.decided:
            parts.append(f"{self.decided} whose likely codes are already applied or decided")
        if self.low:
            parts.append(f"{self.low} with no score of {self.min_score:.0%} or more")
        head = f"{self.suggested} of {self.segments} segments got suggestions"
        return head + ("; not the others: " + ", ".join(parts) if parts else "")


def _theme_proposal(
    segment_id: int,
    row: int,
    model: LoadedModel,
    combined: np.ndarray,
    theme_p: dict[str, np.ndarray],
    names: dict[str, str],
    skip: set[tuple[int, str]],
    min_score: float,
) -> Proposal | None:
    """When no code of the codebook is confident enough, its best theme that is: accepting it
    codes the segment with the theme itself (the coder can refine it to a sub-code later). Not
    a theme already applied or decided on the segment, nor one a code under it already is."""

    def open_(theme: str) -> bool:
        return (segment_id, theme) not in skip and not any(
            (segment_id, model.labels[j]) in skip for j in model.theme_groups[theme]
        )

    best = max(
        ((float(p[row]), t) for t, p in theme_p.items() if p[row] >= min_score and t in names and open_(t)),
        default=None,
    )
    if best is None:
        return None
    score, theme = best
    cols = model.theme_groups[theme]
    under = sorted(((float(combined[row, j]), model.labels[j]) for j in cols), reverse=True)[:3]
    summary = f"theme {score:.0%}: under it " + ", ".join(f"{names.get(c, c)} {p:.0%}" for p, c in under)
    reason = {
        "summary": summary + (f" ({model.version})" if model.version else ""),
        "words": [],
        "keywords": 0.0,
        "model": round(score, 4),
        "theme_of": [c for _, c in under],
    }
    return Proposal(segment_id, theme, "theme", round(score, 4), reason, model.version)


def suggest_payload(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """``propose`` from plain data, for a process pool; returns proposals as dicts.

    ``payload``: {"segments": [(id, transcript_id, text, speaker)], "codes": [(key, name,
    keywords, definition)], "model": {"data": bytes, "meta": dict, "version": str} or None,
    "keyword_calibrator": dict or None, "top", "min_score", "skip": [(segment_id, code)],
    "use_definitions", "lemma_model", "keywords"}; with "train" (a ``train_payload`` input), a
    model trained on it for this run replaces "model" (blind coding: see
    ``qualcode.project.suggestions``).
    """
    proposals: list[dict[str, Any]] = suggest_with_coverage(payload)["proposals"]
    return proposals


def suggest_with_coverage(payload: dict[str, Any]) -> dict[str, Any]:
    """``suggest_payload`` and what became of every segment: {"proposals": [dict],
    "coverage": ``Coverage.line()``, "model": the version used or None}."""
    segments = [SegmentText(*s) for s in payload["segments"]]
    codes = [CodeKeywords(k, n, tuple(kw), d) for k, n, kw, d in payload["codes"]]
    model = None
    m = payload.get("model")
    if payload.get("train"):
        from qualcode.suggest.model import train_payload

        try:
            result = train_payload(payload["train"])
            m = {"data": result["data"], "meta": result["meta"], "version": "blind"}
            if "keyword_calibrator" in result["meta"]:
                payload = dict(payload, keyword_calibrator=result["meta"]["keyword_calibrator"])
        except ValueError:  # too few codings of one's own to learn from: keywords only
            m = None
    if m:
        model = LoadedModel(m["data"], m["meta"], m.get("version", ""), payload.get("lemma_model"))
    calibrator = Calibrator.from_dict(payload["keyword_calibrator"]) if payload.get("keyword_calibrator") else None
    why: dict[int, str] = {}
    min_score = payload.get("min_score", DEFAULT_MIN_SCORE)
    proposals = propose(
        segments,
        codes,
        model,
        calibrator,
        top=payload.get("top", DEFAULT_TOP),
        min_score=min_score,
        use_definitions=payload.get("use_definitions", False),
        lemma_model=payload.get("lemma_model"),
        skip=[tuple(x) for x in payload.get("skip", [])],
        keywords=payload.get("keywords", True),
        why=why,
    )
    return {
        "proposals": [p.__dict__ for p in proposals],
        "coverage": Coverage.of(segments, proposals, why, min_score).line(),
        "model": model.version if model is not None else None,
    }
