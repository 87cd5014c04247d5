"""The segment detail area: the current segment's codings and memo, and a slot for suggestions.

The suggestions panel (``qualcode.suggest``) goes into ``#suggestions-slot``: register a widget
class in ``SEGMENT_PANELS`` (see below). Each panel is mounted once into the slot and is told about
the current segment through ``show_segment(context)``; it changes data only through the screen's
project runner (``context.screen.run_project(...)``) and calls ``context.screen.refresh_codings()``
after accepting a suggestion, so what it does is committed before the screen shows it, and undo
covers it. CPU-heavy work (training the model, named entities) goes through
``context.screen.run_cpu(fn, *args, then=..., description=...)``: a separate process, with the
status bar showing it while it runs. Its keys (accept, reject) are ordinary bindings on the panel:
the footer shows them when it has focus, and the help screen and command palette list them
(under the panel's ``HELP_TITLE``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from qualcode.project import Project
from qualcode.records import CodingInfo, MemoInfo, SegmentInfo
from qualcode.tui.runner import ProjectCaller
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserStatic, chip, excerpt, one_line, plain, text_strip

T = TypeVar("T")


class PanelHost(ProjectCaller, Protocol):
    """What a panel in the segment detail area may use of the screen it is in (the workbench)."""

    project: Project

    @property
    def app(self) -> App[object]: ...

    def run_cpu(
        self,
        fn: Callable[..., T],
        *args: object,
        then: Callable[[T], None] | None = None,
        error: Callable[[BaseException], None] | None = None,
        description: str = "working",
    ) -> None: ...

    def refresh_codings(self) -> None: ...


@dataclass(frozen=True)
class SegmentContext:
    """What a panel in the segment detail area is told when the current segment changes."""

    screen: PanelHost
    coder: str
    segment: SegmentInfo | None
    codings: tuple[CodingInfo, ...]
    highlighted_code: str | None


# Widget classes mounted into the suggestions slot, in order. ``qualcode.suggest`` appends its
# panel here (e.g. ``SEGMENT_PANELS.append(SuggestionPanel)``) before the workbench starts.
SEGMENT_PANELS: list[type[Widget]] = []


def coding_prompt(c: CodingInfo, seg: SegmentInfo, memo: MemoInfo | None, mine: bool) -> Text:
    # The chip as a span, not the line's base style: what follows it is not in its colours.
    line = Text(end="")
    if not mine:
        line.append_text(plain(f"{c.coder}: ", style="dim"))
    line.append_text(chip(c.code_name, c.color))
    above, below = c.start < seg.start, c.end > seg.end  # one passage over several turns
    lo, hi = max(c.start, seg.start) - seg.start, min(c.end, seg.end) - seg.start  # its part in this turn
    if (lo, hi) != (0, seg.end - seg.start):
        line.append(" ")
        line.append_text(one_line("“" + excerpt(seg.text[lo:hi], 60) + "”", style="italic"))
    elif not (above or below):
        line.append("  whole segment", style="dim")
    if above or below:
        where = "the turns above and below" if above and below else ("the turn above" if above else "the next turn")
        line.append(f"  one passage with {where}", style="dim")
    if c.origin != "manual":
        line.append(f"  ({c.origin})", style="dim")
    if memo is not None:
        line.append("  ✎ ", style="dim")
        line.append_text(one_line(excerpt(memo.text, 60), style="dim"))
    return line


class CodingList(Widget, can_focus=True):
    """The current segment's codings: remove one, memo it, or find its code in the codebook.

    Drawn as plain lines (no widget per coding, no scrolling), so that adding a coding repaints
    these few lines and nothing else on the screen.
    """

    DEFAULT_CSS = stylesheet(__file__, "coding_list.tcss")
    COMPONENT_CLASSES = {"codings--cursor"}

    BINDINGS = [
        Binding("d,delete", "remove", "Remove", id="codings.remove", tooltip="Remove the chosen coding (yours only)"),
        Binding("m", "memo", "Memo", id="codings.memo", tooltip="Write a memo on the chosen coding"),
        Binding(
            "enter",
            "show_code",
            "Show code",
            id="codings.show",
            tooltip="Show the chosen coding's code in the codebook",
        ),
        Binding("down,j", "move(1)", "Down", show=False, id="codings.down"),
        Binding("up,k", "move(-1)", "Up", show=False, id="codings.up"),
    ]

    class RemoveRequested(Message):
        def __init__(self, coding: CodingInfo) -> None:
            super().__init__()
            self.coding = coding

    class MemoRequested(Message):
        def __init__(self, coding: CodingInfo) -> None:
            super().__init__()
            self.coding = coding

    class ShowCode(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.codings: list[CodingInfo] = []
        self.prompts: list[Text] = []
        self.highlighted: int | None = None
        self._shown: tuple | None = None
        self._strips: tuple[tuple, list[Strip]] | None = None  # (size and cursor drawn for, lines)

    def set_codings(
        self, codings: list[CodingInfo], seg: SegmentInfo | None, memos: dict[int, MemoInfo], coder: str
    ) -> None:
        shown = (seg.id if seg and codings else None, tuple(codings), tuple(memos.get(c.id) for c in codings), coder)
        if shown == self._shown:
            return  # e.g. moving between two uncoded segments: nothing to draw again
        self._shown = shown
        keep = self.highlighted
        self.codings = codings if seg is not None else []
        self.prompts = [coding_prompt(c, seg, memos.get(c.id), c.coder == coder) for c in codings] if seg else []
        self._strips = None
        self.highlighted = min(keep or 0, len(self.codings) - 1) if self.codings else None
        self.refresh()

    def _draw(self) -> list[Strip]:
        """The visible lines, as strips built once per change (a repaint reuses them)."""
        width, height = self.size.width, max(1, self.size.height)
        key = (width, height, self.highlighted)
        if self._strips is not None and self._strips[0] == key:
            return self._strips[1]
        # More codings than lines: the last line says how many more there are below.
        rows = height if len(self.prompts) <= height else max(1, height - 1)
        top = 0
        if self.highlighted is not None and self.highlighted >= rows:
            top = self.highlighted - rows + 1
        console, base = self.app.console, self.rich_style
        strips = []
        for i, prompt in enumerate(self.prompts[top : top + rows], top):
            strip = text_strip(prompt, width, console)
            if i == self.highlighted:  # under the chips, across the pane's width
                strip = strip.apply_style(self.get_component_rich_style("codings--cursor"))
            strips.append(strip.apply_style(base))
        below = len(self.prompts) - top - rows
        if below > 0 and len(strips) < height:
            strips.append(text_strip(Text(f"  (+{below} more: ↓)", style="dim"), width, console).apply_style(base))
        strips += [Strip.blank(width, base)] * (height - len(strips))
        self._strips = (key, strips)
        return strips

    def render_line(self, y: int) -> Strip:
        strips = self._draw()
        return strips[y] if y < len(strips) else Strip.blank(self.size.width)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None

    def _chosen(self) -> CodingInfo | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self.codings):
            return None
        return self.codings[self.highlighted]

    def action_move(self, delta: int) -> None:
        if self.codings:
            self.highlighted = max(0, min(len(self.codings) - 1, (self.highlighted or 0) + delta))
            self.refresh()

    def action_remove(self) -> None:
        c = self._chosen()
        if c is not None:
            self.post_message(self.RemoveRequested(c))

    def action_memo(self) -> None:
        c = self._chosen()
        if c is not None:
            self.post_message(self.MemoRequested(c))

    def action_show_code(self) -> None:
        c = self._chosen()
        if c is not None:
            self.post_message(self.ShowCode(c.code_key))

    def on_click(self, event) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and 0 <= offset.y < len(self.codings):
            self.highlighted = offset.y
            self.refresh()


class SegmentDetail(Vertical):
    """Below the transcript: the current segment's codings, its memo, and the suggestions slot."""

    DEFAULT_CSS = stylesheet(__file__, "segment_detail.tcss")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._memo_shown: MemoInfo | None = None  # what the memo line shows, so an unchanged memo is not drawn again

    def compose(self):
        yield UserStatic("", id="detail-title")
        yield CodingList(id="coding-list")
        yield UserStatic("", id="detail-memo")
        # The suggestions engine's panel lives here (see SEGMENT_PANELS above).
        with Vertical(id="suggestions-slot"):
            for panel in SEGMENT_PANELS:
                yield panel()

    def show(
        self,
        seg: SegmentInfo | None,
        codings: list[CodingInfo],
        memos: dict[int, MemoInfo],
        segment_memo: MemoInfo | None,
        coder: str,
        other: str | None,
        context: SegmentContext,
    ) -> None:
        title = self.query_one("#detail-title", UserStatic)
        if seg is None:
            title.update(Text("No segment", style="dim"), layout=False)
        else:
            mine = sum(1 for c in codings if c.coder == coder)
            head = Text(f"Segment {seg.position + 1} · ", end="")
            head.append_text(one_line(seg.speaker or "no speaker"))
            head.append(f" · {mine} code{'s' if mine != 1 else ''} by you")
            if other is not None:
                theirs = sum(1 for c in codings if c.coder == other)
                head.append(f", {theirs} by ")
                head.append_text(one_line(other))
            if not codings:
                head.append(" — a: apply the highlighted code, /: find a code", style="dim")
            title.update(head, layout=False)
        self.query_one(CodingList).set_codings(codings, seg, memos, coder)
        memo_widget = self.query_one("#detail-memo", UserStatic)
        if memo_widget.display != (segment_memo is not None):
            memo_widget.display = segment_memo is not None
        if segment_memo is not None and self._memo_shown != segment_memo:
            memo_widget.update(Text.assemble(("✎ memo: ", "bold"), plain(segment_memo.text)))
        self._memo_shown = segment_memo
        for panel in self.query_one("#suggestions-slot").children:
            show = getattr(panel, "show_segment", None)
            if show is not None:
                show(context)
