"""The workbench's agreement screen: from a low-agreement code to the segment in two key presses."""

from __future__ import annotations

from qualcode.tui.screens.agreement import AgreementScreen
from qualcode.tui.testing import screen_text
from qualcode.tui.widgets.segments import SegmentView

from .test_tui import _own_state_dir, segments, study, workbench  # noqa: F401
from .tui.conftest import drive, press


def test_agreement_screen_leads_from_the_worst_code_to_the_segment(study):  # noqa: F811 (a fixture)
    segs = segments(study)
    answers = [s for s in segs if s.speaker != "Interviewer"]
    study.apply_code("alice", "formalisation.plans", answers[0].id)
    study.apply_code("bob", "formalisation.plans", answers[0].id)
    study.apply_code("alice", "prioritisation.time", answers[1].id)  # only alice: a disagreement
    study.apply_code("bob", "formalisation.meetings", answers[0].id)  # only bob: another

    async def scenario(pilot):
        await press(pilot, "K")
        screen = pilot.app.screen
        assert isinstance(screen, AgreementScreen)
        listed = screen_text(pilot.app)
        first_code = screen.view.codes[0].key
        await press(pilot, "enter")  # the lowest-agreement code's disagreements
        differences = screen_text(pilot.app)
        await press(pilot, "enter")  # open the first one
        view = pilot.app.screen.query_one(SegmentView)
        return listed, first_code, differences, view.current, screen_text(pilot.app)

    listed, first_code, differences, current, after = drive(workbench(study), scenario)
    assert "Agreement with bob" in listed and "[bold]" not in listed
    assert first_code in ("prioritisation.time", "formalisation.meetings", "prioritisation", "formalisation")
    assert "applied by" in differences and "interview-01" in differences
    target = answers[1].id if first_code.startswith("prioritisation") else answers[0].id
    assert current is not None and current.id == target
    assert "compare bob" in after
