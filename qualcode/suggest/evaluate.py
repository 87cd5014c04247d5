"""How good the suggestions are, measured on codings the suggester did not learn from.

``cross_validate`` splits the project's coded transcripts into k folds (whole transcripts, so a
model never sees other parts of an interview it is tested on), trains on k-1 folds and scores
the held-out fold, for: keywords alone, the model alone, the two combined, and a TF-IDF plus
logistic-regression baseline on the same folds (scikit-learn, imported only here and only for
the baseline; without it the baseline row says so).

Metrics, over the out-of-fold predictions of every fold:
- precision@1, precision@3: of a segment's top 1 (top 3) suggestions, the share that are codes
  the coders applied, over segments with at least one code (a list shorter than 3 counts its
  empty places as misses, as precision@k does);
- recall@3: the share of a segment's codes that are among its top 3 suggestions;
- per code precision, recall and F1 of "suggested at the threshold" against "applied", and
  their macro average over codes that occur;
- expected calibration error of the scores that claim to be probabilities.
Codes the coders disagree on (with several coders) are neither right nor wrong: they are left
out of both the ranking and the per-code counts.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from qualcode.suggest.calibration import expected_calibration_error
from qualcode.suggest.keywords import CodeKeywords, KeywordMatcher
from qualcode.suggest.model import (
    DEFAULT_ARCHITECTURE,
    MIN_POSITIVES,
    LoadedModel,
    TrainingExample,
    _known,
    fit_keyword_calibrator,
    keyword_features,
    label_counts,
    raw_scores,
    train,
    words_of,
)
from qualcode.suggest.themes import top_level  # noqa: F401  (re-exported: callers import it from here)

SYSTEMS = ("keywords", "model", "combined", "baseline")
LABELS = {
    "keywords": "keywords alone",
    "model": "model alone",
    "combined": "keywords + model",
    "baseline": "TF-IDF + logistic regression (baseline)",
}


@dataclass
class SystemScores:
    name: str
    p_at_1: float = 0.0
    p_at_3: float = 0.0
    r_at_3: float = 0.0
    macro_f1: float = 0.0
    micro_f1: float = 0.0
    ece: float | None = None
    per_code: dict[str, dict[str, float]] = field(default_factory=dict)  # code -> precision, recall, f1, support
    available: bool = True
    note: str = ""


@dataclass
class Evaluation:
    folds: int
    segments: int
    coded_segments: int
    codes: list[str]
    threshold: float
    systems: dict[str, SystemScores]
    seconds: dict[str, float]
    notes: list[str] = field(default_factory=list)
    predictions: dict[str, np.ndarray] = field(default_factory=dict)  # system -> (n, codes) scores
    truth: np.ndarray | None = None
    mask: np.ndarray | None = None
    segment_ids: list[int] = field(default_factory=list)
    theme_scores: dict[str, np.ndarray] = field(default_factory=dict)  # theme -> out-of-fold probability


def folds_by_transcript(examples: list[TrainingExample], k: int, seed: int = 0) -> list[list[int]]:
    """k lists of example indices; each transcript's examples stay in one fold."""
    by_transcript: dict[int, list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        by_transcript[ex.transcript_id].append(i)
    transcripts = sorted(by_transcript)
    random.Random(seed).shuffle(transcripts)
    # Greedy balance: largest transcripts first into the smallest fold.
    transcripts.sort(key=lambda t: -len(by_transcript[t]))
    folds: list[list[int]] = [[] for _ in range(min(k, len(transcripts)))]
    for t in transcripts:
        smallest = min(range(len(folds)), key=lambda f: len(folds[f]))
        folds[smallest].extend(by_transcript[t])
    return [sorted(f) for f in folds]


def score_system(
    name: str,
    scores: np.ndarray,
    predicted: np.ndarray,
    y: np.ndarray,
    mask: np.ndarray,
    codes: list[str],
    calibrated: bool,
) -> SystemScores:
    out = SystemScores(name)
    p1, p3, r3 = [], [], []
    for i in range(len(y)):
        positives = {j for j in range(len(codes)) if mask[i, j] and y[i, j] == 1}
        if not positives:
            continue
        ranked = [j for j in np.argsort(-scores[i], kind="stable") if mask[i, j] and scores[i, j] > 0][:3]
        p1.append(1.0 if ranked and ranked[0] in positives else 0.0)
        hits3 = sum(1 for j in ranked if j in positives)
        p3.append(hits3 / 3)
        r3.append(hits3 / len(positives))
    out.p_at_1 = float(np.mean(p1)) if p1 else 0.0
    out.p_at_3 = float(np.mean(p3)) if p3 else 0.0
    out.r_at_3 = float(np.mean(r3)) if r3 else 0.0
    f1s = []
    tp_all = fp_all = fn_all = 0
    for j, code in enumerate(codes):
        m = mask[:, j]
        truth, pred = y[m, j] == 1, predicted[m, j]
        support = int(truth.sum())
        tp, fp, fn = int((truth & pred).sum()), int((~truth & pred).sum()), int((truth & ~pred).sum())
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.per_code[code] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
        if support:
            f1s.append(f1)
    out.macro_f1 = float(np.mean(f1s)) if f1s else 0.0
    out.micro_f1 = 2 * tp_all / (2 * tp_all + fp_all + fn_all) if tp_all else 0.0
    if calibrated:
        out.ece = expected_calibration_error(scores[mask], y[mask])
    return out


def baseline_fit(train_ex: list[TrainingExample], labels: list[str]):
    """TF-IDF (words and word pairs) plus one logistic regression per code (liblinear), fitted
    on the cells whose label is known. Raises ImportError without scikit-learn (a benchmark
    dependency only)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)
    x_train = vectorizer.fit_transform([ex.text for ex in train_ex])
    y, mask = _known(train_ex, labels)
    models = []
    for j in range(len(labels)):
        rows = np.nonzero(mask[:, j])[0]
        target = y[rows, j]
        if len(set(target)) < 2:
            models.append(float(target.mean()) if len(target) else 0.0)
            continue
        clf = LogisticRegression(
            solver="liblinear", dual=True
        )  # the same optimum; faster with fewer segments than words
        clf.fit(x_train[rows], target)
        models.append(clf)
    return vectorizer, models


def baseline_predict(fitted, texts: list[str]) -> np.ndarray:
    vectorizer, models = fitted
    x = vectorizer.transform(texts)
    out = np.zeros((len(texts), len(models)))
    for j, clf in enumerate(models):
        out[:, j] = clf if isinstance(clf, float) else clf.predict_proba(x)[:, 1]
    return out


def baseline_scores(train_ex: list[TrainingExample], test_ex: list[TrainingExample], labels: list[str]) -> np.ndarray:
    """The baseline's probabilities for ``test_ex`` after fitting on ``train_ex``."""
    return baseline_predict(baseline_fit(train_ex, labels), [ex.text for ex in test_ex])


def cross_validate(
    examples: list[TrainingExample],
    codes: list[CodeKeywords],
    k: int = 5,
    architecture: str = DEFAULT_ARCHITECTURE,
    seed: int = 0,
    threshold: float = 0.5,
    baseline: bool = True,
    lemma_model: str | None = None,
    use_definitions: bool = False,
    epochs: int | None = None,
    progress: Callable[[str], None] | None = None,
    themes: dict[str, str] | None = None,
) -> Evaluation:
    """k-fold cross-validation of every system on the same folds (see the module docstring).
    With ``themes`` (code -> theme), the model's calibrated theme scores too (``theme_scores``)."""
    say = progress or (lambda _: None)
    counts = label_counts(examples)
    eval_codes = sorted(code for code, n in counts.items() if n > 0)
    if not eval_codes:
        raise ValueError("no codings to evaluate against: code some transcripts first")
    folds = folds_by_transcript(examples, k, seed)
    if len(folds) < 2:
        raise ValueError("cross-validation needs coded segments in two or more transcripts")
    y, mask = _known(examples, eval_codes)
    index = {c: j for j, c in enumerate(eval_codes)}
    n = len(examples)
    scores = {s: np.zeros((n, len(eval_codes))) for s in SYSTEMS}
    predicted = {s: np.zeros((n, len(eval_codes)), dtype=bool) for s in SYSTEMS}
    seconds: dict[str, float] = defaultdict(float)
    theme_scores: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(n))
    notes: list[str] = []
    baseline_ok = baseline
    matcher = KeywordMatcher(codes, use_definitions=use_definitions, model=lemma_model)
    if not matcher.lemmas:
        notes.append("no trained spaCy pipeline: keywords matched on lower-case words, not lemmas")
    started = time.perf_counter()
    kw_all = keyword_features(matcher, [ex.text for ex in examples], eval_codes)
    seconds["keywords"] += time.perf_counter() - started
    started = time.perf_counter()
    words_all, lemmas_used = words_of([ex.text for ex in examples], lemmas=True, model=lemma_model)
    seconds["model"] += time.perf_counter() - started  # tokenised once, for every fold
    for f, test_idx in enumerate(folds):
        say(f"fold {f + 1} of {len(folds)}")
        test_set = set(test_idx)
        train_idx = [i for i in range(n) if i not in test_set]
        train_ex = [examples[i] for i in train_idx]
        test_ex = [examples[i] for i in test_idx]
        kw = kw_all[test_idx]
        # Keywords alone: any match is a suggestion; ranked by strength.
        scores["keywords"][test_idx] = kw[..., 1]
        predicted["keywords"][test_idx] = kw[..., 0] > 0
        started = time.perf_counter()
        kw_cal = fit_keyword_calibrator(train_ex, matcher)
        try:
            trained = train(
                train_ex,
                codes,
                architecture=architecture,
                epochs=epochs,
                seed=seed + f,
                lemma_model=lemma_model,
                use_definitions=use_definitions,
                words=([words_all[i] for i in train_idx], lemmas_used),
                themes=themes,
                keyword_calibrator=False,  # fitted for the fold just above
            )
        except ValueError as exc:
            notes.append(f"fold {f + 1}: {exc}")
            trained = None
        seconds["model"] += time.perf_counter() - started
        if trained is not None:
            loaded = LoadedModel(trained.data, trained.meta(), "cv", lemma_model)
            raw = (
                raw_scores(loaded.pipeline, [words_all[i] for i in test_idx])
                if lemmas_used == loaded.lemmas
                else loaded.raw([ex.text for ex in test_ex])
            )
            probs = loaded.probabilities(raw)
            cols = [index[c] for c in loaded.labels if c in index]
            lab_cols = [j for j, c in enumerate(loaded.labels) if c in index]
            kw_model = kw[:, cols, :]
            combined = loaded.combined(raw[:, lab_cols], kw_model)
            for src, dst in zip(lab_cols, cols):
                scores["model"][test_idx, dst] = probs[:, src]
            for k_, dst in enumerate(cols):
                scores["combined"][test_idx, dst] = combined[:, k_]
            if themes:
                full = loaded.combined(raw, keyword_features(None, [""] * len(test_idx), loaded.labels))
                full[:, lab_cols] = combined
                for theme, p in loaded.theme_scores(full).items():
                    theme_scores[theme][test_idx] = p
            covered = set(cols)
        else:
            covered = set()
        # Codes the model does not cover: keyword evidence, calibrated on the training folds.
        for j in range(len(eval_codes)):
            if j in covered:
                continue
            hit = kw[:, j, 0] > 0
            if kw_cal is not None and hit.any():
                scores["combined"][np.array(test_idx)[hit], j] = kw_cal(kw[hit, j, 1:])
        if baseline_ok:
            started = time.perf_counter()
            try:
                fold_labels = sorted(c for c, m in label_counts(train_ex).items() if m >= MIN_POSITIVES and c in index)
                base = baseline_scores(train_ex, test_ex, fold_labels)
                for j, code in enumerate(fold_labels):
                    scores["baseline"][test_idx, index[code]] = base[:, j]
            except ImportError:
                baseline_ok = False
                notes.append("baseline skipped: scikit-learn is not installed (pip install scikit-learn)")
            seconds["baseline"] += time.perf_counter() - started
    for s in ("model", "combined", "baseline"):
        predicted[s] = scores[s] >= threshold
    systems = {}
    for s in SYSTEMS:
        result = score_system(s, scores[s], predicted[s], y, mask, eval_codes, calibrated=s != "keywords")
        if s == "baseline" and not baseline_ok:
            result.available = False
            result.note = "scikit-learn is not installed" if baseline else "not run"
        systems[s] = result
    coded = int(((y == 1) & mask).any(axis=1).sum())
    return Evaluation(
        len(folds),
        n,
        coded,
        eval_codes,
        threshold,
        systems,
        dict(seconds),
        notes,
        scores,
        y,
        mask,
        [ex.segment_id for ex in examples],
        dict(theme_scores),
    )


def agreement_as_coder(ev: Evaluation, coders: dict[str, dict[int, set[str]]], system: str = "combined") -> dict:
    """The suggester scored as one more coder: Cohen's kappa per code (averaged over codes)
    between its codings at the threshold (out of fold) and each human coder, and between the
    humans, on the evaluated segments. ``coders``: name -> segment id -> codes applied.

    Returns {"pairs": {(a, b): mean kappa or None}, "codes": n}; raises ImportError when the
    agreement module is missing.
    """
    from qualcode.agreement import average, cohen_kappa

    scores = ev.predictions[system]
    machine = f"suggester ({system})"
    binary: dict[str, np.ndarray] = {machine: scores >= ev.threshold}
    for name, by_segment in coders.items():
        binary[name] = np.array([[code in by_segment.get(sid, ()) for code in ev.codes] for sid in ev.segment_ids])
    names = list(binary)
    pairs = {}
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            results = [
                cohen_kappa(np.column_stack([binary[a][:, j], binary[b][:, j]]).astype(int))
                for j in range(len(ev.codes))
            ]
            pairs[(a, b)] = average(results).value
    return {"pairs": pairs, "codes": len(ev.codes), "machine": machine}


def roll_up(
    scores: np.ndarray, y: np.ndarray, mask: np.ndarray, codes: list[str], theme_of: dict[str, str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Scores, truth and mask at theme level: a theme is applied when any of its codes is, known
    when any of its codes is known, and scored by its best code (evidence for a sub-code is
    evidence for its theme)."""
    themes = sorted({theme_of.get(c, c) for c in codes})
    index = {t: j for j, t in enumerate(themes)}
    n = len(y)
    s2, y2, m2 = np.zeros((n, len(themes))), np.zeros((n, len(themes))), np.zeros((n, len(themes)), dtype=bool)
    for j, code in enumerate(codes):
        t = index[theme_of.get(code, code)]
        known = mask[:, j]
        s2[:, t] = np.maximum(s2[:, t], scores[:, j])
        y2[:, t] = np.maximum(y2[:, t], np.where(known, y[:, j], 0.0))
        m2[:, t] |= known
    return s2, y2, m2, themes


def ranking_scores(scores: np.ndarray, y: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """(precision@1, recall@3) of ``scores`` over segments with at least one applied code."""
    r = score_system(
        "x", scores, np.zeros_like(scores, dtype=bool), y, mask, [str(j) for j in range(y.shape[1])], False
    )
    return r.p_at_1, r.r_at_3


@dataclass
class Shown:
    """What a coder would see at one threshold, over every evaluated segment (out of fold)."""

    policy: str
    threshold: float
    segments: int  # evaluated segments
    coded: int  # of them, with at least one code applied
    with_suggestion: int  # segments shown at least one suggestion
    coded_with_suggestion: int  # coded segments shown at least one suggestion
    shown: int  # suggestions shown
    right: int  # of them, a code (or, for a theme, a code under it) applied to the segment
    themes_shown: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.shown if self.shown else 0.0


def shown_at(ev: Evaluation, theme_of: dict[str, str], threshold: float, themes: bool = True, top: int = 3) -> Shown:
    """The default engine's suggestions as the workbench shows them: up to ``top`` codes scoring
    ``threshold`` or more; with ``themes``, when no code does, the best theme that does."""
    assert ev.truth is not None and ev.mask is not None
    scores, y, mask = ev.predictions["combined"], ev.truth, ev.mask
    members: dict[str, list[int]] = defaultdict(list)
    for j, code in enumerate(ev.codes):
        members[theme_of.get(code, code)].append(j)
    index = {c: j for j, c in enumerate(ev.codes)}
    out = Shown("codes, else theme" if themes else "codes only", threshold, len(y), 0, 0, 0, 0, 0)
    for i in range(len(y)):
        coded = bool((y[i] * mask[i]).any())
        out.coded += coded
        picked = [j for j in np.argsort(-scores[i], kind="stable")[:top] if scores[i, j] >= threshold]
        right = sum(1 for j in picked if y[i, j] == 1)
        n = len(picked)
        if not picked and themes:
            best = max(
                ((p[i], t) for t, p in ev.theme_scores.items() if p[i] >= threshold),
                default=None,
            )
            if best is not None:
                cols = members.get(best[1], []) + ([index[best[1]]] if best[1] in index else [])
                n, right = 1, int(any(y[i, j] == 1 for j in cols))
                out.themes_shown += 1
        out.shown += n
        out.right += right
        out.with_suggestion += n > 0
        out.coded_with_suggestion += coded and n > 0
    return out
