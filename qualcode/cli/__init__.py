"""The command line: `qualcode COMMAND --help` explains each command.

Commands are thin wrappers over ``qualcode.project``; none of them imports Textual except the
ones that open the workbench.
"""

from __future__ import annotations

import click

from qualcode import __version__
from qualcode.cli.common import DB_HELP, QualcodeGroup

# Which module defines each command (each module also lists its commands in COMMANDS). A command's
# module is imported only when the command runs, so that `qualcode status` does not load what
# `export` or `serve` need; `--help` and shell completion import them all to list them.
# `transcripts` gains its `rename` and `remove` subcommands from a second module.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("init", "import", "codebook", "coders", "check", "status", "demo", "completion"), ("core",)),
    "transcripts": ("core", "transcript_changes"),
    **dict.fromkeys(("autocode", "undo", "redo"), ("coding",)),
    "participants": ("participants",),
    "code": ("workbench",),
    **dict.fromkeys(("agreement", "disagreements"), ("agreement",)),
    **dict.fromkeys(("export", "import-refi"), ("export",)),
    **dict.fromkeys(("suggest", "anonymise"), ("suggest",)),
    **dict.fromkeys(("merge", "copy", "split"), ("team",)),
    "serve": ("serve",),
    **dict.fromkeys(("retrieve", "cooccur", "compare", "matrix", "memos"), ("analysis",)),
}


class _Commands(QualcodeGroup):
    """The top-level group: imports a command's module when the command is looked up."""

    def __init__(self, *args, **kwargs) -> None:
        self._loaded: dict[str, click.Command] = {}
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        """Every command, all modules imported (what `--help`, completion and a typo's hint need)."""
        self._load(*dict.fromkeys(m for modules in COMMAND_MODULES.values() for m in modules))
        return self._loaded

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._loaded.update(value)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        self._loaded[name or cmd.name or ""] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load(*COMMAND_MODULES.get(cmd_name, ()))
        return self._loaded.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def _load(self, *modules: str) -> None:
        import importlib

        for name in modules:
            for command in importlib.import_module(f"qualcode.cli.{name}").COMMANDS:
                self._loaded.setdefault(command.name, command)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


def main() -> None:
    cli(prog_name="qualcode")
