"""Learned suggestions: a spaCy ``textcat_multilabel`` trained on the project's own codings.

What the model learns from (``training_examples``): every segment of a transcript that the
chosen coders have worked in. A code one coder applied is a positive; a code nobody applied to a
segment they coded around is a negative; with several coders, a code some applied and others did
not is left out (neither), so the model learns the agreed codings. A rejected suggestion is a
negative for that code on that segment. Interviewer turns nobody coded are left out.

Training (``train``) holds back about a fifth of the transcripts, fits the model on the rest,
and uses the held-back codings to calibrate its scores (Platt scaling) and to learn how to
combine them with keyword evidence; then the model is fitted again on everything. The result is
plain bytes and a JSON-able dict, so training can run in another process
(``train_payload`` is the top-level function a ``ProcessPoolExecutor`` can call).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode import nlp
from qualcode.speakers import DEFAULT_SPEAKERS
from qualcode.suggest.calibration import Calibrator, fit_logistic, logit
from qualcode.suggest.keywords import CodeKeywords, KeywordMatcher, strengths

if TYPE_CHECKING:  # spaCy is imported when a model is trained or loaded
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

MIN_POSITIVES = 3
DEFAULT_EPOCHS = {"bow": 10, "ensemble": 8}
DEFAULT_ARCHITECTURE = "linear"  # see qualcode.suggest.linear for why
ARCHITECTURES = ("linear", "bow", "ensemble")
BATCH_SIZE = 32
LEARN_RATE = 0.005


@dataclass(frozen=True)
class SegmentText:
    """A segment as the suggester sees it."""

    id: int
    transcript_id: int
    text: str
    speaker: str | None = None
    is_interviewer: bool | None = None  # as the project's Speakers say; None: by the default labels

    @property
    def interviewer(self) -> bool:
        if self.is_interviewer is not None:
            return self.is_interviewer
        return DEFAULT_SPEAKERS.is_interviewer(self.speaker)


@dataclass(frozen=True)
class TrainingExample:
    segment_id: int
    transcript_id: int
    text: str
    labels: dict[str, float]  # code -> 1.0 (applied) / 0.0 (not); a code that is absent is unknown


def training_examples(
    segments: list[SegmentText],
    codings: list[tuple[str, int, int, str]],
    coders: list[str] | None = None,
    rejected: Iterable[tuple[int, str]] = (),
    codes: list[str] | None = None,
) -> list[TrainingExample]:
    """Examples from ``codings`` (coder, transcript id, segment id, code key) of ``coders``
    (default: everyone who has coded), plus ``rejected`` (segment id, code key) suggestions."""
    chosen = set(coders) if coders else {c for c, *_ in codings}
    applied: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    worked: dict[int, set[str]] = defaultdict(set)  # transcript -> coders who coded in it
    all_codes = set(codes or ())
    for coder, transcript_id, segment_id, code in codings:
        if coder in chosen:
            applied[segment_id][code].add(coder)
            worked[transcript_id].add(coder)
            all_codes.add(code)
    refused: dict[int, set[str]] = defaultdict(set)
    for segment_id, code in rejected:
        refused[segment_id].add(code)
    out = []
    for seg in segments:
        seen = worked.get(seg.transcript_id, set())
        codes_here = applied.get(seg.id, {})
        if not seen and seg.id not in refused:
            continue
        if seg.interviewer and not codes_here:
            continue
        labels: dict[str, float] = {}
        if seen:
            for code in all_codes:
                n = len(codes_here.get(code, ()))
                if n == len(seen):
                    labels[code] = 1.0
                elif n == 0:
                    labels[code] = 0.0
        for code in refused.get(seg.id, ()):
            if labels.get(code) != 1.0 and not codes_here.get(code):
                labels[code] = 0.0
        out.append(TrainingExample(seg.id, seg.transcript_id, seg.text, labels))
    return out


def label_counts(examples: list[TrainingExample]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for ex in examples:
        for code, v in ex.labels.items():
            if v == 1.0:
                counts[code] += 1
    return dict(counts)


def words_of(texts: list[str], lemmas: bool = True, model: str | None = None) -> tuple[list[list[str]], bool]:
    """The model's input: each text's lower-case lemmas (or words), without punctuation."""
    docs, used = nlp.tokens(texts, lemmas=lemmas, model=model)
    return nlp.lemma_words(docs), used


@dataclass
class TrainedModel:
    """What training produces: the pipeline's bytes and everything needed to use it."""

    data: bytes
    labels: list[str]
    lemmas: bool
    architecture: str
    calibrator: dict[str, Any]  # Calibrator over [logit p]
    combiner: dict[str, Any]  # Calibrator over [logit p, keyword hit, keyword strength, exact keyword]
    metrics: dict[str, float] = field(default_factory=dict)
    trained_on: dict[str, Any] = field(default_factory=dict)
    themes: dict[str, str] = field(default_factory=dict)  # modelled code -> its theme (another code)
    theme_calibrator: dict[str, Any] | None = None  # Calibrator over theme_features
    keyword_calibrator: dict[str, Any] | None = None  # fit_keyword_calibrator on the training examples

    def meta(self) -> dict[str, Any]:
        return {
            "labels": self.labels,
            "lemmas": self.lemmas,
            "architecture": self.architecture,
            "calibrator": self.calibrator,
            "combiner": self.combiner,
            "themes": self.themes,
            "theme_calibrator": self.theme_calibrator,
            "keyword_calibrator": self.keyword_calibrator,
        }


def _docs(vocab: Vocab, words: list[list[str]]) -> list[Doc]:
    from spacy.tokens import Doc

    return [Doc(vocab, words=w or [""]) for w in words]


def _fit(
    words: list[list[str]],
    labels_list: list[dict[str, float]],
    labels: list[str],
    architecture: str,
    epochs: int,
    seed: int,
) -> Language:
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(seed)
    model = nlp.new_textcat(labels, architecture)
    docs = _docs(model.vocab, words)
    examples = [
        Example.from_dict(doc, {"cats": {k: v for k, v in lab.items() if k in set(labels)}})
        for doc, lab in zip(docs, labels_list)
    ]
    from thinc.api import Adam

    model.initialize(lambda: examples[:500])
    optimizer = Adam(LEARN_RATE)
    rng = random.Random(seed)
    order = list(range(len(examples)))
    for _ in range(epochs):
        rng.shuffle(order)
        for batch in minibatch([examples[i] for i in order], size=BATCH_SIZE):
            model.update(batch, sgd=optimizer, drop=0.1)
    return model


def _fit_any(
    words: list[list[str]],
    labels_list: list[dict[str, float]],
    labels: list[str],
    architecture: str,
    epochs: int,
    seed: int,
) -> Any:
    if architecture == "linear":
        from qualcode.suggest import linear

        return linear.fit(words, labels_list, labels, seed=seed)
    return _fit(words, labels_list, labels, architecture, epochs, seed)


def _to_bytes(model: Any) -> bytes:
    from qualcode.suggest.linear import LinearModel

    return model.to_bytes() if isinstance(model, LinearModel) else nlp.textcat_to_bytes(model)


def raw_scores(model: Any, words: list[list[str]], batch: int = 2000) -> np.ndarray:
    """Each label's score for each text, from a spaCy pipeline or a ``LinearModel``."""
    from spacy.pipeline.textcat_multilabel import MultiLabel_TextCategorizer

    from qualcode.suggest.linear import LinearModel

    if isinstance(model, LinearModel):
        return model.scores(words)

    textcat = model.get_pipe("textcat_multilabel")
    assert isinstance(textcat, MultiLabel_TextCategorizer)  # get_pipe is typed as returning any component
    out = []
    for i in range(0, len(words), batch):
        scores = textcat.predict(_docs(model.vocab, words[i : i + batch]))
        out.append(np.asarray(textcat.model.ops.to_numpy(scores)))
    if not out:
        return np.zeros((0, len(textcat.labels)))
    return np.vstack(out)


def keyword_features(matcher: KeywordMatcher | None, texts: list[str], labels: list[str]) -> np.ndarray:
    """(n texts, n labels, 3): keyword hit (0/1), strength, exact keyword (0/1)."""
    out = np.zeros((len(texts), len(labels), 3))
    if matcher is None or not texts:
        return out
    index = {k: j for j, k in enumerate(labels)}
    for i, hits in enumerate(matcher.match(texts)):
        exact = {h.code for h in hits if h.kind in ("phrase", "word")}
        for code, s in strengths(hits).items():
            j = index.get(code)
            if j is not None:
                out[i, j] = (1.0, s, 1.0 if code in exact else 0.0)
    return out


def combine_features(raw: np.ndarray, kw: np.ndarray) -> np.ndarray:
    """Per (text, label): [logit p, keyword hit, keyword strength, exact keyword]."""
    return np.concatenate([logit(raw)[..., None], kw], axis=-1)


def theme_groups(labels: list[str], themes: dict[str, str]) -> dict[str, list[int]]:
    """Theme -> the columns of ``labels`` under it, for themes that are not simply one of the
    labels standing alone (a theme with one modelled code that is the theme itself adds nothing)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for j, code in enumerate(labels):
        if code in themes:
            groups[themes[code]].append(j)
    return {t: cols for t, cols in groups.items() if not (len(cols) == 1 and labels[cols[0]] == t)}


def theme_features(combined: np.ndarray, cols: list[int]) -> np.ndarray:
    """(texts, 2) for one theme: the logit of its best code's score and of the chance that any
    of its codes applies (as if they were independent)."""
    sub = np.clip(combined[:, cols], 1e-6, 1 - 1e-6)
    any_p = 1.0 - np.exp(np.log1p(-sub).sum(axis=1))
    return np.column_stack([logit(sub.max(axis=1)), logit(any_p)])


def _theme_truth(examples: list[TrainingExample], members: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """Whether any code of a theme was applied to each example, and whether that is known."""
    y = np.array([any(ex.labels.get(c) == 1.0 for c in members) for ex in examples], dtype=float)
    known = np.array([y[i] == 1.0 or any(c in ex.labels for c in members) for i, ex in enumerate(examples)])
    return y, known


def fit_theme_calibrator(
    examples: list[TrainingExample], combined: np.ndarray, labels: list[str], themes: dict[str, str]
) -> Calibrator | None:
    """P(some code of the theme applied | its codes' scores), fitted on held-out examples."""
    feats, ys = [], []
    for theme, cols in theme_groups(labels, themes).items():
        members = {c for c, t in themes.items() if t == theme} | {theme}
        y, known = _theme_truth(examples, members)
        if known.any():
            feats.append(theme_features(combined, cols)[known])
            ys.append(y[known])
    if not feats:
        return None
    return fit_logistic(np.vstack(feats), np.concatenate(ys))


def _known(examples: list[TrainingExample], labels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Truth (n, labels) and a mask of known cells."""
    y = np.zeros((len(examples), len(labels)))
    mask = np.zeros((len(examples), len(labels)), dtype=bool)
    for i, ex in enumerate(examples):
        for j, code in enumerate(labels):
            if code in ex.labels:
                y[i, j] = ex.labels[code]
                mask[i, j] = True
    return y, mask


def split_by_transcript(examples: list[TrainingExample], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices (train, held out): whole transcripts held out, about ``fraction`` of the examples."""
    transcripts = sorted({ex.transcript_id for ex in examples})
    rng = random.Random(seed)
    rng.shuffle(transcripts)
    if len(transcripts) >= 3:
        held, n = set(), 0
        for t in transcripts:
            if n >= fraction * len(examples):
                break
            held.add(t)
            n += sum(1 for ex in examples if ex.transcript_id == t)
        if len(held) < len(transcripts):
            return (
                [i for i, ex in enumerate(examples) if ex.transcript_id not in held],
                [i for i, ex in enumerate(examples) if ex.transcript_id in held],
            )
    order = list(range(len(examples)))
    rng.shuffle(order)
    cut = max(1, int(len(order) * fraction))
    return sorted(order[cut:]), sorted(order[:cut])


def train(
    examples: list[TrainingExample],
    codes: Sequence[CodeKeywords] = (),
    architecture: str = DEFAULT_ARCHITECTURE,
    epochs: int | None = None,
    seed: int = 0,
    lemma_model: str | None = None,
    lemmas: bool = True,
    min_positives: int = MIN_POSITIVES,
    refit: bool = True,
    use_definitions: bool = False,
    progress: Callable[[str], object] | None = None,
    words: tuple[list[list[str]], bool] | None = None,
    themes: dict[str, str] | None = None,
    keyword_calibrator: bool = True,
) -> TrainedModel:
    """Train, calibrate and (with ``refit``) train again on everything. Raises ValueError when
    fewer than two codes have ``min_positives`` positive examples. ``words``: the examples'
    words and whether they are lemmas, when the caller has them already (cross-validation
    tokenises once for every fold). ``themes``: each code's theme (``suggest.themes.top_level``),
    for a calibrated score of each theme beside each code's."""
    started = time.perf_counter()
    counts = label_counts(examples)
    labels = sorted(code for code, n in counts.items() if n >= min_positives)
    if len(labels) < 2:
        raise ValueError(
            f"too few codings to learn from: {len(labels)} code(s) have {min_positives} or more "
            "coded segments, and a model needs two or more"
        )
    epochs = epochs or DEFAULT_EPOCHS.get(architecture, 10)
    if words is None:
        words = words_of([ex.text for ex in examples], lemmas=lemmas, model=lemma_model)
    words_list, used_lemmas = words
    matcher = (
        KeywordMatcher(list(codes), use_definitions=use_definitions, model=lemma_model, lemmas=used_lemmas)
        if codes
        else None
    )
    fit_idx, held_idx = split_by_transcript(examples, 0.2, seed)
    say = progress or (lambda *_: None)
    say("training (calibration run)")
    first = _fit_any(
        [words_list[i] for i in fit_idx], [examples[i].labels for i in fit_idx], labels, architecture, epochs, seed
    )
    held = [examples[i] for i in held_idx]
    raw = raw_scores(first, [words_list[i] for i in held_idx])
    y, mask = _known(held, labels)
    kw = keyword_features(matcher, [ex.text for ex in held], labels)
    platt = fit_logistic(logit(raw)[mask][:, None], y[mask], increasing=1)
    combiner = fit_logistic(combine_features(raw, kw)[mask], y[mask], increasing=1)
    theme_cal = None
    if themes:
        held_combined = combiner(combine_features(raw, kw).reshape(-1, 4)).reshape(raw.shape)
        theme_cal = fit_theme_calibrator(held, held_combined, labels, themes)
    metrics: dict[str, float] = {
        "held_out_segments": len(held),
        "held_out_pairs": int(mask.sum()),
        "held_out_positives": int(y[mask].sum()),
    }
    if refit:
        say("training (final run)")
        final = _fit_any(words_list, [ex.labels for ex in examples], labels, architecture, epochs, seed)
    else:
        final = first
    # Kept with the model, so that suggesting need not match every coded segment's keywords again.
    kw_cal = fit_keyword_calibrator(examples, matcher) if matcher is not None and keyword_calibrator else None
    metrics["seconds"] = round(time.perf_counter() - started, 2)
    trained_on = {"examples": len(examples), "positives": {k: counts[k] for k in labels}, "epochs": epochs}
    return TrainedModel(
        _to_bytes(final),
        labels,
        used_lemmas,
        architecture,
        platt.to_dict(),
        combiner.to_dict(),
        metrics,
        trained_on,
        {c: themes[c] for c in labels if c in themes} if themes and theme_cal is not None else {},
        theme_cal.to_dict() if theme_cal is not None else None,
        kw_cal.to_dict() if kw_cal is not None else None,
    )


class LoadedModel:
    """A stored model ready to score texts: ``probabilities`` (calibrated) and ``combined``."""

    def __init__(self, data: bytes, meta: dict[str, Any], version: str = "", lemma_model: str | None = None):
        from qualcode.suggest.linear import MAGIC, LinearModel

        self.pipeline: Any = LinearModel.from_bytes(data) if data.startswith(MAGIC) else nlp.textcat_from_bytes(data)
        self.labels: list[str] = list(meta["labels"])
        self.lemmas: bool = bool(meta.get("lemmas"))
        self.calibrator = Calibrator.from_dict(meta["calibrator"])
        self.combiner = Calibrator.from_dict(meta["combiner"])
        self.version = version
        self.lemma_model = lemma_model
        self.themes: dict[str, str] = dict(meta.get("themes") or {})
        cal = meta.get("theme_calibrator")
        self.theme_calibrator = Calibrator.from_dict(cal) if cal else None
        self.theme_groups = theme_groups(self.labels, self.themes) if self.theme_calibrator else {}

    def words(self, texts: list[str]) -> list[list[str]]:
        words, used = words_of(texts, lemmas=self.lemmas, model=self.lemma_model)
        if self.lemmas and not used:
            raise nlp.NoTrainedPipeline(
                "this suggestion model was trained on lemmas and needs the trained "
                "spaCy pipeline; install it with `pip install 'qualcode[nlp]'` or retrain"
            )
        return words

    def raw(self, texts: list[str]) -> np.ndarray:
        return raw_scores(self.pipeline, self.words(texts))

    def probabilities(self, raw: np.ndarray) -> np.ndarray:
        shape = raw.shape
        return self.calibrator(logit(raw).reshape(-1, 1)).reshape(shape)

    def combined(self, raw: np.ndarray, kw: np.ndarray) -> np.ndarray:
        feats = combine_features(raw, kw)
        return self.combiner(feats.reshape(-1, feats.shape[-1])).reshape(raw.shape)

    def theme_scores(self, combined: np.ndarray) -> dict[str, np.ndarray]:
        """Theme -> its calibrated probability for each text (empty for a model without themes)."""
        if self.theme_calibrator is None:
            return {}
        return {t: self.theme_calibrator(theme_features(combined, cols)) for t, cols in self.theme_groups.items()}


def fit_keyword_calibrator(examples: list[TrainingExample], matcher: KeywordMatcher) -> Calibrator | None:
    """P(code applied | keyword evidence), from the project's codings (None without any)."""
    labels = sorted({c for ex in examples for c in ex.labels})
    if not examples or not labels:
        return None
    y, mask = _known(examples, labels)
    kw = keyword_features(matcher, [ex.text for ex in examples], labels)
    hit = kw[..., 0] > 0
    if not (mask & hit).any():
        return None
    return fit_logistic(kw[mask & hit][:, 1:], y[mask & hit])


LEARN_WEIGHT = 5.0  # one decision by a person weighs as much as this many training examples


def learn_payload(payload: dict[str, Any]) -> bytes | None:
    """A linear model moved towards one accepted or rejected suggestion (``LinearModel.learn``),
    as the bytes to store; None when the model is not linear or does not model the code.

    ``payload``: {"data": bytes, "meta": dict, "text": str, "code": str, "accepted": bool,
    "lemma_model": str or None}.
    """
    from qualcode.suggest.linear import MAGIC, LinearModel

    data, meta = payload["data"], payload["meta"]
    if not data.startswith(MAGIC) or payload["code"] not in meta["labels"]:
        return None
    model = LinearModel.from_bytes(data)
    words, _ = words_of([payload["text"]], lemmas=bool(meta.get("lemmas")), model=payload.get("lemma_model"))
    model.learn(words[0], model.labels.index(payload["code"]), 1.0 if payload["accepted"] else 0.0, LEARN_WEIGHT)
    return model.to_bytes()


_PACK = b"QCMODEL1\n"


def pack_model(data: bytes, meta: dict[str, Any]) -> bytes:
    """One blob for the ``nlp_models`` table: the metadata (labels, calibration) and the pipeline."""
    import json

    head = json.dumps(meta).encode("utf-8")
    return _PACK + len(head).to_bytes(8, "big") + head + data


def unpack_model(blob: bytes) -> tuple[bytes, dict[str, Any]]:
    import json

    if not blob.startswith(_PACK):
        raise ValueError("not a qualcode suggestion model")
    n = int.from_bytes(blob[len(_PACK) : len(_PACK) + 8], "big")
    start = len(_PACK) + 8
    return blob[start + n :], json.loads(blob[start : start + n].decode("utf-8"))


def train_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Train from plain data, for a process pool: the workbench and the CLI call this.

    ``payload``: {"segments": [(id, transcript_id, text, speaker)], "codings": [(coder,
    transcript_id, segment_id, code)], "rejected": [(segment_id, code)], "coders": [..] or None,
    "codes": [(key, name, keywords, definition)], "architecture", "epochs", "seed", "lemma_model"}.
    Returns {"data": bytes, "meta": dict, "metrics": dict, "trained_on": dict, "kind": ...};
    raises ValueError (one line) when there is too little to learn from.
    """
    segments = [SegmentText(*s) for s in payload["segments"]]
    codes = [CodeKeywords(k, n, tuple(kw), d) for k, n, kw, d in payload.get("codes", [])]
    examples = training_examples(
        segments,
        [tuple(c) for c in payload["codings"]],
        payload.get("coders"),
        [tuple(r) for r in payload.get("rejected", [])],
        [c.key for c in codes],
    )
    model = train(
        examples,
        codes,
        architecture=payload.get("architecture") or DEFAULT_ARCHITECTURE,
        epochs=payload.get("epochs"),
        seed=payload.get("seed", 0),
        lemma_model=payload.get("lemma_model"),
        use_definitions=payload.get("use_definitions", False),
        themes=payload.get("themes"),
    )
    trained_on = dict(model.trained_on)
    trained_on.update(
        {
            "coders": sorted(payload.get("coders") or {c[0] for c in payload["codings"]}),
            "codings": len(payload["codings"]),
            "rejected": len(payload.get("rejected", [])),
            "codebook_version": payload.get("codebook_version"),
        }
    )
    return {
        "data": model.data,
        "meta": model.meta(),
        "metrics": model.metrics,
        "trained_on": trained_on,
        "kind": "linear" if model.architecture == "linear" else "textcat_multilabel",
    }
