"""`qualcode status` reads a current SQLite project without the store (``qualcode.project.peek``),
and gives what the store's summary gives; any other project goes the usual way, with the same
output, errors and exit status as before."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from qualcode.db import engine as dbengine
from qualcode.project import Project
from qualcode.project.peek import read_summary
from tests import not_a_project

from .conftest import INTERVIEW

SECOND = INTERVIEW.replace("Headteacher N1", "Teacher N2").replace("role: Headteacher", "role: Teacher")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def store_summary(location: str):
    with Project.open(location) as project:
        return project.summary()


@pytest.fixture(scope="module")
def demos(tmp_path_factory) -> dict[str, Path]:
    from qualcode.samples import build_demo

    where = tmp_path_factory.mktemp("demos")
    return {study: build_demo(where, study).path for study in ("rln", "pess")}


@pytest.mark.parametrize("study", ["rln", "pess"])
def test_the_light_read_of_a_demo_is_the_stores_summary(demos, study):
    light = read_summary(str(demos[study]))
    assert light is not None
    assert light == store_summary(str(demos[study]))
    assert light.n_transcripts > 0 and len(light.coders) >= 2 and sum(light.codings_by_coder.values()) > 0


def _new(tmp_path: Path, tiny_codebook, name: str = "study.db") -> str:
    location = str(tmp_path / name)
    Project.create(location, tiny_codebook).close()
    return location


def test_an_empty_project(tmp_path, tiny_codebook):
    location = _new(tmp_path, tiny_codebook)
    light = read_summary(location)
    assert light is not None and light == store_summary(location)
    assert (light.n_transcripts, light.n_words, light.coders, light.codebook) == (0, 0, (), "Tiny test codebook")


def _coded(tmp_path: Path, tiny_codebook) -> str:
    from qualcode.ingest.transcripts import parse_file

    location = _new(tmp_path, tiny_codebook)
    files = []
    for name, text in (("interview-01.txt", INTERVIEW), ("interview-02.txt", SECOND)):
        files.append(tmp_path / name)
        files[-1].write_text(text, encoding="utf-8")
    with Project.open(location) as p:
        for coder in ("alice", "bob", "carol", "dave"):
            p.add_coder(coder)
        for file in files:
            p.import_transcript(parse_file(file))
        for transcript in p.list_transcripts():
            for seg in p.segments(transcript.id):
                for coder in ("alice", "dave"):  # carol codes nothing
                    p.apply_code(coder, "formalisation.plans", seg.id)
        first = p.segments(p.list_transcripts()[0].id)[1]
        p.set_memo("alice", "segment", first.id, "the plan comes first")
        p.set_memo("bob", "segment", first.id, "agreed")
    return location


def test_a_project_with_memos_participants_and_removed_coders(tmp_path, tiny_codebook):
    location = _coded(tmp_path, tiny_codebook)
    with Project.open(location) as p:
        p.remove_coder("carol")  # a plain removal (of a coder with no work)
        p.remove_coder("dave", merge_into="alice")  # merged into another coder
    light = read_summary(location)
    assert light is not None and light == store_summary(location)
    assert light.coders == ("alice", "bob")
    assert (light.n_participants, light.n_memos, light.n_transcripts) == (2, 2, 2)


def test_a_coder_marked_removed_in_another_case_is_still_listed(tmp_path, tiny_codebook):
    """The removal key is matched exactly (the store's LIKE is case-blind; the check after it is not)."""
    location = _coded(tmp_path, tiny_codebook)
    with sqlite3.connect(location) as conn:
        carol = conn.execute("SELECT id FROM coders WHERE name = 'carol'").fetchone()[0]
        conn.execute("INSERT INTO project_info (key, value) VALUES (?, '')", (f"Coder.Removed.{carol}",))
    conn.close()
    light = read_summary(location)
    assert light is not None and light == store_summary(location)
    assert "carol" in light.coders


def test_the_location_is_shown_as_the_store_shows_it(tmp_path, tiny_codebook, monkeypatch):
    location = _new(tmp_path, tiny_codebook)
    monkeypatch.chdir(tmp_path)
    for given in ("study.db", location, "./study.db"):
        light = read_summary(given)
        assert light is not None and light.location == "study.db" == store_summary(given).location
    (tmp_path / "qualcode.db").write_bytes(Path(location).read_bytes())
    light = read_summary(None)
    assert light is not None and light.location == "qualcode.db" == store_summary("").location


def test_status_reads_a_current_project_without_opening_the_store(run_cli, tmp_path, tiny_codebook, monkeypatch):
    from qualcode.project import peek

    location = _coded(tmp_path, tiny_codebook)
    with monkeypatch.context() as through_the_store:
        through_the_store.setattr(peek, "read_summary", lambda db: None)
        expected = {fmt: run_cli("status", "--db", location, "--format", fmt) for fmt in ("table", "json")}
    before = digest(Path(location))

    def refused(*args, **kwargs):
        raise AssertionError("status opened the store")

    monkeypatch.setattr(Project, "open", refused)
    for fmt in ("table", "json"):
        result = run_cli("status", "--db", location, "--format", fmt)
        assert (result.exit_code, result.stdout, result.stderr) == (0, expected[fmt].stdout, "")
    assert "coder     alice: 10 codings" in expected["table"].stdout
    # nothing written, and no write-ahead log files left beside the project
    assert digest(Path(location)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["interview-01.txt", "interview-02.txt", "study.db"]


def test_status_answers_while_another_session_is_writing(tmp_path, tiny_codebook):
    location = _new(tmp_path, tiny_codebook)
    writer = sqlite3.connect(location, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE codebooks SET name = 'Renamed'")
        light = read_summary(location)  # the committed state, without waiting for the writer
        assert light is not None and light.codebook == "Tiny test codebook"
        writer.execute("COMMIT")
    finally:
        writer.close()
    light = read_summary(location)
    assert light is not None and light.codebook == "Renamed"


# ---------------------------------------------------------------------- the usual way, as before


def test_an_older_schema_is_migrated_by_status_as_before(run_cli, tmp_path, tiny_codebook):
    location = _coded(tmp_path, tiny_codebook)
    current = run_cli("status", "--db", location)
    engine = dbengine.make_engine(dbengine.resolve_url(location))
    dbengine.downgrade(engine, "0004")
    engine.dispose()
    assert read_summary(location) is None  # not current: left to the store, which migrates it
    result = run_cli("status", "--db", location)
    assert (result.exit_code, result.stdout, result.stderr) == (0, current.stdout, "")
    engine = dbengine.make_engine(dbengine.resolve_url(location))
    assert dbengine.current_revision(engine) == dbengine.HEAD_REVISION
    engine.dispose()
    assert (tmp_path / f"study.db.before-{dbengine.HEAD_REVISION}.bak").exists()


def test_a_newer_schema_is_refused_by_status_as_before(run_cli, tmp_path, tiny_codebook):
    location = _new(tmp_path, tiny_codebook)
    with sqlite3.connect(location) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    assert read_summary(location) is None
    result = run_cli("status", "--db", location)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == not_a_project.as_open_says(location)
    assert "written by a newer qualcode" in result.stderr


@pytest.mark.parametrize("kind", not_a_project.KINDS)
def test_what_is_not_a_project_is_refused_by_status_as_before(run_cli, tmp_path, kind):
    location = tmp_path / "thing.db"
    not_a_project.make(location, kind)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert read_summary(str(location)) is None
    expected = not_a_project.as_open_says(str(location))
    result = run_cli("status", "--db", location)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_locked_project_is_left_to_the_store_which_says_it_is_busy(run_cli, tmp_path, tiny_codebook, monkeypatch):
    location = _new(tmp_path, tiny_codebook)
    monkeypatch.setattr(dbengine, "BUSY_TIMEOUT_MS", 300)
    holder = sqlite3.connect(location, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE codebooks SET name = 'Renamed'")
        assert read_summary(location) is None
        expected = not_a_project.as_open_says(location)
        result = run_cli("status", "--db", location)
    finally:
        holder.close()
    assert "busy" in expected
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected)


def test_a_postgresql_project_is_summarised_through_the_store(project, project_url):
    """On PostgreSQL (and for every project the light read leaves alone) the summary is the store's."""
    if project.backend == "postgresql":
        assert read_summary(project_url) is None
    project.close()
    assert Project.summary_at(project_url) == store_summary(project_url)
