"""What the analysis screens (passages, co-occurrence, group comparison, framework matrices) share.

Each screen reads the project through its own ``ProjectRunner`` (off the UI thread) and shows
what came back. A screen left for a transcript (Enter on a passage) stays alive: the workbench
installs it and pushes it again on Esc, so the list comes back exactly where it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from qualcode.tui.errors import report
from qualcode.tui.keys import KeyEntry, binding_entries
from qualcode.tui.runner import JobDone, ProjectRunner
from qualcode.tui.screens.dialogs import ChoiceDialog
from qualcode.tui.text import one_line


def screen_entries(app, sections) -> list[KeyEntry]:
    """Help entries from ``(section title, selector, class)`` triples, as the workbench's help lists them."""
    return [entry for title, pane, cls in sections for entry in binding_entries(app, title, pane, cls)]


class AnalysisCommands(Provider):
    """The command palette on an analysis screen: the screen's keys, as the help lists them."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        screen = self.screen
        if not isinstance(screen, AnalysisScreen):
            return []
        out: list[tuple[str, str, Callable[[], Any]]] = []
        for entry in screen_entries(self.app, screen.help_sections()):
            target = screen if not entry.pane else next(iter(screen.query(entry.pane)), None)
            if target is None:
                continue
            title = f"{entry.section}: {entry.short}"
            out.append(
                (title, f"{entry.description} · key {' '.join(entry.keys)}", partial(target.run_action, entry.action))
            )
        return out

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(Text(title), callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)


# Whose codings an analysis screen reads, besides one coder's name.
UNION = "union"
AGREED = "agreed"


class AnalysisScreen(Screen):
    """A full screen over the workbench; Esc goes back, ? lists its keys."""

    COMMANDS = {AnalysisCommands}

    HELP_TITLE = "Analysis"
    HELP_INTRO = ""

    BINDINGS = [
        Binding("escape", "back", "Back", id="analysis.back", tooltip="Back to where you came from"),
        Binding("question_mark,f1", "help", "Help", id="analysis.help", tooltip="The keys of this screen"),
    ]

    def __init__(self, project) -> None:
        super().__init__()
        self.project = project
        self.runner = ProjectRunner(self)

    def help_sections(self) -> list[tuple[str, str, type]]:
        return [(self.HELP_TITLE, "", type(self))]

    def on_unmount(self) -> None:
        self.runner.close()

    @on(JobDone)
    def _job_done(self, message: JobDone) -> None:
        message.stop()
        self.runner.finished(message.outcome)

    def run_project(self, fn, then=None, *, description: str = "reading", key: str | None = None, error=None) -> None:
        self.runner.submit(fn, then, error=error, key=key, description=description)

    def choose_coders(self, coders: Sequence[str], then: Callable[[str], None], *, agreed: bool = False) -> None:
        """Ask whose codings to read; ``then`` gets UNION, AGREED (offered with ``agreed`` and two
        coders or more) or one coder's name."""
        choices: list[tuple[str, Text | str]] = [(UNION, "Everyone (union of every coder's codings)")]
        choices += [(f"coder:{name}", Text.assemble("Only ", one_line(name))) for name in coders]
        if agreed and len(coders) >= 2:
            choices.append((AGREED, "Agreed: at least two coders applied the code to the segment"))

        def chosen(value: str | None) -> None:
            if value is not None:
                then(value.removeprefix("coder:"))

        self.app.push_screen(ChoiceDialog("Whose codings?", choices), chosen)

    def report(self, exc: BaseException) -> None:
        report(self.app, exc)

    def action_help(self) -> None:
        from qualcode.tui.screens.analysis_help import AnalysisHelp

        self.app.push_screen(
            AnalysisHelp(self.HELP_TITLE, self.HELP_INTRO, screen_entries(self.app, self.help_sections()))
        )

    def action_back(self) -> None:
        self.close()

    def close(self) -> None:
        """Leave the screen for good (not for a transcript: then the workbench keeps it)."""
        app = self.app
        if app.screen is self:
            app.pop_screen()
        # Popped and no longer installed, Textual removes it once the pop completes.
        app.uninstall_screen(self)

    def title_text(self) -> Text:
        return Text(self.HELP_TITLE, style="bold")
