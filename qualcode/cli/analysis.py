"""Analysis commands: `qualcode retrieve`, `cooccur`, `compare` and `matrix …` (and `export matrix`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from qualcode.cli.common import (
    Column,
    coders_option,
    console,
    db_option,
    open_project,
    output_format,
    print_table,
    stdout_is_terminal,
    transcripts_option,
    working,
)
from qualcode.errors import QualcodeError
from qualcode.export.formats import COMPARISON, COOCCURRENCE, MATRIX, MEMOS, PASSAGES, ReportKind


def where_option(name: str = "--where", help: str | None = None):
    return click.option(
        name,
        "where",
        multiple=True,
        metavar="ATTR=VALUE[,VALUE…]",
        help=help
        or "Only participants with this attribute value (role=Headteacher); values after commas are alternatives, "
        "repeat it for more attributes (all must hold).",
    )


def _where(items: tuple[str, ...]):
    from qualcode.analysis.retrieval import parse_where

    return parse_where(items) or None


def _format(output: str | None, fmt: str | None, kind: ReportKind) -> str:
    fmt = output_format(output, fmt, kind.suffixes(), kind.default)
    if kind.file_only(fmt) and not output:
        raise QualcodeError(
            f"{fmt.upper()} is a file format: give -o FILE.{fmt} (or another --format for standard output)"
        )
    if output:
        parent = Path(output).resolve().parent
        if not parent.is_dir():
            raise QualcodeError(f"cannot write {output}: folder {parent} does not exist")
    return fmt


def _emit(text: str, output: str | None, what: str) -> None:
    if output:
        from qualcode.export.pages import save_atomic

        save_atomic(lambda path: Path(path).write_text(text, encoding="utf-8", newline=""), output)
        click.echo(f"wrote {output} ({what})", err=True)
    else:
        click.echo(text, nl=False)


def _reading(db: str | None):
    """The project for an analysis that only reads: a current SQLite project without SQLAlchemy."""
    from qualcode.project import Project

    return Project.analysis_at(db)


def _format_option(kind: ReportKind):
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(kind.choices()),
        default=None,
        help=kind.format_help(),
    )


def _output_option():
    return click.option(
        "-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (default: standard output)."
    )


def _keep_names_option():
    return click.option(
        "--keep-names",
        is_flag=True,
        help="Do not black out the names in the participants' identifying data ([name], [school], [place]).",
    )


# ---------------------------------------------------------------------- retrieve


@click.command(name="retrieve")
@click.argument("code_id")
@where_option()
@coders_option("Only these coders' codings (default: everyone, as a union).")
@click.option(
    "--agreed",
    is_flag=True,
    help="Only passages whose code every one of the --coders applied to the same segment "
    "(without --coders: at least two coders).",
)
@click.option(
    "--context", type=click.IntRange(min=0), default=0, show_default=True, help="Turns shown before and after."
)
@click.option("--no-subcodes", is_flag=True, help="Only the code itself, not the codes below it.")
@click.option("--text", "text", metavar="TEXT", help="Only passages containing this text (case-insensitive).")
@click.option(
    "--by", "by", default="participant", show_default=True, metavar="participant|ATTR", help="Group passages by this."
)
@_keep_names_option()
@_format_option(PASSAGES)
@_output_option()
@db_option
def retrieve(code_id, where, coders, agreed, context, no_subcodes, text, by, keep_names, fmt, output, db) -> None:
    """Every passage coded with CODE_ID (and the codes below it) across the study: the code report.

    One entry per distinct coded span, with who said it (attributes, as theme tables attribute
    quotes), transcript and segment, the coders who applied it and their memos. Names kept in the
    participants' identifying data are blacked out. JSON gives offsets into the stored text.

    \b
    Examples:
      qualcode retrieve formalisation --where role=Headteacher -o plans.docx
      qualcode retrieve prioritisation.time --coders alice,bob --agreed \\
          --context 1
      qualcode retrieve mobilisation --by school -o mobilisation.html
      qualcode retrieve effects --format json | jq '.passages | length'
    """
    from qualcode.analysis.retrieval import check_group_by

    on_terminal = not output and not fmt and stdout_is_terminal()
    fmt = _format(output, fmt, PASSAGES)
    wanted = _where(where)
    with working("reading the project…"), _reading(db) as project:
        n_agreed = (len(coders) if coders else 2) if agreed else 0
        if agreed and coders and len(coders) < 2:
            raise QualcodeError("--agreed needs at least two --coders (or none: any two coders)")
        found = project.retrieve(
            code_id,
            subcodes=not no_subcodes,
            where=wanted,
            coders=coders or None,
            agreed=n_agreed,
            text=text,
            context=context,
            redact=not keep_names,
        )
        data = project.analysis_frame(transcripts=False)
        by = check_group_by(data, by)
        names = {c.key: c.name for c in data.codes}
    what = f"{len(found.passages)} passages from {found.participants} participants"
    if on_terminal:
        from qualcode.cli.terminal_reports import print_retrieval

        print_retrieval(console(), found, by, names)
    elif PASSAGES.file_only(fmt):
        PASSAGES.writer(fmt)(found, output, by, names)
        click.echo(f"wrote {output} ({what})", err=True)
    else:
        _emit(PASSAGES.writer(fmt)(found, by, names), output, what)


# ---------------------------------------------------------------------- cooccur


@click.command(name="cooccur")
@coders_option("Only these coders' codings (default: everyone, as a union).")
@click.option("--rollup", is_flag=True, help="Count sub-codes as their top-level theme.")
@where_option()
@_format_option(COOCCURRENCE)
@_output_option()
@db_option
def cooccur(coders, rollup, where, fmt, output, db) -> None:
    """Which codes are applied to the same segment: counts and Jaccard for every pair.

    The unit is the segment (a speaker turn). Codes are counted as applied (leaf codes); with
    --rollup as their top-level theme. HTML is a heat map; XLSX has the matrix and the pairs.

    \b
    Examples:
      qualcode cooccur -o cooccurrence.html
      qualcode cooccur --rollup --where network=RLN --format csv
      qualcode cooccur --coders alice --format json
    """

    on_terminal = not output and not fmt and stdout_is_terminal()
    fmt = _format(output, fmt, COOCCURRENCE)
    with working("reading the project…"), _reading(db) as project:
        found = project.cooccurrence(coders=coders or None, rollup=rollup, where=_where(where))
    what = f"{len(found.codes)} codes, {len(found.pairs)} pairs"
    if on_terminal:
        from qualcode.cli.terminal_reports import print_cooccurrence

        print_cooccurrence(console(), found)
    elif COOCCURRENCE.file_only(fmt):
        COOCCURRENCE.writer(fmt)(found, output)
        click.echo(f"wrote {output} ({what})", err=True)
    else:
        _emit(COOCCURRENCE.writer(fmt)(found), output, what)


# ---------------------------------------------------------------------- compare


@click.command(name="compare")
@where_option("--a", "The first group: ATTR=VALUE[,VALUE…] (role=Headteacher); repeat for more attributes.")
@click.option(
    "--b",
    "other",
    multiple=True,
    metavar="ATTR=VALUE[,VALUE…]",
    help="The second group, as --a (role=Teacher).",
)
@coders_option("Only these coders' codings (default: everyone, as a union).")
@_format_option(COMPARISON)
@_output_option()
@db_option
def compare(where, other, coders, fmt, output, db) -> None:
    """Two groups side by side: per code, the share of each group's participants who mention it.

    A participant mentions a code when it, or a code below it, was applied anywhere in their
    interviews. The difference is the first group's share minus the second's, in points.

    \b
    Examples:
      qualcode compare --a role=Headteacher --b role=Teacher
      qualcode compare --a network=RLN --b network=Pess -o networks.xlsx
    """

    if not where or not other:
        raise QualcodeError(
            "name two groups: --a ATTR=VALUE and --b ATTR=VALUE (e.g. --a role=Headteacher --b role=Teacher)"
        )
    fmt = _format(output, fmt, COMPARISON)
    with working("reading the project…"), _reading(db) as project:
        found = project.compare_groups(_where(where), _where(other), coders=coders or None)
    what = f"{found.a.label}: {found.a.n}, {found.b.label}: {found.b.n} participants"
    if COMPARISON.file_only(fmt):
        COMPARISON.writer(fmt)(found, output)
        click.echo(f"wrote {output} ({what})", err=True)
    else:
        _emit(COMPARISON.writer(fmt)(found), output, what)


# ---------------------------------------------------------------------- matrix


@click.group(name="matrix")
def matrix() -> None:
    """Framework matrices: cases × themes, a written summary in each cell (stored in the project).

    \b
      qualcode matrix list                       # the project's matrices
      # rows: every school; columns: the top-level themes
      qualcode matrix create "Schools" --rows-by school --coder alice
      qualcode matrix create --from rln-schools.yaml --coder alice
      qualcode matrix set "Schools" "School A" formalisation \\
          "In the plan from the start." --coder alice
      qualcode matrix show "Schools"             # the table (Markdown)
      # one cell and the passages behind it
      qualcode matrix show "Schools" "School A" formalisation
      qualcode matrix delete "Schools" --coder alice
      qualcode export matrix "Schools" --counts --quotes 2 -o schools.docx
    Every change is one event: the coder undoes it in the workbench (u) like
    a coding.
    """


def _summaries(n: int) -> str:
    return f"{n} summary" if n == 1 else f"{n} summaries"


def _names(value: str | None) -> list[str]:
    return [n.strip() for n in (value or "").split(",") if n.strip()]


@matrix.command(name="list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@db_option
def matrix_list(fmt, db) -> None:
    """The project's framework matrices: rows, columns and how many cells are written."""
    with _reading(db) as project:
        found = project.matrices()
    if fmt == "json":
        from qualcode.analysis.matrix import matrix_to_dict

        click.echo(json.dumps([matrix_to_dict(m) for m in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("no framework matrices yet: qualcode matrix create NAME --rows-by ATTR --coder NAME")
        return
    rows = [
        [m.name, m.rows_by, len(m.rows), len(m.columns), f"{len(m.cells)}/{len(m.rows) * len(m.columns)}"]
        for m in found
    ]
    columns = [
        Column("matrix"),
        Column("rows by"),
        Column("rows", numeric=True),
        Column("columns", numeric=True),
        Column("written", numeric=True),
    ]
    print_table(console(), columns, rows)


@matrix.command(name="create")
@click.argument("name", required=False)
@click.option("--rows-by", default="participant", show_default=True, metavar="participant|ATTR", help="What a row is.")
@click.option(
    "--rows", "rows", metavar="NAME[,NAME…]", help="Rows in order (default: every participant or attribute value)."
)
@click.option(
    "--columns", "columns", metavar="CODE_ID[,CODE_ID…]", help="Columns: code ids in order (default: top-level codes)."
)
@click.option("--description", default="", help="What the matrix is for.")
@click.option(
    "--from",
    "from_file",
    type=click.Path(dir_okay=False),
    help="Read the matrix (and any summaries) from a YAML data file instead.",
)
@click.option("--coder", required=True, metavar="NAME", help="Record the change under this coder's name.")
@db_option
def matrix_create(name, rows_by, rows, columns, description, from_file, coder, db) -> None:
    """Create a framework matrix: rows (participants, or values of an attribute) × columns (codes)."""
    from qualcode.analysis.matrix import load_matrix

    with open_project(db) as project:
        if from_file:
            loaded = load_matrix(from_file)
            if name:
                loaded.name = name.strip()
            made = project.import_matrix(loaded, coder=coder)
        else:
            if not name:
                raise QualcodeError("name the matrix: qualcode matrix create NAME --rows-by ATTR (or --from FILE)")
            data = project.analysis_frame()
            row_names = _names(rows) or _default_rows(data, rows_by.strip())
            column_keys = _names(columns) or [c.key for c in data.codes if c.depth == 0]
            made = project.create_matrix(
                name, rows_by.strip(), row_names, column_keys, coder=coder, description=description
            )
    click.echo(
        f"created matrix {made.name!r}: {len(made.rows)} rows ({made.rows_by}) × {len(made.columns)} columns"
        + (f", {_summaries(len(made.cells))}" if made.cells else "")
    )


def _default_rows(data, rows_by: str) -> list[str]:
    """Every participant with a transcript, or every value of the attribute, in natural order."""
    from qualcode.analysis.themes import _group_sort_key

    with_transcript = {t.participant_id for t in data.transcripts}
    people = [p for p in data.participants if p.id in with_transcript]
    if rows_by == "participant":
        values = [p.label for p in people]
    else:
        if rows_by not in data.attribute_keys():
            raise QualcodeError(
                f"no participant has the attribute {rows_by!r} (attributes: {', '.join(data.attribute_keys()) or 'none'})"
            )
        values = [str(p.attributes.get(rows_by) or "").strip() for p in people]
    found = list(dict.fromkeys(v for v in values if v))
    if not found:
        raise QualcodeError("no rows: the project has no participants with a transcript yet")
    return sorted(found, key=lambda v: _group_sort_key((v,)))


@matrix.command(name="set")
@click.argument("name")
@click.argument("row")
@click.argument("column")
@click.argument("text")
@click.option("--coder", required=True, metavar="NAME", help="Record the change under this coder's name.")
@db_option
def matrix_set(name, row, column, text, coder, db) -> None:
    """Write the summary in one cell (ROW × COLUMN); TEXT "-" reads it from standard input, "" clears it."""
    if text == "-":
        text = sys.stdin.read()
    with open_project(db) as project:
        project.set_cell(name, row, column, text, coder=coder)
    click.echo(f"{'cleared' if not text.strip() else 'wrote'} {row} × {column} in {name}")


@matrix.command(name="show")
@click.argument("name")
@click.argument("row", required=False)
@click.argument("column", required=False)
@coders_option("Passages of these coders only (with ROW COLUMN).")
@click.option("--context", type=click.IntRange(min=0), default=0, help="Turns around each passage (with ROW COLUMN).")
@_keep_names_option()
@click.option("--format", "fmt", type=click.Choice(["md", "json", "yaml"]), default="md", show_default=True)
@db_option
def matrix_show(name, row, column, coders, context, keep_names, fmt, db) -> None:
    """Print a matrix; with ROW and COLUMN, that cell's summary and the passages that support it."""
    from qualcode.analysis.matrix import MatrixView, matrix_to_dict
    from qualcode.export import framework as fw
    from qualcode.export import passages as pw

    if (row is None) != (column is None):
        raise QualcodeError("give both ROW and COLUMN to show one cell, or neither for the whole matrix")
    with _reading(db) as project:
        m = project.matrix(name)
        if row is None:
            if fmt == "md":
                view = project.matrix_view(name, redact=not keep_names)
            data = project.analysis_frame()
        else:
            found = project.cell_passages(
                name, row, column, coders=coders or None, context=context, redact=not keep_names
            )
            data = project.analysis_frame()
    if row is None:
        if fmt == "json":
            click.echo(json.dumps(matrix_to_dict(m), indent=2, ensure_ascii=False))
        elif fmt == "yaml":
            import yaml

            click.echo(yaml.safe_dump(matrix_to_dict(m), allow_unicode=True, sort_keys=False, width=100), nl=False)
        else:
            assert isinstance(view, MatrixView)
            click.echo(fw.render_markdown(view), nl=False)
        return
    summary = m.summary(row.strip(), column.strip())
    if fmt == "json":
        click.echo(
            json.dumps(
                {"matrix": m.name, "row": row, "column": column, "summary": summary, **found.as_json()},
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if fmt == "yaml":
        raise QualcodeError("--format yaml shows a whole matrix; use md or json for one cell")
    names = {c.key: c.name for c in data.codes}
    click.echo(f"# {m.name}: {row} × {names.get(column, column)}\n")
    click.echo((summary or "(no summary yet)") + "\n")
    click.echo(pw.render_markdown(found, "participant", names), nl=False)


@matrix.command(name="delete")
@click.argument("name")
@click.option("--coder", required=True, metavar="NAME", help="Record the change under this coder's name.")
@db_option
def matrix_delete(name, coder, db) -> None:
    """Delete a matrix and its summaries (the coder can undo it in the workbench)."""
    with open_project(db) as project:
        m = project.matrix(name)
        project.delete_matrix(name, coder=coder)
    click.echo(f"deleted matrix {m.name!r} ({_summaries(len(m.cells))})")


# ---------------------------------------------------------------------- export matrix


@click.command(name="matrix")
@click.argument("name")
@click.option("--counts", is_flag=True, help="Add the number of coded passages (participants) behind each cell.")
@click.option(
    "--quotes", type=click.IntRange(min=0), default=0, show_default=True, help="Cite up to N quotes per cell."
)
@coders_option("Counts and quotes from these coders' codings (default: everyone).")
@_keep_names_option()
@_format_option(MATRIX)
@_output_option()
@db_option
def export_matrix(name, counts, quotes, coders, keep_names, fmt, output, db) -> None:
    """A framework matrix as the book prints it: rows × themes, the summaries in the cells.

    \b
    Examples:
      qualcode export matrix "RLN schools — key findings by theme" \\
          -o findings.docx
      qualcode export matrix Schools --counts --quotes 2 -o schools.xlsx
    """

    fmt = _format(output, fmt, MATRIX)
    with working("reading the project…"), _reading(db) as project:
        view = project.matrix_view(name, counts=counts, quotes=quotes, coders=coders or None, redact=not keep_names)
    what = f"{len(view.matrix.rows)} rows × {len(view.matrix.columns)} columns, {_summaries(len(view.matrix.cells))}"
    if MATRIX.file_only(fmt):
        MATRIX.writer(fmt)(view, output)
        click.echo(f"wrote {output} ({what})", err=True)
    else:
        _emit(MATRIX.writer(fmt)(view), output, what)


# ---------------------------------------------------------------------- memos


@click.command()
@click.option("--search", metavar="TEXT", help="Only memos whose text contains TEXT (without case).")
@coders_option("Only these coders' memos (default: everyone's).")
@click.option("--code", "code", metavar="CODE_ID", help="Only memos on this code and on its codings.")
@transcripts_option("Only memos on these transcripts, their segments and codings (default: all).")
@_keep_names_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(MEMOS.choices()),
    default=None,
    help=MEMOS.format_help(),
)
@_output_option()
@db_option
def memos(
    search: str | None,
    coders: list[str],
    code: str | None,
    transcript_names: list[str] | None,
    keep_names: bool,
    fmt: str | None,
    output: str | None,
    db: str | None,
) -> None:
    """Every memo in one place: on segments, codings, codes and transcripts.

    \b
    Examples:
      qualcode memos                          # a table, newest place last
      qualcode memos --search "cover" --coders alice
      qualcode memos --code prioritisation -o memos.docx
    Each memo is listed with its place: transcript and segment, the code of a
    coding and the coded words.
    """
    from qualcode.export import memos as memo_export

    if fmt != "table":
        fmt = _format(output, fmt, MEMOS)
    if fmt == "table" and output:
        raise QualcodeError("a table is for the terminal: give -o FILE.md, .csv, .json or .docx")
    with open_project(db) as project:
        found = project.memo_entries(search, coders or None, code, transcript_names, redact=not keep_names)
    what = f"{len(found)} memo{'' if len(found) == 1 else 's'}"
    if MEMOS.file_only(fmt):
        assert output is not None
        MEMOS.writer(fmt)(found, output)
        click.echo(f"wrote {output} ({what})", err=True)
        return
    if fmt != "table":
        _emit(MEMOS.writer(fmt)(found), output, what)
        return
    if not found:
        click.echo(
            "no memos"
            + (" match" if search or coders or code or transcript_names else " yet: m in the workbench writes one")
        )
        return
    rows = [[memo_export.place(m), m.coder, memo_export.excerpt(m.text, 300)] for m in found]
    print_table(console(), [Column("on"), Column("coder"), Column("memo")], rows)


COMMANDS = [retrieve, cooccur, compare, matrix, memos]
