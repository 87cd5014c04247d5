"""Every key of the workbench, by pane: the one list the help screen and the command palette read.

The bindings themselves live on the widgets (so the footer shows the keys of the focused pane
and users can remap them by binding id); this module only gathers them.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class KeyEntry:
    section: str
    keys: tuple[str, ...]
    description: str  # the long form (the binding's tooltip), else the footer's short form
    short: str  # what the footer shows
    action: str
    pane: str  # selector of the widget whose action it is ("" = the screen)
    id: str


def sections():
    """(section title, selector of the pane, widget class, binding filter) in the order the help shows them."""
    from qualcode.tui.screens.workbench import WorkbenchScreen
    from qualcode.tui.widgets.codebook import CodebookTree
    from qualcode.tui.widgets.detail import SEGMENT_PANELS, CodingList
    from qualcode.tui.widgets.segments import SegmentView
    from qualcode.tui.widgets.transcripts import TranscriptPicker

    out = [
        ("Everywhere", "", WorkbenchScreen, lambda b: True),
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
    for panel in SEGMENT_PANELS:  # e.g. the suggestions panel, in the segment detail area
        out.append((getattr(panel, "HELP_TITLE", panel.__name__), panel.__name__, panel, lambda b: True))
    return out


def key_entries(app) -> list[KeyEntry]:
    entries = []
    for title, pane, cls, wanted in sections():
        for binding in cls.BINDINGS:
            if not isinstance(binding, Binding) or not binding.description or not wanted(binding):
                continue
            keys = tuple(app.get_key_display(Binding(k.strip(), binding.action)) for k in binding.key.split(","))
            entries.append(
                KeyEntry(
                    title,
                    keys,
                    binding.tooltip or binding.description,
                    binding.description,
                    binding.action,
                    pane,
                    binding.id or "",
                )
            )
    return entries
