"""Text entry widgets of the workbench: Textual's ``Input`` and ``TextArea`` that follow the
app's ``blink`` setting (off in tests and benchmarks, where a blinking cursor would make every
screenshot depend on the moment it was taken)."""

from __future__ import annotations

from textual.widgets import Input, TextArea


def _blinks(widget: Input | TextArea) -> bool:
    return bool(getattr(widget.app, "blink", True))


class TextField(Input):
    """One line of text."""

    def on_mount(self) -> None:
        self.cursor_blink = _blinks(self)


class ProseArea(TextArea):
    """Several lines of prose (memos, definitions, matrix summaries): soft-wrapped, no line numbers."""

    def __init__(self, text: str = "", **kwargs) -> None:
        kwargs.setdefault("soft_wrap", True)
        kwargs.setdefault("show_line_numbers", False)
        super().__init__(text, **kwargs)

    def on_mount(self) -> None:
        self.cursor_blink = _blinks(self)
