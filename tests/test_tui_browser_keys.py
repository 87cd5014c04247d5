"""In a browser the workbench offers the keys that work there: Ctrl+P prints the page, so the
help, the footer and the palette's key hints offer ":" (``qualcode.web.session.BROWSER_KEYS``)."""

from __future__ import annotations

import asyncio
import re

import pytest

from qualcode.tui.app import WorkbenchApp
from qualcode.tui.screens.analysis_base import screen_entries
from qualcode.tui.screens.analysis_help import AnalysisHelp
from qualcode.tui.screens.framework import CellEditor
from qualcode.tui.testing import screen_text, settle
from qualcode.web.session import ServedWorkbenchApp


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def seen(project, in_browser: bool) -> tuple[str, str, str]:
    """The footer, the help screen (as one line) and the help of the framework matrix's cell editor."""
    if in_browser:
        app = ServedWorkbenchApp(project, None, coders=[c.name for c in project.coders()], blink=False)
        app._show_browser_keys = True
    else:
        app = WorkbenchApp(project, "alice", blink=False)

    def flat(text: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r"[┃│▊▎▁▔▌▐█▀▄]", " ", text))

    async def go():
        async with app.run_test(size=(140, 160)) as pilot:
            await settle(pilot)
            if in_browser:
                await pilot.press("enter")  # the first screen: alice
                await settle(pilot)
            footer = screen_text(app).splitlines()[-1]
            await pilot.press("question_mark")
            await settle(pilot)
            help_text = flat(screen_text(app))
            await pilot.press("escape")
            await settle(pilot)
            entries = screen_entries(app, [("Writing a cell", "", CellEditor)])
            await app.push_screen(AnalysisHelp("Writing a cell", "", entries))
            await settle(pilot)
            return footer, help_text, flat(screen_text(app))

    return asyncio.run(go())


def test_in_a_browser_the_help_and_footer_offer_colon_not_ctrl_p(project):
    footer, help_text, cell_help = seen(project, in_browser=True)
    assert ": palette" in footer and "^p" not in footer, footer
    assert "The command palette (:) lists every command" in help_text, help_text
    # Ctrl+P is named only where the help says what to press instead of it.
    assert help_text.count("Ctrl+P") == help_text.count("instead of Ctrl+P") == 1, help_text
    assert "F2 Save the summary" in cell_help and "^s" not in cell_help, cell_help


def test_in_a_terminal_ctrl_p_stays(project):
    footer, help_text, cell_help = seen(project, in_browser=False)
    assert "^p palette" in footer, footer
    assert "The command palette (Ctrl+P) lists every command" in help_text and "instead of" not in help_text
    assert "^s Save the summary" in cell_help, cell_help
