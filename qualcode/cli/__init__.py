"""The command line: `qualcode COMMAND --help` explains each command.

Commands are thin wrappers over ``qualcode.project``; none of them imports Textual except the
ones that open the workbench.
"""

from __future__ import annotations

import click

from qualcode import __version__
from qualcode.cli.common import DB_HELP, QualcodeGroup


@click.group(cls=QualcodeGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", metavar="URL", envvar="QUALCODE_DB", default=None, help=DB_HELP)
@click.version_option(__version__, prog_name="qualcode")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """qualcode: qualitative interview coding in the terminal.

    \b
    The research loop (from a clone of the repository; each line runs as written):
      # a project (SQLite, or postgresql://…), the one the commands below use
      qualcode init study.db --codebook codebooks/rln.yaml
      export QUALCODE_DB=study.db
      qualcode coders add alice bob                    # who codes
      qualcode import transcripts/rln/                 # turns become segments
      qualcode code --coder alice                      # the coding workbench
      qualcode agreement alice bob                     # kappa, alpha, % per code
      qualcode export themes --by role -o themes.xlsx  # theme tables
      # every passage of a code, to annotate
      qualcode retrieve formalisation -o formalisation.docx
      qualcode demo                                    # all of it on the samples

    Every command takes --db (or $QUALCODE_DB); without either, ./qualcode.db.
    Options mean the same everywhere: docs/cli.md lists the conventions.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db


# Each module names its commands in COMMANDS; a module that is not there yet is skipped.
COMMAND_MODULES = (
    "core",
    "transcript_changes",
    "coding",
    "participants",
    "workbench",
    "agreement",
    "export",
    "suggest",
    "team",
    "serve",
    "analysis",
)


def _register() -> None:
    import importlib

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"qualcode.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"qualcode.cli.{name}":
                continue
            raise
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="qualcode")
