"""Writing a memo on a segment, a coding or a code."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import TextArea

from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserStatic
from qualcode.tui.widgets.fields import ProseArea


class MemoDialog(ModalScreen[str | None]):
    """Returns the new memo text ("" deletes the memo), or None when cancelled."""

    DEFAULT_CSS = stylesheet(__file__, "memo_dialog.tcss", "dialog.tcss")
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="memo.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="memo.cancel"),
    ]

    def __init__(self, title: Text | str, text: str = "") -> None:
        super().__init__()
        self._title, self._text = title, text

    def compose(self):
        with Vertical(classes="dialog"):
            yield UserStatic(self._title, classes="dialog-title")
            yield ProseArea(self._text, id="memo-text")
            yield UserStatic("Ctrl+S: save (empty deletes the memo) · Esc: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
