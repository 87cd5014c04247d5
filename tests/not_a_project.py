"""What a ``--db`` may point at that is not a qualcode project, and the one line ``Project.open``
refuses each with: the light reads (``status``, the analysis commands) must refuse them in the
same words (``tests/test_status_light.py``, ``tests/test_light_read.py``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qualcode.errors import QualcodeError
from qualcode.project import Project

KINDS = ["missing", "another program's database", "an empty file", "text", "a directory"]


def make(location: Path, kind: str) -> None:
    """Put a thing of ``kind`` (one of ``KINDS``) at ``location``."""
    if kind == "another program's database":
        with sqlite3.connect(location) as conn:
            conn.execute("CREATE TABLE songs (title TEXT)")
        conn.close()
    elif kind == "an empty file":
        location.write_bytes(b"")
    elif kind == "text":  # a transcript given as --db by mistake
        location.write_text("Interviewer: hello\n" * 200, encoding="utf-8")
    elif kind == "a directory":
        location.mkdir()


def as_open_says(location: str | Path) -> str:
    """The one line ``Project.open`` refuses this location with."""
    with pytest.raises(QualcodeError) as refused:
        Project.open(str(location))
    return f"error: {refused.value}\n"
