"""The help of an analysis screen (?): what it shows and its keys, from its bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from qualcode.tui.keys import KeyEntry
from qualcode.tui.screens.help import add_key_rows
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserStatic


class AnalysisHelp(ModalScreen[None]):
    DEFAULT_CSS = stylesheet(__file__, "analysis_help.tcss")
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="analysis_help.close")]

    def __init__(self, title: str, intro: str, entries: list[KeyEntry]) -> None:
        super().__init__()
        self.title_text, self.intro, self.entries = title, intro, entries

    def compose(self):
        with VerticalScroll(id="analysis-help-scroll"):
            yield UserStatic(Text.assemble((self.title_text, "bold"), ("   Esc closes this help; ↑↓ scroll", "dim")))
            if self.intro:
                yield UserStatic(Text(self.intro), id="analysis-help-intro")
            yield UserStatic(self._table(), id="analysis-help-body")

    def on_mount(self) -> None:
        self.query_one("#analysis-help-scroll").focus()

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", style="bold", no_wrap=True)
        table.add_column()
        add_key_rows(table, self.entries)
        return table

    def action_close(self) -> None:
        self.dismiss(None)
