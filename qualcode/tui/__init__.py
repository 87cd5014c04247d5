"""The coding workbench: a Textual terminal UI over ``qualcode.project``.

Importing this package imports Textual; the CLI imports it only in the commands that open the
workbench (``qualcode code``, ``qualcode demo``).
"""

from __future__ import annotations

import textual  # noqa: F401 - fail here, early, when the TUI's dependency is missing


def run_workbench(db: str, coder: str, compare_with: str | None = None, transcript: str | None = None) -> None:
    """Open the workbench on the project at ``db`` as ``coder`` (raises QualcodeError for user mistakes)."""
    from qualcode.errors import QualcodeError
    from qualcode.project import Project
    from qualcode.tui.app import WorkbenchApp

    project = Project.open(db)
    try:
        project.coder(coder)
        if compare_with is not None:
            if compare_with == coder:
                raise QualcodeError("--compare needs another coder than --coder")
            project.coder(compare_with)
        if transcript is not None:
            project.transcript(transcript)
        WorkbenchApp(project, coder, compare_with, transcript).run()
    finally:
        project.close()


__all__ = ["run_workbench"]
