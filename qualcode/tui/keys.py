"""Every key of the workbench, by pane: the one list the help screen and the command palette read.

The bindings themselves live on the widgets and the screen (so the footer shows the keys of the
focused pane and users can remap them by binding id); this module only gathers them. It imports
the pane widgets but not the screen, which imports it: callers pass the screen's class.

The README's key table is written from the same list (``qualcode.tui.readme_keys``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.binding import Binding
from textual.dom import DOMNode

from qualcode.tui.widgets import detail
from qualcode.tui.widgets.codebook import CodebookTree
from qualcode.tui.widgets.detail import CodingList
from qualcode.tui.widgets.segments import SegmentView
from qualcode.tui.widgets.transcripts import TranscriptPicker


@dataclass(frozen=True)
class KeyEntry:
    section: str
    keys: tuple[str, ...]
    description: str  # the long form (the binding's tooltip), else the footer's short form
    short: str  # what the footer shows
    action: str
    pane: str  # selector of the widget whose action it is ("" = the screen)
    id: str
    names: tuple[str, ...] = ()  # the keys as Textual names them ("question_mark"), for pressing


def browser_alternative(app, key: str) -> str | None:
    """What to press instead of ``key`` (a Textual key name, "ctrl+p") when the workbench runs in
    a browser that may keep that key for itself (Ctrl+P prints the page); None if nothing else
    is needed. The app lists the browser's keys in ``browser_keys`` (``qualcode serve`` sets them)."""
    for taken, instead, _ in getattr(app, "browser_keys", ()):
        if key.casefold() in taken.casefold().split():
            return instead
    return None


def key_display(app, key: str) -> str:
    """``key`` as a person should press it where the workbench runs (the browser's alternative in a browser)."""
    return browser_alternative(app, key) or app.get_key_display(Binding(key, ""))


def sections(screen: type):
    """(section title, selector of the pane, widget class, binding filter) in the order the help
    shows them; ``screen`` is the workbench screen's class (its keys work everywhere)."""
    out = [
        ("Everywhere", "", screen, lambda b: True),
        ("Transcript pane (segments)", "#segments", SegmentView, lambda b: not (b.id or "").startswith("span.")),
        (
            "Selecting a span inside a segment (after v, or drag with the mouse)",
            "#segments",
            SegmentView,
            lambda b: (b.id or "").startswith("span."),
        ),
        ("Codebook pane", "#codebook", CodebookTree, lambda b: True),
        ("Codings of the current segment", "#coding-list", CodingList, lambda b: True),
        ("Transcripts pane", "#transcripts", TranscriptPicker, lambda b: True),
    ]
    for panel in detail.SEGMENT_PANELS:  # e.g. the suggestions panel, in the segment detail area
        # A panel may keep its keys on a child widget (``KEYS_WIDGET``, selected by ``KEYS_PANE``).
        widget = getattr(panel, "KEYS_WIDGET", panel)
        pane = getattr(panel, "KEYS_PANE", panel.__name__)
        out.append((getattr(panel, "HELP_TITLE", panel.__name__), pane, widget, lambda b: True))
    return out


def binding_entries(
    app, title: str, pane: str, cls: type[DOMNode], wanted: Callable[[Binding], bool] | None = None
) -> list[KeyEntry]:
    """Help entries for the described bindings of ``cls`` (those ``wanted`` keeps), under ``title``."""
    entries = []
    for binding in cls.BINDINGS:
        if not isinstance(binding, Binding) or not binding.description or (wanted and not wanted(binding)):
            continue
        names = tuple(k.strip() for k in binding.key.split(","))
        entries.append(
            KeyEntry(
                title,
                tuple(dict.fromkeys(key_display(app, name) for name in names)),
                binding.tooltip or binding.description,
                binding.description,
                binding.action,
                pane,
                binding.id or "",
                names,
            )
        )
    return entries


def key_entries(app, screen: type) -> list[KeyEntry]:
    return [
        entry
        for title, pane, cls, wanted in sections(screen)
        for entry in binding_entries(app, title, pane, cls, wanted)
    ]
