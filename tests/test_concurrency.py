"""Several coders coding and undoing at once in one project lose nothing (SQLite WAL or PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from qualcode.db.models import Coder, Event

HERE = Path(__file__).resolve().parent


@pytest.mark.slow
def test_concurrent_coders_keep_every_acknowledged_change(project, project_url, tmp_path):
    coders = ["alice", "bob", "carol", "dan"]
    for name in coders[2:]:
        project.add_coder(name)
    procs = []
    for i, coder in enumerate(coders):
        out = tmp_path / f"{coder}.json"
        procs.append(
            (
                coder,
                out,
                subprocess.Popen(
                    [sys.executable, str(HERE / "concurrent_coder.py"), project_url, coder, "60", str(i), str(out)],
                    stderr=subprocess.PIPE,
                    text=True,
                    cwd=HERE.parent,
                ),
            )
        )
    for _coder, _out, proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err

    for coder, out, _ in procs:
        acknowledged = {tuple(pair) for pair in json.loads(out.read_text())["codings"]}
        stored = {(c.code_key, c.segment_id) for c in project.list_codings(coders=[coder])}
        assert stored == acknowledged, f"{coder}'s codings differ from what was acknowledged"

    # The event log agrees with the state: per coder, additions minus undos = codings left.
    with project.store.read() as s:
        names = dict(s.execute(select(Coder.id, Coder.name)).all())
        kinds = Counter((names.get(e.coder_id), e.kind) for e in s.scalars(select(Event)))
        undone = [s.get(Event, e.undoes) for e in s.scalars(select(Event).where(Event.kind == "undo"))]
        for event in s.scalars(select(Event).where(Event.kind == "undo")):
            assert s.get(Event, event.undoes).coder_id == event.coder_id, "an undo reversed someone else's change"
    assert all(e.kind == "coding.add" for e in undone)
    for coder in coders:
        left = kinds[(coder, "coding.add")] - kinds[(coder, "undo")]
        assert left == len(project.list_codings(coders=[coder]))
    assert project.check() == []
