"""Framework matrices stored in the project: create, write, undo/redo, delete, merge, .qdpx."""

from __future__ import annotations

import pytest

from qualcode.errors import QualcodeError
from qualcode.project import Project

COLUMNS = ["formalisation", "prioritisation"]


def make(project: Project, coder: str = "alice", name: str = "Schools"):
    return project.analysis.create_matrix(name, "school", ["School A"], COLUMNS, coder=coder, description="Findings")


def test_create_write_and_read_back(project, project_url):
    made = make(project)
    assert (made.name, made.rows_by, made.rows, made.columns, made.cells) == (
        "Schools",
        "school",
        ["School A"],
        COLUMNS,
        {},
    )
    project.analysis.set_cell("Schools", "School A", "formalisation", "  In the plan from the start.  ", coder="alice")
    project.analysis.set_cell("Schools", "School A", "prioritisation", "Cover paid.", coder="bob")
    project.close()
    with Project.open(project_url) as again:  # stored, not cached
        [m] = again.analysis.matrices()
        assert m.description == "Findings"
        assert m.cells == {
            ("School A", "formalisation"): "In the plan from the start.",
            ("School A", "prioritisation"): "Cover paid.",
        }
        assert again.analysis.matrix("Schools") == m
        kinds = [e.kind for e in again.events(limit=3)]
        assert kinds == ["matrix.cell", "matrix.cell", "matrix.create"]
        assert again.events(limit=1)[0].summary == "summary of School A × prioritisation in matrix Schools"


def test_every_edit_is_undone_and_redone_by_its_coder_only(project):
    a = project.analysis
    make(project)
    a.set_cell("Schools", "School A", "formalisation", "first", coder="alice")
    a.set_cell("Schools", "School A", "formalisation", "second", coder="alice")
    a.set_cell("Schools", "School A", "prioritisation", "bob's", coder="bob")
    assert project.undo("alice").summary == "undid summary of School A × formalisation in matrix Schools"
    assert a.matrix("Schools").summary("School A", "formalisation") == "first"
    assert a.matrix("Schools").summary("School A", "prioritisation") == "bob's"  # bob's work stays
    project.undo("alice")
    assert a.matrix("Schools").summary("School A", "formalisation") == ""
    project.redo("alice")
    project.redo("alice")
    assert a.matrix("Schools").summary("School A", "formalisation") == "second"
    a.set_cell("Schools", "School A", "formalisation", "", coder="alice")  # empty clears the cell
    assert ("School A", "formalisation") not in a.matrix("Schools").cells
    project.undo("alice")
    assert a.matrix("Schools").summary("School A", "formalisation") == "second"


def test_delete_is_undone_with_its_summaries_and_create_is_undone_while_empty(project):
    a = project.analysis
    make(project)
    a.set_cell("Schools", "School A", "formalisation", "kept through delete and undo", coder="bob")
    a.delete_matrix("Schools", coder="alice")
    assert a.matrices() == []
    assert project.undo("alice").summary == "undid deleting matrix Schools"
    assert a.matrix("Schools").summary("School A", "formalisation") == "kept through delete and undo"
    project.redo("alice")
    assert a.matrices() == []
    project.undo("alice")
    # Undoing the creation would throw away bob's summary: refused, and nothing changes.
    with pytest.raises(QualcodeError, match="summaries written since"):
        project.undo("alice")
    assert a.matrix("Schools").cells
    project.undo("bob")
    assert project.undo("alice").summary == "undid creating matrix Schools"
    assert a.matrices() == []


def test_bad_matrices_and_cells_are_refused_with_one_line(project):
    a = project.analysis
    cases = [
        (lambda: a.create_matrix("", "school", ["School A"], COLUMNS, coder="alice"), "needs a name"),
        (lambda: a.create_matrix("M", "school", ["School A"], ["nope"], coder="alice"), "not a code"),
        (lambda: a.create_matrix("M", "colour", ["red"], COLUMNS, coder="alice"), "attribute 'colour'"),
        (lambda: a.create_matrix("M", "school", ["School Z"], COLUMNS, coder="alice"), "matches no participant"),
        (lambda: a.create_matrix("M", "school", ["School A"], COLUMNS, coder="nobody"), "unknown coder"),
        (lambda: a.matrix("nope"), "no matrix named 'nope'"),
        (lambda: a.create_matrix("M" * 301, "school", ["School A"], COLUMNS, coder="alice"), "limit is 300"),
    ]
    for call, message in cases:
        with pytest.raises(QualcodeError, match=message) as err:
            call()
        assert "\n" not in str(err.value)
    make(project)
    with pytest.raises(QualcodeError, match="already a matrix"):
        make(project)
    with pytest.raises(QualcodeError, match="no row 'School B'"):
        a.set_cell("Schools", "School B", "formalisation", "x", coder="alice")
    with pytest.raises(QualcodeError, match="no column 'effects'"):
        a.set_cell("Schools", "School A", "effects", "x", coder="alice")
    assert [e.kind for e in project.events(limit=1)] == ["matrix.create"]


def test_cell_passages_are_the_rows_participants_coded_with_the_column(project):
    seg = next(s for s in project.segments(project.list_transcripts()[0].id) if s.speaker != "Interviewer")
    project.apply_code("alice", "formalisation.plans", seg.id)
    project.apply_code("bob", "prioritisation.time", seg.id)
    make(project)
    found = project.analysis.cell_passages("Schools", "School A", "formalisation")
    assert [(p.code, p.segment_id, p.coders) for p in found.passages] == [("formalisation.plans", seg.id, ("alice",))]
    assert project.analysis.cell_passages("Schools", "School A", "prioritisation", coders=["alice"]).passages == []


def test_merge_brings_matrices_and_summaries_and_reports_conflicts(project, tmp_path):
    make(project)
    a = project.copy_for_coder(str(tmp_path / "alice.db"), "alice")
    b = project.copy_for_coder(str(tmp_path / "bob.db"), "bob")
    try:
        assert a.analysis.matrix("Schools").columns == COLUMNS  # the copy carries the matrix
        a.analysis.set_cell("Schools", "School A", "formalisation", "alice's summary", coder="alice")
        a.analysis.create_matrix("Alice's", "participant", ["Headteacher N1"], ["formalisation"], coder="alice")
        b.analysis.set_cell("Schools", "School A", "formalisation", "bob's summary", coder="bob")
        plan = project.merge_from(a)
        assert plan.lines() == ["add matrix Alice's", "add 1 matrix summaries"]
        assert project.analysis.matrix("Schools").summary("School A", "formalisation") == "alice's summary"
        assert project.merge_from(a).empty
        plan = project.merge_from(b)
        assert plan.conflicts == [
            "the summary 'School A' × 'formalisation' of matrix 'Schools' differs in the two projects; "
            "choose --coders ours or theirs"
        ]
        project.merge_from(b, coders="ours")
        assert project.analysis.matrix("Schools").summary("School A", "formalisation") == "alice's summary"
        assert project.merge_from(b, coders="theirs").lines() == [
            "replace the summary 'School A' × 'formalisation' of matrix 'Schools' with theirs"
        ]
        assert project.analysis.matrix("Schools").summary("School A", "formalisation") == "bob's summary"
        b.analysis.delete_matrix("Schools", coder="bob")
        b.analysis.create_matrix("Schools", "school", ["School A"], ["formalisation"], coder="bob")
        assert project.merge_from(b).conflicts == [
            "matrix 'Schools' has different rows or columns in the two projects; rename one before merging"
        ]
    finally:
        a.close()
        b.close()
