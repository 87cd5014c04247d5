"""Agreement commands: `qualcode agreement` and `qualcode disagreements`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qualcode.cli.common import (
    Column,
    console,
    db_option,
    open_project,
    output_format,
    plain,
    print_table,
    transcripts_option,
    working,
)
from qualcode.errors import QualcodeError
from qualcode.export.formats import AGREEMENT
from qualcode.segments import segment_label, segment_number, segment_ref


@click.command()
@click.argument("coders", nargs=-1)
@click.option(
    "--unit",
    type=click.Choice(["segment", "char"]),
    default="segment",
    show_default=True,
    help="segment: a code applied anywhere in a segment; char: every coded character, weighted by length.",
)
@click.option("--codes", metavar="CODE_ID", help="Only this code and the codes below it.")
@transcripts_option()
@click.option(
    "--order",
    type=click.Choice(["codebook", "worst"]),
    default="codebook",
    show_default=True,
    help="Order of the per-code table: codebook order, or lowest alpha first.",
)
@click.option(
    "--format", "fmt", type=click.Choice(AGREEMENT.choices()), default=AGREEMENT.default, help=AGREEMENT.format_help()
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file.")
@click.option("--include-interviewer", is_flag=True, help="Count the interviewer's turns as units too.")
@click.option(
    "--table",
    "table_file",
    type=click.Path(dir_okay=False),
    help="Compute from a CSV coding table (unit,coder,value) instead of the project.",
)
@click.option(
    "--level",
    type=click.Choice(["nominal", "ordinal", "interval", "ratio"]),
    default="nominal",
    show_default=True,
    help="With --table: the level of measurement for Krippendorff's alpha.",
)
@click.option(
    "--categories",
    type=click.IntRange(min=2),
    help="With --table: how many categories the scheme offers (for Brennan-Prediger).",
)
@db_option
def agreement(
    coders, unit, codes, transcript_names, order, fmt, output, include_interviewer, table_file, level, categories, db
) -> None:
    """Inter-coder agreement per code, per transcript and overall.

    Reports percent agreement, Cohen's kappa and Scott's pi (two coders), Fleiss' kappa,
    Krippendorff's alpha and Brennan-Prediger kappa, each with its units, pairable values and
    marginals. Only transcripts that every named coder has coded are compared; the report
    names them, the codebook version and a hash of the codings used, so it can be reproduced.

    \b
    Examples:
      qualcode agreement alice bob
      qualcode agreement alice bob --unit char --order worst
      qualcode agreement alice bob carol --codes formalisation \\
          --format md -o agreement.md
      qualcode agreement --table ratings.csv --level ordinal --categories 5
    """
    from qualcode.agreement.report import build_report

    fmt = output_format(output, None if fmt == AGREEMENT.terminal else fmt, AGREEMENT.suffixes(), AGREEMENT.default)
    if table_file:
        if coders:
            raise QualcodeError("--table computes from the file: do not name coders as well")
        from qualcode.project import Project  # loads numpy and SQLAlchemy: only when a command runs

        text = Project.table_agreement(Path(table_file), level, categories, fmt)
        _emit(text, output)
        return
    if len(coders) < 2:
        raise click.UsageError("name at least two coders, e.g. `qualcode agreement alice bob`")
    with working(f"reading {' and '.join(coders)}'s codings…") as status, open_project(db) as project:
        data = project.reliability_data(list(coders), unit, codes, transcript_names, include_interviewer)
        status.update("computing agreement per code, per transcript and overall…")
        report = build_report(data, project.codebook_version(), order)
    if fmt == "table" and not output:
        render_table(report, console())
        return
    _emit(AGREEMENT.writer(fmt)(report), output)


def render_table(report, out) -> None:
    """The report as terminal tables: the header lines, then per code, per transcript and overall."""
    from qualcode.agreement.report import LABELS, _detail, _fmt, header_lines

    for line in header_lines(report):
        out.print(plain(line), style="dim")
    measures = [Column(LABELS[m], numeric=True) for m in report.measure_names]
    for title, rows in (("per code", report.by_code), ("per transcript", report.by_transcript)):
        columns = [Column("code" if title == "per code" else "transcript"), Column("units", numeric=True), *measures]
        columns.append(Column("details", style="dim"))
        out.print()
        print_table(
            out,
            columns,
            [
                [
                    "  " * row.depth + row.label + (" ^" if row.rolled_up else ""),
                    row.n_units,
                    *[_fmt(row.results.get(m)) for m in report.measure_names],
                    _detail(row),
                ]
                for row in rows
            ],
            title,
        )
    mean_cells = []
    averaged = 0
    for m in report.measure_names:
        value, n, left = report.mean[m]
        averaged = max(averaged, n)
        text = "undef." if value is None else (f"{100 * value:.1f}%" if m == "percent" else f"{value:.3f}")
        mean_cells.append(text + (f" ({left} left out)" if left else ""))
    pooled = report.pooled
    out.print()
    print_table(
        out,
        [Column(""), Column("units", numeric=True), *measures, Column("details", style="dim")],
        [
            [
                "pooled (all leaf codes)",
                pooled.n_units,
                *[_fmt(pooled.results.get(m)) for m in report.measure_names],
                _detail(pooled),
            ],
            [f"mean of {averaged} leaf codes", "", *mean_cells, ""],
        ],
        "overall",
    )


def _emit(text: str, output: str | None) -> None:
    if output:
        from qualcode.files import save_atomic

        save_atomic(lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), output)
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@click.command()
@click.argument("coders", nargs=-1, required=True)
@click.option("--codes", metavar="CODE_ID", help="Only this code and the codes below it.")
@transcripts_option()
@click.option("--format", "fmt", type=click.Choice(["table", "md", "json"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@click.option("--include-interviewer", is_flag=True, help="Include the interviewer's turns.")
@db_option
def disagreements(coders, codes, transcript_names, fmt, output, include_interviewer, db) -> None:
    """List, per code, the segments where the coders differ, with the text and who applied what.

    \b
    Examples:
      qualcode disagreements alice bob
      qualcode disagreements alice bob --codes prioritisation \\
          --format md -o consensus.md
    """
    if len(coders) < 2:
        raise click.UsageError("name at least two coders")
    fmt = output_format(output, None if fmt == "table" else fmt, {".md": "md", ".markdown": "md", ".json": "json"}, fmt)
    with working("finding the segments where the coders differ…"), open_project(db) as project:
        found = project.disagreements(list(coders), codes, transcript_names, include_interviewer)
    if fmt == "json":
        _emit(_disagreements_json(found, coders), output)
        return
    if fmt == "md" or output:
        _emit(_markdown(found, coders), output)
        return
    out = console()
    if not found:
        out.print(plain(f"{' and '.join(coders)} agree on every compared segment"))
        return
    current = None
    for d in found:
        if d.code_key != current:
            current = d.code_key
            n = sum(1 for x in found if x.code_key == current)
            out.print()
            out.print(plain(f"{d.code_name} ({d.code_key}): {n} segment{'s' if n != 1 else ''}"), style="bold")
        who = f"applied by {', '.join(d.applied_by)}; not by {', '.join(d.not_by)}"
        out.print(plain(f"  {d.transcript} {segment_ref(d.position)} {d.speaker or ''} — {who}"), style="cyan")
        out.print(plain("    " + _short(d.text, 300)))


def _disagreements_json(found, coders) -> str:
    records = [
        {
            "code_id": d.code_key,
            "code": d.code_name,
            "transcript": d.transcript,
            "segment": segment_number(d.position),
            "speaker": d.speaker,
            "applied_by": list(d.applied_by),
            "not_by": list(d.not_by),
            "text": d.text,
        }
        for d in found
    ]
    return json.dumps({"coders": list(coders), "disagreements": records}, indent=2, ensure_ascii=False) + "\n"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _markdown(found, coders) -> str:
    lines = [f"# Disagreements: {', '.join(coders)}", ""]
    if not found:
        return "\n".join(lines + ["The coders agree on every compared segment.", ""])
    current = None
    for d in found:
        if d.code_key != current:
            current = d.code_key
            lines += ["", f"## {d.code_name} (`{d.code_key}`)", ""]
        lines.append(
            f"**{d.transcript}, {segment_label(d.position)}** ({d.speaker or 'no speaker'}) — applied by "
            f"{', '.join(d.applied_by)}; not by {', '.join(d.not_by)}"
        )
        lines.append("")
        lines.append("> " + _short(d.text, 2000).replace("\n", " "))
        lines.append("")
    return "\n".join(lines) + "\n"


COMMANDS = [agreement, disagreements]
