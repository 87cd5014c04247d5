"""Project files that are damaged, from a newer qualcode, or not projects at all: one line, nothing changed."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from qualcode.db.engine import HEAD_REVISION, resolve_url

from .conftest import POSTGRES


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def coded_project(location: str, interview_file: Path, tiny_codebook) -> None:
    from qualcode.ingest.transcripts import parse_file
    from qualcode.project import Project

    with Project.create(location, tiny_codebook) as p:
        p.add_coder("alice")
        p.import_transcript(parse_file(interview_file))
        for seg in p.segments(p.list_transcripts()[0].id):
            p.apply_code("alice", "formalisation.plans", seg.id)


# ---------------------------------------------------------------------- damaged files (SQLite)

COMMANDS = [("check",), ("status",), ("transcripts", "list"), ("export", "codings", "-o", "out.csv")]


@pytest.mark.parametrize("args", COMMANDS)
@pytest.mark.parametrize("damage", ["random bytes", "a table's page overwritten", "truncated"])
def test_a_damaged_project_file_is_one_line(run_cli, tmp_path, interview_file, tiny_codebook, damage, args):
    db = tmp_path / "study.db"
    coded_project(str(db), interview_file, tiny_codebook)
    data = db.read_bytes()
    rng = random.Random(7)
    if damage == "random bytes":
        db.write_bytes(rng.randbytes(len(data)))
    elif damage == "a table's page overwritten":  # the project opens; reading the codings fails
        with sqlite3.connect(db) as conn:
            size = conn.execute("PRAGMA page_size").fetchone()[0]
            page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'codings'").fetchone()[0]
        conn.close()
        at = (page - 1) * size
        db.write_bytes(data[:at] + rng.randbytes(size) + data[at + size :])
    else:
        db.write_bytes(data[: len(data) // 2])
    before = digest(db)
    result = run_cli(*args, "--db", db)
    assert digest(db) == before
    if result.exit_code == 0:  # a command that never reads the damaged page (status counts from an index)
        assert damage == "a table's page overwritten" and args[0] in ("status", "transcripts"), result.output
        return
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "damaged" in line or "not a database" in line, line
    assert not (tmp_path / "out.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["study.db", interview_file.name])


def test_a_sqlite_file_of_another_program_is_one_line(run_cli, tmp_path):
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE songs (title TEXT)")
    for args in (("check",), ("status",)):
        result = run_cli(*args, "--db", db)
        assert result.exit_code == 1
        assert "is not a qualcode project" in one_error_line(result)


# ---------------------------------------------------------------------- a project from a newer qualcode


def _make_newer(location: str) -> None:
    engine = create_engine(resolve_url(location))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()


def test_a_project_from_a_newer_qualcode_is_refused_in_one_line(run_cli, project_url, tmp_path, tiny_codebook):
    from qualcode.project import Project

    Project.create(project_url, tiny_codebook).close()
    _make_newer(project_url)
    files_before = sorted(p.name for p in tmp_path.iterdir())
    for args in (("check",), ("status",), ("coders", "add", "carol")):
        result = run_cli(*args, "--db", project_url)
        assert result.exit_code == 1
        line = one_error_line(result)
        assert "written by a newer qualcode (schema revision 9999" in line, line
        assert f"knows up to {HEAD_REVISION}" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before  # no backup, no upgrade attempted
    engine = create_engine(resolve_url(project_url))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"
        assert conn.execute(text("SELECT count(*) FROM coders")).scalar() == 0
    engine.dispose()


def test_merging_a_project_from_a_newer_qualcode_is_refused_in_one_line(run_cli, project_url, tmp_path, tiny_codebook):
    from qualcode.project import Project

    Project.create(project_url, tiny_codebook).close()
    newer = tmp_path / "newer.db"
    Project.create(str(newer), tiny_codebook).close()
    _make_newer(str(newer))
    before = digest(newer)
    result = run_cli("merge", "--db", project_url, newer)
    assert result.exit_code == 1
    assert "newer.db was written by a newer qualcode" in one_error_line(result)
    assert digest(newer) == before


@pytest.mark.skipif(bool(POSTGRES), reason="the SQLite file's own backup")
def test_an_older_project_is_still_upgraded(tmp_path, tiny_codebook):
    from qualcode.db.engine import downgrade, make_engine
    from qualcode.project import Project

    db = tmp_path / "old.db"
    Project.create(str(db), tiny_codebook).close()
    engine = make_engine(resolve_url(str(db)))
    downgrade(engine, "0003")
    engine.dispose()
    with Project.open(str(db)) as p:
        assert p.check() == []
    assert (tmp_path / f"old.db.before-{HEAD_REVISION}.bak").exists()


# ---------------------------------------------------------------------- exports on a full disk

EXPORTS = [
    ("export", "codings", "-o", "out.csv"),
    ("export", "codebook", "-o", "out.yaml"),
    ("export", "codebook", "-o", "out.md"),
    ("export", "codebook", "--format", "qdc", "-o", "out.qdc"),
    ("export", "themes", "-o", "out.xlsx"),
    ("export", "themes", "-o", "out.md"),
    ("export", "themes", "-o", "out.docx"),
    ("export", "codebook", "-o", "out.docx"),
    ("memos", "-o", "out.docx"),
    ("export", "qdpx", "-o", "out.qdpx"),
    ("retrieve", "formalisation", "-o", "out.docx"),
    ("agreement", "alice", "bob", "-o", "agreement.md"),
]


def _two_coders(location: str, interview_file: Path, tiny_codebook) -> None:
    from qualcode.ingest.transcripts import parse_file
    from qualcode.project import Project

    with Project.create(location, tiny_codebook) as p:
        p.add_coder("alice")
        p.add_coder("bob")
        p.import_transcript(parse_file(interview_file))
        for i, seg in enumerate(p.segments(p.list_transcripts()[0].id)):
            p.apply_code("alice", "formalisation.plans", seg.id)
            p.apply_code("bob", "formalisation.plans" if i % 2 else "prioritisation.time", seg.id)


def test_an_export_that_hits_a_full_disk_keeps_the_old_file(
    run_cli, tmp_path, interview_file, tiny_codebook, monkeypatch
):
    """The disk fills while the CSV is written: one line, and yesterday's export is still whole."""
    import errno

    db = tmp_path / "study.db"
    _two_coders(str(db), interview_file, tiny_codebook)
    old = tmp_path / "out.csv"
    old.write_text("yesterday's export\n", encoding="utf-8")
    real = Path.write_text

    def full_disk(self, data, *args, **kwargs):
        if self.parent == tmp_path and self.name != "study.db":
            with open(self, "w"):  # opened (and truncated) for writing, then no space for a byte
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk)
    result = run_cli("export", "codings", "--db", db, "-o", "out.csv")
    assert result.exit_code == 1
    assert one_error_line(result) == "error: cannot write out.csv: the disk is full; the existing out.csv is unchanged"
    assert old.read_text(encoding="utf-8") == "yesterday's export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["study.db", "out.csv", interview_file.name])


@pytest.fixture
def full_disk(tmp_path):
    """A 256 KB tmpfs holding yesterday's exports and filled to the last byte (root only)."""
    import os
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    small = tmp_path / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(small)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        for args in EXPORTS:
            (small / args[-1]).write_text("yesterday's export\n", encoding="utf-8")
        with open(small / "filler", "wb", buffering=0) as fh:
            try:
                while True:
                    fh.write(b"\0" * 1024)
            except OSError:
                pass
        yield small
    finally:
        import gc

        gc.collect()  # a Word or Excel writer that failed mid-save holds its file open until collected
        if subprocess.run(["umount", str(small)]).returncode != 0:
            subprocess.run(["umount", "-l", str(small)])


@pytest.mark.skipif(bool(POSTGRES), reason="file exports; the backend does not matter")
@pytest.mark.parametrize("args", EXPORTS, ids=lambda a: " ".join(a[:2]) + " " + a[-1])
def test_every_export_on_a_full_disk_is_one_line_and_keeps_the_old_file(
    run_cli, tmp_path, interview_file, tiny_codebook, full_disk, args
):
    db = tmp_path / "study.db"
    _two_coders(str(db), interview_file, tiny_codebook)
    target = full_disk / args[-1]
    result = run_cli(*args[:-1], target, "--db", db)
    assert result.exit_code == 1, result.output
    assert "the disk is full" in one_error_line(result)
    assert target.read_text(encoding="utf-8") == "yesterday's export\n"
    assert not [p.name for p in full_disk.iterdir() if p.name.startswith(".")], "a temporary file is left"
