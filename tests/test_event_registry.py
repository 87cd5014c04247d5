"""The event kinds: the registry the parts fill (qualcode/project/events.py) against the event
table in docs/architecture.md, and undo/redo reaching a kind only through the registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qualcode.project import Project, events

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"


def documented() -> dict[str, str]:
    """kind -> the table's undoable column ("yes", "no" or "—") in "## The event log"."""
    section = DOC.read_text(encoding="utf-8").split("## The event log", 1)[1].split("\n## ", 1)[0]
    found: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 3 or cells[0] in ("kind", "---"):
            continue
        for kind in re.findall(r"`([^`]+)`", cells[0]):
            assert kind not in found, f"{kind} is in the table twice"
            found[kind] = cells[2]
    return found


def test_every_registered_kind_is_documented_and_every_documented_kind_registered() -> None:
    table = documented()
    registered = events.kinds()
    own = {k for k, flag in table.items() if flag == "—"}
    assert own == set(events.UNDO_KINDS), "undo, redo and their skips are the log's own"
    assert sorted(set(registered) - set(table)) == [], "registered but not in docs/architecture.md's table"
    assert sorted(set(table) - set(registered) - own) == [], "in the table but registered by no part"


def test_the_undoable_column_is_what_the_registry_says() -> None:
    table = documented()
    wrong = {
        kind: table[kind]
        for kind, registered in events.kinds().items()
        if table.get(kind) != ("yes" if registered.undoable else "no")
    }
    assert wrong == {}


def test_registering_is_once_and_whole() -> None:
    with pytest.raises(ValueError, match="twice"):
        events.register("coding.add")
    with pytest.raises(ValueError, match="twice"):
        events.register("undo")
    with pytest.raises(ValueError, match="both undo and redo"):
        events.register("example.half", undo=lambda c: None)
    assert "example.half" not in events.kinds()


def test_undo_and_redo_use_the_registered_steps(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kind's undo and redo are what its part registered: replace them and undo follows."""
    seg = project.segments(project.list_transcripts()[0].id)[0]
    project.apply_code("alice", "formalisation.plans", seg.id)
    calls: list[str] = []
    real = events.kinds()["coding.add"]
    monkeypatch.setitem(
        events._KINDS,
        "coding.add",
        events.EventKind(
            "coding.add",
            undo=lambda c: calls.append(f"undo {c.kind}") or real.undo(c),  # type: ignore[misc]
            redo=lambda c: calls.append(f"redo {c.kind}") or real.redo(c),  # type: ignore[misc]
            fields=real.fields,
        ),
    )
    undone = project.undo("alice")
    assert undone is not None and undone.action == "coding.add"
    assert project.list_codings() == []
    redone = project.redo("alice")
    assert redone is not None and [c.code_key for c in project.list_codings()] == ["formalisation.plans"]
    assert calls == ["undo coding.add", "redo coding.add"]


def test_a_kind_no_part_registers_is_not_undone(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo passes over what is not registered as undoable (here coding.add, unregistered)."""
    seg = project.segments(project.list_transcripts()[0].id)[0]
    project.apply_code("alice", "formalisation.plans", seg.id)
    monkeypatch.delitem(events._KINDS, "coding.add")
    assert project.undo("alice") is None
    assert len(project.list_codings()) == 1


def test_every_module_that_registers_is_read_before_the_registry() -> None:
    """``events.PARTS`` lists the modules whose import registers kinds: one left out would make
    its kinds unknown to undo until something else imported it."""
    import qualcode

    root = Path(qualcode.__file__).resolve().parent
    registering = {
        "qualcode." + ".".join(path.relative_to(root).with_suffix("").parts)
        for path in root.rglob("*.py")
        if "events.register(" in path.read_text(encoding="utf-8")
    }
    assert registering == set(events.PARTS)
