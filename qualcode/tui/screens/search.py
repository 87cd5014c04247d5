"""Full-text search across every transcript; Enter opens the segment found."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input
from textual.widgets.option_list import Option

from qualcode.tui.errors import report
from qualcode.tui.screens.dialogs import TypeAheadDialog, typeahead_bindings
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserOptionList, UserStatic, one_line
from qualcode.tui.widgets.fields import TextField

SNIPPET = 110


def hit_prompt(hit) -> Text:
    head = one_line(hit.transcript, style="bold")
    head.append(f"  ¶{hit.position + 1}  ", style="dim")
    head.append_text(one_line(hit.speaker or "", style="dim"))
    if hit.participant:
        head.append_text(one_line(f"  ({hit.participant})", style="dim italic"))
    body = hit.text.replace("\n", " ")
    first = hit.matches[0][0] if hit.matches else 0
    start = max(0, first - SNIPPET // 3)
    if start:
        cut = body.rfind(" ", 0, start)
        start = cut + 1 if cut > 0 else start
    snippet = one_line(
        ("…" if start else "") + body[start : start + SNIPPET] + ("…" if start + SNIPPET < len(body) else "")
    )
    shift = start - (1 if start else 0)
    for a, b in hit.matches:
        if a - shift >= 0:
            snippet.stylize("bold reverse", a - shift, b - shift)
    head.append("\n")
    head.append_text(snippet)
    return head


@dataclass(frozen=True)
class CodeEveryHit:
    """What ``A`` on the hits asks the workbench: code every one of these segments (found by ``query``)."""

    query: str
    segment_ids: tuple[int, ...]


class SearchDialog(TypeAheadDialog[tuple[int, int, str] | CodeEveryHit | None]):
    """Returns (transcript id, segment id, query) for the hit opened, ``CodeEveryHit`` for ``A``
    on the hits, or None."""

    DEFAULT_CSS = stylesheet(__file__, "search_dialog.tcss", "dialog.tcss")
    BINDINGS = [
        *typeahead_bindings("search"),
        Binding(
            "A",
            "code_every_hit",
            "Code every hit",
            id="search.code_every_hit",
            tooltip="On the hits (Tab to them): apply one code to every segment found, as one change u undoes",
        ),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-medium"), (40, "-tall")]
    RESULTS = "#search-results"

    def __init__(self, project, query: str = "") -> None:
        super().__init__()
        self.project = project
        self._query = query
        self.hits: list = []

    def compose(self):
        with Vertical(classes="dialog"):
            yield UserStatic("Search all transcripts", classes="dialog-title")
            yield TextField(value=self._query, placeholder='words, or "a phrase"', id="search-input")
            yield UserStatic("", id="search-status", classes="dialog-hint")
            yield UserOptionList(id="search-results")
            yield UserStatic("↑↓ choose · Enter: open · Tab, A: code every hit · Esc: close", classes="dialog-hint")

    def on_mount(self) -> None:
        self._focus_input()
        if self._query:
            self.search(self._query)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#search-status", UserStatic).update(
            Text("searching…", style="italic") if event.value.strip() else ""
        )
        self.search(event.value)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def search(self, query: str) -> None:
        try:
            hits = self.project.search(query) if query.strip() else []
        except Exception as exc:  # said, never swallowed: a worker that does not exit on error drops it
            self.app.call_from_thread(self._failed, query, exc)
            return
        # In the order of the transcripts and of the segments in them, as a reader would go.
        hits.sort(key=lambda h: (h.transcript, h.position))
        self.app.call_from_thread(self._show, query, hits)

    def _failed(self, query: str, exc: BaseException) -> None:
        if query != self.query_one(Input).value:
            return  # a newer search is on its way
        self.query_one("#search-status", UserStatic).update(Text("search failed", style="italic"))
        report(self.app, exc)

    def _show(self, query: str, hits: list) -> None:
        if query != self.query_one(Input).value:
            return  # a newer search is on its way
        self.hits = hits
        results = self.query_one("#search-results", UserOptionList)
        results.set_options(Option(hit_prompt(h), id=str(i)) for i, h in enumerate(hits))
        if hits:
            results.highlighted = 0
        status = self.query_one("#search-status", UserStatic)
        if not query.strip():
            status.update("")
        else:
            n = len(hits)
            status.update(Text(f"{n}{'+' if n >= 200 else ''} segment{'s' if n != 1 else ''} found", style="italic"))

    def _open(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.hits):
            hit = self.hits[index]
            self.dismiss((hit.transcript_id, hit.segment_id, self.query_one(Input).value))

    def action_code_every_hit(self) -> None:
        """``A`` with the hits focused (in the search field it is a letter of the search)."""
        if not self.hits:
            self.notify("Search for something first: A codes every segment found.", severity="warning")
            return
        query = self.query_one(Input).value
        self.dismiss(CodeEveryHit(query, tuple(dict.fromkeys(h.segment_id for h in self.hits))))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._open(self.query_one("#search-results", UserOptionList).highlighted)

    def on_option_list_option_selected(self, event: UserOptionList.OptionSelected) -> None:
        event.stop()
        self._open(event.option_index)
