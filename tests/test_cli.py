"""The command line as a user meets it: help everywhere, --db and QUALCODE_DB, the demo."""

from __future__ import annotations

import click
import pytest

from qualcode.cli import cli

from .conftest import INTERVIEW, POSTGRES, TINY_CODEBOOK


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


@pytest.mark.parametrize("path", [p for p in all_commands(cli)], ids=" ".join)
def test_every_command_has_help(run_cli, path):
    result = run_cli(*path, "--help")
    assert result.exit_code == 0
    assert "Usage: qualcode " + " ".join(path) in result.stdout
    command = cli
    for name in path:
        command = command.commands[name]
    assert command.help and len(command.help.strip()) > 20, f"{path} needs a real description"
    if not isinstance(command, click.Group):
        assert "--db" in result.stdout or path[0] in ("completion", "demo") or path[-1] == "validate"


def test_top_level_help_shows_the_research_loop(run_cli):
    result = run_cli("--help")
    assert "qualcode init study.db --codebook codebooks/rln.yaml" in result.stdout
    assert run_cli("--version").stdout.startswith("qualcode, version ")


def test_db_option_env_and_default(run_cli, tmp_path, monkeypatch):
    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    (tmp_path / "i.txt").write_text(INTERVIEW, encoding="utf-8")
    assert run_cli("init", "a.db", "--codebook", "tiny.yaml").exit_code == 0
    assert run_cli("import", "--db", "a.db", "i.txt").exit_code == 0
    assert "i " in run_cli("transcripts", "list", "--db", "a.db").stdout
    assert "i " in run_cli("--db", "a.db", "transcripts", "list").stdout
    monkeypatch.setenv("QUALCODE_DB", str(tmp_path / "a.db"))
    listed = run_cli("transcripts", "list", "--json").stdout
    assert '"participant": "Headteacher N1"' in listed
    monkeypatch.delenv("QUALCODE_DB")
    assert run_cli("transcripts", "list").exit_code == 1  # no ./qualcode.db


def test_init_refuses_to_overwrite(run_cli, tmp_path):
    assert run_cli("init").exit_code == 0
    result = run_cli("init")
    assert result.exit_code == 1 and "already exists" in result.stderr


def test_transcripts_show_prints_brackets_literally(run_cli, tmp_path):
    (tmp_path / "i.txt").write_text(INTERVIEW.replace("[laughs]", "[laughs] [/x] [bold]"), encoding="utf-8")
    run_cli("init")
    run_cli("import", "i.txt")
    out = run_cli("transcripts", "show", "i").stdout
    assert "[crosstalk]" in out and "[laughs] [/x] [bold]" in out


def test_codebook_show_validate_export_update(run_cli, tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    run_cli("init", "--codebook", "tiny.yaml")
    shown = run_cli("codebook", "show").stdout
    assert "Formalisation  formalisation" in shown and "Time  prioritisation.time" in shown
    assert run_cli("codebook", "validate", "tiny.yaml").stdout.strip() == "tiny.yaml: ok, 5 codes"
    assert run_cli("codebook", "export", "-o", "out.yaml").exit_code == 0
    assert (tmp_path / "out.yaml").read_text().startswith("name: Tiny test codebook")
    (tmp_path / "edit.yaml").write_text(
        TINY_CODEBOOK.replace("name: Time", "name: Time for the work"), encoding="utf-8"
    )
    dry = run_cli("codebook", "update", "edit.yaml", "--dry-run").stdout
    assert "would rename prioritisation.time: 'Time' -> 'Time for the work'" in dry
    assert "Time for the work" not in run_cli("codebook", "show").stdout
    assert run_cli("codebook", "update", "edit.yaml").exit_code == 0
    assert "Time for the work" in run_cli("codebook", "show").stdout
    assert "already matches" in run_cli("codebook", "update", "edit.yaml").stdout


def test_coders_and_check(run_cli):
    run_cli("init")
    assert run_cli("coders", "add", "alice", "bob").exit_code == 0
    assert run_cli("coders", "add", "alice").exit_code == 1
    assert run_cli("coders", "list").stdout.splitlines() == ["coder  codings", "alice        0", "bob          0"]
    assert run_cli("check").stdout.startswith("qualcode.db: ok")


def test_completion_script(run_cli):
    result = run_cli("completion", "bash")
    assert result.exit_code == 0 and "_QUALCODE_COMPLETE" in result.stdout


@pytest.mark.skipif(bool(POSTGRES), reason="the demo builds SQLite files")
def test_demo_builds_both_studies_and_reuses_them(run_cli, tmp_path):
    from qualcode.project import Project

    result = run_cli("demo", "--no-open", "--dir", "d")
    assert result.exit_code == 0, result.output
    assert "built the RLN demo project" in result.stdout
    with Project.open(str(tmp_path / "d" / "rln.db")) as project:
        summary = project.summary()
        assert summary.n_transcripts >= 4 and set(summary.coders) >= {"alice", "bob"}
        assert summary.codings_by_coder["alice"] > 20 and summary.codings_by_coder["bob"] > 20
        assert project.check() == []
        first = project.list_transcripts()[0]
        project.apply_code("alice", project.codes()[1].key, project.segments(first.id)[1].id)
        kept = project.summary().codings_by_coder["alice"]
    again = run_cli("demo", "--no-open", "--dir", "d")
    assert "reusing the RLN demo project" in again.stdout
    with Project.open(str(tmp_path / "d" / "rln.db")) as project:
        assert project.summary().codings_by_coder["alice"] == kept
    assert run_cli("demo", "--no-open", "--dir", "d", "--study", "pess").exit_code == 0
