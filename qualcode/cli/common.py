"""What every command shares: the --db option, opening the project, one-line errors, output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

import click

from qualcode.codebook import CodebookError
from qualcode.errors import QualcodeError

DB_HELP = "Project database: a file path (SQLite) or postgresql://… URL. Default: $QUALCODE_DB, else ./qualcode.db."


class QualcodeGroup(click.Group):
    """A group that turns user mistakes into one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CodebookError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            ctx.exit(1)
        except QualcodeError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted; nothing half-done was kept", err=True)
            ctx.exit(130)


def db_option(func: Callable) -> Callable:
    """``--db`` on a command; falls back to the group's ``--db`` and then $QUALCODE_DB."""

    @click.option("--db", "db", metavar="URL", envvar="QUALCODE_DB", default=None, help=DB_HELP)
    @click.pass_context
    @functools.wraps(func)
    def wrapper(ctx: click.Context, *args, db: str | None, **kwargs):
        if db is None and ctx.find_root().obj:
            db = ctx.find_root().obj.get("db")
        return ctx.invoke(func, *args, db=db, **kwargs)

    return wrapper


def open_project(db: str | None):
    from qualcode.project import Project

    return Project.open(db)


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def plain(text: object):
    """User text for Rich, never parsed as markup ("[laughs]" stays literal)."""
    from rich.text import Text

    return Text("" if text is None else str(text))


class _Quiet:
    """What ``working`` gives when standard error is not a terminal: nothing is shown."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def update(self, message: str) -> None:
        pass


class _Spinner:
    def __init__(self, message: str) -> None:
        self._status = console(stderr=True).status(plain(message), spinner="dots")

    def __enter__(self):
        self._status.__enter__()
        return self

    def __exit__(self, *exc) -> bool:
        return bool(self._status.__exit__(*exc))

    def update(self, message: str) -> None:
        self._status.update(plain(message))  # file and code names are literal text, not markup


def working(message: str):
    """A spinner with what is being done, on standard error when it is a terminal (never in a
    pipe or a log). Use as ``with working("reading…") as status: … status.update("writing…")``."""
    return _Spinner(message) if console(stderr=True).is_terminal else _Quiet()


def progress_bar(out):
    """A bar with the item being worked on, done/total and the time left; shown only when ``out``
    is a terminal, and gone when the work is (lines printed through ``bar.console`` stay)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=out,
        transient=True,
        disable=not out.is_terminal,
    )


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
