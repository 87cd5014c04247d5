"""The default suggestion model: TF-IDF over content words, one weighted logistic regression per code.

Why this and not spaCy's ``textcat_multilabel`` (docs/suggestions.md has the figures): a real
codebook has hundreds of codes with one to ten codings each among thousands of uncoded
segments. spaCy's bag-of-words is trained by a few epochs of small gradient steps on hashed,
unweighted word counts, so a code with three positives among three thousand segments never moves
far from its prior: the scores rank codes by how common they are. Here each code gets its own
regularised logistic regression fitted to convergence, on TF-IDF weights (rare, telling words
count; every segment's vector has length one, so a long turn does not shout), without stop
words, with the few positives weighted up to balance the many negatives (``class_weight``).

The fitted model is stored without pickle: the vocabulary as JSON, the numbers as ``.npy``
arrays (``allow_pickle=False``), so a shared project file cannot carry code.
"""

from __future__ import annotations

import io
import json
import zlib
from dataclasses import dataclass

import numpy as np

MAGIC = b"QCLINEAR1\n"
C = 1.0  # inverse regularisation strength of each code's regression


def _vectorizer(vocabulary: dict[str, int] | None = None):
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    return TfidfVectorizer(
        analyzer="word",
        token_pattern=r"\S+",  # the input is already words (lemmas), joined by spaces
        lowercase=False,
        stop_words=sorted(ENGLISH_STOP_WORDS),
        sublinear_tf=True,
        vocabulary=vocabulary,
    )


@dataclass
class LinearModel:
    labels: list[str]
    vocabulary: list[str]
    idf: np.ndarray  # (features,)
    coef: np.ndarray  # (labels, features)
    intercept: np.ndarray  # (labels,)

    def __post_init__(self) -> None:
        self._columns: dict[str, int] | None = None

    @property
    def columns(self) -> dict[str, int]:
        """Each vocabulary word's column."""
        if self._columns is None:
            self._columns = {w: i for i, w in enumerate(self.vocabulary)}
        return self._columns

    def counts(self, words: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """How often each vocabulary word is in each text, as CSR arrays (counts, columns
        ascending, row starts): the texts' words joined and split on white space, as the fitted
        ``TfidfVectorizer`` splits them. Stop words need no removal: the vocabulary was fitted
        without them."""
        columns = self.columns
        indices: list[int] = []
        counts: list[int] = []
        indptr = [0]
        for text in words:
            seen: dict[int, int] = {}
            for w in " ".join(text).split():
                j = columns.get(w)
                if j is not None:
                    seen[j] = seen.get(j, 0) + 1
            for j in sorted(seen):
                indices.append(j)
                counts.append(seen[j])
            indptr.append(len(indices))
        return (
            np.asarray(counts, dtype=np.int64),
            np.asarray(indices, dtype=np.int64),
            np.asarray(indptr, dtype=np.int64),
        )

    def tfidf(self, counts: np.ndarray, cols: np.ndarray, indptr: np.ndarray) -> np.ndarray:
        """The TF-IDF weights of ``counts`` (CSR arrays, from ``counts`` or
        ``qualcode.nlp.lemma_counts``) as the fitted ``TfidfVectorizer`` gives them, to the
        last bit, without loading scikit-learn (a second of start-up): 1 + log(count), times the
        word's IDF, each row scaled to length one (summed in column order, as scikit-learn sums)."""
        data = np.log(np.asarray(counts, dtype=np.float64)) + 1.0
        data *= self.idf[cols]
        n = len(indptr) - 1
        rows = np.repeat(np.arange(n), np.diff(indptr))
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n))
        norms[norms == 0.0] = 1.0
        data /= norms[rows]
        return data

    def scores(self, words: list[list[str]]) -> np.ndarray:
        """(texts, labels): each code's probability from its regression."""
        if not words:
            return np.zeros((0, len(self.labels)))
        return self.scores_of_counts(*self.counts(words))

    def scores_of_counts(self, counts: np.ndarray, cols: np.ndarray, indptr: np.ndarray) -> np.ndarray:
        """``scores`` from word counts (CSR arrays, as ``counts`` gives them)."""
        n = len(indptr) - 1
        if not self.vocabulary:  # trained on stop words only: each code's base rate
            return np.tile(1.0 / (1.0 + np.exp(-self.intercept)), (n, 1))
        from scipy.sparse import csr_array  # type: ignore[import-untyped]  # no stubs

        x = csr_array(
            (self.tfidf(counts, cols, indptr), cols.astype(np.int32), indptr.astype(np.int32)),
            shape=(n, len(self.vocabulary)),
        )
        z = np.asarray(x @ self.coef.T) + self.intercept
        out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return out

    def learn(self, words: list[str], j: int, y: float, weight: float = 1.0) -> None:
        """Move code ``j``'s regression towards one decided example (``y`` 1: accepted, 0:
        rejected) without refitting: the smallest change of its weights and bias, along the
        example's TF-IDF vector, that balances ``weight`` times the example's log-loss against
        the squared size of the change (a proximal step; a few Newton iterations on one number).
        Milliseconds, where a refit of every code takes seconds."""
        if not self.vocabulary:
            return
        counts, cols, indptr = self.counts([words])
        vals = self.tfidf(counts, cols, indptr)
        size = float((vals**2).sum()) + 1.0  # the bias counts as one more feature of value 1
        z0 = float(self.coef[j, cols] @ vals + self.intercept[j])
        alpha = 0.0
        for _ in range(30):
            p = 1.0 / (1.0 + np.exp(-(z0 + alpha * size)))
            g = weight * (p - y) + alpha
            step = g / (weight * p * (1 - p) * size + 1.0)
            alpha -= step
            if abs(step) < 1e-10:
                break
        self.coef[j, cols] += alpha * vals
        self.intercept[j] += alpha

    def to_bytes(self) -> bytes:
        arrays = io.BytesIO()
        np.savez(
            arrays,
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float16),  # half the size; scores move by less than 0.001
            intercept=self.intercept.astype(np.float32),
        )
        head = json.dumps({"labels": self.labels, "vocabulary": self.vocabulary}).encode("utf-8")
        return MAGIC + zlib.compress(len(head).to_bytes(8, "big") + head + arrays.getvalue(), 6)

    @classmethod
    def from_bytes(cls, data: bytes) -> LinearModel:
        if not data.startswith(MAGIC):
            raise ValueError("not a qualcode linear suggestion model")
        body = zlib.decompress(data[len(MAGIC) :])
        n = int.from_bytes(body[:8], "big")
        head = json.loads(body[8 : 8 + n].decode("utf-8"))
        arrays = np.load(io.BytesIO(body[8 + n :]), allow_pickle=False)
        return cls(
            list(head["labels"]),
            list(head["vocabulary"]),
            arrays["idf"].astype(float),
            arrays["coef"].astype(float),
            arrays["intercept"].astype(float),
        )


def fit(
    words: list[list[str]], labels_list: list[dict[str, float]], labels: list[str], c: float = C, seed: int = 0
) -> LinearModel:
    """One balanced logistic regression per code, on the segments whose label for it is known.

    ``seed`` fixes liblinear's shuffling of the segments (unseeded, it draws from numpy's global
    random state): the same codings give the same model, and so the same suggestions."""
    from sklearn.linear_model import LogisticRegression

    vec = _vectorizer()
    texts = [" ".join(w) for w in words]
    try:
        x = vec.fit_transform(texts)
    except ValueError:  # nothing but stop words: an empty vocabulary
        x = None
    vocabulary = [w for w, _ in sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])] if x is not None else []
    coef = np.zeros((len(labels), len(vocabulary)))
    intercept = np.zeros(len(labels))
    for j, code in enumerate(labels):
        rows = [i for i, lab in enumerate(labels_list) if code in lab]
        y = np.array([labels_list[i][code] for i in rows])
        if x is None or len(set(y)) < 2:
            rate = min(max(float(y.mean()) if len(y) else 0.0, 1e-3), 1 - 1e-3)
            intercept[j] = np.log(rate / (1 - rate))
            continue
        clf = LogisticRegression(solver="liblinear", C=c, class_weight="balanced", dual=True, random_state=seed)
        clf.fit(x[rows], y)
        coef[j] = clf.coef_[0]
        intercept[j] = clf.intercept_[0]
    idf = vec.idf_ if x is not None else np.zeros(0)
    return LinearModel(list(labels), vocabulary, np.asarray(idf), coef, intercept)
