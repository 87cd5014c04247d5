"""Replacing the open transcript's text from the workbench palette, and undoing it with u."""

from __future__ import annotations

import asyncio

import pytest

from qualcode.tui.app import WorkbenchApp
from qualcode.tui.testing import screen_text, settle

from .conftest import INTERVIEW


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


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
        for _ in range(20):  # the dry run runs off the UI thread
            await settle(pilot)
            if "Replace the text of" in screen_text(pilot.app) and "lost" in screen_text(pilot.app):
                break
            await asyncio.sleep(0.05)
        dialog = screen_text(pilot.app)
        unchanged = project.transcript_text(info.id)
        await press(pilot, "y")
        for _ in range(20):
            await settle(pilot)
            if "replaced the text" in screen_text(pilot.app):
                break
            await asyncio.sleep(0.05)
        replaced = project.transcript_text(info.id)
        await press(pilot, "u")
        for _ in range(20):
            await settle(pilot)
            if "undid replacing" in screen_text(pilot.app):
                break
            await asyncio.sleep(0.05)
        return dialog, unchanged, replaced

    app = WorkbenchApp(project, "alice", blink=False)

    async def go():
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await settle(pilot)
            return await scenario(pilot)

    dialog, unchanged, replaced = asyncio.run(go())
    assert "lost: alice prioritisation.time ¶4 «Not easy on our budget»" in " ".join(dialog.split())
    assert unchanged == body  # nothing changed before the answer
    assert "Not easy" not in replaced
    assert project.transcript_text(info.id) == body  # u undid it
    assert [c.id for c in project.list_codings(info.id)] == [lost.id]


def test_palette_maps_a_speaker_to_another_participant_and_u_undoes(project):
    async def wait_for(pilot, text: str) -> str:
        for _ in range(40):
            await settle(pilot)
            shown = screen_text(pilot.app)
            if text in shown:
                return shown
            await asyncio.sleep(0.05)
        raise AssertionError(f"never showed {text!r}:\n{screen_text(pilot.app)}")

    async def scenario(pilot):
        await press(pilot, "ctrl+p")
        await pilot.press(*"who the speakers")
        await settle(pilot)
        await press(pilot, "enter")
        listed = await wait_for(pilot, "which one?")
        await press(pilot, "down", "enter")  # Headteacher, the second speaker to talk
        await wait_for(pilot, "is…")
        await press(pilot, "down", "down", "enter")  # another participant…
        await wait_for(pilot, "Whose words")
        await pilot.press(*"Deputy head")
        await press(pilot, "enter")
        done = await wait_for(pilot, "words of Deputy head")
        mapped = project.transcript_speakers("interview-01")
        await press(pilot, "u")
        await wait_for(pilot, "undid")
        return listed, done, mapped

    app = WorkbenchApp(project, "alice", blink=False)

    async def go():
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            await settle(pilot)
            return await scenario(pilot)

    listed, done, mapped = asyncio.run(go())
    assert "Interviewer  3 turns · interviewer" in listed
    assert "Headteacher  2 turns · Headteacher N1" in listed
    assert [(r.speaker, r.participant) for r in mapped] == [("Interviewer", None), ("Headteacher", "Deputy head")]
    assert "u undoes" in done
    assert not any(r.set_here for r in project.transcript_speakers("interview-01"))
