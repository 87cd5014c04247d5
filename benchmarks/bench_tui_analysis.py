"""Passages screen benchmark: every passage of the most-used theme, opened and scrolled to the end.

Runs the workbench headless (Textual's pilot, 160×45) on generated projects (``benchmarks/corpus.py``)
and times, for the theme with the most codings (with its sub-codes, as ``bench_analysis.py``):

- open: from the key (R) to the list drawn with every passage, with the project's read cold
  (first time) and warm (the read kept, as when the screen is opened again); its peer is the
  project call alone (``project.analysis.retrieve``, the same arguments), so the difference is
  what the screen adds;
- keys: End (to the last passage), then PageUp and ↑ back up the list, from the list's action to
  the screen showing it; beside them a key in an empty app that changes a label, timed from the key
  event (``bench_tui.py``'s peer, which includes the key's dispatch the list's figures leave out);
- a filter: ``/`` with a text, from Enter (``pilot.press``, about 60 ms of its own) to the list redrawn;
- the same passages as an ``OptionList`` (one option per passage, as Textual's own list widget
  would show them): time to mount, the reason the screen draws its list line by line.

    python benchmarks/bench_tui_analysis.py --sizes 100 1000
"""

from __future__ import annotations

import argparse
import asyncio
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


async def _wait_for(condition, timeout: float = 60.0) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the screen did not show the passages")
        await asyncio.sleep(0.001)
    return time.perf_counter()


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
            started = time.perf_counter()
            app.workbench.action_retrieve(key)
            await _wait_for(lambda: isinstance(app.screen, RetrievalScreen) and app.screen.loaded is not None)
            screen = app.screen
            loaded = time.perf_counter()
            shown = await _drawn_after(loaded)
            out[f"open_{attempt}_s"] = shown - started
            out["passages"] = len(screen.shown)
            listing = screen.query_one(PassageList)
            if attempt == "cold":
                # End, then PageUp and ↑ back up the list: from the action to the screen showing it
                started = time.perf_counter()
                listing.action_last()
                out["end_s"] = await _drawn_after(started) - started
                assert listing.current is screen.shown[-1], "End did not reach the last passage"
                for name, action in (
                    ("pageup", lambda listing=listing: listing.action_page(-1)),
                    ("up", lambda listing=listing: listing.action_cursor(-1)),
                ):
                    times = []
                    for _ in range(presses):
                        await pilot.pause()
                        started = time.perf_counter()
                        action()
                        times.append(await _drawn_after(started) - started)
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
                out["filter_s"] = await _drawn_after(applied[0]) - filtered
                out["filtered"] = len(screen.shown)
            screen.close()
            await settle(pilot)
        # the project call alone, read kept (the warm open's peer) and read cold
        started = time.perf_counter()
        project.analysis.retrieve(key, subcodes=True, context=1, redact=False)
        out["call_warm_s"] = time.perf_counter() - started
        project.analysis.forget()
        started = time.perf_counter()
        project.analysis.retrieve(key, subcodes=True, context=1, redact=False)
        out["call_cold_s"] = time.perf_counter() - started
        out["_passages"] = project.analysis.retrieve(key, subcodes=True, context=0, redact=False).passages
    project.close()
    return out


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
        "| interviews | passages of the top theme | open, cold read (s) | project call, cold (s) "
        "| open, read kept (s) | project call, read kept (s) | End | PageUp p50 / p95 "
        "| ↑ p50 / p95 | empty app key p50 | text filter (s) | OptionList of the same (s) |"
    )
    print("|" + "---:|" * 12)
    for n in args.sizes:
        db = project_path(args.dir, n)
        r = asyncio.run(_screen(db, args.presses))
        options = asyncio.run(_option_list(r["_passages"]))
        pd, dn = r["pageup"], r["up"]
        print(
            f"| {n:,} | {r['passages']:,} | {r['open_cold_s']:.2f} | {r['call_cold_s']:.2f} "
            f"| {r['open_warm_s']:.3f} | {r['call_warm_s']:.3f} | {ms(r['end_s'])} "
            f"| {ms(statistics.median(pd))} / {ms(percentile(pd, 0.95))} "
            f"| {ms(statistics.median(dn))} / {ms(percentile(dn, 0.95))} | {ms(statistics.median(empty))} "
            f"| {r['filter_s']:.3f} ({r['filtered']:,} left) | {options:.2f} |"
        )


if __name__ == "__main__":
    main()
