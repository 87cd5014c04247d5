"""Sessions that get in each other's way: one clear line, never a traceback or an endless wait.

- Coding a segment while another session replaces its transcript: the coding waits for the
  replace, then is refused in one line (the segment is gone), as on SQLite, where a writer holds
  the whole file; before, PostgreSQL raised a raw IntegrityError.
- A lock held by a session left idle in the middle of a change: every command that needs it
  gives up after the lock timeout with "the project is busy" instead of waiting forever.

Run on the backend under test (SQLite, or PostgreSQL with QUALCODE_TEST_POSTGRES).
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from qualcode.db import engine as dbengine
from qualcode.errors import QualcodeError
from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project, transcript_changes

from .conftest import INTERVIEW, POSTGRES


def _wait_until_someone_waits_for_a_lock(project: Project) -> None:
    """PostgreSQL: until a session waits for a lock. SQLite offers no such view: a writer that
    has not yet started will find the file locked when it does, which is the same case."""
    if project.backend != "postgresql":
        time.sleep(0.3)
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with project.store.engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                return
        time.sleep(0.01)
    pytest.fail("nobody waited for the replace's locks")


def _during_a_replace(project: Project, project_url: str, tmp_path, monkeypatch, action) -> dict[str, object]:
    """``action(tab)`` in another session while a replace of interview-01 has written its rows
    and not yet committed: it waits for the replace, then runs against what the replace left."""
    corrected = tmp_path / "v2.txt"
    corrected.write_text(INTERVIEW.replace("We put it", "We wrote it"), encoding="utf-8")
    parsed = parse_file(corrected)
    written, go_on = threading.Event(), threading.Event()
    index = transcript_changes.index_segments

    def index_then_hold(s, tid):  # the replace has written its rows and holds its locks
        index(s, tid)
        written.set()
        go_on.wait(60)

    monkeypatch.setattr(transcript_changes, "index_segments", index_then_hold)
    outcome: dict[str, object] = {}

    def replace() -> None:
        outcome["report"] = project.replace_transcript("interview-01", parsed, "alice")

    def act() -> None:
        with Project.open(project_url) as tab:  # bob, in his own session
            try:
                outcome["result"] = action(tab)
            except Exception as exc:
                outcome["error"] = exc

    replacing = threading.Thread(target=replace)
    replacing.start()
    assert written.wait(60)
    acting = threading.Thread(target=act)
    acting.start()
    _wait_until_someone_waits_for_a_lock(project)
    go_on.set()
    replacing.join(60)
    acting.join(60)
    assert "report" in outcome
    return outcome


def _segment_with(project: Project, words: str):
    info = project.transcript("interview-01")
    body = project.transcript_text(info.id)
    return next(s for s in project.segments(info.id) if words in body[s.start : s.end])


def test_coding_a_segment_while_another_session_replaces_its_transcript_is_refused_in_one_line(
    project, project_url, tmp_path, monkeypatch
):
    seg = _segment_with(project, "release time")

    outcome = _during_a_replace(
        project, project_url, tmp_path, monkeypatch, lambda tab: tab.apply_code("bob", "prioritisation.time", seg.id)
    )

    error = outcome.get("error")
    assert isinstance(error, QualcodeError), f"not one clear line: {error!r}"
    assert str(error).startswith(f"no segment with id {seg.id}") and "replaced" in str(error)
    assert project.list_codings(coders=["bob"]) == []
    assert project.check() == []


def test_accepting_a_suggestion_while_its_transcript_is_replaced_is_refused_in_one_line(
    project, project_url, tmp_path, monkeypatch
):
    seg = _segment_with(project, "release time")
    reason = {"summary": "keyword: release time"}
    project.store_suggestions(
        [{"segment_id": seg.id, "code": "prioritisation.time", "source": "keywords", "score": 0.9, "reason": reason}],
        [seg.id],
    )
    (suggestion,) = project.list_suggestions(segment_id=seg.id)

    outcome = _during_a_replace(
        project, project_url, tmp_path, monkeypatch, lambda tab: tab.accept_suggestion(suggestion.id, "bob")
    )

    # SQLite runs the accept after the replace, which kept the suggestion (same id, new segment):
    # it goes through. PostgreSQL ran it side by side and found the segment gone at the insert.
    error = outcome.get("error")
    if error is None:
        (coding,) = project.list_codings(coders=["bob"])
        assert project.transcript_text(coding.transcript_id)[coding.start : coding.end] == seg.text
    else:
        assert isinstance(error, QualcodeError), f"not one clear line: {error!r}"
        assert "\n" not in str(error) and "nothing was changed: reload and try again" in str(error)
        assert project.list_codings(coders=["bob"]) == []
    assert project.check() == []


def _within(seconds: float, fn):
    """``fn()`` in a thread: (True, its result) if it ended within ``seconds``, else (False, None);
    a call that waits forever fails the test instead of hanging it (the lock is released after)."""
    box: dict[str, object] = {}
    worker = threading.Thread(target=lambda: box.update(result=fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    return not worker.is_alive(), box.get("result")


def _hold_a_lock(project: Project, project_url: str):
    """A session left idle in the middle of a change (as `psql` after BEGIN and an UPDATE): on
    PostgreSQL it holds the transcript's row, on SQLite the write lock on the file."""
    if project.backend == "postgresql":
        engine = create_engine(project_url.replace("postgresql://", "postgresql+psycopg://", 1))
        conn = engine.connect()
        conn.execute(text("UPDATE transcripts SET source_path = source_path"))
        return lambda: (conn.rollback(), conn.close(), engine.dispose())
    raw = sqlite3.connect(str(project.store.file), isolation_level=None)
    raw.execute("BEGIN IMMEDIATE")
    return lambda: (raw.rollback(), raw.close())


def test_a_lock_held_by_an_idle_session_makes_commands_say_the_project_is_busy(
    project, project_url, run_cli, monkeypatch
):
    monkeypatch.setattr(dbengine, "BUSY_TIMEOUT_MS", 500)
    project.close()
    release = _hold_a_lock(project, project_url)
    try:
        ended, result = _within(
            30, lambda: run_cli("transcripts", "rename", "interview-01", "first", "--db", project_url)
        )
    finally:
        release()

    assert ended, "the command waited for the lock without end"
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the project is busy: another session"), lines
    assert "try again" in lines[0]
    with Project.open(project_url) as again:
        assert again.transcript("interview-01") is not None  # nothing changed
        again.rename_transcript("interview-01", "first")  # and once the lock is gone, it goes through
        assert again.transcript("first") is not None


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's row locks (an SQLite writer holds the whole file)")
def test_undo_waiting_on_an_idle_sessions_row_lock_gives_up_with_one_line(project, project_url, monkeypatch):
    seg = project.segments(project.list_transcripts()[0].id)[1]
    project.apply_code("alice", "formalisation.plans", seg.id)
    monkeypatch.setattr(dbengine, "BUSY_TIMEOUT_MS", 500)
    release = None
    try:
        engine = create_engine(project_url.replace("postgresql://", "postgresql+psycopg://", 1))
        conn = engine.connect()
        conn.execute(text("UPDATE codings SET origin = origin"))
        release = lambda: (conn.rollback(), conn.close(), engine.dispose())  # noqa: E731
        with Project.open(project_url) as tab:

            def undo() -> Exception | None:
                try:
                    tab.undo("alice")
                except Exception as exc:
                    return exc
                return None

            ended, error = _within(30, undo)
    finally:
        if release:
            release()
    assert ended, "undo waited for the lock without end"
    assert isinstance(error, QualcodeError) and str(error).startswith("the project is busy: another session"), error
    assert "codings" in str(error)
    assert len(project.list_codings(coders=["alice"])) == 1
    assert project.undo("alice").kind == "undo"


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's readers take no lock (an SQLite writer holds the whole file)")
def test_a_row_deleted_by_another_session_between_reading_and_writing_it_is_one_line(project, project_url):
    from qualcode.db.models import Suggestion

    seg = _segment_with(project, "release time")
    reason = {"summary": "keyword: release time"}
    project.store_suggestions(
        [{"segment_id": seg.id, "code": "prioritisation.time", "source": "keywords", "score": 0.9, "reason": reason}],
        [seg.id],
    )
    (suggestion,) = project.list_suggestions(segment_id=seg.id)
    other = create_engine(project_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        refused = pytest.raises(QualcodeError, match="another session removed a row .*nothing was changed")
        with refused, project.store.tx() as s:
            row = s.get(Suggestion, suggestion.id)
            with other.begin() as conn:  # `qualcode suggest` refilling the open suggestions meanwhile
                conn.execute(text("DELETE FROM suggestions WHERE id = :i"), {"i": suggestion.id})
            row.status = "rejected"
    finally:
        other.dispose()
    assert project.list_suggestions(segment_id=seg.id) == []


def test_the_same_code_applied_in_two_tabs_at_once_is_one_coding(project, project_url, monkeypatch):
    from qualcode.project import codings

    seg = _segment_with(project, "release time")
    written, go_on = threading.Event(), threading.Event()
    log_event = codings.log_event

    def log_then_hold(s, *args, **kwargs):  # the first tab has written its coding, not yet committed
        event = log_event(s, *args, **kwargs)
        if not written.is_set():
            written.set()
            go_on.wait(60)
        return event

    monkeypatch.setattr(codings, "log_event", log_then_hold)
    results: dict[str, object] = {}

    def tab(name: str) -> None:
        with Project.open(project_url) as p:
            try:
                results[name] = p.apply_code("bob", "prioritisation.time", seg.id)
            except Exception as exc:
                results[name] = exc

    first = threading.Thread(target=tab, args=("first",))
    first.start()
    assert written.wait(60)
    second = threading.Thread(target=tab, args=("second",))
    second.start()
    _wait_until_someone_waits_for_a_lock(project)
    go_on.set()
    first.join(60)
    second.join(60)

    assert not isinstance(results["second"], Exception), f"the second tab failed: {results['second']!r}"
    assert results["first"].id == results["second"].id
    assert len(project.list_codings(coders=["bob"])) == 1
    assert [e.kind for e in project.events(coder="bob", limit=5)].count("coding.add") == 1
