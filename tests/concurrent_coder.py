"""One coder coding and undoing at random against a shared project (run as a subprocess).

    python tests/concurrent_coder.py DB_URL CODER ACTIONS SEED OUT.json [START_AT]

START_AT (a time.time() value) makes every coder begin at the same moment, after start-up.

Writes what the server acknowledged, as the set of codings this coder must end up with.
"""

from __future__ import annotations

import json
import random
import sys
import time

from qualcode.project import Project


def main(url: str, coder: str, actions: int, seed: int, out: str, start_at: float = 0.0) -> None:
    rng = random.Random(seed)
    project = Project.open(url)
    segments = [s.id for t in project.list_transcripts() for s in project.segments(t.id)]
    codes = [c.key for c in project.codes()]
    applied: list[tuple[str, int]] = []  # this coder's undo stack, as acknowledged
    latencies = []
    time.sleep(max(0.0, start_at - time.time()))
    for _ in range(actions):
        start = time.perf_counter()
        if applied and (rng.random() < 0.3 or len(applied) == len(codes) * len(segments)):
            undone = project.undo(coder)
            assert undone is not None
            applied.pop()
        else:
            while True:
                pair = (rng.choice(codes), rng.choice(segments))
                if pair not in applied:
                    break
            project.apply_code(coder, pair[0], pair[1])
            applied.append(pair)
        latencies.append(time.perf_counter() - start)
    project.close()
    with open(out, "w") as fh:
        json.dump({"codings": sorted(applied), "latencies": latencies}, fh)


if __name__ == "__main__":
    main(
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]),
        int(sys.argv[4]),
        sys.argv[5],
        float(sys.argv[6]) if len(sys.argv) > 6 else 0.0,
    )
