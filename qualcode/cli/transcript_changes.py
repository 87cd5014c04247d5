"""`transcripts replace`, `transcripts rename`, `transcripts remove`: a transcript that changes after coding."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import console, db_option, open_project, plain
from qualcode.cli.core import transcripts


@transcripts.command(name="replace")
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--coder", required=True, help="Who makes the change (they can undo it in the workbench).")
@click.option("--dry-run", is_flag=True, help="Show which codings move and which are lost; change nothing.")
@click.option("--max-segment-chars", type=int, help="Split turns longer than this (default: the project's setting).")
@db_option
def transcripts_replace(
    name: str, file: str, coder: str, dry_run: bool, max_segment_chars: int | None, db: str | None
) -> None:
    """Replace transcript NAME's text with FILE (a corrected version), keeping its coding.

    The new text is aligned with the old by content; every coding and memo moves with the words it
    covered, also when turns were moved or swapped.
    A coding whose words were deleted is listed and kept in its coder's memo on the transcript.
    The participant and attributes stay as they are (the new file's front matter is not read
    for them). One change: undo in the workbench puts back the old text, segments, codings and
    memos.
    """
    from qualcode.ingest.transcripts import parse_file

    with open_project(db) as project:
        limit = project.max_segment_chars if max_segment_chars is None else max_segment_chars
        parsed = parse_file(Path(file), max_chars=limit)
        report = project.replace_transcript(name, parsed, coder, dry_run=dry_run)
    out = console()
    for line in report.lines():
        out.print(plain(line))
    if not dry_run:
        out.print(plain(f"replaced the text of {name!r} with {file}"))


@transcripts.command(name="rename")
@click.argument("old")
@click.argument("new")
@click.option("--coder", help="Record the change under this coder's name (so that they can undo it).")
@db_option
def transcripts_rename(old: str, new: str, coder: str | None, db: str | None) -> None:
    """Rename transcript OLD to NEW (a name no other transcript has)."""
    with open_project(db) as project:
        project.rename_transcript(old, new, coder)
    click.echo(f"renamed {old!r} to {new.strip()!r}")


@transcripts.command(name="remove")
@click.argument("name")
@click.option("--coder", required=True, help="Who removes it (they can undo it in the workbench).")
@click.option("--force", is_flag=True, help="Remove it even though it has codings (kept in the event log for undo).")
@db_option
def transcripts_remove(name: str, coder: str, force: bool, db: str | None) -> None:
    """Remove transcript NAME with its segments; refused while it has codings unless --force."""
    with open_project(db) as project:
        codings, memos = project.remove_transcript(name, coder, force=force)
    extra = f" with {codings} codings and {memos} memos (undo brings them back)" if codings or memos else ""
    click.echo(f"removed {name!r}{extra}")


COMMANDS: list[click.Command] = []  # subcommands of `transcripts`, registered above
