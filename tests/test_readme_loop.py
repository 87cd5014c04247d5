"""The research loop in README.md and in `qualcode --help` runs as written, line by line, on a
fresh directory holding what a clone has (codebooks/ and transcripts/).

The lines are read from the README and from the help text, so a change to either is tested.
`qualcode code` opens the workbench; here it is replaced by a check that the project and coder it
would open exist (the workbench itself is tested in test_tui*)."""

from __future__ import annotations

import re
import shlex
import shutil

import pytest

from .conftest import POSTGRES, ROOT


def readme_loop() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The research loop", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return _command_lines(block.splitlines())


def help_loop(run_cli) -> list[str]:
    text = run_cli("--help").stdout
    block = text.split("The research loop", 1)[1].split("\n\n", 1)[0]
    return _command_lines(block.splitlines()[1:])


def _command_lines(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        command = line.split(" # ", 1)[0].strip()
        if command:
            out.append(command)
    return out


@pytest.fixture
def fresh_clone(tmp_path, monkeypatch):
    for folder in ("codebooks", "transcripts"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    opened = []

    def workbench(db, coder, compare_with=None, transcript=None):
        from qualcode.project import Project

        with Project.open(db) as project:
            project.coder(coder)  # an unknown coder is an error, as in the workbench
            opened.append((project.location, coder, len(project.list_transcripts())))

    import qualcode.tui

    monkeypatch.setattr(qualcode.tui, "run_workbench", workbench)
    return opened


def run_loop(lines: list[str], run_cli, monkeypatch) -> dict[str, object]:
    results = {}
    for line in lines:
        words = shlex.split(line)
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            monkeypatch.setenv(name, value)
            continue
        assert words[0] == "qualcode", line
        result = run_cli(*words[1:])
        assert result.exit_code == 0, f"{line}\n{result.output}"
        assert "error" not in result.stderr, f"{line}\n{result.stderr}"
        results[line] = result
    return results


@pytest.mark.skipif(bool(POSTGRES), reason="the README's loop makes an SQLite project")
def test_readme_research_loop_runs_as_written(run_cli, fresh_clone, monkeypatch, tmp_path):
    lines = readme_loop()
    assert lines[0].startswith("qualcode init") and any(line.startswith("qualcode import") for line in lines)
    results = run_loop(lines, run_cli, monkeypatch)
    assert fresh_clone == [("study.db", "alice", 9)]
    agreement = next(r for line, r in results.items() if line.startswith("qualcode agreement"))
    assert "transcripts compared (8)" in agreement.stdout
    assert re.search(r"pooled \(all leaf codes\)\s+\d+\s+\d+\.\d%", agreement.stdout)
    assert (tmp_path / "themes.xlsx").stat().st_size > 0 and (tmp_path / "study.qdpx").stat().st_size > 0


@pytest.mark.skipif(bool(POSTGRES), reason="the help's loop makes an SQLite project")
def test_help_research_loop_runs_as_written(run_cli, fresh_clone, monkeypatch, tmp_path):
    lines = help_loop(run_cli)
    assert len(lines) >= 6 and lines[0].startswith("qualcode init")
    run_loop(lines, run_cli, monkeypatch)
    assert fresh_clone and fresh_clone[0][1] == "alice"
    assert (tmp_path / "themes.xlsx").exists() and (tmp_path / "qualcode-demo" / "rln.db").exists()


def test_folder_import_before_coders_skips_codings_with_one_note(run_cli, fresh_clone, tmp_path):
    assert run_cli("init", "--codebook", "codebooks/rln.yaml").exit_code == 0
    result = run_cli("import", "transcripts/rln/")
    assert result.exit_code == 0
    assert "9 transcripts imported" in result.stdout and "codings added" not in result.stdout
    notes = result.stderr.strip().splitlines()
    assert notes == [
        "note: skipped 8 codings files by coders not in the project (alice, bob): "
        "`qualcode coders add alice bob` and import again, or import with --add-coders"
    ]
    run_cli("coders", "add", "alice", "bob")
    again = run_cli("import", "transcripts/rln/")
    assert "9 unchanged" in again.stdout and "527 codings added" in again.stdout and again.stderr == ""


def test_named_codings_file_with_an_unknown_coder_is_an_error_printed_once(run_cli, fresh_clone):
    run_cli("init", "--codebook", "codebooks/rln.yaml")
    run_cli("import", "transcripts/rln/rln-01-headteacher.txt")
    result = run_cli("import", "transcripts/rln/codings/rln-01-headteacher.csv")
    assert result.exit_code == 1
    assert "unknown coder" not in result.stdout
    assert result.stderr.count("unknown coder 'alice'") == 1


def test_init_hints_run_as_printed(run_cli, tmp_path):
    out = run_cli("init", "sub.db").stdout
    hints = [line.strip() for line in out.splitlines() if line.strip().startswith("qualcode ")]
    assert hints and all("--db sub.db" in h for h in hints)
    coders_add = shlex.split(hints[0].replace("NAME…", "carol"))
    assert run_cli(*coders_add[1:]).exit_code == 0
    assert "carol" in run_cli("coders", "list", "--db", "sub.db").stdout
    assert "--db" not in run_cli("init").stdout  # ./qualcode.db needs no --db
