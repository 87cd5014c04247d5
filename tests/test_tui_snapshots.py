"""What the workbench shows, as SVG snapshots (pytest-textual-snapshot).

Update after an intended change with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and
look at the SVGs in tests/__snapshots__/ before committing them.
"""

from __future__ import annotations

import pytest

from qualcode.codebook import load_codebook
from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project
from qualcode.tui.app import WorkbenchApp
from qualcode.tui.testing import settle
from tests.conftest import ROOT
from tests.test_tui import BRACKETS


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def rln_study(project_url, interview_file, tmp_path):
    """The RLN codebook (full definitions), two interviews, codings by alice and bob."""
    p = Project.create(project_url, load_codebook(ROOT / "codebooks" / "rln.yaml"), name="RLN study")
    p.add_coder("alice")
    p.add_coder("bob")
    p.import_transcript(parse_file(interview_file))
    second = tmp_path / "interview-02.txt"
    second.write_text(BRACKETS, encoding="utf-8")
    p.import_transcript(parse_file(second))
    segs = p.segments(p.transcript("interview-01").id)
    text = p.transcript_text(segs[1].transcript_id)
    p.apply_code("alice", "formalisation.plans", segs[1].id)
    start = text.index("development plan")
    p.apply_code("alice", "formalisation.alignment", segs[1].id, start, start + len("development plan"))
    p.apply_code("alice", "prioritisation.time", segs[3].id)
    p.apply_code("bob", "formalisation.plans", segs[1].id)
    p.set_memo("alice", "segment", segs[3].id, "Cover costs [budget] come up again")
    yield p
    p.close()


def app_for(p: Project, **kwargs) -> WorkbenchApp:
    return WorkbenchApp(p, "alice", blink=False, **kwargs)


# The sizes every screen is checked at: the smallest terminal people use, a laptop, a wide monitor.
SIZES = [(80, 24), (120, 40), (200, 60)]
size_ids = [f"{w}x{h}" for w, h in SIZES]


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
def test_main_screen(rln_study, snap, size):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("j", "j", "j")
        await settle(pilot)

    assert snap(app_for(rln_study), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
def test_code_finder(rln_study, snap, size):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("j", "slash", *"time")
        await settle(pilot)

    assert snap(app_for(rln_study), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
def test_agreement_screen(rln_study, snap, size):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)

    assert snap(app_for(rln_study), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
def test_agreement_disagreements(rln_study, snap, size):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        pilot.app.screen.show_differences("formalisation.alignment")
        await settle(pilot)

    assert snap(app_for(rln_study), terminal_size=size, run_before=before)


def test_definition_panel(rln_study, snap):
    key = "attitudes.external_focus"

    async def before(pilot):
        await settle(pilot)
        pilot.app.workbench.codebook.select_key(key)
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)

    assert snap(app_for(rln_study), terminal_size=(160, 45), run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
def test_compare_mode(rln_study, snap, size):
    segs = rln_study.segments(rln_study.transcript("interview-01").id)
    rln_study.apply_code("bob", "prioritisation.resources", segs[3].id)

    async def before(pilot):
        await settle(pilot)
        await pilot.press("j", "j", "j")
        await settle(pilot)

    assert snap(app_for(rln_study, compare_with="bob"), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=size_ids)
def test_help_screen(rln_study, snap, size):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap(app_for(rln_study), terminal_size=size, run_before=before)


def test_brackets_in_transcripts_codes_and_labels(rln_study, snap):
    rln_study.add_code("[crosstalk] handling [/x]", None, coder="alice")

    async def before(pilot):
        await settle(pilot)
        await pilot.press("1", "down", "enter")
        await settle(pilot)

    assert snap(app_for(rln_study), terminal_size=(140, 40), run_before=before)
