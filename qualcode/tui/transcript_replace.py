"""Replacing the open transcript's text from the workbench (the palette's "Replace transcript text…").

The same change as `qualcode transcripts replace`: a dry run first, shown in full (what moves,
what is lost), then the replacement as the coder's one event, which ``u`` undoes.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from qualcode.tui.text import one_line, say
from qualcode.tui.widgets.dialogs import ConfirmDialog, TextPrompt

MAX_LINES = 16  # of the dry run's report in the dialog


def replace_open_transcript(screen) -> None:
    """Ask for the corrected file, show the dry run, replace on confirmation."""
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
        lines = report.lines()
        if len(lines) > MAX_LINES:
            more = len(lines) - MAX_LINES + 1
            lines = [
                *lines[: MAX_LINES - 1],
                f"… and {more} more lines (`qualcode transcripts replace --dry-run` lists all)",
            ]
        body = Text("\n".join(lines))
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
                            style="green",
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
