"""A qualcode command run in a fresh interpreter, for tests of what it loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def loaded_modules(args: list[str], cwd: Path, timeout: float = 120) -> tuple[str, set[str]]:
    """Run ``qualcode ARGS`` in a fresh interpreter: its standard output and the modules it loaded."""
    script = (
        "import sys, json\n"
        "from qualcode.cli import cli\n"
        f"try:\n    cli({args!r}, prog_name='qualcode')\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "print('\\n' + json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(cwd)},
    )
    assert out.returncode == 0, out.stderr
    *shown, modules = out.stdout.rstrip("\n").split("\n")
    return "\n".join(shown), set(json.loads(modules))
