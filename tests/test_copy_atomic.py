"""`copy` and `split` are atomic: a kill -9 at any moment leaves each copy whole, or absent and free to retry."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qualcode.project import Project
from qualcode.samples import coding_files, transcript_files

from .conftest import POSTGRES
from .test_init_atomic import big_codebook, kill_at_a_random_moment

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(POSTGRES), reason="kills a local SQLite writer")]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qualcode", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture
def lead(tmp_path) -> tuple[Path, int, dict[str, int]]:
    """A lead project with a 1000-code codebook, the sample interviews and two coders' codings."""
    book = tmp_path / "book.yaml"
    n_codes = big_codebook(book, 1000)
    db = tmp_path / "lead.db"
    assert _run("init", str(db), "--codebook", str(book)).returncode == 0
    assert _run("import", "--db", str(db), *map(str, transcript_files("rln"))).returncode == 0
    with Project.open(str(db)) as p:
        p.add_coder("alice")
        p.add_coder("bob")
        segs = [s for t in p.list_transcripts() for s in p.segments(t.id)]
        keys = [c.key for c in p.codes()]
        p.add_codings(("alice" if i % 3 else "bob", keys[i % len(keys)], s.id, None, None) for i, s in enumerate(segs))
        counts = p.summary().codings_by_coder
    assert coding_files("rln")  # the samples are there
    return db, n_codes, counts


def _outcome(target: Path, coder: str, n_codes: int, counts: dict[str, int]) -> str:
    """'whole' or 'absent'; fails the test on anything in between."""
    checked = _run("check", "--db", str(target))
    if checked.returncode == 0:
        assert f"{n_codes} codes" in checked.stdout, checked.stdout
        with Project.open(str(target)) as copy:
            assert copy.check() == []
            assert copy.summary().codings_by_coder == {coder: counts[coder]}
            assert len(copy.list_transcripts()) == len(transcript_files("rln"))
        return "whole"
    assert "no project" in checked.stderr, checked.stderr
    assert not target.exists()
    return "absent"


def test_sigkill_during_copy_leaves_a_whole_copy_or_nothing(tmp_path, lead):
    db, n_codes, counts = lead
    rng = random.Random(3)
    seen = {"whole": 0, "absent": 0}
    for round_ in range(5):
        out = tmp_path / f"round{round_}"
        out.mkdir()
        target = out / "alice.db"
        args = ["copy", "--db", str(db), str(target), "--coder", "alice"]
        proc = subprocess.Popen([sys.executable, "-m", "qualcode", *args], stdout=subprocess.DEVNULL)
        kill_at_a_random_moment(proc, out, ".*.creating", target, rng, (100_000, 600_000))
        outcome = _outcome(target, "alice", n_codes, counts)
        seen[outcome] += 1
        if outcome == "absent":
            again = _run(*args)  # no "already exists"
            assert again.returncode == 0, again.stderr
            assert _outcome(target, "alice", n_codes, counts) == "whole"
            assert not list(out.glob(".*")), "the killed copy's temporary file is left behind"
    assert seen["absent"] >= 1, seen  # the kills landed inside copy, not only after it


def test_sigkill_during_split_leaves_whole_copies_or_none(tmp_path, lead):
    db, n_codes, counts = lead
    rng = random.Random(8)
    seen = {"whole": 0, "absent": 0}
    for round_ in range(4):
        out = tmp_path / f"round{round_}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "qualcode", "split", "--db", str(db), "--dir", str(out)], stdout=subprocess.DEVNULL
        )
        while proc.poll() is None and not out.exists():
            time.sleep(0.002)
        kill_at_a_random_moment(proc, out, ".*.creating", out / "alice.db", rng, (100_000, 600_000))
        outcomes = {coder: _outcome(out / f"{coder}.db", coder, n_codes, counts) for coder in ("alice", "bob")}
        for outcome in outcomes.values():
            seen[outcome] += 1
        missing = [coder for coder, outcome in outcomes.items() if outcome == "absent"]
        if missing:
            again = _run("split", "--db", str(db), "--dir", str(out), "--coders", ",".join(missing))
            assert again.returncode == 0, again.stderr
            assert all(_outcome(out / f"{c}.db", c, n_codes, counts) == "whole" for c in ("alice", "bob"))
            assert not list(out.glob(".*")), "the killed split's temporary files are left behind"
    assert seen["absent"] >= 1, seen
