"""Every key the help lists works from the pane the help names, every action is in the command
palette, and the README lists the same keys as the help (one source: the bindings)."""

from __future__ import annotations

import asyncio
import inspect

import pytest

pytest.importorskip("textual")

from qualcode.tui import readme_keys
from qualcode.tui.app import WorkbenchApp
from qualcode.tui.commands import WorkbenchCommands, pane_name
from qualcode.tui.keys import key_entries
from qualcode.tui.screens.workbench import WorkbenchScreen
from qualcode.tui.testing import settle
from qualcode.tui.widgets.codebook import CodebookTree
from qualcode.tui.widgets.detail import CodingList
from qualcode.tui.widgets.segments import SegmentView
from qualcode.tui.widgets.suggestions import SuggestionList
from qualcode.tui.widgets.transcripts import TranscriptPicker
from tests.conftest import ROOT

PANES = ("#segments", "#codebook", "#transcripts", "#coding-list")  # where "Everywhere" keys must work


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def _action_name(action: str) -> str:
    return action.removeprefix("screen.").split("(")[0]


def test_every_key_in_the_help_reaches_its_action_from_the_pane_the_help_names(project):
    """Pressed in its pane (and, for the screen's keys, in every pane), each key of the help runs
    the action the help says, on the widget it belongs to, and that action exists."""
    project.apply_code("bob", "formalisation.plans", project.segments(project.transcript("interview-01").id)[1].id)
    failures = []

    async def go():
        app = WorkbenchApp(project, "alice", compare_with="bob", blink=False)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            screen = app.workbench
            ran: list[tuple[str, object]] = []

            async def record(action, default_namespace=None):
                ran.append((action, default_namespace))
                return True

            entries = key_entries(app, WorkbenchScreen)
            assert len(entries) > 40
            real_run_action = app.run_action
            for entry in entries:
                panes = PANES if not entry.pane else (entry.pane,)
                for pane in panes:
                    widget = screen.query_one(pane)
                    for name in entry.names:
                        app.run_action = real_run_action
                        widget.focus()
                        screen.view.end_selection()
                        if entry.id.startswith("span."):
                            await pilot.press("v")  # span selection mode
                        await settle(pilot, rounds=1)
                        ran.clear()
                        app.run_action = record
                        await pilot.press(name)
                        app.run_action = real_run_action
                        expected_target = screen if entry.action.startswith("screen.") or not entry.pane else widget
                        got = [(a, ns) for a, ns in ran if a == entry.action]
                        if not got:
                            failures.append(f"{entry.section}: {name} in {pane} ran {ran}, not {entry.action}")
                            continue
                        target = expected_target
                        if got[0][1] is not widget and got[0][1] is not screen:
                            failures.append(f"{name} in {pane} ran {entry.action} on {got[0][1]!r}")
                        if not callable(getattr(target, f"action_{_action_name(entry.action)}", None)):
                            failures.append(f"{entry.action} has no method on {target!r}")
            screen.view.end_selection()

    asyncio.run(go())
    assert not failures, "\n".join(failures)


def test_every_action_has_a_palette_entry(project):
    async def go():
        app = WorkbenchApp(project, "alice", blink=False)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            provider = WorkbenchCommands(app.workbench)
            titles = [title for title, _help, _run in provider._commands()]
            return titles, key_entries(app, WorkbenchScreen)

    titles, entries = asyncio.run(go())
    for entry in entries:
        assert f"{pane_name(entry.section)}: {entry.short}" in titles, entry
    # Every action the workbench defines is bound to a key, so the help and the palette list it.
    bound = {(_action_name(e.action), e.pane) for e in entries}
    bound_names = {name for name, _ in bound}
    for cls in (WorkbenchScreen, SegmentView, CodebookTree, CodingList, TranscriptPicker, SuggestionList):
        for name, member in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("action_") and member.__module__.startswith("qualcode."):
                assert name.removeprefix("action_") in bound_names, f"{cls.__name__}.{name} has no key"
    # Entries read alike: where they act, then what they do.
    assert all(": " in t for t in titles if not t.startswith(("Apply code", "Show code", "Open transcript")))


def test_the_palette_finds_the_suggestion_keys(project):
    async def go():
        app = WorkbenchApp(project, "alice", blink=False)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            provider = WorkbenchCommands(app.workbench)
            return [title for title, _help, _run in provider._commands() if "sugg" in title.lower()]

    found = asyncio.run(go())
    assert {"Segment: Accept suggestion", "Segment: Reject suggestion", "Segment: Suggest"} <= set(found)


def test_the_readme_lists_the_keys_of_the_help():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme_keys.markdown_table(readme_keys.entries())
    assert table in readme, "the README's key table is out of date: python -m qualcode.tui.readme_keys README.md"
