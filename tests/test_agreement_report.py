"""Agreement from a project: units, reports in every format, --table, disagreements."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qualcode.agreement.units import CodeNode, build

from .test_agreement_measures import KRIPPENDORFF

CODES = [
    CodeNode("a", "A", None, 0),
    CodeNode("a.x", "X", "a", 1),
    CodeNode("a.y", "Y", "a", 1),
    CodeNode("b", "B", None, 0),
]
SEGMENTS = [  # id, transcript, position, speaker, start, end
    (1, 10, 0, "Interviewer", 0, 10),
    (2, 10, 1, "Teacher", 12, 40),
    (3, 10, 2, "Teacher", 42, 60),
    (4, 20, 0, "Teacher", 0, 30),
]
NAMES = {10: "t1", 20: "t2"}


def test_segment_units_roll_up_parents_and_skip_unshared_transcripts():
    codings = [
        ("alice", 10, 2, "a.x", 12, 40),
        ("bob", 10, 2, "a.y", 20, 25),
        ("alice", 10, 3, "b", 42, 60),
        ("alice", 20, 4, "b", 0, 30),
    ]  # bob never coded t2
    data = build(["alice", "bob"], CODES, SEGMENTS, codings, NAMES)
    assert data.transcripts == {10: "t1"} and data.skipped_transcripts == {"t2": ["bob"]}
    assert data.values["a.x"].tolist() == [[1, 0], [0, 0]]  # interviewer turn left out
    assert data.values["a"].tolist() == [[1, 1], [0, 0]]  # X and Y both count for A
    assert data.values["b"].tolist() == [[0, 0], [1, 0]]
    assert data.rolled_up == {"a"}


def test_char_units_are_runs_weighted_by_length():
    codings = [("alice", 10, 2, "a.x", 12, 40), ("bob", 10, 2, "a.x", 20, 30), ("bob", 10, 3, "b", 42, 50)]
    data = build(["alice", "bob"], CODES, SEGMENTS, codings, NAMES, unit="char")
    assert data.values["a.x"].tolist() == [[1, 0], [1, 1], [1, 0], [0, 0]]
    assert data.weights["a.x"].tolist() == [8, 10, 10, 18]
    assert data.weights["a.x"].sum() == (40 - 12) + (60 - 42)


@pytest.fixture
def coded(project, tmp_path):
    csv_text = """coder,transcript,code,anchor,span
alice,interview-01,formalisation.plans,development plan straight away,segment
bob,interview-01,formalisation.plans,performance management too,segment
alice,interview-01,prioritisation.time,release time,segment
bob,interview-01,formalisation.meetings,release time,segment
"""
    path = tmp_path / "c.csv"
    path.write_text(csv_text, encoding="utf-8")
    project.import_codings(path)
    return project


def test_agreement_report_formats_and_reproducibility(coded, project_url, run_cli):
    first = run_cli("agreement", "alice", "bob", "--db", project_url, "--format", "json").stdout
    again = run_cli("agreement", "alice", "bob", "--db", project_url, "--format", "json").stdout
    assert first == again
    report = json.loads(first)
    assert report["coders"] == ["alice", "bob"] and report["transcripts"] == ["interview-01"]
    assert report["unit"] == "segment" and len(report["codings_sha256"]) == 16
    rows = {r["key"]: r for r in report["rows"]}
    assert rows["formalisation.plans"]["percent"] == 1.0
    assert rows["formalisation.plans"]["cohen_kappa"] == 1.0  # both coded the first answer, neither the second
    assert rows["formalisation.meetings"]["percent"] == 0.5
    assert rows["prioritisation.time"]["percent"] == 0.5
    assert rows["(pooled)"]["units"] == 2 * 3  # two answers × three leaf codes
    md = run_cli("agreement", "alice", "bob", "--db", project_url, "--format", "md").stdout
    assert md.startswith("# Inter-coder agreement") and "| Formalisation ^ `formalisation`" in md.replace("&nbsp;", "")
    csv_out = run_cli("agreement", "alice", "bob", "--db", project_url, "--format", "csv", "--unit", "char").stdout
    assert "# unit: char" in csv_out and "section,key,label" in csv_out
    table = run_cli("agreement", "alice", "bob", "--db", project_url).stdout
    assert "transcripts compared (1): interview-01" in table


def test_agreement_user_errors(coded, project_url, run_cli):
    assert run_cli("agreement", "alice", "--db", project_url).exit_code == 2
    bad = run_cli("agreement", "alice", "carol", "--db", project_url)
    assert bad.exit_code == 1 and "unknown coder 'carol'" in bad.stderr
    coded.add_coder("carol")
    none = run_cli("agreement", "alice", "carol", "--db", project_url)
    assert none.exit_code == 1 and "no transcript has been coded by all of alice, carol" in none.stderr
    assert "unknown code 'nope'" in run_cli("agreement", "alice", "bob", "--db", project_url, "--codes", "nope").stderr


def test_agreement_from_a_coding_table(run_cli, tmp_path):
    lines = ["unit,coder,value"]
    for u, row in enumerate(KRIPPENDORFF):
        for c, value in enumerate(row):
            lines.append(f"u{u},obs{c},{'' if np.isnan(value) else int(value)}")
    (tmp_path / "rel.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = run_cli("agreement", "--table", "rel.csv", "--categories", "5").stdout
    assert "| Kripp. α | 0.7434 |" in out
    assert "| Cohen κ |" not in out  # four coders
    interval = json.loads(run_cli("agreement", "--table", "rel.csv", "--level", "interval", "--format", "json").stdout)
    alpha = next(r for r in interval["results"] if r["measure"] == "krippendorff_alpha")
    assert round(alpha["value"], 3) == 0.849 and alpha["dropped_single"] == 1
    (tmp_path / "bad.csv").write_text("unit,rater,score\n", encoding="utf-8")
    result = run_cli("agreement", "--table", "bad.csv")
    assert result.exit_code == 1 and "needs the columns unit, coder, value" in result.stderr


def test_disagreements_as_markdown(coded, project_url, run_cli):
    out = run_cli("disagreements", "alice", "bob", "--db", project_url, "--format", "md").stdout
    assert out.startswith("# Disagreements: alice, bob")
    assert "## Time (`prioritisation.time`)" in out
    assert "applied by alice; not by bob" in out
    assert "> We paid for cover so they had release time. [laughs]" in out
