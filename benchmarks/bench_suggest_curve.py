"""Suggestions as a study is coded: the learning curve and the cold start (issue 20 items 4 and 5).

    python benchmarks/fetch_peer_files.py           # once
    python benchmarks/bench_suggest_curve.py        # Markdown for benchmarks/README.md

Each real study is replayed in the order it was coded: SERDIF in the order of its Taguette log
(each document's first ``highlight_add`` command), Mannheimer, whose QualCoder project has no
log, transcript by transcript in name order. After 0, 2, 5 and 10 transcripts coded, every
system learns from those transcripts only and suggests for the next three; precision@1 and
recall@3 are averaged over their coded segments. Beside the default engine: the codebook alone
(the words of each code's name and definition, as ``--definitions`` matches them), a blend of
the two weighted by how many codings each code has (``cold_blend``), the TF-IDF + logistic
regression baseline, and the frequency and random floors.

SERDIF stays held aside: nothing here was tuned on it; its rows are reported as measured.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_suggest_real import REAL, load, rebuild  # noqa: E402
from qualcode.project import Project  # noqa: E402
from qualcode.suggest.evaluate import baseline_scores, ranking_scores  # noqa: E402
from qualcode.suggest.keywords import KeywordMatcher  # noqa: E402
from qualcode.suggest.model import (  # noqa: E402
    MIN_POSITIVES,
    LoadedModel,
    _known,
    keyword_features,
    label_counts,
    train,
)
from qualcode.suggest.report import markdown_table  # noqa: E402

STEPS = (0, 2, 5, 10)
NEXT = 3
PRIOR = 3.0  # the codebook's words weigh as much as this many codings of the code


def cold_blend(model_p: np.ndarray, definition: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per code: the codebook's evidence weighted PRIOR / (PRIOR + codings of the code), the
    model's the rest; a code with no codings is scored by its definition alone."""
    w = PRIOR / (PRIOR + counts)
    out: np.ndarray = w * definition + (1 - w) * model_p
    return out


def coding_order(study: str, db: Path) -> list[int]:
    """Transcript ids in the order they were coded."""
    with Project.open(str(db)) as project:
        by_name = {t.name: t.id for t in project.list_transcripts()}
    if study != "serdif":
        return [by_name[n] for n in sorted(by_name)]
    con = sqlite3.connect(REAL / "SERDIF_P2_ThematicAnalysis.sqlite3")
    names = dict(con.execute("SELECT id, name FROM documents"))
    first: dict[int, int] = {}
    for cid, doc, payload in con.execute("SELECT id, document_id, payload FROM commands ORDER BY id"):
        if json.loads(payload).get("type") == "highlight_add" and doc in names and doc not in first:
            first[doc] = cid
    order = [by_name[names[d]] for d in sorted(first, key=first.__getitem__) if names[d] in by_name]
    return order + [t for t in by_name.values() if t not in order]


def curve(study: str, folder: Path) -> str:
    db = rebuild(study, folder)
    examples, codes, _ = load(db)
    order = [t for t in coding_order(study, db) if any(ex.transcript_id == t for ex in examples)]
    matcher = KeywordMatcher(codes, use_definitions=True)
    eval_codes = sorted(c for c, n in label_counts(examples).items() if n > 0)
    index = {c: j for j, c in enumerate(eval_codes)}
    definition_all = keyword_features(matcher, [ex.text for ex in examples], eval_codes)[..., 1]
    rows = []
    rng = np.random.default_rng(0)
    for k in STEPS:
        seen, test = set(order[:k]), set(order[k : k + NEXT])
        train_idx = [i for i, ex in enumerate(examples) if ex.transcript_id in seen]
        test_idx = [i for i, ex in enumerate(examples) if ex.transcript_id in test]
        train_ex, test_ex = [examples[i] for i in train_idx], [examples[i] for i in test_idx]
        y, mask = _known(test_ex, eval_codes)
        counts_d = label_counts(train_ex)
        counts = np.array([counts_d.get(c, 0) for c in eval_codes], dtype=float)
        scores: dict[str, np.ndarray | None] = {
            "definitions": definition_all[test_idx],
            "random": rng.random(y.shape) + 1e-9,
            "frequency": np.tile(counts / max(len(train_ex), 1) + 1e-9, (len(test_ex), 1)) if train_ex else None,
        }
        model_p = None
        try:
            trained = train(train_ex, codes)
            loaded = LoadedModel(trained.data, trained.meta())
            raw = loaded.raw([ex.text for ex in test_ex])
            kw = np.zeros((len(test_ex), len(loaded.labels), 3))
            combined = loaded.combined(raw, kw)
            model_p = np.zeros(y.shape)
            for j, code in enumerate(loaded.labels):
                if code in index:
                    model_p[:, index[code]] = combined[:, j]
        except ValueError:
            pass
        scores["model"] = model_p
        scores["blend"] = cold_blend(
            model_p if model_p is not None else np.zeros(y.shape), scores["definitions"], counts
        )
        try:
            labels = sorted(c for c, n in counts_d.items() if n >= MIN_POSITIVES and c in index)
            base = baseline_scores(train_ex, test_ex, labels) if len(labels) >= 1 else None
            if base is not None:
                full = np.zeros(y.shape)
                for j, code in enumerate(labels):
                    full[:, index[code]] = base[:, j]
                scores["baseline"] = full
            else:
                scores["baseline"] = None
        except ValueError:
            scores["baseline"] = None
        coded = int(((y == 1) & mask).any(axis=1).sum())
        row = [str(k), f"{len(train_ex)} / {int(sum(counts))}", str(coded)]
        for system in ("model", "blend", "definitions", "baseline", "frequency", "random"):
            s = scores[system]
            if s is None:
                row.append("–")
                continue
            p1, r3 = ranking_scores(s, y, mask)
            row.append(f"{p1:.3f} / {r3:.3f}")
        rows.append(row)
    head = [
        "transcripts coded",
        "segments / codings learned from",
        f"coded segments in the next {NEXT}",
        "keywords + model (default)",
        f"blend (codebook weighted {PRIOR:g}/({PRIOR:g}+codings))",
        "codebook words alone",
        "TF-IDF + LR baseline",
        "frequency",
        "random",
    ]
    return f"**{study}** (precision@1 / recall@3 on the next {NEXT} transcripts)\n\n" + markdown_table(head, rows)


def learning_speed(study: str, folder: Path, decisions: int = 20) -> str:
    """Seconds from a decided suggestion to the model having learned it
    (``learn_from_decision``: read, update one code, store), beside a full retrain, same run."""
    import time

    from qualcode.suggest.engine import suggest_payload
    from qualcode.suggest.model import train_payload

    db = rebuild(study, folder)
    with Project.open(str(db)) as project:
        coder = project.coders()[0].name
        started = time.perf_counter()
        project.store_model(train_payload(project.training_payload()))
        retrain = time.perf_counter() - started
        payload, ids = project.suggestion_payload(min_score=0.0)
        project.store_suggestions(suggest_payload(payload), ids)
        modelled = set(project.active_model()[2]["labels"])
        open_ = [s for s in project.list_suggestions() if s.code_key in modelled][:decisions]
        times = []
        for i, sug in enumerate(open_):
            (project.accept_suggestion if i % 2 else project.reject_suggestion)(sug.id, coder)
            started = time.perf_counter()
            assert project.suggestions.learn_from_decision(sug.id)
            times.append(time.perf_counter() - started)
    head = ["study", "decisions", "learning one decision: median / slowest", "full retrain (peer)"]
    row = [study, str(len(times)), f"{np.median(times):.3f} s / {max(times):.3f} s", f"{retrain:.1f} s"]
    return markdown_table(head, [row])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", choices=["mannheimer", "serdif"], action="append")
    parser.add_argument("--learn", action="store_true", help="time learning from one decision instead")
    args = parser.parse_args()
    if args.learn:
        with tempfile.TemporaryDirectory() as tmp:
            for study in args.study or ["mannheimer"]:
                print(learning_speed(study, Path(tmp)) + "\n", flush=True)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for study in args.study or ["mannheimer", "serdif"]:
            print(curve(study, Path(tmp)) + "\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
