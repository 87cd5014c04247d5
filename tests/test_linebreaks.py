"""One rule for line breaks on every import path: no turn is lost to a form feed, a lone CR,
NEL, U+2028/U+2029 or a file separator, and `qualcode check` notices text left outside the
segments."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from qualcode.errors import InputError
from qualcode.ingest.codings import CodingRow, resolve
from qualcode.ingest.linebreaks import line_number, lines
from qualcode.ingest.sources import decode_bytes
from qualcode.ingest.transcripts import ParsedSegment, ParsedTranscript, parse_file, segment_text

BREAKS = ["\n", "\r\n", "\r", "\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x1c", "\x1d", "\x1e"]
TURNS = [
    ("Interviewer", "How did the network start?"),
    ("Headteacher", "With two schools and a shared plan."),
    ("Interviewer", "And then?"),
    ("Headteacher", "It grew to nine."),
]


def turns_of(text: str, segments: list[ParsedSegment]) -> list[tuple[str | None, str]]:
    return [(s.speaker, text[s.start : s.end]) for s in segments]


@pytest.mark.parametrize("sep", BREAKS, ids=[repr(b) for b in BREAKS])
def test_every_line_break_starts_a_turn(sep):
    text = sep.join(f"{speaker}: {words}" for speaker, words in TURNS) + sep
    assert turns_of(text, segment_text(text)) == TURNS


@pytest.mark.parametrize("sep", BREAKS, ids=[repr(b) for b in BREAKS])
def test_a_file_with_these_line_endings_keeps_every_turn_and_its_bytes(tmp_path, sep):
    path = tmp_path / "interview.txt"
    body = sep.join(f"{speaker}: {words}" for speaker, words in TURNS) + sep
    path.write_bytes(("---" + sep + "participant: Head N1" + sep + "---" + sep + body).encode("utf-8"))
    parsed = parse_file(path)
    assert parsed.front.participant == "Head N1"
    assert parsed.text == body  # stored exactly as written: no line ending rewritten
    assert turns_of(parsed.text, parsed.segments) == TURNS


def test_pdftotext_page_breaks_keep_the_turn_after_them():
    # pdftotext ends every page with a form feed, right before the next page's first line
    text = (
        "Interviewer: What changed?\n"
        "Teacher: The marking policy, mostly.\n\x0c"
        "Interviewer: Who decided?\n"
        "Teacher: The whole department.\n\x0c"
    )
    assert turns_of(text, segment_text(text)) == [
        ("Interviewer", "What changed?"),
        ("Teacher", "The marking policy, mostly."),
        ("Interviewer", "Who decided?"),
        ("Teacher", "The whole department."),
    ]


def test_paragraphs_are_split_at_a_paragraph_separator_and_at_blank_lines_of_any_break():
    text = "First note.\u2029Second note.\r\rThird note,\ron two lines.\x0c\x0cFourth."
    assert [text[s.start : s.end] for s in segment_text(text)] == [
        "First note.",
        "Second note.",
        "Third note,\ron two lines.",
        "Fourth.",
    ]


def test_line_numbers_follow_the_same_rule():
    text = "one\rtwo\r\nthree\u2028four\x0cfive"
    assert [text[s:e] for s, e, _ in lines(text)] == ["one", "two", "three", "four", "five"]
    assert line_number(text, text.index("five")) == 5
    assert line_number(text, text.index("three")) == 3


def test_refusals_name_the_line_however_lines_end():
    start = b"Alice: " + b"a" * 9000 + b"\rBob: two\r"  # a NUL in the first 8 KB is "binary" at once
    with pytest.raises(InputError, match=r"x\.txt:3: .*NUL"):
        decode_bytes(start + b"Alice: th\x00ree\r", "x.txt")
    with pytest.raises(InputError, match=r"x\.txt:3: not valid UTF-8"):
        decode_bytes(b"Alice: one\rBob: two\rAlice: caf\xe9\r", "x.txt")


@pytest.mark.parametrize("sep", ["\r\n", "\r", "\u2028", "\x0c"], ids=repr)
def test_a_codings_anchor_over_a_line_break_finds_the_words_however_the_file_breaks_them(sep):
    text = f"Interviewer: And?\nTeacher: We wrote it into{sep}the development plan.\n"
    segments = [(s.start, s.end) for s in segment_text(text)]
    row = CodingRow(2, "alice", "t", "plans", "wrote it into\nthe development", "quote", "", None, None)
    coded = resolve(row, text, segments, "codings.csv")
    assert text[coded.start : coded.end] == f"wrote it into{sep}the development"
    assert coded.segment_index == 1


def test_an_anchor_over_a_line_break_that_occurs_twice_is_refused():
    text = "Alice: one\r\ntwo\nBob: one\u2028two\n"
    segments = [(s.start, s.end) for s in segment_text(text)]
    row = CodingRow(2, "alice", "t", "plans", "one\ntwo", "quote", "", None, None)
    with pytest.raises(InputError, match="more than once"):
        resolve(row, text, segments, "codings.csv")


# ------------------------------------------------------------------ no word lost (property)

LABELS = ["Interviewer", "Alice", "Deputy head", "P1", "**Teacher:**"]
# words never hold a colon, so the only turns are the ones the test writes
WORD_CHARS = st.sampled_from(
    list("abcxyz ABC019.,?!'-()[]\t ") + ["\x01", "\x07", "\x08", "\x1b", "\x1f", "\x7f", "é", "中"] + BREAKS
)
words = st.lists(WORD_CHARS, max_size=40).map("".join)
turn = st.tuples(st.sampled_from([None, *LABELS]), words)
gap = (
    st.lists(st.sampled_from(BREAKS + [" ", "\t"]), min_size=1, max_size=3)
    .map("".join)
    .filter(lambda g: any(b in g for b in BREAKS))
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(turn, gap), min_size=1, max_size=10), st.booleans(), st.sampled_from([0, 30]))
@example([(("Alice", "hi"), "\x0c"), (("Bob", "yo"), "\n")], False, 0)  # lost before the rule
def test_no_character_outside_front_matter_is_lost_from_the_segments(tmp_path_factory, parts, front, max_chars):
    body = ""
    words_at: list[int] = []  # offsets of every character the segments must hold
    for (label, said), sep in parts:
        if label is not None:
            body += label if label.startswith("**") else f"{label}: "
        words_at += [len(body) + i for i, ch in enumerate(said) if not ch.isspace()]
        body += said + sep
    assume(words_at)  # labels alone are refused: "no transcript text found"
    text = ("---\nparticipant: P\n---\r\n" if front else "") + body
    # more than a few odd control characters early on is the binary-file refusal's business
    assume(len(re.findall(r"[\x00-\x08\x0e-\x1f]", text[:8192])) <= 8)
    path = tmp_path_factory.mktemp("t") / "t.txt"
    path.write_bytes(text.encode("utf-8"))
    parsed = parse_file(path, max_chars=max_chars)
    assert parsed.text == body
    covered = set()
    for seg in parsed.segments:
        covered.update(range(seg.start, seg.end))
    lost = [(i, body[i]) for i in words_at if i not in covered]
    assert not lost
    from qualcode.ingest.transcripts import stray_text  # what `qualcode check` holds stored transcripts to

    assert stray_text(body, [(s.start, s.end, s.speaker) for s in parsed.segments]) == []


# ------------------------------------------------------------------ qualcode check


def test_check_names_a_turn_the_segments_left_out(project, project_url, run_cli):
    body = "Interviewer: One?\x0cTeacher: Two.\nInterviewer: Three?\nTeacher: Four.\n"
    # what the splitter made of a form feed before this fix: "Teacher: Two." in no segment
    kept = [s for s in segment_text(body) if body[s.start : s.end] != "Two."]
    project.import_transcript(ParsedTranscript("ff", "txt", "ff.txt", "0" * 64, body, kept))
    problems = project.check()
    assert any(
        "transcript ff: line 2 of its text is in no segment ('Teacher: Two.')" in p and "transcripts replace ff" in p
        for p in problems
    ), problems
    result = run_cli("check", "--db", project_url)
    assert result.exit_code == 1 and "Teacher: Two." in result.stderr


def test_check_is_ok_with_labels_captions_and_empty_turns(project, tmp_path):
    (tmp_path / "a.txt").write_text("Interviewer:\nTeacher: Fine.\x0cInterviewer: Good.\r**Head:**\n", "utf-8")
    (tmp_path / "b.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Dr. Ann Lee-Smith (PI) 2>Hello there.\n", "utf-8"
    )
    for name in ("a.txt", "b.vtt"):
        project.import_transcript(parse_file(tmp_path / name))
    assert project.check() == []


def test_a_page_break_inside_a_docx_paragraph_starts_a_line(tmp_path):
    docx = pytest.importorskip("docx")
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    paragraph = document.add_paragraph("Interviewer: What changed?")
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    paragraph.add_run("Teacher: The marking policy.")
    line = document.add_paragraph("Interviewer: Who decided?")
    line.add_run().add_break()  # a manual line break (Shift+Enter)
    line.add_run("Teacher: The department.")
    path = tmp_path / "interview.docx"
    document.save(path)
    parsed = parse_file(path)
    assert turns_of(parsed.text, parsed.segments) == [
        ("Interviewer", "What changed?"),
        ("Teacher", "The marking policy."),
        ("Interviewer", "Who decided?"),
        ("Teacher", "The department."),
    ]


def test_transcripts_replace_with_page_breaks_keeps_every_turn_and_the_coding(project, project_url, run_cli, tmp_path):
    first = tmp_path / "pages.txt"
    first.write_text("Interviewer: One?\nTeacher: Two.\nInterviewer: Three?\nTeacher: Four.\n", "utf-8")
    project.import_transcript(parse_file(first))
    transcript = next(t.id for t in project.list_transcripts() if t.name == "pages")
    four = next(s for s in project.segments(transcript) if s.text == "Four.")
    project.apply_code("alice", "formalisation.plans", four.id)
    again = tmp_path / "again" / "pages.txt"
    again.parent.mkdir()
    again.write_bytes(b"Interviewer: One?\x0cTeacher: Two.\rInterviewer: Three?\xe2\x80\xa8Teacher: Four.\x0c")
    result = run_cli("transcripts", "replace", "pages", str(again), "--coder", "bob", "--db", project_url)
    assert result.exit_code == 0, result.output
    segments = project.segments(transcript)
    assert [(s.speaker, s.text) for s in segments] == [
        ("Interviewer", "One?"),
        ("Teacher", "Two."),
        ("Interviewer", "Three?"),
        ("Teacher", "Four."),
    ]
    [coding] = project.list_codings(transcript, coders=["alice"])
    assert coding.segment_id == segments[3].id
    assert project.check() == []


def test_separators_used_as_line_breaks_are_not_binary_but_other_controls_are(tmp_path):
    separated = tmp_path / "separated.txt"
    separated.write_bytes("".join(f"Speaker {i % 2}: turn {i}\x1e" for i in range(20)).encode())
    assert len(parse_file(separated).segments) == 20
    noisy = tmp_path / "noisy.txt"
    noisy.write_bytes(b"Alice: fine\nBob: also fine\nAlice: \x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\n")
    with pytest.raises(InputError, match=r"noisy\.txt:3: binary file.*10 control characters.*U\+0001"):
        parse_file(noisy)


def test_check_is_ok_after_anonymising_a_label_of_an_empty_turn(project, tmp_path):
    # what `anonymise --apply` leaves: a speaker's name in a label line replaced by a pseudonym
    before = "Interviewer: Hello.\nSarah Whitfield:\nInterviewer: Bye.\n"
    body = before.replace("Sarah Whitfield", "[Headteacher 1]")  # as long: the offsets stay
    segments = segment_text(before)
    project.import_transcript(ParsedTranscript("anon", "txt", "anon.txt", "1" * 64, body, segments))
    assert project.check() == []
