"""Spans carried from one version of a text to the next (qualcode.ingest.align)."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.ingest.align import align, map_spans


def test_a_corrected_word_keeps_the_spans_around_it():
    old = "Interviewer: Did Mr Smith come?\n\nTeacher: Smith came on Tuesday and stayed."
    new = "Interviewer: Did Mr Smyth come?\n\nTeacher: Smyth came on Wednesday and stayed."
    spans = [
        (old.index("Did"), old.index("?") + 1),
        (old.index("and stayed"), len(old)),
        (old.index("Tuesday"), old.index("Tuesday") + 7),
    ]
    moved = map_spans(old, new, spans)
    assert [m.status for m in moved] == ["changed", "kept", "changed"]
    assert new[moved[0].new_start : moved[0].new_end] == "Did Mr Smyth come?"
    assert new[moved[1].new_start : moved[1].new_end] == "and stayed."
    assert new[moved[2].new_start : moved[2].new_end] == "Wednesday"
    assert moved[2].removed_text == "Tu"  # characters: "Tu" became "Wedn", "esday" stayed


def test_a_span_whose_words_were_deleted_is_reported():
    old = "One. Two three four. Five."
    new = "One. Five."
    (moved,) = map_spans(old, new, [(old.index("Two"), old.index("four.") + 5)])
    assert moved.status == "deleted" and moved.new_start is None
    assert moved.removed_text == "Two three four."


def test_insertions_at_the_edges_stay_outside():
    old = "alpha beta gamma"
    new = "alpha NEW beta NEWER gamma"
    (moved,) = map_spans(old, new, [(6, 10)])
    assert (moved.status, new[moved.new_start : moved.new_end]) == ("kept", "beta")


def test_an_insertion_inside_joins_the_span():
    old = "alpha beta gamma"
    new = "alpha beta [laughs] gamma"
    (moved,) = map_spans(old, new, [(0, len(old))])
    assert moved.status == "changed" and new[moved.new_start : moved.new_end] == new
    assert moved.removed_text == ""


def test_identical_texts_and_bad_spans():
    text = "same text here"
    assert [m.status for m in map_spans(text, text, [(0, 4), (5, 9)])] == ["kept", "kept"]
    with pytest.raises(ValueError):
        map_spans(text, text, [(3, 99)])


def test_turns_with_labels_move_with_their_words():
    old = "Interviewer: How did it start?\n\nTeacher: With a plan.\n\nInterviewer: And then?\n\nTeacher: Cover."
    new = "Interviewer: How did it all start?\n\nTeacher: With a plan.\n\nInterviewer: Thanks.\n\nTeacher: Cover."
    spans = [(old.index("With"), old.index("plan.") + 5), (old.index("And"), old.index("then?") + 5)]
    kept, gone = map_spans(old, new, spans)
    assert kept.status == "kept" and new[kept.new_start : kept.new_end] == "With a plan."
    assert gone.status == "changed" and new[gone.new_start : gone.new_end] == "Thanks."


def test_swapped_turns_carry_their_spans_to_their_own_words():
    old = (
        "Interviewer: How did it start?\n\nTeacher: With a development plan.\n\n"
        "Interviewer: And the budget?\n\nTeacher: Not easy on our budget.\n"
    )
    new = (
        "Interviewer: And the budget?\n\nTeacher: Not easy on our budget.\n\n"
        "Interviewer: How did it start?\n\nTeacher: With a development plan.\n"
    )
    words = ["development plan", "Not easy on our budget", "How did it start?", "And the budget?"]
    spans = [(old.index(w), old.index(w) + len(w)) for w in words]
    moved = map_spans(old, new, spans)
    assert [m.status for m in moved] == ["kept"] * 4
    assert [(m.new_start, m.new_end) for m in moved] == [(new.index(w), new.index(w) + len(w)) for w in words]


def test_a_moved_and_corrected_turn_takes_its_spans_along():
    old = "I: One?\n\nT: Mr Smith came on Tuesday.\n\nI: Two?\n\nT: We stayed late.\n"
    new = "I: Two?\n\nT: We stayed late.\n\nI: One?\n\nT: Mr Smyth came on Tuesday.\n"
    spans = [(old.index("Mr"), old.index("came") + 4), (old.index("Smith"), old.index("Smith") + 5)]
    whole, name = map_spans(old, new, spans)
    assert whole.status == "changed" and new[whole.new_start : whole.new_end] == "Mr Smyth came"
    assert name.status == "changed" and new[name.new_start : name.new_end] == "Smyth"
    assert whole.removed_text == "i"


def test_line_ends_do_not_count_crlf_against_lf():
    old = "".join(f"Speaker {k % 2}: line {k} of the talk, said again.\n\n" for k in range(200))
    new = old.replace("\n", "\r\n")
    spans = [(old.index(f"line {k} "), old.index(f"line {k} ") + 20) for k in range(0, 200, 7)]
    moved = map_spans(old, new, spans)
    assert all(m.status == "kept" for m in moved)
    assert [new[m.new_start : m.new_end] for m in moved] == [old[a:b] for a, b in spans]
    a = align(old, new)
    assert_tiles(a)
    assert {new[j1:j2] for tag, _i1, _i2, j1, j2 in a.opcodes if tag != "equal"} == {"\r"}


def test_a_span_split_by_a_move_follows_its_larger_part():
    old = "A1 A2 A3 A4\nB1 B2\nC1 C2 C3\n"
    new = "B1 B2\nC1 C2 C3\nA1 A2 A3 A4\n"  # A moved to the end: B now follows nothing of A
    start, end = old.index("A3"), old.index("B1") + 2
    (m,) = map_spans(old, new, [(start, end)])
    assert m.status == "changed" and new[m.new_start : m.new_end] == "A3 A4\n"  # the line end went with A
    assert m.removed_text == "B1"


# ---------------------------------------------------------------------- property: random edits

# Separators are spaces and punctuation. A repeated word-like separator (a speaker label) makes the
# alignment ambiguous for any diff: "a13 Teacher: a15" -> "a15 a17 Teacher:" is as short an edit
# keeping "Teacher:" as keeping "a15"; that case is covered by the example test below.
SEPARATORS = (" ", " ", " ", ", ", ". ", "\n\n", "\n", "  ")


@st.composite
def edited_documents(draw):
    """Words with identities, a series of word-level edits, and spans over the original words."""
    n = draw(st.integers(1, 40))
    stems = st.text("abcdeéß", min_size=1, max_size=4)
    counter = iter(range(10**6))

    def word():  # (identity, the word, the separator after it)
        return (next(counter), draw(stems) + str(next(counter)), draw(st.sampled_from(SEPARATORS)))

    original = [word() for _ in range(n)]
    words = list(original)
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        if kind == "insert" or not words:
            words.insert(draw(st.integers(0, len(words))), word())
        else:
            at = draw(st.integers(0, len(words) - 1))
            if kind == "delete":
                del words[at]
            else:
                words[at] = word()
    spans = []
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(i, min(n - 1, i + 6)))
        spans.append((i, j))
    return original, words, spans


def _text(words):
    return "".join(w + sep for _, w, sep in words)


def _char_span(words, i, j):
    """From the first word's start to the last word's end (a coding ends on a word, not on the next label)."""
    start = len(_text(words[:i]))
    return start, len(_text(words[:j])) + len(words[j][1])


@settings(max_examples=400, deadline=None)
@given(edited_documents())
def test_every_span_whose_words_survived_covers_exactly_those_words(doc):
    original, words, spans = doc
    old, new = _text(original), _text(words)
    position = {ident: k for k, (ident, _, _) in enumerate(words)}
    char_spans = []
    for i, j in spans:
        char_spans.append(_char_span(original, i, j))
    moved = map_spans(old, new, char_spans)
    for (i, j), (start, end), m in zip(spans, char_spans, moved):
        ids = [ident for ident, _, _ in original[i : j + 1]]
        survived = all(x in position for x in ids) and [position[x] for x in ids] == list(
            range(position[ids[0]], position[ids[0]] + len(ids))
        )
        if m.status != "deleted":
            assert 0 <= m.new_start < m.new_end <= len(new)
        if survived:
            assert m.status == "kept", (old, new, old[start:end])
            assert new[m.new_start : m.new_end] == old[start:end]
        if m.status == "kept":
            assert new[m.new_start : m.new_end] == old[start:end]


@settings(max_examples=300, deadline=None)
@given(st.text("ab \n", max_size=60), st.text("ab \n", max_size=60), st.data())
def test_any_texts_give_spans_inside_the_new_text(old, new, data):
    if not old:
        return
    start = data.draw(st.integers(0, len(old) - 1))
    end = data.draw(st.integers(start + 1, len(old)))
    (m,) = map_spans(old, new, [(start, end)])
    if m.status == "deleted":
        assert m.new_start is None
    else:
        assert 0 <= m.new_start < m.new_end <= len(new)
        assert (m.status == "kept") == (new[m.new_start : m.new_end] == old[start:end])
    assert_tiles(align(old, new))


def assert_tiles(a):
    """Every old character is covered once, in order; every new character once, in some order;
    what is called equal is equal."""
    on_old = sorted((op[1], op[2]) for op in a.opcodes if op[2] > op[1])
    on_new = sorted((op[3], op[4]) for op in a.opcodes if op[4] > op[3])
    for ranges, text in ((on_old, a.old), (on_new, a.new)):
        ends = [0] + [hi for _lo, hi in ranges]
        assert [lo for lo, _hi in ranges] == ends[:-1] and ends[-1] == len(text)
    for tag, i1, i2, j1, j2 in a.opcodes:
        if tag == "equal":
            assert a.old[i1:i2] == a.new[j1:j2]
        elif tag == "insert":
            assert i1 == i2 and j2 > j1
        elif tag == "delete":
            assert j1 == j2 and i2 > i1


# ---------------------------------------------------------------------- property: turns reordered

LABELS = ("Interviewer:", "Teacher:", "Headteacher:")


@st.composite
def reordered_documents(draw):
    """Turns of distinct words, put in another order, some lightly edited, dropped or added; the
    new file may use CRLF line ends. Spans cover runs of words inside a turn."""
    fresh = itertools.count()
    stems = st.sampled_from(("plan", "time", "cover", "budget", "staff", "pupils"))

    def word():
        return f"{draw(stems)}{next(fresh)}"

    turns = [
        (draw(st.sampled_from(LABELS)), [word() for _ in range(draw(st.integers(1, 8)))])
        for _ in range(draw(st.integers(2, 9)))
    ]
    spans = []
    for _ in range(draw(st.integers(1, 8))):
        t = draw(st.integers(0, len(turns) - 1))
        i = draw(st.integers(0, len(turns[t][1]) - 1))
        spans.append((t, i, draw(st.integers(i, len(turns[t][1]) - 1))))
    new_turns = []
    for label, words in (turns[t] for t in draw(st.permutations(range(len(turns))))):
        words = list(words)
        kind = draw(st.sampled_from(("none", "none", "none", "insert", "delete", "replace", "drop", "add")))
        at = draw(st.integers(0, len(words) - 1))
        if kind == "drop":
            continue
        if kind == "add":
            new_turns.append((draw(st.sampled_from(LABELS)), [word() for _ in range(draw(st.integers(1, 4)))]))
        elif kind == "insert":
            words.insert(at, word())
        elif kind == "delete" and len(words) > 1:
            del words[at]
        elif kind == "replace":
            words[at] = word()
        new_turns.append((label, words))
    line_end = draw(st.sampled_from(("\n", "\r\n")))
    return turns, new_turns, spans, line_end


def _render(turns, line_end="\n"):
    return "".join(f"{label} {' '.join(words)}{line_end}{line_end}" for label, words in turns)


@settings(max_examples=500, deadline=None)
@given(reordered_documents())
def test_reordered_turns_keep_every_span_whose_words_are_still_there_once(doc):
    turns, new_turns, spans, line_end = doc
    old, new = _render(turns), _render(new_turns, line_end)
    char_spans = []
    for t, i, j in spans:
        words = turns[t][1]
        start = old.index(f"{turns[t][0]} {' '.join(words)}") + len(turns[t][0]) + 1 + len(" ".join(words[:i] + [""]))
        char_spans.append((start, start + len(" ".join(words[i : j + 1]))))
    a = align(old, new)
    assert_tiles(a)
    for (start, end), m in zip(char_spans, map_spans(old, new, char_spans, a), strict=True):
        coded = old[start:end]
        found = [x.span() for x in re.finditer(rf"(?<!\S){re.escape(coded)}(?!\S)", new)]
        if len(found) == 1:  # the same words, once, whole
            assert m.status == "kept", (old, new, coded)
            assert (m.new_start, m.new_end) == found[0]
        elif m.status != "deleted":  # e.g. on the characters it shares with a corrected word
            assert 0 <= m.new_start < m.new_end <= len(new)
            assert (m.status == "kept") == (new[m.new_start : m.new_end] == coded)


@pytest.mark.parametrize("difflib_budget, lcs_budget", [(0, 10**9), (0, 0)])
def test_places_too_large_for_difflib_still_align_validly(monkeypatch, difflib_budget, lcs_budget):
    """Beyond difflib's budget the C++ LCS diffs a place, beyond that its common ends alone do:
    the alignment stays whole and every span lands inside the new text."""
    import random

    from qualcode.ingest import align as module

    monkeypatch.setattr(module, "_DIFFLIB_BUDGET", difflib_budget)
    monkeypatch.setattr(module, "_LCS_BUDGET", lcs_budget)
    rng = random.Random(11)
    vocab = ["we", "put", "it", "in", "the", "plan", "Smith", "Smyth", "\n\n", "\r\n"]
    for _ in range(200):
        old = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 30)))
        new = " ".join(rng.choice(vocab) for _ in range(rng.randint(0, 30)))
        a = align(old, new)
        assert_tiles(a)
        start = rng.randrange(len(old))
        end = rng.randint(start + 1, len(old))
        (m,) = map_spans(old, new, [(start, end)], a)
        if m.status != "deleted":
            assert 0 <= m.new_start < m.new_end <= len(new)
            assert (m.status == "kept") == (new[m.new_start : m.new_end] == old[start:end])
    old = "Mr Smith came on Tuesday and stayed late."
    new = "Mr Smyth came on Wednesday and stayed late."
    spans = [(old.index("came"), old.index("Tuesday") + 7), (old.index("and"), len(old))]
    moved = map_spans(old, new, spans)
    assert moved[1].status == "kept" and new[moved[1].new_start : moved[1].new_end] == "and stayed late."
    assert new[moved[0].new_start : moved[0].new_end] == "came on Wednesday"
