"""A list of passages drawn line by line: tens of thousands of rows, no widget per row.

Rows are group headings (one line) and passages (a line saying who, where and by whom, then
the coded text on ``TEXT_LINES`` lines). Row offsets are one running sum over the rows, so
finding the row under a screen line is a binary search, and only the rows in view are rendered
(their strips cached until the width, the cursor or the rows change).

The rows may come without their words (``Project.retrieve(texts=False)``): ``words`` gives a
passage with its words, or None while they are read; such a row is drawn with "reading…" and the
list asks for it (``WordsWanted``), and ``words_arrived`` draws it again.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from qualcode.analysis.retrieval import Passage
from qualcode.segments import clock, segment_ref
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import one_line, text_strip

TEXT_LINES = 2  # lines of coded text shown per passage; the detail pane shows all of it


@dataclass(frozen=True, slots=True)
class Heading:
    label: str
    passages: int
    participants: int


# The parts of a passage's heading, each a component class (``passage--who`` …) that a widget or
# screen drawing passages declares and styles in its .tcss: colours live there, not here.
PASSAGE_PARTS = ("who", "place", "muted", "coders", "memo", "speaker")
PASSAGE_COMPONENTS = {f"passage--{part}" for part in PASSAGE_PARTS}


@dataclass(frozen=True)
class PassageStyles:
    """How each part of a passage's heading is drawn, as the .tcss of the node drawing it says."""

    who: Style = Style()
    place: Style = Style()
    muted: Style = Style()
    coders: Style = Style()
    memo: Style = Style()
    speaker: Style = Style()

    @classmethod
    def of(cls, node: Widget) -> PassageStyles:
        """The styles ``node`` (a widget or screen declaring ``PASSAGE_COMPONENTS``) gives the parts."""
        return cls(**{part: node.get_component_rich_style(f"passage--{part}", partial=True) for part in PASSAGE_PARTS})


def passage_heading(
    p: Passage,
    styles: PassageStyles,
    *,
    gap: str = "   ",
    number: int | None = None,
    speaker: bool = False,
    coders: bool = True,
    memos: bool = False,
    attributes: bool = False,
) -> Text:
    """The one way a passage is headed, wherever passages are listed (the passages list, the
    passages screen's detail, a matrix cell's passages): who said it, where (transcript ¶N and
    the time), and, as asked, the speaker, the coders, the memos and the participant's attributes.

    ``12  P03   interview-03 ¶14 0:12:03   alice, bob  ✎1   Headteacher · School A``"""
    out = Text(end="")
    if number is not None:
        out.append(f"{number:>5} ", style=styles.muted)
    out.append_text(one_line(p.participant, styles.who))
    out.append(gap)
    out.append_text(one_line(p.transcript, styles.place))
    out.append(f" {segment_ref(p.position)}", style=styles.place)
    if p.time_start is not None:
        out.append(f" {clock(p.time_start)}", style=styles.muted)
    if speaker and p.speaker:
        out.append(gap)
        out.append_text(one_line(p.speaker, styles.speaker))
    if coders:
        out.append(gap)
        out.append_text(one_line(", ".join(p.coders), styles.coders))
    if memos and p.memos:
        out.append(f"  ✎{len(p.memos)}", style=styles.memo)
    values = [str(v) for v in p.attributes.values() if str(v or "").strip()]
    if attributes and values:
        out.append(gap)
        out.append_text(one_line(" · ".join(values), styles.muted))
    return out


class PassageList(ScrollView, can_focus=True):
    """Headings and passages; the cursor moves over passages only."""

    DEFAULT_CSS = stylesheet(__file__, "passage_list.tcss")
    COMPONENT_CLASSES = {
        "passage-list--cursor",
        "passage-list--heading",
        "passage-list--code",
        "passage-list--empty",
        *PASSAGE_COMPONENTS,
    }

    BINDINGS = [
        Binding("down,j", "cursor(1)", "Next", show=False, id="passages.next", tooltip="Next passage"),
        Binding("up,k", "cursor(-1)", "Previous", show=False, id="passages.previous", tooltip="Previous passage"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="passages.page_down", tooltip="A page down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="passages.page_up", tooltip="A page up"),
        Binding("home,g", "first", "First", show=False, id="passages.first", tooltip="First passage"),
        Binding("end,G", "last", "Last", show=False, id="passages.last", tooltip="Last passage"),
        Binding(
            "enter",
            "open",
            "Open",
            id="passages.open",
            tooltip="Open the passage in its transcript (Esc in the workbench comes back here)",
        ),
    ]

    class CursorMoved(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class Opened(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class WordsWanted(Message):
        """A passage was drawn before its words were read (its index among the passages)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[Heading | Passage] = []
        self.starts: list[int] = [0]  # first line of each row; one more entry: the total
        self.passage_rows: list[int] = []  # passage index -> row index
        self.numbers: list[int] = []  # row index -> passage number (1-based), 0 for headings
        self.cursor = 0
        self.show_code = False  # name each passage's code (when sub-codes are included)
        self.code_names: dict[str, str] = {}
        self.empty_message = "No passages."
        self.words: Callable[[Passage], Passage | None] = _as_given  # the passage with its words, None: being read
        self._cache: dict[tuple[int, int, bool], list[Strip]] = {}
        self._styles: PassageStyles | None = None

    # ------------------------------------------------------------------ attributes down

    def set_rows(self, rows: Sequence[Heading | Passage], cursor: int = 0) -> None:
        self.rows = list(rows)
        starts = [0]
        passage_rows = []
        numbers = []
        line = 0
        for i, row in enumerate(self.rows):
            if isinstance(row, Heading):
                line += 1
                numbers.append(0)
            else:
                passage_rows.append(i)
                numbers.append(len(passage_rows))
                line += 1 + TEXT_LINES
            starts.append(line)
        self.starts, self.passage_rows, self.numbers = starts, passage_rows, numbers
        self._cache.clear()
        self.cursor = max(0, min(cursor, len(passage_rows) - 1))
        self.virtual_size = Size(self.size.width, line)
        self.scroll_to(y=0, animate=False, immediate=True)
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.CursorMoved(self.cursor))

    def words_arrived(self) -> None:
        """Some passages' words were read: draw the rows again."""
        self._cache.clear()
        self.refresh()

    @property
    def current(self) -> Passage | None:
        """The passage under the cursor, with its words when they have been read."""
        if not self.passage_rows:
            return None
        row = self.rows[self.passage_rows[self.cursor]]
        return (self.words(row) or row) if isinstance(row, Passage) else None

    def move_to(self, index: int) -> None:
        if not self.passage_rows:
            return
        index = max(0, min(index, len(self.passage_rows) - 1))
        if index != self.cursor:
            self.cursor = index
            self._cache.clear()
            self.refresh()
            self.post_message(self.CursorMoved(index))
        self._scroll_to_cursor()

    # ------------------------------------------------------------------ keys

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        per_page = max(1, self.scrollable_content_region.height // (1 + TEXT_LINES))
        self.move_to(self.cursor + direction * per_page)

    def action_first(self) -> None:
        self.move_to(0)
        self.scroll_to(y=0, animate=False, immediate=True)

    def action_last(self) -> None:
        self.move_to(len(self.passage_rows) - 1)

    def action_open(self) -> None:
        if self.passage_rows:
            self.post_message(self.Opened(self.cursor))

    def _scroll_to_cursor(self) -> None:
        if not self.passage_rows:
            return
        row = self.passage_rows[self.cursor]
        top = self.starts[row]
        # Keep the group's heading in view when the cursor is on its first passage.
        if row > 0 and isinstance(self.rows[row - 1], Heading):
            top = self.starts[row - 1]
        self.scroll_to_region(Region(0, top, 1, self.starts[row + 1] - top), animate=False, immediate=True, force=True)

    # ------------------------------------------------------------------ mouse

    async def _on_click(self, event: events.Click) -> None:
        line = int(self.scroll_offset.y) + event.y
        row = bisect_right(self.starts, line) - 1
        if 0 <= row < len(self.rows) and isinstance(self.rows[row], Passage):
            index = self.numbers[row] - 1
            if event.chain > 1 and index == self.cursor:
                self.post_message(self.Opened(index))
            else:
                self.move_to(index)

    # ------------------------------------------------------------------ drawing

    def _on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.size.width, self.starts[-1])

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        self._styles = None

    @property
    def passage_styles(self) -> PassageStyles:
        if getattr(self, "_styles", None) is None:
            self._styles = PassageStyles.of(self)
        assert self._styles is not None
        return self._styles

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if not self.rows:
            if y == 1:
                style = self.get_component_rich_style("passage-list--empty", partial=True)
                return text_strip(Text(f"  {self.empty_message}", style=style), width, self.app.console).apply_style(
                    base
                )
            return Strip.blank(width, base)
        line = int(self.scroll_offset.y) + y
        if line >= self.starts[-1]:
            return Strip.blank(width, base)
        row = bisect_right(self.starts, line) - 1
        is_cursor = self.numbers[row] - 1 == self.cursor
        key = (row, width, is_cursor)
        strips = self._cache.get(key)
        if strips is None:
            if len(self._cache) > 500:
                self._cache.clear()
            strips = self._cache[key] = self._render_row(row, width, is_cursor)
        return strips[line - self.starts[row]]

    def _render_row(self, row: int, width: int, is_cursor: bool) -> list[Strip]:
        console = self.app.console
        base = self.rich_style
        item = self.rows[row]
        if isinstance(item, Heading):
            style = self.get_component_rich_style("passage-list--heading", partial=True)
            text = Text.assemble(
                one_line(item.label),
                (f"   {item.passages:,} passage{'s' * (item.passages != 1)}", "dim"),
                (f", {item.participants:,} participant{'s' * (item.participants != 1)}", "dim"),
                style=style,
            )
            return [text_strip(text, width, console).apply_style(base)]
        meta = passage_heading(item, self.passage_styles, number=self.numbers[row], memos=True, attributes=True)
        if self.show_code:
            code_style = self.get_component_rich_style("passage-list--code", partial=True)
            meta.append("  ")
            meta.append_text(one_line(self.code_names.get(item.code, item.code), code_style))
        full = self.words(item)
        if full is None:
            self.post_message(self.WordsWanted(self.numbers[row] - 1))
        body = one_line(full.text) if full is not None else Text("reading…", style="dim italic")
        indent = 6
        wrapped = body.wrap(console, max(10, width - indent), overflow="fold")
        lines = [meta]
        for i in range(TEXT_LINES):
            if i < len(wrapped):
                piece = wrapped[i]
                piece.rstrip()
                if i == TEXT_LINES - 1 and len(wrapped) > TEXT_LINES:
                    piece.truncate(max(1, width - indent - 1))
                    piece.append("…", style="dim")
                lines.append(Text(" " * indent, end="") + piece)
            else:
                lines.append(Text(""))
        strips = [text_strip(t, width, console) for t in lines]
        if is_cursor:
            cursor = self.get_component_rich_style("passage-list--cursor", partial=True)
            strips = [s.apply_style(cursor) for s in strips]
        return [s.apply_style(base) for s in strips]


def _as_given(passage: Passage) -> Passage | None:
    return passage
