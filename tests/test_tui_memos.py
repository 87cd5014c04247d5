"""The memos screen of the workbench (W, or "Memos" in the palette): every memo, searched as
you type, Enter opening the memo's place."""

from __future__ import annotations

import pytest

from qualcode.tui.screens.memo_list import MemoListScreen
from qualcode.tui.testing import screen_text, settle
from qualcode.tui.widgets.segments import SegmentView
from tests.test_tui import segments, workbench
from tests.tui.conftest import drive, press


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def memos(project):
    """Two memos by alice on segments of interview-01, one by bob on a coding, one on a code."""
    segs = segments(project)
    project.set_memo("alice", "segment", segs[1].id, "Budget pressure shapes the plan")
    project.set_memo("alice", "segment", segs[3].id, "Time for staff comes up AGAIN")
    coding = project.apply_code("bob", "formalisation.plans", segs[2].id)
    project.set_memo("bob", "coding", coding.id, "plan = strategy?")
    project.set_memo("alice", "code", project.code("formalisation").id, "Check the definition with bob")
    return project


@pytest.fixture
def two_transcripts(memos, tmp_path):
    """The memos above, and one on a second transcript."""
    from qualcode.ingest.transcripts import parse_file
    from tests.test_tui import BRACKETS

    path = tmp_path / "interview-02.txt"
    path.write_text(BRACKETS, encoding="utf-8")
    memos.import_transcript(parse_file(path))
    memos.set_memo("bob", "transcript", memos.transcript("interview-02").id, "Recorded in a noisy staffroom")
    return memos


async def open_memos(pilot) -> MemoListScreen:
    await press(pilot, "W")
    screen = pilot.app.screen
    assert isinstance(screen, MemoListScreen)
    return screen


def test_search_as_you_type_and_enter_opens_the_segment(memos):
    target = segments(memos)[3]

    async def scenario(pilot):
        bench = pilot.app.workbench
        screen = await open_memos(pilot)
        text = screen_text(pilot.app)
        assert "4 memos" in text
        for words in ("Budget pressure", "Time for staff", "plan = strategy?", "Check the definition"):
            assert words in text
        await pilot.press(*"again")  # the search box has the focus; without case
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "1 of 4 memos" in text and "Time for staff" in text
        assert "Budget pressure" not in text and "Check the definition" not in text
        await press(pilot, "enter")
        assert pilot.app.screen is bench
        assert bench.open.info.name == "interview-01"
        assert bench.query_one(SegmentView).current.id == target.id
        assert "Esc: back to the memos" in screen_text(pilot.app)
        await press(pilot, "escape")  # back to the list, as it was
        assert pilot.app.screen is screen
        assert screen.search.value == "again" and len(screen.shown) == 1
        await press(pilot, "escape")
        assert pilot.app.screen is bench

    drive(workbench(memos), scenario, size=(120, 40))


def test_a_code_memo_opens_the_code_in_the_codebook_and_backspace_comes_back(memos):
    async def scenario(pilot):
        bench = pilot.app.workbench
        screen = await open_memos(pilot)
        await pilot.press(*"DEFINITION")
        await settle(pilot)
        await press(pilot, "down", "enter")  # from the search box to the list, then open
        assert pilot.app.screen is bench
        assert bench.codebook.highlighted_key == "formalisation"
        await press(pilot, "backspace")
        assert pilot.app.screen is screen
        await press(pilot, "down", "backspace")  # on the list, Backspace goes back for good
        assert pilot.app.screen is bench

    drive(workbench(memos), scenario, size=(120, 40))


def test_a_coding_memo_opens_its_segment_with_the_code_highlighted(memos):
    target = segments(memos)[2]

    async def scenario(pilot):
        bench = pilot.app.workbench
        await open_memos(pilot)
        await pilot.press(*"strategy")
        await press(pilot, "enter")
        assert bench.query_one(SegmentView).current.id == target.id
        assert bench.codebook.highlighted_key == "formalisation.plans"

    drive(workbench(memos), scenario, size=(120, 40))


def test_a_transcript_memo_opens_its_transcript(two_transcripts):
    async def scenario(pilot):
        bench = pilot.app.workbench
        assert bench.open.info.name == "interview-01"
        await open_memos(pilot)
        await pilot.press(*"staffroom")
        await press(pilot, "enter")
        assert pilot.app.screen is bench
        assert bench.open.info.name == "interview-02"

    drive(workbench(two_transcripts), scenario, size=(120, 40))


def test_backspace_in_the_search_box_deletes_and_stays(memos):
    async def scenario(pilot):
        screen = await open_memos(pilot)
        await pilot.press(*"plan")
        await press(pilot, "backspace", "backspace")
        assert pilot.app.screen is screen and screen.search.value == "pl"
        assert len(screen.shown) == 2  # "the plan", "plan = strategy?"

    drive(workbench(memos), scenario, size=(120, 40))


def test_the_palette_offers_every_memo(memos):
    async def scenario(pilot):
        await press(pilot, "ctrl+p")
        await pilot.press(*"every memo")
        await settle(pilot)
        assert "Memos: every memo in the project" in screen_text(pilot.app)
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, MemoListScreen)

    drive(workbench(memos), scenario, size=(120, 40))


def test_no_memos_says_how_to_write_one(project):
    async def scenario(pilot):
        await open_memos(pilot)
        assert "No memos yet" in screen_text(pilot.app)

    drive(workbench(project), scenario, size=(80, 24))
