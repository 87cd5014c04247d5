"""On a terminal, `retrieve` and `cooccur` draw text and tables, not Markdown marks; a pipe or
--format md still gets Markdown."""

from __future__ import annotations

import pytest

from .conftest import TINY_CODEBOOK


@pytest.fixture
def coded(run_cli, tmp_path, interview_file):
    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK)
    assert run_cli("init", "p.db", "--codebook", "tiny.yaml").exit_code == 0
    assert run_cli("--db", "p.db", "coders", "add", "alice").exit_code == 0
    assert run_cli("--db", "p.db", "import", str(interview_file)).exit_code == 0
    for match in ("development plan", "cover"):
        code = "formalisation.plans" if match != "cover" else "prioritisation.time"
        assert run_cli("--db", "p.db", "autocode", code, "--match", match, "--coder", "alice").exit_code == 0
    assert (
        run_cli(
            "--db", "p.db", "autocode", "prioritisation.time", "--match", "development", "--coder", "alice"
        ).exit_code
        == 0
    )
    return run_cli


def test_on_a_terminal_reports_are_drawn_not_marked_up(coded, monkeypatch):
    monkeypatch.setattr("qualcode.cli.analysis.stdout_is_terminal", lambda: True)
    report = coded("--db", "p.db", "retrieve", "prioritisation")
    assert report.exit_code == 0
    text = report.output
    assert "Code report: Prioritisation" in text and "We paid for cover" in text
    assert "— Headteacher, School A (RLN) (interview-01, segment 4)" in text
    for mark in ("**", "&emsp;", "\\[", "> “", "## "):
        assert mark not in text
    pairs = coded("--db", "p.db", "cooccur").output
    assert "Plans" in pairs and "Time" in pairs and "|" not in pairs and "#" not in pairs


def test_pipes_and_format_md_keep_markdown(coded, monkeypatch):
    assert "## " in coded("--db", "p.db", "retrieve", "prioritisation").output  # not a terminal: Markdown
    monkeypatch.setattr("qualcode.cli.analysis.stdout_is_terminal", lambda: True)
    assert "## " in coded("--db", "p.db", "retrieve", "prioritisation", "--format", "md").output
    assert "| Code | Code |" in coded("--db", "p.db", "cooccur", "--format", "md").output
