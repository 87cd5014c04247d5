"""The format registry (``qualcode.export.formats``): every report in every format it lists is
written by the command that makes it, from the file's extension alone, and read back by an
independent reader; the commands offer exactly the registered formats."""

from __future__ import annotations

import json

import pytest

from qualcode.export.formats import FORMATS, REPORTS

# the command that writes each kind of report from the demo project (-o FILE is added)
COMMANDS = {
    "themes": ["export", "themes", "--by", "role"],
    "codebook": ["export", "codebook"],
    "retrieve": ["retrieve", "formalisation"],
    "cooccur": ["cooccur"],
    "compare": ["compare", "--a", "role=Headteacher", "--b", "role=Teacher"],
    "matrix": ["export", "matrix", "{matrix}"],
    "memos": ["memos"],
    "agreement": ["agreement", "alice", "bob"],
}
CASES = [(kind.name, fmt) for kind in REPORTS for fmt in kind.formats]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    from qualcode.analysis.matrix import load_matrix
    from qualcode.project import Project
    from qualcode.samples import build_demo, matrix_files

    path = str(build_demo(tmp_path_factory.mktemp("demo"), "rln").path)
    with Project.open(path) as project:
        if not project.analysis.matrices():
            project.analysis.import_matrix(load_matrix(matrix_files("rln")[0]))
        project.set_memo("alice", "code", project.codes()[0].id, "A memo, so that the memo reports hold one.")
    return path


def test_every_report_kind_has_a_command_here():
    assert sorted(COMMANDS) == sorted(k.name for k in REPORTS)


@pytest.mark.parametrize(("kind", "fmt"), CASES, ids=[f"{k}-{f}" for k, f in CASES])
def test_every_registered_format_writes_a_file_its_reader_accepts(kind, fmt, run_cli, demo_db, tmp_path):
    matrix = json.loads(run_cli("matrix", "list", "--format", "json", "--db", demo_db).stdout)[0]["name"]
    out = tmp_path / f"report{FORMATS[fmt].suffixes[0]}"
    args = [a.format(matrix=matrix) for a in COMMANDS[kind]]
    result = run_cli(*args, "-o", str(out), "--db", demo_db)  # the extension alone says which format
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    FORMATS[fmt].read(out)


@pytest.mark.parametrize("kind", REPORTS, ids=[k.name for k in REPORTS])
def test_every_suffix_names_the_format_the_command_writes(kind):
    from qualcode.cli.common import output_format

    for suffix, fmt in kind.suffixes().items():
        assert output_format(f"report{suffix}", None, kind.suffixes(), kind.default) == fmt
        assert suffix in FORMATS[fmt].suffixes


def test_the_commands_offer_exactly_the_registered_formats():
    from qualcode.cli import cli

    for kind in REPORTS:
        words = COMMANDS[kind.name]
        group, command = (cli, words[0]) if words[0] != "export" else (cli.commands["export"], words[1])
        (option,) = [p for p in group.commands[command].params if p.name == "fmt"]  # type: ignore[attr-defined]
        assert list(option.type.choices) == kind.choices(), kind.name
        assert option.help == kind.format_help()


@pytest.mark.parametrize("fmt", sorted(set(FORMATS) - {"md"}))
def test_the_readers_refuse_what_is_not_their_format(fmt, tmp_path):
    bad = tmp_path / f"bad{FORMATS[fmt].suffixes[0]}"
    bad.write_text('"{not: [valid', encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017 - each reader raises its own kind of error
        FORMATS[fmt].read(bad)
