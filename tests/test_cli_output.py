"""What the CLI prints keeps every value: on an 80-column terminal and in a pipe, each command's
table holds every number its JSON output holds, nothing is cut with "…", and a pipe is never
hard-wrapped."""

from __future__ import annotations

import json
import re

import pytest

from qualcode.cli import common

COMMANDS_WITH_JSON = {
    "agreement": (["agreement", "alice", "bob"], ["--format", "json"]),
    "disagreements": (["disagreements", "alice", "bob"], ["--format", "json"]),
    "transcripts list": (["transcripts", "list", "--coder", "alice"], ["--format", "json"]),
    "coders list": (["coders", "list"], ["--format", "json"]),
    "status": (["status"], ["--format", "json"]),
}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    from qualcode.samples import build_demo

    return str(build_demo(tmp_path_factory.mktemp("demo"), "rln").path)


@pytest.fixture
def terminal(monkeypatch):
    """Standard output behaves as an 80-column terminal (standard error stays a pipe)."""
    monkeypatch.setattr(common, "is_terminal", lambda stderr=False: not stderr)
    monkeypatch.setenv("COLUMNS", "80")


def numbers_in(value) -> list[float | int]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers_in(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers_in(v)]
    return []


def shown_as(number: int | float) -> list[str]:
    """The ways a table may print a number: whole, with thousands separators, or rounded as the
    reports round (three decimals, or a percentage with one)."""
    if isinstance(number, int):
        return [str(number), f"{number:,}"]
    return [f"{number:.3f}", f"{100 * number:.1f}%", f"{number:.1f}", f"{number:.2f}", repr(number)]


def missing_numbers(data, text: str) -> list:
    missing = []
    for number in numbers_in(data):
        if not any(re.search(r"(?<![\d.])" + re.escape(form) + r"(?![\d])", text) for form in shown_as(number)):
            missing.append(number)
    return missing


@pytest.mark.parametrize("mode", ["pipe", "terminal-80"])
@pytest.mark.parametrize("name", sorted(COMMANDS_WITH_JSON))
def test_table_output_keeps_every_number_of_the_json(run_cli, demo_db, monkeypatch, mode, name):
    args, json_args = COMMANDS_WITH_JSON[name]
    data = json.loads(run_cli(*args, *json_args, "--db", demo_db).stdout)
    assert numbers_in(data), "the JSON output should have numbers to compare"
    if mode == "terminal-80":
        monkeypatch.setattr(common, "is_terminal", lambda stderr=False: not stderr)
        monkeypatch.setenv("COLUMNS", "80")
    result = run_cli(*args, "--db", demo_db)
    assert result.exit_code == 0, result.output
    assert missing_numbers(data, result.stdout) == []
    if name != "disagreements":  # a disagreement's excerpt is shortened on purpose; no number is
        assert "…" not in result.stdout
    if mode == "terminal-80":
        assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_agreement_at_80_columns_keeps_the_per_code_numbers(run_cli, demo_db, terminal):
    out = run_cli("agreement", "alice", "bob", "--db", demo_db).stdout
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.split()[:2] == ["code", "units"])
    assert lines[at - 1].split()[:2] == ["%", "Cohen"]  # numeric headers wrap to leave room for names
    assert lines[at].split()[:3] == ["code", "units", "agree"]
    # Every code's row has its numbers: 30 codes of the RLN codebook, each with a percentage.
    assert sum(1 for line in lines if re.search(r"\d+\.\d%\s+-?\d\.\d{3}", line)) >= 30 + 8 + 2
    assert "per code (continued)" in out and "pairable 292" in out  # the details moved, not dropped


def test_piped_output_is_never_hard_wrapped(run_cli, demo_db, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = run_cli("transcripts", "list", "--db", demo_db).stdout
    row = next(line for line in out.splitlines() if line.startswith("rln-01-headteacher"))
    assert "interviewed=2019-06-20" in row and len(row) > 80  # one line per transcript
    shown = run_cli("transcripts", "show", "rln-01-headteacher", "--db", demo_db).stdout
    assert any(len(line) > 200 for line in shown.splitlines())  # a long turn stays one line


def test_table_helper_splits_columns_instead_of_cutting(terminal, capsys):
    columns = [common.Column("name")] + [common.Column(f"measure {i}", numeric=True) for i in range(9)]
    rows = [["a rather long code name that has to wrap somewhere", *[f"0.{i}23456" for i in range(9)]]]
    common.print_table(common.console(), columns, rows, "table")
    out = capsys.readouterr().out
    assert "table (continued)" in out
    for i in range(9):
        assert f"0.{i}23456" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "…" not in out


def test_table_helper_plain_layout_in_a_pipe(capsys):
    columns = [common.Column("name"), common.Column("n", numeric=True)]
    common.print_table(common.console(), columns, [["x" * 150, 7], ["y", 12345]])
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["name" + " " * 146 + "      n", "x" * 150 + "      7", "y" + " " * 149 + "  12345"]


def test_one_segment_numbering_everywhere(run_cli, demo_db):
    """The segment `disagreements` calls ¶N is ¶N in `transcripts show`, in theme exports' quotes and
    in the workbench (which numbers position + 1): counted from 1, as people count."""
    from qualcode.project import Project
    from qualcode.segments import segment_number

    found = json.loads(run_cli("disagreements", "alice", "bob", "--format", "json", "--db", demo_db).stdout)
    first = found["disagreements"][0]
    n, transcript = first["segment"], first["transcript"]
    shown = run_cli("transcripts", "show", transcript, "--db", demo_db).stdout
    block = shown.split(f"\n¶{n} ", 1)[1].split("\n\n", 1)[0]
    assert first["text"] in block
    with Project.open(demo_db) as project:
        seg = next(s for s in project.segments(project.transcript(transcript).id) if s.text == first["text"])
        assert segment_number(seg.position) == n == seg.position + 1
    table = run_cli("disagreements", "alice", "bob", "--db", demo_db).stdout
    assert f"{transcript} ¶{n} " in table
    md = run_cli("disagreements", "alice", "bob", "--format", "md", "--db", demo_db).stdout
    assert f"**{transcript}, segment {n}**" in md
    themes = json.loads(run_cli("export", "themes", "--format", "json", "--quotes", "3", "--db", demo_db).stdout)
    quote = next(q for c in themes["quotes"]["codes"] for q in c["quotes"])
    with Project.open(demo_db) as project:
        segments = project.segments(project.transcript(quote["transcript"]).id)
        seg = next(s for s in segments if s.start <= quote["start"] < s.end)
    assert quote["segment"] == segment_number(seg.position)
    listed = run_cli("transcripts", "show", quote["transcript"], "--db", demo_db).stdout
    assert f"\n¶{quote['segment']} {seg.start}-{seg.end}" in listed


def commands_with_output_option():
    from qualcode.cli import cli

    def walk(group, prefix=()):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from walk(command, prefix + (name,))
            elif any("-o" in p.opts for p in command.params if hasattr(p, "opts")):
                yield prefix + (name,)

    return sorted(walk(cli))


OUTPUT_ARGS = {
    ("agreement",): ["alice", "bob"],
    ("disagreements",): ["alice", "bob"],
    ("codebook", "export"): [],
    ("export", "codebook"): [],
    ("export", "codings"): [],
    ("export", "qdpx"): [],
    ("export", "themes"): [],
    ("export", "matrix"): ["RLN schools — key findings by theme"],
    ("retrieve",): ["formalisation"],
    ("cooccur",): [],
    ("compare",): ["--a", "role=Headteacher", "--b", "role=Teacher"],
    ("memos",): [],
}


def test_every_output_option_is_known_here():
    assert commands_with_output_option() == sorted(OUTPUT_ARGS)


@pytest.mark.parametrize("path", sorted(OUTPUT_ARGS), ids=" ".join)
def test_unknown_output_extension_is_an_error_listing_the_formats(run_cli, demo_db, tmp_path, path):
    result = run_cli(*path, *OUTPUT_ARGS[path], "-o", "report.pdf", "--db", demo_db)
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert line.startswith("error: cannot write report.pdf: the extension '.pdf'") and "use one of ." in line
    assert "\n" not in line and not (tmp_path / "report.pdf").exists()


def test_output_extension_chooses_the_format_and_must_agree_with_format(run_cli, demo_db, tmp_path):
    assert run_cli("export", "themes", "-o", "t.json", "--db", demo_db).exit_code == 0
    assert json.loads((tmp_path / "t.json").read_text())["table"]
    assert run_cli("export", "themes", "-o", "t.docx", "--db", demo_db).exit_code == 0
    assert (tmp_path / "t.docx").read_bytes().startswith(b"PK")
    unknown = run_cli("export", "themes", "-o", "t.pdf", "--db", demo_db).stderr
    assert ".xlsx, .html, .htm, .docx" in unknown
    assert "[csv|md|json|xlsx|html|docx]" in run_cli("export", "themes", "--help").stdout
    clash = run_cli("export", "themes", "--format", "md", "-o", "t.csv", "--db", demo_db)
    assert clash.exit_code == 1 and "t.csv names a csv file but --format is md" in clash.stderr
    assert run_cli("agreement", "alice", "bob", "-o", "a.csv", "--db", demo_db).exit_code == 0
    assert "section,key,label" in (tmp_path / "a.csv").read_text()
    assert run_cli("export", "codebook", "-o", "cb.yml", "--db", demo_db).exit_code == 0
    assert (tmp_path / "cb.yml").read_text().startswith("name: RLN")


def _options(path=()):
    import click

    from qualcode.cli import cli

    def walk(group, prefix):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from walk(command, prefix + (name,))
            else:
                for p in command.params:
                    if isinstance(p, click.Option):
                        yield prefix + (name,), p

    return list(walk(cli, ()))


def test_one_spelling_for_each_idea():
    for path, option in _options():
        names = set(option.opts)
        if names & {"--transcripts", "-t"}:
            assert names == {"--transcripts", "-t"} and option.multiple, path
        if "--json" in names or "--markdown" in names:
            assert option.hidden, f"{path}: use --format"
        if "--format" in names:
            assert option.name == "fmt", path
    transcript_filters = {p for p, o in _options() if "--transcripts" in o.opts}
    assert transcript_filters >= {("agreement",), ("disagreements",), ("suggest",), ("anonymise",)}


def test_older_spellings_are_hidden_and_do_the_same(run_cli, demo_db, tmp_path):
    top = run_cli("--help").stdout
    assert " import-refi " not in top and "import-refi" not in top
    assert "  export " not in run_cli("codebook", "--help").stdout.split("Commands:")[1]
    assert "--json" not in run_cli("transcripts", "list", "--help").stdout
    db = ("--db", demo_db)
    assert run_cli("codebook", "export", *db).stdout == run_cli("export", "codebook", *db).stdout
    assert (
        run_cli("transcripts", "list", "--json", *db).stdout
        == run_cli("transcripts", "list", "--format", "json", *db).stdout
    )
    old = run_cli("transcripts", "show", "rln-01-headteacher", "--coder", "alice", "--coder", "bob", *db).stdout
    assert old == run_cli("transcripts", "show", "rln-01-headteacher", "--coders", "alice,bob", *db).stdout
    assert "alice:" in old and "bob:" in old
    run_cli("export", "qdpx", "-o", "s.qdpx", *db)
    described = run_cli("import-refi", "--dry-run", "s.qdpx").stdout
    assert described.splitlines()[0] == run_cli("import", "--dry-run", "s.qdpx").stdout.splitlines()[0]
    assert "527 codings" in described


def test_transcript_filter_repeated_or_comma_separated(run_cli, demo_db):
    db = ("--db", demo_db)
    a = run_cli("agreement", "alice", "bob", "-t", "rln-01-headteacher,rln-03-teacher", "--format", "json", *db)
    b = run_cli(
        "agreement",
        "alice",
        "bob",
        "--transcripts",
        "rln-01-headteacher",
        "--transcripts",
        "rln-03-teacher",
        "--format",
        "json",
        *db,
    )
    assert (
        json.loads(a.stdout)["transcripts"]
        == json.loads(b.stdout)["transcripts"]
        == [
            "rln-01-headteacher",
            "rln-03-teacher",
        ]
    )


def test_import_dry_run_changes_nothing(run_cli, tmp_path):
    from .conftest import ROOT

    run_cli("init")
    folder = ROOT / "transcripts" / "rln"
    result = run_cli("import", "--dry-run", str(folder))
    assert result.exit_code == 0
    assert f"{folder / 'rln-01-headteacher.txt'}: 40 segments" in result.stdout
    assert "78 codings by alice, bob" in result.stdout and "nothing was imported" in result.stdout
    assert "no transcripts yet" in run_cli("transcripts", "list").stdout


def test_import_warnings_and_errors_go_to_stderr_once(run_cli, demo_db, tmp_path):
    run_cli("export", "codebook", "-o", "cb.qdc", "--db", demo_db)
    qdc = (tmp_path / "cb.qdc").read_text(encoding="utf-8").replace("</Codes>", "</Codes>\n <Sets/>")
    (tmp_path / "sets.qdc").write_text(qdc, encoding="utf-8")
    (tmp_path / "broken.docx").write_text("not a docx", encoding="utf-8")
    run_cli("init", "new.db")
    result = run_cli("import", "--db", "new.db", "sets.qdc", "broken.docx")
    assert result.exit_code == 1
    assert "warning" not in result.stdout and "broken.docx" not in result.stdout
    assert result.stderr.count("empty <Sets>") == 1 and result.stderr.count("broken.docx") == 1
    assert "1 REFI-QDA files imported" in result.stdout
