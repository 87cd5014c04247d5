"""`qualcode autocode` on generated projects, next to a peer in the same run.

    python benchmarks/bench_autocode.py [--sizes 100 1000]

For each size N, a generated project of N interviews (``corpus.build_project``, one coder):

- **autocode** of one code wherever a common phrase occurs (whole turns), through the project API:
  read the turns, search, write every coding and the one event;
- **dry run** of the same (read and search only);
- the **peer**: the floor of any such command, a plain ``sqlite3`` read of the same segments' texts
  and a ``re`` search over them, writing nothing.

Checks that the change is one event (one ``undo`` reverses all of it). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_project  # noqa: E402

PHRASE = "research"


def peer(db: str) -> int:
    con = sqlite3.connect(db)
    try:
        pattern = re.compile(re.escape(PHRASE), re.IGNORECASE)
        n = 0
        for text, start, end in con.execute(
            "SELECT t.text, s.start_offset, s.end_offset FROM segments s JOIN transcripts t ON t.id = s.transcript_id"
        ):
            if pattern.search(text, start, end):
                n += 1
        return n
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    print(
        "| interviews | segments | passages coded | autocode (s) | dry run (s) | peer: read + re (s) | autocode / peer | events |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            db = str(Path(tmp) / "p.db")
            project = build_project(db, n, coders=("alice",))
            code = project.codes()[1].key
            segments = sum(t.n_segments for t in project.list_transcripts())
            t0 = time.perf_counter()
            found = peer(db)
            t_peer = time.perf_counter() - t0
            t0 = time.perf_counter()
            project.autocode(code, "alice", PHRASE, dry_run=True)
            t_dry = time.perf_counter() - t0
            before = len(project.events(limit=1_000_000))
            t0 = time.perf_counter()
            report = project.autocode(code, "alice", PHRASE)
            t_apply = time.perf_counter() - t0
            events = len(project.events(limit=1_000_000)) - before
            assert report.applied == found - report.already, (report.applied, found, report.already)
            undone = project.undo("alice")
            assert undone is not None and undone.action == "coding.autocode"
            project.close()
            print(
                f"| {n:,} | {segments:,} | {report.applied:,} | {t_apply:.2f} | {t_dry:.2f} | {t_peer:.2f} "
                f"| {t_apply / t_peer:.1f}× | {events} |"
            )


if __name__ == "__main__":
    main()
