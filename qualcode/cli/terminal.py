"""What reaches the terminal: project data never carries a control sequence there.

Codebook names, transcript text, memos and coder names are whatever someone typed or imported;
printed as they are, ``ESC ] 52`` would write the clipboard, ``ESC ] 0`` set the window title
and ``ESC [ 2 J`` clear the screen. Everything the command line writes to standard output and
standard error passes through :func:`safe_text`:

- tab, ``\\n`` and ``\\r\\n`` stay;
- the other line breaks (a lone ``\\r``, vertical tab, form feed, U+001C..U+001E; see
  :mod:`qualcode.ingest.linebreaks`) become ``\\n``, so a line is shown as a line;
- every other C0 control character, DEL and the C1 controls (U+0080..U+009F, NEL included) are
  shown as the six characters ``\\u001b`` (the same escape JSON uses, so ``--format json``
  still decodes to exactly the stored value).

Two choke points: :func:`sanitised_output` wraps ``sys.stdout``/``sys.stderr`` while a command
runs (``click.echo`` and anything else writing there), and :func:`safe_console` makes the Rich
consoles of :func:`qualcode.cli.common.console`, which write to the unwrapped streams so that
their own colours survive, clean every piece of text they draw. Files written with ``-o`` are
not terminal output: they keep the data exactly.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import IO, Any

_LINE_BREAK = re.compile(r"\r(?!\n)|[\x0b\x0c\x1c-\x1e]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x9f]")
_ANY = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def safe_text(text: str, line_break: str = "\n") -> str:
    """``text`` with no character a terminal would act on (see the module's docstring);
    ``line_break`` is what the line breaks other than ``\\n`` and ``\\r\\n`` become."""
    if _ANY.search(text) is None and "\r" not in text:
        return text
    return _CONTROL.sub(_escape, _LINE_BREAK.sub(line_break, text))


class SafeStream:
    """A text stream that writes through :func:`safe_text`. It has no ``buffer``, so nothing
    (click included) can reach the bytes underneath and write around it."""

    def __init__(self, stream: IO[str]) -> None:
        self.unsafe = stream

    def write(self, text: str) -> int:
        if isinstance(text, str):
            text = safe_text(text)
        return self.unsafe.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self.unsafe, name)


def unwrapped(stream: Any) -> Any:
    """The stream under a :class:`SafeStream` (for Rich, which cleans its own text)."""
    return stream.unsafe if isinstance(stream, SafeStream) else stream


@contextmanager
def sanitised_output() -> Iterator[None]:
    """While a command runs, standard output and standard error go through :func:`safe_text`."""
    if isinstance(sys.stdout, SafeStream):  # a subcommand group inside a command group
        yield
        return
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


@lru_cache(maxsize=1)
def _console_class() -> type:
    from rich.console import Console
    from rich.segment import Segment

    class SafeConsole(Console):
        """A Rich console whose drawn text goes through :func:`safe_text`; Rich's own control
        segments (cursor moves of a progress bar or spinner) are left as they are."""

        def render(self, renderable, options=None):  # type: ignore[no-untyped-def]
            for segment in super().render(renderable, options):
                if segment.control or (_ANY.search(segment.text) is None and "\r" not in segment.text):
                    yield segment
                else:
                    yield Segment(safe_text(segment.text, " "), segment.style, segment.control)

    return SafeConsole


def safe_console(stderr: bool = False, **options: Any) -> Any:
    """A Rich console on the real standard output (or error) that draws only safe text."""
    stream = unwrapped(sys.stderr if stderr else sys.stdout)
    return _console_class()(file=stream, **options)
