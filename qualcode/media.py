"""A transcript's recording: where it is, and the command that plays it from a turn's start.

A transcript names its recording in front matter (``media: interview-03.m4a``, a path relative to
the transcript file or absolute, or an http(s) URL). Playing goes to the first player installed
of those below; each is told where to start. Nothing here runs a process: the workbench does.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

# name -> how it is told to start at a second (and to stop when the file ends, where it can)
PLAYERS: tuple[tuple[str, Callable[[str, float], list[str]]], ...] = (
    ("mpv", lambda target, at: ["mpv", "--really-quiet", "--no-terminal", f"--start={at:.2f}", target]),
    ("ffplay", lambda target, at: ["ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet", "-ss", f"{at:.2f}", target]),
    ("vlc", lambda target, at: ["vlc", "--play-and-exit", f"--start-time={at:.2f}", target]),
    ("mplayer", lambda target, at: ["mplayer", "-really-quiet", "-ss", f"{at:.2f}", target]),
)
PLAYER_NAMES = tuple(name for name, _ in PLAYERS)


def media_location(media: str, source_path: str) -> str:
    """Where the recording named by front matter ``media`` is: a URL as written, a path made absolute
    against the transcript file's folder."""
    media = media.strip()
    if media.startswith(("http://", "https://")):
        return media
    path = Path(media).expanduser()
    if not path.is_absolute() and source_path:
        path = Path(source_path).expanduser().resolve().parent / path
    return str(path)


def player_command(location: str, start: float, which: Callable[[str], str | None] | None = None) -> list[str] | None:
    """The command that plays ``location`` from ``start`` seconds, with the first player installed
    (None: no player is installed)."""
    which = which or shutil.which
    for name, command in PLAYERS:
        found = which(name)
        if found:
            argv = command(location, max(0.0, start))
            return [found, *argv[1:]]
    return None
