"""Per-code agreement on 100,000 segments × 60 codes: qualcode against the tools a user would use.

    python benchmarks/bench_agreement.py [--segments 100000] [--codes 60]

Reliability data comes from the corpus generator's coder model (each coder keeps a segment's
true codes with a probability set by the agreement level and sometimes picks a sibling), for 2
and 5 coders, with 5 % of values missing. For every code qualcode computes its whole report row
(percent, Cohen's kappa and Scott's pi for two coders, Fleiss' kappa, Krippendorff's alpha,
Brennan-Prediger) in one vectorised pass, as the segment-level report does, and also one code at
a time for comparison; the peers compute only alpha (`krippendorff.alpha`) and, for two coders,
Cohen's kappa (`sklearn.metrics.cohen_kappa_score`). The numbers both sides compute must match
to 1e-9. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import simulate_coder  # noqa: E402
from qualcode.agreement import binary_per_code, compute_all  # noqa: E402


def reliability_data(n_segments: int, n_codes: int, n_coders: int, seed: int = 0) -> list[np.ndarray]:
    rng = random.Random(seed)
    codes = [f"c{i:02d}" for i in range(n_codes)]
    groups = [codes[i : i + 6] for i in range(0, n_codes, 6)]
    siblings = {c: [s for s in g if s != c] for g in groups for c in g}
    index = {c: i for i, c in enumerate(codes)}
    values = np.zeros((n_codes, n_segments, n_coders))
    for s in range(n_segments):
        truth = rng.sample(codes, k=rng.choices([0, 1, 2, 3], weights=[0.2, 0.45, 0.25, 0.1])[0])
        for coder in range(n_coders):
            for code in simulate_coder(rng, truth, siblings, 0.8):
                values[index[code], s, coder] = 1.0
    missing = np.random.default_rng(seed).random((n_segments, n_coders)) < 0.05
    values[:, missing] = np.nan
    return list(values)


def main() -> None:
    parser = argparse.ArgumentParser(description="Agreement per code: qualcode vs krippendorff and scikit-learn.")
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--codes", type=int, default=60)
    args = parser.parse_args()
    import krippendorff
    from sklearn.metrics import cohen_kappa_score

    rows = []
    for n_coders in (2, 5):
        data = reliability_data(args.segments, args.codes, n_coders)
        start = time.perf_counter()
        ours = [{r.measure: r.value for r in found} for found in binary_per_code(np.stack(data), n_categories=2)]
        t_ours = time.perf_counter() - start
        start = time.perf_counter()
        looped = [{r.measure: r.value for r in compute_all(d, n_categories=2)} for d in data]
        t_looped = time.perf_counter() - start
        assert all(abs(a[k] - b[k]) < 1e-12 for a, b in zip(ours, looped) for k in a if a[k] is not None)

        start = time.perf_counter()
        alphas = [krippendorff.alpha(reliability_data=d.T, level_of_measurement="nominal") for d in data]
        t_alpha = time.perf_counter() - start
        t_kappa = 0.0
        kappas = []
        if n_coders == 2:
            start = time.perf_counter()
            for d in data:
                both = ~np.isnan(d).any(axis=1)
                kappas.append(cohen_kappa_score(d[both, 0], d[both, 1]))
            t_kappa = time.perf_counter() - start
        diff = max(abs(o["krippendorff_alpha"] - a) for o, a in zip(ours, alphas))
        if kappas:
            diff = max(diff, max(abs(o["cohen_kappa"] - k) for o, k in zip(ours, kappas)))
        assert diff < 1e-9, f"numbers differ by {diff}"
        peers = t_alpha + t_kappa
        rows.append((n_coders, t_ours, t_looped, t_alpha, t_kappa, peers / t_ours, diff))
    print(f"{args.segments:,} segments × {args.codes} codes, 5 % of values missing")
    print()
    print(
        "| coders | qualcode report, all measures (s) | same, one code at a time (s) | krippendorff.alpha (s) | sklearn cohen_kappa_score (s) | peers / qualcode | largest difference |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n, ours, looped, alpha, kappa, ratio, diff in rows:
        print(
            f"| {n} | {ours:.2f} | {looped:.2f} | {alpha:.2f} | {(f'{kappa:.2f}' if kappa else '—')} | {ratio:.1f}× | {diff:.1e} |"
        )


if __name__ == "__main__":
    main()
