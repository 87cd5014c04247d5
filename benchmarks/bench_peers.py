"""Import of real QualCoder and Taguette projects, next to the same project as a REFI-QDA .qdpx.

    python benchmarks/fetch_peer_files.py      # once: the real files, pinned by commit and SHA-256
    python benchmarks/bench_peers.py [--repeat 3]

For each real project: ``Project.import_peer`` (open the other tool's SQLite read-only, read it,
check every coding against the words stored with it, write) into a new SQLite project, and, as
the peer in the same run, ``Project.import_refi`` of a ``.qdpx`` holding exactly the records the
reader produced (written once with ``write_qdpx``): the way such a study came in before, through
the tool's REFI-QDA export. Prints a Markdown table; the best of ``--repeat`` runs is quoted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qualcode.export.refi import write_qdpx  # noqa: E402
from qualcode.ingest.peer_import import read_peer  # noqa: E402
from qualcode.project import Project  # noqa: E402

FILES = {
    "QualCoder 3.6 (Mannheimer, 30 interviews)": "mannheimer_data.qda",
    "Taguette 1.x export (SERDIF, 17 sessions)": "SERDIF_P2_ThematicAnalysis.sqlite3",
}


def timed(workdir: Path, name: str, run) -> tuple[float, int]:
    project = Project.create(str(workdir / f"{name}.db"), None)
    start = time.perf_counter()
    summary = run(project)
    elapsed = time.perf_counter() - start
    project.close()
    return elapsed, summary.codings_added


def main() -> None:
    parser = argparse.ArgumentParser(description="Time QualCoder/Taguette import against the same project as .qdpx.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--files", type=Path, default=ROOT / "tests" / "fixtures" / "peers" / "real")
    args = parser.parse_args()
    print("| project | words | codings written | import (s) | same as .qdpx (s) | import / .qdpx time |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for label, name in FILES.items():
            path = args.files / name
            if not path.is_file():
                print(f"| {label} | not fetched (run benchmarks/fetch_peer_files.py) | | | | |")
                continue
            doc = read_peer(path)
            qdpx = workdir / f"{name}.qdpx"
            write_qdpx(doc, qdpx)
            n_words = sum(len((s.text or "").split()) for s in doc.sources)
            native, qdpx_times = [], []
            for run in range(args.repeat):
                t, codings = timed(workdir, f"peer-{name}-{run}", lambda p, path=path: p.import_peer(path))
                native.append(t)
                t2, codings2 = timed(workdir, f"qdpx-{name}-{run}", lambda p, qdpx=qdpx: p.import_refi(qdpx))
                qdpx_times.append(t2)
                assert codings == codings2, (codings, codings2)
            best, peer = min(native), min(qdpx_times)
            print(f"| {label} | {n_words:,} | {codings:,} | {best:.2f} | {peer:.2f} | {best / peer:.2f} |")


if __name__ == "__main__":
    main()
