"""A transcript's recording and its times: where the recording is, how a player is started, and
times shown beside passages."""

from __future__ import annotations

import asyncio
import json
import subprocess
from types import SimpleNamespace

import pytest

from qualcode.ingest.transcripts import parse_file
from qualcode.media import media_location, player_command
from qualcode.project import Project
from qualcode.segments import clock
from qualcode.tui.app import WorkbenchApp
from qualcode.tui.testing import screen_text, settle

CAPTIONS = """\
WEBVTT

00:00:01.000 --> 00:00:04.000
<v Interviewer>How did the network start?

00:01:05.500 --> 00:01:09.000
<v Teacher>We met every month to read research together.
"""


def test_clock_shows_hours_minutes_seconds():
    assert clock(0) == "0:00:00"
    assert clock(65.5) == "0:01:05"
    assert clock(3725) == "1:02:05"


def test_media_is_found_beside_the_transcript(tmp_path):
    source = tmp_path / "interviews" / "one.vtt"
    assert media_location("audio/one.m4a", str(source)) == str(
        (tmp_path / "interviews" / "audio" / "one.m4a").resolve()
    )
    assert media_location("/data/one.m4a", str(source)) == "/data/one.m4a"
    assert media_location(" https://example.org/a.mp3 ", str(source)) == "https://example.org/a.mp3"


def test_the_first_installed_player_is_told_where_to_start():
    installed = {"ffplay": "/usr/bin/ffplay", "vlc": "/usr/bin/vlc"}
    argv = player_command("/a.m4a", 65.5, which=installed.get)
    assert argv is not None and argv[0] == "/usr/bin/ffplay" and argv[-1] == "/a.m4a"
    assert "-ss" in argv and argv[argv.index("-ss") + 1] == "65.50"
    assert player_command("/a.m4a", 1, which=lambda name: None) is None


@pytest.fixture
def timed(project_url, tiny_codebook, tmp_path):
    path = tmp_path / "timed.vtt"
    path.write_text(CAPTIONS, encoding="utf-8")
    (tmp_path / "timed.m4a").write_bytes(b"not really audio")
    with Project.create(project_url, tiny_codebook) as project:
        project.add_coder("alice")
        project.import_transcript(parse_file(path))
        yield project, tmp_path


def test_retrieval_shows_each_passage_time(timed):
    project, _ = timed
    tid = project.list_transcripts()[0].id
    teacher = next(s for s in project.segments(tid) if s.speaker == "Teacher")
    project.apply_code("alice", "prioritisation.time", teacher.id)
    passage = project.analysis.retrieve("prioritisation.time").passages[0]
    assert (passage.time_start, passage.time_end) == (65.5, 69.0)
    shown = passage.as_json()
    assert shown["clock"] == "0:01:05" and shown["time_start"] == 65.5
    json.dumps(shown)


def _run_workbench(project, keys):
    app = WorkbenchApp(project, "alice", blink=False)

    async def go():
        async with app.run_test(size=(160, 45), notifications=True) as pilot:
            for _ in range(60):  # the transcript opens off the UI thread
                await settle(pilot)
                if "segment 1" in screen_text(pilot.app):
                    break
                await asyncio.sleep(0.05)
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            for _ in range(40):
                await settle(pilot)
                await asyncio.sleep(0.05)
                if "recording" in screen_text(pilot.app) or "playing" in screen_text(pilot.app):
                    break
            return screen_text(pilot.app)

    return asyncio.run(go())


def test_p_without_a_recording_says_how_to_name_one(timed, monkeypatch, tmp_path):
    project, _ = timed
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    shown = _run_workbench(project, ["p"])
    assert "names no recording" in " ".join(shown.split())


def test_front_matter_names_the_recording_beside_the_file(project_url, tiny_codebook, tmp_path):
    text = tmp_path / "t1.txt"
    text.write_text(
        "---\nparticipant: Teacher T1\nmedia: audio/t1.m4a\n---\nInterviewer: How did it start?\n\nTeacher: Monthly.\n",
        encoding="utf-8",
    )
    with Project.create(project_url, tiny_codebook) as project:
        project.import_transcript(parse_file(text))
        tid = project.transcript("t1").id
        assert project.transcript_media(tid) == str((tmp_path / "audio" / "t1.m4a").resolve())
        assert "media" not in project.transcript("t1").attributes


def test_p_on_a_timed_turn_with_a_recording_starts_the_player(project_url, tiny_codebook, tmp_path, monkeypatch):
    path = tmp_path / "timed.vtt"
    (tmp_path / "timed.m4a").write_bytes(b"not really audio")
    path.write_text(CAPTIONS, encoding="utf-8")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    started: list[list[str]] = []

    class FakePopen:
        def __init__(self, argv, **kwargs):
            started.append(argv)

    # Only the workbench's view of the system changes: a player "installed", a process "started".
    monkeypatch.setattr(
        "qualcode.tui.screens.playback.subprocess", SimpleNamespace(Popen=FakePopen, DEVNULL=subprocess.DEVNULL)
    )
    monkeypatch.setattr(
        "qualcode.media.shutil", SimpleNamespace(which=lambda name: f"/usr/bin/{name}" if name == "mpv" else None)
    )
    parsed = parse_file(path)
    parsed.front.media = "timed.m4a"
    with Project.create(project_url, tiny_codebook) as project:
        project.add_coder("alice")
        project.import_transcript(parsed)
        shown = _run_workbench(project, ["j", "p"])
    assert started == [
        ["/usr/bin/mpv", "--really-quiet", "--no-terminal", "--start=65.50", str(tmp_path / "timed.m4a")]
    ]
    assert "playing from 0:01:05 with mpv" in shown
