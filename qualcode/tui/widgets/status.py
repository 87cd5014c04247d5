"""The status bar: project, coder, transcript, progress, modes, and what was just saved."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from qualcode.tui.styles import stylesheet
from qualcode.tui.text import one_line, text_strip


class StatusBar(Widget):
    DEFAULT_CSS = stylesheet(__file__, "status_bar.tcss")

    def __init__(self, **kwargs: Any) -> None:
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

    def set(
        self,
        *,
        project: str | None = None,
        coder: str | None = None,
        transcript: str | None = None,
        participant: str | None = None,
        coded: int | None = None,
        total: int | None = None,
        position: str | None = None,
        modes: list[Text] | None = None,
        message: Text | None = None,
        busy: str | None = None,
    ) -> None:
        """Change the parts given; the others stay as they are."""
        self.project = self.project if project is None else project
        self.coder = self.coder if coder is None else coder
        self.transcript = self.transcript if transcript is None else transcript
        self.participant = self.participant if participant is None else participant
        self.coded = self.coded if coded is None else coded
        self.total = self.total if total is None else total
        self.position = self.position if position is None else position
        self.modes = self.modes if modes is None else modes
        self.message = self.message if message is None else message
        self.busy = self.busy if busy is None else busy
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
            self._strip = text_strip(self.fitted(width), width, self.app.console).apply_style(self.rich_style)
        return self._strip

    def fitted(self, width: int) -> Text:
        """The line for ``width`` columns, in two parts. What the coder is doing (progress, the
        segment, the modes) stays whole: the participant, the project's name and then the
        transcript's name (the transcript pane's title shows it too) go first, until it fits.
        The message (or the work in progress) takes what is left and is cut with "…"."""
        for participant, project, transcript in ((True, True, True), (False, True, True), (False, False, True)):
            if self.line(participant, project, transcript, message=False).cell_len <= width:
                return self.line(participant, project, transcript)
        return self.line(participant=False, project=False, transcript=False)

    def line(
        self, participant: bool = True, project: bool = True, transcript: bool = True, message: bool = True
    ) -> Text:
        sep = Text(" │ ", style="dim")
        out = Text(no_wrap=True, overflow="ellipsis", end="")
        out.append(" ")
        if project:
            out.append_text(one_line(self.project, style="bold"))
            out.append_text(sep)
        out.append("coder ")
        out.append_text(one_line(self.coder, style="bold"))
        if self.transcript:
            if transcript:
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
        if not message:
            return out
        if self.busy:
            out.append_text(sep)
            out.append(f"⟳ {self.busy}…", style="bold yellow")
        elif self.message:
            out.append_text(sep)
            out.append_text(self.message)
        return out
