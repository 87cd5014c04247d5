"""Theme tables and REFI-QDA export/import on generated projects, each next to a peer in the same run.

    python benchmarks/bench_export.py [--sizes 100 1000]

For each size N, a generated project of N interviews coded by two coders (``corpus.build_project``):

- **theme table** ``--by role``, counting coded segments with roll-up of parents, from the project
  (one read of codes, participants, transcripts, segments and codings, then the table model),
  next to the query a researcher with SQL would write instead: one ``GROUP BY`` on SQLite
  counting distinct segments per leaf code and role (no roll-up, no totals);
- **quotes** (3 per code) and each renderer (Markdown, CSV, JSON, HTML, XLSX);
- **.qdpx export** of the whole project, next to the floor of any such export: zipping the same
  transcript texts (``zipfile``, deflate) with no XML at all;
- **.qdpx import** of that file into a new project (parse, segment, one transaction).

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_project  # noqa: E402


def timed(fn, repeat: int = 3):
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def sql_peer(db: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT c.key, json_extract(p.attributes, '$.role') AS role, count(DISTINCT g.segment_id)"
            " FROM codings g JOIN codes c ON c.id = g.code_id JOIN transcripts t ON t.id = g.transcript_id"
            " LEFT JOIN participants p ON p.id = t.participant_id GROUP BY c.key, role"
        ).fetchall()
    finally:
        con.close()


def zip_peer(texts: list[tuple[str, str]], out: Path) -> int:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for guid, text in texts:
            z.writestr(f"sources/{guid}.txt", text.encode("utf-8"))
    return out.stat().st_size


def run(n: int, work: Path) -> dict:
    from qualcode.analysis import themes as th
    from qualcode.export import refi
    from qualcode.export import render as rd
    from qualcode.export.formats import THEMES
    from qualcode.project import Project

    db = str(work / f"gen-{n}.db")
    start = time.perf_counter()
    project = build_project(db, n)
    build_s = time.perf_counter() - start
    out: dict = {"n": n, "build_s": build_s}
    try:

        def table():
            data = project.export_data(texts=False, memos=False, details=False)
            source = th.resolve_source(data, None, False)
            units = th.select_units(data, source)
            return data, units, th.build_table(data, units, ("role",), "segments", source=source.describe())

        out["table_s"], (data_nt, units, tbl) = timed(table)
        out["segments"], out["codings"] = len(data_nt.segments), len(data_nt.codings)
        out["sql_s"], rows = timed(lambda: sql_peer(db))
        out["sql_rows"] = len(rows)
        data = project.export_data(texts=True, memos=True)
        source = th.resolve_source(data, None, False)
        out["quotes_s"], view = timed(lambda: th.build_quotes(data, units, 3, by=("role",), source=source))
        report = rd.ThemeReport(tbl, view)
        for fmt in ("md", "csv", "json", "html"):
            out[f"{fmt}_s"], _ = timed(lambda fmt=fmt: THEMES.writer(fmt)(report))
        out["xlsx_s"], _ = timed(lambda: THEMES.writer("xlsx")(report, work / "t.xlsx"), repeat=1)
        qdpx = work / f"gen-{n}.qdpx"

        def export():
            d = project.export_data(texts=True, memos=True)
            return refi.write_qdpx(refi.project_to_refi(d), qdpx)

        out["qdpx_s"], out["qdpx_bytes"] = timed(export)
        texts = [(t.guid, t.text) for t in data.transcripts]
        out["zip_s"], out["zip_bytes"] = timed(lambda: zip_peer(texts, work / "peer.zip"))
        target = work / f"import-{n}.db"
        with Project.create(str(target)) as copy:
            start = time.perf_counter()
            summary = copy.import_refi(qdpx)
            out["import_s"] = time.perf_counter() - start
            out["imported_codings"] = summary.codings_added
    finally:
        project.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="qc-bench-export-") as tmp:
        for n in args.sizes:
            print(f"building and measuring {n} interviews…", file=sys.stderr)
            results.append(run(n, Path(tmp)))
    print(
        "| interviews | segments | codings | theme table (s) | SQL GROUP BY peer (s) | table / peer | quotes ×3 (s) "
        "| md / csv / json / html (s) | xlsx (s) | .qdpx export (s) | zip-only peer (s) | export / peer | .qdpx size (MB) | .qdpx import (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['n']:,} | {r['segments']:,} | {r['codings']:,} | {r['table_s']:.2f} | {r['sql_s']:.2f} | "
            f"{r['table_s'] / r['sql_s']:.1f} | {r['quotes_s']:.2f} | "
            f"{r['md_s']:.3f} / {r['csv_s']:.3f} / {r['json_s']:.3f} / {r['html_s']:.3f} | {r['xlsx_s']:.2f} | "
            f"{r['qdpx_s']:.2f} | {r['zip_s']:.2f} | {r['qdpx_s'] / r['zip_s']:.1f} | {r['qdpx_bytes'] / 1e6:.1f} | "
            f"{r['import_s']:.1f} |"
        )


if __name__ == "__main__":
    main()
