"""The segment detail area: the current segment's codings and memo, and a slot for suggestions.

The suggestions panel (``qualcode.suggest``) goes into ``#suggestions-slot``: register a widget
class in ``SEGMENT_PANELS`` (see below). Each panel is mounted once into the slot and is told about
the current segment through ``show_segment(context)``; it changes data only through the screen's
project runner (``context.screen.run_project(...)``) and calls ``context.screen.refresh_codings()``
after accepting a suggestion, so what it does is committed before the screen shows it, and undo
covers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets.option_list import Option

from qualcode.records import CodingInfo, MemoInfo, SegmentInfo
from qualcode.tui.text import UserOptionList, UserStatic, chip, one_line, plain


@dataclass(frozen=True)
class SegmentContext:
    """What a panel in the segment detail area is told when the current segment changes."""

    screen: object  # the WorkbenchScreen
    coder: str
    segment: SegmentInfo | None
    codings: tuple[CodingInfo, ...]
    highlighted_code: str | None


class SegmentPanel(Protocol):
    def show_segment(self, context: SegmentContext) -> None: ...


# Widget classes mounted into the suggestions slot, in order. ``qualcode.suggest`` appends its
# panel here (e.g. ``SEGMENT_PANELS.append(SuggestionPanel)``) before the workbench starts.
SEGMENT_PANELS: list[type[Widget]] = []


def coding_prompt(c: CodingInfo, seg: SegmentInfo, memo: MemoInfo | None, mine: bool) -> Text:
    line = chip(c.code_name, c.color)
    if not mine:
        line = Text.assemble(plain(f"{c.coder}: ", style="dim"), line)
    if (c.start, c.end) != (seg.start, seg.end):
        quote = seg.text[c.start - seg.start:c.end - seg.start]
        line.append(" ")
        line.append_text(one_line("“" + (quote if len(quote) <= 60 else quote[:57] + "…") + "”", style="italic"))
    else:
        line.append("  whole segment", style="dim")
    if c.origin != "manual":
        line.append(f"  ({c.origin})", style="dim")
    if memo is not None:
        line.append("  ✎ ", style="dim")
        line.append_text(one_line(memo.text if len(memo.text) <= 60 else memo.text[:57] + "…", style="dim"))
    return line


class CodingList(UserOptionList):
    """The current segment's codings: remove one, memo it, or find its code in the codebook."""

    DEFAULT_CSS = """
    CodingList { height: auto; max-height: 6; border: none; background: $surface; padding: 0; }
    CodingList:focus { background: $boost; }
    """

    BINDINGS = [
        Binding("d,delete", "remove", "Remove", id="codings.remove", tooltip="Remove the chosen coding (yours only)"),
        Binding("m", "memo", "Memo", id="codings.memo", tooltip="Write a memo on the chosen coding"),
        Binding("enter", "select", "Show code", id="codings.show", tooltip="Show the chosen coding's code in the codebook"),
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

    def set_codings(self, codings: list[CodingInfo], seg: SegmentInfo | None, memos: dict[int, MemoInfo], coder: str) -> None:
        self.codings = codings
        if seg is None:
            self.set_options([])
            return
        keep = self.highlighted
        self.set_options(Option(coding_prompt(c, seg, memos.get(c.id), c.coder == coder), id=str(c.id)) for c in codings)
        if codings:
            self.highlighted = min(keep or 0, len(codings) - 1)

    def _chosen(self) -> CodingInfo | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self.codings):
            return None
        return self.codings[self.highlighted]

    def action_remove(self) -> None:
        c = self._chosen()
        if c is not None:
            self.post_message(self.RemoveRequested(c))

    def action_memo(self) -> None:
        c = self._chosen()
        if c is not None:
            self.post_message(self.MemoRequested(c))

    def on_option_list_option_selected(self, event: UserOptionList.OptionSelected) -> None:
        event.stop()
        c = self._chosen()
        if c is not None:
            self.post_message(self.ShowCode(c.code_key))


class SegmentDetail(Vertical):
    """Below the transcript: the current segment's codings, its memo, and the suggestions slot."""

    DEFAULT_CSS = """
    SegmentDetail { height: auto; max-height: 45%; border-top: solid $primary 50%; background: $surface; }
    SegmentDetail > #detail-title { color: $text-muted; height: 1; }
    SegmentDetail > #detail-memo { height: auto; max-height: 3; color: $text; }
    SegmentDetail > #suggestions-slot { height: auto; }
    """

    def compose(self):
        yield UserStatic("", id="detail-title")
        yield CodingList(id="coding-list")
        yield UserStatic("", id="detail-memo")
        # The suggestions engine's panel lives here (see SEGMENT_PANELS above).
        with Vertical(id="suggestions-slot"):
            for panel in SEGMENT_PANELS:
                yield panel()

    def show(self, seg: SegmentInfo | None, codings: list[CodingInfo], memos: dict[int, MemoInfo],
             segment_memo: MemoInfo | None, coder: str, other: str | None, context: SegmentContext) -> None:
        title = self.query_one("#detail-title", UserStatic)
        if seg is None:
            title.update(Text("No segment", style="dim"))
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
            title.update(head)
        self.query_one(CodingList).set_codings(codings, seg, memos, coder)
        memo_widget = self.query_one("#detail-memo", UserStatic)
        memo_widget.display = segment_memo is not None
        if segment_memo is not None:
            memo_widget.update(Text.assemble(("✎ memo: ", "bold"), plain(segment_memo.text)))
        for panel in self.query_one("#suggestions-slot").children:
            show = getattr(panel, "show_segment", None)
            if show is not None:
                show(context)
