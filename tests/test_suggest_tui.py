"""The suggestions panel in the workbench: shows reasons, accepts and rejects from the keyboard."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from qualcode.suggest.engine import suggest_payload
from qualcode.tui.app import WorkbenchApp
from qualcode.tui.testing import screen_text, settle
from qualcode.tui.widgets import detail
from qualcode.tui.widgets.suggestions import SuggestionPanel
from tests.tui import conftest as tui


@pytest.fixture(autouse=True)
def _panel_registered(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(detail, "SEGMENT_PANELS", [SuggestionPanel])


def fill(project):
    payload, ids = project.suggestion_payload()
    return project.store_suggestions(suggest_payload(payload), ids)


def drive(project, scenario):
    return tui.drive(WorkbenchApp(project, "alice", blink=False), scenario, size=(140, 45))


async def to_segment(pilot, position: int) -> None:
    view = pilot.app.workbench.view
    while view.current is None or view.current.position < position:
        await pilot.press("down")
        await settle(pilot)


def test_panel_shows_reasons_and_y_accepts_x_rejects(project):
    assert fill(project) >= 2
    time_seg = next(s for s in project.list_suggestions() if s.code_key == "prioritisation.time")
    position = project.segment(time_seg.segment_id).position

    async def scenario(pilot):
        await to_segment(pilot, position)
        text = screen_text(pilot.app)
        assert "Suggestions" in text and "Time" in text and "cover" in text
        pilot.app.query_one("#suggestion-list").focus()
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [c.origin for c in project.list_codings(coders=["alice"])] == ["suggestion"]
        pilot.app.query_one("#suggestion-list").focus()
        await settle(pilot)

    drive(project, scenario)
    assert project.list_suggestions(segment_id=time_seg.segment_id, status="accepted")


def test_x_rejects_and_u_undoes(project):
    fill(project)
    first = project.list_suggestions()[0]
    position = project.segment(first.segment_id).position

    async def scenario(pilot):
        await to_segment(pilot, position)
        pilot.app.query_one("#suggestion-list").focus()
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert project.list_suggestions(segment_id=first.segment_id, status="rejected")
        await pilot.press("u")
        await settle(pilot)

    drive(project, scenario)
    assert not project.list_suggestions(segment_id=first.segment_id, status="rejected")
    assert not project.list_codings(coders=["alice"])


def test_y_and_x_work_from_the_transcript_pane_on_the_segments_first_suggestion(project):
    fill(project)
    first = project.list_suggestions()[0]
    position = project.segment(first.segment_id).position

    async def scenario(pilot):
        await to_segment(pilot, position)
        assert pilot.app.focused is pilot.app.workbench.view  # never Tab-Tab into the list
        top = pilot.app.workbench.query_one(SuggestionPanel).items[0]
        await pilot.press("x")
        await settle(pilot)
        return top

    top = drive(project, scenario)
    assert project.list_suggestions(segment_id=top.segment_id, status="rejected")[0].id == top.id

    second = project.list_suggestions(status="open")[0]
    position = project.segment(second.segment_id).position

    async def accept(pilot):
        await to_segment(pilot, position)
        await pilot.press("y")
        await settle(pilot)

    drive(project, accept)
    assert [c.origin for c in project.list_codings(coders=["alice"])] == ["suggestion"]
