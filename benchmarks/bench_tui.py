"""Workbench benchmark: time to a usable screen and the latency of the key that applies a code.

Runs the workbench headless (Textual's pilot) on generated projects of 10, 100 and 1,000
interviews (``benchmarks/corpus.py``) and on one 5,000-segment interview, and compares each
figure with a peer measured in the same run:

- start-up: from creating the app to the first transcript drawn, against the 10-interview
  project (goal: 1,000 interviews within 0.5 s of 10) and against an empty Textual app;
- key press: pressing ``a`` (apply the highlighted code to the current segment: one committed
  transaction, then the screen updated), ``u`` (undo it: one committed transaction, then the
  screen updated) and ``j``/``k`` (next and previous segment) against pressing a key in an empty
  app that changes a label, each timed from the key event to the first screen update that shows
  its effect (goal, issue 23: each key's p95 minus the empty app's p50 under one frame, 16 ms,
  in every run). For ``a`` that update draws the coding on its segment and in the segment's
  codings list; the code's count, the transcript's progress and the status line follow a frame
  later, and the time to them is reported beside it. ``--key-runs`` repeats the key presses in
  fresh apps and reports every run.

    python benchmarks/bench_tui.py                     # prints Markdown tables
    python benchmarks/bench_tui.py --sizes 10 100 --runs 3 --presses 40 --key-runs 5
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_project  # noqa: E402


def project_path(directory: Path, n: int) -> Path:
    path = directory / f"tui-{n}.db"
    if not path.exists():
        print(f"building a project of {n} interviews in {path} …", file=sys.stderr)
        build_project(str(path), n).close()
    return path


def long_transcript(directory: Path, turns: int = 5000) -> Path:
    """One interview of ``turns`` speaker turns (about a long day of interviewing, in one file)."""
    path = directory / f"tui-long-{turns}.db"
    if path.exists():
        return path
    from qualcode.codebook import load_codebook
    from qualcode.ingest.transcripts import parse_file
    from qualcode.project import Project

    lines = ["---", "participant: Headteacher L0001", "role: Headteacher", "---"]
    for i in range(turns // 2):
        lines.append(f"Interviewer: Question {i}: how did the network's work fit with your priorities?")
        lines.append("")
        lines.append(
            f"Headteacher: Answer {i}. We put it in the development plan and paid for cover [laughs] "
            "so that the participants had release time to meet and report back to staff."
        )
        lines.append("")
    source = directory / "long-interview.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = Project.create(str(path), load_codebook(ROOT / "codebooks" / "rln.yaml"), name="long")
    p.add_coder("alice")
    p.import_transcript(parse_file(source))
    p.close()
    return path


# ---------------------------------------------------------------------- start-up


async def _startup(db: Path) -> float:
    from qualcode.project import Project
    from qualcode.tui.app import WorkbenchApp

    project = Project.open(str(db))
    try:
        started = time.perf_counter()
        app = WorkbenchApp(project, "alice", blink=False)
        async with app.run_test(size=(160, 45)) as pilot:
            view = app.workbench.view
            while view.first_frame_at is None or not app.workbench.codebook.root.children:
                await asyncio.sleep(0.001)
            elapsed = view.first_frame_at - started
            await pilot.pause()
        return elapsed
    finally:
        project.close()


async def _startup_empty() -> float:
    from textual.app import App
    from textual.widgets import Footer, Static

    class Empty(App):
        def compose(self):
            yield Static("hello")
            yield Footer()

    started = time.perf_counter()
    app = Empty()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        return time.perf_counter() - started


# ---------------------------------------------------------------------- key presses
#
# Latency is measured from the key event reaching the app to the first screen update (the
# compositor's refresh) after the key's effect is in place: for the empty app, its label
# changed; for the workbench, the coding committed and shown. The key is sent as the terminal
# driver would send it, and the benchmark then sleeps until that screen update: ``pilot.press``
# (and any polling) keeps the event loop busy while the project's thread commits, and that
# contention for the interpreter lock would be counted as the app's latency.

DISPLAYS: list[float] = []
_WAITERS: list[asyncio.Event] = []


def _watch_displays() -> None:
    from textual.screen import Screen

    if getattr(Screen._compositor_refresh, "_bench", False):
        return
    original = Screen._compositor_refresh

    def refresh(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        DISPLAYS.append(time.perf_counter())
        while _WAITERS:
            _WAITERS.pop().set()
        return result

    refresh._bench = True
    Screen._compositor_refresh = refresh


def _send_key(app, key: str) -> float:
    from textual import events

    event = events.Key(key, key)
    event.set_sender(app)
    started = time.perf_counter()
    app._driver.send_message(event)
    return started


async def _until_shown(effect: list[float], count: int) -> float:
    while len(effect) < count or not DISPLAYS or DISPLAYS[-1] <= effect[count - 1]:
        waiter = asyncio.Event()
        _WAITERS.append(waiter)
        await asyncio.wait_for(waiter.wait(), timeout=30)
    return next(d for d in DISPLAYS if d > effect[count - 1])


async def _press_empty(presses: int) -> list[float]:
    from textual.app import App
    from textual.binding import Binding
    from textual.widgets import Static

    effect: list[float] = []

    class Empty(App):
        BINDINGS = [Binding("a", "bump", "Bump")]
        count = 0

        def compose(self):
            yield Static("0", id="label")

        def action_bump(self) -> None:
            self.count += 1
            self.query_one("#label", Static).update(str(self.count))
            effect.append(time.perf_counter())

    _watch_displays()
    out = []
    app = Empty()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        for i in range(presses):
            started = _send_key(app, "a")
            out.append(await _until_shown(effect, i + 1) - started)
            await pilot.pause()
    return out


@contextmanager
def _collections() -> Iterator[list[tuple[int, float]]]:
    """(generation, seconds) of each garbage collection while the block runs."""
    pauses: list[tuple[int, float]] = []
    started = 0.0

    def callback(phase: str, info: dict) -> None:
        nonlocal started
        if phase == "start":
            started = time.perf_counter()
        else:
            pauses.append((info["generation"], time.perf_counter() - started))

    gc.callbacks.append(callback)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(callback)


async def _press_workbench(
    db: Path, presses: int
) -> tuple[list[float], list[float], list[float], list[tuple[int, float]], dict[str, list[float]]]:
    """Key to coding on screen; inside the app, the apply action to the screen updated; and the
    project call (``Project.apply_code``: checks, insert, event, durable commit) within that; the
    garbage collections during the presses; and, by key, ``j``/``k`` (segment to segment) and ``u``
    (each coding undone) from the key to the screen showing it."""
    from qualcode.db.engine import backup_sqlite
    from qualcode.project import Project
    from qualcode.tui.app import WorkbenchApp
    from qualcode.tui.screens.workbench import WorkbenchScreen
    from qualcode.tui.testing import settle
    from qualcode.tui.widgets.status import StatusBar

    effect: list[float] = []
    acted: list[float] = []
    commits: list[float] = []
    moved: list[float] = []  # the segment's detail updated after j or k
    undone: list[float] = []  # the status bar saying what undo reversed (the screen updated before it)
    beside: list[float] = []  # the count, progress and status line drawn, a frame after the coding
    committing: list[float] = []  # when each COMMIT was sent
    disk: list[float] = []  # per press: the durable commit's wait (WAL write + fsync)
    original_action, original_applied = WorkbenchScreen.action_apply_code, WorkbenchScreen._applied
    original_detail, original_status = WorkbenchScreen._update_detail, StatusBar.set
    original_apply = Project.apply_code
    original_draw_now = WorkbenchScreen._draw_now

    def draw_now(self):
        result = original_draw_now(self)
        beside.append(time.perf_counter())
        return result

    def apply_code(self, *args, **kwargs):  # the project call: one durable transaction
        started = time.perf_counter()
        try:
            return original_apply(self, *args, **kwargs)
        finally:
            ended = time.perf_counter()
            commits.append(ended - started)
            # From the COMMIT to its return: SQLite writing the WAL and the disk's fsync.
            disk.append(ended - committing[-1] if committing and committing[-1] >= started else 0.0)

    def action(self):
        acted.append(time.perf_counter())
        return original_action(self)

    def applied(self, transcript_id, info):
        result = original_applied(self, transcript_id, info)
        effect.append(time.perf_counter())
        return result

    def detail(self):
        result = original_detail(self)
        moved.append(time.perf_counter())
        return result

    def status(self, *args, **kwargs):
        result = original_status(self, *args, **kwargs)
        message = kwargs.get("message")
        if message is not None and message.plain.startswith("↶"):
            undone.append(time.perf_counter())
        return result

    _watch_displays()
    copy = db.with_name(db.stem + "-presses.db")  # a copy: the cached project stays as generated
    for suffix in ("", "-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)
    backup_sqlite(db, copy)
    WorkbenchScreen.action_apply_code, WorkbenchScreen._applied = action, applied
    WorkbenchScreen._update_detail, StatusBar.set = detail, status
    WorkbenchScreen._draw_now = draw_now
    Project.apply_code = apply_code
    project = Project.open(str(copy))
    from sqlalchemy import event

    event.listen(project.store.engine, "commit", lambda _conn: committing.append(time.perf_counter()))
    outside, inside = [], []
    keys: dict[str, list[float]] = {"a": outside, "j/k": [], "u": [], "a, less the disk": [], "a, every pane": []}
    try:
        app = WorkbenchApp(project, "alice", blink=False)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            screen = app.workbench
            # Every press must add a coding: a leaf code, pressed only on segments alice has not
            # coded with it (moving there is not timed).
            key = next(c.key for c in reversed(screen.codes) if c.depth > 0)
            screen.codebook.select_key(key)
            screen.view.focus()
            await settle(pilot)
            segments = screen.open.segments
            coded = {
                c.segment_id for c in project.list_codings(screen.open.info.id, coders=["alice"]) if c.code_key == key
            }
            targets = [i for i, seg in enumerate(segments) if seg.id not in coded][:presses]
            if len(targets) < presses:
                raise SystemExit(
                    f"the first transcript has only {len(targets)} segments to code; ask for fewer presses"
                )
            before = sum(project.code_counts("alice").values())
            screen.view.move_to(0)
            await settle(pilot)
            for i in range(presses):  # down, down, up, down, down, up…: never stuck at an end
                key = "k" if i % 3 == 2 else "j"
                moved.clear()
                started = _send_key(app, key)
                keys["j/k"].append(await _until_shown(moved, 1) - started)
                await settle(pilot)
            with _collections() as pauses:
                for i, index in enumerate(targets):
                    screen.view.move_to(index)
                    await settle(pilot)
                    started = _send_key(app, "a")
                    shown = await _until_shown(effect, i + 1)
                    outside.append(shown - started)
                    inside.append(shown - acted[i])
                    keys["a, every pane"].append(await _until_shown(beside, i + 1) - started)
                    await settle(pilot)
            keys["a, less the disk"] = [o - d for o, d in zip(outside, disk[-len(outside) :])]
            added = sum(project.code_counts("alice").values()) - before
            if added != presses:
                raise SystemExit(f"{presses} presses added {added} codings: the figures would not be of coding")
            for i in range(presses):  # each coding just added, undone
                started = _send_key(app, "u")
                keys["u"].append(await _until_shown(undone, i + 1) - started)
                await settle(pilot)
            left = sum(project.code_counts("alice").values()) - before
            if left != 0:
                raise SystemExit(f"{presses} undos left {left} codings: the figures would not be of undoing")
    finally:
        WorkbenchScreen.action_apply_code, WorkbenchScreen._applied = original_action, original_applied
        WorkbenchScreen._update_detail, StatusBar.set = original_detail, original_status
        WorkbenchScreen._draw_now = original_draw_now
        Project.apply_code = original_apply
        project.close()
    return outside, inside, commits, pauses, keys


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--runs", type=int, default=5, help="start-ups per project (interleaved)")
    parser.add_argument(
        "--presses", type=int, default=40, help="key presses per app (at most the first transcript's segments)"
    )
    parser.add_argument(
        "--key-runs", type=int, default=3, help="times the key presses are repeated, each in fresh apps"
    )
    parser.add_argument("--no-startup", action="store_true", help="only the key presses")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "qualcode-bench")
    parser.add_argument("--no-long", action="store_true", help="skip the 5,000-segment interview")
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="leave the start-up heap to the garbage collector (the workbench freezes it)",
    )
    args = parser.parse_args()
    if args.no_freeze:
        import qualcode.tui.screens.workbench as workbench

        workbench._settle_heap = lambda: None
    args.dir.mkdir(parents=True, exist_ok=True)
    os.environ["XDG_STATE_HOME"] = str(args.dir / "state")  # every run opens on the first transcript

    projects = {f"{n:,} interviews": project_path(args.dir, n) for n in args.sizes}
    if not args.no_long:
        projects["1 interview, 5,000 segments"] = long_transcript(args.dir)

    # Start-up, interleaved so that machine noise falls on every project alike.
    startup: dict[str, list[float]] = {name: [] for name in projects}
    empty_startup: list[float] = []
    for _ in range(0 if args.no_startup else args.runs):
        empty_startup.append(asyncio.run(_startup_empty()))
        for name, path in projects.items():
            startup[name].append(asyncio.run(_startup(path)))

    # Key presses: an empty app before and after each workbench, in the same process; the whole
    # repeated --key-runs times, each run reported on its own.
    presses: dict[str, tuple[list[float], list[float], list[float], list[float]]] = {}
    collections: dict[str, list[tuple[int, float]]] = {}
    runs: list[tuple[str, list[float], dict[str, list[float]]]] = []  # (project, empty app, by key)
    for run in range(args.key_runs):
        for name, path in projects.items():
            empty = asyncio.run(_press_empty(args.presses // 2))
            outside, inside, commits, pauses, keys = asyncio.run(_press_workbench(path, args.presses))
            empty += asyncio.run(_press_empty(args.presses - args.presses // 2))
            runs.append((name, empty, keys))
            if run == 0:
                presses[name] = (outside, inside, empty, commits)
                collections[name] = pauses

    first = next(iter(projects))
    print(
        f"Workbench on {sys.platform}, Python {sys.version.split()[0]}; medians of {args.runs} start-ups, "
        f"{args.presses} presses of each key per project and run, {args.key_runs} runs "
        f"(load average {os.getloadavg()[0]:.1f} at the end).\n"
    )
    if not args.no_startup:
        base = statistics.median(startup[first])
        print("| project | start-up to first transcript drawn | vs " + first + " | empty Textual app |")
        print("|---|---:|---:|---:|")
        empty_median = statistics.median(empty_startup)
        for name, values in startup.items():
            median = statistics.median(values)
            sign = "+" if median >= base else "−"
            print(f"| {name} | {ms(median)} | {sign}{ms(abs(median - base))} | {ms(empty_median)} |")
        print()
    print(
        "| run | project | empty app's key, p50 / p95 | `a` p50 / p95 | `u` p50 / p95 | `j`/`k` p50 / p95 | "
        "p95 − empty p50: `a` / `u` / `j`/`k` | under a frame (16 ms) | the durable commit's wait (WAL write and "
        "fsync), p50 / p95 | `a` less that wait: p95 − empty p50 | `a` to every pane drawn (count, progress, "
        "status line: a frame later), p50 / p95 |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    for index, (name, empty, keys) in enumerate(runs):
        base50 = percentile(empty, 0.5)
        over = {key: percentile(values, 0.95) - base50 for key, values in keys.items()}
        cells = " | ".join(
            f"{ms(percentile(keys[k], 0.5))} / {ms(percentile(keys[k], 0.95))}" for k in ("a", "u", "j/k")
        )
        within = [k for k in ("a", "u", "j/k") if over[k] < 0.016]
        waits = [a - rest for a, rest in zip(keys["a"], keys["a, less the disk"])]
        print(
            f"| {index // len(projects) + 1} | {name} | {ms(base50)} / {ms(percentile(empty, 0.95))} | {cells} | "
            f"{' / '.join(ms(over[k]) for k in ('a', 'u', 'j/k'))} | {', '.join(within) or 'none'} | "
            f"{ms(percentile(waits, 0.5))} / {ms(percentile(waits, 0.95))} | {ms(over['a, less the disk'])} | "
            f"{ms(percentile(keys['a, every pane'], 0.5))} / {ms(percentile(keys['a, every pane'], 0.95))} |"
        )
    print()
    print(
        "| project | key `a` to coding on screen, p50 / p95 | empty app's key to label on screen, p50 / p95 | "
        "extra, p50 / p95 | of which `apply_code` (durable commit), p50 / p95 | the rest (UI), p50 / p95 |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, (outside, inside, empty, commits) in presses.items():
        extra50 = percentile(outside, 0.5) - percentile(empty, 0.5)
        extra95 = percentile(outside, 0.95) - percentile(empty, 0.95)
        ui = [i - c for i, c in zip(inside, commits)]
        print(
            f"| {name} | {ms(percentile(outside, 0.5))} / {ms(percentile(outside, 0.95))} | "
            f"{ms(percentile(empty, 0.5))} / {ms(percentile(empty, 0.95))} | {ms(extra50)} / {ms(extra95)} | "
            f"{ms(percentile(commits, 0.5))} / {ms(percentile(commits, 0.95))} | "
            f"{ms(percentile(ui, 0.5))} / {ms(percentile(ui, 0.95))} |"
        )

    print()
    print("| project | garbage collections while pressing (young / middle / full) | longest full collection |")
    print("|---|---:|---:|")
    for name, pauses in collections.items():
        by_gen = [[t for g, t in pauses if g == gen] for gen in (0, 1, 2)]
        longest = f"{ms(max(by_gen[2]))}" if by_gen[2] else "none"
        print(f"| {name} | {len(by_gen[0])} / {len(by_gen[1])} / {len(by_gen[2])} | {longest} |")


if __name__ == "__main__":
    main()
