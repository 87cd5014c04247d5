"""Suggestions: training time, suggestions per second, and quality against a TF-IDF baseline.

    python benchmarks/bench_suggest.py            # the full run for benchmarks/README.md
    python benchmarks/bench_suggest.py --quick    # smaller corpora, a smoke test

Everything is measured in one run beside its peer: the model's training against fitting TF-IDF
plus logistic regression (scikit-learn) on the same segments, suggesting against the baseline's
predictions on the same segments, and the quality of keywords, model, both and the baseline on the
same cross-validation folds. Prints Markdown.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_project  # noqa: E402
from qualcode.project import Project  # noqa: E402
from qualcode.suggest.engine import propose  # noqa: E402
from qualcode.suggest.evaluate import agreement_as_coder, baseline_fit, baseline_predict, cross_validate  # noqa: E402
from qualcode.suggest.keywords import CodeKeywords, KeywordMatcher  # noqa: E402
from qualcode.suggest.model import LoadedModel, SegmentText, train, training_examples  # noqa: E402
from qualcode.suggest.report import OVERALL_HEAD, markdown_table, overall_rows  # noqa: E402


def examples_of(project: Project, coders):
    payload = project.training_payload(coders)
    codes = [CodeKeywords(k, n, tuple(kw), d) for k, n, kw, d in payload["codes"]]
    segments = [SegmentText(*s) for s in payload["segments"]]
    return (
        training_examples(segments, payload["codings"], coders, payload["rejected"], [c.key for c in codes]),
        codes,
        payload,
    )


def quality(project: Project, coders, label: str, folds: int) -> tuple[str, object, dict]:
    examples, codes, payload = examples_of(project, coders)
    started = time.perf_counter()
    ev = cross_validate(examples, codes, k=folds, progress=lambda m: print(f"  {label}: {m}", file=sys.stderr))
    seconds = time.perf_counter() - started
    who = " and ".join(coders) if coders else "all coders"
    head = (
        f"**{label}** — {ev.folds}-fold cross-validation (whole transcripts per fold) on {ev.segments} segments "
        f"({ev.coded_segments} with a code) coded by {who}; {len(ev.codes)} codes; F1 at score ≥ {ev.threshold}; "
        f"{seconds:.0f} s in all (model {ev.seconds.get('model', 0):.0f} s, baseline {ev.seconds.get('baseline', 0):.0f} s)."
    )
    by_coder: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for coder, _, sid, code in payload["codings"]:
        by_coder[coder][sid].add(code)
    return head + "\n\n" + markdown_table(OVERALL_HEAD, overall_rows(ev)), ev, by_coder


def kappa_table(ev, by_coder) -> str:
    try:
        result = agreement_as_coder(ev, {c: dict(v) for c, v in by_coder.items()})
    except ImportError:
        return "(the agreement module is not installed: no kappa table)"
    rows = [[a, b, "–" if k is None else f"{k:.3f}"] for (a, b), k in result["pairs"].items()]
    return markdown_table(["coder", "with", f"mean Cohen's kappa over {result['codes']} codes"], rows)


def speed(tmp: Path, coded_target: int, suggest_target: int) -> str:
    # A corpus where alice has coded about ``coded_target`` answer segments.
    n_train = max(4, round(coded_target / 26))
    project = build_project(str(tmp / "train.db"), n_train, coders=("alice",), seed=3)
    examples, codes, _ = examples_of(project, ["alice"])
    examples = examples[:coded_target]
    started = time.perf_counter()
    model = train(examples, codes)
    train_s = time.perf_counter() - started
    labels = model.labels
    started = time.perf_counter()
    fitted = baseline_fit(examples, labels)
    base_train_s = time.perf_counter() - started
    project.close()

    n_more = max(4, round(suggest_target / 26) + 2)
    big = build_project(str(tmp / "suggest.db"), n_more, coders=(), seed=4)  # new interviews, nobody coded yet
    segments = [
        SegmentText(s.id, s.transcript_id, s.text, s.speaker)
        for t in big.list_transcripts()
        for s in big.segments(t.id)
    ]
    answers = [s for s in segments if not s.interviewer][:suggest_target]
    words = sum(len(s.text.split()) for s in answers)
    loaded = LoadedModel(model.data, model.meta(), "bench")
    matcher = KeywordMatcher(codes)
    started, cpu = time.perf_counter(), time.process_time()
    proposals = propose(answers, codes, loaded, matcher=matcher)
    both_s, both_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    propose(answers, codes, None, matcher=KeywordMatcher(codes))
    kw_s, kw_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    baseline_predict(fitted, [s.text for s in answers])
    base_s, base_cpu = time.perf_counter() - started, time.process_time() - cpu
    # End to end: `qualcode suggest` in a new process on the same project, with this model active.
    trained_on = {"coders": ["alice"], "codings": len(examples)}
    big.store_model({"data": model.data, "meta": model.meta(), "trained_on": trained_on, "kind": "linear"})
    big.close()
    cli = {}
    for label, extra in (("model", []), ("keywords", ["--keywords-only"])):
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        started, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [sys.executable, "-m", "qualcode", "--db", str(tmp / "suggest.db"), "suggest", "--no-train", *extra],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime  # user + sys
        cli[label] = (time.perf_counter() - started, done.stdout.strip().splitlines()[-2:], cpu_s)
    rows = [
        [
            f"training on {len(examples):,} coded segments ({len(labels)} codes)",
            f"{train_s:.1f} s (two fits: calibration and final)",
            f"{base_train_s:.1f} s",
            f"{train_s / base_train_s:.1f}× slower",
        ],
        [
            f"suggesting for {len(answers):,} segments ({words:,} words), keywords + model",
            f"{len(answers) / both_s:,.0f} segments/s ({both_s:.1f} s, {both_cpu:.1f} s CPU; {len(proposals):,} "
            f"suggestions, {sum(p.source != 'keywords' for p in proposals):,} with the model's score)",
            f"{len(answers) / base_s:,.0f} segments/s ({base_s:.1f} s, {base_cpu:.1f} s CPU; scores only, no reasons)",
            f"{both_cpu / base_cpu:.1f}× the CPU",
        ],
        [
            "suggesting for the same, keywords only",
            f"{len(answers) / kw_s:,.0f} segments/s ({kw_s:.1f} s, {kw_cpu:.1f} s CPU)",
            "",
            "",
        ],
        [
            "`qualcode suggest --no-train` end to end (a new process: start, read, suggest, store)",
            f"{cli['model'][0]:.1f} s, {cli['model'][2]:.1f} s CPU: " + " / ".join(cli["model"][1]),
            "",
            f"keywords only: {cli['keywords'][0]:.1f} s, {cli['keywords'][2]:.1f} s CPU; "
            f"end to end {cli['model'][2] / base_cpu:.1f}× the baseline's CPU in-process",
        ],
    ]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    head = f"Load average (1, 5, 15 min) at the end: {load}; CPU is user + sys.\n\n"
    return head + markdown_table(["task", "qualcode (default model)", "TF-IDF + logistic regression", "ratio"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=["all", "speed", "quality"], default="all")
    args = parser.parse_args()
    from qualcode.samples import build_demo

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print("## Suggestions\n")
        if args.part in ("all", "speed"):
            print("### Speed\n")
            print(speed(tmp, 300 if args.quick else 2000, 1000 if args.quick else 10000))
            print()
        if args.part == "speed":
            return
        print("### Quality\n")
        for study in ("rln", "pess"):
            demo = build_demo(tmp / study, study)
            with Project.open(str(demo.path)) as p:
                table, ev, by_coder = quality(p, None, f"Demo project ({study})", 5)
                print(table + "\n")
                print(
                    f"The suggester as one more coder ({study} demo, out-of-fold, keywords + model at ≥ {ev.threshold}):\n"
                )
                print(kappa_table(ev, by_coder) + "\n")
        n = 12 if args.quick else 77
        gen = build_project(str(tmp / "gen.db"), n, seed=1)
        table, ev, by_coder = quality(
            gen, ["alice"], f"Generated corpus ({n} interviews, coder alice)", 3 if args.quick else 5
        )
        print(table + "\n")
        print(kappa_table(ev, by_coder) + "\n")
        gen.close()


if __name__ == "__main__":
    main()
