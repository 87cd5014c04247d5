"""The suggestions panel in the workbench: shows reasons, accepts and rejects from the keyboard."""

from __future__ import annotations

import asyncio

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


def test_panel_shows_calibrated_scores_as_percentages_and_hides_those_below_the_threshold(project):
    seg = next(s for s in project.segments(project.list_transcripts()[0].id) if "cover" in s.text)
    reason = {"summary": "model 0.62 (v1)", "words": [], "keywords": 0.0, "model": 0.62}
    low = dict(reason, summary="model 0.12 (v1)", model=0.12)
    theme = dict(reason, summary="theme 41%: under it formalisation.plans 12%", model=0.41)
    project.store_suggestions(
        [
            {"segment_id": seg.id, "code": "prioritisation.time", "source": "model", "score": 0.62, "reason": reason},
            {"segment_id": seg.id, "code": "formalisation.meetings", "source": "model", "score": 0.12, "reason": low},
            {"segment_id": seg.id, "code": "formalisation", "source": "theme", "score": 0.41, "reason": theme},
        ],
        [seg.id],
    )

    async def scenario(pilot):
        await to_segment(pilot, seg.position)
        return screen_text(pilot.app), pilot.app.workbench.query_one(SuggestionPanel).items

    text, shown = drive(project, scenario)
    assert "62%" in text and "model 0.62" in text
    assert "Formalisation (theme)" in text and "41%" in text
    assert [s.code_key for s in shown] == ["prioritisation.time", "formalisation"]  # not the 12% one


def test_s_says_how_many_segments_got_suggestions_and_why_not_the_others(project):
    async def scenario(pilot):
        await to_segment(pilot, 1)
        pilot.app.query_one("#suggestion-list").focus()
        await settle(pilot)
        await pilot.press("S")
        for _ in range(200):
            await settle(pilot)
            said = [n.message for n in pilot.app._notifications]
            if any("suggestions stored" in m for m in said):
                return said
            await asyncio.sleep(0.05)
        return [n.message for n in pilot.app._notifications]

    said = drive(project, scenario)
    line = next(m for m in said if "suggestions stored" in m)
    assert "of 5 segments got suggestions" in line and "3 interviewer turns or empty" in line


def test_accepting_with_y_teaches_the_model_at_once(project, tmp_path):
    from tests.test_suggest import blind_project

    blind_project(project, tmp_path)
    payload, ids = project.suggestion_payload(["blind-01"], min_score=0.0, for_coder="alice")
    project.store_suggestions(suggest_payload(payload), ids)
    target = next(
        s
        for s in project.list_suggestions(coder="alice")
        if s.code_key == "formalisation.meetings" and s.source != "theme"
    )
    seg = project.segment(target.segment_id)

    async def scenario(pilot):
        pilot.app.workbench.open_transcript(seg.transcript_id, segment_id=seg.id)
        await settle(pilot)
        assert pilot.app.workbench.query_one(SuggestionPanel).items[0].id == target.id
        await pilot.press("y")
        for _ in range(100):
            await settle(pilot)
            if any(e.kind == "model.learn" for e in project.events(limit=5)):
                return True
            await asyncio.sleep(0.05)
        return False

    assert drive(project, scenario)
    assert project.active_model()[0].trained_on["learned"] == 1
