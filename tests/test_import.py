"""Transcript import: every format, exact offsets, splitting, idempotence, codings files."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from qualcode.errors import InputError
from qualcode.ingest.transcripts import parse_file, segment_text


def slices(parsed) -> list[str]:
    return [parsed.text[s.start : s.end] for s in parsed.segments]


def test_txt_with_front_matter_gives_turns_and_attributes(interview_file):
    parsed = parse_file(interview_file)
    assert parsed.front.participant == "Headteacher N1"
    assert parsed.front.attributes == {
        "role": "Headteacher",
        "school": "School A",
        "network": "RLN",
        "country": "England",
    }
    assert parsed.front.identifying["school"] == "Testbrook Primary"
    assert [s.speaker for s in parsed.segments] == [
        "Interviewer",
        "Headteacher",
        "Interviewer",
        "Headteacher",
        "Interviewer",
    ]
    texts = slices(parsed)
    assert texts[0] == "How did you make the network part of the school? [crosstalk]"
    assert (
        texts[3]
        == "We paid for cover so they had release time. [laughs] Not easy on our budget.\nSome weeks it was the first thing to go."
    )
    assert "Testbrook" not in parsed.text and "participant:" not in parsed.text


def test_markdown_with_bold_speakers(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("**Interviewer:** Why join?\n\n**Teacher:** Because of the [redacted] project.\n", encoding="utf-8")
    parsed = parse_file(path)
    assert [(s.speaker, t) for s, t in zip(parsed.segments, slices(parsed))] == [
        ("Interviewer", "Why join?"),
        ("Teacher", "Because of the [redacted] project."),
    ]


def test_paragraphs_when_there_are_no_speakers(tmp_path):
    path = tmp_path / "fieldnotes.txt"
    path.write_text(
        "First observation about the staff meeting.\r\n\r\nSecond one,\r\nover two lines.\r\n", encoding="utf-8"
    )
    parsed = parse_file(path)
    assert slices(parsed) == ["First observation about the staff meeting.", "Second one,\r\nover two lines."]
    assert all(s.speaker is None for s in parsed.segments)


def test_docx(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("Interviewer: What changed in classrooms?")
    document.add_paragraph("Deputy head: Questioning, mostly. [pause] Much more wait time.")
    path = tmp_path / "interview.docx"
    document.save(path)
    parsed = parse_file(path)
    assert parsed.format == "docx"
    assert slices(parsed) == ["What changed in classrooms?", "Questioning, mostly. [pause] Much more wait time."]


VTT = """WEBVTT

NOTE produced by a transcription service

1
00:00:01.000 --> 00:00:04.500
<v Interviewer>How did you start?</v>

2
00:00:05.000 --> 00:00:09.000
<v Headteacher>We sent two teachers.</v>

3
00:00:09.000 --> 00:00:12.250
<v Headteacher>Then they reported back &amp; trained others.</v>
"""

SRT = """1
00:00:01,000 --> 00:00:03,000
Interviewer: And the cost?

2
00:01:03,500 --> 00:01:08,000
Teacher: Cover, mostly.
"""


def test_vtt_keeps_speakers_and_timestamps(tmp_path):
    path = tmp_path / "call.vtt"
    path.write_text(VTT, encoding="utf-8")
    parsed = parse_file(path)
    assert [(s.speaker, s.time_start, s.time_end) for s in parsed.segments] == [
        ("Interviewer", 1.0, 4.5),
        ("Headteacher", 5.0, 12.25),
    ]
    assert slices(parsed) == ["How did you start?", "We sent two teachers. Then they reported back & trained others."]


def test_srt(tmp_path):
    path = tmp_path / "call.srt"
    path.write_text(SRT, encoding="utf-8")
    parsed = parse_file(path)
    assert [(s.speaker, s.time_start) for s in parsed.segments] == [("Interviewer", 1.0), ("Teacher", 63.5)]
    assert slices(parsed) == ["And the cost?", "Cover, mostly."]


@pytest.mark.parametrize(
    "encoding,bom", [("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)]
)
def test_boms_are_read(tmp_path, encoding, bom):
    path = tmp_path / "bom.txt"
    path.write_bytes(bom + "Interviewer: Grüße?\n\nLehrerin: Ja, genau.\n".encode(encoding))
    parsed = parse_file(path)
    assert slices(parsed) == ["Grüße?", "Ja, genau."]


def test_long_turns_split_at_sentence_boundaries(tmp_path):
    sentence = "We tried the new questioning approach in Year 5 and it worked. "
    path = tmp_path / "long.txt"
    path.write_text("Interviewer: Tell me more.\n\nTeacher: " + sentence * 40 + "\n", encoding="utf-8")
    parsed = parse_file(path, max_chars=300)
    teacher = [s for s in parsed.segments if s.speaker == "Teacher"]
    assert len(teacher) > 5
    for seg in teacher:
        text = parsed.text[seg.start : seg.end]
        assert len(text) <= 300
        assert text.startswith("We tried") and text.endswith("worked.")
    whole = parsed.text[teacher[0].start : teacher[-1].end]
    assert whole == (sentence * 40).strip()


speaker_names = st.sampled_from(["Interviewer", "Headteacher", "Deputy head", "P1", "Teacher"])
utterances = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    min_size=1,
    max_size=200,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(speaker_names, utterances), min_size=1, max_size=12),
    st.sampled_from(["\n", "\r\n"]),
    st.integers(min_value=0, max_value=400),
)
@example(turns=[("Interviewer", "?\t0")], newline="\n", max_chars=1)  # a tab after the sentence's end
def test_offsets_always_slice_back_to_the_segment_text(turns, newline, max_chars):
    text = newline.join(f"{speaker}: {words}" + newline for speaker, words in turns)
    segments = segment_text(text, max_chars)
    previous_end = 0
    for seg in segments:
        piece = text[seg.start : seg.end]
        assert piece and piece == piece.strip()
        assert seg.start >= previous_end
        previous_end = seg.end


def test_reimport_is_a_no_op(project, interview_file):
    before = project.summary()
    outcome = project.import_transcript(parse_file(interview_file))
    assert outcome.status == "unchanged"
    assert project.summary() == before


def test_same_name_different_content_is_refused(project, interview_file, tmp_path):
    other = tmp_path / "again" / interview_file.name
    other.parent.mkdir()
    other.write_text(interview_file.read_text() + "\nTeacher: one more line\n", encoding="utf-8")
    with pytest.raises(InputError, match="already in the project"):
        project.import_transcript(parse_file(other))


def test_stored_segments_slice_the_stored_text(project):
    info = project.list_transcripts()[0]
    text = project.transcript_text(info.id)
    for seg in project.segments(info.id):
        assert text[seg.start : seg.end] == seg.text
    assert info.participant == "Headteacher N1" and info.attributes["school"] == "School A"


CODINGS = """coder,transcript,code,anchor,span,memo
alice,interview-01,formalisation.plans,development plan straight away,segment,
alice,interview-01,prioritisation.time,release time,quote,just the phrase
bob,interview-01,formalisation.plans,performance management too,segment,
"""


def test_codings_file_import_and_idempotence(project, tmp_path):
    path = tmp_path / "codings.csv"
    path.write_text(CODINGS, encoding="utf-8")
    first = project.import_codings(path)
    assert (first.added, first.unchanged, first.memos) == (3, 0, 1)
    again = project.import_codings(path)
    assert (again.added, again.unchanged) == (0, 3)
    info = project.list_transcripts()[0]
    text = project.transcript_text(info.id)
    alice = {c.code_key: text[c.start : c.end] for c in project.list_codings(info.id, coders=["alice"])}
    assert alice["prioritisation.time"] == "release time"
    assert alice["formalisation.plans"].startswith("We put it in the development plan")
    assert [c.code_key for c in project.list_codings(info.id, coders=["bob"])] == ["formalisation.plans"]


@pytest.mark.parametrize(
    "row,message",
    [
        ("carol,interview-01,formalisation.plans,release time,segment,", "unknown coder 'carol'"),
        ("alice,interview-01,no.such.code,release time,segment,", "unknown code 'no.such.code'"),
        ("alice,interview-99,formalisation.plans,release time,segment,", "unknown transcript 'interview-99'"),
        ("alice,interview-01,formalisation.plans,not in the text at all,segment,", "anchor not found"),
        ("alice,interview-01,formalisation.plans,Interviewer,segment,", "anchor occurs more than once"),
        ("alice,interview-01,formalisation.plans,release time,paragraph,", "span must be 'segment' or 'quote'"),
    ],
)
def test_bad_codings_rows_change_nothing(project, tmp_path, row, message):
    path = tmp_path / "bad.csv"
    path.write_text(CODINGS + row + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        project.import_codings(path)
    assert str(info.value).startswith(f"{path}:")
    assert project.list_codings() == []
