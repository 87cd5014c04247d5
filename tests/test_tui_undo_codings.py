"""Undoing and redoing a coding in the workbench: the screen shows what the project holds, and
only the open transcript is read again, not the whole project (the transcript list, every
transcript's progress, every code's count), so that ``u`` stays a key press on a large study."""

from __future__ import annotations

import asyncio

import pytest

from qualcode.project import Project
from qualcode.tui.app import WorkbenchApp
from qualcode.tui.testing import screen_text, settle

WHOLE_PROJECT = ("transcript_list", "coded_segment_counts", "code_counts")


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def whole_project_reads(monkeypatch):
    """Names of the project calls that read the whole project, as they are made."""
    made: list[str] = []
    for name in WHOLE_PROJECT:
        original = getattr(Project, name)

        def spy(self, *args, _name=name, _original=original, **kwargs):
            made.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Project, name, spy)
    return made


def drive(project, scenario):
    async def go():
        async with WorkbenchApp(project, "alice", blink=False).run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            return await scenario(pilot)

    return asyncio.run(go())


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def tree_count(pilot, key: str) -> int:
    return pilot.app.workbench.counts.get(key, 0)


def test_undo_and_redo_of_a_coding_read_only_the_open_transcript(project, whole_project_reads):
    async def scenario(pilot):
        pilot.app.workbench.codebook.select_key("formalisation.plans")
        await settle(pilot)
        await press(pilot, "j", "a", "j", "j", "a")
        coded = screen_text(pilot.app), tree_count(pilot, "formalisation.plans")
        whole_project_reads.clear()
        await press(pilot, "u")
        undone = screen_text(pilot.app), tree_count(pilot, "formalisation.plans"), list(whole_project_reads)
        await press(pilot, "U")
        redone = screen_text(pilot.app), tree_count(pilot, "formalisation.plans"), list(whole_project_reads)
        return coded, undone, redone

    coded, undone, redone = drive(project, scenario)
    assert "coded 2/2" in coded[0] and coded[1] == 2
    text, count, reads = undone
    assert "undid coding" in text and "coded 1/2" in text and count == 1
    assert reads == []
    text, count, reads = redone
    assert "redid coding" in text and "coded 2/2" in text and count == 2
    assert reads == []
    segments = project.segments(project.list_transcripts()[0].id)
    positions = sorted(project.segment(c.segment_id).position for c in project.list_codings(coders=["alice"]))
    assert positions == [segments[1].position, segments[3].position]


def test_undoing_a_removal_brings_the_coding_back_on_screen_with_its_memo(project, whole_project_reads):
    segment = project.segments(project.list_transcripts()[0].id)[1]
    coding = project.apply_code("alice", "prioritisation.time", segment.id)
    project.set_memo("alice", "coding", coding.id, "cover came out of the budget")
    project.remove_coding("alice", coding.id)

    async def scenario(pilot):
        await press(pilot, "j")  # to the segment the coding was on
        before = screen_text(pilot.app), tree_count(pilot, "prioritisation.time")
        whole_project_reads.clear()
        await press(pilot, "u")
        return before, screen_text(pilot.app), tree_count(pilot, "prioritisation.time"), list(whole_project_reads)

    before, after, count, reads = drive(project, scenario)
    assert "cover came out of the budget" not in before[0] and before[1] == 0
    assert "cover came out of the budget" in after and "Time" in after and count == 1
    assert "coded 1/2" in after
    assert reads == []
    assert [c.code_key for c in project.list_codings(coders=["alice"])] == ["prioritisation.time"]


def test_undoing_other_changes_still_reads_the_project_again(project, whole_project_reads):
    project.add_code("Budget", parent_key="prioritisation", key="prioritisation.budget", coder="alice")

    async def scenario(pilot):
        whole_project_reads.clear()
        await press(pilot, "u")
        return screen_text(pilot.app), set(pilot.app.workbench.code_by_key), list(whole_project_reads)

    text, codes, reads = drive(project, scenario)
    assert "undid adding code Budget" in text and "prioritisation.budget" not in codes
    assert "transcript_list" in reads


def test_a_move_shows_the_new_segments_detail_in_the_same_screen_update(project, monkeypatch):
    """j and k: the cursor and the segment's detail (its title, its codings) change in one screen
    update; the detail never lags a frame behind the cursor."""
    from textual.screen import Screen

    from qualcode.tui.screens.workbench import WorkbenchScreen

    shown: list[tuple[int, str]] = []  # (segment under the cursor, detail title) at each screen update
    original = Screen._compositor_refresh

    def refresh(self):
        if isinstance(self, WorkbenchScreen) and self.view.current is not None:
            title = self.detail.query_one("#detail-title")
            shown.append((self.view.current.position, str(title.content)))
        return original(self)

    monkeypatch.setattr(Screen, "_compositor_refresh", refresh)

    async def scenario(pilot):
        await settle(pilot)
        shown.clear()
        await press(pilot, "j", "j", "k")

    drive(project, scenario)
    assert {position for position, _ in shown} >= {1, 2}
    assert all(title.startswith(f"Segment {position + 1} ·") for position, title in shown), shown


def test_undo_of_a_coding_is_one_trip_to_the_project(project, monkeypatch):
    """``u`` on a coding waits for one project call (the undo and the transcript's codings read on
    the same trip), not for the undo and then a second call queued after the screen saw it."""
    from qualcode.tui.runner import ProjectRunner

    submitted: list[str] = []
    original = ProjectRunner.submit

    def spy(self, fn, then=None, **kwargs):
        submitted.append(kwargs.get("description", ""))
        return original(self, fn, then, **kwargs)

    monkeypatch.setattr(ProjectRunner, "submit", spy)

    async def scenario(pilot):
        pilot.app.workbench.codebook.select_key("formalisation.plans")
        await settle(pilot)
        await press(pilot, "j", "a")
        submitted.clear()
        await press(pilot, "u")
        return screen_text(pilot.app), list(submitted)

    text, calls = drive(project, scenario)
    assert "undid coding" in text and "coded 0/" in text
    assert calls == ["undoing", "suggestions"]  # the suggestions panel follows any change of codings
