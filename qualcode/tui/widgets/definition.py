"""The definition panel: the highlighted code's full definition, always at hand while coding."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.containers import VerticalScroll

from qualcode.records import CodeInfo, MemoInfo
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserStatic, plain, swatch


def definition_text(code: CodeInfo | None, path: list[str], usage: str, memo: MemoInfo | None) -> Group | Text:
    if code is None:
        return Text("Highlight a code in the codebook to see its definition.", style="italic dim")
    parts: list[Text] = []
    title = swatch(code.color)
    title.append_text(plain(code.name, style="bold"))
    parts.append(title)
    if len(path) > 1:
        parts.append(plain(" › ".join(path[:-1]), style="dim"))
    parts.append(Text.assemble(("id ", "dim"), plain(code.key, style="dim italic")))
    if usage:
        parts.append(plain(usage, style="dim"))
    for label, value in (
        ("Description", code.description),
        ("Include", code.include),
        ("Exclude", code.exclude),
        ("Example", code.example),
    ):
        parts.append(Text(""))
        parts.append(Text(label, style="bold underline"))
        if value:
            body = plain(f"“{value}”" if label == "Example" else value)
            if label == "Example":
                body.stylize("italic")
            parts.append(body)
        else:
            parts.append(Text("—", style="dim"))
    if code.keywords:
        parts.append(Text(""))
        parts.append(Text("Keywords", style="bold underline"))
        parts.append(plain(", ".join(code.keywords)))
    if memo is not None:
        parts.append(Text(""))
        parts.append(Text("Your memo", style="bold underline"))
        parts.append(plain(memo.text))
    for part in parts:
        part.end = "\n"
    return Group(*parts)


class DefinitionPanel(VerticalScroll, can_focus=False):
    DEFAULT_CSS = stylesheet(__file__, "definition_panel.tcss")

    def compose(self):
        yield UserStatic(definition_text(None, [], "", None), id="definition-body")

    def on_mount(self) -> None:
        self._shown: tuple | None = None
        self._body = self.query_one("#definition-body", UserStatic)

    def show(self, code: CodeInfo | None, path: list[str], usage: str = "", memo: MemoInfo | None = None) -> None:
        shown = (code, tuple(path), usage, memo)
        if shown == self._shown:
            return
        same_code = self._shown is not None and self._shown[0] == code and self._shown[3] == memo
        self._shown = shown
        # Only the usage line changed (a coding was added): same height, no new layout needed.
        self._body.update(definition_text(code, path, usage, memo), layout=not same_code)
        if not same_code:
            self.scroll_home(animate=False)
