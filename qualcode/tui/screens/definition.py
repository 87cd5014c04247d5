"""The highlighted code's full name, path and definition in a box of its own (i): what a narrow
codebook pane cuts, and what replaces the definition pane when the terminal has no room for it."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from qualcode.records import CodeInfo, MemoInfo
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserStatic
from qualcode.tui.widgets.definition import definition_text


class DefinitionScreen(ModalScreen[None]):
    DEFAULT_CSS = stylesheet(__file__, "definition_screen.tcss")
    BINDINGS = [Binding("escape,i,q", "close", "Close", id="definition.close")]

    def __init__(self, code: CodeInfo, path: list[str], usage: str = "", memo: MemoInfo | None = None) -> None:
        super().__init__()
        self._body = definition_text(code, path, usage, memo)

    def compose(self):
        with VerticalScroll(id="definition-scroll"):
            yield UserStatic(self._body, id="definition-full")
            yield UserStatic(Text("Esc closes · ↑↓ scroll", style="dim"), id="definition-hint")

    def on_mount(self) -> None:
        self.query_one("#definition-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
