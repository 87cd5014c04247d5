"""Spans carried from one version of a text to the next (qualcode.ingest.align)."""

from __future__ import annotations

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
    a = align(old, new)
    assert "".join(new[j1:j2] if t != "equal" else old[i1:i2] for t, i1, i2, j1, j2 in a.opcodes) == new
