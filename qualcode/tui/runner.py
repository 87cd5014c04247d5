"""Work off the UI thread: project calls in the order the user asked for them (``ProjectRunner``)
and CPU-heavy work in one worker process for the whole workbench (``CpuRunner``).

Every read and write the workbench makes goes through ``ProjectRunner.submit``: the call runs on
one background thread (one SQLAlchemy session per call, which ``qualcode.project`` already does) and
its result comes back to the screen as a message, so the screen changes only after the change is
committed. Calls run strictly one after another in submission order (a coding applied and then
undone at once is applied, then undone); a call submitted with a ``key`` is skipped if a newer
call with the same key is already waiting (opening transcript A and then B loads only B).

One thread rather than a worker per call: the order of writes is the order of key presses, and
nothing can leave a later call waiting for an earlier one that was never started.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import multiprocessing
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from textual.message import Message

from qualcode.tui.errors import report

T = TypeVar("T")


class ProjectCaller(Protocol):
    """A screen that calls the project through its ``ProjectRunner`` (see ``WorkbenchScreen.run_project``)."""

    def run_project(
        self,
        fn: Callable[[], T],
        then: Callable[[T], None] | None = None,
        *,
        description: str = "saving",
        key: str | None = None,
        error: Callable[[BaseException], None] | None = None,
    ) -> int: ...


@dataclass
class JobOutcome:
    ticket: int
    ok: bool
    value: Any
    then: Callable[[Any], None] | None
    error: Callable[[BaseException], None] | None
    description: str
    seconds: float


class JobDone(Message):
    """A project call finished (successfully or not); handled by the screen that asked."""

    def __init__(self, outcome: JobOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class ProjectRunner:
    def __init__(self, owner) -> None:
        """``owner`` (a screen) receives ``JobDone`` messages and must pass them to ``finished``."""
        self.owner = owner
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._next = 0
        self._latest: dict[str, int] = {}
        self.pending: dict[int, str] = {}  # ticket -> description, for the status bar
        self._thread = threading.Thread(target=self._loop, name="qualcode-project", daemon=True)
        self._thread.start()

    def submit(
        self,
        fn: Callable[[], Any],
        then: Callable[[Any], None] | None = None,
        *,
        error: Callable[[BaseException], None] | None = None,
        key: str | None = None,
        description: str = "working",
    ) -> int:
        ticket = self._next
        self._next += 1
        if key is not None:
            self._latest[key] = ticket
        self.pending[ticket] = description
        self._queue.put((ticket, fn, then, error, key, description))
        return ticket

    @property
    def busy(self) -> bool:
        return bool(self.pending)

    def close(self, timeout: float = 10.0) -> None:
        """Let the call in progress (a commit, perhaps) finish; drop nothing already queued."""
        self._queue.put(None)
        self._thread.join(timeout)

    async def wait_idle(self) -> None:
        """Until every submitted call has finished and its result reached the screen."""
        while self.pending:
            await asyncio.sleep(0.002)

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            ticket, fn, then, error, key, description = item
            if key is not None and self._latest.get(key) != ticket:
                outcome = JobOutcome(ticket, True, None, None, None, description, 0.0)  # superseded
            else:
                started = time.perf_counter()
                try:
                    outcome = JobOutcome(ticket, True, fn(), then, error, description, time.perf_counter() - started)
                except BaseException as exc:
                    outcome = JobOutcome(ticket, False, exc, then, error, description, time.perf_counter() - started)
            self.owner.post_message(JobDone(outcome))

    def finished(self, outcome: JobOutcome) -> None:
        """Called by the owner when it handles ``JobDone``: runs the callback on the UI thread."""
        try:
            if outcome.ok:
                if outcome.then is not None:
                    outcome.then(outcome.value)
            elif outcome.error is not None:
                outcome.error(outcome.value)
            else:
                report(self.owner.app, outcome.value)
        finally:
            self.pending.pop(outcome.ticket, None)


class CpuRunner:
    """CPU-heavy work (training a model, finding suggestions, named entities) in one worker
    *process* for the whole workbench, never a thread: in a thread it holds the interpreter lock
    and every key press waits (measured: four times the latency). The app owns it and shuts it
    down when it exits, so quitting leaves no process or pool behind (a pool left to the
    interpreter's own teardown printed ``Exception ignored in … weakref_cb`` on the way out)."""

    def __init__(self) -> None:
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.jobs: dict[int, tuple[str, float]] = {}  # ticket -> (description, started), for the status bar
        self._tickets = itertools.count()
        self.closed = False

    def submit(self, fn: Callable[..., Any], *args: Any, description: str = "working") -> tuple[int, asyncio.Future]:
        """Start ``fn(*args)`` (both picklable) in the worker process; returns a ticket and an
        awaitable for the result. Pass the ticket to ``done`` once the result is handled."""
        if self.closed:
            raise RuntimeError("the workbench is closing")
        # Textual replaces stdout/stderr with objects whose fileno() is -1; starting a process
        # (and multiprocessing's resource tracker) needs the real ones.
        with contextlib.redirect_stdout(sys.__stdout__), contextlib.redirect_stderr(sys.__stderr__):
            if self._pool is None:
                # "spawn": a fork would copy the project thread's locks and open connections.
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn")
                )
            future = self._pool.submit(fn, *args)
        ticket = next(self._tickets)
        self.jobs[ticket] = (description, time.perf_counter())
        return ticket, asyncio.wrap_future(future)

    def done(self, ticket: int) -> None:
        self.jobs.pop(ticket, None)

    def shutdown(self) -> None:
        """Cancel what has not started, stop what runs (its result would have nowhere to go) and
        wait for the worker process to end."""
        self.closed = True
        pool, self._pool = self._pool, None
        if pool is None:
            return
        pool.shutdown(wait=False, cancel_futures=True)
        if self.jobs:
            # Work still running (a model half trained): ProcessPoolExecutor has no public way to
            # stop a call, so end its process rather than keep the user waiting at the prompt.
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                if process.is_alive():
                    process.terminate()
        pool.shutdown(wait=True)
        self.jobs.clear()
