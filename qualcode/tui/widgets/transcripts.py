"""The transcript picker: each transcript with its participant, attributes and this coder's progress.

A ``ScrollView`` drawn line by line (three lines per transcript), so a project of thousands of
interviews costs no more to show than one of ten: only the rows on screen are rendered.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from qualcode.records import TranscriptInfo
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import one_line, text_strip

ROW_HEIGHT = 3


def progress_bar(done: int, total: int, width: int = 8, style: Style | str = "") -> Text:
    """``done`` of ``total`` as a bar; ``style`` draws the part done (the picker's .tcss gives it)."""
    filled = round(width * done / total) if total else 0
    bar = Text("▰" * filled, style=style, end="")
    bar.append("▱" * (width - filled), style="dim")
    return bar


def transcript_lines(
    t: TranscriptInfo, current: bool, progress_known: bool, width: int | None = None, done: Style | str = ""
) -> tuple[Text, Text, Text]:
    first = Text("▶ " if current else "  ", style="bold", end="")
    name = one_line(t.name, style="bold" if current else "")
    after = Text(end="")
    if progress_known:
        after.append(" ")
        # Progress of the turns a coder is meant to code (not the interviewer's), as the status bar counts.
        after.append_text(progress_bar(t.coded_segments, t.n_to_code, 6, done))
        after.append(f" {t.coded_segments}/{t.n_to_code}", style="dim")
    else:
        after.append(f"  {t.n_segments} segments", style="dim")
    if width is not None and first.cell_len + name.cell_len + after.cell_len > width:
        # Narrow: the bar goes, then the name is cut (whole in the transcript pane's title once
        # open); the numbers stay.
        if progress_known:
            after = Text(f" {t.coded_segments}/{t.n_to_code}", style="dim", end="")
        name.truncate(max(4, width - first.cell_len - after.cell_len), overflow="ellipsis")
    first.append_text(name)
    first.append_text(after)
    second = Text("  ", end="")
    second.append_text(one_line(t.participant or "no participant", style="italic"))
    third = Text("  ", end="")
    third.append_text(one_line(", ".join(str(v) for v in t.attributes.values()), style="dim"))
    return first, second, third


class TranscriptPicker(ScrollView, can_focus=True):
    """Every transcript in the project; Enter (or a click) opens one."""

    DEFAULT_CSS = stylesheet(__file__, "transcript_picker.tcss")

    COMPONENT_CLASSES = {"picker--cursor", "picker--progress"}

    BINDINGS = [
        Binding(
            "enter", "open", "Open", id="transcripts.open", tooltip="Open the highlighted transcript (a click does too)"
        ),
        Binding("down,j", "move(1)", "Down", show=False, id="transcripts.down"),
        Binding("up,k", "move(-1)", "Up", show=False, id="transcripts.up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="transcripts.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="transcripts.page_up"),
        Binding("home", "move(-1000000)", "First", show=False, id="transcripts.first"),
        Binding("end", "move(1000000)", "Last", show=False, id="transcripts.last"),
    ]

    class Chosen(Message):
        def __init__(self, transcript_id: int) -> None:
            super().__init__()
            self.transcript_id = transcript_id

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.transcripts: list[TranscriptInfo] = []
        self.current_id: int | None = None
        self.cursor = 0
        self.progress_known = False
        self._rows: dict[tuple, Strip] = {}

    # ------------------------------------------------------------------ attributes down

    def set_transcripts(
        self, transcripts: list[TranscriptInfo], current_id: int | None, progress_known: bool = True
    ) -> None:
        keep = self.transcripts[self.cursor].id if 0 <= self.cursor < len(self.transcripts) else None
        self.transcripts = list(transcripts)
        self.current_id = current_id
        self.progress_known = progress_known
        self._rows.clear()
        self.virtual_size = Size(0, len(self.transcripts) * ROW_HEIGHT)
        target = current_id if current_id is not None else keep
        self.cursor = next(
            (i for i, t in enumerate(self.transcripts) if t.id == target),
            min(self.cursor, max(0, len(self.transcripts) - 1)),
        )
        self._scroll_to_cursor()
        self.refresh()

    def update_one(self, info: TranscriptInfo) -> None:
        for i, t in enumerate(self.transcripts):
            if t.id == info.id:
                self.transcripts[i] = info
                # In the list's own lines: ScrollView.refresh_lines takes the scroll off itself
                # (taking it off here too missed the row once the list had scrolled).
                self.refresh_lines(i * ROW_HEIGHT, ROW_HEIGHT)
                return

    def mark_current(self, transcript_id: int) -> None:
        self.current_id = transcript_id
        index = next((i for i, t in enumerate(self.transcripts) if t.id == transcript_id), None)
        if index is not None:
            self.cursor = index
            self._scroll_to_cursor()
        self.refresh()

    @property
    def highlighted(self) -> TranscriptInfo | None:
        return self.transcripts[self.cursor] if 0 <= self.cursor < len(self.transcripts) else None

    # ------------------------------------------------------------------ actions

    def action_move(self, delta: int) -> None:
        if self.transcripts:
            self.cursor = max(0, min(len(self.transcripts) - 1, self.cursor + delta))
            self._scroll_to_cursor()
            self.refresh()

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.scrollable_content_region.height // ROW_HEIGHT - 1))

    def action_open(self) -> None:
        t = self.highlighted
        if t is not None:
            self.post_message(self.Chosen(t.id))

    def _scroll_to_cursor(self) -> None:
        top = self.cursor * ROW_HEIGHT
        height = max(ROW_HEIGHT, self.scrollable_content_region.height)
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False, immediate=True)
        elif top + ROW_HEIGHT > self.scroll_y + height:
            self.scroll_to(y=top + ROW_HEIGHT - height, animate=False, immediate=True)

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = (offset.y + int(self.scroll_y)) // ROW_HEIGHT
        if 0 <= index < len(self.transcripts):
            self.cursor = index
            self.refresh()
            self.action_open()

    def _on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(0, len(self.transcripts) * ROW_HEIGHT)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._rows.clear()

    # ------------------------------------------------------------------ rendering

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = y + int(self.scroll_y)
        index, part = divmod(line, ROW_HEIGHT)
        if not 0 <= index < len(self.transcripts):
            return Strip.blank(width, self.rich_style)
        t = self.transcripts[index]
        # Cached as finished strips: any repaint of the screen asks for these lines again.
        key = (
            t.id,
            t.name,
            t.coded_segments,
            t.n_segments,
            t.n_to_code,
            t.id == self.current_id,
            self.progress_known,
            part,
            width,
            index == self.cursor,
        )
        strip = self._rows.get(key)
        if strip is None:
            strip = text_strip(
                transcript_lines(
                    t,
                    t.id == self.current_id,
                    self.progress_known,
                    width,
                    self.get_component_rich_style("picker--progress", partial=True),
                )[part],
                width,
                self.app.console,
            )
            if index == self.cursor:
                strip = strip.apply_style(self.get_component_rich_style("picker--cursor"))
            strip = strip.apply_style(self.rich_style)  # computed only here: it walks the ancestors' styles
            if len(self._rows) > 4000:
                self._rows.clear()
            self._rows[key] = strip
        return strip
