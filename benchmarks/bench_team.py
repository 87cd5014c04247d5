"""Coders coding at once: codings per second and p95 latency of an acknowledged change.

    python benchmarks/bench_team.py [--actions 200] [--postgres postgresql://postgres@127.0.0.1:54330/postgres]

N processes (N = 1, 2, 8) each apply codes to random segments of a 20-interview generated project
and undo now and then (70/30), each action one committed transaction. Measured on one SQLite file
in WAL mode (synchronous=FULL) and, when --postgres names a server, on PostgreSQL (run it with
fsync on for honest figures). Latency is measured in each coder process around the project call
that returns only after the commit. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_project  # noqa: E402

WORKER = ROOT / "tests" / "concurrent_coder.py"


def fresh_postgres(server: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "qc_bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def run(url: str, n: int, actions: int, workdir: Path) -> tuple[float, float, float]:
    coders = [f"coder{i}" for i in range(n)]
    project = build_project(url, 20, coders=(), seed=1)
    for name in coders:
        project.add_coder(name)
    project.close()
    outs = [workdir / f"{uuid.uuid4().hex}.json" for _ in coders]
    start_at = time.time() + 8  # every coder starts together, after its start-up
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), url, name, str(actions), str(i), str(out), str(start_at)], cwd=ROOT
        )
        for i, (name, out) in enumerate(zip(coders, outs))
    ]
    for proc in procs:
        if proc.wait() != 0:
            raise SystemExit("a coder process failed")
    latencies = sorted(x for out in outs for x in json.loads(out.read_text())["latencies"])
    # All coders start together; the slowest one's time in calls is the length of the run.
    busy = max(sum(json.loads(out.read_text())["latencies"]) for out in outs)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    return len(latencies) / busy, p95 * 1000, statistics.median(latencies) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description="Concurrent coders on SQLite WAL and PostgreSQL.")
    parser.add_argument("--actions", type=int, default=200)
    parser.add_argument("--postgres", help="URL of a PostgreSQL server (a fresh database is made per run)")
    parser.add_argument("--coders", type=int, nargs="+", default=[1, 2, 8])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for n in args.coders:
            rows.append(
                ("SQLite (WAL, synchronous=FULL)", n, *run(str(workdir / f"team-{n}.db"), n, args.actions, workdir))
            )
            if args.postgres:
                rows.append(("PostgreSQL", n, *run(fresh_postgres(args.postgres), n, args.actions, workdir)))
    print("| backend | coders | codings/s (all coders) | p95 latency (ms) | median latency (ms) |")
    print("|---|---:|---:|---:|---:|")
    for backend, n, rate, p95, median in rows:
        print(f"| {backend} | {n} | {rate:,.0f} | {p95:.1f} | {median:.1f} |")


if __name__ == "__main__":
    main()
