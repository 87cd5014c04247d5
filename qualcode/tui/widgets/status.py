"""The status bar: project, coder, transcript, progress, modes, and what was just saved.

What was just saved (a code applied, a coding removed, an undo) is a confirmation the researcher
must be able to read at any width: the bar first leaves out what other panes show (participant,
project, transcript, segment), and a confirmation that still does not fit is also shown whole in
a notification, which wraps.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from qualcode.tui.styles import stylesheet
from qualcode.tui.text import notice, one_line, text_strip

# What the bar leaves out, in turn, when the line is too long: the participant, the project's
# name, the transcript's name (in the transcript pane's title too) and, only to make room for a
# confirmation, the segment (in the segment pane's heading too).
_LEAVE_OUT: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset({"participant"}),
    frozenset({"participant", "project"}),
    frozenset({"participant", "project", "transcript"}),
)
_LEAST = _LEAVE_OUT[-1] | {"position"}


class StatusBar(Widget):
    DEFAULT_CSS = stylesheet(__file__, "status_bar.tcss")
    # The tones of what the bar says (done, warning, busy) and of its modes: colours in status_bar.tcss.
    TONES = ("done", "warning", "busy", "compare", "filter", "span")
    COMPONENT_CLASSES = {f"status--{tone}" for tone in TONES}

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
        self.confirms = False  # the message confirms something done (not a hint): it must be read
        self.busy = ""
        self._notice: object = None  # the notification showing the last confirmation whole, if it was cut
        self._strip: Strip | None = None  # the drawn line, until something changes

    def tone(self, name: str) -> Style:
        """The style status_bar.tcss gives the tone ``name`` (one of ``TONES``)."""
        return self.get_component_rich_style(f"status--{name}", partial=True)

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
        confirms: bool = True,
        busy: str | None = None,
        draw: bool = True,
    ) -> None:
        """Change the parts given; the others stay as they are. The line is drawn again if it
        changed, unless not ``draw``: then the caller draws it (``refresh``) when it chooses
        (``WorkbenchScreen._applied``, a frame later). A later call wins either way.

        A ``message`` that ``confirms`` something done (the default; hints pass False) is shown
        whole: if the line cannot hold it even with the other parts left out, a notification
        shows it too."""
        before = self._parts()
        self.project = self.project if project is None else project
        self.coder = self.coder if coder is None else coder
        self.transcript = self.transcript if transcript is None else transcript
        self.participant = self.participant if participant is None else participant
        self.coded = self.coded if coded is None else coded
        self.total = self.total if total is None else total
        self.position = self.position if position is None else position
        self.modes = self.modes if modes is None else modes
        if message is not None:
            self.message = message
            self.confirms = confirms
        self.busy = self.busy if busy is None else busy
        if message is not None or self._parts() != before:  # a message is drawn even if repeated
            self._strip = None
            if draw:
                self.refresh()
        if message is not None and confirms and message.plain.strip():
            width = self.size.width
            if width and not self.shows_whole(width):
                self._notice = notice(self.app, message, replacing=self._notice)

    def _parts(self) -> tuple[Any, ...]:
        return (
            self.project,
            self.coder,
            self.transcript,
            self.participant,
            self.coded,
            self.total,
            self.position,
            self.modes,
            self.busy,
        )

    def shows_whole(self, width: int) -> bool:
        """Whether the message fits whole on the line at ``width`` columns."""
        return self.fitted(width).cell_len <= width

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
        """The line for ``width`` columns. What the coder is doing (coder, progress, the modes)
        stays whole: the participant, the project's name and then the transcript's name go first
        (``_LEAVE_OUT``), until it fits. A confirmation is fitted whole, leaving out the segment
        too if need be; a hint or the work in progress takes what is left and is cut with "…"."""
        if self.confirms and self.message and not self.busy:
            for leave_out in (*_LEAVE_OUT, _LEAST):
                line = self.line(leave_out)
                if line.cell_len <= width:
                    return line
            return self.line(_LEAST)
        for leave_out in _LEAVE_OUT[:-1]:
            if self.line(leave_out, message=False).cell_len <= width:
                return self.line(leave_out)
        return self.line(_LEAVE_OUT[-1])

    def line(self, leave_out: frozenset[str] = frozenset(), message: bool = True) -> Text:
        participant = "participant" not in leave_out
        project = "project" not in leave_out
        transcript = "transcript" not in leave_out
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
            if self.position and "position" not in leave_out:
                out.append_text(sep)
                out.append(self.position)
        for mode in self.modes:
            out.append_text(sep)
            out.append_text(mode)
        if not message:
            return out
        if self.busy:
            out.append_text(sep)
            out.append(f"⟳ {self.busy}…", style=self.tone("busy"))
        elif self.message:
            out.append_text(sep)
            out.append_text(self.message)
        return out
