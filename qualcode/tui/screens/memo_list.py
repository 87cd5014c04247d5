"""Every memo in the project on one screen: on segments, codings, codes and transcripts.

One project call reads every memo with its place (``Project.memo_entries``, what ``qualcode
memos`` lists); the search box then filters the memos already read as you type, by the memo's
text without case, as ``qualcode memos --search`` does. Enter opens the memo's place in the
workbench (the segment in its transcript, the code in the codebook, or the transcript), and Esc
or Backspace there comes back here.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, OptionList

from qualcode.export.memos import place
from qualcode.project.memos import MAX_SEARCH_CHARS
from qualcode.records import MemoEntry
from qualcode.tui.screens.analysis_base import AnalysisScreen, MemoOpened
from qualcode.tui.text import UserOptionList, UserStatic, excerpt, one_line, option, plain
from qualcode.tui.widgets.passages import PassageStyles

EXCERPT = 200  # characters of the memo on its line in the list


def matching(memos: Sequence[MemoEntry], search: str) -> list[MemoEntry]:
    """The memos whose text holds ``search`` (without case), in their order; every memo for a
    blank search. The same meaning as ``Project.memo_entries(search=…)``."""
    needle = search.strip().casefold()
    return [m for m in memos if needle in m.text.casefold()] if needle else list(memos)


def memo_line(m: MemoEntry, styles: PassageStyles) -> Text:
    """One row of the list: where, who, and the start of the memo (coloured as passages are)."""
    line = Text(end="")
    line.append_text(one_line(place(m), styles.place))
    line.append("  ")
    line.append_text(one_line(m.coder, styles.coders))
    line.append("  ")
    line.append_text(one_line(excerpt(" ".join(m.text.split()), EXCERPT)))
    return line


class MemoListScreen(AnalysisScreen):
    """Every memo, one line each (place, coder, the start of the memo), with a search box."""

    HELP_TITLE = "Memos"
    HELP_INTRO = (
        "Every memo in the project: on segments, on codings, on codes and on transcripts, by every "
        "coder, as qualcode memos lists them. Type in the search box to keep the memos whose text "
        "contains what you type (without case). The pane beside the list shows the whole memo and "
        "the words it is about. Enter opens the memo's place: the segment in its transcript, the "
        "code in the codebook, or the transcript; Esc or Backspace there comes back here."
    )
    NAME = "memos"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    BINDINGS = [
        Binding("slash", "search", "Search", id="memos.search", tooltip="Type to keep the memos containing a text"),
        Binding("down", "to_list", "", show=False, id="memos.to_list"),
        # Backspace goes back from the list; in the search box it deletes, and Esc goes back.
        Binding("backspace", "back", "", show=False, id="memos.back_backspace"),
        *AnalysisScreen.BINDINGS,
    ]

    def __init__(self, project) -> None:
        super().__init__(project)
        self.memos: list[MemoEntry] | None = None
        self.shown: list[MemoEntry] = []

    def title_text(self) -> Text:
        return Text("Memos", style="bold")

    def first_notes(self) -> None:
        return None  # the search box is under the title

    def compose_body(self):
        yield Input(
            placeholder="Search the memos' text (type to filter)", id="memo-search", max_length=MAX_SEARCH_CHARS
        )
        with Horizontal(id="memos-body", classes="analysis-body"):
            yield UserOptionList(id="memo-list", classes="analysis-list")
            with VerticalScroll(id="memo-detail", classes="analysis-detail"):
                yield UserStatic(Text(""), id="memo-detail-text")

    def on_mount(self) -> None:
        self.list = self.query_one("#memo-list", OptionList)
        self.search = self.query_one("#memo-search", Input)
        self._count(Text("reading the memos…", style="italic"))
        self.search.focus()
        project = self.project
        # Names blacked out as on every other screen that shows passages.
        self.run_project(
            lambda: project.memo_entries(redact=True), self._loaded, description="reading memos", error=self._failed
        )

    def _count(self, text: Text) -> None:
        self.query_one("#memos-title", UserStatic).update(Text.assemble(("Memos", "bold"), "   ", text))

    def _failed(self, exc: BaseException) -> None:
        self._count(Text("The memos could not be read.", style="italic"))
        self.report(exc)

    def _loaded(self, memos: list[MemoEntry]) -> None:
        self.memos = memos
        self.apply_search()

    def apply_search(self) -> None:
        if self.memos is None:
            return
        keep = self.current
        self.shown = matching(self.memos, self.search.value)
        self.list.clear_options()
        styles = PassageStyles.of(self)
        self.list.add_options([option(memo_line(m, styles)) for m in self.shown])
        if self.shown:
            self.list.highlighted = next((i for i, m in enumerate(self.shown) if m is keep), 0)
        total = len(self.memos)
        if not total:
            counted = Text("No memos yet: m writes one on a segment, a coding or a code.", style="italic")
        elif len(self.shown) == total:
            counted = Text(f"{total:,} memo{'s' * (total != 1)}", style="bold")
        else:
            counted = Text(f"{len(self.shown):,} of {total:,} memos contain ", style="bold")
            counted.append_text(one_line(repr(self.search.value.strip())))
        self._count(counted)
        self._show_detail()

    @property
    def current(self) -> MemoEntry | None:
        index = self.list.highlighted if hasattr(self, "list") else None
        if index is None or not 0 <= index < len(self.shown):
            return None
        return self.shown[index]

    @on(Input.Changed, "#memo-search")
    def _searched(self, message: Input.Changed) -> None:
        message.stop()
        self.apply_search()

    @on(Input.Submitted, "#memo-search")
    def _submitted(self, message: Input.Submitted) -> None:
        message.stop()
        self._open(self.current)

    @on(OptionList.OptionHighlighted, "#memo-list")
    def _moved(self, message: OptionList.OptionHighlighted) -> None:
        message.stop()
        self._show_detail()

    @on(OptionList.OptionSelected, "#memo-list")
    def _selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        self._open(self.current)

    def _open(self, memo: MemoEntry | None) -> None:
        if memo is not None:
            self.post_message(MemoOpened(memo))

    def _show_detail(self) -> None:
        self.query_one("#memo-detail-text", UserStatic).update(self.detail_text(self.current))

    def detail_text(self, m: MemoEntry | None) -> Group | Text:
        if m is None:
            return Text("")
        head = Text()
        styles = PassageStyles.of(self)
        head.append_text(one_line(place(m), styles.place))
        head.append("\n")
        head.append_text(one_line(m.coder, styles.coders))
        parts: list[Text] = [head]
        if m.passage:
            parts += [Text(""), plain(m.passage, "dim")]
        parts += [Text(""), Text.assemble(("memo ", styles.memo), plain(m.text))]
        return Group(*parts)

    def action_search(self) -> None:
        self.search.focus()

    def action_to_list(self) -> None:
        """Down in the search box goes to the list (the list moves its own cursor)."""
        if self.shown:
            self.list.focus()
