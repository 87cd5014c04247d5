"""Team coding: blank copies for blind coding, merging coders' files, and one shared project."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.codebook import load_codebook
from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project
from qualcode.samples import codebook_path, coding_files, transcript_files

from .conftest import TINY_CODEBOOK


def coding_set(project: Project) -> set[tuple]:
    names = {t.id: t.name for t in project.transcripts()}
    return {(c.coder, c.code_key, names[c.transcript_id], c.start, c.end) for c in project.codings()}


def answers(project: Project):
    info = project.transcripts()[0]
    return [s for s in project.segments(info.id) if s.speaker != "Interviewer"]


@pytest.fixture
def copies(project, tmp_path):
    a = project.copy_for_coder(str(tmp_path / "alice.db"), "alice")
    b = project.copy_for_coder(str(tmp_path / "bob.db"), "bob")
    yield a, b
    a.close()
    b.close()


def test_copy_holds_transcripts_codebook_and_only_that_coders_work(project, tmp_path):
    seg = answers(project)[0]
    project.apply_code("alice", "formalisation.plans", seg.id)
    project.apply_code("bob", "formalisation.meetings", seg.id)
    project.set_memo("bob", "segment", seg.id, "bob's private note")
    with project.copy_for_coder(str(tmp_path / "alice.db"), "alice") as copy:
        assert [c.name for c in copy.coders()] == ["alice"]
        assert [(c.coder, c.code_key) for c in copy.codings()] == [("alice", "formalisation.plans")]
        assert copy.memos() == []
        assert copy.codebook_doc() == project.codebook_doc()
        assert [c.guid for c in copy.codes()] == [c.guid for c in project.codes()]
        assert [s.text for s in answers(copy)] == [s.text for s in answers(project)]
        assert copy.check() == []


def test_lead_merges_two_coders_files_and_a_second_merge_changes_nothing(project, copies):
    a, b = copies
    a_segs, b_segs = answers(a), answers(b)
    a.apply_code("alice", "formalisation.plans", a_segs[0].id)
    a.apply_code("alice", "prioritisation.time", a_segs[1].id, a_segs[1].start, a_segs[1].start + 12)
    coding = a.codings()[0]
    a.set_memo("alice", "coding", coding.id, "clear case [laughs]")
    b.apply_code("bob", "formalisation.meetings", b_segs[0].id)
    b.add_code("Money", parent_key="prioritisation", coder="bob")
    b.apply_code("bob", "prioritisation.money", b_segs[1].id)

    dry = project.merge_from(a, dry_run=True)
    assert "add 2 codings by alice" in dry.lines() and project.codings() == []
    project.merge_from(a)
    plan = project.merge_from(b)
    assert "add code prioritisation.money" in plan.lines()
    assert coding_set(project) == coding_set(a) | coding_set(b)
    assert project.memos("alice")[0].text == "clear case [laughs]"
    assert project.merge_from(a).empty and project.merge_from(b).empty
    assert project.check() == []


def test_code_defined_differently_is_a_conflict_until_resolved(project, copies):
    a, _ = copies
    a.update_code("formalisation.plans", name="Plans and appraisal", coder="alice")
    plan = project.merge_from(a)
    assert plan.conflicts == [
        "code 'formalisation.plans' is defined differently (name); choose --codebook ours or theirs"
    ]
    assert project.code("formalisation.plans").name == "Plans"
    project.merge_from(a, codebook="ours")
    assert project.code("formalisation.plans").name == "Plans"
    project.merge_from(a, codebook="theirs")
    assert project.code("formalisation.plans").name == "Plans and appraisal"


def test_coder_with_different_work_is_a_conflict_until_resolved(project, copies):
    a, _ = copies
    segs = answers(a)
    a.apply_code("alice", "formalisation.plans", segs[0].id)
    project.merge_from(a)
    # alice keeps coding in her file: more work is simply brought up to date.
    a.apply_code("alice", "formalisation.meetings", segs[1].id)
    assert project.merge_from(a).lines() == ["add 1 codings by alice"]
    # alice removes one coding and adds another: the two projects now disagree about her work.
    a.remove_coding("alice", a.codings()[0].id)
    a.apply_code("alice", "prioritisation.time", segs[0].id)
    plan = project.merge_from(a)
    assert len(plan.conflicts) == 1 and "coder 'alice' has different work" in plan.conflicts[0]
    before = coding_set(project)
    assert project.merge_from(a, coders="ours").empty or coding_set(project) == before
    project.merge_from(a, coders="union")
    assert coding_set(project) == before | coding_set(a)
    project.merge_from(a, coders="theirs")
    assert coding_set(project) == coding_set(a)


def test_cli_merge_copy_split(run_cli, tmp_path, interview_file):
    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    run_cli("init", "lead.db", "--codebook", "tiny.yaml")
    run_cli("import", "--db", "lead.db", str(interview_file))
    run_cli("coders", "add", "--db", "lead.db", "alice", "bob")
    result = run_cli("split", "--db", "lead.db", "--dir", "handout")
    assert result.exit_code == 0 and (tmp_path / "handout" / "alice.db").exists()
    (tmp_path / "a.csv").write_text(
        "coder,transcript,code,anchor\nalice,interview-01,prioritisation.time,release time\n", encoding="utf-8"
    )
    assert run_cli("import", "--db", "handout/alice.db", "a.csv").exit_code == 0
    dry = run_cli("merge", "--db", "lead.db", "handout/alice.db", "--dry-run")
    assert dry.stdout.strip() == "would add 1 codings by alice"
    assert run_cli("merge", "--db", "lead.db", "handout/alice.db").exit_code == 0
    assert "nothing to merge" in run_cli("merge", "--db", "lead.db", "handout/alice.db").stdout
    assert run_cli("coders", "list", "--db", "lead.db").stdout.splitlines()[1].split() == ["alice", "1"]
    assert run_cli("copy", "--db", "lead.db", "x.db", "--coder", "nobody").exit_code == 1
    assert run_cli("merge", "--db", "lead.db", "lead.db").exit_code == 1


# ---------------------------------------------------------------------- the demo, both ways


def demo_lead(location: str) -> Project:
    project = Project.create(location, load_codebook(codebook_path("rln")))
    for file in transcript_files("rln"):
        project.import_transcript(parse_file(file))
    project.add_coder("alice")
    project.add_coder("bob")
    return project


def rows_for(coder: str, tmp_path: Path) -> list[Path]:
    """The sample codings split into one file per coder (what each coder does on their own)."""
    out = []
    for file in coding_files("rln"):
        rows = list(csv.DictReader(io.StringIO(file.read_text(encoding="utf-8"))))
        mine = [r for r in rows if r["coder"] == coder]
        path = tmp_path / f"{coder}-{file.name}"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(mine)
        out.append(path)
    return out


def test_two_coders_in_separate_files_merged_by_the_lead_match_the_shared_project(tmp_path, project_url):
    # Separate files: copies handed out, coded blind, merged into a third project.
    with demo_lead(str(tmp_path / "lead.db")) as lead:
        for coder in ("alice", "bob"):
            with lead.copy_for_coder(str(tmp_path / f"{coder}.db"), coder) as mine:
                for path in rows_for(coder, tmp_path):
                    mine.import_codings(path)
        with demo_lead(str(tmp_path / "third.db")) as third:
            for coder in ("alice", "bob"):
                with Project.open(str(tmp_path / f"{coder}.db")) as theirs:
                    third.merge_from(theirs)
            merged = coding_set(third)
    assert {c for c, *_ in merged} == {"alice", "bob"} and len(merged) > 40

    # One shared project (PostgreSQL when the suite runs against a server): both code at once.
    demo_lead(project_url).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "qualcode", "import", "--db", project_url, *map(str, rows_for(coder, tmp_path))],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for coder in ("alice", "bob")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    with Project.open(project_url) as shared:
        assert coding_set(shared) == merged
        assert shared.check() == []
