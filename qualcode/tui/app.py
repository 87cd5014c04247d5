"""The workbench application: one screen, the project, and the command palette."""

from __future__ import annotations

from textual import on
from textual.app import App

from qualcode.project import Project
from qualcode.tui.commands import WorkbenchCommands
from qualcode.tui.runner import CpuRunner
from qualcode.tui.screens.analysis_base import MemoOpened, PassageOpened, PassagesWanted
from qualcode.tui.screens.workbench import WorkbenchScreen
from qualcode.tui.widgets import suggestions  # noqa: F401  registers the suggestions panel in the segment detail


class WorkbenchApp(App[None]):
    """``blink=False`` (tests, benchmarks) turns off cursor blinking and animations."""

    TITLE = "qualcode"
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    CSS_PATH = "app.tcss"

    def __init__(
        self,
        project: Project,
        coder: str,
        compare_with: str | None = None,
        transcript: str | None = None,
        *,
        blink: bool = True,
    ) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.compare_with = compare_with
        self.transcript = transcript
        self.blink = blink
        self.cpu = CpuRunner()  # CPU-heavy work for every screen, in one worker process
        if not blink:
            self.animation_level = "none"

    def on_unmount(self) -> None:
        # After every screen has closed: nothing is left to receive a result.
        self.cpu.shutdown()

    def get_default_screen(self) -> WorkbenchScreen:
        return WorkbenchScreen(self.project, self.coder, self.compare_with, self.transcript, cpu=self.cpu)

    @property
    def workbench(self) -> WorkbenchScreen:
        return self.get_default_screen_instance()

    # What the analysis screens ask for, by message (they import neither each other nor the workbench).

    @on(PassagesWanted)
    def _passages_wanted(self, message: PassagesWanted) -> None:
        self.workbench.analysis_actions.open_passages(message.request)

    @on(PassageOpened)
    def _passage_opened(self, message: PassageOpened) -> None:
        self.workbench.analysis_actions.open_passage(message.passage)

    @on(MemoOpened)
    def _memo_opened(self, message: MemoOpened) -> None:
        self.workbench.analysis_actions.open_memo(message.memo)

    def get_default_screen_instance(self) -> WorkbenchScreen:
        for screen in self.screen_stack:
            if isinstance(screen, WorkbenchScreen):
                return screen
        raise LookupError("the workbench screen is not open")
