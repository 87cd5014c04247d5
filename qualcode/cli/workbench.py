"""The command that opens the coding workbench: `qualcode code`.

Textual is imported only when the command runs, so that every other command starts fast.
"""

from __future__ import annotations

import click

from qualcode.cli.common import db_option


@click.command()
@click.option("--coder", required=True, metavar="NAME", help="Code as this coder (see `qualcode coders list`).")
@click.option(
    "--compare", "compare_with", metavar="OTHER", help="Show OTHER's codings beside yours and mark where you differ."
)
@click.option("--transcript", metavar="NAME", help="Open this transcript first (default: where you left off).")
@db_option
def code(coder: str, compare_with: str | None, transcript: str | None, db: str | None) -> None:
    """Open the coding workbench (a terminal UI) on the project.

    You see only your own codings unless you --compare with another coder. Every change is
    saved as you make it; u undoes, even after a restart. Press ? inside for every key.

    \b
    Examples:
      qualcode code --db study.db --coder alice
      qualcode code --coder alice --compare bob --transcript rln-01-headteacher
    """
    open_workbench(db, coder, compare_with, transcript)


def open_workbench(db: str | None, coder: str, compare_with: str | None = None, transcript: str | None = None) -> None:
    """Run the workbench until the user quits: the one place where the CLI imports the TUI (and
    Textual with it), for `qualcode code` and `qualcode demo`."""
    from qualcode.tui import run_workbench

    # None is ./qualcode.db, as for every command: run_workbench hands db to Project.open, which
    # takes None, but its annotation says str.
    run_workbench(db, coder, compare_with, transcript)  # type: ignore[arg-type]


COMMANDS = [code]
