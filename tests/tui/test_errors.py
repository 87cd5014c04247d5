"""One reporter for every error the workbench meets: a user mistake is one line, a bug says it is
a bug and leaves its traceback in the log."""

from __future__ import annotations

import pytest

from qualcode.errors import QualcodeError
from qualcode.tui.app import WorkbenchApp
from qualcode.tui.errors import log_file

from .conftest import drive, notices, press, wait_for_text


def workbench(project) -> WorkbenchApp:
    return WorkbenchApp(project, "alice", blink=False)


def test_a_bug_on_an_analysis_screen_is_shown_as_a_bug_and_logged(project, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("cooccurrence exploded")

    monkeypatch.setattr(project.analysis, "cooccurrence", broken)

    async def scenario(pilot):
        await press(pilot, "O")
        await wait_for_text(pilot, "bug in qualcode")
        return notices(pilot.app)

    (shown,) = drive(workbench(project), scenario, size=(160, 45))
    assert shown.startswith("This is a bug in qualcode: RuntimeError: cooccurrence exploded")
    assert f"logged to {log_file()}" in shown
    logged = log_file().read_text(encoding="utf-8")
    assert "Traceback" in logged and "RuntimeError: cooccurrence exploded" in logged
    assert "in broken" in logged  # the frame that raised


def test_a_user_error_on_an_analysis_screen_is_one_line_and_not_a_bug(project, monkeypatch):
    def refused(*args, **kwargs):
        raise QualcodeError("no coder named zed")

    monkeypatch.setattr(project.analysis, "cooccurrence", refused)

    async def scenario(pilot):
        await press(pilot, "O")
        await wait_for_text(pilot, "no coder named zed")
        return notices(pilot.app)

    assert drive(workbench(project), scenario, size=(160, 45)) == ["no coder named zed"]
    assert not log_file().exists()


def test_a_failing_search_is_reported_not_swallowed(project, monkeypatch):
    def broken(query, *args, **kwargs):
        raise RuntimeError("the index is gone")

    monkeypatch.setattr(project, "search", broken)

    async def scenario(pilot):
        await press(pilot, "ctrl+f")
        await pilot.press(*"budget")
        await wait_for_text(pilot, "bug in qualcode", "search failed")
        return notices(pilot.app)

    shown = drive(workbench(project), scenario, size=(160, 45))
    assert shown and all(n.startswith("This is a bug in qualcode: RuntimeError: the index is gone") for n in shown)
    assert "RuntimeError: the index is gone" in log_file().read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ["bug", "mistake"])
def test_a_failing_project_call_in_the_workbench_goes_through_the_same_reporter(project, monkeypatch, kind):
    exc = RuntimeError("disk on fire") if kind == "bug" else QualcodeError("that code is gone")

    def failing(*args, **kwargs):
        raise exc

    async def scenario(pilot):
        monkeypatch.setattr(project, "codes", failing)
        pilot.app.workbench.run_project(project.codes)
        await wait_for_text(pilot, "disk on fire" if kind == "bug" else "that code is gone")
        return notices(pilot.app)

    (shown,) = drive(workbench(project), scenario, size=(160, 45))
    assert shown.startswith("This is a bug in qualcode") == (kind == "bug")
    assert log_file().exists() == (kind == "bug")
