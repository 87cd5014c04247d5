"""The kinds of event in the log, each registered by the part that writes it.

A part registers every kind it logs, at the end of its module: an undoable kind with the function
that reverses it (undo) and the one that applies it again (redo), and any kind with what its
payload says about the rows it touched (``fields``: ``EventInfo`` fields). Undo and redo
(``project/codings.py``) look kinds up here, so a new undoable change touches its own part only
(and ``event_words`` for its wording, and the event table in ``docs/architecture.md``, which
``tests/test_event_registry.py`` checks against this registry).

    register(("matrix.create", "matrix.delete"), undo=..., redo=..., fields=...)
    register("setting.set")  # for the record: not undoable
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from qualcode.db.models import Code, Coding, Memo

# The log's own kinds, written by undo and redo themselves (never undone).
UNDO_KINDS = ("undo", "redo", "undo.skip", "redo.skip")

# The modules that register kinds: read before the registry is (importing one registers its kinds).
PARTS = (
    "qualcode.project.analysis",
    "qualcode.project.autocode",
    "qualcode.project.codebook",
    "qualcode.project.coders",
    "qualcode.project.codings",
    "qualcode.project.exchange",
    "qualcode.project.participants",
    "qualcode.project.settings",
    "qualcode.project.speaker_roles",
    "qualcode.project.suggestions",
    "qualcode.project.team",
    "qualcode.project.transcript_changes",
    "qualcode.project.transcripts",
)


@dataclass(frozen=True)
class Change:
    """What an undo or redo step gets: the session, the change's kind and payload, who made it,
    and for a redo, what the undo it cancels kept (``kept``, empty for an undo)."""

    s: Session
    kind: str
    payload: dict[str, Any]
    coder_id: int | None
    kept: dict[str, Any] = field(default_factory=dict)


# A step returns what the undo event should keep beside the kind (None: nothing), or raises
# ``GoneSince`` when the rows it needs are gone, ``QualcodeError`` when it must refuse.
Step = Callable[[Change], "dict[str, Any] | None"]
Fields = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class EventKind:
    kind: str
    undo: Step | None = None
    redo: Step | None = None
    fields: Fields | None = None

    @property
    def undoable(self) -> bool:
        return self.undo is not None


_KINDS: dict[str, EventKind] = {}
_READ: list[bool] = []  # non-empty once every module of PARTS has been imported


def register(
    kinds: str | Sequence[str], *, undo: Step | None = None, redo: Step | None = None, fields: Fields | None = None
) -> None:
    """Register one kind or several that share their steps. Undo and redo come together or not at all."""
    if (undo is None) != (redo is None):
        raise ValueError(f"{kinds}: an undoable kind needs both undo and redo")
    for kind in (kinds,) if isinstance(kinds, str) else kinds:
        if kind in UNDO_KINDS or kind in _KINDS:
            raise ValueError(f"event kind {kind!r} is registered twice")
        _KINDS[kind] = EventKind(kind, undo, redo, fields)


def kinds() -> dict[str, EventKind]:
    """Every registered kind (the parts' modules imported first, once)."""
    if not _READ:
        for module in PARTS:
            importlib.import_module(module)
        _READ.append(True)
    return _KINDS


def lookup(kind: str) -> EventKind | None:
    return kinds().get(kind)


def undoable(kind: str) -> bool:
    found = lookup(kind)
    return found is not None and found.undoable


def fields(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What an event's payload says about the rows it touched, as ``EventInfo`` fields."""
    found = lookup(kind)
    return found.fields(payload) if found is not None and found.fields is not None else {}


# ---------------------------------------------------------------------- helpers for the steps

Row = TypeVar("Row", Code, Coding, Memo)


def same_row(s: Session, model: type[Row], data: dict[str, Any]) -> Row | None:
    """The row an event named, or None when it is gone (checked by GUID, not by id alone)."""
    row = s.get(model, data["id"])
    if row is None or ("guid" in data and row.guid != data["guid"]):
        return None
    return row
