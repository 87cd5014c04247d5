"""The workbench at 80 columns, as a newcomer first meets it: confirmations read whole, the
agreement screen's numbers on screen."""

from __future__ import annotations

import asyncio
import shutil

import pytest
from textual.widgets._toast import Toast

from qualcode.project import Project
from qualcode.samples import build_demo
from qualcode.tui.app import WorkbenchApp
from qualcode.tui.testing import screen_text, settle


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    """Where-you-left-off state goes to a temporary directory, never the real home."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("demo") / "demo").path


@pytest.fixture
def demo(demo_file, tmp_path):
    """A fresh copy of the demo project (alice and bob have coded it)."""
    path = tmp_path / "rln.db"
    shutil.copy(demo_file, path)
    project = Project.open(str(path))
    yield project
    project.close()


def run(project, scenario, size=(80, 24)):
    async def go():
        app = WorkbenchApp(project, "alice", blink=False)
        async with app.run_test(size=size, notifications=True) as pilot:
            await settle(pilot)
            return await scenario(pilot)

    return asyncio.run(go())


def toasts(app) -> list[str]:
    return [" ".join(str(toast.render()).split()) for toast in app.screen.query(Toast)]


def test_a_confirmation_is_read_whole_at_80_columns(demo):
    """The status bar makes room for what was just done; what still does not fit is shown whole
    in a notification (it used to be cut to "✓ Exte…")."""
    codes = {c.name: c.key for c in demo.codes()}
    short, long = "External focus", "RLN work written into development plans and performance management"
    assert short in codes and long in codes

    async def scenario(pilot):
        seen = []
        for name in (short, long):
            pilot.app.workbench.codebook.select_key(codes[name])
            await settle(pilot)
            await pilot.press("2", "n", "a")
            await settle(pilot)
            seen.append((screen_text(pilot.app).splitlines()[-2], toasts(pilot.app)))
        return seen

    (status_short, toasts_short), (status_long, toasts_long) = run(demo, scenario)
    assert status_short.rstrip().endswith(f"✓ {short} → segment 4"), status_short
    assert "coder alice" in status_short and "coded 19/20 (95%)" in status_short
    assert toasts_short == []  # it fits: no notification
    assert "coder alice" in status_long and "coded 20/20 (100%)" in status_long
    assert toasts_long == [f"✓ {long} → segment 40"], (status_long, toasts_long)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_the_agreement_screen_shows_every_number_at_80_columns(demo, size):
    """Code names are cut with "…" so that the numbers stay on screen (they used to be pushed
    off to the right by the longest name); the highlighted code's name is whole under the table."""
    from qualcode.tui.screens.agreement import build_view

    view = build_view(demo, "alice", "bob")

    async def scenario(pilot):
        await pilot.press("K")
        await settle(pilot)
        return screen_text(pilot.app)

    shown = run(demo, scenario, size).splitlines()
    header = next(line for line in shown if " code " in line and "% agree" in line)
    for label in ("Cohen κ", "Kripp. α", "units", "differ"):
        assert label in header, header
    worst = view.codes[0]
    row = next(line for line in shown if worst.name[:20] in line)
    percent = f"{100 * worst.values['percent']:.1f}%"
    kappa = f"{worst.values['cohen_kappa']:.2f}"
    assert percent in row and kappa in row and f" {worst.units} " in row, row
    if len(worst.name) > 30 and size[0] == 80:
        assert "…" in row and worst.name not in row, row
    assert any(line.strip(" █▌") == worst.name for line in shown), "\n".join(shown)
