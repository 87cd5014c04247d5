"""Small modal dialogs: confirm, ask for a line of text, choose from a list."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, ScreenResultType
from textual.widgets import Button, Input
from textual.widgets.option_list import Option

from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserOptionList, UserStatic
from qualcode.tui.widgets.fields import TextField


def typeahead_bindings(prefix: str) -> list[BindingType]:
    """Esc, and ↑↓ that move in the results while the cursor stays in the input."""
    return [
        Binding("escape", "cancel", "Cancel", id=f"{prefix}.cancel"),
        Binding("down", "move(1)", "Next", show=False, priority=True, id=f"{prefix}.next"),
        Binding("up", "move(-1)", "Previous", show=False, priority=True, id=f"{prefix}.previous"),
    ]


class TypeAheadDialog(ModalScreen[ScreenResultType]):
    """An ``Input`` above a ``UserOptionList`` of results (``RESULTS`` selects it): the shared
    moves of the code finder and the search. Subclasses add ``typeahead_bindings(their prefix)``."""

    RESULTS = ""

    def _focus_input(self) -> None:
        self.query_one(Input).focus()

    def action_move(self, delta: int) -> None:
        results = self.query_one(self.RESULTS, UserOptionList)
        if results.option_count:
            results.highlighted = max(0, min(results.option_count - 1, (results.highlighted or 0) + delta))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    DEFAULT_CSS = stylesheet(__file__, "confirm_dialog.tcss", "dialog.tcss")
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="dialog.yes"),
        Binding("n,escape", "answer(False)", "No", id="dialog.no"),
    ]

    def __init__(self, title: Text | str, body: Text | str = "", yes: str = "Yes") -> None:
        super().__init__()
        self._title, self._body, self._yes = title, body, yes

    def compose(self):
        with Vertical(classes="dialog"):
            yield UserStatic(self._title, classes="dialog-title")
            if self._body:
                yield UserStatic(self._body)
            with Horizontal():
                yield Button(self._yes, variant="warning", id="yes")
                yield Button("No", id="no")
            yield UserStatic("y: yes · n / Esc: no", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class TextPrompt(ModalScreen[str | None]):
    """One line of text (a code name, a file path); Enter accepts, Esc cancels."""

    DEFAULT_CSS = stylesheet(__file__, "text_prompt.tcss", "dialog.tcss")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(
        self, title: Text | str, value: str = "", placeholder: str = "", hint: str = "Enter: OK · Esc: cancel"
    ) -> None:
        super().__init__()
        self._title, self._value, self._placeholder, self._hint = title, value, placeholder, hint

    def compose(self):
        with Vertical(classes="dialog"):
            yield UserStatic(self._title, classes="dialog-title")
            yield TextField(value=self._value, placeholder=self._placeholder, id="prompt-input")
            yield UserStatic(self._hint, classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(ModalScreen[str | None]):
    """Pick one of a few labelled choices; returns the chosen id."""

    DEFAULT_CSS = stylesheet(__file__, "choice_dialog.tcss", "dialog.tcss")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(
        self, title: Text | str, choices: Sequence[tuple[str, Text | str]], hint: str = "Enter: choose · Esc: cancel"
    ) -> None:
        super().__init__()
        self._title, self._choices, self._hint = title, choices, hint

    def compose(self):
        with Vertical(classes="dialog"):
            yield UserStatic(self._title, classes="dialog-title")
            yield UserOptionList(
                *[Option(label if isinstance(label, Text) else Text(label), id=cid) for cid, label in self._choices],
                id="choices",
            )
            yield UserStatic(self._hint, classes="dialog-hint")

    def on_option_list_option_selected(self, event: UserOptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
