"""Analysis stage on generated projects: retrieval, co-occurrence, group comparison, a framework matrix.

    python benchmarks/bench_analysis.py --sizes 100 1000

Each step runs on one ``export_data()`` read (the query the project part makes) beside a peer in
the same run that computes the same numbers in SQLite alone: the distinct coded spans of the
most-used code (with its sub-codes) for retrieval, and a self-join of codings on the segment for
co-occurrence. The benchmark stops if the numbers differ.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
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


def sql_spans(db: str, root: str) -> set[tuple]:
    """The same passages in one query: distinct spans with their text, participant and coders."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT c.key, t.name, g.start_offset, g.end_offset,"
            " substr(t.text, g.start_offset + 1, g.end_offset - g.start_offset), p.label, p.attributes,"
            " group_concat(DISTINCT k.name)"
            " FROM codings g JOIN codes c ON c.id = g.code_id JOIN coders k ON k.id = g.coder_id"
            " JOIN transcripts t ON t.id = g.transcript_id LEFT JOIN participants p ON p.id = t.participant_id"
            " WHERE c.key = ? OR c.key LIKE ? || '.%'"
            " GROUP BY c.key, g.transcript_id, g.start_offset, g.end_offset ORDER BY t.name, g.start_offset",
            (root, root),
        ).fetchall()
        return {(key, name, start, end) for key, name, start, end, *_ in rows}
    finally:
        con.close()


# The peer of `qualcode retrieve CODE -o FILE.html`: a script that knows only SQL, started the same
# way, writing the same spans (text, participant, coders) as an escaped HTML page.
SQL_HTML_SCRIPT = """
import html, sqlite3, sys
db, root, out = sys.argv[1:4]
con = sqlite3.connect(db)
rows = con.execute(
    "SELECT c.key, t.name, g.start_offset, g.end_offset,"
    " substr(t.text, g.start_offset + 1, g.end_offset - g.start_offset), p.label, group_concat(DISTINCT k.name)"
    " FROM codings g JOIN codes c ON c.id = g.code_id JOIN coders k ON k.id = g.coder_id"
    " JOIN transcripts t ON t.id = g.transcript_id LEFT JOIN participants p ON p.id = t.participant_id"
    " WHERE c.key = ? OR c.key LIKE ? || '.%'"
    " GROUP BY c.key, g.transcript_id, g.start_offset, g.end_offset ORDER BY t.name, g.start_offset",
    (root, root),
).fetchall()
with open(out, "w", encoding="utf-8") as f:
    f.write("<!doctype html><meta charset=utf-8><title>" + html.escape(root) + "</title>")
    for key, name, start, end, text, label, coders in rows:
        f.write('<div class="passage"><blockquote>' + html.escape(text) + "<cite>" + html.escape(label or name)
                + " (" + html.escape(name) + ") " + html.escape(coders) + "</cite></blockquote></div>\\n")
print(len(rows))
"""


def cli_retrieve_html(db: str, code: str, out: Path) -> int:
    """`qualcode retrieve CODE --by role -o out.html` in a fresh process, as a user runs it; the
    number of passages it wrote."""
    subprocess.run(
        [sys.executable, "-m", "qualcode", "retrieve", code, "--by", "role", "-o", str(out), "--db", db],
        check=True,
        capture_output=True,
    )
    return out.read_text(encoding="utf-8").count('<div class="passage">')


def sql_html(db: str, code: str, out: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", SQL_HTML_SCRIPT, db, code, str(out)], check=True, capture_output=True, text=True
    )
    return int(done.stdout)


def sql_cooccurrence(db: str) -> dict[tuple[str, str], int]:
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "WITH u AS (SELECT DISTINCT g.segment_id AS s, c.key AS k FROM codings g JOIN codes c ON c.id = g.code_id)"
            " SELECT a.k, b.k, count(*) FROM u a JOIN u b ON a.s = b.s AND a.k < b.k GROUP BY a.k, b.k"
        ).fetchall()
        return {(a, b): n for a, b, n in rows}
    finally:
        con.close()


def run(n: int, work: Path) -> dict:
    from qualcode.analysis.compare import compare_groups
    from qualcode.analysis.cooccurrence import cooccurrence
    from qualcode.analysis.matrix import build_matrix_view, matrix_from_dict
    from qualcode.analysis.retrieval import Study, retrieve
    from qualcode.export import cooccur as eco
    from qualcode.export import framework as efw
    from qualcode.export import passages as eps

    db = str(work / f"gen-{n}.db")
    project = build_project(db, n)
    out: dict = {"n": n}
    try:
        out["read_s"], data = timed(lambda: project.export_data(texts=True, memos=True), repeat=1)
        out["segments"], out["codings"] = len(data.segments), len(data.codings)
        counts: dict[str, int] = {}
        for c in data.codings:
            counts[c.code_key] = counts.get(c.code_key, 0) + 1
        top = max(
            (c for c in data.codes if c.depth == 0),
            key=lambda c: sum(v for k, v in counts.items() if k.startswith(c.key)),
        )
        out["code"] = top.key
        out["study_s"], study = timed(lambda: Study(data))
        out["retrieve_s"], found = timed(lambda: retrieve(data, top.key, context=1, study=study))
        out["passages"] = len(found.passages)
        out["retrieve_sql_s"], expected = timed(lambda: sql_spans(db, top.key))
        if expected != {(p.code, p.transcript, p.start, p.end) for p in found.passages}:
            raise SystemExit("retrieval disagrees with the SQL query")
        out["html_s"], _ = timed(lambda: eps.render_html(found, "role"), repeat=1)
        # The command as a user runs it (a new process: start-up, the read, the report, the file)
        # beside a script that writes the same spans from one SQL query.
        spans = len({(p.transcript, p.start, p.end) for p in found.passages})
        out["cli_html_s"], written = timed(lambda: cli_retrieve_html(db, top.key, work / "r.html"), repeat=2)
        out["cli_sql_html_s"], peer_rows = timed(lambda: sql_html(db, top.key, work / "peer.html"), repeat=2)
        if written != spans or peer_rows != len(expected):
            raise SystemExit(f"the report holds {written} spans, the SQL page {peer_rows}; expected {spans}")
        # The project part as a screen uses it: the first query reads the project, the next
        # (another filter) reuses that read while the project is unchanged.
        from qualcode.project import Project

        with Project.open(db) as opened:
            out["part_first_s"], _ = timed(lambda: opened.analysis.retrieve(top.key, context=1), repeat=1)
            out["part_again_s"], again = timed(
                lambda: opened.analysis.retrieve(top.key, where={"role": ("Teacher",)}, context=1)
            )
            if not 0 < len(again.passages) < len(found.passages):
                raise SystemExit("the filtered retrieval is not a part of the whole")
        out["docx_s"], _ = timed(lambda: eps.write_docx(found, work / "r.docx", "role"), repeat=1)
        out["cooccur_s"], co = timed(lambda: cooccurrence(data, study=study))
        out["cooccur_sql_s"], peer = timed(lambda: sql_cooccurrence(db))
        got = {tuple(sorted((p.a, p.b))): p.segments for p in co.pairs}
        if got != peer:
            raise SystemExit("co-occurrence disagrees with the SQL self-join")
        out["pairs"] = len(co.pairs)
        out["heatmap_s"], _ = timed(lambda: eco.render_html(cooccurrence(data, rollup=True, study=study)), repeat=1)
        out["compare_s"], _ = timed(
            lambda: compare_groups(data, {"role": ("Headteacher",)}, {"role": ("Teacher",)}, study=study)
        )
        themes = [c.key for c in data.codes if c.depth == 0]
        schools = sorted({p.attributes["school"] for p in data.participants})[:26]
        matrix = matrix_from_dict({"name": "bench", "rows_by": "school", "rows": schools, "columns": themes})
        out["matrix_s"], view = timed(lambda: build_matrix_view(matrix, data, counts=True, quotes=2), repeat=1)
        out["matrix_docx_s"], _ = timed(lambda: efw.write_docx(view, work / "m.docx"), repeat=1)
    finally:
        project.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="qc-bench-analysis-") as tmp:
        for n in args.sizes:
            print(f"building and measuring {n} interviews…", file=sys.stderr)
            results.append(run(n, Path(tmp)))
    print(
        "| interviews | segments | codings | read (s) | passages of the top theme | retrieve (s) | SQL peer (s) "
        "| retrieve / peer | HTML / .docx (s) | pairs | co-occurrence (s) | SQL self-join (s) | co-occ / peer "
        "| heat map (s) | compare (s) | matrix 26×8 with quotes (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for r in results:
        print(
            f"| {r['n']:,} | {r['segments']:,} | {r['codings']:,} | {r['read_s']:.2f} | {r['passages']:,} "
            f"| {r['retrieve_s']:.3f} | {r['retrieve_sql_s']:.3f} | {r['retrieve_s'] / r['retrieve_sql_s']:.2f} "
            f"| {r['html_s']:.2f} / {r['docx_s']:.2f} | {r['pairs']:,} | {r['cooccur_s']:.3f} | {r['cooccur_sql_s']:.3f} "
            f"| {r['cooccur_s'] / r['cooccur_sql_s']:.2f} | {r['heatmap_s']:.3f} | {r['compare_s']:.3f} | {r['matrix_s']:.2f} |"
        )
        rows.append(
            f"| {r['n']:,} | {r['passages']:,} | {r['cli_html_s']:.2f} | {r['cli_sql_html_s']:.2f} "
            f"| {r['cli_html_s'] / r['cli_sql_html_s']:.1f} | {r['part_first_s']:.2f} | {r['part_again_s']:.3f} |"
        )
    print()
    print(
        "| interviews | passages | `qualcode retrieve … -o .html` (s) | SQL script to HTML (s) | CLI / peer "
        "| project.analysis first query (s) | next query, other filter (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
