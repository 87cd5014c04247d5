"""The shared test helpers fail loudly instead of returning what they happen to see."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Static

from qualcode.tui import testing
from qualcode.tui.testing import until_still

from .conftest import drive, wait_for_text


def test_until_still_fails_with_never_settled_on_a_screen_that_keeps_changing(monkeypatch):
    looks = iter(range(1_000_000))
    monkeypatch.setattr(testing, "screen_text", lambda app, styles=False: f"look {next(looks)}")

    class Plain(App[None]):
        def compose(self):
            yield Static("x")

    async def scenario(pilot):
        await testing.until_still(pilot, calm=3, pause=0.01, limit=10)

    with pytest.raises(AssertionError, match="never settled"):
        drive(Plain(), scenario, size=(20, 3))


def test_until_still_returns_a_still_screen():
    async def scenario(pilot):
        pilot.app.query_one(Static).update("still")
        return await until_still(pilot, calm=2, pause=0.01, limit=20)

    class Still(App[None]):
        def compose(self):
            yield Static("x")

    assert "still" in drive(Still(), scenario, size=(20, 3))


def test_wait_for_text_fails_with_the_screen_it_saw():
    class Hello(App[None]):
        def compose(self):
            yield Static("hello there")

    async def scenario(pilot):
        await wait_for_text(pilot, "goodbye", limit=3, pause=0.01)

    with pytest.raises(AssertionError, match=r"never showed \['goodbye'\]; it showed:\n.*hello there"):
        drive(Hello(), scenario, size=(20, 3))
