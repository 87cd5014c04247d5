"""Switching coder without leaving the workbench: a dialog listing the project's coders.

The name field has the focus: ↑↓ move the highlight in the list, Enter takes the name typed, or
the highlighted coder when nothing is typed. A name nobody codes under yet is confirmed before it
becomes a coder (the workbench adds it). The workbench then shows that coder's codings, undo
history and progress (``WorkbenchScreen.switch_coder``).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Input

from qualcode.errors import QualcodeError
from qualcode.tui.screens.dialogs import ConfirmDialog, TypeAheadDialog, typeahead_bindings
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserOptionList, UserStatic, option, plain
from qualcode.tui.widgets.fields import TextField


@dataclass(frozen=True)
class CoderChoice:
    name: str
    new: bool  # confirmed: add this coder to the project


class CoderSwitchDialog(TypeAheadDialog[CoderChoice | None]):
    DEFAULT_CSS = stylesheet(__file__, "dialog.tcss")
    BINDINGS = typeahead_bindings("coder")
    RESULTS = "#coder-results"

    def __init__(self, project, coders: list[str], current: str, allow_new: bool = True) -> None:
        super().__init__()
        self.project = project
        self.coders = coders
        self.current = current
        self.allow_new = allow_new  # False where the server adds no coders (qualcode serve)

    def compose(self):
        with Vertical(classes="dialog"):
            yield UserStatic(Text.assemble("Switch coder (now ", plain(self.current), ")"), classes="dialog-title")
            yield TextField(placeholder="a new coder's name, or pick one below", id="coder-input")
            yield UserOptionList(
                *(
                    option(Text.assemble(plain(name), " (you now)" if name == self.current else ""), id=f"coder-{i}")
                    for i, name in enumerate(self.coders)
                ),
                id="coder-results",
            )
            yield UserStatic("", id="coder-error")
            yield UserStatic("↑↓ choose · Enter: code as them · a new name: type it · Esc", classes="dialog-hint")

    def on_mount(self) -> None:
        results = self.query_one(self.RESULTS, UserOptionList)
        results.can_focus = False  # every key typed lands in the name field
        if self.coders:
            others = [i for i, name in enumerate(self.coders) if name != self.current]
            results.highlighted = others[0] if others else 0
        self._focus_input()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        if not name:
            index = self.query_one(self.RESULTS, UserOptionList).highlighted
            if self.coders and index is not None:
                self.dismiss(CoderChoice(self.coders[index], new=False))
            return
        known = {c.casefold(): c for c in self.coders}
        if name.casefold() in known:
            self.dismiss(CoderChoice(known[name.casefold()], new=False))
            return
        if not self.allow_new:
            self.query_one("#coder-error", UserStatic).update("This server adds no new coders: pick one of the list.")
            return
        try:
            name = self.project.check_coder_name(name)
        except QualcodeError as exc:
            self.query_one("#coder-error", UserStatic).update(plain(str(exc)))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(CoderChoice(name, new=True))
            else:
                self._focus_input()

        self.app.push_screen(
            ConfirmDialog(
                Text.assemble("Add the new coder ", plain(name), "?"),
                Text.assemble("Nobody codes under this name yet. y: add ", plain(name), "; n: back to correct it."),
                yes="Add",
            ),
            answered,
        )

    def on_option_list_option_selected(self, event: UserOptionList.OptionSelected) -> None:
        event.stop()
        index = int((event.option.id or "coder-0").removeprefix("coder-"))
        self.dismiss(CoderChoice(self.coders[index], new=False))
