"""No escape sequence from project data reaches the terminal: codebook names, transcript text,
memos and the rest are printed with their control characters shown, not obeyed."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode import codebook as cb
from qualcode.cli import common
from qualcode.cli.terminal import safe_text

CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"  # OSC 52: write "rm -rf ~" to the clipboard
TITLE = "\x1b]0;owned\x07"  # OSC 0: set the window title
CLEAR = "\x1b[2J"  # CSI: clear the screen
CSI_8BIT = "\x9b2J"  # the same as one C1 character
MARKUP = "<b>x</b> [click](javascript:alert(1)) | **"  # raw HTML, a link, a table cell, emphasis
HOSTILE = CLIPBOARD + TITLE + "\x85" + CLEAR + CSI_8BIT + "\x7f"

# JSON strings are YAML double-quoted scalars: "\u001b" in the file is an ESC in the name
CODEBOOK = f"""\
name: {json.dumps("Book " + HOSTILE)}
codes:
  - id: plans
    name: {json.dumps("Plans " + MARKUP + TITLE)}
    description: {json.dumps("Written into the plan " + CLEAR)}
  - id: time
    name: {json.dumps("Time " + CLIPBOARD)}
    description: Release time.
"""


def unsafe(output: str) -> list[str]:
    """The characters in ``output`` that a terminal acts on (tab and line ends aside)."""
    return [ch for ch in output if (ord(ch) < 32 and ch not in "\t\n\r") or 0x7F <= ord(ch) <= 0x9F]


@pytest.fixture
def hostile_db(project_url, tmp_path):
    from qualcode.ingest.transcripts import parse_file
    from qualcode.project import Project

    book = cb.parse_codebook(CODEBOOK, "hostile.yaml")
    assert CLIPBOARD in book.codes[1].name  # the YAML escapes gave real control characters
    path = tmp_path / "evil.txt"
    path.write_text(
        f"Interviewer: Did it {TITLE}work?\nTeacher: Yes {CLIPBOARD} it did {CLEAR} well.\n"
        f"Interviewer: And{CSI_8BIT} then?\nTeacher: We kept going.\n",
        encoding="utf-8",
    )
    with Project.create(project_url, book) as p:
        p.add_coder("alice")
        p.add_coder("bob")
        p.import_transcript(parse_file(path))
        transcript = p.list_transcripts()[0].id
        segments = p.segments(transcript)
        for coder in ("alice", "bob"):
            coding = p.apply_code(coder, "plans", segments[1].id)
            p.set_memo(coder, "coding", coding.id, f"memo {HOSTILE}")
        p.apply_code("alice", "time", segments[3].id)
        p.set_memo("alice", "transcript", transcript, f"about {TITLE}")
    return project_url


COMMANDS = [
    ("codebook", "show"),
    ("status",),
    ("transcripts", "list"),
    ("transcripts", "show", "evil", "--coders", "alice,bob"),
    ("retrieve", "plans"),
    ("retrieve", "plans", "--format", "md"),
    ("agreement", "alice", "bob"),
    ("disagreements", "alice", "bob"),
    ("cooccur",),
    ("export", "codings"),
]


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_no_control_character_of_project_data_reaches_the_output(run_cli, hostile_db, monkeypatch, args, terminal):
    if terminal:
        monkeypatch.setattr(common, "is_terminal", lambda stderr=False: True)
        monkeypatch.setenv("COLUMNS", "100")
    result = run_cli(*args, "--db", hostile_db)
    assert result.exit_code == 0, result.output
    assert unsafe(result.stdout) == [] and unsafe(result.stderr) == []


def test_the_control_characters_are_shown_not_dropped(run_cli, hostile_db):
    out = run_cli("transcripts", "show", "evil", "--db", hostile_db).stdout
    assert "Yes \\u001b]52;c;cm0gLXJmIH4=\\u0007 it did \\u001b[2J well." in out
    assert "And\\u009b2J then?" in out


def test_json_output_escapes_them_and_still_decodes_to_the_stored_text(run_cli, hostile_db):
    result = run_cli("retrieve", "plans", "--format", "json", "--db", hostile_db)
    assert unsafe(result.stdout) == []
    memos = json.dumps(json.loads(result.stdout))
    assert json.dumps(f"memo {HOSTILE}")[1:-1] in memos


def test_errors_naming_project_data_are_shown_safely(run_cli, hostile_db, tmp_path):
    codings = tmp_path / "c.csv"
    codings.write_text(f"coder,transcript,code,anchor\nalice,evil,plans,{CLEAR}nowhere\n", encoding="utf-8")
    result = run_cli("import", str(codings), "--db", hostile_db)
    assert result.exit_code != 0
    assert "[2Jnowhere" in result.stderr and unsafe(result.stderr) == []


def test_files_written_with_o_keep_the_data_exactly(run_cli, hostile_db, tmp_path):
    out = tmp_path / "codings.csv"
    run_cli("export", "codings", "-o", str(out), "--db", hostile_db)
    assert f"memo {HOSTILE}" in out.read_text(encoding="utf-8")


def test_safe_text():
    assert safe_text("tab\tand\nlines\r\nstay") == "tab\tand\nlines\r\nstay"
    assert safe_text("a\rb\x0bc\x0cd\x1ce") == "a\nb\nc\nd\ne"  # the other line breaks show as lines
    assert safe_text("\x1b[2J\x07\x00\x7f\x85\x9b") == "\\u001b[2J\\u0007\\u0000\\u007f\\u0085\\u009b"
    assert safe_text("caf\u00e9 \u4e2d \u2028") == "caf\u00e9 \u4e2d \u2028"  # not controls


@pytest.mark.parametrize(
    "args",
    [("agreement", "alice", "bob", "--format", "md"), ("retrieve", "plans"), ("export", "codebook")],
    ids=" ".join,
)
def test_markdown_files_show_names_as_written_not_as_markup(run_cli, hostile_db, tmp_path, args):
    out = tmp_path / "out.md"
    result = run_cli(*args, "-o", str(out), "--db", hostile_db)
    assert result.exit_code == 0, result.output
    md = out.read_text(encoding="utf-8")
    assert "Plans \\<b\\>x\\</b\\> \\[click\\](javascript:alert(1)) \\| \\*\\*" in md
    assert TITLE in md or TITLE.replace("]", "\\]") in md  # the file keeps the data


@given(st.text(st.characters(max_codepoint=0x2FFF, blacklist_categories=("Cs",), blacklist_characters="\\")))
def test_safe_text_leaves_nothing_a_terminal_acts_on_and_loses_nothing(text):
    shown = safe_text(text)
    assert unsafe(shown) == []
    assert "\r" not in shown.replace("\r\n", "")  # a carriage return only as part of "\r\n"
    # undoing the escapes gives the text back, with every line break a "\n" or "\r\n"
    lines_as_written = re.sub(r"\r(?!\n)|[\x0b\x0c\x1c-\x1e]", "\n", text)
    assert re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), shown) == lines_as_written
