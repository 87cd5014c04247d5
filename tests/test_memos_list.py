"""Every memo in one place: `qualcode memos` and ``Project.memo_entries``, with filters and formats."""

from __future__ import annotations

import json

import pytest

from qualcode.errors import QualcodeError

from .conftest import TINY_CODEBOOK


@pytest.fixture
def memoed(project):
    tid = project.list_transcripts()[0].id
    segs = project.segments(tid)
    coding = project.apply_code("bob", "prioritisation.time", segs[3].id)
    project.set_memo("alice", "segment", segs[1].id, "Development plan: ask for the document.")
    project.set_memo("bob", "coding", coding.id, "Cover paid from the pupil premium?")
    project.set_memo("alice", "code", project.codes()[0].id, "Formalisation: split plans from meetings?")
    project.set_memo("bob", "transcript", tid, "Recorded in the staff room; noisy.")
    return project


def test_every_memo_with_its_place(memoed):
    entries = memoed.memo_entries()
    assert [(e.target, e.coder) for e in entries] == [
        ("transcript", "bob"),
        ("segment", "alice"),
        ("coding", "bob"),
        ("code", "alice"),
    ]
    segment, coding = entries[1], entries[2]
    assert segment.transcript == "interview-01" and segment.position == 1
    assert segment.passage.startswith("We put it in the development plan")
    assert coding.code == "prioritisation.time" and coding.passage.startswith("We paid for cover")


def test_filters(memoed):
    assert [e.target for e in memoed.memo_entries(search="PUPIL premium")] == ["coding"]
    assert {e.coder for e in memoed.memo_entries(coders=["alice"])} == {"alice"}
    assert [e.target for e in memoed.memo_entries(code="prioritisation.time")] == ["coding"]
    assert [e.target for e in memoed.memo_entries(transcripts=["interview-01"])] == ["transcript", "segment", "coding"]


@pytest.mark.parametrize(
    "kwargs, problem",
    [
        ({"search": "  "}, "needs some text"),
        ({"search": "x" * 10_000_000}, "at most 1,000"),
        ({"coders": ["zed"]}, "unknown coder 'zed'"),
        ({"code": "nope"}, "unknown code 'nope'"),
        ({"transcripts": ["missing"]}, "no transcript named 'missing'"),
    ],
)
def test_bad_filters_are_one_line(memoed, kwargs, problem):
    with pytest.raises(QualcodeError, match=problem):
        memoed.memo_entries(**kwargs)


def test_cli_memos_in_every_format(run_cli, tmp_path, interview_file):
    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK)
    assert run_cli("init", "p.db", "--codebook", "tiny.yaml").exit_code == 0
    assert run_cli("--db", "p.db", "coders", "add", "alice").exit_code == 0
    assert run_cli("--db", "p.db", "import", str(interview_file)).exit_code == 0
    assert "no memos yet" in run_cli("--db", "p.db", "memos").output
    from qualcode.project import Project

    with Project.open(str(tmp_path / "p.db")) as p:
        seg = p.segments(p.list_transcripts()[0].id)[1]
        p.set_memo("alice", "segment", seg.id, "Development plan: ask for it.")
    table = run_cli("--db", "p.db", "memos")
    assert table.exit_code == 0 and "interview-01 ¶2" in table.output and "ask for it" in table.output
    listed = json.loads(run_cli("--db", "p.db", "memos", "--format", "json").output)
    assert listed[0]["segment"] == 2 and listed[0]["on"] == "segment"
    assert "## interview-01 ¶2 — alice" in run_cli("--db", "p.db", "memos", "--format", "md").output
    assert run_cli("--db", "p.db", "memos", "-o", "memos.docx").exit_code == 0
    from docx import Document

    text = "\n".join(p.text for p in Document(str(tmp_path / "memos.docx")).paragraphs)
    assert "interview-01 ¶2 — alice" in text and "ask for it" in text
    assert "no memos match" in run_cli("--db", "p.db", "memos", "--search", "zebra").output
    bad = run_cli("--db", "p.db", "memos", "-o", "memos.pdf")
    assert bad.exit_code == 1 and "not a format this command writes" in bad.output


def test_names_are_blacked_out_unless_kept(project, run_cli, project_url):
    seg = project.segments(project.list_transcripts()[0].id)[1]
    project.set_memo("alice", "segment", seg.id, "Ask Jane Testperson about Testbrook Primary.")
    shown = project.memo_entries(redact=True)[0]
    assert shown.text == "Ask [name] about [school]."
    assert project.memo_entries()[0].text == "Ask Jane Testperson about Testbrook Primary."
    blacked = run_cli("--db", project_url, "memos", "--format", "json").output
    assert "Testperson" not in blacked and "[name]" in blacked
    assert "Jane Testperson" in run_cli("--db", project_url, "memos", "--format", "json", "--keep-names").output
