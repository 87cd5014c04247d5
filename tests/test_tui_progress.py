"""Coding progress is one number: the transcripts pane, the status bar and the CLI's project API
count the same thing (of the turns a coder is meant to code, the interviewer's excluded, how many
the coder has coded), on the demo project as a new researcher first sees it."""

from __future__ import annotations

import asyncio
import re

import pytest

from qualcode.project import Project
from qualcode.samples import build_demo
from qualcode.tui.app import WorkbenchApp
from qualcode.tui.testing import screen_text, settle


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    """Where-you-left-off state goes to a temporary directory, never the real home."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def picker_row(shown: str, name: str) -> tuple[int, int]:
    found = re.search(re.escape(name) + r" [▰▱]+ (\d+)/(\d+)", shown)
    assert found, f"{name} has no progress in the transcripts pane:\n{shown}"
    return int(found[1]), int(found[2])


def status_progress(shown: str) -> tuple[int, int]:
    found = re.search(r"coded (\d+)/(\d+) \(\d+%\)", shown)
    assert found, f"no progress in the status bar:\n{shown}"
    return int(found[1]), int(found[2])


def test_transcript_list_and_status_bar_show_the_same_progress_on_the_demo(tmp_path):
    project = Project.open(str(build_demo(tmp_path / "demo").path))
    first = project.list_transcripts()[0]
    interviewer_turn = next(s for s in project.segments(first.id) if s.interviewer)
    # A coding on an interviewer's turn does not count: it is not a turn the coder is meant to code.
    project.apply_code("alice", project.codes()[0].key, interviewer_turn.id)
    expected = {t.name: (t.coded_segments, t.n_to_code) for t in project.list_transcripts(coder="alice")}
    assert any(t.n_to_code < t.n_segments for t in project.list_transcripts()), "the demo has interviewer turns"
    assert any(done for done, _ in expected.values()), "alice has coded something in the demo"

    async def scenario(pilot) -> list[tuple[str, tuple[int, int], tuple[int, int], tuple[int, int]]]:
        seen = []
        for i, name in enumerate(expected):
            if i:
                await pilot.press("1", "j")  # the transcripts pane, the next transcript: not yet opened
                await settle(pilot)
            before = picker_row(screen_text(pilot.app), name)
            if i:
                await pilot.press("enter")
                await settle(pilot)
            shown = screen_text(pilot.app)
            seen.append((name, before, picker_row(shown, name), status_progress(shown)))
        return seen

    async def go():
        app = WorkbenchApp(project, "alice", blink=False)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            return await scenario(pilot)

    seen = asyncio.run(go())
    assert [name for name, *_ in seen] == list(expected)
    for name, listed, listed_open, status in seen:
        assert listed == listed_open == status == expected[name], name
    assert expected[first.name] == (18, 20)  # the "18/40" beside "18/20"


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_status_bar_and_transcripts_pane_keep_progress_segment_and_span_whole(tmp_path, size):
    project = Project.open(str(build_demo(tmp_path / "demo").path))

    async def go():
        app = WorkbenchApp(project, "alice", blink=False)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await pilot.press("2", "j", "v", "right", "right")  # a span of the second turn's first words
            await settle(pilot)
            span = app.workbench.view.selection_span
            return span, screen_text(app)

    span, shown = asyncio.run(go())
    status = shown.splitlines()[-2]
    assert span is not None and span[1] > span[0]
    assert status.rstrip().endswith(f"span: {span[1] - span[0]} chars"), status
    assert "coder alice" in status and "coded 18/20 (90%)" in status and "segment 2" in status
    if size[0] >= 160:  # room for everything: nothing is left out
        assert "rln demo" in status and "rln-01-headteacher (Headteacher N204)" in status
    # The transcripts pane keeps the numbers at any width (at 80 columns the name is cut instead).
    assert re.search(r"▶ rln-01-\S*( [▰▱]+)? 18/20 ", shown), shown


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_transcripts_pane_follows_coding_in_a_transcript_far_down_the_list(tmp_path, size):
    """Coding in a transcript the pane had to scroll to: its row counts what the status bar
    counts at once (it used to keep the count it had when opened: bar 17/17, list 16/17)."""
    project = Project.open(str(build_demo(tmp_path / "demo").path))
    names = [t.name for t in project.list_transcripts()]
    last = names[-2]  # rln-13-teacher: one turn alice has not coded yet

    async def go():
        app = WorkbenchApp(project, "alice", blink=False)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await pilot.press("1", *["j"] * names.index(last), "enter")
            await settle(pilot)
            before = screen_text(app)
            await pilot.press("n", "a")  # the next uncoded turn, coded with the highlighted code
            await settle(pilot)
            return before, screen_text(app)

    before, after = asyncio.run(go())
    row = re.compile(r"▶ " + re.escape(last[:6]) + r"\S*(?: [▰▱]+)? (\d+)/(\d+) ")
    assert row.search(before) and status_progress(before) == (16, 17), before
    found = row.search(after)
    assert found, after
    assert (int(found[1]), int(found[2])) == status_progress(after) == (17, 17), after
