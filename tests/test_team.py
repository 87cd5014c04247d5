"""Team coding: blank copies for blind coding, merging coders' files, and one shared project."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.codebook import load_codebook
from qualcode.errors import QualcodeError
from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project
from qualcode.samples import codebook_path, coding_files, transcript_files

from .conftest import POSTGRES, TINY_CODEBOOK


def coding_set(project: Project) -> set[tuple]:
    names = {t.id: t.name for t in project.list_transcripts()}
    return {(c.coder, c.code_key, names[c.transcript_id], c.start, c.end) for c in project.list_codings()}


def answers(project: Project):
    info = project.list_transcripts()[0]
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
        assert [(c.coder, c.code_key) for c in copy.list_codings()] == [("alice", "formalisation.plans")]
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
    coding = a.list_codings()[0]
    a.set_memo("alice", "coding", coding.id, "clear case [laughs]")
    b.apply_code("bob", "formalisation.meetings", b_segs[0].id)
    b.add_code("Money", parent_key="prioritisation", coder="bob")
    b.apply_code("bob", "prioritisation.money", b_segs[1].id)

    dry = project.merge_from(a, dry_run=True)
    assert "add 2 codings by alice" in dry.lines() and project.list_codings() == []
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
    a.remove_coding("alice", a.list_codings()[0].id)
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
                    third.merge_from(theirs, force=True)  # built alike, but by its own init: another study
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


# ---------------------------------------------------------------------- nothing differs in silence


def test_union_and_ours_name_a_summary_and_a_memo_they_keep(project, run_cli, tmp_path):
    project.analysis.create_matrix("Schools", "school", ["School A"], ["formalisation"], coder="alice")
    project.set_memo("alice", "segment", answers(project)[0].id, "a note")
    a = project.copy_for_coder(str(tmp_path / "alice.db"), "alice")
    for p, who in ((project, "lead"), (a, "alice")):
        p.analysis.set_cell("Schools", "School A", "formalisation", f"{who}'s summary", coder="alice")
        p.set_memo("alice", "segment", answers(p)[0].id, f"{who}'s note")
    cell = "the summary 'School A' × 'formalisation' of matrix 'Schools'"
    for mode in ("union", "ours"):
        plan = project.merge_from(a, coders=mode, dry_run=True)
        assert f"keep ours: {cell} differs in the other project" in plan.notes, plan.notes
        assert any(n.startswith("keep ours: a memo by alice on segment") for n in plan.notes), plan.notes
    project.store.close()
    a.store.close()
    result = run_cli("merge", "--db", project.location, a.location, "--coders", "union")
    assert result.exit_code == 0
    assert f"keep ours: {cell} differs in the other project" in result.stdout
    assert "already has everything" not in result.stdout
    theirs = run_cli("merge", "--db", project.location, a.location, "--coders", "theirs", "--dry-run")
    assert f"would replace {cell} with theirs" in theirs.stdout


def test_a_code_deleted_or_merged_in_the_coders_file_is_reported_and_kept(project, copies):
    a, _ = copies
    a.delete_code("prioritisation.time", coder="alice")
    a.merge_code("formalisation.meetings", "formalisation.plans", coder="alice")
    plan = project.merge_from(a)
    assert plan.notes == [
        "code 'prioritisation.time' was deleted in the other project; it is kept here (not merged)",
        "code 'formalisation.meetings' was merged into 'formalisation.plans' in the other project; "
        "it is kept here (not merged)",
    ]
    assert {c.key for c in project.codes()} >= {"prioritisation.time", "formalisation.meetings"}
    project.add_code("New here", parent_key="prioritisation")  # added after the copy: no note
    assert project.merge_from(a).notes == plan.notes


# ---------------------------------------------------------------------- one study


def test_merging_another_study_is_refused_unless_forced(project, tmp_path, tiny_codebook, interview_file, run_cli):
    with Project.create(str(tmp_path / "other.db"), tiny_codebook) as other:
        other.add_coder("carol")
        other.import_transcript(parse_file(interview_file))
        other.apply_code("carol", "formalisation.plans", answers(other)[0].id)
    with Project.open(str(tmp_path / "other.db")) as other:
        with pytest.raises(QualcodeError, match="other.db is a different study .*--force merges it anyway"):
            project.merge_from(other)
        assert project.coders()[-1].name == "bob"  # nothing merged
        plan = project.merge_from(other, force=True)
        assert plan.lines() == ["add coder carol", "add 1 codings by carol"]
    project.store.close()
    refused = run_cli("merge", "--db", project.location, tmp_path / "other.db", "--dry-run")
    assert refused.exit_code == 1
    assert refused.stderr.count("\n") == 1 and "different study" in refused.stderr


def test_copies_carry_the_study_and_a_study_id_is_made_for_an_older_project(project, tmp_path):
    from qualcode.project.team import STUDY_KEY

    study = project.setting(STUDY_KEY)
    assert study and len(study) == 36
    with project.store.tx() as s:  # a project made before study ids existed
        from sqlalchemy import delete

        from qualcode.db.models import ProjectInfo

        s.execute(delete(ProjectInfo).where(ProjectInfo.key == STUDY_KEY))
    with project.copy_for_coder(str(tmp_path / "alice.db"), "alice") as copy:
        given = project.setting(STUDY_KEY)
        assert given and given != study and copy.setting(STUDY_KEY) == given
        assert project.merge_from(copy).empty


def test_older_projects_without_study_ids_are_compared_by_what_they_share(project, tmp_path, tiny_codebook):
    from sqlalchemy import delete

    from qualcode.db.models import ProjectInfo
    from qualcode.project.team import STUDY_KEY

    def forget(p: Project) -> None:
        with p.store.tx() as s:
            s.execute(delete(ProjectInfo).where(ProjectInfo.key == STUDY_KEY))

    with (
        project.copy_for_coder(str(tmp_path / "alice.db"), "alice") as copy,
        Project.create(str(tmp_path / "other.db"), tiny_codebook) as other,
    ):
        for p in (project, copy, other):
            forget(p)
        assert project.team.different_study(copy.team) is None  # the copy's codes have the same GUIDs
        assert "shares no code and no transcript" in (project.team.different_study(other.team) or "")


# ---------------------------------------------------------------------- copy and split: whole or nothing


def _disk_full_at_segments(monkeypatch, only_for: str | None = None):
    """The disk fills while a copy's transcripts are written (SQLite's page limit: a real SQLITE_FULL)."""
    from sqlalchemy import text

    import qualcode.project.team as team

    real = team.index_segments

    def full(s, transcript_id):
        if only_for is None or only_for in str(s.get_bind().engine.url):
            pages = s.execute(text("PRAGMA page_count")).scalar()
            s.execute(text(f"PRAGMA max_page_count = {pages}"))
            s.execute(text("INSERT INTO project_info (key, value) VALUES ('filler', :v)"), {"v": "x" * 200_000})
        return real(s, transcript_id)

    monkeypatch.setattr(team, "index_segments", full)


@pytest.mark.skipif(bool(POSTGRES), reason="SQLite's page limit makes a full disk on demand")
@pytest.mark.parametrize("command", ["copy", "split"])
def test_a_copy_or_split_that_fills_the_disk_leaves_nothing_and_can_be_retried(
    command, run_cli, tmp_path, interview_file, monkeypatch
):
    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    run_cli("init", "lead.db", "--codebook", "tiny.yaml")
    run_cli("import", "--db", "lead.db", interview_file)
    run_cli("coders", "add", "--db", "lead.db", "alice", "bob")
    args = ["copy", "--db", "lead.db", "alice.db", "--coder", "alice"] if command == "copy" else None
    args = args or ["split", "--db", "lead.db", "--dir", "."]
    with monkeypatch.context() as m:
        _disk_full_at_segments(m, only_for=None if command == "copy" else "bob.db")
        result = run_cli(*args)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["error: the disk is full: nothing was changed; free some space and try again"], result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["lead.db", "tiny.yaml", interview_file.name])
    again = run_cli(*args)  # nothing half-made stands in the way
    assert again.exit_code == 0, again.stderr
    for coder in ("alice",) if command == "copy" else ("alice", "bob"):
        checked = run_cli("check", "--db", f"{coder}.db")
        assert checked.exit_code == 0 and "1 transcripts" in checked.stdout, checked.output


def test_split_refuses_before_building_when_one_copy_exists(run_cli, tmp_path, interview_file):
    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    run_cli("init", "lead.db", "--codebook", "tiny.yaml")
    run_cli("coders", "add", "--db", "lead.db", "alice", "bob")
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "bob.db").write_text("bob's own file", encoding="utf-8")
    result = run_cli("split", "--db", "lead.db", "--dir", "h")
    assert result.exit_code == 1
    assert "bob.db already exists" in result.stderr
    assert sorted(p.name for p in (tmp_path / "h").iterdir()) == ["bob.db"]
    assert (tmp_path / "h" / "bob.db").read_text(encoding="utf-8") == "bob's own file"


@pytest.mark.skipif(bool(POSTGRES), reason="SQLite files on a small file system")
def test_copy_and_split_on_a_really_full_disk_leave_nothing(run_cli, tmp_path, interview_file):
    """A 256 KB tmpfs: too small for a copy (root only; the page-limit test above runs everywhere)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    small = tmp_path / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(small)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
        run_cli("init", "lead.db", "--codebook", "tiny.yaml")
        run_cli("import", "--db", "lead.db", interview_file)
        run_cli("coders", "add", "--db", "lead.db", "alice", "bob")
        for args in (("copy", small / "alice.db", "--coder", "alice"), ("split", "--dir", small)):
            result = run_cli(*args, "--db", "lead.db")
            assert result.exit_code == 1
            assert result.stderr == "error: the disk is full: nothing was changed; free some space and try again\n"
            assert list(small.iterdir()) == []
    finally:
        subprocess.run(["umount", str(small)])
