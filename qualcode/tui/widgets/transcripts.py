"""The transcript picker: each transcript with its participant, attributes and this coder's progress."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets.option_list import Option

from qualcode.records import TranscriptInfo
from qualcode.tui.text import UserOptionList, one_line


def progress_bar(done: int, total: int, width: int = 8) -> Text:
    filled = round(width * done / total) if total else 0
    bar = Text("▰" * filled, style="green", end="")
    bar.append("▱" * (width - filled), style="dim")
    return bar


def transcript_prompt(t: TranscriptInfo, current: bool) -> Text:
    head = Text("▶ " if current else "  ", style="bold", end="")
    head.append_text(one_line(t.name, style="bold" if current else ""))
    head.append("\n")
    head.append("  ")
    head.append_text(progress_bar(t.coded_segments, t.n_segments))
    head.append(f" {t.coded_segments}/{t.n_segments}", style="dim")
    head.append("\n  ")
    who = one_line(t.participant or "no participant", style="italic")
    head.append_text(who)
    if t.attributes:
        head.append_text(one_line(" · " + ", ".join(str(v) for v in t.attributes.values()), style="dim"))
    return head


class TranscriptPicker(UserOptionList):
    """Every transcript in the project; Enter (or a click) opens one."""

    DEFAULT_CSS = """
    TranscriptPicker { height: 1fr; background: $surface; }
    TranscriptPicker > .option-list--option { padding: 0 0; }
    """

    BINDINGS = [
        Binding("enter", "select", "Open", id="transcripts.open", tooltip="Open the highlighted transcript (a click does too)"),
    ]

    class Chosen(Message):
        def __init__(self, transcript_id: int) -> None:
            super().__init__()
            self.transcript_id = transcript_id

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.transcripts: list[TranscriptInfo] = []
        self.current_id: int | None = None

    def set_transcripts(self, transcripts: list[TranscriptInfo], current_id: int | None) -> None:
        self.transcripts = transcripts
        self.current_id = current_id
        highlighted = self.highlighted
        self.set_options(Option(transcript_prompt(t, t.id == current_id), id=str(t.id)) for t in transcripts)
        index = next((i for i, t in enumerate(transcripts) if t.id == current_id), highlighted)
        if index is not None and transcripts:
            self.highlighted = min(index, len(transcripts) - 1)

    def update_one(self, info: TranscriptInfo) -> None:
        for i, t in enumerate(self.transcripts):
            if t.id == info.id:
                self.transcripts[i] = info
                self.replace_option_prompt_at_index(i, transcript_prompt(info, info.id == self.current_id))
                return

    def mark_current(self, transcript_id: int) -> None:
        old, self.current_id = self.current_id, transcript_id
        for i, t in enumerate(self.transcripts):
            if t.id in (old, transcript_id):
                self.replace_option_prompt_at_index(i, transcript_prompt(t, t.id == transcript_id))
            if t.id == transcript_id:
                self.highlighted = i

    def on_option_list_option_selected(self, event: UserOptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(int(event.option.id)))
