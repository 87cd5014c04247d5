"""Export commands: `qualcode export themes|codebook|qdpx|codings|matrix` (and the hidden `import-refi`)."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.analysis import export_matrix
from qualcode.cli.common import db_option, open_project, output_format, working
from qualcode.errors import QualcodeError
from qualcode.export.formats import CODEBOOK, THEMES


def _coders(values: tuple[str, ...]) -> list[str] | None:
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    return names or None


def _write_text(text: str, output: str | None, what: str = "") -> None:
    if output:
        _save_text(text, output)
        click.echo(f"wrote {output}{what}", err=True)
    else:
        click.echo(text, nl=False)


def _save_text(text: str, output: str | Path) -> None:
    """Write ``text`` to ``output`` all at once: a full disk leaves the file that was there before."""
    from qualcode.files import save_atomic

    save_atomic(lambda tmp: Path(tmp).write_text(text, encoding="utf-8", newline=""), output)


def _check_output(output: str | None) -> None:
    if output:
        parent = Path(output).resolve().parent
        if not parent.is_dir():
            raise QualcodeError(f"cannot write {output}: folder {parent} does not exist")


@click.group(name="export")
def export() -> None:
    """Theme tables, codebook documents, codings, framework matrices and REFI-QDA projects.

    \b
      # counts per code and group (+ quotes)
      qualcode export themes --by role -o themes.xlsx
      # a codebook appendix for the paper
      qualcode export codebook --format md -o appendix.md
      # the whole project for NVivo, ATLAS.ti, MAXQDA…
      qualcode export qdpx -o study.qdpx
      # every coding as CSV (`qualcode import` reads it)
      qualcode export codings -o codings.csv
      # a framework matrix as the book prints it
      qualcode export matrix NAME -o findings.docx
    """


@export.command(name="themes")
@click.option(
    "--by",
    "by",
    multiple=True,
    metavar="ATTRIBUTE",
    help="Columns: 'participant' (default), or one or two participant attributes (--by role --by network).",
)
@click.option(
    "--count",
    type=click.Choice(["segments", "participants"]),
    default="segments",
    show_default=True,
    help="What a cell counts: coded segments, or participants who mention the code.",
)
@click.option(
    "--coders",
    "coders",
    multiple=True,
    metavar="NAMES",
    help="Whose codings: one coder, or several (comma-separated or repeated) as a union. Default: everyone.",
)
@click.option("--agreed", is_flag=True, help="Only what both of the two --coders applied to the same segment.")
@click.option(
    "--quotes",
    type=click.IntRange(min=0),
    default=None,
    help="Up to N representative quotes per code (default: 3 in xlsx, docx, html and md; 0 in csv and json).",
)
@click.option(
    "--quote-chars",
    type=click.IntRange(min=40),
    default=320,
    show_default=True,
    help="Trim quotes to about this many characters, at sentence ends.",
)
@click.option(
    "--attribution",
    type=click.Choice(["attributes", "label"]),
    default="attributes",
    show_default=True,
    help="Name speakers by role, school and network ('Headteacher, School C (RLN)') or by participant label.",
)
@click.option(
    "--keep-names",
    is_flag=True,
    help="Do not black out the names in the participants' identifying data ([name], [school], [place]) in quotes.",
)
@click.option("--codes", "root", metavar="CODE_ID", help="Only this code and the codes below it.")
@click.option("--depth", type=click.IntRange(min=0), default=None, help="Only codes this deep (0 = top-level codes).")
@click.option("--hide-empty", is_flag=True, help="Leave out codes nobody applied.")
@click.option("--title", help="Title of the report (default: 'Themes — PROJECT').")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(THEMES.choices()),
    default=None,
    help=THEMES.format_help(),
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (default: standard output).")
@db_option
def themes(
    by,
    count,
    coders,
    agreed,
    quotes,
    quote_chars,
    attribution,
    keep_names,
    root,
    depth,
    hide_empty,
    title,
    fmt,
    output,
    db,
) -> None:
    """Theme tables: how often each code was applied, per participant or group, with quotes.

    Rows are codes in codebook order (a parent includes its sub-codes, counted once); columns
    are participants or the values of one or two attributes; cells count coded segments or
    participants; totals come with it. XLSX, Word (.docx) and HTML are ready to paste into a report; CSV,
    Markdown and JSON go to standard output unless -o is given. In quotes, the names kept in
    the participants' identifying data are blacked out ([name], [school], [place]); other names
    in the text are not, so run `qualcode anonymise` before quoting a transcript in public.

    \b
    Examples:
      qualcode export themes --by role -o themes.xlsx
      qualcode export themes --by role -o themes.docx
      qualcode export themes --by role --by network --count participants \\
          -o themes.html
      qualcode export themes --coders alice,bob --agreed --quotes 5 --format md
      qualcode export themes --codes formalisation --by school --format csv
    """
    from qualcode.analysis import themes as th
    from qualcode.export import render as rd

    fmt = output_format(output, fmt, THEMES.suffixes(), THEMES.default)
    if THEMES.file_only(fmt) and not output:
        raise QualcodeError(
            f"{fmt.upper()} is a file format: give -o FILE.{fmt} (or --format csv|md|json|html for standard output)"
        )
    _check_output(output)
    n_quotes = quotes if quotes is not None else (3 if fmt in ("xlsx", "docx", "html", "md") else 0)
    if fmt == "csv" and n_quotes and not output:
        raise QualcodeError(
            "CSV holds one table: write to a file (-o themes.csv also writes themes.quotes.csv) or use --format md"
        )
    with working("reading the project…") as status:
        with open_project(db) as project:
            data = project.export_data(texts=n_quotes > 0, memos=False, details=False)
            terms = project.identifying_terms() if n_quotes and not keep_names else []
        status.update(f"counting {len(data.codings):,} codings…")
        source = th.resolve_source(data, _coders(coders), agreed)
        units = th.select_units(data, source)
        codes = th.code_subset(data.codes, root, depth)
        table = th.build_table(data, units, tuple(by), count, codes, source.describe(), hide_empty)
        view = None
        if n_quotes:
            status.update(f"choosing {n_quotes} quotes for each of {len(table.rows)} codes…")
            keep = {r.key for r in table.rows}
            view = th.build_quotes(
                data,
                units,
                n_quotes,
                [c for c in codes if c.key in keep],
                table.by,
                quote_chars,
                attribution,
                source,
                terms,
            )
    report = rd.ThemeReport(table, view, title or "")
    shape = f" ({len(table.rows)} codes × {len(table.columns)} columns" + (
        f", {sum(len(s.quotes) for s in view.sections)} quotes)" if view else ")"
    )
    if THEMES.file_only(fmt):
        THEMES.writer(fmt)(report, output)
        click.echo(f"wrote {output}{shape}", err=True)
    elif fmt == "csv":
        _write_text(rd.table_csv(table), output, shape)
        if view is not None:
            quotes_file = Path(output).with_suffix(".quotes.csv")
            _save_text(rd.quotes_csv(view), quotes_file)
            click.echo(f"wrote {quotes_file}", err=True)
    else:
        _write_text(THEMES.writer(fmt)(report), output, shape)


@export.command(name="codebook")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(CODEBOOK.choices()),
    default=None,
    help=CODEBOOK.format_help(),
)
@click.option(
    "--coders", "coders", multiple=True, metavar="NAMES", help="Counts in the Markdown appendix from these coders only."
)
@click.option("--agreed", is_flag=True, help="Counts from what both of the two --coders agreed on.")
@click.option("--no-counts", is_flag=True, help="Leave the counts out of the Markdown or Word appendix.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (default: standard output).")
@db_option
def codebook_doc(fmt, coders, agreed, no_counts, output, db) -> None:
    """The codebook as YAML, as a Markdown or Word appendix (definitions, include/exclude, examples, counts) or as REFI-QDA .qdc.

    \b
    Examples:
      qualcode export codebook --format md -o codebook-appendix.md
      qualcode export codebook -o codebook-appendix.docx
      qualcode export codebook -o rln.qdc   # NVivo, ATLAS.ti, MAXQDA, QualCoder…
      qualcode export codebook -o codebook.yaml
    """
    from qualcode.analysis import themes as th
    from qualcode.export.codebook_docs import code_counts

    fmt = output_format(output, fmt, CODEBOOK.suffixes(), CODEBOOK.default)
    if CODEBOOK.file_only(fmt) and not output:
        raise QualcodeError("DOCX is a file format: give -o FILE.docx (or --format md for standard output)")
    _check_output(output)
    with open_project(db) as project:
        data = project.export_data(texts=False, memos=False, details=False)
        doc = project.codebook_doc() if fmt == "yaml" else None
    what = f" ({len(data.codes)} codes)"
    write = CODEBOOK.writer(fmt)
    if doc is not None:
        _write_text(write(doc), output, what)
    elif fmt in ("md", "docx"):
        counts, described = None, ""
        if not no_counts:
            source = th.resolve_source(data, _coders(coders), agreed)
            counts, described = code_counts(data, th.select_units(data, source)), source.describe()
        if CODEBOOK.file_only(fmt):
            write(data, counts, output, described)
            click.echo(f"wrote {output}{what}", err=True)
        else:
            _write_text(write(data, counts, described), output, what)
    else:
        _write_text(write(data), output, what)


@export.command(name="qdpx")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="The .qdpx file to write.")
@click.option(
    "--coders", "coders", multiple=True, metavar="NAMES", help="Only these coders' codings (default: everyone's)."
)
@click.option("--no-memos", is_flag=True, help="Leave memos out.")
@db_option
def qdpx(output, coders, no_memos, db) -> None:
    """The whole project as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder…

    Transcripts become text sources, the codebook codes (definitions in their descriptions),
    codings text selections, coders users, participants cases with their attributes as
    variables, memos notes. GUIDs are the project's own, so exporting again gives the same file.
    Real names kept in a participant's identifying data are never written.

    \b
    Example:
      qualcode export qdpx -o study.qdpx
    """
    from qualcode.export import refi

    output_format(output, None, {".qdpx": "qdpx"}, "qdpx")
    _check_output(output)
    names = _coders(coders)
    with working("reading the project…") as status:
        with open_project(db) as project:
            data = project.export_data(texts=True, memos=not no_memos, coders=names)
            matrices = project.matrices()
        if names:
            unknown = [n for n in names if n not in data.coders]
            if unknown:
                raise QualcodeError(f"unknown coder {unknown[0]!r} (coders: {', '.join(data.coders) or 'none yet'})")
            data.coders = [c for c in data.coders if c in names]
            data.memos = [m for m in data.memos if m.coder in names]
        status.update(
            f"building the REFI-QDA project ({len(data.transcripts):,} sources, {len(data.codings):,} codings)…"
        )
        doc = refi.project_to_refi(data, memos=not no_memos)
        refi.add_matrices(doc, data, matrices)
        status.update(f"writing {output}…")
        size = refi.write_qdpx(doc, output)
    click.echo(
        f"wrote {output} ({size / 1024:.0f} KB): {len(data.transcripts)} sources, {len(data.codes)} codes, "
        f"{len(data.codings)} codings by {len(data.coders)} coders, {len(doc.cases)} cases, {len(doc.notes)} notes"
        + (f", {len(matrices)} framework matrices" if matrices else ""),
        err=True,
    )


@export.command(name="codings")
@click.option("--coders", "coders", multiple=True, metavar="NAMES", help="Only these coders (default: everyone).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (default: standard output).")
@db_option
def codings(coders, output, db) -> None:
    """Every coding as CSV (coder, transcript, code, start, end, memo), the format `qualcode import` reads.

    \b
    Example:
      qualcode export codings --coders alice -o alice-codings.csv
    """
    from qualcode.ingest.codings import format_codings

    output_format(output, None, {".csv": "csv"}, "csv")
    _check_output(output)
    names = _coders(coders)
    with open_project(db) as project:
        data = project.export_data(texts=False, memos=True, coders=names)
    if names:
        unknown = [n for n in names if n not in data.coders]
        if unknown:
            raise QualcodeError(f"unknown coder {unknown[0]!r} (coders: {', '.join(data.coders) or 'none yet'})")
    transcripts = {t.id: t.name for t in data.transcripts}
    memos = {m.target_id: m.text for m in data.memos if m.target == "coding"}
    text = format_codings(
        (c.coder, transcripts[c.transcript_id], c.code_key, c.start, c.end, memos.get(c.guid, "")) for c in data.codings
    )
    _write_text(text, output, f" ({len(data.codings)} codings)")


@click.command(name="import-refi", hidden=True)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--allow-external",
    is_flag=True,
    help="Read sources the file points to outside itself (relative:// and absolute:// paths).",
)
@click.option(
    "--dry-run", is_flag=True, help="Read the file and say what it holds and what would not fit; change nothing."
)
@db_option
def import_refi_command(file, allow_external, dry_run, db) -> None:
    """Import a REFI-QDA project or codebook; kept for scripts: `qualcode import FILE` does the same.

    Codes (with their hierarchy, colours and descriptions), text sources, cases and their
    variables (as participants and attributes), users (as coders), codings and notes (as memos)
    come in, in one transaction. What qualcode cannot keep (pictures, PDFs, sets, graphs…) is
    listed, never silently dropped. Importing the same file again changes nothing.

    \b
    Examples:
      qualcode init study.db && qualcode import-refi --db study.db colleague.qdpx
      qualcode import-refi --dry-run codebook.qdc
    """
    from qualcode.ingest.refi_read import describe_refi

    if dry_run:
        line, warnings = describe_refi(file, allow_external=allow_external)
        click.echo(line)
        for w in warnings:
            click.echo(f"warning: {w}", err=True)
        return
    with open_project(db) as project:
        summary = project.import_refi(file, allow_external=allow_external)
    click.echo(f"imported {file} ({summary.origin or 'REFI-QDA'}) into {project.location}")
    for line in summary.lines():
        click.echo(f"  {line}")
    for w in summary.warnings:
        click.echo(f"warning: {w}", err=True)


export.add_command(export_matrix)

COMMANDS = [export, import_refi_command]
