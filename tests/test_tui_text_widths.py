"""What the transcript pane draws takes the cells the terminal gives it: tabs keep their
columns, emoji sequences and right-to-left lines never move the pane's right border."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("textual")

from rich.cells import get_character_cell_size

from qualcode.ingest.transcripts import parse_file
from qualcode.tui.app import WorkbenchApp
from qualcode.tui.testing import screen_text, settle

TABLE = """Interviewer: Who was in the group?

Headteacher: This is the list we kept.
Name\tRole\tYears
Jo\tDeputy\t12
Samira\tTeacher\t3
"""

SCRIPTS = """Interviewer: And the families?

Parent: Our family 👨\u200d👩\u200d👧 came to every meeting ❤\ufe0f and the thumbs 👍🏽 said it all.

Parent: السَّلَامُ عَلَيْكُمْ — the Arabic greeting \u200fwith a right-to-left mark\u200f, and the Hebrew שָׁלוֹם too.
"""


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def _shown(project, tmp_path, name: str, text: str, size=(100, 30)) -> list[str]:
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    project.import_transcript(parse_file(path))

    async def go():
        app = WorkbenchApp(project, "alice", blink=False, transcript=name)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            return screen_text(pilot.app).splitlines()

    return asyncio.run(go())


def terminal_width(line: str) -> int:
    """Cells a terminal that draws code point by code point (tmux, most terminals) gives a line."""
    return sum(max(0, get_character_cell_size(ch)) for ch in line)


def test_tabs_keep_their_columns(project, tmp_path):
    lines = _shown(project, tmp_path, "table", TABLE)
    rows = {word: next(line for line in lines if word in line) for word in ("Name", "Jo", "Samira")}
    assert rows["Name"].index("Role") == rows["Jo"].index("Deputy") == rows["Samira"].index("Teacher")
    assert rows["Name"].index("Years") == rows["Jo"].index("12") == rows["Samira"].index("3 ")


def test_emoji_sequences_and_right_to_left_lines_keep_the_border_in_place(project, tmp_path):
    lines = _shown(project, tmp_path, "scripts", SCRIPTS)
    assert any("👨" in line for line in lines) and any("שָׁלוֹם" in line for line in lines)
    for line in lines:
        assert terminal_width(line) == 100, line


ESCAPES = """Interviewer: Clipboard \x1b]52;c;cm0gLXJmIH4=\x07 and title \x1b]0;owned\x07?

Teacher: Clear \x1b[2J then the 8-bit CSI \x9b2J and OSC \x9d0;owned\x9c, no more.
"""


def test_escape_sequences_in_a_transcript_are_drawn_not_obeyed(project, tmp_path):
    lines = _shown(project, tmp_path, "escapes", ESCAPES)
    shown = "\n".join(lines)
    assert "8-bit CSI" in shown and "]52;c;cm0gLXJmIH4=" in shown  # the words are all there
    assert [ch for ch in shown if ord(ch) < 32 and ch != "\n" or 0x7F <= ord(ch) <= 0x9F] == []
    for line in lines:
        assert terminal_width(line) == 100, line
