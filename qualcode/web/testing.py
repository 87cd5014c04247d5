"""Helpers for driving ``qualcode serve`` from tests and benchmarks: the server as a subprocess,
the system's Chromium, and what the page shows read back from the websocket.

The page draws the workbench on a canvas, so its text is not in the DOM; the bytes the server
sends over the websocket are the terminal stream that xterm.js draws, and ``PageScreen`` replays
them through a terminal emulator (pyte, a test dependency) to get the same rows of text.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def chromium_path() -> str | None:
    """The system's Chromium (``$QUALCODE_CHROMIUM`` first), or None."""
    for candidate in (os.environ.get("QUALCODE_CHROMIUM"), *CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium")
    return found


def launch_chromium(playwright, user_data_dir: Path):
    """A headless Chromium with a fresh profile; returns (context, page)."""
    context = playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=chromium_path(),
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 1280, "height": 800},
    )
    page = context.pages[0] if context.pages else context.new_page()
    return context, page


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ServeProcess:
    process: subprocess.Popen
    port: int
    url: str  # as printed: with the token when there is one
    output: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop(self, timeout: float = 15.0) -> int:
        """Ctrl+C, as a user would stop it; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.output.extend(self.process.stdout.read().splitlines())
            self.process.stdout.close()
        return self.process.returncode


def start_serve(db: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60.0) -> ServeProcess:
    """``qualcode serve --db DB --port FREE --no-open ARGS`` until it prints its URL."""
    port = free_port()
    command = [sys.executable, "-m", "qualcode", "serve", "--db", db, "--port", str(port), "--no-open", *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    output: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line.rstrip("\n"))
        if match := re.search(r"open (http://\S+)", line):
            return ServeProcess(process, port, match.group(1), output)
    process.kill()
    rest = process.stdout.read()
    raise RuntimeError("qualcode serve did not start:\n" + "\n".join(output) + rest)


class PageScreen:
    """The rows of text the page shows, rebuilt from the websocket's frames."""

    def __init__(self, columns: int = 80, rows: int = 24) -> None:
        import pyte

        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.frames = 0

    def resize(self, columns: int, rows: int) -> None:
        self.screen.resize(rows, columns)

    def feed(self, payload: bytes | str) -> None:
        if isinstance(payload, str):
            return  # JSON control messages (pong, open_url), not screen data
        self.frames += 1
        self.stream.feed(payload)

    @property
    def size(self) -> tuple[int, int]:
        return self.screen.columns, self.screen.lines

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def find(self, needle: str) -> tuple[int, int] | None:
        """(column, row) of the first cell of ``needle`` on the screen, or None."""
        for row, line in enumerate(self.screen.display):
            column = line.find(needle)
            if column >= 0:
                return column, row
        return None
