"""Coders are people: rename, remove and merge, each one undoable event, carried by `merge`."""

from __future__ import annotations

import json
import zipfile

import pytest

from qualcode.errors import QualcodeError

from .conftest import TINY_CODEBOOK


def _turns(project):
    tid = project.list_transcripts()[0].id
    return [s for s in project.segments(tid) if s.speaker == "Headteacher"]


def _work(project, coder):
    codings = sorted((c.code_key, c.segment_id, c.start, c.end) for c in project.list_codings(coders=[coder]))
    memos = sorted((m.target, m.target_id, m.text) for m in project.memos(coder))
    return codings, memos


def test_rename_carries_the_work_and_undo_reverses_it(project):
    seg = _turns(project)[0]
    project.apply_code("alice", "prioritisation.time", seg.id)
    project.set_memo("alice", "segment", seg.id, "first thought")
    before = _work(project, "alice")
    project.rename_coder("alice", "Alice Smith")
    assert [c.name for c in project.coders()] == ["Alice Smith", "bob"]
    assert _work(project, "Alice Smith") == before
    with pytest.raises(QualcodeError, match="unknown coder 'alice'"):
        project.apply_code("alice", "prioritisation.time", seg.id)
    undone = project.undo("Alice Smith")
    assert undone.summary == "undid renaming coder alice to Alice Smith"
    assert [c.name for c in project.coders()] == ["alice", "bob"] and _work(project, "alice") == before
    project.redo("alice")
    assert [c.name for c in project.coders()] == ["Alice Smith", "bob"]


def test_bad_renames_and_removals_change_nothing(project):
    project.apply_code("alice", "prioritisation.time", _turns(project)[0].id)
    before = (project.coders(), _work(project, "alice"), len(project.events(limit=1000)))
    for call, problem in [
        (lambda: project.rename_coder("alice", "bob"), "already a coder called 'bob'"),
        (lambda: project.rename_coder("carol", "dave"), "unknown coder 'carol'"),
        (lambda: project.rename_coder("alice", "  "), "invalid coder name"),
        (lambda: project.remove_coder("carol"), "unknown coder 'carol'"),
        (lambda: project.remove_coder("alice"), "has codings"),
        (lambda: project.merge_coders("alice", "alice"), "into themselves"),
        (lambda: project.merge_coders("alice", "carol"), "unknown coder 'carol'"),
    ]:
        with pytest.raises(QualcodeError, match=problem):
            call()
    assert (project.coders(), _work(project, "alice"), len(project.events(limit=1000))) == before


def test_remove_hides_the_coder_and_undo_or_adding_brings_them_back(project):
    project.add_coder("carol")
    project.remove_coder("carol")
    assert [c.name for c in project.coders()] == ["alice", "bob"]
    assert project.summary().coders == ("alice", "bob")
    with pytest.raises(QualcodeError, match="'carol' was removed"):
        project.apply_code("carol", "prioritisation.time", _turns(project)[0].id)
    assert project.undo("carol").summary == "undid removing coder carol"
    assert "carol" in [c.name for c in project.coders()]
    project.redo("carol")
    assert "carol" not in [c.name for c in project.coders()]
    project.add_coder("carol")  # the same person, back
    assert "carol" in [c.name for c in project.coders()]
    project.apply_code("carol", "prioritisation.time", _turns(project)[0].id)


def test_merge_gives_everything_to_the_other_coder_and_loses_nothing(project):
    one, two = _turns(project)[:2]
    # both coded the same passage with the same code: kept once, as bob's, with alice's memo on it
    project.apply_code("bob", "prioritisation.time", one.id)
    mine = project.apply_code("alice", "prioritisation.time", one.id)
    project.set_memo("alice", "coding", mine.id, "alice on the coding")
    project.apply_code("alice", "prioritisation.time", two.id)  # only alice: moved to bob
    project.set_memo("alice", "segment", one.id, "alice's note")
    project.set_memo("bob", "segment", one.id, "bob's note")  # both: one memo, both texts
    alice_before, bob_before = _work(project, "alice"), _work(project, "bob")

    merged = project.merge_coders("alice", "bob")
    assert (merged.codings_moved, merged.codings_dropped, merged.memos_moved, merged.memos_joined) == (1, 1, 1, 1)
    assert [c.name for c in project.coders()] == ["bob"]
    codings, memos = _work(project, "bob")
    assert len(codings) == 2  # the shared passage once, alice's other one
    texts = sorted(m[2] for m in memos)
    assert texts == ["alice on the coding", "bob's note\n\nalice's note"]
    with pytest.raises(QualcodeError, match="merged into 'bob'"):
        project.undo("alice")

    assert project.undo("bob").summary == "undid merging coder alice into bob"
    assert _work(project, "alice") == alice_before and _work(project, "bob") == bob_before
    assert [c.name for c in project.coders()] == ["alice", "bob"]
    project.redo("bob")
    assert len(_work(project, "bob")[0]) == 2 and [c.name for c in project.coders()] == ["bob"]
    project.undo("bob")
    assert _work(project, "alice") == alice_before


def test_remove_with_merge_into_and_analysis_after_it(project):
    one, two = _turns(project)[:2]
    project.add_coder("carol")
    for coder in ("alice", "bob", "carol"):
        project.apply_code(coder, "prioritisation.time", one.id)
    project.apply_code("carol", "prioritisation.time", two.id)
    project.remove_coder("carol", merge_into="alice")
    project.rename_coder("bob", "Robert")
    data = project.reliability_data(["alice", "Robert"], "segment")
    assert data is not None
    exported = project.export_data(texts=False, memos=False, details=False)
    assert exported.coders == ["Robert", "alice"]


def test_when_a_merge_cannot_be_undone_the_next_undo_reaches_the_merged_coders_changes(project):
    """A merge whose dropped coding lost its code (merged into another by someone else) cannot be
    reversed: the undo is skipped, and the next one reaches the merged coder's last change, which
    is the target coder's now."""
    one, two = _turns(project)[:2]
    project.apply_code("bob", "prioritisation.time", one.id)
    project.apply_code("alice", "prioritisation.time", one.id)
    project.apply_code("alice", "formalisation.plans", two.id)
    project.merge_coders("alice", "bob")
    project.merge_code("prioritisation.time", "formalisation.meetings")  # nobody's undo: not bob's
    skipped = project.undo("bob")
    assert skipped.kind == "undo.skip" and skipped.action == "coder.merge"
    assert project.undo("bob").action == "coding.add"  # alice's coding of plans on the second turn
    assert [(c.code_key, c.segment_id) for c in project.list_codings(coders=["bob"])] == [
        ("formalisation.meetings", one.id)
    ]


@pytest.fixture
def cli_project(run_cli, tmp_path, interview_file):
    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK)
    assert run_cli("init", "p.db", "--codebook", "tiny.yaml").exit_code == 0
    assert run_cli("--db", "p.db", "coders", "add", "alice", "bob", "arol").exit_code == 0
    assert run_cli("--db", "p.db", "import", str(interview_file)).exit_code == 0
    return "p.db"


def test_cli_rename_remove_merge_and_undo(run_cli, cli_project, tmp_path):
    db = ("--db", cli_project)
    assert run_cli(*db, "autocode", "prioritisation.time", "--match", "budget", "--coder", "arol").exit_code == 0
    done = run_cli(*db, "coders", "remove", "arol")
    assert done.exit_code == 1 and done.stderr.count("\n") == 1 and "has codings" in done.stderr
    done = run_cli(*db, "coders", "merge", "arol", "alice")
    assert done.exit_code == 0 and "merged coder arol into alice: 1 codings moved" in done.output
    listed = json.loads(run_cli(*db, "coders", "list", "--format", "json").output)
    assert listed == [{"name": "alice", "codings": 1}, {"name": "bob", "codings": 0}]
    assert "undid merging coder arol into alice" in run_cli(*db, "undo", "--coder", "alice").output
    assert run_cli(*db, "coders", "remove", "arol", "--merge-into", "alice").exit_code == 0
    assert run_cli(*db, "coders", "rename", "bob", "Robert").exit_code == 0
    assert run_cli(*db, "coders", "remove", "Robert").exit_code == 0
    listed = json.loads(run_cli(*db, "coders", "list", "--format", "json").output)
    assert listed == [{"name": "alice", "codings": 1}]
    out = tmp_path / "p.qdpx"
    assert run_cli(*db, "export", "qdpx", "-o", str(out)).exit_code == 0
    with zipfile.ZipFile(out) as z:
        qde = z.read("project.qde").decode()
    assert 'name="alice"' in qde and 'name="arol"' not in qde and 'name="Robert"' not in qde
    for args, problem in [
        (("rename", "alice", "arol"), "already a coder called 'arol'"),
        (("remove", "nobody"), "unknown coder 'nobody'"),
        (("merge", "alice", "alice"), "into themselves"),
    ]:
        before = run_cli(*db, "events", "--format", "json").output
        bad = run_cli(*db, "coders", *args)
        assert bad.exit_code == 1 and problem in bad.stderr and bad.stderr.count("\n") == 1, bad.stderr
        assert "Traceback" not in bad.stderr and run_cli(*db, "events", "--format", "json").output == before


def test_project_merge_carries_renames_merges_and_removals(project, tmp_path):
    one, two = _turns(project)[:2]
    project.add_coder("arol")  # "carol" typed too fast, in the lead's project and in alice's copy alike
    project.add_coder("dan")
    project.apply_code("arol", "prioritisation.time", one.id)
    with (
        project.copy_for_coder(str(tmp_path / "alice.db"), "alice") as a,
        project.copy_for_coder(str(tmp_path / "bob.db"), "bob") as b,
    ):
        a.add_coder("arol")
        a.add_coder("dan")
        a.apply_code("arol", "prioritisation.time", _turns(a)[0].id)
        a.apply_code("alice", "formalisation.plans", _turns(a)[1].id)
        a.merge_coders("arol", "alice")
        a.remove_coder("dan")
        b.rename_coder("bob", "Robert")
        b.apply_code("Robert", "prioritisation.time", _turns(b)[1].id)
        b.rename_coder("Robert", "Rob")
        b.undo("Rob")  # undone there: not carried
        plan = project.merge_from(a, dry_run=True)
        assert "merge coder arol into alice (as there)" in plan.lines()
        assert [c.name for c in project.coders()] == ["alice", "arol", "bob", "dan"]  # a dry run changes nothing
        project.merge_from(a)
        project.merge_from(b)
    assert [c.name for c in project.coders()] == ["Robert", "alice"]
    assert sorted((c.coder, c.code_key, c.segment_id) for c in project.list_codings()) == [
        ("Robert", "prioritisation.time", two.id),
        ("alice", "formalisation.plans", two.id),
        ("alice", "prioritisation.time", one.id),
    ]
    assert project.undo("alice").summary == "undid merging coder arol into alice"  # undoable here as well


def test_refi_export_names_each_passages_speaker_and_validates(project, tmp_path, shared_dir):
    from lxml import etree

    from qualcode.export import refi

    turns = project.segments(project.list_transcripts()[0].id)
    question, answer = turns[0], turns[1]
    project.apply_code("alice", "prioritisation.time", question.id)  # an interviewer's turn
    project.apply_code("alice", "formalisation.plans", answer.id)
    project.code_span("bob", "formalisation", question.transcript_id, question.start, answer.end)  # both turns
    xml = refi.write_project_xml(refi.project_to_refi(project.export_data()), internal=False)
    schema = etree.XMLSchema(etree.parse(str(shared_dir / "refi" / "Project-mrt2019.xsd")))
    root = etree.fromstring(xml)
    assert schema.validate(root), schema.error_log
    ns = {"q": refi.PROJECT_NS}
    said = {
        (int(s.get("startPosition")), int(s.get("endPosition"))): s.findtext("q:Description", namespaces=ns)
        for s in root.iterfind(".//q:PlainTextSelection", ns)
    }
    assert said == {
        (question.start, question.end): "Speaker: Interviewer (interviewer)",
        (answer.start, answer.end): "Speaker: Headteacher",
        (question.start, answer.end): "Speakers: Interviewer (interviewer), Headteacher",
    }


def test_importing_codings_of_a_removed_coder_brings_them_back_or_refuses(project, tmp_path):
    project.add_coder("carol")
    project.remove_coder("carol")
    t = project.list_transcripts()[0]
    seg = _turns(project)[0]
    path = tmp_path / "carol.csv"
    path.write_text(f"coder,transcript,code,start,end\ncarol,{t.name},prioritisation.time,{seg.start},{seg.end}\n")
    with pytest.raises(QualcodeError, match="unknown coder 'carol'"):
        project.import_codings(path)
    assert project.list_codings(coders=["carol"]) == []
    project.import_codings(path, add_coders=True)
    assert "carol" in [c.name for c in project.coders()] and len(project.list_codings(coders=["carol"])) == 1
    assert project.check() == []
