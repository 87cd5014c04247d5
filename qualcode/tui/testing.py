"""Helpers for driving the workbench headless (tests, benchmarks): settle, read the screen."""

from __future__ import annotations

import asyncio
import io


async def settle(pilot, rounds: int = 3, limit: int = 500) -> None:
    """Until every project call has returned and the screen has caught up.

    Results can submit further calls (a transcript opened after the codebook loaded), and on a
    loaded machine they arrive late: wait until ``rounds`` passes in a row find nothing pending.
    Fails with "never settled" if calls are still pending after ``limit`` passes."""
    app = pilot.app
    quiet = 0
    for _ in range(limit):
        busy = False
        for screen in app.screen_stack:
            runner = getattr(screen, "runner", None)
            if runner is not None and runner.busy:
                busy = True
                await runner.wait_idle()
            if getattr(screen, "draws_pending", False):  # drawn a frame after a key (the workbench)
                busy = True
                await asyncio.sleep(1 / 60)
        await app.workers.wait_for_complete()
        await pilot.pause()
        quiet = 0 if busy else quiet + 1
        if quiet >= rounds:
            return
    raise AssertionError(f"the workbench never settled: project calls still pending after {limit} passes")


async def until_still(pilot, calm: int = 3, pause: float = 0.05, limit: int = 200) -> str:
    """Settle, then wait until the screen (text and styles) is the same ``calm`` looks in a row,
    ``pause`` seconds apart: a layout or scroll applied after a refresh lands late on a loaded
    machine, and a snapshot taken before it would differ. Returns the still screen, styled.

    Fails with "never settled" after ``limit`` looks: a screen that keeps changing would otherwise
    be snapshotted mid-change, and the test pass or fail by chance."""
    last = None
    same = 0
    for _ in range(limit):
        await settle(pilot)
        await pilot.wait_for_scheduled_animations()
        now = screen_text(pilot.app, styles=True)
        same = same + 1 if now == last else 0
        if same >= calm:
            return now
        last = now
        await pilot.pause(pause)
    raise AssertionError(
        f"the screen never settled: it still changed after {limit} looks; last seen:\n{screen_text(pilot.app)}"
    )


def screen_text(app, styles: bool = False) -> str:
    """What the terminal shows, as plain text (one line per row; with ANSI styles if ``styles``).

    Rendered the way ``App.export_screenshot`` renders its SVG, through the screen's compositor:
    Textual offers no public plain-text export, so this uses ``Screen._compositor`` and the
    Textual version is pinned in pyproject.toml for it (and for the snapshots)."""
    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=styles)
