"""The one way the workbench tells a person that something went wrong.

Every error handler in the workbench ends here (``report``), so that the two kinds of failure are
told apart the same way everywhere:

- a ``QualcodeError`` is a user mistake or bad input, worded for people: one line, nothing more;
- anything else is a bug in qualcode: the notification says so and names the log file, and the
  traceback goes to that file (``$XDG_STATE_HOME/qualcode/errors.log``, by default under
  ``~/.local/state``) so that it can be sent with a report. Showing a bug as a warning would
  let it pass for the user's mistake.
"""

from __future__ import annotations

import datetime
import os
import traceback
from pathlib import Path

from qualcode.errors import QualcodeError
from qualcode.tui.text import say


def log_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "qualcode" / "errors.log"


def log_bug(exc: BaseException) -> Path | None:
    """Append ``exc`` with its traceback to the log; returns the log's path, or None if it could
    not be written (a read-only home directory)."""
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        with path.open("a", encoding="utf-8") as out:
            out.write(f"--- {stamp} pid {os.getpid()}\n")
            out.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        return path
    except OSError:
        return None


def is_bug(exc: BaseException) -> bool:
    return not isinstance(exc, QualcodeError)


def bug_message(exc: BaseException, logged: Path | None) -> str:
    where = f"logged to {logged}" if logged else "the log could not be written"
    return f"This is a bug in qualcode: {type(exc).__name__}: {exc} ({where}). Work already saved is safe."


def report(app, exc: BaseException, *, doing: str = "") -> None:
    """Tell the person about ``exc``: a user mistake as one line (after ``doing``, e.g. "Could not
    write x.yaml"), a bug as a bug, logged with its traceback."""
    if not is_bug(exc):
        text = " ".join(str(exc).split()) or type(exc).__name__
        say(app, f"{doing}: {text}" if doing else text, severity="error", title="Not done")
        return
    logged = log_bug(exc)
    try:
        app.log.error(repr(exc))
    except Exception:
        pass
    say(app, bug_message(exc, logged), severity="error", title="Bug")
