"""`qualcode retrieve`, `cooccur`, `compare`, `matrix list`/`show` and `export matrix` read a current SQLite project with sqlite3
(``qualcode.project.light``), without SQLAlchemy, and give what the store's read gives: the same
records and the same files, on both demo studies, on a project with codings across turns, memos
and names to black out, and on a generated one. Any other project goes the usual way, with the
same output, errors and exit status as before; so do a user's mistakes."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from qualcode.db import engine as dbengine
from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project
from qualcode.project.light import LightProject
from tests import not_a_project

from .test_analysis_slices import SECOND, outputs

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def same_as_the_store(location: str) -> dict[str, object]:
    with Project.analysis_at(location) as light:
        assert isinstance(light, LightProject)
        got = outputs(SimpleNamespace(analysis=light._reads))
    with Project.open(location) as project:
        expected = outputs(project)
    assert got.keys() == expected.keys()
    for label in got:
        assert got[label] == expected[label], label
    return got


@pytest.fixture(scope="module")
def demos(tmp_path_factory) -> dict[str, Path]:
    from qualcode.samples import build_demo

    where = tmp_path_factory.mktemp("demos")
    return {study: build_demo(where, study).path for study in ("rln", "pess")}


@pytest.mark.parametrize("study", ["rln", "pess"])
def test_every_read_of_a_demo_is_the_stores(demos, study):
    got = same_as_the_store(str(demos[study]))
    assert sum(len(v.passages) for v in got.values() if hasattr(v, "passages")) > 100
    if study == "rln":  # the one with framework matrices
        assert any(label.startswith("matrix ") for label in got) and any(label.startswith("cell ") for label in got)


def _coded(tmp_path: Path, tiny_codebook, interview_file: Path) -> str:
    """Codings across turns, an interviewer's turn coded alone, memos on a coding and a turn, a
    second interviewee, and names in the participants' identifying data."""
    location = str(tmp_path / "study.db")
    second = tmp_path / "interview-02.txt"
    second.write_text(SECOND, encoding="utf-8")
    with Project.create(location, tiny_codebook) as project:
        for coder in ("alice", "bob"):
            project.add_coder(coder)
        for file in (interview_file, second):
            project.import_transcript(parse_file(file))
        first, other = project.list_transcripts()
        body = project.transcript_text(first.id)
        codes = [c.key for c in project.codes()]
        leaf = next(c.key for c in project.codes() if c.parent_key is not None)
        run = "And time?\n\nHeadteacher: We paid for cover"
        start = body.index(run)
        across = project.code_span("alice", leaf, first.id, start, start + len(run))
        project.code_span("bob", leaf, first.id, start + 11, start + len(run))
        question = body.index("How did you make")
        project.code_span("bob", codes[0], first.id, question, question + 20)
        segs = project.segments(first.id)
        project.apply_code("alice", codes[0], segs[1].id)
        project.apply_code("bob", codes[0], segs[-1].id)
        project.set_memo("alice", "coding", across.id, "the question belongs to the answer")
        project.set_memo("bob", "segment", segs[2].id, "cover, not time")
        for seg in project.segments(other.id):
            project.apply_code("alice", codes[-1], seg.id)
    return location


def test_codings_across_turns_memos_and_names_are_read_as_the_store_reads_them(tmp_path, tiny_codebook, interview_file):
    location = _coded(tmp_path, tiny_codebook, interview_file)
    with sqlite3.connect(location) as conn:  # a name the passages mention, to black out
        conn.execute("""UPDATE participants SET identifying = '{"name": "Helen Achterberg", "school": "workshops"}'""")
    conn.close()
    got = same_as_the_store(location)
    shown = json.dumps([str(v) for v in got.values()])
    assert "The [school] were useful" in shown and "The workshops were useful" in shown  # redact=False kept it
    assert any("the question belongs to the answer" in str(v) for v in got.values())


def test_a_generated_project_is_read_as_the_store_reads_it(tmp_path):
    from benchmarks.corpus import build_project

    location = str(tmp_path / "generated.db")
    build_project(location, 12).close()
    with Project.analysis_at(location) as light:
        found = light.retrieve("prioritisation", context=1)
        frame = light.analysis_frame()
        pairs = light.cooccurrence(rollup=True)
    with Project.open(location) as project:
        assert found == project.retrieve("prioritisation", context=1)
        assert frame == project.analysis_frame()
        assert pairs == project.cooccurrence(rollup=True)
    assert len(found.passages) > 20 and frame.transcripts and pairs.pairs


def test_the_read_is_one_snapshot_and_writes_nothing(tmp_path, tiny_codebook, interview_file):
    location = _coded(tmp_path, tiny_codebook, interview_file)
    before = digest(Path(location))
    with Project.analysis_at(location) as light:
        assert isinstance(light, LightProject)
        first = light.retrieve("formalisation")
        with Project.open(location) as writer:  # a coder goes on coding meanwhile
            seg = writer.segments(writer.list_transcripts()[0].id)[3]
            writer.apply_code("bob", "formalisation.plans", seg.id)
        light._reads.forget()
        assert light.retrieve("formalisation") == first  # what was committed when the read began
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            light._conn.execute("DELETE FROM codings")  # type: ignore[union-attr]
    with Project.analysis_at(location) as light:
        assert light.retrieve("formalisation") != first  # the next command sees the new coding
    assert digest(Path(location)) != before  # the writer's change, and nothing else:
    assert sorted(p.name for p in tmp_path.iterdir()) == ["interview-01.txt", "interview-02.txt", "study.db"]


def test_a_read_that_fails_half_way_is_done_again_by_the_store(tmp_path, tiny_codebook, interview_file, monkeypatch):
    location = _coded(tmp_path, tiny_codebook, interview_file)
    with Project.open(location) as project:
        expected = project.retrieve("formalisation", context=1)
    from qualcode.project import slices

    real = slices.read_slice

    calls = []

    def damaged(r, *args, **kwargs):
        calls.append(r)
        if len(calls) == 1:  # the light read's
            raise sqlite3.DatabaseError("database disk image is malformed")
        return real(r, *args, **kwargs)

    monkeypatch.setattr("qualcode.project.analysis_reads.read_slice", damaged)
    with Project.analysis_at(location) as light:
        assert isinstance(light, LightProject)
        assert light.retrieve("formalisation", context=1) == expected
        assert light._project is not None  # the store read it


# ---------------------------------------------------------------------- the CLI


def test_the_analysis_commands_read_without_the_store(run_cli, tmp_path, tiny_codebook, interview_file):
    location = _coded(tmp_path, tiny_codebook, interview_file)
    made = run_cli("matrix", "create", "Schools", "--rows-by", "school", "--coder", "alice", "--db", location)
    assert made.exit_code == 0, made.stderr
    written = run_cli(
        "matrix", "set", "Schools", "School A", "formalisation", "Plans.", "--coder", "bob", "--db", location
    )
    assert written.exit_code == 0, written.stderr
    commands = [
        ("retrieve", "formalisation", "--format", "json"),
        ("retrieve", "formalisation", "--format", "md", "--context", "1", "--by", "role"),
        ("retrieve", "formalisation", "--coders", "alice,bob", "--agreed", "--format", "csv"),
        ("cooccur", "--format", "json"),
        ("cooccur", "--rollup", "--where", "role=Headteacher", "--format", "csv"),
        ("compare", "--a", "role=Headteacher", "--b", "role=Teacher", "--format", "json"),
        ("matrix", "list", "--format", "json"),
        ("matrix", "show", "Schools"),
        ("matrix", "show", "Schools", "School A", "formalisation", "--format", "json", "--context", "1"),
        ("export", "matrix", "Schools", "--format", "md"),  # counts and quotes: the demo's, above
    ]
    expected = {}
    with pytest.MonkeyPatch.context() as through_the_store:
        through_the_store.setattr(LightProject, "open", classmethod(lambda cls, db, store: None))
        for args in commands:
            expected[args] = run_cli(*args, "--db", location)

    def refused(*args, **kwargs):
        raise AssertionError("the store was opened")

    with pytest.MonkeyPatch.context() as light_only:
        light_only.setattr(Project, "open", refused)
        for args in commands:
            result = run_cli(*args, "--db", location)
            assert (result.exit_code, result.stdout, result.stderr) == (
                0,
                expected[args].stdout,
                expected[args].stderr,
            ), args
    assert "the question belongs to the answer" in expected[commands[0]].stdout


MISTAKES = [
    ("retrieve", "formalisaton"),
    ("retrieve", "nothing.like.it"),
    ("retrieve", "formalisation", "--where", "role"),
    ("retrieve", "formalisation", "--where", "colour=blue"),
    ("retrieve", "formalisation", "--coders", "zed"),
    ("retrieve", "formalisation", "--coders", "alice", "--agreed"),
    ("retrieve", "formalisation", "--by", "colour"),
    ("cooccur", "--coders", "zed"),
    ("cooccur", "--where", "colour=blue"),
    ("compare", "--a", "role=Headteacher", "--b", "colour=blue"),
    ("matrix", "show", "Nowhere"),
    ("export", "matrix", "Nowhere", "--format", "md"),
]


@pytest.mark.parametrize("args", MISTAKES, ids=[" ".join(a) for a in MISTAKES])
def test_a_mistake_is_worded_as_the_store_words_it(run_cli, tmp_path, tiny_codebook, interview_file, args):
    location = _coded(tmp_path, tiny_codebook, interview_file)
    with pytest.MonkeyPatch.context() as through_the_store:
        through_the_store.setattr(LightProject, "open", classmethod(lambda cls, db, store: None))
        expected = run_cli(*args, "--db", location)
    result = run_cli(*args, "--db", location)
    assert (result.exit_code, result.stdout, result.stderr) == (expected.exit_code, expected.stdout, expected.stderr)
    assert result.exit_code != 0 and result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_an_unknown_code_or_coder_is_named_with_where_to_look(run_cli, tmp_path, tiny_codebook, interview_file):
    location = _coded(tmp_path, tiny_codebook, interview_file)
    result = run_cli("retrieve", "formalisaton", "--db", location)
    assert (result.exit_code, result.stderr) == (
        1,
        "error: unknown code 'formalisaton'; `qualcode codebook show` lists the codes\n",
    )
    result = run_cli("retrieve", "formalisation", "--coders", "zed", "--db", location)
    assert (result.exit_code, result.stderr) == (1, "error: unknown coder 'zed' (coders: alice, bob)\n")


# ---------------------------------------------------------------------- the usual way, as before


def test_an_older_schema_is_migrated_by_retrieve_as_before(run_cli, tmp_path, tiny_codebook, interview_file):
    location = _coded(tmp_path, tiny_codebook, interview_file)
    current = run_cli("retrieve", "formalisation", "--format", "json", "--db", location)
    engine = dbengine.make_engine(dbengine.resolve_url(location))
    dbengine.downgrade(engine, "0004")
    engine.dispose()
    assert LightProject.open(location, lambda: Project.open(location)) is None
    result = run_cli("retrieve", "formalisation", "--format", "json", "--db", location)
    assert (result.exit_code, result.stdout) == (0, current.stdout)
    migrated = LightProject.open(location, lambda: Project.open(location))
    assert migrated is not None
    migrated.close()
    assert (tmp_path / f"study.db.before-{dbengine.HEAD_REVISION}.bak").exists()


def test_a_newer_schema_is_refused_by_retrieve_as_before(run_cli, tmp_path, tiny_codebook, interview_file):
    location = _coded(tmp_path, tiny_codebook, interview_file)
    with sqlite3.connect(location) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    result = run_cli("retrieve", "formalisation", "--db", location)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == not_a_project.as_open_says(location)


@pytest.mark.parametrize("kind", not_a_project.KINDS)
def test_what_is_not_a_project_is_refused_by_retrieve_as_before(run_cli, tmp_path, kind):
    location = tmp_path / "thing.db"
    not_a_project.make(location, kind)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert LightProject.open(str(location), lambda: Project.open(str(location))) is None
    expected = not_a_project.as_open_says(str(location))
    for command in (("retrieve", "formalisation"), ("cooccur",), ("compare", "--a", "a=b", "--b", "a=c")):
        result = run_cli(*command, "--db", str(location))
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_locked_project_is_left_to_the_store_which_says_it_is_busy(
    run_cli, tmp_path, tiny_codebook, interview_file, monkeypatch
):
    location = _coded(tmp_path, tiny_codebook, interview_file)
    monkeypatch.setattr(dbengine, "BUSY_TIMEOUT_MS", 300)
    holder = sqlite3.connect(location, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE codebooks SET name = 'Renamed'")
        assert LightProject.open(location, lambda: Project.open(location)) is None
        expected = not_a_project.as_open_says(location)
        result = run_cli("retrieve", "formalisation", "--db", location)
    finally:
        holder.close()
    assert "busy" in expected
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected)


def test_a_postgresql_project_is_read_through_the_store(project, project_url):
    """On PostgreSQL (and every project the light read leaves alone) the reads are the store's."""
    project.apply_code("alice", "formalisation.plans", project.segments(project.list_transcripts()[0].id)[1].id)
    project.close()
    with Project.analysis_at(project_url) as reading:
        assert isinstance(reading, LightProject) == (project.backend == "sqlite")
        found = reading.retrieve("formalisation")
    with Project.open(project_url) as store:
        assert found == store.retrieve("formalisation") and found.passages
