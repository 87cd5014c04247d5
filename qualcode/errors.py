"""Errors that reach the user as one clear line."""

from __future__ import annotations

from dataclasses import dataclass


class QualcodeError(Exception):
    """A user mistake or bad input: shown as one line, exit code 1, nothing changed."""


class NoProject(QualcodeError):
    """No project where the user pointed (or in the current directory)."""


class GoneSince(QualcodeError):
    """What a change named (a coding, its segment, a code, a transcript, a matrix) no longer exists,
    so the change can be neither reversed nor applied again: undo and redo skip it rather than stop
    at it for good. The message is the reason, worded to follow "cannot undo …: "."""


class ProjectBusy(QualcodeError):
    """Another session held a lock for longer than the project waits: already one line to show as it is."""


class InputError(QualcodeError):
    """A file the user gave cannot be read as what it claims to be.

    ``location`` is ``file`` or ``file:line`` so that messages say where to look.
    """

    def __init__(self, location: str, message: str):
        self.location = location
        self.message = message
        super().__init__(f"{location}: {message}")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class CodebookError(QualcodeError):
    """Every problem found in a codebook file, each with file and line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = str(problems[0]) if problems else "invalid codebook"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(first + more)
