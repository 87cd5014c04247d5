"""Suggestions on real coded studies nobody here wrote: the yardstick of issue 20.

    python benchmarks/fetch_peer_files.py            # once: the pinned files, checked by SHA-256
    python benchmarks/bench_suggest_real.py          # both studies, Markdown for benchmarks/README.md
    python benchmarks/bench_suggest_real.py --study mannheimer --folds 5

Each study is rebuilt into a fresh project from the fetched file (`qualcode init` and `qualcode
import`, as a researcher would), then cross-validated with whole transcripts per fold, exactly
as `qualcode suggest --evaluate --folds 5` does: the default engine (keywords + model), the
model and keywords alone, the TF-IDF + logistic-regression baseline, and two floors any
suggester must clear: a random ranking and the frequency ranking (each code's share of the
training folds' segments, the same list for every segment). Precision@1 and recall@3 are given
at leaf level (the codes as coded) and at theme level (each code rolled up to its top-level
ancestor, a theme scored by its best code), with the expected calibration error of every score
that claims to be a probability.

The studies (see tests/fixtures/peers/README.md for their source, commit and SHA-256):
- mannheimer: a QualCoder project, 30 interview transcripts, 230 codes under 55 categories,
  753 codings. Used to diagnose and tune.
- serdif: the Taguette export of navarral/swj2022-usability-paper, 17 think-aloud sessions,
  22 tags, 1,930 tag applications. HELD ASIDE: nothing was tuned on it; its figures are
  reported separately and are the ones that count.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qualcode.project import Project  # noqa: E402
from qualcode.suggest.calibration import expected_calibration_error  # noqa: E402
from qualcode.suggest.evaluate import (  # noqa: E402
    Evaluation,
    cross_validate,
    folds_by_transcript,
    ranking_scores,
    roll_up,
    shown_at,
    top_level,
)
from qualcode.suggest.keywords import CodeKeywords  # noqa: E402
from qualcode.suggest.model import SegmentText, TrainingExample, training_examples  # noqa: E402
from qualcode.suggest.report import SHOWN_HEAD, markdown_table, shown_rows  # noqa: E402

REAL = Path(os.environ.get("QUALCODE_PEER_FILES", ROOT / "tests" / "fixtures" / "peers" / "real"))
STUDIES = {
    "mannheimer": ("mannheimer_data.qda", "QualCoder project (Mannheimer 2023 via LibraryCarpentry)", False),
    "serdif": ("SERDIF_P2_ThematicAnalysis.sqlite3", "Taguette export (navarral/swj2022-usability-paper)", True),
}
ROWS = [
    ("combined", "keywords + model (default)"),
    ("model", "model alone"),
    ("keywords", "keywords alone"),
    ("baseline", "TF-IDF + logistic regression"),
    ("frequency", "frequency (most-coded codes first)"),
    ("random", "random ranking"),
]


def rebuild(study: str, folder: Path) -> Path:
    """A fresh project holding the study, built with the CLI a researcher would use."""
    name = STUDIES[study][0]
    source = REAL / name
    if not source.is_file():
        raise SystemExit(f"{source} is missing: run `python benchmarks/fetch_peer_files.py` first")
    db = folder / f"{study}.db"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for args in (["init", str(db)], ["--db", str(db), "import", str(source)]):
        subprocess.run([sys.executable, "-m", "qualcode", *args], check=True, env=env, capture_output=True)
    return db


def load(db: Path) -> tuple[list[TrainingExample], list[CodeKeywords], dict[str, str]]:
    with Project.open(str(db)) as project:
        payload = project.training_payload(None)
        parents = {c.key: c.parent_key for c in project.codebook.codes()}
    codes = [CodeKeywords(k, n, tuple(kw), d) for k, n, kw, d in payload["codes"]]
    segments = [SegmentText(*s) for s in payload["segments"]]
    examples = training_examples(segments, payload["codings"], None, payload["rejected"], [c.key for c in codes])
    return examples, codes, top_level(parents)


def floors(ev: Evaluation, examples: list[TrainingExample], folds: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Random and frequency scores on the evaluation's own folds (frequency from the training folds)."""
    assert ev.truth is not None and ev.mask is not None
    y, mask = ev.truth, ev.mask
    rng = np.random.default_rng(seed)
    rand = rng.random(y.shape) + 1e-9
    freq = np.zeros(y.shape)
    for test_idx in folds_by_transcript(examples, folds, seed):
        train = np.ones(len(y), dtype=bool)
        train[test_idx] = False
        known = mask[train]
        rate = (y[train] * known).sum(axis=0) / np.maximum(known.sum(axis=0), 1)
        freq[test_idx] = rate + 1e-9  # ties broken by the code order, the same for every segment
    return {"random": rand, "frequency": freq}


def level_table(ev: Evaluation, extra: dict[str, np.ndarray], theme_of: dict[str, str]) -> tuple[str, dict]:
    assert ev.truth is not None and ev.mask is not None
    figures: dict[str, dict[str, tuple[float, float]]] = {}
    rows = []
    all_scores = dict(ev.predictions, **extra)
    _, _, _, themes = roll_up(ev.predictions["combined"], ev.truth, ev.mask, ev.codes, theme_of)
    for system, label in ROWS:
        if system == "baseline" and not ev.systems["baseline"].available:
            continue
        s = all_scores[system]
        leaf = ranking_scores(s, ev.truth, ev.mask)
        s2, y2, m2, _ = roll_up(s, ev.truth, ev.mask, ev.codes, theme_of)
        theme = ranking_scores(s2, y2, m2)
        ece = ev.systems[system].ece if system in ev.systems else None
        figures[system] = {"leaf": leaf, "theme": theme}
        rows.append(
            [
                label,
                f"{leaf[0]:.3f}",
                f"{leaf[1]:.3f}",
                f"{theme[0]:.3f}",
                f"{theme[1]:.3f}",
                "–" if ece is None else f"{ece:.3f}",
                f"{ev.systems[system].micro_f1:.3f}" if system in ev.systems else "–",
            ]
        )
    head = [
        "system",
        f"leaf p@1 ({len(ev.codes)} codes)",
        "leaf recall@3",
        f"theme p@1 ({len(themes)} themes)",
        "theme recall@3",
        "calibration error",
        f"micro-F1 at {ev.threshold}",
    ]
    return markdown_table(head, rows), figures


def theme_ece(ev: Evaluation, theme_of: dict[str, str]) -> float | None:
    """Expected calibration error of the model's theme scores, out of fold."""
    assert ev.truth is not None and ev.mask is not None
    members: dict[str, list[int]] = {}
    for j, code in enumerate(ev.codes):
        members.setdefault(theme_of.get(code, code), []).append(j)
    p, y = [], []
    for theme, scores in ev.theme_scores.items():
        cols = members.get(theme, [])
        if not cols:
            continue
        known = ev.mask[:, cols].any(axis=1)
        p.append(scores[known])
        y.append((ev.truth[:, cols] * ev.mask[:, cols]).any(axis=1)[known].astype(float))
    return expected_calibration_error(np.concatenate(p), np.concatenate(y)) if p else None


def shown_table(ev: Evaluation, theme_of: dict[str, str]) -> str:
    """What a coder would be shown, by score threshold, beside a threshold on rank."""
    rows = shown_rows(ev, theme_of, [0.1, 0.2, 0.3, 0.5])
    first = shown_at(ev, theme_of, 0.0, themes=False, top=1)
    rows.append(
        [
            "the first code, whatever its score",
            "rank 1",
            f"{first.with_suggestion} of {first.segments}",
            f"{first.coded_with_suggestion} of {first.coded}",
            str(first.shown),
            f"{first.right} ({first.precision:.0%})",
        ]
    )
    ece = theme_ece(ev, theme_of)
    note = (
        f"\n\nCalibration error of the {len(ev.theme_scores)} themes' own scores: {ece:.4f}."
        if ece is not None
        else "\n\nNo theme scores: the codebook is flat."
    )
    return markdown_table(SHOWN_HEAD, rows) + note


def run(study: str, folds: int, folder: Path) -> str:
    started = time.perf_counter()
    db = rebuild(study, folder)
    built = time.perf_counter() - started
    examples, codes, theme_of = load(db)
    started = time.perf_counter()
    ev = cross_validate(
        examples, codes, k=folds, themes=theme_of, progress=lambda m: print(f"  {study}: {m}", file=sys.stderr)
    )
    seconds = time.perf_counter() - started
    table, _ = level_table(ev, floors(ev, examples, folds), theme_of)
    table += "\n\n" + shown_table(ev, theme_of)
    _, label, held = STUDIES[study]
    transcripts = len({ex.transcript_id for ex in examples})
    head = (
        f"**{study}** — {label}{' — HELD ASIDE, never tuned on' if held else ''}. Rebuilt in {built:.0f} s; "
        f"{ev.folds}-fold cross-validation (whole transcripts per fold) on {ev.segments} segments of "
        f"{transcripts} transcripts ({ev.coded_segments} with a code); {seconds:.0f} s in all "
        f"(model {ev.seconds.get('model', 0):.0f} s, baseline {ev.seconds.get('baseline', 0):.0f} s)."
    )
    notes = "".join(f"\n\nnote: {n}" for n in ev.notes)
    return head + "\n\n" + table + notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", choices=sorted(STUDIES), action="append", help="default: every study")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for study in args.study or list(STUDIES):
            print(run(study, args.folds, Path(tmp)) + "\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
