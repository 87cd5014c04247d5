"""What every workbench test needs: run the app headless, press keys, wait for what it shows.

Each helper fails loudly rather than falling through: ``wait_for_text`` fails with the screen it
last saw, ``qualcode.tui.testing.settle`` and ``until_still`` with "never settled". Test files
outside this folder import them (``from tests.tui.conftest import drive, press, wait_for_text``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from qualcode.tui.testing import screen_text, settle


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    """Where-you-left-off state and the error log go to a temporary directory, never the real home."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def drive(app, scenario: Callable[[Any], Awaitable[Any]], size: tuple[int, int] = (120, 40)) -> Any:
    """Run ``app`` headless at ``size``, settled, and return what ``scenario(pilot)`` returns."""

    async def go():
        async with app.run_test(size=size, notifications=True) as pilot:
            await settle(pilot)
            return await scenario(pilot)

    return asyncio.run(go())


async def press(pilot, *keys: str) -> None:
    """Press each key, letting what it started finish before the next."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def wait_for_text(pilot, *texts: str, limit: int = 200, pause: float = 0.05) -> str:
    """Until the screen shows every one of ``texts``; returns the screen. Fails with the screen it
    last saw after ``limit`` looks ``pause`` seconds apart (work off the UI thread lands late on a
    loaded machine)."""
    shown = ""
    for _ in range(limit):
        await settle(pilot)
        shown = screen_text(pilot.app)
        if all(text in shown for text in texts):
            return shown
        await asyncio.sleep(pause)
    missing = [text for text in texts if text not in shown]
    raise AssertionError(f"the screen never showed {missing!r}; it showed:\n{shown}")


def notices(app) -> list[str]:
    """The text of every notification on screen, whole (the screen wraps them in a box). Reads
    ``App._notifications``, as ``qualcode.tui.text.notice`` does (the Textual version is pinned)."""
    return [notification.message for notification in app._notifications]
