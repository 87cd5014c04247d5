"""Replacing the open transcript's text from the workbench palette, and undoing it with u."""

from __future__ import annotations

import pytest

from qualcode.tui.app import WorkbenchApp
from qualcode.tui.testing import settle

from .conftest import INTERVIEW
from .tui.conftest import drive, press, wait_for_text


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def test_palette_replaces_the_open_transcript_after_showing_the_dry_run_and_u_undoes(project, tmp_path):
    info = project.transcript("interview-01")
    body = project.transcript_text(info.id)
    start = body.index("Not easy on our budget")
    seg = next(s for s in project.segments(info.id) if s.start <= start < s.end)
    lost = project.apply_code("alice", "prioritisation.time", seg.id, start, start + len("Not easy on our budget"))
    corrected = tmp_path / "corrected.txt"
    corrected.write_text(INTERVIEW.replace(" Not easy on our budget.", ""), encoding="utf-8")

    async def scenario(pilot):
        await press(pilot, "ctrl+p")
        await pilot.press(*"replace the open transcript")
        await settle(pilot)
        await press(pilot, "enter")
        await pilot.press(*str(corrected))
        await press(pilot, "enter")
        dialog = await wait_for_text(pilot, "Replace the text of", "lost")  # the dry run runs off the UI thread
        unchanged = project.transcript_text(info.id)
        await press(pilot, "y")
        await wait_for_text(pilot, "replaced the text")
        replaced = project.transcript_text(info.id)
        await press(pilot, "u")
        await wait_for_text(pilot, "undid replacing")
        return dialog, unchanged, replaced

    dialog, unchanged, replaced = drive(WorkbenchApp(project, "alice", blink=False), scenario, size=(160, 45))
    assert "lost: alice prioritisation.time ¶4 «Not easy on our budget»" in " ".join(dialog.split())
    assert unchanged == body  # nothing changed before the answer
    assert "Not easy" not in replaced
    assert project.transcript_text(info.id) == body  # u undid it
    assert [c.id for c in project.list_codings(info.id)] == [lost.id]


def test_palette_maps_a_speaker_to_another_participant_and_u_undoes(project):
    async def scenario(pilot):
        await press(pilot, "ctrl+p")
        await pilot.press(*"who the speakers")
        await settle(pilot)
        await press(pilot, "enter")
        listed = await wait_for_text(pilot, "which one?")
        await press(pilot, "down", "enter")  # Headteacher, the second speaker to talk
        await wait_for_text(pilot, "is…")
        await press(pilot, "down", "down", "enter")  # another participant…
        await wait_for_text(pilot, "Whose words")
        await pilot.press(*"Deputy head")
        await press(pilot, "enter")
        done = await wait_for_text(pilot, "words of Deputy head")
        mapped = project.transcript_speakers("interview-01")
        await press(pilot, "u")
        await wait_for_text(pilot, "undid")
        return listed, done, mapped

    listed, done, mapped = drive(WorkbenchApp(project, "alice", blink=False), scenario, size=(160, 45))
    assert "Interviewer  3 turns · interviewer" in listed
    assert "Headteacher  2 turns · Headteacher N1" in listed
    assert [(r.speaker, r.participant) for r in mapped] == [("Interviewer", None), ("Headteacher", "Deputy head")]
    assert "u undoes" in done
    assert not any(r.set_here for r in project.transcript_speakers("interview-01"))
