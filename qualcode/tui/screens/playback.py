"""``p`` in the transcript pane: play the recording from the current turn's start.

The recording is the transcript's front matter ``media:``; the player is the first of
``qualcode.media.PLAYERS`` installed. Each refusal says why in one line: no times in this
transcript, no recording named, the file is missing, no player installed, or a browser tab (where
a player started on the server would play to the server's speakers, not the colleague's).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from rich.text import Text

from qualcode.media import PLAYER_NAMES, player_command
from qualcode.segments import clock
from qualcode.tui.text import one_line, say


def play_current_turn(screen) -> None:
    seg = screen.view.current
    if screen.open is None or seg is None:
        say(screen.app, "Open a transcript first: p plays its recording from the current turn.", severity="warning")
        return
    if screen.app.is_web:
        say(screen.app, "Playing the recording works in the terminal workbench (qualcode code), not in a browser tab.")
        return
    if seg.time_start is None:
        say(
            screen.app,
            "This turn has no time: the transcript came without times (captions and timed exports have them).",
        )
        return
    tid = screen.open.info.id

    def located(location: str | None) -> None:
        if not location:
            say(
                screen.app,
                "This transcript names no recording: add 'media: FILE' to its front matter and import it again.",
                severity="warning",
            )
            return
        if "://" not in location and not Path(location).is_file():
            say(screen.app, Text.assemble("The recording is not there: ", one_line(location)), severity="warning")
            return
        argv = player_command(location, seg.time_start)
        if argv is None:
            say(
                screen.app,
                f"No media player is installed: install one of {', '.join(PLAYER_NAMES)} to play from a turn.",
                severity="warning",
            )
            return
        try:
            subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            say(screen.app, f"could not start {Path(argv[0]).name}: {exc.strerror or exc}", severity="error")
            return
        screen.status.set(
            message=Text(
                f"▶ playing from {clock(seg.time_start)} with {Path(argv[0]).name}", style=screen.status.tone("done")
            )
        )

    screen.run_project(lambda: screen.project.transcript_media(tid), located, description="finding the recording")
