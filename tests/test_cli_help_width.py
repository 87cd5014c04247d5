"""Every command's --help fits an 80-column terminal: no line is wider (the long ones were
examples inside \\b blocks, which click does not wrap)."""

from __future__ import annotations

import click
from click.testing import CliRunner

from qualcode.cli import cli

WIDTH = 80


def commands(group: click.Group, path: tuple[str, ...] = ()):
    yield path
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None:
            continue
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name)


def test_every_help_fits_80_columns():
    runner = CliRunner()
    wide = []
    paths = list(commands(cli))
    assert len(paths) > 30
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"], terminal_width=WIDTH, prog_name="qualcode")
        assert result.exit_code == 0, (path, result.output)
        for line in result.output.splitlines():
            if len(line) > WIDTH:
                wide.append(f"qualcode {' '.join(path)}: {len(line)}: {line}")
    assert not wide, "\n".join(wide)
