"""Which format a file is: every reader module loaded once, in the order of sniffing, and asked in turn."""

from __future__ import annotations

from qualcode.errors import InputError
from qualcode.ingest.formats import READERS, Reading, Source


def read(source: Source) -> Reading | None:
    """The first registered reader's reading of the file, or None when no format here claims it."""
    _load()
    where = source.where
    for _, sniff in READERS:
        found = sniff(source)
        if found is not None:
            if not any(t.text.strip() for t in found.turns):
                raise InputError(where, f"{found.label}: no transcript text found")
            return found
    return None


_LOADED: list[bool] = []


def _load() -> None:
    """Import every reader module once (a module imported on its own registers only itself)."""
    if _LOADED:
        return
    # the order is the order of sniffing: the most specific conventions first
    from qualcode.ingest.formats import (  # noqa: F401
        documents,
        jsonformats,
        noscribe,
        otter,
        stamped,
        teams,
        webvtt,
    )

    order = ["json", "noscribe-html", "teams-docx", "otter-docx", "odt", "docx", "vtt", "noscribe", "otter", "stamped"]
    READERS.sort(key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    _LOADED.append(True)
