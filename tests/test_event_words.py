"""Events as data (ids, kinds, before/after) and worded for people by ``qualcode.event_words``."""

from __future__ import annotations

from qualcode import event_words
from qualcode.records import EventInfo, FieldChange


def names(project):
    return {c.id: c.name for c in project.codes()}


def answers(project):
    info = project.list_transcripts()[0]
    return [s for s in project.segments(info.id) if s.speaker != "Interviewer"]


def test_undoing_a_coding_names_the_code_segment_and_transcript(project):
    seg = answers(project)[1]
    coding = project.apply_code("alice", "prioritisation.time", seg.id)
    info = project.undo("alice")
    assert (info.kind, info.action, info.coder) == ("undo", "coding.add", "alice")
    assert info.code_ids == (project.code("prioritisation.time").id,)
    assert info.segment_ids == (seg.id,) and info.transcript_ids == (coding.transcript_id,)
    positions = {s.id: s.position + 1 for s in project.segments(seg.transcript_id)}
    assert event_words.describe(info, names(project), positions) == f"undid coding Time on segment {seg.position + 1}"
    # Without names, the project's own summary says the numbers.
    assert info.summary == f"undid coding code #{info.code_ids[0]} on segment #{seg.id}"
    # A segment the caller does not show is not given a misleading number.
    assert event_words.describe(info, names(project), {}) == "undid coding Time on a segment of another transcript"


def test_a_move_carries_the_old_and_new_parent_and_is_worded_as_a_move(project):
    project.move_code("prioritisation.time", "formalisation", coder="alice")
    listed = project.events(coder="alice", limit=1)[0]
    assert listed.kind == listed.action == "code.update"
    parent = {c.field: c for c in listed.changes}["parent_id"]
    assert parent.before == project.code("prioritisation").id and parent.after == project.code("formalisation").id
    assert event_words.describe(listed, names(project)) == "moving Time under Formalisation"
    undone = project.undo("alice")
    assert event_words.describe(undone, names(project)) == "undid moving Time under Formalisation"
    redone = project.redo("alice")
    assert (redone.kind, redone.action) == ("redo", "code.update")
    assert event_words.describe(redone, names(project)) == "redid moving Time under Formalisation"


def test_a_redefinition_keeps_each_field_before_and_after(project):
    project.update_code("prioritisation.time", coder="alice", description="Cover and release time.")
    info = project.undo("alice")
    assert info.changes == (FieldChange("description", "Release time and cover.", "Cover and release time."),)
    assert event_words.describe(info, names(project)) == "undid changing code Time (description)"


def test_memo_and_merge_events(project):
    seg = answers(project)[0]
    project.set_memo("alice", "segment", seg.id, "Plans in writing.")
    memo = project.events(coder="alice", limit=1)[0]
    assert (memo.memo_target, memo.memo_target_id, memo.segment_ids) == ("segment", seg.id, (seg.id,))
    assert event_words.describe(memo, {}, {seg.id: 2}) == "memo on segment 2"
    project.merge_code("formalisation.meetings", "formalisation.plans", coder="alice")
    merge = project.events(coder="alice", limit=1)[0]
    assert merge.code_key == "formalisation.meetings"
    assert event_words.describe(merge, names(project)) == "merging code Meetings into Plans"


def test_wording_needs_no_database():
    info = EventInfo(7, "transcript.import", None, "", "transcript.import", transcript_name="N1", n_segments=12)
    assert event_words.describe(info) == "import of N1 (12 segments)"
    assert event_words.describe(EventInfo(8, "undo", "alice", "", undoes=3)) == "undo of event #3"
