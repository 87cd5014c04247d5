"""The fuzzy code finder: type a few letters of a code's name, id, keyword or definition."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Input
from textual.widgets.option_list import Option

from qualcode import codetree
from qualcode.records import CodeInfo
from qualcode.tui.ranking import rank_codes
from qualcode.tui.screens.dialogs import TypeAheadDialog, typeahead_bindings
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserOptionList, UserStatic, one_line, swatch
from qualcode.tui.widgets.fields import TextField

TOP_LEVEL = "\x00top"  # the "no parent" choice when picking where to move a code


def finder_prompt(code: CodeInfo, path: str, why: str) -> Text:
    line = swatch(code.color)
    line.append_text(one_line(code.name, style="bold"))
    line.append("  ")
    line.append_text(one_line(code.key, style="dim"))
    if path:
        line.append("\n  ")
        line.append_text(one_line(path, style="dim italic"))
    if why in ("keyword", "definition"):
        line.append(f"  (matched its {why})", style="dim")
    return line


class CodeFinder(TypeAheadDialog[str | None]):
    """Returns the chosen code's id (or ``TOP_LEVEL``), or None when cancelled."""

    DEFAULT_CSS = stylesheet(__file__, "code_finder.tcss", "dialog.tcss")
    BINDINGS = typeahead_bindings("finder")
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]
    RESULTS = "#finder-results"

    def __init__(
        self,
        codes: list[CodeInfo],
        title: Text | str = "Apply a code",
        query: str = "",
        allow_top_level: bool = False,
        exclude: set[str] | None = None,
        hint: str = "type part of a name, id or keyword · ↑↓ choose · Enter: apply · Esc: cancel",
    ) -> None:
        super().__init__()
        self.codes = [c for c in codes if c.key not in (exclude or set())]
        by_key = {c.key: c for c in codes}
        self.paths = {c.key: " › ".join(_ancestors(c, by_key)) for c in codes}
        self._title, self._query, self._hint = title, query, hint
        self.allow_top_level = allow_top_level
        self.keys: list[str] = []

    def compose(self):
        with Vertical(classes="dialog"):
            yield UserStatic(self._title, classes="dialog-title")
            yield TextField(value=self._query, placeholder="code name, id, keyword…", id="finder-input")
            yield UserOptionList(id="finder-results")
            yield UserStatic(self._hint, classes="dialog-hint")

    def on_mount(self) -> None:
        self._focus_input()
        self._refresh(self._query)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._refresh(event.value)

    def _refresh(self, query: str) -> None:
        results = self.query_one("#finder-results", UserOptionList)
        ranked = rank_codes(query, self.codes)
        options = []
        self.keys = []
        if self.allow_top_level and not query:
            options.append(Option(Text("(top level: no parent)", style="italic"), id=TOP_LEVEL))
            self.keys.append(TOP_LEVEL)
        for r in ranked:
            options.append(Option(finder_prompt(r.code, self.paths.get(r.code.key, ""), r.why), id=r.code.key))
            self.keys.append(r.code.key)
        results.set_options(options)
        if options:
            results.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        results = self.query_one("#finder-results", UserOptionList)
        if results.highlighted is not None and results.option_count:
            self.dismiss(self.keys[results.highlighted])

    def on_option_list_option_selected(self, event: UserOptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


def _ancestors(code: CodeInfo, by_key: dict[str, CodeInfo]) -> list[str]:
    parents = {key: c.parent_key for key, c in by_key.items()}
    return [by_key[key].name for key in reversed(codetree.ancestors(parents, code.key))]
