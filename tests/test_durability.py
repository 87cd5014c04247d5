"""kill -9 during an import never leaves a half-imported transcript or a broken project."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project

from .conftest import POSTGRES, TINY_CODEBOOK


def write_interviews(folder: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    folder.mkdir()
    for i in range(count):
        turns = []
        for t in range(rng.randint(150, 300)):
            words = " ".join(
                rng.choice(["cover", "plan", "workshop", "pupils", "time", "[laughs]", "staff"])
                for _ in range(rng.randint(3, 60))
            )
            turns.append(f"Interviewer: question {t}?\n\nTeacher: {words}.\n")
        (folder / f"interview-{seed}-{i:03d}.txt").write_text(
            f"---\nparticipant: Teacher {seed}-{i}\nrole: Teacher\n---\n" + "\n".join(turns), encoding="utf-8"
        )


def _transcripts_in(db: Path) -> int:
    with sqlite3.connect(db, timeout=60) as conn:
        return conn.execute("SELECT count(*) FROM transcripts").fetchone()[0]


@pytest.mark.slow
@pytest.mark.skipif(bool(POSTGRES), reason="kills a local SQLite writer")
def test_sigkill_during_import_keeps_every_file_whole_or_absent(tmp_path):
    db = tmp_path / "project.db"
    (tmp_path / "book.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    Project.create(str(db), None).close()
    folders = []
    interrupted = 0
    rng = random.Random(7)
    for round_ in range(5):
        folder = tmp_path / f"batch{round_}"
        write_interviews(folder, 40, round_)
        folders.append(folder)
        before = _transcripts_in(db)
        proc = subprocess.Popen(
            [sys.executable, "-m", "qualcode", "import", "--db", str(db), str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        # Kill once a random number of this batch's files are in, so that the kill lands in the
        # middle of the batch however fast or loaded the machine is.
        target = before + rng.randint(1, 30)
        deadline = time.monotonic() + 120
        while proc.poll() is None and _transcripts_in(db) < target and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.05))  # somewhere inside the next file
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

        with Project.open(str(db)) as project:
            assert project.check() == []
            stored = {t.name: t.n_segments for t in project.list_transcripts()}
        expected = {p.stem: len(parse_file(p).segments) for f in folders for p in f.iterdir()}
        for name, n_segments in stored.items():
            assert n_segments == expected[name], f"{name} is half-imported"
        interrupted += len(stored) < len(expected)

    assert interrupted >= 3, "the kills should land in the middle of imports"
    # What was killed can simply be imported again.
    result = subprocess.run(
        [sys.executable, "-m", "qualcode", "import", "--db", str(db), *map(str, folders)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    with Project.open(str(db)) as project:
        assert project.check() == []
        assert len(project.list_transcripts()) == 200
