"""Keyword suggestions: each code's keywords matched on lemmas, with near-misses.

A code's ``keywords`` (and, optionally, the distinctive words of its definition) are matched
against a segment's lower-case lemmas with spaCy's ``PhraseMatcher``, so "governors signed it
off" meets the keywords "governors" and "signed off". rapidfuzz adds near-misses for words of five
letters or more ("apraisal" ≈ "appraisal", "colaboration" ≈ "collaboration"), which transcripts
are full of. Every hit records the words that matched and where, so a suggestion can say why.

Plain Python on plain data: codes in, hits out; nothing here touches the database.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qualcode import nlp
from qualcode.records import CodeInfo

if TYPE_CHECKING:  # spaCy is imported when a matcher is built, not with this module
    from spacy.tokens import Doc

# How much one matched keyword says, by kind; a code's strength is 1 - prod(1 - weight).
WEIGHTS = {"phrase": 0.6, "word": 0.45, "near": 0.25, "definition": 0.15}
MIN_NEAR_LENGTH = 5
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "as",
        "at",
        "from",
        "that",
        "this",
        "these",
        "those",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "their",
        "our",
        "your",
        "his",
        "her",
        "they",
        "we",
        "you",
        "he",
        "she",
        "i",
        "me",
        "my",
        "us",
        "them",
        "not",
        "no",
        "nor",
        "so",
        "than",
        "then",
        "there",
        "here",
        "when",
        "where",
        "who",
        "whom",
        "how",
        "what",
        "which",
        "why",
        "all",
        "any",
        "each",
        "every",
        "some",
        "such",
        "only",
        "own",
        "same",
        "other",
        "more",
        "most",
        "very",
        "can",
        "will",
        "just",
        "do",
        "does",
        "did",
        "done",
        "have",
        "has",
        "had",
        "having",
        "about",
        "into",
        "over",
        "under",
        "again",
        "further",
        "once",
        "also",
        "use",
        "used",
        "using",
        "code",
        "codes",
        "passage",
        "passages",
        "statement",
        "statements",
        "example",
        "examples",
        "including",
        "include",
        "includes",
        "go",
        "goes",
        "school",
        "schools",
        "leader",
        "leaders",
        "work",
        "rln",
        "network",
        "networks",
        "teacher",
        "teachers",
        "staff",
        "colleague",
        "colleagues",
        "interviewee",
        "participant",
        "participants",
        "account",
        "accounts",
        "something",
        "things",
        "thing",
        "whether",
        "within",
        "without",
    ]
)


@dataclass(frozen=True)
class CodeKeywords:
    """What the matcher needs of a code: its key, name, keywords and (optional) definition text."""

    key: str
    name: str
    keywords: tuple[str, ...] = ()
    definition: str = ""  # description + include + example, for definition words


@dataclass(frozen=True)
class KeywordHit:
    code: str
    keyword: str  # the keyword (or definition word) as the codebook spells it
    start: int  # character offsets into the segment text
    end: int
    text: str  # the words in the segment
    kind: str  # phrase | word | near | definition
    similarity: float = 100.0


def code_keywords(codes: Iterable[CodeInfo]) -> list[CodeKeywords]:
    """``CodeKeywords`` from ``CodeInfo`` records (or anything with the same fields)."""
    return [
        CodeKeywords(
            c.key,
            c.name,
            tuple(c.keywords or ()),
            " ".join(x for x in (c.name, c.description, c.include, c.example) if x),
        )
        for c in codes
    ]


def definition_words(
    codes: list[CodeKeywords], lemmas: bool = True, model: str | None = None, max_codes: int = 1
) -> dict[str, list[str]]:
    """Per code, the content words of its definition that at most ``max_codes`` codes use."""
    docs, _ = nlp.tokens([c.definition for c in codes], lemmas=lemmas, model=model)
    per_code: dict[str, dict[str, str]] = {}
    users: dict[str, set[str]] = defaultdict(set)
    for code, doc in zip(codes, docs):
        words: dict[str, str] = {}
        for t in doc:
            if t.is_alpha and len(t.text) > 3 and t.lower_ not in STOPWORDS and t.lemma_ not in STOPWORDS:
                words.setdefault(t.lemma_, t.lower_)
        per_code[code.key] = words
        for lemma in words:
            users[lemma].add(code.key)
    keyword_docs, _ = nlp.tokens([" ".join(c.keywords) for c in codes], lemmas=lemmas, model=model)
    own = {c.key: {t.lemma_ for t in d} for c, d in zip(codes, keyword_docs)}
    return {
        key: sorted(form for lemma, form in words.items() if len(users[lemma]) <= max_codes and lemma not in own[key])
        for key, words in per_code.items()
    }


class KeywordMatcher:
    """Matches codes' keywords in texts; build once, match many.

    ``lemmas`` is True when a trained pipeline supplied lemmas; without one, words are matched
    in lower case and near-misses catch most plurals ("governor" ≈ "governors").
    """

    def __init__(
        self,
        codes: list[CodeKeywords],
        use_definitions: bool = False,
        fuzzy: bool = True,
        min_similarity: float = 88.0,
        model: str | None = None,
        lemmas: bool = True,
    ):
        from spacy.matcher import PhraseMatcher

        self.codes = list(codes)
        self.fuzzy = fuzzy
        self.min_similarity = min_similarity
        self.model = model
        self.want_lemmas = lemmas
        entries: list[tuple[str, str, str]] = []  # (code, keyword as written, kind)
        for c in self.codes:
            for k in c.keywords:
                k = k.strip()
                if k:
                    entries.append((c.key, k, "phrase" if len(k.split()) > 1 else "word"))
        if use_definitions:
            for key, words in definition_words(self.codes, lemmas=lemmas, model=model).items():
                entries += [(key, w, "definition") for w in words]
        docs, self.lemmas = nlp.tokens([k for _, k, _ in entries], lemmas=lemmas, model=model)
        self.vocab = nlp.blank().vocab
        self.matcher = PhraseMatcher(self.vocab, attr="LEMMA")
        self.entries: dict[int, tuple[str, str, str]] = {}
        # For near-misses: each keyword as a sequence of lemmas, indexed by its first lemma.
        self.sequences: dict[str, list[tuple[tuple[str, ...], tuple[str, str, str]]]] = defaultdict(list)
        self.words: set[str] = set()
        for entry, doc in zip(entries, docs):
            lemma_seq = tuple(t.lemma_ for t in doc)
            if not lemma_seq:
                continue
            label = f"{entry[0]}\x1f{entry[1]}\x1f{entry[2]}"
            match_id = self.vocab.strings.add(label)
            self.entries[match_id] = entry
            self.matcher.add(label, [doc])
            self.sequences[lemma_seq[0]].append((lemma_seq, entry))
            self.words.update(w for w in lemma_seq if len(w) >= MIN_NEAR_LENGTH and w.isalpha())
        self._near: dict[str, list[tuple[str, float]]] = {}
        self._near_h: dict[int, dict[int, float]] = {}  # corpus lemma hash -> keyword word hash -> similarity
        self._near_first: dict[int, list[str]] = {}  # corpus lemma hash -> keyword first words it nearly is
        self._seen: set[int] = set()  # corpus lemma hashes already looked at for near-misses
        self._near_keys: Any = None  # the keys of _near_h as a sorted numpy array
        strings = self.vocab.strings
        self._seq_h = {
            first: [(seq, tuple(strings.add(w) for w in seq), entry) for seq, entry in items]
            for first, items in self.sequences.items()
        }
        self._first_h = {strings.add(first) for first in self.sequences}
        self._longest = max((len(seq) for items in self.sequences.values() for seq, _ in items), default=1)

    # ------------------------------------------------------------------ matching

    def match(self, texts: list[str]) -> list[list[KeywordHit]]:
        """The keyword hits in each text (best hit per code and keyword, in text order)."""
        docs, _ = nlp.tokens(texts, lemmas=self.want_lemmas and self.lemmas, model=self.model)
        return self.match_docs(docs, texts)

    def match_docs(self, docs: Sequence[Doc], texts: list[str] | None = None) -> list[list[KeywordHit]]:
        """Hits in docs from ``nlp.tokens``; ``texts`` (the docs' texts) saves rebuilding them."""
        import numpy as np
        from spacy.attrs import IDX, LEMMA, LENGTH

        # The whole batch at once: one array of every token's lemma, a mask of the near-misses.
        arrays = [d.to_array(LEMMA) if len(d) else np.zeros(0, dtype=np.uint64) for d in docs]
        lemmas_all = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.uint64)
        near_all = np.zeros(len(lemmas_all), dtype=bool)
        if self.fuzzy:
            fresh = [h for h in np.unique(lemmas_all).tolist() if h not in self._seen]
            if fresh:
                self._seen.update(fresh)
                self._learn_near({self.vocab.strings[h] for h in fresh} - self._near.keys())
            if self._near_h:
                if self._near_keys is None or len(self._near_keys) != len(self._near_h):
                    self._near_keys = np.array(sorted(self._near_h), dtype=np.uint64)
                near_all = np.isin(lemmas_all, self._near_keys)
        first = self._first_h.union(self._near_first)
        out: list[list[KeywordHit]] = []
        offset = 0
        for k, doc in enumerate(docs):
            n = len(arrays[k])
            near_at = np.flatnonzero(near_all[offset : offset + n]).tolist()
            offset += n
            text = texts[k] if texts is not None else doc.text
            hits: dict[tuple[str, str], KeywordHit] = {}
            taken: set[int] = set()
            matches = self.matcher(doc)
            if not matches and not near_at:
                out.append([])
                continue
            # Where each token starts and ends in the text, as two flat lists: a list per token
            # made the cyclic collector walk tens of thousands of them.
            idx = doc.to_array([IDX, LENGTH])
            where = (idx[:, 0].tolist(), (idx[:, 0] + idx[:, 1]).tolist())
            for match_id, start, end in matches:
                code, keyword, kind = self.entries[match_id]
                if (code, keyword) not in hits:  # the first place a keyword matched is the one shown
                    a, b = where[0][start], where[1][end - 1]
                    hits[code, keyword] = KeywordHit(code, keyword, a, b, text[a:b], kind)
                taken.update(range(start, end))
            if near_at:
                # A near-miss needs a nearly-matching word: only starts just before one can match.
                lemmas = arrays[k].tolist()
                starts = {i for p in near_at for i in range(max(0, p - self._longest + 1), p + 1)}
                positions = sorted(i for i in starts if lemmas[i] in first)
                for hit in self._near_hits(text, lemmas, taken, positions, where):
                    hits.setdefault((hit.code, hit.keyword), hit)
            best: dict[tuple[str, int, int], KeywordHit] = {}
            for hit in hits.values():  # one hit per code and place: a keyword beats a definition word
                key = (hit.code, hit.start, hit.end)
                if key not in best or (best[key].kind == "definition" and hit.kind != "definition"):
                    best[key] = hit
            out.append(sorted(best.values(), key=lambda h: (h.start, h.code)))
        return out

    def _learn_near(self, lemmas: set[str]) -> None:
        """Which corpus lemmas are near-misses of which keyword words (by hash, for speed)."""
        new = [w for w in lemmas if w not in self._near]
        for w in new:
            self._near[w] = []
        candidates = [w for w in new if len(w) >= MIN_NEAR_LENGTH - 1 and w.isalpha()]
        if not candidates or not self.words:
            return
        from rapidfuzz import fuzz, process

        words = sorted(self.words)
        scores = process.cdist(candidates, words, scorer=fuzz.ratio, score_cutoff=self.min_similarity, workers=1)
        strings = self.vocab.strings
        for i, w in enumerate(candidates):
            row = scores[i]
            near = [(words[j], float(row[j])) for j in row.nonzero()[0] if words[j] != w]
            self._near[w] = near
            if near:
                h = strings.add(w)
                self._near_h[h] = {strings.add(k): sim for k, sim in near}
                firsts = [k for k, _ in near if k in self.sequences]
                if firsts:
                    self._near_first[h] = firsts

    def _near_hits(
        self,
        text: str,
        lemmas: list[int],
        taken: set[int],
        positions: list[int],
        where: tuple[list[int], list[int]],
    ) -> list[KeywordHit]:
        hits = []
        n = len(lemmas)
        strings = self.vocab.strings
        for i in positions:
            h = lemmas[i]
            if i in taken:
                continue
            firsts = self._near_first.get(h)
            if h in self._first_h:
                firsts = [strings[h]] + (firsts or [])
            if not firsts:
                continue
            for first in firsts:
                for _seq, seq_h, (code, keyword, kind) in self._seq_h.get(first, ()):
                    if i + len(seq_h) > n:
                        continue
                    worst, near = 100.0, False
                    for j, word_h in enumerate(seq_h):
                        tok = lemmas[i + j]
                        if tok == word_h:
                            continue
                        sim = self._near_h.get(tok, {}).get(word_h)
                        if sim is None:
                            break
                        near, worst = True, min(worst, sim)
                    else:
                        if near:
                            end = i + len(seq_h) - 1
                            a, b = where[0][i], where[1][end]
                            hits.append(
                                KeywordHit(
                                    code,
                                    keyword,
                                    a,
                                    b,
                                    text[a:b],
                                    "near" if kind != "definition" else "definition",
                                    worst,
                                )
                            )
        return hits


def strengths(hits: list[KeywordHit]) -> dict[str, float]:
    """Per code, how strongly its keywords matched: 1 - prod(1 - weight) over distinct keywords."""
    miss: dict[str, float] = defaultdict(lambda: 1.0)
    for h in hits:
        miss[h.code] *= 1.0 - WEIGHTS[h.kind]
    return {code: 1.0 - m for code, m in miss.items()}


def features(hits: list[KeywordHit]) -> dict[str, tuple[float, float, float]]:
    """Per code: (log-odds of the strength, 1 if any exact keyword matched, number of distinct keywords)."""
    by_code: dict[str, list[KeywordHit]] = defaultdict(list)
    for h in hits:
        by_code[h.code].append(h)
    out = {}
    for code, strength in strengths(hits).items():
        exact = any(h.kind in ("phrase", "word") for h in by_code[code])
        out[code] = (
            math.log(strength / (1.0 - strength + 1e-9) + 1e-9),
            1.0 if exact else 0.0,
            float(len(by_code[code])),
        )
    return out


def describe_hits(hits: list[KeywordHit]) -> str:
    """'"signed off", governors (governor), apraisal ≈ appraisal' — the words that matched."""
    parts = []
    for h in hits:
        shown = f'"{h.text}"' if " " in h.text else h.text
        if h.kind == "near":
            parts.append(f"{shown} ≈ {h.keyword}")
        elif h.text.casefold() != h.keyword.casefold():
            parts.append(f"{shown} ({h.keyword})")
        else:
            parts.append(shown)
    return ", ".join(dict.fromkeys(parts))
