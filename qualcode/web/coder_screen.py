"""The first screen of a browser tab: who is coding?

Known coders are listed; a new name can be typed when the server allows new coders. The choice
opens the ordinary workbench screen as that coder, and never anyone else. Where new names are
allowed, the name field keeps the focus from the start and the list of known coders takes none
(↑↓ move its highlight, a click picks): every key typed, however fast, lands in the field, and
focus never moves between widgets while keys are on their way. Enter opens the name typed, or the
highlighted coder when nothing is typed; a name nobody uses yet is confirmed before it becomes a
coder.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, OptionList

from qualcode.errors import QualcodeError
from qualcode.tui.screens.dialogs import ConfirmDialog
from qualcode.tui.text import UserOptionList, UserStatic, option, plain


class CoderScreen(Screen[None]):
    DEFAULT_CSS = """
    CoderScreen { align: center middle; }
    CoderScreen > Vertical { width: 64; max-width: 96%; height: auto; max-height: 90%;
                             border: round $primary; padding: 1 2; background: $panel; }
    CoderScreen #coder-title { text-style: bold; margin-bottom: 1; }
    CoderScreen #coder-list { height: auto; max-height: 16; margin-bottom: 1; }
    CoderScreen #coder-hint { color: $text-muted; margin-top: 1; }
    CoderScreen #coder-error { color: $error; }
    """
    BINDINGS = [
        Binding("escape", "focus_list", "Known coders", show=False),
        Binding("up", "move(-1)", "Previous coder", show=False),
        Binding("down", "move(1)", "Next coder", show=False),
    ]

    def __init__(self, project, coders: list[str], allow_new: bool) -> None:
        super().__init__()
        self.project = project
        self.coders = coders
        self.allow_new = allow_new

    def compose(self):
        with Vertical():
            yield UserStatic(Text.assemble("qualcode · ", plain(self.project.location)), id="coder-title")
            if self.coders:
                yield UserStatic("Who is coding? Pick your name (↑↓ and Enter, or click it).")
                yield UserOptionList(
                    *(option(plain(name), id=f"coder-{i}") for i, name in enumerate(self.coders)), id="coder-list"
                )
            if self.allow_new:
                yield UserStatic(
                    "A new coder? Type your name and press Enter."
                    if self.coders
                    else "Type your coder name and press Enter."
                )
                # Not select_on_focus: a letter typed just before the focus lands would be selected and
                # then replaced by the next one ("carol" became "arol").
                yield Input(placeholder="your name", id="coder-new", max_length=100, select_on_focus=False)
            elif not self.coders:
                yield UserStatic("This project has no coders yet and this server does not add new ones.")
            yield UserStatic("", id="coder-error")
            yield UserStatic("Each tab is its own workbench; every change is saved as you make it.", id="coder-hint")

    def on_mount(self) -> None:
        if self.allow_new:
            if self.coders:
                self.query_one("#coder-list", OptionList).can_focus = False
            self.query_one("#coder-new").focus()
        elif self.coders:
            self.query_one("#coder-list").focus()

    def action_focus_list(self) -> None:
        if self.coders and not self.allow_new:
            self.query_one("#coder-list").focus()

    def action_move(self, step: int) -> None:
        """↑↓ with the name field focused: the highlight moves in the list of known coders."""
        if self.coders and self.allow_new:
            known = self.query_one("#coder-list", OptionList)
            if step > 0:
                known.action_cursor_down()
            else:
                known.action_cursor_up()

    def on_key(self, event: events.Key) -> None:
        """Letters typed while the list has the focus start (or go on with) a new name: every key
        reaches the name field, however fast it comes after Tab or a click."""
        if not self.allow_new or not event.is_printable or not event.character:
            return
        field = self.query_one("#coder-new", Input)  # the field stops the keys it takes: this one it did not
        event.stop()
        event.prevent_default()
        field.focus()
        field.insert_text_at_cursor(event.character)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int((event.option.id or "coder-0").removeprefix("coder-"))
        self.run_worker(self._choose(self.coders[index], new=False), exclusive=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        if not name:  # nothing typed: the highlighted known coder
            if self.coders:
                index = self.query_one("#coder-list", OptionList).highlighted
                self.run_worker(self._choose(self.coders[index or 0], new=False), exclusive=True)
            return
        known = {c.casefold(): c for c in self.coders}
        if name.casefold() in known:
            self.run_worker(self._choose(known[name.casefold()], new=False), exclusive=True)
            return
        try:
            name = self.project.check_coder_name(name)
        except QualcodeError as exc:
            self.query_one("#coder-error", UserStatic).update(plain(str(exc)))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._choose(name, new=True), exclusive=True)
            else:
                self.query_one("#coder-new", Input).focus()

        self.app.push_screen(
            ConfirmDialog(
                Text.assemble("Add the new coder ", plain(name), "?"),
                Text.assemble(
                    "Nobody codes under this name in the project yet. y: add ",
                    plain(name),
                    " and open the workbench; n: back to correct it.",
                ),
                yes="Add",
            ),
            answered,
        )

    async def _choose(self, name: str, new: bool) -> None:
        try:
            info = await asyncio.to_thread(self._add_or_get if new else self.project.coder, name)
        except QualcodeError as exc:
            self.query_one("#coder-error", UserStatic).update(plain(str(exc)))
            return
        self.app.start_workbench(info.name)  # type: ignore[attr-defined]  # ServedWorkbenchApp

    def _add_or_get(self, name: str):
        try:
            return self.project.add_coder(name)
        except QualcodeError:
            try:  # another tab added the same name a moment ago: it is a known coder now
                return self.project.coder(name)
            except QualcodeError:
                pass
            raise
