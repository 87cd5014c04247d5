"""`autocode`, `undo`, `redo`: coding from the command line, reversible as in the workbench."""

from __future__ import annotations

import json

import click

from qualcode.cli.common import (
    Column,
    console,
    db_option,
    format_option,
    open_project,
    plain,
    print_table,
    transcripts_option,
)

PREVIEW = 20  # matches listed by a dry run on a terminal (all of them with --format json)


@click.command()
@click.argument("code_id")
@click.option("--match", "match", required=True, metavar="TEXT", help="The text (or, with --regex, pattern) to find.")
@click.option("--regex", "is_regex", is_flag=True, help="TEXT is a regular expression (time-limited).")
@click.option("--whole-words", is_flag=True, help="Match whole words only.")
@click.option(
    "--span",
    type=click.Choice(["segment", "match"]),
    default="segment",
    show_default=True,
    help="Code the whole turn that matches, or just the matched words.",
)
@click.option("--coder", required=True, help="Whose codings they become (one event: `qualcode undo` reverses it).")
@click.option("--include-interviewer", is_flag=True, help="Search the interviewer's turns too (skipped by default).")
@click.option("--dry-run", is_flag=True, help="List what would be coded; change nothing.")
@transcripts_option()
@format_option("table", "json")
@db_option
def autocode(
    code_id: str,
    match: str,
    is_regex: bool,
    whole_words: bool,
    span: str,
    coder: str,
    include_interviewer: bool,
    dry_run: bool,
    transcript_names: list[str] | None,
    fmt: str,
    db: str | None,
) -> None:
    """Apply CODE_ID wherever TEXT is found, as one change.

    \b
    Examples:
      qualcode autocode prioritisation.time --match "release time" \\
          --coder alice --dry-run
      qualcode autocode formalisation.plans --match "development plan" \\
          --coder alice
      qualcode autocode mobilisation --regex \\
          --match "shar(e|ed|ing) with (all )?staff" --span match --coder alice
    Case is ignored. Interviewer turns are skipped unless --include-interviewer.
    Codings the coder already has are left as they are.
    """
    with open_project(db) as project:
        report = project.autocode(
            code_id,
            coder,
            match,
            is_regex=is_regex,
            whole_words=whole_words,
            span=span,
            transcripts=transcript_names,
            include_interviewer=include_interviewer,
            dry_run=dry_run,
        )
        names = {t.id: t.name for t in project.list_transcripts()}
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "code": report.code,
                    "coder": report.coder,
                    "dry_run": dry_run,
                    "found": len(report.placements),
                    "already_coded": report.already,
                    "applied": report.applied,
                    "matches": [
                        {
                            "transcript": names.get(p.transcript_id, ""),
                            "start": p.start,
                            "end": p.end,
                            "text": p.matched,
                        }
                        for p in report.placements
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    out = console()
    if not report.placements:
        skipped = (
            f" ({report.skipped_interviewer} interviewer turns not searched: --include-interviewer)"
            if report.skipped_interviewer
            else ""
        )
        out.print(plain(f"no match for {match!r} in {report.transcripts} transcripts{skipped}; nothing coded"))
        return
    if dry_run:
        rows = [[names.get(p.transcript_id, ""), p.start, p.matched] for p in report.placements[:PREVIEW]]
        print_table(out, [Column("transcript"), Column("offset", numeric=True), Column("found")], rows)
        more = len(report.placements) - PREVIEW
        if more > 0:
            out.print(plain(f"… and {more} more (--format json lists all)"))
        already = f", {report.already} of them coded so already" if report.already else ""
        out.print(
            plain(f"would code {_passages(report.new)} with {report.code} for {report.coder}{already}; nothing changed")
        )
        return
    already = f" ({report.already} were coded so already)" if report.already else ""
    out.print(
        plain(
            f"coded {_passages(report.applied)} with {report.code} for {report.coder}{already} · `qualcode undo --coder {report.coder}` reverses it"
        )
    )


def _passages(n: int) -> str:
    return f"{n:,} passage{'' if n == 1 else 's'}"


def _reverse(coder: str, db: str | None, redo: bool) -> None:
    from qualcode import event_words

    with open_project(db) as project:
        info = project.redo(coder) if redo else project.undo(coder)
        if info is None:
            click.echo(f"nothing to {'redo' if redo else 'undo'} for {coder}")
            return
        names = {c.id: c.name for c in project.codes()}
        wanted = set(info.segment_ids)
        positions = {row[0]: row[2] + 1 for row in project.segment_rows() if row[0] in wanted} if wanted else None
    console().print(plain(event_words.describe(info, names, positions)))


@click.command()
@click.option("--coder", required=True, help="Whose last change to reverse (never anyone else's).")
@db_option
def undo(coder: str, db: str | None) -> None:
    """Reverse CODER's last change, as u does in the workbench, and say what it was."""
    _reverse(coder, db, redo=False)


@click.command()
@click.option("--coder", required=True, help="Whose undone change to apply again.")
@db_option
def redo(coder: str, db: str | None) -> None:
    """Apply again the change CODER last undid, as U does in the workbench."""
    _reverse(coder, db, redo=True)


COMMANDS = [autocode, undo, redo]
