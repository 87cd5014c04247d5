"""`init` is atomic: a kill -9 at any moment leaves a whole project with its codebook, or nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from qualcode.project import Project

from .conftest import POSTGRES


def big_codebook(path: Path, n: int) -> int:
    """A codebook of ``n`` codes in two levels, so that init has real work to be killed in."""
    codes = [
        {
            "id": f"theme{t}",
            "name": f"Theme {t}",
            "description": "A theme. " * 20,
            "children": [
                {"id": f"theme{t}.c{c}", "name": f"Code {t}.{c}", "description": "A code. " * 20} for c in range(49)
            ],
        }
        for t in range(n // 50)
    ]
    path.write_text(yaml.safe_dump({"name": "Big", "codes": codes}), encoding="utf-8")
    return (n // 50) * 50


def _init(location: str, book: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "qualcode", "init", location, "--codebook", str(book)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qualcode", *args], capture_output=True, text=True, timeout=300)


def _outcome(location: str, n_codes: int) -> str:
    """'whole' or 'absent'; fails the test on anything in between."""
    checked = _run("check", "--db", location)
    if checked.returncode == 0:
        assert f"{n_codes} codes" in checked.stdout, checked.stdout
        with Project.open(location) as project:
            assert len(project.codes()) == n_codes
            assert project.check() == []
        return "whole"
    assert "no project" in checked.stderr or "not a qualcode project" in checked.stderr, checked.stderr
    return "absent"


@pytest.mark.slow
def kill_at_a_random_moment(
    proc: subprocess.Popen,
    folder: Path,
    building: str,
    final: Path,
    rng: random.Random,
    sizes: tuple[int, int],
) -> None:
    """SIGKILL ``proc`` after visible progress: a hidden file being built (``building`` in ``folder``) has
    reached a random size within ``sizes``, or in some rounds as soon as one exists, or only once
    ``final`` is there. Used by init, copy and split alike."""
    stage = rng.choice(["exists", "size", "size", "final"])
    threshold = rng.randint(*sizes)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        files = list(folder.glob(building))
        if stage == "final" and final.exists():
            break
        if stage == "exists" and files:
            break
        if stage == "size" and any(f.exists() and f.stat().st_size >= threshold for f in files):
            break
        time.sleep(0.002)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.skipif(bool(POSTGRES), reason="kills a local SQLite writer")
def test_sigkill_during_init_leaves_a_whole_project_or_nothing_sqlite(tmp_path):
    book = tmp_path / "book.yaml"
    n_codes = big_codebook(book, 1000)
    rng = random.Random(11)
    seen = {"whole": 0, "absent": 0}
    for round_ in range(6):
        db = tmp_path / f"study{round_}.db"
        proc = _init(str(db), book)
        kill_at_a_random_moment(proc, tmp_path, f".{db.name}.*.creating", db, rng, (50_000, 300_000))
        outcome = _outcome(str(db), n_codes)
        seen[outcome] += 1
        if outcome == "absent":
            again = _run("init", str(db), "--codebook", str(book))  # no "already exists"
            assert again.returncode == 0, again.stderr
            assert _outcome(str(db), n_codes) == "whole"
            assert not list(tmp_path.glob(f".{db.name}.*")), "the killed init's temporary file is left behind"
        assert not db.with_name(db.name + "-journal").exists()
    assert seen["absent"] >= 1, seen  # the kills landed inside init, not only after it


def test_check_names_a_project_left_without_its_codebook(project_url):
    """Projects half-created before init was atomic: schema and settings, no codebook."""
    from sqlalchemy import delete

    from qualcode.db.models import Code, Codebook

    with Project.create(project_url, None) as project:
        with project.store.tx() as s:
            s.execute(delete(Code))
            s.execute(delete(Codebook))
        assert project.check() == ["the project has no codebook: an `init` was interrupted before it finished"]


def _new_database(admin) -> str:
    import uuid

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = "qc_test_" + uuid.uuid4().hex[:12]
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


@pytest.mark.slow
@pytest.mark.skipif(not POSTGRES, reason="needs the PostgreSQL server")
def test_sigkill_during_init_leaves_a_whole_project_or_nothing_postgres(tmp_path):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    book = tmp_path / "book.yaml"
    n_codes = big_codebook(book, 1000)
    rng = random.Random(5)
    admin = create_engine(POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")

    def connected(database: str) -> bool:
        with admin.connect() as conn:
            query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d")
            return bool(conn.execute(query, {"d": database}).scalar())

    seen = {"whole": 0, "absent": 0}
    try:
        for round_ in range(5):
            url = _new_database(admin)
            database = make_url(url).database
            proc = _init(url, book)
            deadline = time.monotonic() + 120
            while proc.poll() is None and not connected(database) and time.monotonic() < deadline:
                time.sleep(0.005)
            # Connected: somewhere in the schema, the codebook or the commit. The first rounds kill
            # at once, so that at least one kill lands inside the transaction however fast the
            # machine is; the others anywhere up to and past the commit.
            time.sleep(0.0 if round_ < 2 else rng.uniform(0.0, 2.0))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            deadline = time.monotonic() + 30
            while connected(database) and time.monotonic() < deadline:  # the server ends the dead session
                time.sleep(0.05)
            outcome = _outcome(url, n_codes)
            seen[outcome] += 1
            if outcome == "absent":
                again = _run("init", url, "--codebook", str(book))  # no "already a qualcode project"
                assert again.returncode == 0, again.stderr
                assert _outcome(url, n_codes) == "whole"
    finally:
        admin.dispose()
    assert seen["absent"] >= 1, seen
