"""How big the project file is against the text it holds: bytes per table and index, per coding, per segment.

    python benchmarks/bench_filesize.py [--interviews 100 1000] [--no-demo] [--keep DIR] [--upgrade [--from REV]]
                                        [--study FILE ...]

Builds SQLite projects of generated interviews (``benchmarks/corpus.py``: two coders' codings)
and the demo project (RLN study), VACUUMs each so that free pages do not count, and reads
SQLite's ``dbstat`` virtual table: the bytes of every table and index (payload plus page
overhead). "text" is the transcripts' text as UTF-8, the floor any project file must hold.
The figures per coding and per segment are the bytes of the codings' (segments') table and
indexes divided by their rows. Prints Markdown tables.

``--upgrade`` also takes a copy of each generated project back to an earlier schema revision
(``--from``, 0007 by default; 0005 had the full-text index with its own copy of the text, 0008
compressed the text), times opening it (the migration and its VACUUM), and compares search on
the two in the same run: the hits of a set of queries (words, prefixes, "quoted phrases"), in
order, with each hit's text, and the median CPU time of those queries, old and new interleaved.

``--study FILE`` builds a project from a real study as a user would (``qualcode init`` and
``qualcode import FILE``: a QualCoder project, a Taguette database, a REFI-QDA file) and measures
it beside the generated ones.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_project  # noqa: E402
from qualcode.db.basics import add_text_function, stored_prefix, stored_text  # noqa: E402


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
        # the text as UTF-8, decompressed from revision 0008 on
        text_bytes = sum(len(stored_text(t).encode("utf-8")) for (t,) in conn.execute("SELECT text FROM transcripts"))
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


QUERIES = (
    "network",
    "development plan",
    "time",
    "release",
    '"performance management"',
    "budget cover",
    "staff",
    "pupils",
    '"release time"',
    '"school budget" cover',
    "develop",
    "NEAR",
)
SEARCH = (
    "SELECT s.id, {body} FROM segments s JOIN transcripts t ON t.id = s.transcript_id JOIN segment_fts f ON f.rowid = s.id "
    "WHERE segment_fts MATCH ? ORDER BY f.rank, t.name, s.position LIMIT 200"
)  # the search of qualcode.project.workbench on SQLite, the same from revision 0006 to 0007
PLAIN = SEARCH.format(body="substr(t.text, s.start_offset + 1, s.end_offset - s.start_offset)")
OFFSETS = SEARCH.format(body="s.transcript_id, s.start_offset, s.end_offset")


def search(conn: sqlite3.Connection, revision: str, query: str) -> list[tuple[int, str]]:
    """Each hit's segment id and text, as qualcode's search reads them at ``revision``: cut by
    ``substr`` in SQL up to 0007; from 0008 (the text compressed) cut in Python, each hit
    transcript's text read once and decompressed as far as its last hit (``qualcode.project.workbench``)."""
    from qualcode.project.workbench import fts5_query

    if revision < "0008":
        return conn.execute(PLAIN, (fts5_query(query),)).fetchall()
    found = conn.execute(OFFSETS, (fts5_query(query),)).fetchall()
    ends: dict[int, int] = {}
    for _, t, _, b in found:
        ends[t] = max(ends.get(t, 0), b)
    marks = ", ".join("?" * len(ends))
    rows = conn.execute(f"SELECT id, text FROM transcripts WHERE id IN ({marks})", list(ends))
    bodies = {i: stored_prefix(t, ends[i]) for i, t in rows}
    return [(i, bodies[t][a:b]) for i, t, a, b in found]


def upgrade_and_search(path: Path, revision: str = "0007") -> str:
    """A copy of ``path`` at ``revision`` opened (upgraded), then search on both compared."""
    from qualcode.db import engine as dbengine
    from qualcode.db.basics import HEAD_REVISION
    from qualcode.project import Project

    old = path.with_name(f"{path.stem}-{revision}.db")
    shutil.copy(path, old)
    engine = dbengine.make_engine(dbengine.resolve_url(str(old)))
    dbengine.downgrade(engine, revision)
    engine.dispose()
    _vacuum(old)
    reference = path.with_name(f"{path.stem}-{revision}-kept.db")
    shutil.copy(old, reference)
    old_size = old.stat().st_size
    start = time.process_time()
    Project.open(str(old)).close()
    upgrade_s = time.process_time() - start
    new_size = old.stat().st_size
    conns = {"before": sqlite3.connect(reference), "after": sqlite3.connect(old)}
    add_text_function(conns["after"])
    at = {"before": revision, "after": HEAD_REVISION}
    hits = {k: [search(c, at[k], q) for q in QUERIES] for k, c in conns.items()}
    times: dict[str, list[float]] = {k: [] for k in conns}
    for _ in range(9):
        for k, c in conns.items():
            t = time.process_time()
            for q in QUERIES:
                search(c, at[k], q)
            times[k].append(time.process_time() - t)
    for c in conns.values():
        c.close()
    same = "yes" if hits["before"] == hits["after"] else "NO"
    return (
        f"| {old_size / 1e6:.2f} | {new_size / 1e6:.2f} | {upgrade_s:.1f} | {same} ({sum(map(len, hits['after']))}) "
        f"| {statistics.median(times['before']) * 1000:.0f} | {statistics.median(times['after']) * 1000:.0f} |"
    )


def build_study(source: Path, work: Path) -> Path:
    """A project made from a real study's file with ``qualcode init`` and ``qualcode import``."""
    path = work / (source.name.split(".")[0] + ".db")
    path.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    for args in (["init", str(path)], ["--db", str(path), "import", str(source)]):
        subprocess.run([sys.executable, "-m", "qualcode", *args], check=True, env=env, capture_output=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interviews", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--keep", type=Path, help="build the projects in this folder and keep them")
    parser.add_argument("--upgrade", action="store_true", help="also time the upgrade from --from and compare search")
    parser.add_argument("--from", dest="revision", default="0007", help="the revision --upgrade starts from")
    parser.add_argument("--study", type=Path, nargs="*", default=[], help="real studies to import and measure")
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
        for source in args.study:
            results.append((source.name, measure(build_study(source, work))))
        report(results)
        if args.upgrade:
            print()
            print(
                f"| interviews | file at {args.revision} (MB) | after upgrade (MB) | open + upgrade + VACUUM (CPU s) "
                f"| same hits, same order ({len(QUERIES)} queries) | search before (CPU ms) | search after (CPU ms) |"
            )
            print("|---:|---:|---:|---:|---|---:|---:|")
            for n in args.interviews:
                print(f"| {n:,} " + upgrade_and_search(work / f"generated-{n}.db", args.revision), flush=True)


if __name__ == "__main__":
    main()
