"""Representative quotes start at a content sentence: not at a transcription note ("[pause]") or a
back-channel word ("Yes.", "Of course.", "Mm.")."""

from __future__ import annotations

import pytest

from qualcode.analysis import themes as th


@pytest.mark.parametrize(
    "sentence",
    ["Yes.", "Of course.", "Mm.", "Mm-hm.", "[pause]", "[laughs]", "Yes, of course.", "Right. [laughs]", "Oh, okay!"],
)
def test_back_channel_and_notes_are_not_content(sentence):
    assert not th.is_content(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["We put it in the plan.", "Yes, we paid for cover.", "Of course the budget mattered.", "No cover, no network."],
)
def test_a_sentence_that_says_something_is_content(sentence):
    assert th.is_content(sentence)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Of course. We're a one-form entry primary.", "We're a one-form"),
        ("[pause] Yes. Mm. [laughs] We paid for cover.", "We paid for cover."),
        ("Yes.\n\nThe plan came first.", "The plan came first."),
        ("[laughs] I said yes before I had thought.", "I said yes"),
        ("We paid for cover. Yes.", "We paid for cover. Yes."),
        ("Well... it was hard.", "Well... it was hard."),  # "Well..." leads into a sentence that says something
    ],
)
def test_content_start(text, start):
    offset = th.content_start(text)
    assert offset is not None and text[offset:].startswith(start)


def test_no_content_at_all():
    assert th.content_start("Yes. [laughs] Of course.") is None
    assert th.content_start("") is None


def test_theme_quotes_start_at_content_and_keep_offsets(project_url, tiny_codebook, tmp_path):
    """A coded turn that opens with filler is quoted from its first content sentence, the quote's
    offsets point at exactly that text, and a turn of filler alone is not quoted."""
    from qualcode.ingest.transcripts import parse_file
    from qualcode.project import Project

    path = tmp_path / "filler.txt"
    path.write_text(
        "Interviewer: Did you pay for cover?\n\n"
        "Teacher: Yes. [pause] Of course. We paid for cover so they had release time.\n\n"
        "Interviewer: And the plan?\n\n"
        "Teacher: Mm. [laughs] Yes.\n",
        encoding="utf-8",
    )
    with Project.create(project_url, tiny_codebook) as project:
        project.add_coder("alice")
        project.import_transcript(parse_file(path))
        tid = project.list_transcripts()[0].id
        for seg in project.segments(tid):
            if seg.speaker == "Teacher":
                project.apply_code("alice", "prioritisation.time", seg.id)
        data = project.export_data(texts=True, memos=False, details=False)
    source = th.resolve_source(data, ["alice"], False)
    view = th.build_quotes(data, th.select_units(data, source), 3)
    quotes = [q for s in view.sections for q in s.quotes]
    assert [q.text for q in quotes] == ["We paid for cover so they had release time."]
    text = data.transcripts[0].text
    assert text[quotes[0].start : quotes[0].end].strip() == quotes[0].text
