"""The status bar: project, coder, transcript, progress, modes, and what was just saved."""

from __future__ import annotations

from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from qualcode.tui.styles import stylesheet
from qualcode.tui.text import one_line, text_strip


class StatusBar(Widget):
    DEFAULT_CSS = stylesheet(__file__, "status_bar.tcss")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.project = ""
        self.coder = ""
        self.transcript = ""
        self.participant = ""
        self.coded = 0
        self.total = 0
        self.position = ""
        self.modes: list[Text] = []
        self.message = Text("")
        self.busy = ""
        self._strip: Strip | None = None  # the drawn line, until something changes

    def set(self, **values) -> None:
        for key, value in values.items():
            setattr(self, key, value)
        self._strip = None
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strip = None

    def render_line(self, y: int) -> Strip:
        # Drawn straight to a strip (cheaper than Textual's generic path for a line redrawn on
        # every key that saves something).
        width = self.size.width
        if y != 0:
            return Strip.blank(width, self.rich_style)
        if self._strip is None or self._strip.cell_length != width:
            line = self.line()
            # Narrow: the participant, then the project's name go before the progress is cut.
            if line.cell_len > width:
                line = self.line(participant=False)
            if line.cell_len > width:
                line = self.line(participant=False, project=False)
            self._strip = text_strip(line, width, self.app.console).apply_style(self.rich_style)
        return self._strip

    def line(self, participant: bool = True, project: bool = True) -> Text:
        sep = Text(" │ ", style="dim")
        out = Text(no_wrap=True, overflow="ellipsis", end="")
        out.append(" ")
        if project:
            out.append_text(one_line(self.project, style="bold"))
            out.append_text(sep)
        out.append("coder ")
        out.append_text(one_line(self.coder, style="bold"))
        if self.transcript:
            out.append_text(sep)
            out.append_text(one_line(self.transcript))
            if self.participant and participant:
                out.append_text(one_line(f" ({self.participant})", style="dim"))
            pct = round(100 * self.coded / self.total) if self.total else 0
            out.append_text(sep)
            out.append(f"coded {self.coded}/{self.total} ({pct}%)")
            if self.position:
                out.append_text(sep)
                out.append(self.position)
        for mode in self.modes:
            out.append_text(sep)
            out.append_text(mode)
        if self.busy:
            out.append_text(sep)
            out.append(f"⟳ {self.busy}…", style="bold yellow")
        elif self.message:
            out.append_text(sep)
            out.append_text(self.message)
        return out
