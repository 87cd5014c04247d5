"""Code every match: a search over the turns, applied as one event that one undo reverses."""

from __future__ import annotations

import json

import pytest

from qualcode.autocode import TurnText, compile_matcher, plan
from qualcode.errors import QualcodeError

from .conftest import TINY_CODEBOOK


def turns(*texts: str, interviewer_at: tuple[int, ...] = ()) -> list[TurnText]:
    out, offset = [], 0
    for i, text in enumerate(texts):
        out.append(TurnText(i + 1, 1, offset, text, i in interviewer_at))
        offset += len(text) + 2
    return out


def test_plain_text_ignores_case_and_finds_each_match():
    found = plan(
        turns("Release time helped.", "We had release time, then RELEASE TIME again."),
        compile_matcher("release time"),
        "match",
    )
    assert [(p.segment_id, p.matched) for p in found] == [(1, "Release time"), (2, "release time"), (2, "RELEASE TIME")]
    first = found[1]
    assert first.start == len("Release time helped.") + 2 + len("We had ")


def test_whole_words_and_whole_turns():
    ts = turns("  We paid for cover.  ", "Coverage was good.")
    found = plan(ts, compile_matcher("cover", whole_words=True), "segment")
    assert [(p.segment_id, p.start, p.end) for p in found] == [(1, 2, 2 + len("We paid for cover."))]


def test_interviewer_turns_are_skipped_unless_asked():
    ts = turns("Did you have release time?", "Yes, release time.", interviewer_at=(0,))
    assert [p.segment_id for p in plan(ts, compile_matcher("release time"))] == [2]
    assert [p.segment_id for p in plan(ts, compile_matcher("release time"), include_interviewer=True)] == [1, 2]


def test_a_regex_that_never_ends_stops_with_one_line():
    ts = turns("a" * 40 + "b", "a" * 40 + "b")
    with pytest.raises(QualcodeError, match="did not finish within 0.2 s"):
        plan(ts, compile_matcher("(a|aa)+$", is_regex=True), time_limit=0.2)


@pytest.mark.parametrize(
    "text, is_regex, problem",
    [
        ("", False, "needs some text"),
        ("   ", False, "needs some text"),
        ("x" * 10_000_000, False, "at most 1,000"),
        ("(", True, "not a valid regular expression"),
    ],
)
def test_bad_searches_are_one_line(text, is_regex, problem):
    with pytest.raises(QualcodeError, match=problem):
        compile_matcher(text, is_regex)


def test_autocode_is_one_event_that_undo_reverses(project):
    before = project.list_codings()
    dry = project.autocode("prioritisation.time", "alice", "release time", dry_run=True)
    assert len(dry.placements) == 1 and dry.applied == 0 and project.list_codings() == before
    report = project.autocode("prioritisation.time", "alice", "development plan|cover", is_regex=True, span="match")
    assert report.applied == 2
    made = [c for c in project.list_codings() if c.coder == "alice"]
    body = project.transcript_text(project.list_transcripts()[0].id)
    assert sorted(body[c.start : c.end] for c in made) == ["cover", "development plan"]
    again = project.autocode("prioritisation.time", "alice", "development plan|cover", is_regex=True, span="match")
    assert (again.applied, again.already) == (0, 2)
    undone = project.undo("alice")
    assert undone is not None and undone.action == "coding.autocode"
    assert project.list_codings() == before
    assert project.redo("alice") is not None
    assert sorted(body[c.start : c.end] for c in project.list_codings() if c.coder == "alice") == [
        "cover",
        "development plan",
    ]


def test_autocode_with_no_match_changes_nothing(project):
    report = project.autocode("prioritisation.time", "alice", "no such words anywhere")
    assert report.placements == [] and report.applied == 0
    assert project.undo("alice") is None


def test_cli_autocode_dry_run_apply_undo_redo(run_cli, tmp_path, interview_file, tiny_codebook):
    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK)
    assert run_cli("init", "p.db", "--codebook", "tiny.yaml").exit_code == 0
    assert run_cli("--db", "p.db", "coders", "add", "alice").exit_code == 0
    assert run_cli("--db", "p.db", "import", str(interview_file)).exit_code == 0
    dry = run_cli(
        "--db", "p.db", "autocode", "prioritisation.time", "--match", "release time", "--coder", "alice", "--dry-run"
    )
    assert dry.exit_code == 0 and "would code 1 passage with prioritisation.time" in dry.output
    done = run_cli(
        "--db",
        "p.db",
        "autocode",
        "prioritisation.time",
        "--match",
        "release time",
        "--coder",
        "alice",
        "--format",
        "json",
    )
    assert json.loads(done.output)["applied"] == 1
    undo = run_cli("--db", "p.db", "undo", "--coder", "alice")
    assert undo.exit_code == 0 and "undid coding Time on every match (1 segment)" in undo.output
    redo = run_cli("--db", "p.db", "redo", "--coder", "alice")
    assert "redid coding Time on every match" in redo.output
    assert "nothing to redo for alice" in run_cli("--db", "p.db", "redo", "--coder", "alice").output
    none = run_cli("--db", "p.db", "autocode", "prioritisation.time", "--match", "zebra", "--coder", "alice")
    assert none.exit_code == 0 and "no match for 'zebra'" in none.output and "nothing coded" in none.output
    bad = run_cli("--db", "p.db", "autocode", "prioritisation.time", "--regex", "--match", "(", "--coder", "alice")
    assert bad.exit_code == 1 and "not a valid regular expression" in bad.output and "Traceback" not in bad.output
