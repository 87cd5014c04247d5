"""The help screen (?): every key by pane, and how the workbench works."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from qualcode.tui.keys import KeyEntry, key_display
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserStatic

INTRO = (
    "Code a transcript: move to a segment (↑↓ in the transcript pane), highlight a code in the "
    "codebook (or press / and type part of its name), and press a or Enter. Press v to code only "
    "part of a segment. Every change is saved at once; u undoes it, even after a restart. "
    "The command palette ({palette}) lists every command."
)


def add_key_rows(table: Table, entries: list[KeyEntry]) -> None:
    """The keys of ``entries`` as rows of a two-column help table, a heading before each section."""
    section = None
    for entry in entries:
        if entry.section != section:
            section = entry.section
            table.add_row("", "")
            table.add_row("", Text(section, style="bold underline"))
        table.add_row(Text(" ".join(entry.keys)), Text(entry.description))


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = stylesheet(__file__, "help_screen.tcss")
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close")]

    def __init__(self, entries: list[KeyEntry]) -> None:
        super().__init__()
        self.entries = entries

    def compose(self):
        with VerticalScroll(id="help-scroll"):
            yield UserStatic(
                Text.assemble(("qualcode workbench", "bold"), ("   Esc closes this screen; ↑↓ scroll", "dim"))
            )
            palette = key_display(self.app, self.app.COMMAND_PALETTE_BINDING)
            yield UserStatic(Text(INTRO.format(palette="Ctrl+P" if palette == "^p" else palette)), id="help-intro")
            yield UserStatic(self._content(), id="help-body")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def _content(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", style="bold", no_wrap=True)
        table.add_column()
        if browser_keys := getattr(self.app, "browser_keys", ()):  # set by `qualcode serve`
            table.add_row("", "")
            table.add_row(
                "", Text("In a browser: keys it may keep for itself, and what to press instead", style="bold underline")
            )
            for taken, instead, what in browser_keys:
                table.add_row(Text(instead), Text(f"instead of {taken}: {what}"))
        add_key_rows(table, self.entries)
        table.add_row("", "")
        table.add_row(
            Text("mouse"),
            Text(
                "click a transcript, segment or code; double-click a code to apply it; "
                "drag across a segment's text to select a span; scroll with the wheel"
            ),
        )
        return table

    def action_close(self) -> None:
        self.dismiss(None)
