"""The one place where user text meets the screen.

Transcript text, participant labels, code names, memos and file names are user text. Textual
parses a plain ``str`` given to ``Static``, ``Label``, ``Tree`` labels, ``OptionList`` prompts,
notifications, border titles and command-palette hits as markup: ``[laughs]`` vanishes,
``[/x]`` crashes and ``[@click=app.quit]`` becomes an action. Everything here builds
``rich.text.Text`` or ``textual.content.Content`` from user text without parsing it, and the
widgets below are the only ones the workbench uses to show it.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, OverflowMethod
from rich.style import Style
from rich.text import Text, TextType
from textual.content import Content
from textual.strip import Strip
from textual.widgets import OptionList, Static, Tree
from textual.widgets.option_list import Option

UserText = "str | Text | Content | None"

# Characters whose width terminals disagree on, drawn as a space (one cell everywhere) so that
# what Rich counts is what the terminal shows and a border never moves: the joiner and variation
# selectors of emoji sequences (Rich counts a joined family as one 2-cell glyph, a terminal
# without joining draws three), skin-tone modifiers, and the invisible bidirectional controls
# (a terminal that reorders right-to-left text would let them drag the line's end around).
# One character for one character: offsets into the text stay offsets into what is drawn.
UNSTABLE_WIDTH = (
    {0x200D: " ", 0xFE0E: " ", 0xFE0F: " "}
    | {cp: " " for cp in range(0x1F3FB, 0x1F400)}
    | {cp: " " for cp in (0x200E, 0x200F, 0x061C)}
    | {cp: " " for cp in range(0x202A, 0x202F)}
    | {cp: " " for cp in range(0x2066, 0x206A)}
)
# Characters that would move the cursor or break a line inside a one-line label, or start an
# escape sequence: C0, DEL and the C1 controls (U+009B is CSI, U+009D OSC on many terminals).
_CONTROL = {i: " " for i in range(32) if i not in (10,)} | {cp: " " for cp in range(0x7F, 0xA0)} | UNSTABLE_WIDTH
_CONTROL_KEEP_TABS = {k: v for k, v in _CONTROL.items() if k != 9}
TAB_SIZE = 8


def display_text(value: str) -> str:
    """Transcript text as drawn: one character for each character (tabs kept, for ``tab_width``)."""
    return value.translate(_CONTROL_KEEP_TABS)


def tab_width(column: int) -> int:
    """Cells a tab takes when it starts at ``column`` (cells from the start of the line)."""
    return TAB_SIZE - column % TAB_SIZE


def plain(value: object, style: str | Style = "") -> Text:
    """User text as Rich ``Text``, never parsed as markup."""
    if isinstance(value, Text):
        return value
    return Text("" if value is None else str(value).translate(_CONTROL), style=style, end="")


def one_line(value: object, style: str | Style = "") -> Text:
    """User text on a single line (new lines and tabs become spaces)."""
    text = "" if value is None else str(value)
    return Text(text.replace("\n", " ").translate(_CONTROL), style=style, end="")


def excerpt(value: str, limit: int) -> str:
    """``value``, at most ``limit`` characters: cut at a word boundary and ending in "…"."""
    if len(value) <= limit:
        return value
    text = " ".join(value.split())
    cut = text.rfind(" ", 0, limit)
    if cut < limit // 2:  # one very long word: cut inside it rather than show almost nothing
        cut = limit - 1
    return text[:cut].rstrip(" ,;:.-–—") + "…"


def content(value: object) -> Content:
    """User text as Textual ``Content`` (for border titles and other Content slots)."""
    if isinstance(value, Content):
        return value
    if isinstance(value, Text):
        return Content.from_rich_text(value)
    return Content("" if value is None else str(value).replace("\n", " ").translate(_CONTROL))


def join(parts: Iterable[Text | str], separator: str = "") -> Text:
    """Concatenate pieces; ``str`` pieces are plain text too."""
    out = Text(end="")
    first = True
    for part in parts:
        if not first and separator:
            out.append(separator)
        out.append_text(part if isinstance(part, Text) else plain(part))
        first = False
    return out


def contrast(color: str | None) -> str:
    """Black or white, whichever reads better on ``color`` (#rrggbb)."""
    if not color or len(color) != 7:
        return "black"
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "black" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "white"


def chip(name: str, color: str | None, marker: str = "") -> Text:
    """A code as a coloured chip: `` Plans ``."""
    background = color or "#808080"
    label = f" {name}{marker} "
    return Text(
        label.translate(_CONTROL).replace("\n", " "),
        style=Style(color=contrast(background), bgcolor=background),
        end="",
    )


def swatch(color: str | None) -> Text:
    return Text("■ ", style=Style(color=color or "#808080"), end="")


def text_strip(text: Text, width: int, console: Console, overflow: OverflowMethod = "ellipsis") -> Strip:
    """One line of ``text`` as a strip exactly ``width`` cells wide: cut with ``overflow``, padded
    with spaces. The line-drawn widgets cache these, so a repaint does not render them again."""
    line = text.copy()
    line.end = ""
    line.truncate(width, overflow=overflow, pad=True)
    return Strip(list(line.render(console)), width)


class UserStatic(Static):
    """A ``Static`` whose string content is always literal text."""

    def __init__(self, value: object = "", **kwargs) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(_renderable(value), **kwargs)

    def update(self, content: object = "", *, layout: bool = True) -> None:
        super().update(_renderable(content), layout=layout)


class UserOptionList(OptionList):
    """An ``OptionList`` whose string prompts are literal text."""

    def __init__(self, *options, **kwargs) -> None:
        kwargs["markup"] = False
        super().__init__(*options, **kwargs)


class UserTree(Tree):
    """A ``Tree`` whose string labels are literal text (``Tree`` parses ``str`` labels as markup)."""

    def process_label(self, label: TextType) -> Text:
        if isinstance(label, Content):
            label = Text(label.plain)
        elif not isinstance(label, Text):
            label = plain(label)
        lines = label.split()
        return lines[0] if lines else label


def say(app, message: object, severity: str = "information", title: str = "", timeout: float | None = None) -> None:
    """A notification whose message is literal text (``notify`` parses markup by default)."""
    text = message.plain if isinstance(message, (Text, Content)) else ("" if message is None else str(message))
    app.notify(text, title=title, severity=severity, timeout=timeout, markup=False)


def notice(app, message: object, replacing: object = None, timeout: float = 4.0) -> object:
    """A notification with literal text that takes the place of ``replacing`` (what an earlier
    call returned), so that confirmations in quick succession do not pile up; returns it.

    Textual's ``notify`` returns nothing to remove a notification by: this builds the
    ``Notification`` itself and removes the earlier one with ``App._unnotify`` (the Textual
    version is pinned in pyproject.toml)."""
    from textual.notifications import Notification, Notify

    text = message.plain if isinstance(message, (Text, Content)) else ("" if message is None else str(message))
    if isinstance(replacing, Notification) and replacing in app._notifications:
        app._unnotify(replacing)
    notification = Notification(text, "", "information", timeout, markup=False)
    app.post_message(Notify(notification))
    return notification


def option(prompt: Text, id: str | None = None, disabled: bool = False) -> Option:
    return Option(prompt, id=id, disabled=disabled)


def _renderable(value: object):
    if isinstance(value, (Text, Content)):
        return value
    if value is None:
        return Text("")
    if isinstance(value, str):
        return plain(value)
    return value  # other Rich renderables (tables, groups) built from Text pieces
