"""Codings that cross turns: what counting each turn a coding covers costs.

    python benchmarks/bench_crossturn.py [--interviews 200 1000]

On a generated project (``corpus.build_project``) in which 31 % of the codings are then made to
run on over the next two turns — the share of codings spanning turns in a real study — it times,
best of five:

- the coded-segment counts behind the transcript list (``workbench.coded_segment_counts``), against
  the query used before codings could cross turns (a join by ``segment_id`` only, which counts
  the first turn of each coding), in the same run;
- the segment-level agreement arrays (``agreement.units.build``), which now give a coding a row
  in each segment it touches, against the same call on rows that stop at their first turn.

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_project  # noqa: E402


def best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def run(n: int, work: Path) -> dict:
    from sqlalchemy import func, select, text

    from qualcode.agreement.units import CodeNode, build
    from qualcode.db.models import Coding, Segment
    from qualcode.project.transcripts import to_code_condition

    project = build_project(str(work / f"p{n}.db"), n)
    with project.store.tx() as s:  # 31 % of the codings run on to the end of the turn two further on
        pos = {i: (t, p) for i, t, p in s.execute(text("SELECT id, transcript_id, position FROM segments"))}
        at = {tp: i for i, tp in pos.items()}
        ends = dict(s.execute(text("SELECT id, end_offset FROM segments")).all())
        for cid, sid in s.execute(text("SELECT id, segment_id FROM codings WHERE id % 100 < 31")).all():
            later = at.get((pos[sid][0], pos[sid][1] + 2))
            if later is not None:
                s.execute(text("UPDATE codings SET end_offset = :e WHERE id = :i"), {"e": ends[later], "i": cid})

    def old_counts() -> dict[int, int]:
        with project.store.read() as s:
            return dict(
                s.execute(
                    select(Coding.transcript_id, func.count(func.distinct(Coding.segment_id)))
                    .join(Segment, Segment.id == Coding.segment_id)
                    .where(Coding.coder_id == 1, to_code_condition(s))
                    .group_by(Coding.transcript_id)
                ).all()
            )

    def new_counts() -> dict[int, int]:
        return project.workbench.coded_segment_counts("alice")

    old_n, new_n = sum(old_counts().values()), sum(new_counts().values())
    rows = project.coding_rows(["alice", "bob"])
    segments = project.transcripts.segment_rows()
    names = {t.id: t.name for t in project.list_transcripts()}
    codes = [CodeNode(c.key, c.name, c.parent_key, c.depth) for c in project.codes()]
    # the peer: the same rows cut to their first turn, as the old rule stored them
    first_end = {sid: e for sid, _, _, _, _, e in segments}
    cut = [(c, t, sid, k, a, min(b, first_end[sid])) for c, t, sid, k, a, b in rows]
    out = {
        "n": n,
        "codings": len(rows),
        "segments": len(segments),
        "old_counts": best(old_counts),
        "new_counts": best(new_counts),
        "old_n": old_n,
        "new_n": new_n,
        "agreement_cut": best(lambda: build(["alice", "bob"], codes, segments, cut, names), 3),
        "agreement_whole": best(lambda: build(["alice", "bob"], codes, segments, rows, names), 3),
    }
    project.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, nargs="+", default=[200, 1000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = [run(n, Path(tmp)) for n in args.interviews]
    print(
        "| interviews | codings (31 % over 3 turns) | coded-segment counts: by first turn (old) / every turn covered | ratio | turns counted old / now | agreement arrays: first turn / every turn | ratio |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['n']:,} | {r['codings']:,} | {r['old_counts'] * 1000:.0f} ms / {r['new_counts'] * 1000:.0f} ms "
            f"| {r['new_counts'] / r['old_counts']:.2f}× | {r['old_n']:,} / {r['new_n']:,} "
            f"| {r['agreement_cut'] * 1000:.0f} ms / {r['agreement_whole'] * 1000:.0f} ms "
            f"| {r['agreement_whole'] / r['agreement_cut']:.2f}× |"
        )


if __name__ == "__main__":
    main()
