"""Replacing the open transcript's text from the workbench palette ("Transcripts: Replace the
open transcript's text…").

The same change as `qualcode transcripts replace`: a dry run first, shown in full (what moves,
what is lost), then the replacement as the coder's one event, which ``u`` undoes.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from qualcode.tui.screens.dialogs import ConfirmDialog, TextPrompt
from qualcode.tui.text import one_line, say

DIALOG_WIDTH = 66  # characters of text a line of the dialog holds
NOT_HERE = (
    "Replacing a transcript reads a file on the server, which a browser tab may not name. "
    "Where the project is, run: qualcode transcripts replace NAME FILE --coder NAME"
)


def offered(screen) -> bool:
    """Whether this workbench offers the replacement (it reads a file at a path the coder types)."""
    return bool(getattr(screen, "reads_typed_paths", True))


def replace_open_transcript(screen) -> None:
    """Ask for the corrected file, show the dry run, replace on confirmation."""
    if not offered(screen):
        say(screen.app, NOT_HERE, severity="warning", title="Not in a browser")
        return
    if screen.open is None:
        say(screen.app, "Open a transcript first: its text is what gets replaced.", severity="warning")
        return
    name, coder, project = screen.open.info.name, screen.coder, screen.project

    def chosen(value: str | None) -> None:
        if not value or not value.strip():
            return
        path = Path(value.strip()).expanduser()

        def plan():
            from qualcode.ingest.transcripts import parse_file

            parsed = parse_file(path, max_chars=project.max_segment_chars)
            return parsed, project.replace_transcript(name, parsed, coder, dry_run=True)

        screen.run_project(plan, lambda result: confirm(*result), description="comparing the texts")

    def confirm(parsed, report) -> None:
        body = Text("\n".join(_fitting(report.lines(), screen.app.size.height - 14)))
        title = Text.assemble("Replace the text of ", one_line(name), " with ", one_line(parsed.source_path), "?")

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            screen.run_project(
                lambda: project.replace_transcript(name, parsed, coder),
                lambda done: screen.reload(
                    then=lambda: screen.status.set(
                        message=Text(
                            f"replaced the text: {len(done.moved)} codings moved, {len(done.lost)} lost "
                            "(kept in your memos) · u undoes",
                            style=screen.status.tone("done"),
                        )
                    )
                ),
                description="replacing the text",
            )

        screen.app.push_screen(ConfirmDialog(title, body, yes="Replace"), answered)

    screen.app.push_screen(
        TextPrompt(
            Text.assemble("Replace the text of ", one_line(name), " with a corrected file"),
            placeholder="path/to/corrected.txt",
        ),
        chosen,
    )


def _fitting(lines: list[str], rows: int) -> list[str]:
    """As many report lines as fit in ``rows`` screen rows (wrapped), and a pointer to the rest."""
    rows = max(rows, 4)
    out: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        need = -(-len(line) // DIALOG_WIDTH) or 1
        if used + need > rows - 1 and index < len(lines) - 1:
            out.append(f"… {len(lines) - index} more lines: `qualcode transcripts replace --dry-run` lists all")
            break
        out.append(line)
        used += need
    return out
