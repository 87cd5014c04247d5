"""The workbench and its coders: coding every search hit with `A`, switching coder without a restart."""

from __future__ import annotations

import pytest

from qualcode.ingest.transcripts import parse_file
from qualcode.tui.app import WorkbenchApp
from qualcode.tui.testing import screen_text, settle
from tests.tui.conftest import drive, press

BUDGETS = (
    "Interviewer: And the budget?\n\nTeacher: Fine.\n\nInterviewer: Budget again?\n\n"
    "Teacher: The budget, the budget, always the budget.\n"
)


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def study(project, tmp_path):
    path = tmp_path / "budgets.txt"
    path.write_text(BUDGETS, encoding="utf-8")
    project.import_transcript(parse_file(path))
    return project


def coded(project, coder="alice"):
    return sorted((project.segment(c.segment_id).speaker, c.code_key) for c in project.list_codings(coders=[coder]))


async def _search(pilot, words: str) -> None:
    await press(pilot, "ctrl+f")
    await pilot.press(*words)
    await settle(pilot)
    await pilot.pause(0.2)
    await settle(pilot)


def test_A_on_the_hits_codes_every_participant_hit_as_one_change_and_u_reverses_it(study):
    async def scenario(pilot):
        await _search(pilot, "budget")
        hits = len(pilot.app.screen.hits)
        await press(pilot, "tab", "A")
        await pilot.press(*"time")
        await press(pilot, "enter")
        asked = screen_text(pilot.app)
        await press(pilot, "enter")  # the first choice: the interviewer's turns left out
        after = coded(study), screen_text(pilot.app)
        await press(pilot, "u")
        return hits, asked, after, coded(study)

    hits, asked, (after, shown), undone = drive(WorkbenchApp(study, "alice", blink=False), scenario)
    assert hits == 4  # two questions, the interviewee's answer in interview-01 and in budgets
    assert "Code 2: the interviewer's 2 turns left out" in asked
    assert after == [("Headteacher", "prioritisation.time"), ("Teacher", "prioritisation.time")]
    assert "coded 2 segments found by the search" in shown
    assert [e.kind for e in study.events(limit=2)] == ["undo", "coding.autocode"]
    assert undone == []


def test_A_in_the_search_field_is_a_letter_and_the_interviewer_is_coded_only_when_asked(study):
    async def scenario(pilot):
        await _search(pilot, "budgetA")  # "A" typed in the field searches; it codes nothing
        typed = pilot.app.screen.query_one("#search-input").value
        await press(pilot, "backspace")
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        await press(pilot, "tab", "A")
        await pilot.press(*"time")
        await press(pilot, "enter", "down", "enter")  # code the interviewer's turns too
        return typed, coded(study)

    typed, after = drive(WorkbenchApp(study, "alice", blink=False), scenario)
    assert typed == "budgetA"
    assert ("Interviewer", "prioritisation.time") in after


def test_switching_coder_shows_their_codings_undo_and_progress_without_a_restart(study):
    t = study.transcript("interview-01")
    answer = next(s for s in study.segments(t.id) if s.speaker == "Headteacher")
    study.apply_code("bob", "formalisation.plans", answer.id)

    async def scenario(pilot):
        screen = pilot.app.workbench
        screen.open_transcript(t.id)
        await settle(pilot)
        await press(pilot, "P")
        listed = screen_text(pilot.app)
        await press(pilot, "enter")  # the highlighted coder: bob, the only other one
        as_bob = screen.coder, screen_text(pilot.app), screen.open.info.coded_segments
        await press(pilot, "u")  # bob's last change, not alice's
        bob_after_undo = coded(study, "bob")
        await press(pilot, "P")
        await pilot.press(*"carol")
        await press(pilot, "enter")
        confirm = screen_text(pilot.app)
        await press(pilot, "y")
        await settle(pilot)
        return listed, as_bob, bob_after_undo, confirm, screen.coder, [c.name for c in study.coders()]

    listed, (coder, shown, progress), undone, confirm, last, coders = drive(
        WorkbenchApp(study, "alice", blink=False), scenario
    )
    assert "Switch coder (now alice)" in listed and "bob" in listed
    assert coder == "bob" and "coder bob" in shown and "Now coding as bob" in shown and progress == 1
    assert undone == []
    assert "Add the new coder carol?" in confirm
    assert last == "carol" and coders == ["alice", "bob", "carol"]


def test_switching_coder_is_in_the_palette(study):
    async def scenario(pilot):
        await press(pilot, "ctrl+p")
        await pilot.press(*"switch coder")
        await settle(pilot)
        await pilot.pause(0.3)
        return screen_text(pilot.app)

    assert "Switch coder" in drive(WorkbenchApp(study, "alice", blink=False), scenario)
