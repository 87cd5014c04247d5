"""Undo and redo under pressure: one coder in several tabs, other sessions' locks, a replace in between.

- One coder pressing undo (or redo) in several tabs at once reverses each change once: the
  coder's history is locked for the length of an undo (PostgreSQL: the coder's row, FOR NO KEY
  UPDATE; SQLite: every write transaction begins IMMEDIATE).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from qualcode.db.models import Event

HERE = Path(__file__).resolve().parent
TABS = 4
PRESSES = 5  # per tab


def _press_at_once(project_url: str, coder: str, which: str, tmp_path: Path) -> list[dict]:
    """Every tab presses ``which`` PRESSES times, all starting at the same moment; each press's result."""
    start_at = time.time() + 4.0  # after every process has started and connected
    procs = []
    for tab in range(TABS):
        out = tmp_path / f"{which}-{tab}.json"
        args = [sys.executable, str(HERE / "concurrent_undo.py"), project_url, coder, which]
        args += [str(PRESSES), str(start_at), str(out)]
        procs.append((out, subprocess.Popen(args, stderr=subprocess.PIPE, text=True, cwd=HERE.parent)))
    presses = []
    for out, proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        presses += json.loads(out.read_text())
    return presses


def _own(project, coder: str) -> set[tuple[str, int]]:
    return {(c.code_key, c.segment_id) for c in project.list_codings(coders=[coder])}


@pytest.mark.slow
def test_undo_and_redo_pressed_in_several_tabs_at_once_reverse_each_change_once(project, project_url, tmp_path):
    segments = [s.id for t in project.list_transcripts() for s in project.segments(t.id)]
    codes = [c.key for c in project.codes()]
    applied = [(code, seg) for seg in segments for code in codes][: TABS * PRESSES + 4]
    assert len(applied) == TABS * PRESSES + 4
    for code, seg in applied:
        project.apply_code("alice", code, seg)
    project.apply_code("bob", codes[0], segments[0])

    undos = _press_at_once(project_url, "alice", "undo", tmp_path)

    assert all("undoes" in p for p in undos), f"presses that failed or found nothing: {undos}"
    reversed_twice = [e for e, n in Counter(p["undoes"] for p in undos).items() if n > 1]
    assert reversed_twice == [], f"events undone more than once: {reversed_twice}"
    assert _own(project, "alice") == set(applied[:4]), "the changes undone are not the latest ones, once each"
    assert _own(project, "bob") == {(codes[0], segments[0])}

    redos = _press_at_once(project_url, "alice", "redo", tmp_path)

    assert all("undoes" in p for p in redos), f"presses that failed or found nothing: {redos}"
    assert len({p["undoes"] for p in redos}) == len(redos)
    assert _own(project, "alice") == set(applied)
    with project.store.read() as s:
        targets = Counter(s.scalars(select(Event.undoes).where(Event.kind == "undo")))
    assert max(targets.values()) == 1
    assert project.undo("alice") is not None and len(_own(project, "alice")) == len(applied) - 1
    assert project.check() == []
