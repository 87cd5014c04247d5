"""Participants' attributes after import: set, removed, undone; theme tables follow."""

from __future__ import annotations

import json

import pytest

from qualcode.analysis import themes as th
from qualcode.errors import QualcodeError

from .conftest import TINY_CODEBOOK


def test_set_remove_undo_redo(project):
    person = project.set_participant_attributes("Headteacher N1", "alice", {"school": "School B", "phase": "Primary"})
    assert person.attributes == {
        "role": "Headteacher",
        "school": "School B",
        "network": "RLN",
        "country": "England",
        "phase": "Primary",
    }
    project.set_participant_attributes("Headteacher N1", "alice", {"phase": None})
    assert "phase" not in project.participants()[0].attributes
    assert project.undo("alice").action == "participant.attributes"
    assert project.participants()[0].attributes["phase"] == "Primary"
    project.undo("alice")
    assert project.participants()[0].attributes["school"] == "School A"
    project.redo("alice")
    assert project.participants()[0].attributes["school"] == "School B"


def test_theme_tables_follow(project):
    seg = next(s for s in project.segments(project.list_transcripts()[0].id) if s.speaker == "Headteacher")
    project.apply_code("alice", "prioritisation.time", seg.id)
    project.set_participant_attributes("Headteacher N1", "alice", {"school": "School Z"})
    data = project.export_data(texts=False, memos=False, details=False)
    table = th.build_table(data, th.select_units(data, th.resolve_source(data, ["alice"], False)), ("school",))
    assert [c.label for c in table.columns] == ["School Z"]


@pytest.mark.parametrize(
    "label, values, problem",
    [
        ("Nobody", {"role": "x"}, "no participant labelled 'Nobody'"),
        ("Headteacher N1", {}, "say which attributes"),
        ("Headteacher N1", {" ": "x"}, "needs a name"),
        ("Headteacher N1", {"participant": "x"}, "not an attribute"),
        ("Headteacher N1", {"role": "x" * 2000}, "attribute value"),
    ],
)
def test_bad_changes_are_one_line_and_change_nothing(project, label, values, problem):
    before = project.participants()
    with pytest.raises(QualcodeError, match=problem):
        project.set_participant_attributes(label, "alice", values)
    assert project.participants() == before


def test_cli_participants(run_cli, tmp_path, interview_file):
    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK)
    assert run_cli("init", "p.db", "--codebook", "tiny.yaml").exit_code == 0
    assert run_cli("--db", "p.db", "coders", "add", "alice").exit_code == 0
    assert run_cli("--db", "p.db", "import", str(interview_file)).exit_code == 0
    done = run_cli(
        "--db", "p.db", "participants", "set", "Headteacher N1", "school=School B", "country=", "--coder", "alice"
    )
    assert done.exit_code == 0 and "school=School B" in done.output and "country" not in done.output
    listed = json.loads(run_cli("--db", "p.db", "participants", "list", "--format", "json").output)
    assert listed == [
        {"label": "Headteacher N1", "attributes": {"role": "Headteacher", "school": "School B", "network": "RLN"}}
    ]
    assert "undid the attributes of Headteacher N1" in run_cli("--db", "p.db", "undo", "--coder", "alice").output
    bad = run_cli("--db", "p.db", "participants", "set", "Headteacher N1", "school", "--coder", "alice")
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.output
