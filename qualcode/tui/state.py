"""Where each coder left off in each project (transcript and segment), kept on this machine.

This is screen state, not research data: it lives in the user's state directory
(``$XDG_STATE_HOME/qualcode/workbench.json``, by default ``~/.local/state``), never in the
project, so a team's shared database is not touched by where someone's cursor was.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def state_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "qualcode" / "workbench.json"


def _key(project: str, coder: str) -> str:
    return f"{project}\x1f{coder}"


def load_position(project: str, coder: str) -> dict:
    try:
        data = json.loads(state_file().read_text(encoding="utf-8"))
        value = data.get(_key(project, coder), {})
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


def project_key(project) -> str:
    """A project's identity on this machine: its absolute database URL, without any password."""
    try:
        return project.identity
    except AttributeError:
        return str(project)


def save_position(
    project: str,
    coder: str,
    transcript: str | None,
    segment_position: int | None,
    positions: dict[str, int] | None = None,
) -> None:
    """Remember the open transcript and segment, and the segment last visited in each transcript."""
    path = state_file()
    try:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                data = {}
        except (OSError, ValueError):
            data = {}
        entry: dict[str, object] = {"transcript": transcript, "segment": segment_position}
        if positions:
            entry["positions"] = dict(list(positions.items())[-500:])
        data[_key(project, coder)] = entry
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home directory costs the user their place, nothing more


def _read() -> dict:
    try:
        data = json.loads(state_file().read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def load_layout(project: str) -> dict[str, float]:
    """The pane widths chosen for ``project`` (fractions of the terminal's width), or {}."""
    value = _read().get("layouts", {})
    value = value.get(project, {}) if isinstance(value, dict) else {}
    if not isinstance(value, dict):
        return {}
    return {k: float(v) for k, v in value.items() if isinstance(v, (int, float))}


def save_layout(project: str, widths: dict[str, float]) -> None:
    """Remember the pane widths chosen for ``project`` (on this machine, for every coder)."""
    path = state_file()
    try:
        data = _read()
        layouts = data.get("layouts")
        if not isinstance(layouts, dict):
            layouts = {}
        layouts[project] = {k: round(v, 4) for k, v in widths.items()}
        data["layouts"] = dict(list(layouts.items())[-200:])
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
