"""The workbench in a browser (`qualcode serve`, Chromium over loopback) beside the same workbench
in the terminal (benchmarks/bench_tui.py's measurements, run here in the same process).

- key press: ``a`` (apply the highlighted code to the current segment: one committed
  transaction, then the screen updated), timed in the page from the ``keydown`` event to the
  first canvas draw after the bytes that show the coding have arrived; in the terminal, from
  the key event to the first screen update that shows it (bench_tui's ``_press_workbench``);
- start-up: from navigation start (the token's redirect included) to the first draw after the
  first transcript's text has arrived, each time in a new browser profile; the server is
  already running, so this includes starting the tab's workbench process. Beside it, the
  terminal workbench's start-up to its first transcript drawn (bench_tui's ``_startup``),
  which does not include starting Python.

    python benchmarks/bench_serve.py                  # prints Markdown tables
    python benchmarks/bench_serve.py --interviews 10 --presses 40 --runs 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_tui import _press_workbench, _startup, ms, percentile, project_path  # noqa: E402

# Installed before the page's own scripts: timestamps of keys, of websocket frames (with their
# text, escape sequences removed) and of canvas draws, in the page's clock.
PAGE_PROBE = r"""
(() => {
  const log = (window.__bench = { keys: [], frames: [], draws: [] });
  const decoder = new TextDecoder();
  const ESCAPES = /\x1b\[[0-9;?<>=:]*[ -\/]*[@-~]|\x1b\][\s\S]*?(?:\x07|\x1b\\)|\x1bP[\s\S]*?\x1b\\|\x1b[()][0-9A-Za-z]|\x1b[=>78]/g;
  const Native = window.WebSocket;
  function Probed(url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    ws.addEventListener("message", (event) => {
      if (typeof event.data === "string") return;
      const arrived = performance.now();
      log.frames.push({ arrived, text: decoder.decode(new Uint8Array(event.data), { stream: true }).replace(ESCAPES, "") });
    });
    return ws;
  }
  Probed.prototype = Native.prototype;
  Object.assign(Probed, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = Probed;
  window.addEventListener("keydown", () => log.keys.push(performance.now()), true);
  // xterm.js draws with WebGL where the browser offers it, else on 2D canvases (headless
  // Chromium with --disable-gpu): either way, a draw call is the screen changing.
  const DRAWS = ["drawArrays", "drawElements", "drawArraysInstanced", "drawElementsInstanced", "drawImage", "fillText", "fillRect", "clearRect"];
  for (const Context of [window.WebGL2RenderingContext, window.WebGLRenderingContext, window.CanvasRenderingContext2D]) {
    if (!Context) continue;
    for (const name of DRAWS) {
      const original = Context.prototype[name];
      if (!original) continue;
      Context.prototype[name] = function (...args) {
        const draws = log.draws;
        if (!draws.length || performance.now() - draws[draws.length - 1] > 1) draws.push(performance.now());
        return original.apply(this, args);
      };
    }
  }
})();
"""

# The time the page first showed ``needle`` among the frames from index ``since`` on: the first
# draw after the frame that completed it (xterm.js draws on its next animation frame).
SHOWN = r"""
([needle, since]) => {
  const log = window.__bench;
  let text = "";
  for (let i = since; i < log.frames.length; i++) {
    text += log.frames[i].text;
    if (text.includes(needle)) {
      const arrived = log.frames[i].arrived;
      const draw = log.draws.find((t) => t >= arrived);
      return draw === undefined ? null : { arrived, drawn: draw };
    }
  }
  return null;
}
"""


def wait_shown(page, needle: str, since: int, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = page.evaluate(SHOWN, [needle, since])
        if shown is not None:
            return shown
        page.wait_for_timeout(5)
    raise SystemExit(f"the page never showed {needle!r}")


def quiet(page, seconds: float = 0.3) -> None:
    """Until no frame has arrived for ``seconds``."""
    count, since = -1, time.monotonic()
    while time.monotonic() - since < seconds:
        page.wait_for_timeout(20)
        now = page.evaluate("window.__bench.frames.length")
        if now != count:
            count, since = now, time.monotonic()


def bench_copy(db: Path, coder: str) -> Path:
    """A copy of the project with a coder who has coded nothing: every press adds a coding."""
    from qualcode.db.engine import backup_sqlite
    from qualcode.project import Project

    copy = db.with_name(db.stem + "-serve.db")
    for suffix in ("", "-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)
    backup_sqlite(db, copy)
    with Project.open(str(copy)) as p:
        p.add_coder(coder)
    return copy


def first_segment_words(db: Path) -> str:
    from qualcode.project import Project

    with Project.open(str(db)) as p:
        first = p.list_transcripts()[0]
        text = p.segments(first.id, limit=1)[0].text
    return " ".join(text.split()[:3])


def browser_runs(db: Path, coder: str, runs: int, presses: int, user_dirs: Path) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    from qualcode.project import Project
    from qualcode.web.testing import launch_chromium, start_serve

    needle = first_segment_words(db)
    server = start_serve(str(db), "--coder", coder)
    startups: list[float] = []
    latencies: list[float] = []
    try:
        with sync_playwright() as playwright:
            for run in range(runs):
                context, page = launch_chromium(playwright, user_dirs / f"profile-{run}")
                try:
                    page.add_init_script(PAGE_PROBE)
                    page.goto(server.url)
                    shown = wait_shown(page, needle, 0)
                    startups.append(shown["drawn"] / 1000)
                    if run < runs - 1:
                        continue
                    # The last tab also times key presses: ``a`` on segment 1, 2, 3… (j moves on).
                    quiet(page, 1.0)
                    with Project.open(str(db)) as p:
                        before = len([c for c in p.list_codings() if c.coder == coder])
                    for i in range(presses):
                        since = page.evaluate("window.__bench.frames.length")
                        keys = page.evaluate("window.__bench.keys.length")
                        page.keyboard.press("a")
                        shown = wait_shown(page, f"→ segment {i + 1}", since)
                        pressed = page.evaluate(f"window.__bench.keys[{keys}]")
                        latencies.append((shown["drawn"] - pressed) / 1000)
                        quiet(page)
                        page.keyboard.press("j")
                        quiet(page)
                    with Project.open(str(db)) as p:
                        added = len([c for c in p.list_codings() if c.coder == coder]) - before
                    if added != presses:
                        raise SystemExit(f"{presses} presses in the page added {added} codings")
                finally:
                    context.close()
    finally:
        server.stop()
    return startups, latencies


def python_and_imports() -> float:
    """What each tab pays before its workbench can start: a new Python importing it."""
    import subprocess

    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import qualcode.web.session, qualcode.project"], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interviews", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5, help="page loads (each in a new browser profile)")
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "qualcode-bench")
    args = parser.parse_args()
    from qualcode.web.testing import chromium_path

    if chromium_path() is None:
        raise SystemExit("no Chromium: apt-get install chromium (or set QUALCODE_CHROMIUM)")
    args.dir.mkdir(parents=True, exist_ok=True)
    # A new state directory: every tab opens on the first transcript's first segment.
    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="state-serve-", dir=args.dir)

    db = project_path(args.dir, args.interviews)
    copy = bench_copy(db, "bench")
    with tempfile.TemporaryDirectory() as profiles:
        page_startups, page_presses = browser_runs(copy, "bench", args.runs, args.presses, Path(profiles))
    terminal_startups = [asyncio.run(_startup(db)) for _ in range(args.runs)]
    imports = [python_and_imports() for _ in range(args.runs)]
    terminal_presses = asyncio.run(_press_workbench(db, args.presses))[0]

    print(
        f"Workbench in headless Chromium ({chromium_path()}) over loopback beside the terminal workbench, "
        f"{args.interviews} generated interviews; {args.presses} presses, {args.runs} start-ups.\n"
    )
    print("| | browser, p50 / p95 | terminal, p50 / p95 | browser − terminal, p50 |")
    print("|---|---:|---:|---:|")
    for label, page, terminal in (
        ("key `a` to coding on screen", page_presses, terminal_presses),
        ("opening to first transcript drawn", page_startups, terminal_startups),
    ):
        print(
            f"| {label} | {ms(percentile(page, 0.5))} / {ms(percentile(page, 0.95))} | "
            f"{ms(percentile(terminal, 0.5))} / {ms(percentile(terminal, 0.95))} | "
            f"{ms(statistics.median(page) - statistics.median(terminal))} |"
        )
    print(
        f"\nOf the browser's start-up, a new Python process importing the workbench takes "
        f"{ms(percentile(imports, 0.5))} (p50) on its own."
    )


if __name__ == "__main__":
    main()
