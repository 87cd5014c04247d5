"""Team commands: merge another coder's project file, hand coders blank copies."""

from __future__ import annotations

from pathlib import Path

import click

from qualcode.cli.common import coders_option, db_option, old_coder_option, open_project
from qualcode.errors import QualcodeError


@click.command()
@click.argument("other")
@click.option("--dry-run", is_flag=True, help="Show what would change and change nothing.")
@click.option(
    "--codebook",
    type=click.Choice(["ours", "theirs"]),
    help="For a code id defined differently in both: keep ours, or take theirs.",
)
@click.option(
    "--coders",
    "coder_policy",
    type=click.Choice(["union", "ours", "theirs"]),
    help="For a coder whose work differs in both: keep both sets (union), ignore theirs, or replace ours with theirs.",
)
@click.option("--coder", "only", multiple=True, help="Merge only this coder's work (repeatable).")
@click.option(
    "--force", is_flag=True, help="Merge a project of another study (not made from this one by copy or split)."
)
@db_option
def merge(
    other: str,
    dry_run: bool,
    codebook: str | None,
    coder_policy: str | None,
    only: tuple[str, ...],
    force: bool,
    db: str | None,
) -> None:
    """Bring another project's coders, codings, memos and codebook changes into this one.

    Transcripts are matched by content, codes by id, coders by name. New transcripts and codes
    come along. Conflicts (a code defined differently, a coder with different work in each)
    stop the merge until --codebook or --coders says how to resolve them. A summary or memo
    that differs is named in every mode (union and ours keep ours), and so is a code the other
    project deleted (it is kept here). Merging the same file twice changes nothing the second
    time. A project of another study (not made from this one by copy or split) is refused
    unless --force.

    \b
    Example (the lead merges two coders' files):
      qualcode merge --db lead.db alice.db --dry-run
      qualcode merge --db lead.db alice.db
      qualcode merge --db lead.db bob.db
    """
    from qualcode.project import Project

    with open_project(db) as project, Project.open(other) as theirs:
        if project.location == theirs.location:
            raise QualcodeError("cannot merge a project into itself")
        plan = project.merge_from(
            theirs, dry_run=dry_run, codebook=codebook, coders=coder_policy, only_coders=list(only) or None, force=force
        )
    if plan.conflicts:
        for conflict in plan.conflicts:
            click.echo(f"conflict: {conflict}", err=True)
        click.echo(f"error: {len(plan.conflicts)} conflicts; nothing was merged", err=True)
        raise SystemExit(1)
    for note in plan.notes:
        click.echo(note)
    if plan.empty:
        if plan.notes:
            click.echo(f"nothing else to merge from {other}")
        else:
            click.echo(f"nothing to merge: this project already has everything in {other}")
        return
    for line in plan.lines():
        click.echo(("would " if dry_run else "") + line)
    if not dry_run:
        click.echo(f"merged {other}")


@click.command()
@click.argument("target")
@click.option("--coder", required=True, help="The coder who gets the copy.")
@db_option
def copy(target: str, coder: str, db: str | None) -> None:
    """Make a copy of the project for one coder: transcripts and codebook, no one else's codings.

    The coder codes blind in the copy; the lead later brings the work back with `qualcode merge`.

    \b
    Example:
      qualcode copy --db lead.db alice.db --coder alice
    """
    with open_project(db) as project, project.copy_for_coder(target, coder) as copied:
        summary = copied.summary()
    click.echo(
        f"wrote {summary.location}: {summary.n_transcripts} transcripts, {summary.n_codes} codes, "
        f"coder {coder} with {summary.codings_by_coder.get(coder, 0)} codings"
    )


@click.command()
@coders_option("The coders to make copies for (default: every coder).")
@old_coder_option
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Where to write CODER.db files.",
)
@db_option
def split(coders: list[str], old_coders: list[str], directory: str, db: str | None) -> None:
    """Make one blind-coding copy per coder (DIR/CODER.db), as `copy` does for one.

    \b
    Example:
      qualcode split --db lead.db --coders alice,bob --dir handout/
    """
    coders = coders + old_coders
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    with open_project(db) as project:
        names = list(dict.fromkeys(coders)) or [c.name for c in project.coders()]
        if not names:
            raise QualcodeError("the project has no coders yet: qualcode coders add NAME")
        targets = [(str(out / f"{name}.db"), name) for name in names]
        copies = project.copies_for_coders(targets)  # all built before the first appears, or none
        for (target, name), copied in zip(targets, copies, strict=True):
            with copied:
                n = copied.summary().codings_by_coder.get(name, 0)
            click.echo(f"wrote {target} for {name} ({n} codings of their own)")


COMMANDS = [merge, copy, split]
