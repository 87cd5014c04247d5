"""What the analysis screens show, as SVG snapshots at 80×24 and 160×45, on the RLN sample project.

Update after an intended change with ``pytest tests/test_tui_analysis_snapshots.py --snapshot-update``
and look at the SVGs in tests/__snapshots__/ before committing them.
"""

from __future__ import annotations

import pytest

from qualcode.tui.app import WorkbenchApp
from qualcode.tui.testing import settle
from tests.test_analysis_project import build_rln

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 45), id="160x45")]


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def rln(project_url):
    project = build_rln(project_url)
    yield project
    project.close()


def app_for(project) -> WorkbenchApp:
    return WorkbenchApp(project, "alice", blink=False)


async def keys(pilot, *pressed: str) -> None:
    for key in pressed:
        await pilot.press(key)
        await settle(pilot)


async def choose(pilot, option_id: str) -> None:
    options = pilot.app.screen.query_one("#choices")
    options.highlighted = next(i for i, o in enumerate(options.options) if o.id == option_id)
    await keys(pilot, "enter")


@pytest.mark.parametrize("size", SIZES)
def test_passages_screen(rln, snap, size):
    async def before(pilot):
        await settle(pilot)
        pilot.app.workbench.codebook.select_key("mobilisation")
        await keys(pilot, "R", "down", "down", "x")

    assert snap(app_for(rln), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_passages_grouped_by_school(rln, snap, size):
    async def before(pilot):
        await settle(pilot)
        pilot.app.workbench.codebook.select_key("formalisation.plans")
        await keys(pilot, "R", "b")
        await choose(pilot, "attr:school")

    assert snap(app_for(rln), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_cooccurrence_screen(rln, snap, size):
    async def before(pilot):
        await settle(pilot)
        await keys(pilot, "O", "down", "right", "right")

    assert snap(app_for(rln), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_group_comparison_screen(rln, snap, size):
    async def before(pilot):
        await settle(pilot)
        await keys(pilot, "C")
        await choose(pilot, "attr:role")
        await choose(pilot, "v:Headteacher")
        await choose(pilot, "v:Teacher")

    assert snap(app_for(rln), terminal_size=size, run_before=before)


@pytest.fixture
def rln_matrix(rln):
    from qualcode.analysis.matrix import load_matrix
    from qualcode.samples import matrix_files

    for file in matrix_files("rln"):
        rln.analysis.import_matrix(load_matrix(file))
    return rln


@pytest.mark.parametrize("size", SIZES)
def test_framework_matrix_screen(rln_matrix, snap, size):
    async def before(pilot):
        await settle(pilot)
        await keys(pilot, "F", "down", "right")

    assert snap(app_for(rln_matrix), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_framework_cell_editor(rln_matrix, snap, size):
    async def before(pilot):
        await settle(pilot)
        await keys(pilot, "F", "down", "right", "enter", "ctrl+o")

    assert snap(app_for(rln_matrix), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_memos_screen(rln, snap, size):
    async def before(pilot):
        await settle(pilot)
        await keys(pilot, "W", *"release", "down", "down")

    assert snap(app_for(rln), terminal_size=size, run_before=before)
