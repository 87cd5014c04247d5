"""What a key that codes draws first: the coding, on its segment and in the segment's codings
list, in a screen update of the centre column alone; the code's count, the transcript's progress
and the status line's confirmation follow a frame later. Drawn in one update, the rectangle
Textual repaints spans every pane (the status line runs the screen's width), which doubled the
time to the coding on screen (benchmarks/bench_tui.py)."""

from __future__ import annotations

import asyncio

import pytest
from rich.text import Text
from textual.screen import Screen

from qualcode.tui.app import WorkbenchApp
from qualcode.tui.testing import screen_text, settle
from qualcode.tui.widgets.codebook import CodebookTree
from qualcode.tui.widgets.segments import SegmentView
from qualcode.tui.widgets.status import StatusBar
from qualcode.tui.widgets.transcripts import TranscriptPicker
from tests.tui.conftest import drive


@pytest.fixture
def screen_updates(monkeypatch):
    """The widgets each screen update draws, in order."""
    updates: list[set[type]] = []
    original = Screen._compositor_refresh

    def refresh(self, *args, **kwargs):
        updates.append({type(w) for w in self._dirty_widgets})
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_compositor_refresh", refresh)
    return updates


def workbench(project) -> WorkbenchApp:
    return WorkbenchApp(project, "alice", blink=False)


def test_a_coding_is_drawn_before_the_panes_beside_it(project, screen_updates):
    async def scenario(pilot):
        screen = pilot.app.workbench
        screen.codebook.select_key("formalisation.plans")
        screen.view.focus()
        screen.view.move_to(next(i for i, s in enumerate(screen.open.segments) if s.id in screen.open.to_code))
        await settle(pilot)
        before = screen.counts.get("formalisation.plans", 0)
        progress = screen.open.info.coded_segments
        screen_updates.clear()
        await pilot.press("a")
        while not any(SegmentView in drawn for drawn in screen_updates):
            await asyncio.sleep(0.001)
        first = next(drawn for drawn in screen_updates if SegmentView in drawn)
        await settle(pilot)
        later = set().union(*screen_updates[screen_updates.index(first) + 1 :])
        return first, later, screen, before, progress, screen_text(pilot.app)

    first, later, screen, before, progress, text = drive(workbench(project), scenario)
    assert not first & {StatusBar, CodebookTree, TranscriptPicker}, first
    assert {StatusBar, CodebookTree, TranscriptPicker} <= later
    # and what they show is the coding's: one more for the code, one more segment coded, the ✓
    assert screen.counts["formalisation.plans"] == before + 1
    assert screen.open.info.coded_segments == progress + 1
    assert screen.status.message.plain.startswith("✓ ")
    assert "✓ " in text


def after_applied(screen, then):
    """Run ``then`` right after the workbench takes in a new coding (before its frame-later draws)."""
    original = screen._applied

    def applied(*args):
        original(*args)
        assert screen.draws_pending
        then()

    screen._applied = applied


def test_a_message_set_before_the_frame_is_the_one_shown(project):
    async def scenario(pilot):
        screen = pilot.app.workbench
        screen.codebook.select_key("formalisation.plans")
        screen.view.focus()
        await settle(pilot)
        after_applied(screen, lambda: screen.status.set(message=Text("a newer word")))
        await pilot.press("a")
        await settle(pilot)
        return screen.status.message.plain, screen_text(pilot.app)

    message, text = drive(workbench(project), scenario)
    assert message == "a newer word"
    assert "a newer word" in text


def test_progress_drawn_later_is_the_transcript_it_was_for(project):
    """The transcripts pane's row moves a frame later, to the coded transcript's progress."""

    async def scenario(pilot):
        screen = pilot.app.workbench
        screen.codebook.select_key("formalisation.plans")
        screen.view.focus()
        screen.view.move_to(next(i for i, s in enumerate(screen.open.segments) if s.id in screen.open.to_code))
        await settle(pilot)
        coded_id = screen.open.info.id
        rows = []
        after_applied(screen, lambda: rows.append(next(t for t in screen.picker.transcripts if t.id == coded_id)))
        await pilot.press("a")
        await settle(pilot)
        row = next(t for t in screen.picker.transcripts if t.id == coded_id)
        return rows[0].coded_segments, row.coded_segments, screen.open.info.coded_segments

    shown_before, shown_after, coded = drive(workbench(project), scenario)
    assert shown_after == coded
    assert shown_before == coded - 1
