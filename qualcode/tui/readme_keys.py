"""The README's key table, written from the same entries as the help screen.

    python -m qualcode.tui.readme_keys README.md

rewrites the table between the markers below; ``tests/test_tui_keys.py`` fails when it is out
of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from textual.app import App

from qualcode.tui.keys import KeyEntry, key_entries
from qualcode.tui.screens.workbench import WorkbenchScreen
from qualcode.tui.widgets import suggestions  # noqa: F401  registers its panel (and its keys), as the app does

START = "<!-- keys: written by `python -m qualcode.tui.readme_keys README.md` from the bindings; do not edit -->"
END = "<!-- /keys -->"


def entries() -> list[KeyEntry]:
    """Every key of the workbench as it ships."""
    return key_entries(App(), WorkbenchScreen)


def markdown_table(items: list[KeyEntry]) -> str:
    lines = [START, "", "| where | key | does |", "|---|---|---|"]
    for entry in items:
        keys = " ".join(f"`{k}`" for k in entry.keys)
        lines.append(f"| {entry.section} | {keys} | {entry.description.replace('|', '/')} |")
    lines += ["", END]
    return "\n".join(lines)


def with_table(readme: str, table: str) -> str:
    start, end = readme.index(START), readme.index(END) + len(END)
    return readme[:start] + table + readme[end:]


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(with_table(path.read_text(encoding="utf-8"), markdown_table(entries())), encoding="utf-8")
