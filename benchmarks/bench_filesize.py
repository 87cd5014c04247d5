"""How big the project file is against the text it holds: bytes per table and index, per coding, per segment.

    python benchmarks/bench_filesize.py [--interviews 100 1000] [--no-demo] [--keep DIR]

Builds SQLite projects of generated interviews (``benchmarks/corpus.py``: two coders' codings)
and the demo project (RLN study), VACUUMs each so that free pages do not count, and reads
SQLite's ``dbstat`` virtual table: the bytes of every table and index (payload plus page
overhead). "text" is the transcripts' text as UTF-8, the floor any project file must hold.
The figures per coding and per segment are the bytes of the codings' (segments') table and
indexes divided by their rows. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_project  # noqa: E402


def _vacuum(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
    finally:
        conn.close()


def measure(path: Path) -> dict:
    """File size, text size, rows and bytes per table (indexes and FTS shadow tables by name)."""
    _vacuum(path)
    conn = sqlite3.connect(path)
    try:
        objects = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')"))
        sizes = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
        text_bytes = conn.execute("SELECT coalesce(sum(length(CAST(text AS BLOB))), 0) FROM transcripts").fetchone()[0]
        rows = {
            t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
            for t in ("transcripts", "segments", "codings", "events", "memos")
        }
    finally:
        conn.close()
    by_table: dict[str, int] = {}
    for name, size in sizes.items():
        owner = objects.get(name, name)
        if owner.startswith("segment_fts"):
            owner = "segment_fts (full-text index)"
        elif name.startswith("sqlite_autoindex_"):
            owner = objects.get(name, name)
        by_table[owner] = by_table.get(owner, 0) + size
    return {
        "file": path.stat().st_size,
        "text": text_bytes,
        "rows": rows,
        "sizes": sizes,
        "objects": objects,
        "by_table": by_table,
    }


def _per_row(m: dict, table: str) -> str:
    n = m["rows"][table]
    return f"{m['by_table'].get(table, 0) / n:.0f}" if n else "–"


def report(results: list[tuple[str, dict]]) -> None:
    print("| project | text (MB) | file (MB) | file / text | bytes per coding | bytes per segment |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, m in results:
        print(
            f"| {label} | {m['text'] / 1e6:.2f} | {m['file'] / 1e6:.2f} | {m['file'] / m['text']:.2f} "
            f"| {_per_row(m, 'codings')} | {_per_row(m, 'segments')} |"
        )
    print()
    labels = [label for label, _ in results]
    print("| table or index | " + " | ".join(f"{label} (bytes, share)" for label in labels) + " |")
    print("|---|" + "---:|" * len(labels))
    names = sorted(
        {n for _, m in results for n in m["sizes"]}, key=lambda n: -max(m["sizes"].get(n, 0) for _, m in results)
    )
    for name in names:
        owner = results[0][1]["objects"].get(name) or next(
            (m["objects"].get(name) for _, m in results if name in m["objects"]), name
        )
        shown = name if owner == name else f"{owner}: {name}"
        cells = [f"{m['sizes'].get(name, 0):,} ({m['sizes'].get(name, 0) / m['file']:.0%})" for _, m in results]
        print(f"| {shown} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interviews", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--keep", type=Path, help="build the projects in this folder and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = []
        if not args.no_demo:
            from qualcode.samples import build_demo

            demo = build_demo(work / "demo")
            results.append(("demo (RLN)", measure(demo.path)))
        for n in args.interviews:
            path = work / f"generated-{n}.db"
            path.unlink(missing_ok=True)
            build_project(str(path), n).close()
            results.append((f"{n:,} interviews", measure(path)))
        report(results)


if __name__ == "__main__":
    main()
