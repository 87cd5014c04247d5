"""Styles live in ``.tcss`` files beside the screen or widget they style; this reads them.

Each class keeps its rules in ``DEFAULT_CSS`` (Textual scopes a widget's ``DEFAULT_CSS`` to the
widget and lets an app's own CSS override it), filled from its file when the module is imported.
The files travel in the wheel with the modules (see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path


def stylesheet(module_file: str, *names: str) -> str:
    """The text of the ``.tcss`` files ``names`` in the directory of ``module_file``, in order."""
    here = Path(module_file).parent
    return "\n".join((here / name).read_text(encoding="utf-8") for name in names)
