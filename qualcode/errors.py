"""Errors that reach the user as one clear line."""

from __future__ import annotations


class QualcodeError(Exception):
    """A user mistake or bad input: shown as one line, exit code 1, nothing changed."""


class NoProject(QualcodeError):
    """No project where the user pointed (or in the current directory)."""


class InputError(QualcodeError):
    """A file the user gave cannot be read as what it claims to be.

    ``location`` is ``file`` or ``file:line`` so that messages say where to look.
    """

    def __init__(self, location: str, message: str):
        self.location = location
        self.message = message
        super().__init__(f"{location}: {message}")
