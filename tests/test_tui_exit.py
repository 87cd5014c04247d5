"""Quitting the workbench after background work leaves nothing behind and prints nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("textual")

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from qualcode.project import Project
    from qualcode.tui.app import WorkbenchApp
    from qualcode.tui.testing import settle

    async def main():
        project = Project.open(sys.argv[1])
        app = WorkbenchApp(project, "alice", blink=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("2", "S")  # suggest for the transcript, from the transcript pane
            for _ in range(1200):
                await settle(pilot, rounds=1)
                if project.list_suggestions():
                    break
                await pilot.pause(0.05)
            assert project.list_suggestions(), "no suggestions were stored"
            await pilot.press("q")
        assert not app.cpu.jobs
        project.close()
        print("quit")

    asyncio.run(main())
    """
)


def test_quitting_after_suggestions_prints_nothing_on_stderr(project, tmp_path):
    url = project.location
    project.close()
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, url],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**__import__("os").environ, "XDG_STATE_HOME": str(tmp_path / "state")},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("quit")
    assert result.stderr == ""
