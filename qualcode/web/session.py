"""One browser tab's workbench: the process ``qualcode serve`` starts for each connection.

``textual-serve`` runs ``python -m qualcode.web.session`` with Textual's web driver selected in
the environment; the project and the server's choices arrive in ``QUALCODE_SERVE_SESSION``
(JSON) rather than on the command line, so that a PostgreSQL URL with a password never shows in
the process list.
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding

from qualcode.tui.app import WorkbenchApp
from qualcode.tui.screens.workbench import WorkbenchScreen
from qualcode.web.screens import ServedWorkbenchScreen

ENVIRONMENT = "QUALCODE_SERVE_SESSION"

# Keys a browser may keep for itself, and what to press instead. The help screen lists these when
# the workbench runs in a browser. Which of them a page ever receives depends on the browser:
# Ctrl+W, Ctrl+T and Ctrl+N never reach a page; Ctrl+F, Ctrl+P, Ctrl+S and Ctrl+R usually do
# while the terminal has the focus, but not when the focus is outside it.
BROWSER_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Ctrl+P", ":", "open the command palette (every action, code and transcript)"),
    ("Ctrl+F", "s", "search the text of every transcript"),
    ("Ctrl+S", "F2", "save the memo or code being edited"),
    ("Ctrl+R Ctrl+Y", "U", "redo (Ctrl+R reloads the page: a new workbench, nothing lost)"),
    ("Ctrl+Z", "u", "undo"),
    ("F1", "?", "this help"),
    ("Ctrl+W", "Backspace", "delete in a text field (Ctrl+W closes the tab; nothing is lost)"),
)


@dataclass(frozen=True)
class SessionConfig:
    db: str | None
    coder: str | None = None
    allow_new_coders: bool = True
    transcript: str | None = None

    def to_env(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_env(cls, value: str) -> SessionConfig:
        data = json.loads(value)
        return cls(**{k: data[k] for k in ("db", "coder", "allow_new_coders", "transcript") if k in data})


class ServedWorkbenchApp(WorkbenchApp):
    """The workbench, preceded by the coder screen unless the server fixed the coder."""

    # Textual reads a relative CSS_PATH beside the subclass's module: point at the workbench's own.
    CSS_PATH = str(Path(inspect.getfile(WorkbenchApp)).with_name(WorkbenchApp.CSS_PATH))

    BINDINGS = [
        Binding("colon", "command_palette", "Commands", show=False, id="browser.palette"),
        Binding("s", "browser_search", "Search", show=False, id="browser.search"),
        # priority: the memo and code dialogs are modal, and their text areas have the focus
        Binding("f2", "browser_save", "Save", show=False, id="browser.save", priority=True),
    ]

    def __init__(
        self,
        project,
        coder: str | None,
        *,
        coders: list[str] | None = None,
        allow_new_coders: bool = True,
        transcript: str | None = None,
        show_browser_keys: bool | None = None,
        blink: bool = True,
    ) -> None:
        super().__init__(project, coder or "", None, transcript, blink=blink)  # "": not chosen yet
        self.known_coders = coders or []
        self.allow_new_coders = allow_new_coders
        self.coder_fixed = bool(coder)  # the server named the coder: the tab does not switch (P)
        self._show_browser_keys = show_browser_keys

    @property
    def browser_keys(self) -> tuple[tuple[str, str, str], ...]:
        """Read by the help screen; empty when the workbench is not in a browser."""
        shown = self.is_web if self._show_browser_keys is None else self._show_browser_keys
        return BROWSER_KEYS if shown else ()

    def get_default_screen(self):
        if self.coder:
            return ServedWorkbenchScreen(self.project, self.coder, None, self.transcript, cpu=self.cpu)
        from qualcode.web.coder_screen import CoderScreen

        return CoderScreen(self.project, self.known_coders, self.allow_new_coders)

    def start_workbench(self, coder: str) -> None:
        self.coder = coder
        self.sub_title = coder
        self.push_screen(ServedWorkbenchScreen(self.project, coder, None, self.transcript, cpu=self.cpu))

    def _workbench_on_top(self) -> WorkbenchScreen | None:
        return self.screen if isinstance(self.screen, WorkbenchScreen) else None

    async def action_browser_search(self) -> None:
        if (screen := self._workbench_on_top()) is not None:
            await screen.run_action("search")

    async def action_browser_save(self) -> None:
        if hasattr(self.screen, "action_save"):
            await self.screen.run_action("save")


def main() -> int:
    from qualcode.errors import QualcodeError
    from qualcode.project import Project

    # Ctrl+C in the server's terminal reaches this process too (same process group); the server
    # then closes the websocket, and that, not the signal, ends this workbench after its last commit.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raw = os.environ.get(ENVIRONMENT)
    if not raw:
        print(f"error: {ENVIRONMENT} is not set; this module is started by `qualcode serve`", file=sys.stderr)
        return 2
    config = SessionConfig.from_env(raw)
    try:
        project = Project.open(config.db)
    except QualcodeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        coders = [c.name for c in project.coders()]
        ServedWorkbenchApp(
            project, config.coder, coders=coders, allow_new_coders=config.allow_new_coders, transcript=config.transcript
        ).run()
    finally:
        project.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
