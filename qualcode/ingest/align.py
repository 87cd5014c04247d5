"""Carrying spans (segments, codings) from one version of a transcript's text to the next.

A corrected transcript (a misheard word, a redacted name, a missing page, turns put in another
order) is aligned with the old text; every span then moves with the words it covered.

The alignment matches words by content, not by position, so a turn that moved carries its spans
to wherever its words went:

1. Lines are matched first, whole (without the spaces at either end): a line that occurs once
   in each text, then its neighbours while they are the same lines. The lines left are cut into
   words (runs of non-space characters), and among the tokens left (words) a word that occurs
   once in each text is matched, then a run of four words that does, each time with its
   neighbours while they are the same. Runs of consecutive matches are *blocks*; blocks may be in
   another order in the new text (moved turns). Every step is a pass over the lines or words,
   with dictionaries: time in proportion to the text.
2. What lies between two blocks in the old text (spaces, line ends, words that did not match) is
   paired with what lies between two blocks in the new text: with the place that has the same
   blocks on both sides, else the place after the same block or before it that shares most
   characters with it. A place left without a partner is deleted (old) or inserted (new).
3. Each pair is diffed in order, from coarse to fine: lines, then words inside the lines that
   differ, then characters inside the words that differ, so that "Smith" corrected to "Smyth"
   keeps a span that started or ended inside it. The diff is bounded: difflib for small pairs,
   rapidfuzz's longest common subsequence (C++) for larger ones, and a pair larger than that (no
   anchor in megabytes of text) is compared by its common beginning and end only.

Line ends and spaces take no part in matching words, so a file saved with CRLF line ends against
one with LF aligns every word.

Rules, for a span ``old[start:end]``:

- characters the alignment keeps map to their new place; an insertion strictly inside the span
  joins it, an insertion at either edge does not;
- a replaced run that the span touches is taken in whole (the new words stand for the old);
- deleted characters vanish from the span; a span left with nothing is ``deleted``;
- a span whose parts went to different places (it covered the end of one turn and the start of
  the next, and the turns were separated) follows the part that kept most of its characters; the
  other parts count as removed.

``status`` says what happened: ``kept`` (the same text, perhaps at new offsets), ``changed`` (its
text was edited; ``removed_text`` holds the old characters that are gone) or ``deleted``.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

# (tag, i1, i2, j1, j2) as in difflib: old[i1:i2] becomes new[j1:j2]. Unlike difflib's, the new
# ranges need not be in the order of the old ones (a moved turn).
Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]

_WORDS = re.compile(r"\S+")
_LINE_BODY = re.compile(r"[^\S\r\n]*(\S(?:[^\r\n]*\S)?)")  # a line's text between its spaces
_LINE = re.compile(r"[^\n]*\n+|[^\n]+")  # a line with the blank lines after it
_WORD = re.compile(r"\S+\s*|\s+")
_GRAM = 4  # words in a run that anchors when no single word does
# Token pairs (old tokens × new tokens) up to which one place is diffed by difflib, and by
# rapidfuzz's LCS (bit-parallel C++) beyond that; larger places keep their common ends only.
_DIFFLIB_BUDGET = 50_000
_LCS_BUDGET = 400_000_000


@dataclass(frozen=True)
class MovedSpan:
    index: int  # position in the list given
    old_start: int
    old_end: int
    new_start: int | None  # None when the span was deleted
    new_end: int | None
    status: str  # kept | changed | deleted
    removed_text: str = ""  # old characters inside the span that are not in the new text


@dataclass(frozen=True)
class Alignment:
    """An edit script from ``old`` to ``new``: ``opcodes`` cover every old character once, in the
    order of the old text (``insert`` ones cover new characters only), and every new character
    once, in any order."""

    old: str
    new: str
    opcodes: tuple[Opcode, ...]
    # the blocks that cover old characters, in order, and where they start, for bisecting a position
    _covering: list[Opcode] = field(init=False, repr=False, compare=False)
    _starts: list[int] = field(init=False, repr=False, compare=False)
    # for each covering block: its place among the blocks that cover new characters (-1: none), and
    # for each such place, the next place that is not a pure insertion
    _rank: list[int] = field(init=False, repr=False, compare=False)
    _next_kept: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        covering = sorted((op for op in self.opcodes if op[2] > op[1]), key=lambda op: op[1])
        in_new = sorted((op for op in self.opcodes if op[4] > op[3]), key=lambda op: op[3])
        place = {op: q for q, op in enumerate(in_new)}  # the ranges make every opcode distinct
        rank = [place.get(op, -1) for op in covering]
        next_kept = [len(in_new)] * (len(in_new) + 1)
        for q in range(len(in_new) - 1, -1, -1):
            next_kept[q] = q if in_new[q][0] != "insert" else next_kept[q + 1]
        # frozen: set once, here
        object.__setattr__(self, "_covering", covering)
        object.__setattr__(self, "_starts", [op[1] for op in covering])
        object.__setattr__(self, "_rank", rank)
        object.__setattr__(self, "_next_kept", next_kept)

    def map_span(self, start: int, end: int) -> tuple[int, int, str] | None:
        """Where ``old[start:end]`` went: (new start, new end, old characters removed from it),
        or None when all of it was deleted."""
        first = max(bisect.bisect_right(self._starts, start) - 1, 0)
        # the parts of the span, block by block: (old lo, old hi, rank, new lo, new hi, kept chars)
        parts: list[tuple[int, int, int, int, int, int]] = []
        for k in range(first, len(self._covering)):
            tag, i1, i2, j1, j2 = self._covering[k]
            if i1 >= end:
                break
            lo, hi = max(i1, start), min(i2, end)
            if lo >= hi:
                continue
            if tag == "equal":
                parts.append((lo, hi, self._rank[k], j1 + lo - i1, j1 + hi - i1, hi - lo))
            elif tag == "replace":
                parts.append((lo, hi, self._rank[k], j1, j2, 0))
            else:
                parts.append((lo, hi, -1, 0, 0, 0))
        # chains of parts that follow each other in the new text too (with only insertions between)
        best: tuple[int, int] | None = None  # (first part, last part) of the chain that keeps most
        best_kept = -1
        k = 0
        while k < len(parts):
            if parts[k][2] < 0:
                k += 1
                continue
            head, kept, last = k, parts[k][5], k
            k += 1
            while k < len(parts):
                if parts[k][2] < 0:  # deleted: the chain goes on over it
                    k += 1
                    continue
                if parts[k][2] != self._next_kept[parts[last][2] + 1]:
                    break
                kept += parts[k][5]
                last = k
                k += 1
            if kept > best_kept:
                best, best_kept = (head, last), kept
        if best is None:
            return None
        head, last = best
        removed = "".join(
            self.old[lo:hi]
            for n, (lo, hi, rank, _a, _b, kept) in enumerate(parts)
            if not (head <= n <= last and rank >= 0 and kept)
        )
        return parts[head][3], parts[last][4], removed


def align(old: str, new: str) -> Alignment:
    # the shared beginning and end, each cut back to a word boundary so that words are matched whole
    prefix = _common_prefix(old, new)
    while prefix and not old[prefix - 1].isspace():
        prefix -= 1
    suffix = _common_suffix(old[prefix:], new[prefix:])
    while suffix and not (old[len(old) - suffix - 1].isspace() and new[len(new) - suffix - 1].isspace()):
        suffix -= 1
    old_mid, new_mid = old[prefix : len(old) - suffix], new[prefix : len(new) - suffix]
    ops: list[Opcode] = []
    if prefix:
        ops.append(("equal", 0, prefix, 0, prefix))
    ops.extend(_shift(_align_words(old_mid, new_mid), prefix, prefix))
    if suffix:
        ops.append(("equal", len(old) - suffix, len(old), len(new) - suffix, len(new)))
    return Alignment(old, new, tuple(_merge(ops)))


def map_spans(old: str, new: str, spans: list[tuple[int, int]], alignment: Alignment | None = None) -> list[MovedSpan]:
    """Each ``(start, end)`` of ``old`` mapped into ``new`` (see the module's rules)."""
    a = alignment or align(old, new)
    out = []
    for index, (start, end) in enumerate(spans):
        if not 0 <= start < end <= len(old):
            raise ValueError(f"span {start}-{end} is outside the old text ({len(old)} characters)")
        where = a.map_span(start, end)
        if where is None:
            out.append(MovedSpan(index, start, end, None, None, "deleted", old[start:end]))
            continue
        new_start, new_end, removed = where
        if new[new_start:new_end] == old[start:end]:
            out.append(MovedSpan(index, start, end, new_start, new_end, "kept"))
        else:
            out.append(MovedSpan(index, start, end, new_start, new_end, "changed", removed))
    return out


# ---------------------------------------------------------------------- matching words


def _align_words(old: str, new: str) -> list[Opcode]:
    """The alignment of two texts with no common beginning or end (see the module's steps)."""
    if not old or not new:
        return _diff(old, new, 0)
    # lines first (without their leading and trailing spaces): those matched whole are one token
    # each, the others are cut into words, so that a few corrections cost little
    a_lines, b_lines = _lines(old), _lines(new)
    a_line_keys = [old[s:e] for s, e in a_lines]
    b_line_keys = [new[s:e] for s, e in b_lines]
    line_fw, line_bw = [-1] * len(a_lines), [-1] * len(b_lines)
    _match(a_line_keys, b_line_keys, line_fw, line_bw, grams=False)
    b_spans, b_token_of_line = _cut(new, b_lines, line_bw)
    a_spans, a_token_of_line = _cut(old, a_lines, line_fw)
    if not a_spans or not b_spans:
        return _diff(old, new, 0)
    a_words = [old[s:e] for s, e in a_spans]
    b_words = [new[s:e] for s, e in b_spans]
    fw, bw = [-1] * len(a_spans), [-1] * len(b_spans)
    for line, token in a_token_of_line.items():
        j = b_token_of_line[line_fw[line]]
        fw[token], bw[j] = j, token
    _match(a_words, b_words, fw, bw, grams=True)

    # blocks of consecutive matches: (first old word, last old word, first new word)
    blocks: list[tuple[int, int, int]] = []
    i, n = 0, len(fw)
    while i < n:
        if fw[i] < 0:
            i += 1
            continue
        head = i
        while i + 1 < n and fw[i + 1] == fw[i] + 1:
            i += 1
        blocks.append((head, i, fw[head]))
        i += 1

    ops: list[Opcode] = []
    gaps: dict[tuple[str, str], list[Opcode]] = {}  # the same line ends come back on every line
    # character ranges of the blocks, old order
    a_at = [(a_spans[h][0], a_spans[t][1]) for h, t, _j in blocks]
    b_at = [(b_spans[j][0], b_spans[j + t - h][1]) for h, t, j in blocks]
    for (h, t, j), (o1, o2), (n1, n2) in zip(blocks, a_at, b_at, strict=True):
        if old[o1:o2] == new[n1:n2]:
            ops.append(("equal", o1, o2, n1, n2))
            continue
        for k in range(h, t + 1):  # the same words; the spaces or line ends between them differ
            (s, e), (sn, en) = a_spans[k], b_spans[j + k - h]
            ops.append(("equal", s, e, sn, en))
            if k < t:
                o_gap, n_gap = old[e : a_spans[k + 1][0]], new[en : b_spans[j + k - h + 1][0]]
                gap_ops = gaps.get((o_gap, n_gap))
                if gap_ops is None:
                    gap_ops = _diff(o_gap, n_gap, len(_LEVELS))
                    if len(gaps) < 4096:
                        gaps[(o_gap, n_gap)] = gap_ops
                ops.extend(_shift(gap_ops, e, en))

    # the places between blocks: old place r lies between old-order blocks r-1 and r, new place q
    # between new-order blocks q-1 and q (place 0: before the first, the last: after the last)
    nb = len(blocks)
    order = sorted(range(nb), key=lambda k: b_at[k][0])
    rank = [0] * nb
    for q, k in enumerate(order):
        rank[k] = q
    old_place = [(a_at[r - 1][1] if r else 0, a_at[r][0] if r < nb else len(old)) for r in range(nb + 1)]
    new_place = [(b_at[order[q - 1]][1] if q else 0, b_at[order[q]][0] if q < nb else len(new)) for q in range(nb + 1)]
    partner: dict[int, int] = {}  # old place -> new place
    taken: set[int] = set()
    candidates: list[tuple[int, int, int, int]] = []
    for r in range(nb + 1):
        left = rank[r - 1] + 1 if r else 0  # the new place after the block before
        right = rank[r] if r < nb else nb  # the new place before the block after
        if left == right:
            partner[r] = left
            taken.add(left)
            continue
        o1, o2 = old_place[r]
        for q, is_left in ((left, 1), (right, 0)):
            n1, n2 = new_place[q]
            candidates.append((_shared(old[o1:o2], new[n1:n2]), is_left, r, q))
    for _score, _is_left, r, q in sorted(candidates, reverse=True):
        if r not in partner and q not in taken:
            partner[r] = q
            taken.add(q)
    for r, (o1, o2) in enumerate(old_place):
        paired = partner.get(r)
        if paired is None:
            at = b_at[r - 1][1] if r else 0
            if o2 > o1:
                ops.append(("delete", o1, o2, at, at))
            continue
        n1, n2 = new_place[paired]
        ops.extend(_shift(_diff(old[o1:o2], new[n1:n2], 0), o1, n1))
    for q, (n1, n2) in enumerate(new_place):
        if q not in taken and n2 > n1:
            at = a_at[order[q - 1]][1] if q else 0
            ops.append(("insert", at, at, n1, n2))
    ops.sort(key=lambda op: (op[1], op[2], op[3]))
    return ops


def _lines(text: str) -> list[tuple[int, int]]:
    """Where each line that is not blank starts and ends, without its leading and trailing spaces."""
    return [m.span(1) for m in _LINE_BODY.finditer(text)]


def _cut(text: str, lines: list[tuple[int, int]], matched: list[int]) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """The tokens of a text: each matched line whole, the words of the others; and for each
    matched line, its token."""
    spans: list[tuple[int, int]] = []
    token_of_line: dict[int, int] = {}
    for index, (s, e) in enumerate(lines):
        if matched[index] >= 0:
            token_of_line[index] = len(spans)
            spans.append((s, e))
        else:
            spans.extend(m.span() for m in _WORDS.finditer(text, s, e))
    return spans, token_of_line


def _match(a: list[str], b: list[str], fw: list[int], bw: list[int], grams: bool) -> None:
    """Match old tokens with new ones (``fw``: old to new, ``bw``: new to old, -1 for none), adding
    to the matches given: tokens that occur once among those left in each text, then (``grams``)
    runs of tokens that do, each time with their neighbours while they are the same."""
    in_a = Counter(w for i, w in enumerate(a) if fw[i] < 0)
    in_b = Counter(w for j, w in enumerate(b) if bw[j] < 0)
    once = {w for w, c in in_a.items() if c == 1 and in_b.get(w) == 1}
    if once:
        where = {w: j for j, w in enumerate(b) if bw[j] < 0 and w in once}
        for i, w in enumerate(a):
            if fw[i] < 0 and w in once:
                j = where[w]
                fw[i], bw[j] = j, i
    _extend(a, b, fw, bw)
    if not grams:
        return
    # runs of words in what is left (a text whose every word repeats: "Interviewer: Yes.")
    a_left = [i for i in range(len(a) - _GRAM + 1) if fw[i] < 0]
    b_left = [j for j in range(len(b) - _GRAM + 1) if bw[j] < 0]
    if a_left and b_left:
        a_grams = {i: tuple(a[i : i + _GRAM]) for i in a_left}
        b_grams = {j: tuple(b[j : j + _GRAM]) for j in b_left}
        in_a_g, in_b_g = Counter(a_grams.values()), Counter(b_grams.values())
        once_g = {g for g, c in in_a_g.items() if c == 1 and in_b_g.get(g) == 1}
        if once_g:
            where_g = {g: j for j, g in b_grams.items() if g in once_g}
            for i, g in a_grams.items():
                if g in once_g:
                    j = where_g[g]
                    for d in range(_GRAM):
                        if fw[i + d] < 0 and bw[j + d] < 0:
                            fw[i + d], bw[j + d] = j + d, i + d
            _extend(a, b, fw, bw)


def _extend(a: list[str], b: list[str], fw: list[int], bw: list[int]) -> None:
    """Match the neighbours of every match while they are the same words (forwards, then backwards)."""
    n, m = len(a), len(b)
    for i in range(n - 1):
        j = fw[i] + 1
        if 0 < j < m and fw[i + 1] < 0 and bw[j] < 0 and a[i + 1] == b[j]:
            fw[i + 1], bw[j] = j, i + 1
    for i in range(n - 1, 0, -1):
        j = fw[i] - 1
        if j >= 0 and fw[i - 1] < 0 and bw[j] < 0 and a[i - 1] == b[j]:
            fw[i - 1], bw[j] = j, i - 1


def _shared(a: str, b: str) -> int:
    """How many characters two places have in common (counted as multisets)."""
    if not a or not b:
        return 0
    return sum((Counter(a) & Counter(b)).values())


# ---------------------------------------------------------------------- the diff of one place


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    lo, hi = 0, n
    while lo < hi:  # binary search on slices: C-speed comparisons, O(n log n) worst case
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _tokens(pattern: re.Pattern[str], text: str) -> tuple[list[str], list[int]]:
    tokens, starts = [], []
    for match in pattern.finditer(text):
        tokens.append(match.group())
        starts.append(match.start())
    starts.append(len(text))
    return tokens, starts


_LEVELS = (_LINE, _WORD)  # then characters


def _diff(old: str, new: str, level: int) -> list[Opcode]:
    """An in-order diff of one place: lines, then words inside the lines that differ, then
    characters inside the words that differ."""
    if old == new:
        return [("equal", 0, len(old), 0, len(new))] if old else []
    if not old or not new:
        if old:
            return [("delete", 0, len(old), 0, 0)]
        return [("insert", 0, 0, 0, len(new))]
    if level == len(_LEVELS):
        return _sequence_ops(list(old), list(new), autojunk=False)
    a, a_at = _tokens(_LEVELS[level], old)
    b, b_at = _tokens(_LEVELS[level], new)
    ops: list[Opcode] = []
    # lines may repeat ("Interviewer: Yes."): difflib's popular-element heuristic keeps that cheap,
    # and whatever it leaves unmatched is matched again by words
    for tag, i1, i2, j1, j2 in _sequence_ops(a, b, autojunk=level == 0):
        o1, o2, n1, n2 = a_at[i1], a_at[i2], b_at[j1], b_at[j2]
        if tag == "replace":
            ops.extend(_shift(_diff(old[o1:o2], new[n1:n2], level + 1), o1, n1))
        else:
            ops.append((tag, o1, o2, n1, n2))
    return ops


def _sequence_ops(a: list[str], b: list[str], autojunk: bool) -> list[Opcode]:
    """difflib's opcodes for two token lists, bounded: difflib for small lists, rapidfuzz's LCS
    for larger ones, and beyond that the common beginning and end with one replacement between."""
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    ops: list[Opcode] = []
    if head:
        ops.append(("equal", 0, head, 0, head))
    a_mid, b_mid = a[head : len(a) - tail], b[head : len(b) - tail]
    size = len(a_mid) * len(b_mid)
    if not a_mid or not b_mid:
        if a_mid:
            ops.append(("delete", head, len(a) - tail, head, head))
        elif b_mid:
            ops.append(("insert", head, head, head, len(b) - tail))
    elif size == 1:
        ops.append(("replace", head, head + 1, head, head + 1))
    elif size <= _DIFFLIB_BUDGET:
        matcher = SequenceMatcher(None, a_mid, b_mid, autojunk=autojunk)
        ops.extend(_shift(matcher.get_opcodes(), head, head))
    elif size <= _LCS_BUDGET:
        ops.extend(_shift(_lcs_ops(a_mid, b_mid), head, head))
    else:
        ops.append(("replace", head, len(a) - tail, head, len(b) - tail))
    if tail:
        ops.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return ops


def _lcs_ops(a: list[str], b: list[str]) -> list[Opcode]:
    """rapidfuzz's longest-common-subsequence opcodes, each deletion next to an insertion made one
    replacement (as difflib reports it)."""
    from rapidfuzz.distance import Indel  # loaded by the commands that replace a transcript, not by every open

    out: list[Opcode] = []
    pending: list[int] | None = None  # [i1, i2, j1, j2] of a run of deletions and insertions
    for op in Indel.opcodes(a, b):
        if op.tag == "equal":
            if pending is not None:
                out.append(_change(*pending))
                pending = None
            out.append(("equal", op.src_start, op.src_end, op.dest_start, op.dest_end))
        elif pending is None:
            pending = [op.src_start, op.src_end, op.dest_start, op.dest_end]
        else:
            pending[1], pending[3] = op.src_end, op.dest_end
    if pending is not None:
        out.append(_change(*pending))
    return out


def _change(i1: int, i2: int, j1: int, j2: int) -> Opcode:
    if i2 > i1 and j2 > j1:
        return ("replace", i1, i2, j1, j2)
    return ("delete", i1, i2, j1, j2) if i2 > i1 else ("insert", i1, i2, j1, j2)


def _shift(ops: list[Opcode], di: int, dj: int) -> list[Opcode]:
    return [(tag, i1 + di, i2 + di, j1 + dj, j2 + dj) for tag, i1, i2, j1, j2 in ops]


def _merge(ops: list[Opcode]) -> list[Opcode]:
    out: list[Opcode] = []
    for op in ops:
        if op[1] == op[2] and op[3] == op[4]:
            continue
        if out and out[-1][0] == op[0] == "equal" and out[-1][2] == op[1] and out[-1][4] == op[3]:
            prev = out[-1]
            out[-1] = ("equal", prev[1], op[2], prev[3], op[4])
        else:
            out.append(op)
    return out
