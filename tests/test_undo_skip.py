"""Undo and redo go on past a change whose rows are gone.

Another coder's ``transcripts replace`` can delete the words of a coder's newest coding (or give
the transcript new segments); a merge can drop a coding. That change can never be reversed, so
the undo that meets it says so in one line, records it as skipped (``undo.skip``) and changes
nothing else; the next undo reaches the change before it. Redo does the same (``redo.skip``).
Run on the backend under test (SQLite, or PostgreSQL with QUALCODE_TEST_POSTGRES).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import QualcodeError
from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project

from .conftest import INTERVIEW
from .test_transcript_changes import snapshot

WITHOUT_BUDGET = INTERVIEW.replace(" Not easy on our budget.", "")


def code_words(project: Project, coder: str, key: str, words: str):
    info = project.list_transcripts()[0]
    body = project.transcript_text(info.id)
    start = body.index(words)
    seg = next(s for s in project.segments(info.id) if s.start <= start < s.end)
    return project.apply_code(coder, key, seg.id, start, start + len(words))


def replace(project: Project, tmp_path: Path, body: str, coder: str = "alice") -> None:
    path = tmp_path / "corrected.txt"
    path.write_text(body, encoding="utf-8")
    project.replace_transcript("interview-01", parse_file(path), coder)


def own(project: Project, coder: str) -> set[tuple[str, str]]:
    info = project.list_transcripts()[0]
    body = project.transcript_text(info.id)
    return {(c.code_key, body[c.start : c.end]) for c in project.list_codings(coders=[coder])}


def test_undo_skips_a_coding_whose_words_another_coders_replace_deleted_and_reaches_the_older_change(project, tmp_path):
    code_words(project, "bob", "formalisation.plans", "development plan")
    code_words(project, "bob", "prioritisation.time", "Not easy on our budget")
    replace(project, tmp_path, WITHOUT_BUDGET)  # alice's correction deletes the words of bob's newest coding
    before = snapshot(project)

    skipped = project.undo("bob")

    assert skipped is not None and skipped.kind == "undo.skip" and skipped.action == "coding.add"
    assert skipped.summary.startswith("cannot undo coding code #")
    assert "removed since" in skipped.summary and "next undo reaches the change before it" in skipped.summary
    assert snapshot(project) == before  # nothing but the log changed

    undone = project.undo("bob")  # the older change is reached, where before every u failed here
    assert undone is not None and undone.kind == "undo" and undone.action == "coding.add"
    assert own(project, "bob") == set()
    assert project.undo("bob") is None

    redone = project.redo("bob")  # redo puts back what was undone, where the replace had moved it
    assert redone is not None and redone.kind == "redo"
    assert own(project, "bob") == {("formalisation.plans", "development plan")}
    assert project.redo("bob") is None  # a skipped change was never reversed: nothing to redo
    assert project.check() == []


def test_the_skip_is_shared_by_every_session_and_survives_a_restart(project, project_url, tmp_path):
    code_words(project, "bob", "formalisation.plans", "development plan")
    code_words(project, "bob", "prioritisation.time", "Not easy on our budget")
    replace(project, tmp_path, WITHOUT_BUDGET)
    assert project.undo("bob").kind == "undo.skip"

    with Project.open(project_url) as other_tab:
        assert other_tab.undo("bob").kind == "undo"
        assert own(other_tab, "bob") == set()
        assert [e.kind for e in other_tab.events(coder="bob", limit=2)] == ["undo", "undo.skip"]


def test_undo_of_a_memo_on_a_segment_that_a_replace_renewed_is_skipped(project, tmp_path):
    code_words(project, "bob", "formalisation.plans", "development plan")
    seg = next(s for s in project.segments(project.list_transcripts()[0].id) if "budget" in s.text)
    project.set_memo("bob", "segment", seg.id, "money matters")
    replace(project, tmp_path, INTERVIEW.replace("We put it", "We wrote it"))  # every segment gets a new id
    (moved,) = project.memos(coder="bob", target="segment")
    assert moved.text == "money matters"

    skipped = project.undo("bob")

    assert skipped.kind == "undo.skip" and "the segment the memo was on no longer exists" in skipped.summary
    assert [m.text for m in project.memos(coder="bob", target="segment")] == ["money matters"]
    assert project.undo("bob").kind == "undo"  # the coding, which the replace carried along
    assert own(project, "bob") == set()


def test_redo_skips_a_coding_whose_segment_is_gone_and_reaches_the_one_undone_before(project, tmp_path):
    code_words(project, "bob", "formalisation.plans", "development plan")
    code_words(project, "bob", "prioritisation.time", "release time")
    project.undo("bob")  # release time
    project.undo("bob")  # development plan
    project.redo("bob")  # development plan again
    replace(project, tmp_path, INTERVIEW.replace("so they had release time", "so they had time"))

    skipped = project.redo("bob")

    assert skipped.kind == "redo.skip" and skipped.action == "coding.add"
    assert "cannot redo" in skipped.summary and "segment no longer exists" in skipped.summary
    assert own(project, "bob") == {("formalisation.plans", "development plan")}
    assert project.redo("bob") is None
    assert project.undo("bob").kind == "undo"  # the redo of development plan; the skip reversed nothing
    assert own(project, "bob") == set()
    assert project.undo("bob") is None
    assert project.check() == []


def test_a_refusal_that_is_not_a_gone_row_still_stops_undo_and_records_nothing(project, tmp_path):
    """Undoing a replace after others coded on the new text is refused, as before: it can succeed
    later (once those codings are removed), so it is not skipped."""
    replace(project, tmp_path, INTERVIEW.replace("We put it", "We wrote it"), coder="bob")
    code_words(project, "alice", "prioritisation.time", "release time")
    n_events = len(project.events(limit=1000))
    for _ in range(2):  # pressed again, it refuses again: not skipped
        with pytest.raises(QualcodeError, match="changed since"):
            project.undo("bob")
    assert len(project.events(limit=1000)) == n_events


def test_the_workbench_says_what_u_skipped_and_the_next_u_undoes_the_older_change(project, tmp_path, monkeypatch):
    from .test_tui import workbench
    from .tui.conftest import drive, press

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    code_words(project, "bob", "formalisation.plans", "development plan")
    code_words(project, "bob", "prioritisation.time", "Not easy on our budget")
    replace(project, tmp_path, WITHOUT_BUDGET)

    async def scenario(pilot):
        await press(pilot, "u")
        skipped = " ".join(n.message for n in pilot.app._notifications)
        status = pilot.app.workbench.status.message.plain
        await press(pilot, "u")
        return skipped, status, pilot.app.workbench.status.message.plain

    skipped, status, after = drive(workbench(project, coder="bob"), scenario)
    assert "cannot undo coding Time" in skipped and "removed since" in skipped
    assert "undo skipped a change that is gone" in status
    assert "undid coding Plans" in after
    assert own(project, "bob") == set()
