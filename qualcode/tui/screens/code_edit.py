"""Editing a code's name and definition (and naming a new code)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, TextArea

from qualcode.records import CodeInfo
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserStatic
from qualcode.tui.widgets.fields import ProseArea, TextField

FIELDS = ("description", "include", "exclude", "example")


class CodeEditDialog(ModalScreen[dict | None]):
    """Returns the fields that changed (name, description, include, exclude, example, keywords,
    color), all of them for a new code, or None when cancelled."""

    DEFAULT_CSS = stylesheet(__file__, "code_edit_dialog.tcss", "dialog.tcss")
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="code_edit.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="code_edit.cancel"),
        # Checked by the app as each key arrives, before it is passed to the focused field: keys
        # that arrive in one burst (a paste, tmux) after a Tab land in the next field. Without
        # priority the Tab waits in the name field's queue behind them and they all land there.
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True, id="code_edit.next"),
        Binding(
            "shift+tab", "app.focus_previous", "Previous field", show=False, priority=True, id="code_edit.previous"
        ),
    ]

    def __init__(self, title: Text | str, code: CodeInfo | None = None) -> None:
        super().__init__()
        self._title = title
        self.code = code

    def compose(self):
        code = self.code
        with Vertical(classes="dialog"):
            yield UserStatic(self._title, classes="dialog-title")
            with VerticalScroll():
                yield Label("Name")
                yield TextField(value=code.name if code else "", id="field-name")
                for field in FIELDS:
                    yield Label(field.capitalize())
                    yield ProseArea(getattr(code, field) if code else "", id=f"field-{field}")
                yield Label("Keywords (comma-separated, for suggestions)")
                yield TextField(value=", ".join(code.keywords) if code else "", id="field-keywords")
                yield Label("Colour (#rrggbb; empty inherits the parent's)")
                yield TextField(value=(code.color or "") if code else "", id="field-color")
            yield UserStatic("Ctrl+S: save · Esc: cancel · Tab: next field", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#field-name", Input).focus()

    def values(self) -> dict:
        out: dict = {"name": self.query_one("#field-name", Input).value.strip()}
        for field in FIELDS:
            out[field] = self.query_one(f"#field-{field}", TextArea).text.strip()
        out["keywords"] = [k.strip() for k in self.query_one("#field-keywords", Input).value.split(",") if k.strip()]
        out["color"] = self.query_one("#field-color", Input).value.strip() or None
        return out

    def action_save(self) -> None:
        values = self.values()
        if self.code is None:
            self.dismiss(values)
            return
        original = {
            "name": self.code.name,
            **{f: getattr(self.code, f) for f in FIELDS},
            "keywords": list(self.code.keywords),
            "color": self.code.color,
        }
        # The colour shown is inherited when the code has none of its own: unchanged means unchanged.
        self.dismiss({k: v for k, v in values.items() if v != original[k]})

    def action_cancel(self) -> None:
        self.dismiss(None)
