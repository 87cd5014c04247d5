"""Passages screen benchmark: every passage of the most-used theme, opened and scrolled to the end.

Runs the workbench headless (Textual's pilot, 160×45) on generated projects (``benchmarks/corpus.py``)
and times, for the theme with the most codings (with its sub-codes, as ``bench_analysis.py``):

- open: from the key (R) to the list drawn with every passage, with the project's read cold
  (first time) and warm (the read kept, as when the screen is opened again); its peer is the
  project call alone (``project.analysis.retrieve``, every passage with its words and a turn
  either side: what the screen read before it read its words a page at a time), so the
  difference is what the screen adds; beside the cold open, the process's CPU time (user + sys)
  and how much its resident memory grew;
- keys: End (to the last passage), then PageUp and ↑ back up the list, from the list's action to
  the screen showing the passage's words (after its page is read, when it was not); beside them a
  key in an empty app that changes a label, timed from the key event (``bench_tui.py``'s peer,
  which includes the key's dispatch the list's figures leave out);
- a filter: ``/`` with a text, from Enter (``pilot.press``, about 60 ms of its own) to the list
  redrawn; then how many passages the screen holds with their words;
- the project calls of a screen that reads its words a page at a time, alone: a page of 100
  passages with their words (``passage_texts``) and the text filter over every passage
  (``passages_containing``), CPU medians;
- the same passages as an ``OptionList`` (one option per passage, as Textual's own list widget
  would show them): time to mount, the reason the screen draws its list line by line.

    python benchmarks/bench_tui_analysis.py --sizes 100 1000 [--dir DIR]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_tui import (  # noqa: E402
    DISPLAYS,
    _press_empty,
    _watch_displays,
    ms,
    percentile,
    project_path,
)


def top_theme(project) -> str:
    counts: dict[str, int] = {}
    for _coder, _transcript, _segment, code_key, *_ in project.coding_rows():
        counts[code_key] = counts.get(code_key, 0) + 1
    themes = [c for c in project.codes() if c.parent_key is None]
    return max(themes, key=lambda c: sum(v for k, v in counts.items() if k == c.key or k.startswith(c.key + "."))).key


def rss_mb() -> float:
    """The process's resident memory now (Linux: /proc/self/statm), in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def _wait_for(condition, timeout: float = 60.0) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the screen did not show the passages")
        await asyncio.sleep(0.001)
    return time.perf_counter()


ARRIVALS: list[float] = []  # when a page of passages' words reached the screen


def _watch_pages(screen) -> None:
    """Note when each page of words reaches ``screen`` (a screen that reads them with the list has none)."""
    original = getattr(screen, "_words_read", None)
    if original is None:
        return

    def words_read(passages, _original=original):
        _original(passages)
        ARRIVALS.append(time.perf_counter())

    screen._words_read = words_read


async def _words_drawn(listing, moment: float) -> float:
    """When the screen first showed the current passage's words after ``moment``: the first frame
    after the move, or after the page with its words arrived."""
    await _wait_for(lambda: listing.current is not None and bool(listing.current.text))
    arrived = [t for t in ARRIVALS if t > moment]
    return await _drawn_after(arrived[-1] if arrived else moment)


async def _drawn_after(moment: float) -> float:
    while not DISPLAYS or DISPLAYS[-1] <= moment:
        await asyncio.sleep(0.001)
    return next(d for d in DISPLAYS if d > moment)


async def _screen(db: Path, presses: int) -> dict:
    from qualcode.project import Project
    from qualcode.tui.app import WorkbenchApp
    from qualcode.tui.screens.retrieval import RetrievalScreen
    from qualcode.tui.testing import settle
    from qualcode.tui.widgets.passages import PassageList

    _watch_displays()
    project = Project.open(str(db))
    key = top_theme(project)
    out: dict = {"code": key}
    app = WorkbenchApp(project, "alice", blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        for attempt in ("cold", "warm"):
            if attempt == "cold":
                project.analysis.forget()
                gc.collect()
                rss_before, cpu_before = rss_mb(), time.process_time()
            started = time.perf_counter()
            app.workbench.action_retrieve(key)
            await _wait_for(lambda: isinstance(app.screen, RetrievalScreen) and app.screen.loaded is not None)
            screen = app.screen
            loaded = time.perf_counter()
            _watch_pages(screen)
            shown = await _drawn_after(loaded)
            out[f"open_{attempt}_s"] = shown - started
            if attempt == "cold":
                out["open_cpu_s"] = time.process_time() - cpu_before
                out["rss_growth_mb"] = rss_mb() - rss_before
            out["passages"] = len(screen.shown)
            listing = screen.query_one(PassageList)
            if attempt == "cold":
                # End, then PageUp and ↑ back up the list: from the action to the screen showing it
                # (to the passage's words drawn: a list that reads them a page at a time first
                # draws "reading…")
                started = time.perf_counter()
                listing.action_last()
                out["end_s"] = await _words_drawn(listing, started) - started
                last = listing.current
                assert last is not None and (last.transcript_id, last.start, last.code) == (
                    screen.shown[-1].transcript_id,
                    screen.shown[-1].start,
                    screen.shown[-1].code,
                ), "End did not reach the last passage"
                for name, action in (
                    ("pageup", lambda listing=listing: listing.action_page(-1)),
                    ("up", lambda listing=listing: listing.action_cursor(-1)),
                ):
                    times = []
                    for _ in range(presses):
                        await pilot.pause()
                        started = time.perf_counter()
                        action()
                        times.append(await _words_drawn(listing, started) - started)
                    out[name] = times
                # a text filter: from Enter in its prompt to the list redrawn
                applied: list[float] = []
                original_apply = screen.apply_filter

                def apply_filter(keep=None, _original=original_apply, _applied=applied):
                    _original(keep)
                    _applied.append(time.perf_counter())

                screen.apply_filter = apply_filter
                await pilot.press("slash")
                await settle(pilot)
                await pilot.press(*"the")
                await pilot.pause()
                filtered = time.perf_counter()  # pilot.press adds its own ~60 ms (see style.md)
                await pilot.press("enter")
                await _wait_for(lambda applied=applied: bool(applied))
                out["filter_s"] = await _words_drawn(listing, applied[0]) - filtered
                out["filtered"] = len(screen.shown)
                # passages the screen holds with their words (all of them, when it reads them with the list)
                out["held"] = len(getattr(screen, "words", None) or screen.shown)
            screen.close()
            await settle(pilot)
        # the project call alone, read cold, then with the read kept (the warm open's peer)
        project.analysis.forget()
        started = time.perf_counter()
        project.analysis.retrieve(key, subcodes=True, context=1, redact=False)
        out["call_cold_s"] = time.perf_counter() - started
        started = time.perf_counter()
        project.analysis.retrieve(key, subcodes=True, context=1, redact=False)
        out["call_warm_s"] = time.perf_counter() - started
        out["_passages"] = project.analysis.retrieve(key, subcodes=True, context=0, redact=False).passages
        if hasattr(project, "passage_texts"):  # the calls of a screen that reads its words a page at a time
            listed = project.retrieve(key, texts=False).passages
            out["page_cpu"] = _cpu(lambda: project.passage_texts(listed[-100:], context=1))
            out["containing_cpu"] = _cpu(lambda: project.passages_containing(listed, "the"))
    project.close()
    return out


def _cpu(call, runs: int = 7) -> float:
    """The median CPU time (user + sys, seconds) of ``call``."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        call()
        times.append(time.process_time() - started)
    return statistics.median(times)


async def _option_list(passages) -> float:
    """The same passages in a Textual ``OptionList``: from creating the options to the first frame."""
    from rich.text import Text
    from textual.app import App
    from textual.widgets import OptionList
    from textual.widgets.option_list import Option

    from qualcode.tui.widgets.passages import PassageStyles, passage_heading

    shown: list[float] = []

    class Lister(App):
        def compose(self):
            yield OptionList(id="options")

        def on_mount(self) -> None:
            options = [
                Option(
                    Text.assemble(
                        passage_heading(p, PassageStyles(), number=i + 1, memos=True, attributes=True),
                        "\n",
                        Text(p.text[:200]),
                    ),
                    id=str(i),
                )
                for i, p in enumerate(passages)
            ]
            self.query_one(OptionList).add_options(options)
            self.call_after_refresh(lambda: shown.append(time.perf_counter()))

    started = time.perf_counter()
    app = Lister()
    async with app.run_test(size=(160, 45)) as pilot:
        await _wait_for(lambda: bool(shown))
        await pilot.pause()
    return shown[0] - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--presses", type=int, default=30)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "qualcode-bench")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    empty = asyncio.run(_press_empty(args.presses))
    print(
        "| interviews | passages of the top theme | open, cold read (s) | its CPU (s) | memory grown (MB) "
        "| project call, cold (s) "
        "| open, read kept (s) | project call, read kept (s) | End | PageUp p50 / p95 "
        "| ↑ p50 / p95 | empty app key p50 | text filter (s) | passages held with their words "
        "| OptionList of the same (s) |"
    )
    print("|" + "---:|" * 15)
    calls = []
    for n in args.sizes:
        db = project_path(args.dir, n)
        r = asyncio.run(_screen(db, args.presses))
        if "page_cpu" in r:
            calls.append(f"| {n:,} | {r['passages']:,} | {ms(r['page_cpu'])} | {ms(r['containing_cpu'])} |")
        options = asyncio.run(_option_list(r["_passages"]))
        pd, dn = r["pageup"], r["up"]
        print(
            f"| {n:,} | {r['passages']:,} | {r['open_cold_s']:.2f} | {r['open_cpu_s']:.2f} "
            f"| {r['rss_growth_mb']:.0f} | {r['call_cold_s']:.2f} "
            f"| {r['open_warm_s']:.3f} | {r['call_warm_s']:.3f} | {ms(r['end_s'])} "
            f"| {ms(statistics.median(pd))} / {ms(percentile(pd, 0.95))} "
            f"| {ms(statistics.median(dn))} / {ms(percentile(dn, 0.95))} | {ms(statistics.median(empty))} "
            f"| {r['filter_s']:.3f} ({r['filtered']:,} left) | {r['held']:,} | {options:.2f} |"
        )

    if calls:
        print()
        print("| interviews | passages | a page of 100 with its words, CPU | the text filter over all, CPU |")
        print("|---:|---:|---:|---:|")
        print("\n".join(calls))


if __name__ == "__main__":
    main()
