"""The transcript pane: segments rendered line by line from an index, never a widget per segment.

Only the segments on screen are laid out: the view keeps the index of the segment at the top
(and how many of its lines are scrolled off), renders from there until the pane is full, and
caches each segment's lines by width and version. A 5,000-segment transcript costs what a
20-segment one does. Each segment shows its position, speaker, the text (spans coded inside it
underlined) and the codes applied to it as coloured chips; in compare mode a second row of chips
shows the other coder's codes and the segment is marked where the two differ.

Span selection ("v"): a caret moves inside the current segment by word (arrows) or character
(h/l), shift extends, and applying a code then codes just the selected characters. Dragging
with the mouse across a segment's text selects too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rich.cells import get_character_cell_size
from rich.style import Style
from rich.text import Span, Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.strip import Strip
from textual.widget import Widget

from qualcode.records import CodingInfo, SegmentInfo
from qualcode.segments import clock
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import chip, display_text, plain, tab_width, text_strip

GUTTER = 2


@dataclass
class SegmentData:
    """What the screen tells the view about the open transcript (attributes down)."""

    segments: list[SegmentInfo] = field(default_factory=list)
    codings: dict[int, list[CodingInfo]] = field(default_factory=dict)  # segment id -> codings shown
    memos: set[int] = field(default_factory=set)  # segment ids with a memo by this coder
    coder: str = ""
    other: str | None = None
    matches: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)  # search hits, relative offsets


@dataclass(frozen=True)
class LineInfo:
    index: int  # segment index in the view, -1 for blank lines
    body_start: int = -1  # absolute offset of the first character on a body line, else -1
    body_end: int = -1


def wrap_offsets(text: str, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of ``text`` into lines of at most ``width`` cells, as (start, end) offsets.

    Breaks at spaces (which are not shown at line ends), splits words longer than a line, and
    keeps the text's own new lines. A tab reaches the next tab stop of its line. Offsets, not
    copies, so a click maps back to a character.
    """
    width = max(1, width)
    out: list[tuple[int, int]] = []
    ascii_only = text.isascii()
    para_start = 0
    length = len(text)
    while True:
        newline = text.find("\n", para_start)
        para_end = length if newline == -1 else newline
        i = para_start
        if i == para_end:
            out.append((i, i))
        while i < para_end:
            cells, j, last_space = 0, i, -1
            while j < para_end:
                ch = text[j]
                if ch == "\t":
                    w = tab_width(cells)
                else:
                    w = 1 if ascii_only else max(get_character_cell_size(ch), 0)
                if cells + w > width:
                    break
                cells += w
                if text[j] == " ":
                    last_space = j
                j += 1
            if j >= para_end:
                out.append((i, para_end))
                break
            if text[j] == " ":
                out.append((i, j))
                i = j
            elif last_space > i:
                out.append((i, last_space))
                i = last_space
            else:
                out.append((i, max(j, i + 1)))
                i = max(j, i + 1)
            while i < para_end and text[i] == " ":
                i += 1
        if newline == -1:
            break
        para_start = newline + 1
    return out


def expand_tabs(line: Text) -> Text:
    """One drawn line with each tab turned into the spaces to its tab stop, in the tab's style."""
    out = Text(end="")
    start = 0
    plain_line = line.plain
    while True:
        tab = plain_line.find("\t", start)
        if tab == -1:
            out.append_text(line[start:])
            return out
        out.append_text(line[start:tab])
        spaces = line[tab : tab + 1]
        width = tab_width(out.cell_len)
        spaces.plain = " " * width
        spaces.spans = [Span(0, width, span.style) for span in spaces.spans]
        out.append_text(spaces)
        start = tab + 1


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every word: the stops of word-wise selection ("don't" is one word)."""
    spans = []
    start = None
    for i, ch in enumerate(text):
        inside = ch.isalnum() or (ch in "'’-" and start is not None and i + 1 < len(text) and text[i + 1].isalnum())
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans


class SegmentView(Widget, can_focus=True):
    """The open transcript's segments; the screen sets ``data`` and handles the messages."""

    DEFAULT_CSS = stylesheet(__file__, "segment_view.tcss")

    COMPONENT_CLASSES = {
        "segment--cursor",
        "segment--gutter",
        "segment--header",
        "segment--speaker",
        "segment--interviewer",
        "segment--selection",
        "segment--caret",
        "segment--span",
        "segment--match",
        "segment--disagree",
        "segment--label",
        "segment--empty",
    }

    BINDINGS = [
        # Moving between segments
        Binding("down,j", "cursor(1)", "Next", show=False, id="segments.next", tooltip="Next segment"),
        Binding("up,k", "cursor(-1)", "Previous", show=False, id="segments.previous", tooltip="Previous segment"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="segments.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="segments.page_up"),
        Binding("home,g", "first", "First", show=False, id="segments.first", tooltip="First segment"),
        Binding("end,G", "last", "Last", show=False, id="segments.last", tooltip="Last segment"),
        # Coding (handled by the screen, which talks to the project)
        Binding(
            "a,enter",
            "screen.apply_code",
            "Apply",
            id="segments.apply",
            tooltip="Apply the code highlighted in the codebook to this segment (or to the selected span)",
        ),
        Binding(
            "p",
            "screen.play",
            "Play",
            show=False,
            id="segments.play",
            tooltip="Play the recording from this turn's start (the transcript's media: file, with mpv, ffplay, vlc or mplayer)",
        ),
        Binding(
            "v",
            "select_span",
            "Span",
            id="segments.select_span",
            tooltip="Select part of this segment (words or characters) to code just that span",
        ),
        Binding(
            "d,delete",
            "screen.remove_coding",
            "Remove",
            id="segments.remove",
            tooltip="Remove one of your codings from this segment (asks which when there are several)",
        ),
        Binding(
            "n",
            "screen.next_uncoded",
            "Uncoded",
            id="segments.next_uncoded",
            tooltip="Jump to the next segment you have not coded (interviewer turns are skipped)",
        ),
        Binding("m", "screen.memo_segment", "Memo", id="segments.memo", tooltip="Write a memo on this segment"),
        Binding(
            "f",
            "screen.filter_code",
            "Filter",
            id="segments.filter",
            tooltip="Show only the segments carrying the highlighted code (or a sub-code); f again shows all",
        ),
        Binding(
            "right_square_bracket",
            "screen.next_disagreement(1)",
            "Next difference",
            show=False,
            id="segments.next_disagreement",
            tooltip="Compare mode: next segment where the two coders differ",
        ),
        Binding(
            "left_square_bracket",
            "screen.next_disagreement(-1)",
            "Previous difference",
            show=False,
            id="segments.previous_disagreement",
            tooltip="Compare mode: previous segment where the two coders differ",
        ),
        # Suggestions (the current segment's first one; handled by the screen's suggestions panel)
        Binding(
            "y",
            "screen.suggestion('accept_top')",
            "Accept suggestion",
            show=False,
            id="segments.accept_suggestion",
            tooltip="Accept this segment's first suggestion",
        ),
        Binding(
            "x",
            "screen.suggestion('reject_top')",
            "Reject suggestion",
            show=False,
            id="segments.reject_suggestion",
            tooltip="Reject this segment's first suggestion",
        ),
        Binding(
            "S",
            "screen.suggestion('compute')",
            "Suggest",
            show=False,
            id="segments.suggest",
            tooltip="Find suggestions for the whole transcript (in the background)",
        ),
        Binding(
            "T",
            "screen.suggestion('train')",
            "Train model",
            show=False,
            id="segments.train",
            tooltip="Train a suggestion model on everyone's codings so far (in the background)",
        ),
        # Span selection mode
        Binding("right", "caret('word', 1)", "Next word", id="span.word_right", tooltip="Select the next word"),
        Binding("left", "caret('word', -1)", "Prev word", id="span.word_left", tooltip="Select the previous word"),
        Binding(
            "shift+right",
            "caret('word', 1, True)",
            "Extend",
            show=False,
            id="span.extend_word_right",
            tooltip="Extend the selection by a word",
        ),
        Binding(
            "shift+left",
            "caret('word', -1, True)",
            "Extend back",
            show=False,
            id="span.extend_word_left",
            tooltip="Shrink (or extend backwards) the selection by a word",
        ),
        Binding(
            "l", "caret('char', 1)", "Next char", show=False, id="span.char_right", tooltip="Select the next character"
        ),
        Binding(
            "h",
            "caret('char', -1)",
            "Prev char",
            show=False,
            id="span.char_left",
            tooltip="Select the previous character",
        ),
        Binding(
            "L",
            "caret('char', 1, True)",
            "Extend by char",
            show=False,
            id="span.extend_char_right",
            tooltip="Extend the selection by a character",
        ),
        Binding(
            "H",
            "caret('char', -1, True)",
            "Extend back by char",
            show=False,
            id="span.extend_char_left",
            tooltip="Shrink (or extend backwards) the selection by a character",
        ),
        Binding(
            "shift+end",
            "caret('end', 1, True)",
            "Extend to end",
            show=False,
            id="span.extend_end",
            tooltip="Extend the selection to the end of the segment",
        ),
        Binding(
            "shift+home",
            "caret('start', -1, True)",
            "Extend to start",
            show=False,
            id="span.extend_start",
            tooltip="Extend the selection to the start of the segment",
        ),
        Binding("escape", "cancel_span", "Cancel", id="span.cancel", tooltip="Leave span selection without coding"),
    ]

    class CursorMoved(Message):
        """The current segment changed."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class SelectionChanged(Message):
        """Span selection started, changed or ended (``span`` is None when it ended)."""

        def __init__(self, span: tuple[int, int] | None) -> None:
            super().__init__()
            self.span = span

    cursor: var[int] = var(0, init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data = SegmentData()
        self.top = 0  # index of the segment at the top of the pane
        self.top_skip = 0  # lines of that segment scrolled off the top
        self.selecting = False
        self.sel_anchor = 0  # absolute offsets while selecting
        self.caret = 0
        self._dragging = False
        self._lines_cache: LRUCache[tuple, list[tuple[Text, LineInfo]]] = LRUCache(2000)
        self._frame: list[tuple[Strip, LineInfo]] | None = None
        # Rendered strips per segment, reused while its laid-out lines (the same list object) stand.
        # (A dict: Textual's LRUCache keeps the first value set for a key.)
        self._strip_cache: dict[tuple, tuple[list, list[tuple[Strip, LineInfo]]]] = {}
        self._versions: dict[int, int] = {}
        self._global_version = 0
        self.first_frame_at: float | None = None
        self._style_memo: dict[str, Style] = {}

    # ------------------------------------------------------------------ attributes down

    def set_data(self, data: SegmentData, cursor: int = 0) -> None:
        """A new transcript, filter or compare mode: everything is laid out again."""
        self.data = data
        self._global_version += 1
        self._versions.clear()
        self.selecting = False
        self.top, self.top_skip = 0, 0
        self.set_reactive(SegmentView.cursor, self._clamp(cursor))
        self._scroll_to_cursor(center=True)
        self._invalidate()
        self.post_message(self.CursorMoved(self.cursor))

    def update_segments(self, segment_ids: set[int] | None = None) -> None:
        """Codings or memos of some segments (or all, with None) changed in ``data``."""
        if segment_ids is None:
            self._global_version += 1
        else:
            for sid in segment_ids:
                self._versions[sid] = self._versions.get(sid, 0) + 1
        self._invalidate()

    @property
    def current(self) -> SegmentInfo | None:
        segs = self.data.segments
        return segs[self.cursor] if 0 <= self.cursor < len(segs) else None

    @property
    def selection_span(self) -> tuple[int, int] | None:
        """The selected characters (absolute offsets), or None outside span selection."""
        if not self.selecting or self.sel_anchor == self.caret:
            return None
        return (min(self.sel_anchor, self.caret), max(self.sel_anchor, self.caret))

    def move_to(self, index: int, center: bool = False) -> None:
        self.cursor = self._clamp(index)
        self._scroll_to_cursor(center=center)
        self._invalidate()

    def end_selection(self) -> None:
        if self.selecting:
            self.selecting = False
            self._invalidate()
            self.post_message(self.SelectionChanged(None))
            self.refresh_bindings()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("caret", "cancel_span"):
            return self.selecting
        if action in ("cursor", "page", "first", "last", "select_span"):
            return not self.selecting
        return True

    def watch_cursor(self, old: int, new: int) -> None:
        if self.selecting:
            self.end_selection()
        self.post_message(self.CursorMoved(new))

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        visible = max(1, len({info.index for _, info in self._build_frame() if info.index >= 0}) - 1)
        self.move_to(self.cursor + direction * visible)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.data.segments) - 1)

    def action_select_span(self) -> None:
        seg = self.current
        if seg is None or seg.start == seg.end:
            return
        self.selecting = True
        words = word_spans(seg.text)
        a, b = words[0] if words else (0, len(seg.text))
        self.sel_anchor, self.caret = seg.start + a, seg.start + b
        self._invalidate()
        self.post_message(self.SelectionChanged(self.selection_span))
        self.refresh_bindings()

    def action_cancel_span(self) -> None:
        self.end_selection()

    def action_caret(self, unit: str, direction: int, extend: bool = False) -> None:
        """Move the selection by word or character; with ``extend`` move only its caret end."""
        seg = self.current
        if seg is None:
            return
        lo, hi = sorted((self.sel_anchor, self.caret))
        words = [(seg.start + a, seg.start + b) for a, b in word_spans(seg.text)]
        if unit == "end":
            self.caret = seg.end
        elif unit == "start":
            self.caret = seg.start
        elif unit == "char":
            if extend:
                self.caret += direction
            elif direction > 0 and hi < seg.end:
                self.sel_anchor, self.caret = hi, hi + 1
            elif direction < 0 and lo > seg.start:
                self.sel_anchor, self.caret = lo - 1, lo
        elif extend:
            if direction > 0:
                self.caret = next((b for a, b in words if b > self.caret), seg.end)
            else:
                self.caret = next((a for a, b in reversed(words) if a < self.caret), seg.start)
        else:
            if direction > 0:
                word = next(((a, b) for a, b in words if a >= hi), None)
            else:
                word = next(((a, b) for a, b in reversed(words) if b <= lo), None)
            if word is not None:
                self.sel_anchor, self.caret = word
        self.sel_anchor = max(seg.start, min(seg.end, self.sel_anchor))
        self.caret = max(seg.start, min(seg.end, self.caret))
        self._invalidate()
        self.post_message(self.SelectionChanged(self.selection_span))

    def select(self, start: int, end: int) -> None:
        """Select ``text[start:end]`` (absolute offsets) inside the current segment."""
        seg = self.current
        if seg is None:
            return
        self.selecting = True
        self.sel_anchor = max(seg.start, min(seg.end, start))
        self.caret = max(seg.start, min(seg.end, end))
        self._invalidate()
        self.post_message(self.SelectionChanged(self.selection_span))
        self.refresh_bindings()

    # ------------------------------------------------------------------ scrolling

    def _clamp(self, index: int) -> int:
        return max(0, min(index, len(self.data.segments) - 1)) if self.data.segments else 0

    def _height_of(self, index: int) -> int:
        return len(self._segment_lines(index))

    def _scroll_to_cursor(self, center: bool = False) -> None:
        height = max(1, self.size.height or 20)
        if not self.data.segments:
            self.top, self.top_skip = 0, 0
            return
        cursor = self.cursor
        if center:
            top, used = cursor, self._height_of(cursor)
            while top > 0 and used + self._height_of(top - 1) <= height // 2 + self._height_of(cursor):
                top -= 1
                used += self._height_of(top)
            self.top, self.top_skip = top, 0
            return
        if cursor <= self.top:
            self.top, self.top_skip = cursor, 0
            return
        # Make room below: the whole cursor segment should be visible when it fits.
        need = self._height_of(cursor)
        used = sum(self._height_of(i) for i in range(self.top, cursor)) - self.top_skip
        while used + need > height and self.top < cursor:
            used -= self._height_of(self.top) - self.top_skip
            self.top += 1
            self.top_skip = 0

    def scroll_lines(self, lines: int) -> None:
        if not self.data.segments:
            return
        if lines > 0:
            for _ in range(lines):
                if self.top_skip + 1 < self._height_of(self.top):
                    self.top_skip += 1
                elif self.top + 1 < len(self.data.segments):
                    self.top += 1
                    self.top_skip = 0
        else:
            for _ in range(-lines):
                if self.top_skip > 0:
                    self.top_skip -= 1
                elif self.top > 0:
                    self.top -= 1
                    self.top_skip = self._height_of(self.top) - 1
        self._invalidate()

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.scroll_lines(3)

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.scroll_lines(-3)

    # ------------------------------------------------------------------ mouse

    def _info_at(self, event: events.MouseEvent) -> tuple[LineInfo, int] | None:
        offset = event.get_content_offset_capture(self)
        frame = self._build_frame()
        if not 0 <= offset.y < len(frame):
            return None
        info = frame[offset.y][1]
        if info.index < 0:
            return None
        return info, offset.x

    def _char_at(self, info: LineInfo, x: int) -> int | None:
        if info.body_start < 0:
            return None
        seg = self.data.segments[info.index]
        cells = GUTTER
        pos = info.body_start
        while pos < info.body_end:
            ch = seg.text[pos - seg.start]
            w = tab_width(cells - GUTTER) if ch == "\t" else get_character_cell_size(ch)
            if cells + w > x:
                return pos
            cells += w
            pos += 1
        return info.body_end

    async def _on_mouse_down(self, event: events.MouseDown) -> None:
        found = self._info_at(event)
        if found is None:
            return
        info, x = found
        if info.index != self.cursor:
            self.cursor = info.index
            self._invalidate()
        char = self._char_at(info, x)
        if char is not None:
            self._dragging = True
            self._drag_anchor = char
            self.capture_mouse()

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        if not self._dragging:
            return
        found = self._info_at(event)
        seg = self.current
        if found is None or seg is None:
            return
        info, x = found
        if info.index != self.cursor:
            return
        char = self._char_at(info, x)
        if char is not None and char != self._drag_anchor:
            self.select(self._drag_anchor, char)

    async def _on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()

    # ------------------------------------------------------------------ rendering

    def _invalidate(self) -> None:
        """The view's state changed: repaint only the lines that now look different."""
        old = self._frame
        self._frame = None
        width = self.size.width
        if old is None or not width or not self.is_attached:
            self.refresh()
            return
        new = self._build_frame()
        start = None
        for y in range(max(len(old), len(new)) + 1):
            same = y < len(old) and y < len(new) and old[y][0] is new[y][0]
            done = y >= max(len(old), len(new))
            if not same and not done and start is None:
                start = y
            elif (same or done) and start is not None:
                self.refresh(Region(0, start, width, y - start))
                start = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines_cache.clear()
        self._strip_cache.clear()
        self._style_memo.clear()
        self._frame = None

    def _on_resize(self, event: events.Resize) -> None:
        self._frame = None
        self._scroll_to_cursor()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    def render_line(self, y: int) -> Strip:
        frame = self._build_frame()
        if y < len(frame):
            return frame[y][0]
        return Strip.blank(self.size.width, self.rich_style)

    def _build_frame(self) -> list[tuple[Strip, LineInfo]]:
        if self._frame is not None:
            return self._frame
        width, height = self.size.width, self.size.height
        frame: list[tuple[Strip, LineInfo]] = []
        base = self.rich_style
        console = self.app.console
        if not self.data.segments:
            message = Text("  No segments to show.", style=self._style("segment--empty"))
            frame.append((text_strip(message, width, console, overflow="crop").apply_style(base), LineInfo(-1)))
        index, skip = self.top, self.top_skip
        while len(frame) < height and index < len(self.data.segments):
            key = (index, width, self._global_version)
            strips = self._strip_cache.get(key)
            lines = self._segment_lines(index)
            if strips is None or strips[0] is not lines:
                cursor_style = self._style("segment--cursor") if index == self.cursor else None
                rendered = []
                for text, info in lines:
                    strip = text_strip(text, width, console, overflow="crop")
                    if cursor_style is not None and info.index >= 0:
                        strip = strip.apply_style(cursor_style)
                    rendered.append((strip.apply_style(base), info))
                strips = (lines, rendered)
                if len(self._strip_cache) > 1000:
                    self._strip_cache.clear()
                self._strip_cache[key] = strips
            for item in strips[1][skip:]:
                if len(frame) >= height:
                    break
                frame.append(item)
            index += 1
            skip = 0
        self._frame = frame
        if self.first_frame_at is None and self.data.segments:
            self.first_frame_at = time.perf_counter()  # when a transcript was first drawn (benchmarks read it)
        return frame

    def _segment_lines(self, index: int) -> list[tuple[Text, LineInfo]]:
        seg = self.data.segments[index]
        width = max(10, self.size.width or 80)
        is_cursor = index == self.cursor
        selecting = is_cursor and self.selecting
        key = (seg.id, index, width, is_cursor, self._global_version, self._versions.get(seg.id, 0))
        if not selecting:
            cached = self._lines_cache.get(key)
            if cached is not None:
                return cached
        lines = self._layout(index, seg, width, is_cursor)
        if not selecting:
            self._lines_cache[key] = lines
        return lines

    def _style(self, name: str) -> Style:
        """A component's foreground and attributes only: the cursor's background shows through."""
        cached = self._style_memo.get(name)
        if cached is not None:
            return cached
        s = self.get_component_rich_style(name)
        if name not in ("segment--selection", "segment--match", "segment--cursor"):
            s = Style(
                color=s.color,
                bold=s.bold,
                dim=s.dim,
                italic=s.italic,
                underline=s.underline,
                reverse=s.reverse,
                strike=s.strike,
            )
        self._style_memo[name] = s
        return s

    def _layout(self, index: int, seg: SegmentInfo, width: int, is_cursor: bool) -> list[tuple[Text, LineInfo]]:
        style = self._style
        data = self.data
        gutter = Text(end="")
        gutter.append("▌ " if is_cursor else "  ", style=style("segment--gutter"))
        codings = data.codings.get(seg.id, [])
        mine = [c for c in codings if c.coder == data.coder]
        theirs = [c for c in codings if data.other is not None and c.coder == data.other]
        out: list[tuple[Text, LineInfo]] = []

        # Header: position, speaker, time, markers.
        header = gutter.copy()
        header.append(f"{seg.position + 1:>3} ", style=style("segment--header"))
        interviewer = seg.interviewer
        speaker_style = style("segment--interviewer") if interviewer else style("segment--speaker")
        header.append_text(plain(seg.speaker or "—", style=speaker_style))
        if seg.time_start is not None:
            header.append(f"  {clock(seg.time_start)}", style=style("segment--header"))
        markers = Text(end="")
        if seg.id in data.memos:
            markers.append(" ✎ memo", style=style("segment--header"))
        if data.other is not None and {c.code_key for c in mine} != {c.code_key for c in theirs}:
            markers.append(" ≠ differs", style=style("segment--disagree"))
        if markers:
            pad = width - header.cell_len - markers.cell_len
            header.append(" " * max(1, pad))
            header.append_text(markers)
        out.append((header, LineInfo(index)))

        # Body: the text, wrapped, with coded spans, search matches and the selection styled.
        body = display_text(seg.text.replace("\r", " "))
        rich_body = Text(body, end="")
        for c in mine:
            # a coding may run over several turns: only its part in this one is styled here
            lo, hi = max(c.start, seg.start) - seg.start, min(c.end, seg.end) - seg.start
            if hi > lo and (lo, hi) != (0, seg.end - seg.start):
                rich_body.stylize(style("segment--span"), lo, hi)
        for a, b in data.matches.get(seg.id, ()):
            rich_body.stylize(style("segment--match"), a, b)
        if is_cursor and self.selecting:
            lo, hi = sorted((self.sel_anchor - seg.start, self.caret - seg.start))
            if hi > lo:
                rich_body.stylize(style("segment--selection"), lo, hi)
            caret = self.caret - seg.start
            if caret < len(body):
                rich_body.stylize(style("segment--caret"), caret, caret + 1)
            else:
                rich_body.append(" ", style=style("segment--caret"))
        for a, b in wrap_offsets(body, width - GUTTER - 1):
            line = gutter.copy()
            piece = rich_body[a:b] if not (is_cursor and self.selecting and b == len(body)) else rich_body[a:]
            line.append_text(expand_tabs(piece) if "\t" in piece.plain else piece)
            out.append((line, LineInfo(index, seg.start + a, seg.start + b)))

        # Chips: this coder's codes (and the other coder's in compare mode).
        # The chips row is there even before the first code is applied, so that coding a segment
        # changes one line of the pane instead of moving every segment below it.
        # (Interviewer turns, rarely coded, get the row only once they are.)
        def chip_rows(label: str | None, codings_: list[CodingInfo], others: set[str] | None) -> None:
            if not codings_ and label is None and interviewer:
                return
            row = gutter.copy()
            if label is not None:
                row.append_text(plain(f"{label[:10]:<10} ", style=style("segment--label")))
            if not codings_:
                row.append(" —" if label is not None else " · not coded", style=style("segment--label"))
            for c in codings_:
                marker = run_marker(c, seg)
                if others is not None and c.code_key not in others:
                    marker += " ≠"
                piece = chip(c.code_name, c.color, marker)
                if row.cell_len + piece.cell_len + 1 > width and row.cell_len > GUTTER + 11:
                    out.append((row, LineInfo(index)))
                    row = gutter.copy()
                    if label is not None:
                        row.append(" " * 11)
                row.append_text(piece)
                row.append(" ")
            out.append((row, LineInfo(index)))

        if data.other is None:
            chip_rows(None, mine, None)
        else:
            chip_rows(data.coder, mine, {c.code_key for c in theirs})
            chip_rows(data.other, theirs, {c.code_key for c in mine})
        out.append((Text("", end=""), LineInfo(-1)))
        return out


def run_marker(c: CodingInfo, seg: SegmentInfo) -> str:
    """What a chip says about where its coding lies: part of the turn (“…”), or a passage that runs
    on from the turn above (↑) and/or into the turn below (↓)."""
    run = ("↑" if c.start < seg.start else "") + ("↓" if c.end > seg.end else "")
    if run:
        return " " + run
    return " “…”" if (c.start, c.end) != (seg.start, seg.end) else ""
