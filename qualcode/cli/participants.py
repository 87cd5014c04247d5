"""`participants list` and `participants set`: who was interviewed, and their attributes."""

from __future__ import annotations

import json

import click

from qualcode.cli.common import Column, console, db_option, format_option, open_project, plain, print_table


@click.group()
def participants() -> None:
    """List participants and set their attributes (role, school, network…)."""


@participants.command(name="list")
@format_option("table", "json")
@db_option
def participants_list(fmt: str, db: str | None) -> None:
    """List participants with their attributes."""
    with open_project(db) as project:
        rows = project.participants()
    if fmt == "json":
        click.echo(
            json.dumps([{"label": p.label, "attributes": p.attributes} for p in rows], indent=2, ensure_ascii=False)
        )
        return
    if not rows:
        click.echo("no participants yet: qualcode import FILES…")
        return
    table = [[p.label, ", ".join(f"{k}={v}" for k, v in p.attributes.items())] for p in rows]
    print_table(console(), [Column("participant"), Column("attributes")], table)


def _pairs(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"give KEY=VALUE (KEY= removes it), e.g. role=Teacher; got {value!r}")
        out[key.strip()] = text.strip() or None
    return out


@participants.command(name="set")
@click.argument("label")
@click.argument("values", nargs=-1, required=True, callback=_pairs, metavar="KEY=VALUE…")
@click.option("--coder", required=True, help="Who makes the change (they can undo it).")
@db_option
def participants_set(label: str, values: dict[str, str | None], coder: str, db: str | None) -> None:
    """Set attributes of participant LABEL; KEY= (nothing after =) removes one.

    \b
    Example:
      qualcode participants set "Teacher A" role=Teacher school="School A" \\
          --coder alice
    Theme tables, comparisons and framework rows follow at once. One change:
    `qualcode undo --coder NAME` (or u in the workbench) reverses it.
    """
    with open_project(db) as project:
        person = project.set_participant_attributes(label, coder, values)
    attrs = ", ".join(f"{k}={v}" for k, v in person.attributes.items()) or "no attributes"
    console().print(plain(f"{person.label}: {attrs}"))


COMMANDS = [participants]
