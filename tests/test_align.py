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


# ---------------------------------------------------------------------- property: random edits

SEPARATORS = (" ", " ", " ", ", ", ". ", "\n\n", "\nTeacher: ", "  ")


@st.composite
def edited_documents(draw):
    """Words with identities, a series of word-level edits, and spans over the original words."""
    n = draw(st.integers(1, 40))
    stems = st.text("abcdeéß", min_size=1, max_size=4)
    counter = iter(range(10**6))

    def word():
        return (next(counter), draw(stems) + str(next(counter)) + draw(st.sampled_from(SEPARATORS)))

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
    return "".join(w for _, w in words)


def _char_span(words, i, j):
    start = sum(len(w) for _, w in words[:i])
    end = sum(len(w) for _, w in words[: j + 1])
    last = words[j][1]
    return start, end - (len(last) - len(last.rstrip(" ,.\n")) if last.rstrip(" ,.\n") else 0)


@settings(max_examples=400, deadline=None)
@given(edited_documents())
def test_every_span_whose_words_survived_covers_exactly_those_words(doc):
    original, words, spans = doc
    old, new = _text(original), _text(words)
    position = {ident: k for k, (ident, _) in enumerate(words)}
    char_spans = []
    for i, j in spans:
        start, end = _char_span(original, i, j)
        char_spans.append((start, max(end, start + 1)))
    moved = map_spans(old, new, char_spans)
    for (i, j), (start, end), m in zip(spans, char_spans, moved):
        ids = [ident for ident, _ in original[i : j + 1]]
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
