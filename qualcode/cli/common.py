"""What every command shares: the --db option, opening the project, one-line errors, output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from qualcode.cli.terminal import safe_console, safe_text, sanitised_output
from qualcode.errors import CodebookError, QualcodeError

if TYPE_CHECKING:  # the project API (and SQLAlchemy under it) is imported when a command opens one
    from qualcode.project import Project

DB_HELP = "Project database: a file path (SQLite) or postgresql://… URL. Default: $QUALCODE_DB, else ./qualcode.db."


class QualcodeGroup(click.Group):
    """A group that turns user mistakes into one line on stderr and exit code 1."""

    def main(self, *args, **kwargs):
        with sanitised_output():  # project data never sends a control sequence to the terminal
            return super().main(*args, **kwargs)

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


def format_option(*formats: str, default: str = "table", help: str | None = None):
    """``--format``: one option for the shape of the output on every command (table, json, md…)."""
    choices = list(formats or ("table", "json"))
    described = {"table": "table: for reading", "json": "json: for programs", "md": "md: Markdown"}
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help=help or "; ".join(described[c] for c in choices if c in described) + ".",
    )


def _split_names(ctx, param, values: tuple[str, ...]) -> list[str] | None:
    names = [n.strip() for value in values for n in value.split(",") if n.strip()]
    return names or None


def transcripts_option(help: str = "Only these transcripts (default: all).", dest: str = "transcript_names"):
    """``-t/--transcripts NAME[,NAME…]``, repeatable: the one way every command narrows to some
    transcripts. The command gets a list of names, or None for all."""
    return click.option(
        "--transcripts",
        "-t",
        dest,
        multiple=True,
        metavar="NAME[,NAME…]",
        callback=_split_names,
        help=help + " Repeat it or separate names with commas.",
    )


def coders_option(help: str):
    """``--coders NAME[,NAME…]``, repeatable: whose codings a command reads. ``--coder NAME`` is
    the person a command acts as. Commands that once took ``--coder`` repeatedly for "whose
    codings" keep it, hidden (see ``old_coder_option``)."""
    return click.option(
        "--coders",
        "coders",
        multiple=True,
        metavar="NAME[,NAME…]",
        callback=lambda ctx, param, values: _split_names(ctx, param, values) or [],
        help=help + " Repeat it or separate names with commas.",
    )


def old_coder_option(func: Callable) -> Callable:
    """The hidden, repeatable ``--coder`` that some commands took before ``--coders``."""
    return click.option(
        "--coder", "old_coders", multiple=True, hidden=True, callback=lambda ctx, param, values: list(values)
    )(func)


def output_format(output: str | None, fmt: str | None, suffixes: dict[str, str], default: str) -> str:
    """The format to write: ``--format`` if given, else the one ``-o``'s extension names, else
    ``default``. An ``-o`` whose extension is none of the command's formats is an error that lists
    them (``themes.pdf`` never silently gets Markdown), and so is one that contradicts ``--format``."""
    if not output:
        return fmt or default
    suffix = Path(output).suffix.lower()
    known = ", ".join(dict.fromkeys(suffixes))
    if suffix in suffixes:
        if fmt and fmt != suffixes[suffix]:
            raise QualcodeError(f"{output} names a {suffixes[suffix]} file but --format is {fmt}: use one of {known}")
        return suffixes[suffix]
    if not suffix and fmt:
        return fmt
    what = f"the extension {suffix!r}" if suffix else "no extension"
    raise QualcodeError(f"cannot write {output}: {what} is not a format this command writes; use one of {known}")


def open_project(db: str | None) -> Project:
    from qualcode.project import Project

    return Project.open(db)


# Wide enough for any line we print: output that is not a terminal is never wrapped or cut.
UNWRAPPED_WIDTH = 100_000


def console(stderr: bool = False):
    """The one place output is set up: on a terminal, Rich fits its width; in a pipe or a file,
    nothing is wrapped, cut or coloured, so every value survives ``| cat`` and ``> file``. The
    text it draws goes through :func:`qualcode.cli.terminal.safe_text`."""
    if is_terminal(stderr):
        return safe_console(stderr, highlight=False, soft_wrap=False)
    return safe_console(stderr, highlight=False, soft_wrap=True, width=UNWRAPPED_WIDTH)


def plain(text: object):
    """User text for Rich, never parsed as markup ("[laughs]" stays literal), with no control
    characters (:func:`qualcode.cli.terminal.safe_text`)."""
    from rich.text import Text

    return Text("" if text is None else safe_text(str(text)))


class _Quiet:
    """What ``working`` gives when standard error is not a terminal: nothing is shown."""

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        return None

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


def is_terminal(stderr: bool = False) -> bool:
    return (sys.stderr if stderr else sys.stdout).isatty()


def stdout_is_terminal() -> bool:
    return is_terminal()


# ---------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Column:
    """A table column. Numbers are right-aligned and never wrapped or cut; text wraps."""

    header: str
    numeric: bool = False
    style: str | None = None


GAP = 2  # spaces between columns
MIN_TEXT_WIDTH = 16  # a text column narrower than this is unreadable: move columns to a second table instead


def print_table(
    out, columns: list[Column], rows: Sequence[Sequence[object]], title: str | None = None, keys: int = 1
) -> None:
    """Print a table that keeps every value, whatever the width.

    In a pipe or a file (``out`` is not a terminal) the layout is plain: aligned columns, no
    wrapping, no cutting. On a terminal, text columns wrap to fit and numbers keep their full
    width; when even wrapped text cannot fit beside every number, the columns after the first
    ``keys`` are split over several tables, each repeating the key columns, so nothing is dropped.
    """
    cells = [[_one_line("" if c is None else str(c)) for c in row] for row in rows]
    natural = [_natural_width(col, [row[i] for row in cells]) for i, col in enumerate(columns)]
    if not is_terminal():
        _print_plain(out, columns, cells, natural, title)
        return
    floors = [_floor(col, [row[i] for row in cells], natural[i]) for i, col in enumerate(columns)]
    groups = _column_groups(floors, keys, out.width)
    for n, group in enumerate(groups):
        shown = list(range(keys)) + group
        widths = _fit(
            [columns[i] for i in shown], [natural[i] for i in shown], [floors[i] for i in shown], out.width, keys
        )
        heading = title if n == 0 else (f"{title} (continued)" if title else None)
        if n:
            out.print()
        _print_rich(out, [columns[i] for i in shown], [[row[i] for i in shown] for row in cells], widths, heading)


def _one_line(value: str) -> str:
    return safe_text(value, " ").replace("\r\n", " ").replace("\n", " ")


def _natural_width(column: Column, values: list[str]) -> int:
    from rich.cells import cell_len

    return max([cell_len(column.header)] + [cell_len(v) for v in values])


def _floor(column: Column, values: list[str], natural: int) -> int:
    """The narrowest a column may get: a number's full width (its header may wrap at spaces),
    or a readable width for text, which wraps."""
    from rich.cells import cell_len

    if not column.numeric:
        return min(natural, MIN_TEXT_WIDTH)
    return max([cell_len(word) for word in column.header.split()] + [cell_len(v) for v in values] + [1])


def _total(widths: list[int]) -> int:
    return sum(widths) + GAP * (len(widths) - 1)


def _column_groups(floors: list[int], keys: int, width: int) -> list[list[int]]:
    """The non-key columns, packed in order into as few tables as fit beside the key columns."""
    groups: list[list[int]] = [[]]
    for i in range(keys, len(floors)):
        candidate = groups[-1] + [i]
        if groups[-1] and _total(floors[:keys] + [floors[j] for j in candidate]) > width:
            groups.append([i])
        else:
            groups[-1] = candidate
    return groups


def _fit(columns: list[Column], natural: list[int], floors: list[int], width: int, keys: int) -> list[int]:
    """Widths that fit ``width``: text columns shrink first (widest first), then numeric headers
    wrap, and the key columns (which name the row) shrink last."""
    widths = list(natural)

    def stages():
        yield [i for i, c in enumerate(columns) if i >= keys and not c.numeric]
        yield [i for i, c in enumerate(columns) if c.numeric]
        yield list(range(len(columns)))

    for allowed in stages():
        while _total(widths) > width:
            shrinkable = [i for i in allowed if widths[i] > floors[i]]
            if not shrinkable:
                break
            widest = max(shrinkable, key=lambda i: widths[i])
            widths[widest] -= 1
    return widths  # if still too wide, the terminal wraps the lines; nothing is cut


def _print_rich(out, columns: list[Column], rows: list[list[str]], widths: list[int], title: str | None) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left", title_style="bold", box=None, header_style="bold")
    table.pad_edge = False
    for col, w in zip(columns, widths):
        table.add_column(
            _wrap_header(col.header, w),
            justify="right" if col.numeric else "left",
            no_wrap=col.numeric,
            overflow="fold",
            width=w,
            style=col.style,
        )
    for row in rows:
        table.add_row(*(_cell(v, col) for v, col in zip(row, columns)))
    out.print(table)


def _wrap_header(header: str, width: int) -> str:
    from rich.cells import cell_len

    lines: list[str] = []
    for word in header.split(" "):
        if lines and cell_len(lines[-1]) + 1 + cell_len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def _cell(value: str, column: Column):
    """Leading spaces (a tree's indent) become a hanging indent, so wrapped lines stay indented."""
    from rich.padding import Padding
    from rich.text import Text

    indent = len(value) - len(value.lstrip(" "))
    if column.numeric or not indent:
        return Text(value)
    return Padding(Text(value[indent:]), (0, 0, 0, indent))


def _print_plain(out, columns: list[Column], rows: list[list[str]], widths: list[int], title: str | None) -> None:
    from rich.cells import cell_len
    from rich.text import Text

    def line(values: list[str]) -> str:
        parts = []
        for col, w, v in zip(columns, widths, values):
            pad = " " * max(0, w - cell_len(v))
            parts.append(pad + v if col.numeric else v + pad)
        return (" " * GAP).join(parts).rstrip()

    if title:
        out.print(Text(title))
    out.print(Text(line([c.header for c in columns])))
    for row in rows:
        out.print(Text(line(row)))
