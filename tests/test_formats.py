"""Transcript formats recognised by content (qualcode/ingest/formats): what each file becomes.

The fixtures in tests/fixtures/transcripts are synthetic (their names say so), written to the
layouts the services document and that public exports show (see tests/fixtures/NOTICE); the
Word and OpenDocument files are built here.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from qualcode.errors import InputError
from qualcode.ingest.transcripts import parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"


def turns(parsed) -> list[tuple[str | None, str]]:
    return [(s.speaker, parsed.text[s.start : s.end]) for s in parsed.segments]


def times(parsed) -> list[tuple[float | None, float | None]]:
    return [(s.time_start, s.time_end) for s in parsed.segments]


def write_docx(path: Path, paragraphs: list[object]) -> Path:
    """A .docx with one paragraph per item: a string (line breaks become Word line breaks) or
    (bold words, plain words)."""
    import docx

    document = docx.Document()
    for item in paragraphs:
        p = document.add_paragraph()
        if isinstance(item, tuple):
            p.add_run(item[0]).bold = True
            p.add_run(item[1])
            continue
        for i, line in enumerate(str(item).split("\n")):
            run = p.add_run(line)
            if i < len(str(item).split("\n")) - 1:
                run.add_break()
    document.save(str(path))
    return path


def write_odt(path: Path, paragraphs: list[str]) -> Path:
    from xml.sax.saxutils import escape

    ns = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    body = "".join(
        "<text:p>" + "<text:line-break/>".join(escape(line) for line in p.split("\n")) + "</text:p>" for p in paragraphs
    )
    content = f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body><office:text>{body}</office:text></office:body></office:document-content>'
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", content)
    return path


# --------------------------------------------------------------------------- Otter.ai


def test_otter_txt_has_speakers_times_and_its_header_as_metadata():
    parsed = parse_file(FIXTURES / "otter-synthetic.txt")
    assert parsed.format == "otter"
    assert turns(parsed) == [
        ("Jane Doe", "Thanks for joining. How did the school come to join the network?"),
        ("Sam Patel", "We were invited by the local authority. It took a while to"),
        ("Unknown Speaker", "say yes, honestly."),
        ("Sam Patel", "The governors wanted to see the budget first."),
        ("Jane Doe", "And how did the staff take it?"),
        ("Sam Patel", "Most of them were glad of the release time."),
    ]
    assert [t for t, _ in times(parsed)] == [0, 7, 15, 18, 59 * 60 + 58, 3604]
    assert parsed.meta["keywords"] == ["network", "release time", "cover", "headteachers"]
    assert parsed.meta["speakers"] == ["Jane Doe", "Unknown Speaker", "Sam Patel"]
    assert parsed.meta["footer"] == "Transcribed by https://otter.ai"
    assert "SUMMARY" not in parsed.text and "otter.ai" not in parsed.text


def test_otter_docx_reads_like_the_txt(tmp_path):
    paras = ["SUMMARY KEYWORDS", "network, cover", "SPEAKERS", "Jane Doe, Sam Patel"]
    paras += ["Jane Doe  0:00", "How did the school join?", "Sam Patel  1:02:03", "We were invited."]
    parsed = parse_file(write_docx(tmp_path / "call.docx", paras))
    assert parsed.format == "otter"
    assert turns(parsed) == [("Jane Doe", "How did the school join?"), ("Sam Patel", "We were invited.")]
    assert times(parsed) == [(0, None), (3723, None)]
    assert parsed.meta["keywords"] == ["network", "cover"]


def test_otter_layout_is_recognised_by_content_whatever_the_file_is_called(tmp_path):
    path = tmp_path / "interview.md"
    shutil.copy(FIXTURES / "otter-synthetic.txt", path)
    parsed = parse_file(path)
    assert parsed.format == "otter" and parsed.segments[0].speaker == "Jane Doe"


def test_otter_txt_with_front_matter(tmp_path):
    path = tmp_path / "call.txt"
    body = (FIXTURES / "otter-synthetic.txt").read_text(encoding="utf-8")
    path.write_text("---\nparticipant: Headteacher N7\nrole: Headteacher\n---\n" + body, encoding="utf-8")
    parsed = parse_file(path)
    assert parsed.format == "otter" and parsed.front.participant == "Headteacher N7"
    assert parsed.front.attributes == {"role": "Headteacher"}
    assert parsed.segments[0].speaker == "Jane Doe" and "participant" not in parsed.text


def test_every_reader_is_registered_whichever_module_is_imported_first():
    import subprocess
    import sys

    code = (
        "import qualcode.ingest.formats.webvtt\n"
        "from pathlib import Path\n"
        "from qualcode.ingest.transcripts import parse_file\n"
        f"print(parse_file(Path({str(FIXTURES / 'otter-synthetic.txt')!r})).format)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "otter"


# --------------------------------------------------------------------------- Microsoft Teams


def test_teams_vtt_voices_guid_cues_and_teams_times():
    parsed = parse_file(FIXTURES / "teams-synthetic.vtt")
    assert parsed.format == "teams"
    # one speaker's consecutive cues are one turn
    assert turns(parsed) == [
        ("Jane Doe", "Thanks for joining. How did the school come to join the network?"),
        ("Sam Patel", "Mm-hmm. We were invited by the local authority & the diocese."),
        ("Jane Doe", "And the staff?"),
    ]
    # "0:0:2.90" is 2 s and 90 ms as Teams means it; "0:1:2.5" is 62.005 s
    assert times(parsed) == [(0.0, 6.5), (6.12, 14.25), (62.005, 64.9)]
    assert parsed.meta["raw_times"] == [
        [0, "0:0:0.0", "0:0:6.500"],
        [1, "0:0:6.120", "0:0:14.250"],
        [2, "0:1:2.5", "0:1:4.900"],
    ]
    # Sam's "Mm-hmm" starts before Jane's question has ended: kept, and marked
    assert parsed.meta["overlaps"] == [1]
    assert "9f1c2e4a" not in parsed.text


def test_teams_vtt_saved_as_txt_is_still_teams(tmp_path):
    path = tmp_path / "meeting.txt"
    shutil.copy(FIXTURES / "teams-synthetic.vtt", path)
    assert parse_file(path).format == "teams"


def test_teams_docx_time_name_and_words_in_one_paragraph(tmp_path):
    paras = [
        "Staff interview\nDecember 7, 2026, 2:00PM\n12m 30s",
        "Jane Doe started transcription",
        "Jane Doe   0:03\nThanks for joining.",
        "Sam Patel   0:09\nWe were invited.\nIt took a while.",
        "Jane Doe   1:02:03\nAnd the staff?",
        "Jane Doe stopped transcription",
    ]
    parsed = parse_file(write_docx(tmp_path / "Staff interview.docx", paras))
    assert parsed.format == "teams"
    assert turns(parsed) == [
        ("Jane Doe", "Thanks for joining."),
        ("Sam Patel", "We were invited. It took a while."),
        ("Jane Doe", "And the staff?"),
    ]
    assert [t for t, _ in times(parsed)] == [3, 9, 3723]
    assert parsed.meta["header"] == ["Staff interview", "December 7, 2026, 2:00PM", "12m 30s"]
    assert parsed.meta["notices"] == ["Jane Doe started transcription", "Jane Doe stopped transcription"]


def test_teams_docx_older_layout_with_arrows(tmp_path):
    paras = ["0:0:0.0 --> 0:0:1.510\nAmy Lowe\nRight. Yes.", "0:0:3.270 --> 0:0:4.250\nRaj Varma\nGo on."]
    parsed = parse_file(write_docx(tmp_path / "chat.docx", paras))
    assert parsed.format == "teams"
    assert turns(parsed) == [("Amy Lowe", "Right. Yes."), ("Raj Varma", "Go on.")]
    assert times(parsed) == [(0.0, 1.51), (3.27, 4.25)]


# --------------------------------------------------------------------------- Zoom


def test_zoom_transcript_vtt_as_before():
    parsed = parse_file(FIXTURES / "zoom-synthetic.transcript.vtt")
    assert parsed.format == "zoom"
    assert turns(parsed) == [
        ("Jane Doe", "Thanks for joining. How did the school come to join?"),
        ("Sam Patel", "We were invited by the local authority."),
    ]
    assert times(parsed) == [(1.5, 7.0), (7.5, 12.0)]
    assert "flags" not in parsed.meta


def test_zoom_captions_are_imported_but_flagged():
    parsed = parse_file(FIXTURES / "zoom-synthetic.cc.vtt")
    assert parsed.format == "zoom-cc"
    assert [s.speaker for s in parsed.segments] == [None]
    assert parsed.meta["flags"] == ["captions, no speakers"]


# --------------------------------------------------------------------------- Rev, Descript, Trint


def test_rev_text_export():
    parsed = parse_file(FIXTURES / "rev-synthetic.txt")
    assert parsed.format == "rev"
    assert turns(parsed) == [
        ("Interviewer", "Thanks for joining. How did the school come to join the network?"),
        ("Speaker 2", "We were invited by the local authority.\nIt took a while."),
        ("Interviewer", "And the staff?"),
        ("Speaker 2", "Most of them were glad of the release time."),
    ]
    assert [t for t, _ in times(parsed)] == [0, 7, 3723, 3729]
    assert parsed.meta["header"] == ["Interview with a headteacher, School C"]


def test_descript_and_trint_text_export():
    parsed = parse_file(FIXTURES / "descript-synthetic.txt")
    assert parsed.format == "descript"
    assert turns(parsed) == [
        ("Interviewer", "Thanks for joining. How did the school come to join the network?"),
        ("Sam Patel", "We were invited by the local authority.\nIt took a while."),
        ("Interviewer", "And the staff?"),
    ]
    assert [t for t, _ in times(parsed)] == [0, 7, 3723]


# --------------------------------------------------------------------------- noScribe


def test_noscribe_txt_header_is_metadata_not_a_speaker():
    parsed = parse_file(FIXTURES / "noscribe-synthetic.txt")
    assert parsed.format == "noscribe"
    assert [s.speaker for s in parsed.segments] == ["S00", "S01", "S00", "S01"]
    assert turns(parsed)[1] == ("S01", "We were invited by the local authority.")
    assert [t for t, _ in times(parsed)] == [0, 12, 20, 23]
    assert parsed.meta["header"][0] == "Audio file: headteacher-c.mp3"
    assert "Audio file" not in parsed.text and "[00:00:12]" not in parsed.text


def test_noscribe_html():
    parsed = parse_file(FIXTURES / "noscribe-synthetic.html")
    assert parsed.format == "noscribe"
    assert turns(parsed)[1] == ("S01", "We were invited by the local authority & the diocese.")
    assert [t for t, _ in times(parsed)] == [0, 12, 20]
    assert parsed.meta["header"][:2] == ["headteacher-c", "headteacher-c.mp3"]
    assert parsed.meta["html_meta"]["audio_source"] == "headteacher-c.mp3"


def test_noscribe_vtt():
    parsed = parse_file(FIXTURES / "noscribe-synthetic.vtt")
    assert parsed.format == "noscribe"
    assert [s.speaker for s in parsed.segments] == ["S00", "S01", "S00"]
    assert parsed.meta["header"] == ["Transcribed with noScribe vers. 0.5", "Audio file: headteacher-c.mp3"]


# --------------------------------------------------------------------------- Whisper, Podcasting 2.0

WHISPER_WORDS = [
    "Thanks for joining. How did the school come to join the network? We were invited by the local authority."
]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("whisper-synthetic.json", "whisper"),
        ("whisper-synthetic.tsv", "whisper"),
        ("whisper-synthetic.vtt", "whisper"),
        ("whisper-synthetic.srt", "srt"),
    ],
)
def test_whisper_outputs_are_captions_without_speakers(name, fmt):
    parsed = parse_file(FIXTURES / name)
    assert parsed.format == fmt
    assert [t for _, t in turns(parsed)] == WHISPER_WORDS
    assert times(parsed) == [(0.0, 11.84)]
    assert parsed.meta["flags"] == ["captions, no speakers"]


def test_whisperx_json_keeps_speakers(tmp_path):
    data = {
        "segments": [
            {"start": 0.0, "end": 2.0, "text": " Why join?", "speaker": "SPEAKER_00"},
            {"start": 2.5, "end": 4.0, "text": " Invited.", "speaker": "SPEAKER_01"},
            {"start": 4.0, "end": 5.0, "text": " Really.", "speaker": "SPEAKER_01"},
        ]
    }
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    parsed = parse_file(path)
    assert turns(parsed) == [("SPEAKER_00", "Why join?"), ("SPEAKER_01", "Invited. Really.")]
    assert "flags" not in parsed.meta


def test_podcasting_json_words_become_turns():
    parsed = parse_file(FIXTURES / "podcast-synthetic.json")
    assert parsed.format == "podcast"
    assert turns(parsed) == [("Jane Doe", "Thanks for joining."), ("Sam Patel", "Glad to help.")]
    assert times(parsed) == [(0.5, 1.8), (2.5, 3.6)]


def test_one_speakers_cues_are_merged_up_to_the_segment_length():
    parsed = parse_file(FIXTURES / "teams-synthetic.vtt", max_chars=30)
    assert [s.speaker for s in parsed.segments] == ["Jane Doe", "Jane Doe", "Sam Patel", "Sam Patel", "Jane Doe"]
    assert times(parsed)[:2] == [(0.0, 2.09), (2.09, 6.5)]  # each keeps its own times


# --------------------------------------------------------------------------- documents


def test_docx_with_speakers_in_bold(tmp_path):
    paras = [
        "Interview 3, School C",
        ("Interviewer", " How did the school come to join the network?"),
        ("Headteacher:", " We were invited."),
        "It took a while.",
        ("Interviewer", " And the staff?"),
    ]
    parsed = parse_file(write_docx(tmp_path / "bold.docx", paras))
    assert parsed.format == "docx"
    assert turns(parsed) == [
        ("Interviewer", "How did the school come to join the network?"),
        ("Headteacher", "We were invited.\nIt took a while."),
        ("Interviewer", "And the staff?"),
    ]
    assert parsed.meta["header"] == ["Interview 3, School C"]


def test_docx_with_bold_headings_is_not_taken_for_speakers(tmp_path):
    paras = [("Context", " The school joined in 2019."), ("Findings", " Staff valued release time."), "More notes."]
    parsed = parse_file(write_docx(tmp_path / "notes.docx", paras))
    assert [s.speaker for s in parsed.segments] == [None, None, None]


def test_docx_with_speakers_on_their_own_line(tmp_path):
    paras = ["Interviewer", "How did the school come to join?", "Headteacher", "We were invited.", "Then we said yes."]
    paras += ["Interviewer", "And the staff?", "Headteacher", "Glad of it."]
    parsed = parse_file(write_docx(tmp_path / "ownline.docx", paras))
    assert turns(parsed) == [
        ("Interviewer", "How did the school come to join?"),
        ("Headteacher", "We were invited.\nThen we said yes."),
        ("Interviewer", "And the staff?"),
        ("Headteacher", "Glad of it."),
    ]


def test_docx_with_colon_speakers_is_read_as_before(tmp_path):
    parsed = parse_file(write_docx(tmp_path / "plain.docx", ["Interviewer: Why join?", "Teacher: Invited."]))
    assert parsed.format == "docx"
    assert turns(parsed) == [("Interviewer", "Why join?"), ("Teacher", "Invited.")]


def test_odt_transcript(tmp_path):
    path = write_odt(
        tmp_path / "interview.odt", ["Interview 3", "Interviewer: Why join?", "Teacher: Invited.\nBy the LA."]
    )
    parsed = parse_file(path)
    assert parsed.format == "odt"
    assert turns(parsed) == [("Interviewer", "Why join?"), ("Teacher", "Invited.\nBy the LA.")]
    assert parsed.meta["header"] == ["Interview 3"]


def test_odt_in_otter_layout(tmp_path):
    path = write_odt(
        tmp_path / "otter.odt", ["SPEAKERS", "Jane, Sam", "Jane  0:01", "Why join?", "Sam  0:05", "Invited."]
    )
    parsed = parse_file(path)
    assert parsed.format == "odt" and parsed.meta["speakers"] == ["Jane", "Sam"]
    assert parsed.meta["source_format"] == "OpenDocument .odt, 'Name  0:03' lines (as Otter.ai writes them)"
    assert turns(parsed) == [("Jane", "Why join?"), ("Sam", "Invited.")]


# --------------------------------------------------------------------------- bad input


def test_unknown_json_is_refused(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"name": "not a transcript"}', encoding="utf-8")
    with pytest.raises(InputError, match="a .json file qualcode does not know"):
        parse_file(path)


def test_mixed_conventions_are_refused(tmp_path):
    path = tmp_path / "mixed.txt"
    lines = []
    for i in range(4):
        lines += [f"Jane Doe  0:0{i}", "A question?", "", f"S01: [00:00:1{i}] An answer.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError, match="mixes two transcript conventions"):
        parse_file(path)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"segments": [{"start": 1' + "0" * 5000 + "}]}", "too long"),
    ],
)
def test_json_that_python_cannot_follow_is_one_line(tmp_path, content, problem):
    path = tmp_path / "deep.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=problem):
        parse_file(path)


def test_a_caption_time_with_thousands_of_digits_is_not_a_time(tmp_path):
    path = tmp_path / "long.vtt"
    path.write_text("WEBVTT\n\n" + "1" * 5000 + ":00.000 --> 00:01.000\nHello\n", encoding="utf-8")
    with pytest.raises(InputError, match="no caption cues found"):
        parse_file(path)


def test_odt_spaces_are_counted_and_capped(tmp_path):
    path = write_odt(tmp_path / "s.odt", ["Interviewer: x", "Teacher: y"])
    with zipfile.ZipFile(path) as zf:
        content = zf.read("content.xml").decode()
    content = content.replace(
        "x</text:p>", 'x<text:s text:c="3"/>y<text:s text:c="999999999"/>z<text:s text:c="lots"/>.</text:p>'
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("content.xml", content)
    parsed = parse_file(path)
    assert turns(parsed)[0] == ("Interviewer", "x   y" + " " * 1000 + "z .")


def test_captions_merge_without_limit_when_turns_are_never_split():
    parsed = parse_file(FIXTURES / "teams-synthetic.vtt", max_chars=0)
    assert [s.speaker for s in parsed.segments] == ["Jane Doe", "Sam Patel", "Jane Doe"]


@pytest.mark.parametrize(("name", "problem"), [("empty.docx", "has no text"), ("empty.odt", "has no text")])
def test_documents_without_text(tmp_path, name, problem):
    path = write_docx(tmp_path / name, ["", "  "]) if name.endswith(".docx") else write_odt(tmp_path / name, [""])
    with pytest.raises(InputError, match=problem):
        parse_file(path)


def test_html_that_is_not_noscribe(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><body><p>Hello</p></body></html>", encoding="utf-8")
    with pytest.raises(InputError, match="not a noScribe transcript"):
        parse_file(path)


# --------------------------------------------------------------------------- the import command (SQLite and PostgreSQL)


@pytest.fixture
def cli_db(run_cli, project_url, tmp_path):
    from .conftest import TINY_CODEBOOK

    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    assert run_cli("init", "--db", project_url, "--codebook", "tiny.yaml").exit_code == 0
    return project_url


def project_state(url: str) -> tuple[list[tuple], int, str | None]:
    """Transcripts (name, format, segments), the number of events, and the interviewer labels."""
    from qualcode.project import Project

    with Project.open(url) as project:
        rows = [(t.name, t.format, t.n_segments) for t in project.list_transcripts()]
        return rows, len(project.events()), project.setting("interviewer.labels")


def test_import_stores_speakers_times_and_metadata(run_cli, cli_db, tmp_path):
    from qualcode.project import Project

    for name in ("otter-synthetic.txt", "teams-synthetic.vtt", "zoom-synthetic.cc.vtt"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    result = run_cli("import", "--db", cli_db, "otter-synthetic.txt", "teams-synthetic.vtt", "zoom-synthetic.cc.vtt")
    assert result.exit_code == 0, result.output
    assert "read as Otter.ai .txt" in result.stdout
    assert (
        "zoom-synthetic.cc.vtt: 1 segments as 'zoom-synthetic.cc', read as Zoom captions (.cc.vtt) (captions, no speakers)"
        in result.stdout
    )
    with Project.open(cli_db) as project:
        otter = project.transcript("otter-synthetic")
        segments = project.segments(otter.id)
        assert [(s.speaker, s.time_start) for s in segments][:2] == [("Jane Doe", 0.0), ("Sam Patel", 7.0)]
        assert segments[0].text == "Thanks for joining. How did the school come to join the network?"
        teams = project.transcript("teams-synthetic")
        assert teams.overlaps == (1,)
        assert project.transcript("zoom-synthetic.cc").flags == ("captions, no speakers",)
    listed = run_cli("transcripts", "list", "--db", cli_db)
    assert "zoom-cc (captions, no speakers)" in listed.stdout
    as_json = json.loads(run_cli("transcripts", "list", "--db", cli_db, "--format", "json").stdout)
    assert {t["name"]: t["flags"] for t in as_json}["zoom-synthetic.cc"] == ["captions, no speakers"]
    shown = run_cli("transcripts", "show", "teams-synthetic", "--db", cli_db).stdout
    assert "¶2 " in shown and "Sam Patel (overlapping speech)" in shown


def test_the_header_is_kept_as_metadata_in_the_project(cli_db, tmp_path):
    from sqlalchemy import select

    from qualcode.db.models import Transcript
    from qualcode.project import Project

    with Project.open(cli_db) as project:
        project.import_transcript(parse_file(FIXTURES / "otter-synthetic.txt"))
    with Project.open(cli_db) as project, project.store.read() as s:
        stored = s.scalar(select(Transcript.meta).where(Transcript.name == "otter-synthetic"))
    assert stored["keywords"] == ["network", "release time", "cover", "headteachers"]
    assert stored["source_format"] == "Otter.ai .txt"


def test_dry_run_names_format_speakers_turns_and_interviewer(run_cli, tmp_path):
    for name in ("otter-synthetic.txt", "rev-synthetic.txt", "whisper-synthetic.json"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    result = run_cli("import", "--dry-run", "otter-synthetic.txt", "rev-synthetic.txt", "whisper-synthetic.json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "otter-synthetic.txt: 6 segments; format: Otter.ai .txt; speakers: Jane Doe (2 turns), Sam Patel (3 turns), "
        "Unknown Speaker (1 turn); interviewer: none of these is an interviewer label; name one with --interviewer NAME"
    )
    assert lines[1] == (
        "rev-synthetic.txt: 4 segments; format: Rev text; speakers: Interviewer (2 turns), Speaker 2 (2 turns); "
        "interviewer: Interviewer (by the interviewer labels)"
    )
    assert lines[2] == "whisper-synthetic.json: 1 segments; format: Whisper .json (captions, no speakers); no speakers"
    named = run_cli("import", "--dry-run", "--interviewer", "Jane Doe", "otter-synthetic.txt")
    assert "interviewer: Jane Doe (--interviewer)" in named.stdout


def test_interviewer_option_names_the_files_speaker_in_that_transcript(run_cli, cli_db, tmp_path):
    from qualcode.project import Project

    shutil.copy(FIXTURES / "otter-synthetic.txt", tmp_path / "otter-synthetic.txt")
    result = run_cli("import", "--db", cli_db, "--interviewer", "jane  doe", "otter-synthetic.txt")
    assert result.exit_code == 0, result.output  # compared as labels are: without case or extra spaces
    with Project.open(cli_db) as project:
        info = project.transcript("otter-synthetic")
        assert (info.n_segments, info.n_to_code) == (6, 4)  # Jane's two questions are not to be coded
        jane = next(r for r in project.transcript_speakers("otter-synthetic") if r.speaker == "Jane Doe")
        assert jane.interviewer and jane.set_here  # this transcript's map, not the project's labels
        assert not project.speakers().is_interviewer("Jane Doe")  # another transcript's Jane Doe is not


def test_interviewer_not_in_the_file_is_refused(run_cli, cli_db, tmp_path):
    shutil.copy(FIXTURES / "otter-synthetic.txt", tmp_path / "otter-synthetic.txt")
    before = project_state(cli_db)
    result = run_cli("import", "--db", cli_db, "--interviewer", "Janet", "otter-synthetic.txt")
    assert result.exit_code == 1
    assert (
        "no speaker named 'Janet' (--interviewer); its speakers: 'Jane Doe', 'Sam Patel', 'Unknown Speaker'"
        in result.stderr
    )
    assert project_state(cli_db) == before


def _fifty_megabytes(path: Path) -> Path:
    line = "Jane Doe  0:01\n" + "word " * 200 + "\n\n"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(line * (50 * 1024 * 1024 // len(line) + 1))
    return path


@pytest.mark.parametrize(
    "case",
    ["unknown.json", "empty.docx", "mixed.txt", "big.txt", "page.html", "damaged.odt", "bad-times.tsv"],
)
def test_bad_transcripts_one_line_and_the_project_unchanged(run_cli, cli_db, tmp_path, case):
    path = tmp_path / case
    if case == "unknown.json":
        path.write_text('[{"id": 1}]', encoding="utf-8")
    elif case == "empty.docx":
        write_docx(path, [""])
    elif case == "mixed.txt":
        path.write_text(
            "".join(f"Sam  0:0{i}\nAnswer.\n\nInterviewer (00:1{i}):\nQuestion?\n\n" for i in range(4)),
            encoding="utf-8",
        )
    elif case == "big.txt":
        _fifty_megabytes(path)
    elif case == "page.html":
        path.write_text("<p>Minutes of the meeting</p>", encoding="utf-8")
    elif case == "damaged.odt":
        path.write_bytes(b"PK\x03\x04 not really a zip")
    else:
        path.write_text("start\tend\ttext\n0\tlater\tHello\n", encoding="utf-8")
    before = project_state(cli_db)
    for args in (("import", "--db", cli_db, case), ("import", "--dry-run", case)):
        result = run_cli(*args)
        assert result.exit_code == 1
        errors = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(errors) == 1 and errors[0].startswith(f"error: {case}"), result.stderr
        assert "Traceback" not in result.output
    assert project_state(cli_db) == before
    expected = {
        "unknown.json": "a .json file qualcode does not know",
        "empty.docx": "the .docx document has no text",
        "mixed.txt": "mixes two transcript conventions",
        "big.txt": "over the 10 MB limit",
        "page.html": "not a noScribe transcript",
        "damaged.odt": "not a readable OpenDocument .odt text",
        "bad-times.tsv": ":2: expected 'start<TAB>end<TAB>text'",
    }[case]
    assert expected in errors[0]
