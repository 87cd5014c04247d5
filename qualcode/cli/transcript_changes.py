"""`transcripts replace`, `rename`, `remove`, `speakers`: a transcript that changes after coding."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qualcode.cli.common import Column, console, db_option, format_option, open_project, plain, print_table
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


def _speaker_pair(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        speaker, sep, label = value.partition("=")
        if not sep or not speaker.strip() or not label.strip():
            raise click.BadParameter(f"give SPEAKER=PARTICIPANT, e.g. 'Speaker 2=Teacher A'; got {value!r}")
        out[speaker.strip()] = label.strip()
    return out


@transcripts.command(name="speakers")
@click.argument("name")
@click.option(
    "--interviewer", "interviewers", multiple=True, metavar="SPEAKER", help="This speaker is the interviewer."
)
@click.option(
    "--participant",
    "participants",
    multiple=True,
    metavar="SPEAKER=LABEL",
    callback=_speaker_pair,
    help="This speaker's turns are participant LABEL's words (a new label makes a new participant).",
)
@click.option("--reset", multiple=True, metavar="SPEAKER", help="Back to what the project's interviewer labels say.")
@click.option("--coder", help="Who makes the change (needed to change; they can undo it).")
@format_option("table", "json")
@db_option
def transcripts_speakers(
    name: str,
    interviewers: tuple[str, ...],
    participants: dict[str, str],
    reset: tuple[str, ...],
    coder: str | None,
    fmt: str,
    db: str | None,
) -> None:
    """List transcript NAME's speakers, or say who they are.

    \b
    Without options: each speaker, their turns, and whose words they are.
    A speaker not mapped here is the interviewer when the project's labels say so
    (`interviewer.labels`), else the transcript's participant. Examples:
      qualcode transcripts speakers group-1 --coder alice \\
          --interviewer "Speaker 1" --participant "Speaker 2=Teacher A"
      qualcode transcripts speakers group-1 --coder alice --reset "Speaker 1"
    Quotes, theme tables, retrieval, progress and agreement follow the map.
    One change: undo in the workbench reverses it.
    """
    changing = bool(interviewers or participants or reset)
    if changing and not coder:
        raise click.UsageError("--coder NAME is needed to change who the speakers are")
    with open_project(db) as project:
        if changing:
            assert coder is not None
            rows = project.set_transcript_speakers(name, coder, interviewers, participants, reset)
        else:
            rows = project.transcript_speakers(name)
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "speaker": r.speaker,
                        "turns": r.turns,
                        "interviewer": r.interviewer,
                        "participant": r.participant,
                        "set_here": r.set_here,
                    }
                    for r in rows
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if not rows:
        click.echo(f"{name!r} has no speaker labels: every turn is its participant's")
        return
    table = [
        [
            r.speaker,
            r.turns,
            "interviewer" if r.interviewer else (r.participant or "no participant"),
            "this transcript" if r.set_here else "project labels",
        ]
        for r in rows
    ]
    columns = [Column("speaker"), Column("turns", numeric=True), Column("words of"), Column("decided by")]
    print_table(console(), columns, table)


COMMANDS: list[click.Command] = []  # subcommands of `transcripts`, registered above
