"""`qualcode retrieve`, `cooccur`, `compare`, `matrix …` and `export matrix` on the RLN sample
project (on the backend under test): exit codes, one-line errors, and every file written read back."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest

from qualcode.analysis.matrix import load_matrix
from qualcode.project import Project
from qualcode.samples import matrix_files
from tests.conftest import POSTGRES
from tests.test_analysis_project import build_rln

SHIPPED = load_matrix(matrix_files("rln")[0])


@pytest.fixture(scope="module")
def rln_db(tmp_path_factory) -> str:
    """The demo project (with its framework matrix), built once for this module."""
    if POSTGRES:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = "qc_test_" + uuid.uuid4().hex[:12]
        admin = create_engine(
            POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    else:
        url = str(tmp_path_factory.mktemp("rln") / "rln.db")
    project = build_rln(url)
    project.analysis.import_matrix(SHIPPED)
    project.close()
    return url


@pytest.fixture
def run(run_cli, rln_db):
    def invoke(*args):
        return run_cli(*args, "--db", rln_db)

    return invoke


def one_line_error(result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for w in words:
        assert w in lines[0], lines[0]


# ---------------------------------------------------------------------- retrieve


def test_retrieve_json_is_the_documented_shape_with_offsets_into_the_stored_text(run, rln_db):
    result = run("retrieve", "formalisation", "--format", "json", "--keep-names")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"code", "passages"} and out["code"] == "formalisation"
    with Project.open(rln_db) as project:
        expected = project.analysis.retrieve("formalisation", redact=False)
        texts = {t.name: (t.id, project.transcript_text(t.id)) for t in project.list_transcripts()}
        passages = out["passages"]
        assert len(passages) == len(expected.passages) > 20
        for p in passages:
            assert {
                "transcript",
                "segment",
                "start",
                "end",
                "text",
                "participant",
                "attributes",
                "coders",
                "code",
            } <= set(p)
            assert p["code"] == "formalisation" or p["code"].startswith("formalisation.")
            tid, text = texts[p["transcript"]]
            assert text[p["start"] : p["end"]] == p["text"]
            segment = project.segments(tid)[p["segment"] - 1]  # numbered from 1
            assert segment.start <= p["start"] < p["end"] <= segment.end
        spans = [(p["code"], p["transcript"], p["start"], p["end"]) for p in passages]
        assert len(set(spans)) == len(spans)  # one entry per distinct coded span


def test_retrieve_filters_reach_the_report(run):
    every = json.loads(run("retrieve", "formalisation", "--format", "json").stdout)["passages"]
    heads = json.loads(run("retrieve", "formalisation", "--where", "role=Headteacher", "--format", "json").stdout)
    assert 0 < len(heads["passages"]) < len(every)
    assert {p["attributes"]["role"] for p in heads["passages"]} == {"Headteacher"}
    agreed = json.loads(
        run("retrieve", "formalisation", "--coders", "alice,bob", "--agreed", "--format", "json").stdout
    )
    assert 0 < len(agreed["passages"]) < len(every)
    leaf = json.loads(run("retrieve", "formalisation", "--no-subcodes", "--format", "json").stdout)["passages"]
    assert {p["code"] for p in leaf} <= {"formalisation"}
    with_context = json.loads(run("retrieve", "formalisation", "--context", "1", "--format", "json").stdout)
    assert all("before" in p and len(p["before"]) <= 1 for p in with_context["passages"])


def test_retrieve_writes_every_format_and_blacks_out_names(run, rln_db, tmp_path):
    import docx

    with Project.open(rln_db) as project:
        n = len(project.analysis.retrieve("formalisation").passages)
        names = [t for t, kind in project.identifying_terms() if kind == "name"]
    md = run("retrieve", "formalisation", "--by", "school")
    assert md.exit_code == 0 and md.stdout.startswith("# Code report: Formalisation")
    assert "## School A" in md.stdout
    assert "[name]" in md.stdout.replace("\\", "") and not [x for x in names if x in md.stdout]
    out = tmp_path / "report.csv"
    result = run("retrieve", "formalisation", "-o", out)
    assert result.exit_code == 0 and result.stdout == "" and f"wrote {out}" in result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == n and {r["code_id"].split(".")[0] for r in rows} == {"formalisation"}
    html = tmp_path / "report.html"
    assert run("retrieve", "formalisation", "-o", html).exit_code == 0
    assert html.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    word = tmp_path / "report.docx"
    assert run("retrieve", "formalisation", "-o", word).exit_code == 0
    quotes = [p.text for p in docx.Document(str(word)).paragraphs if p.style.name == "Quote"]
    assert len(quotes) >= n // 2 and not [x for x in names if any(x in q for q in quotes)]


def test_retrieve_mistakes_are_one_line(run, tmp_path):
    one_line_error(run("retrieve", "no.such.code"), "unknown code 'no.such.code'")
    one_line_error(run("retrieve", "formalisation", "-o", tmp_path / "x.pdf"), "'.pdf'", ".docx")
    one_line_error(run("retrieve", "formalisation", "--format", "docx"), "-o FILE.docx")
    one_line_error(run("retrieve", "formalisation", "--where", "colour=red"), "'colour'")
    one_line_error(run("retrieve", "formalisation", "--where", "role"), "ATTRIBUTE=VALUE")
    one_line_error(run("retrieve", "formalisation", "--by", "colour"), "cannot group by 'colour'")
    one_line_error(run("retrieve", "formalisation", "--coders", "zed"), "unknown coder 'zed'")
    one_line_error(run("retrieve", "formalisation", "--coders", "alice", "--agreed"), "at least two")
    one_line_error(run("retrieve", "formalisation", "-o", tmp_path / "nowhere" / "x.md"), "does not exist")
    assert not (tmp_path / "x.pdf").exists()


# ---------------------------------------------------------------------- cooccur and compare


def test_cooccur_json_and_files_hold_the_same_pairs(run, rln_db, tmp_path):
    import openpyxl

    result = run("cooccur", "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["unit"] == "segment"
    with Project.open(rln_db) as project:
        want = project.analysis.cooccurrence()
    assert [(p["a"], p["b"], p["segments"], p["jaccard"]) for p in out["pairs"]] == [
        (p.a, p.b, p.segments, p.jaccard) for p in want.pairs
    ]
    assert all(p["segments"] >= 1 and 0 < p["jaccard"] <= 1 for p in out["pairs"])
    rolled = json.loads(run("cooccur", "--rollup", "--format", "json").stdout)
    assert rolled["rollup"] is True and all("." not in p["a"] + p["b"] for p in rolled["pairs"])
    out_csv = tmp_path / "pairs.csv"
    assert run("cooccur", "-o", out_csv).exit_code == 0
    assert len(list(csv.DictReader(out_csv.open(encoding="utf-8")))) == len(out["pairs"])
    out_xlsx = tmp_path / "pairs.xlsx"
    assert run("cooccur", "-o", out_xlsx).exit_code == 0
    wb = openpyxl.load_workbook(out_xlsx)
    assert wb["Pairs"].max_row - 1 == len(out["pairs"])
    out_html = tmp_path / "pairs.html"
    assert run("cooccur", "--where", "network=RLN", "-o", out_html).exit_code == 0
    assert "<table" in out_html.read_text(encoding="utf-8")
    assert run("cooccur").stdout.startswith("# Code co-occurrence")
    one_line_error(run("cooccur", "--format", "xlsx"), "-o FILE.xlsx")
    one_line_error(run("cooccur", "--where", "colour=red"), "'colour'")


def test_compare_two_groups(run, rln_db, tmp_path):
    import openpyxl

    result = run("compare", "--a", "role=Headteacher", "--b", "role=Teacher", "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    with Project.open(rln_db) as project:
        assert out == project.analysis.compare_groups({"role": ("Headteacher",)}, {"role": ("Teacher",)}).as_json()
    assert [g["label"] for g in out["groups"]] == ["Headteacher", "Teacher"]
    md = run("compare", "--a", "role=Headteacher", "--b", "role=Teacher")
    assert "| Headteacher (n=" in md.stdout
    xlsx = tmp_path / "groups.xlsx"
    assert run("compare", "--a", "role=Headteacher", "--b", "role=Teacher", "-o", xlsx).exit_code == 0
    assert openpyxl.load_workbook(xlsx).worksheets[0].max_row > len(out["codes"]) // 2
    one_line_error(run("compare", "--a", "role=Headteacher"), "name two groups")
    one_line_error(run("compare", "--a", "role=Headteacher", "--b", "colour=red"), "'colour'")


# ---------------------------------------------------------------------- matrices


def test_matrix_commands_create_write_show_and_delete(run, rln_db):
    listed = json.loads(run("matrix", "list", "--format", "json").stdout)
    assert [m["name"] for m in listed] == [SHIPPED.name]
    made = run(
        "matrix",
        "create",
        "By role",
        "--rows-by",
        "role",
        "--columns",
        "formalisation,prioritisation",
        "--coder",
        "alice",
    )
    assert made.exit_code == 0 and "3 rows (role) × 2 columns" in made.stdout
    one_line_error(run("matrix", "create", "By role", "--rows-by", "role", "--coder", "alice"), "already a matrix")
    wrote = run(
        "matrix", "set", "By role", "Headteacher", "formalisation", "Heads wrote it into the plan.", "--coder", "bob"
    )
    assert wrote.exit_code == 0
    shown = run("matrix", "show", "By role")
    assert "| **Headteacher** | Heads wrote it into the plan. | — |" in shown.stdout
    cell = run("matrix", "show", "By role", "Headteacher", "formalisation", "--format", "json")
    data = json.loads(cell.stdout)
    assert data["summary"] == "Heads wrote it into the plan."
    assert data["passages"] and {p["attributes"]["role"] for p in data["passages"]} == {"Headteacher"}
    table = run("matrix", "list")
    assert "By role" in table.stdout and "1/6" in table.stdout
    one_line_error(run("matrix", "set", "By role", "Nobody", "formalisation", "x", "--coder", "bob"), "no row 'Nobody'")
    one_line_error(run("matrix", "set", "By role", "Teacher", "effects", "x", "--coder", "bob"), "no column 'effects'")
    one_line_error(run("matrix", "show", "Nope"), "no matrix named 'Nope'")
    one_line_error(run("matrix", "create", "X", "--rows-by", "colour", "--coder", "alice"), "'colour'")
    one_line_error(run("matrix", "create", "X", "--columns", "nope", "--coder", "alice"), "not a code")
    with Project.open(rln_db) as project:  # the CLI's edits are the coder's to undo
        assert project.undo("bob").summary == "undid summary of Headteacher × formalisation in matrix By role"
        assert project.analysis.matrix("By role").cells == {}
    deleted = run("matrix", "delete", "By role", "--coder", "alice")
    assert deleted.exit_code == 0 and "deleted matrix 'By role'" in deleted.stdout
    assert [m["name"] for m in json.loads(run("matrix", "list", "--format", "json").stdout)] == [SHIPPED.name]


def test_matrix_from_a_data_file_and_text_from_standard_input(run_cli, rln_db, tmp_path):
    from click.testing import CliRunner

    from qualcode.cli import cli

    path = tmp_path / "m.yaml"
    path.write_text(
        "name: Two schools\nrows_by: school\nrows: [School A, School B]\ncolumns: [effects]\n"
        "cells:\n  School A:\n    effects: Reading improved.\n",
        encoding="utf-8",
    )
    made = run_cli("matrix", "create", "--from", path, "--coder", "alice", "--db", rln_db)
    assert made.exit_code == 0 and "1 summary" in made.stdout
    result = CliRunner().invoke(
        cli,
        ["matrix", "set", "Two schools", "School B", "effects", "-", "--coder", "alice", "--db", rln_db],
        input="Read from stdin.\n",
    )
    assert result.exit_code == 0, result.output
    with Project.open(rln_db) as project:
        assert project.analysis.matrix("Two schools").cells == {
            ("School A", "effects"): "Reading improved.",
            ("School B", "effects"): "Read from stdin.",
        }
        project.analysis.delete_matrix("Two schools", coder="alice")


def test_export_matrix_in_every_format_read_back(run, rln_db, tmp_path):
    import docx
    import openpyxl

    name = SHIPPED.name
    first_row, first_column = SHIPPED.rows[0], SHIPPED.columns[0]
    summary = SHIPPED.cells[(first_row, first_column)]
    md = run("export", "matrix", name)
    assert md.exit_code == 0 and md.stdout.startswith(f"# {name}")
    out_csv = tmp_path / "m.csv"
    assert run("export", "matrix", name, "-o", out_csv).exit_code == 0
    rows = list(csv.reader(out_csv.open(encoding="utf-8")))
    assert [r[0] for r in rows[1:]] == SHIPPED.rows and rows[1][1] == summary
    out_xlsx = tmp_path / "m.xlsx"
    assert run("export", "matrix", name, "--counts", "-o", out_xlsx).exit_code == 0
    ws = openpyxl.load_workbook(out_xlsx)["Matrix"]
    with Project.open(rln_db) as project:
        n = len(project.analysis.cell_passages(name, first_row, first_column).passages)
    assert ws.cell(2, 1).value == first_row and ws.cell(2, 2).value.startswith(summary)
    assert ws.cell(2, 2).value.endswith(f"[{n} passages, 1 participant]") and n > 0
    out_docx = tmp_path / "m.docx"
    result = run("export", "matrix", name, "--quotes", "1", "-o", out_docx)
    assert result.exit_code == 0 and "8 rows × 8 columns, 64 summaries" in result.stderr
    table = docx.Document(str(out_docx)).tables[0]
    assert table.rows[1].cells[0].text.startswith(first_row) and summary in table.rows[1].cells[1].text
    assert "“" in table.rows[1].cells[1].text  # a quote cited
    out_html = tmp_path / "m.html"
    assert run("export", "matrix", name, "-o", out_html).exit_code == 0
    assert "<table" in out_html.read_text(encoding="utf-8")
    one_line_error(run("export", "matrix", name, "--format", "docx"), "-o FILE.docx")
    one_line_error(run("export", "matrix", "Nope", "-o", tmp_path / "x.md"), "no matrix named 'Nope'")
    assert not (tmp_path / "x.md").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["retrieve"],
        ["cooccur"],
        ["compare"],
        ["matrix"],
        ["matrix", "list"],
        ["matrix", "create"],
        ["matrix", "set"],
        ["matrix", "show"],
        ["matrix", "delete"],
        ["export", "matrix"],
    ],
)
def test_every_command_has_help(run_cli, command):
    result = run_cli(*command, "--help")
    assert result.exit_code == 0
    description = result.stdout.split("\n\n")[1].strip()
    assert len(description) > 30, result.stdout


def test_the_demo_loads_the_shipped_matrix(run_cli, tmp_path):
    result = run_cli("demo", "--no-open", "--dir", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    assert "qualcode matrix list" in result.stdout
    with Project.open(str(tmp_path / "demo" / "rln.db")) as project:
        [m] = project.analysis.matrices()
        assert (m.name, m.cells) == (SHIPPED.name, SHIPPED.cells)
