"""qualcode next to ``qc`` (qualitative-coding 1.7.8) on the same generated study, as commands.

    pip install qualitative-coding==1.7.8      # the peer; not a qualcode dependency
    python benchmarks/bench_qc.py [--sizes 100,1000] [--repeat 5]

For each size the same interviews (``corpus.generate_interviews``) and the same codings (those of
``corpus.build_project``; each coded turn is one coded line in qc, whose unit is the line) go
into a qualcode project and a qc project. Then, as the commands a researcher types, each in its
own process: import of the transcripts (``qualcode import`` / ``qc corpus import``), per-document
counts (``qualcode export themes --by participant`` / ``qc codes stats --by-document``),
co-occurrence (``qualcode cooccur`` / ``qc codes crosstab``), one theme's passages as JSON
(``qualcode retrieve THEME`` / ``qc codes find THEME -r --json``), and a code of fixed size (20
coded turns in 20 interviews, whatever the size of the study), which shows whether reading one
code costs more in a bigger study. Runs interleave the two tools; the table gives the median wall
time, the median peak RSS and the median CPU time (user + system) of the command's process
(``/usr/bin/time``), and qualcode / qc.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_project, default_codebook, generate_interviews  # noqa: E402

BIN = Path(sys.executable).parent
THEME = "prioritisation"
FIXED = "fixed_size"


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds: user + system) of one command in its own
    process. The peak and the CPU come from ``/usr/bin/time``: a child forked from this (large)
    process would count its pages as well. On a shared machine the CPU time is the steadier."""
    with tempfile.NamedTemporaryFile(suffix=".rss") as rss:
        start = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M %U %S", "-o", rss.name, *argv],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
        peak, user, system = Path(rss.name).read_text().split()[-3:]
        return elapsed, int(peak) / 1024, float(user) + float(system)


def setup(workdir: Path, n: int) -> dict[str, Path]:
    """Transcript files, a coded qualcode project and the same codings in a qc project."""
    from qualcode.ingest.sources import split_front_matter

    doc = default_codebook()
    files = workdir / "files"
    files.mkdir()
    interviews = generate_interviews(n, doc, 0)
    body_start = {}
    for iv in interviews:
        (files / f"{iv.name}.txt").write_text(iv.text, encoding="utf-8")
        body_start[iv.name] = (split_front_matter(iv.text, iv.name)[1], iv.text)
    db = workdir / "qualcode.db"
    project = build_project(str(db), n, doc=doc)
    project.add_code("A code of fixed size", key=FIXED)
    data = project.export_data(texts=False, memos=False, details=False)
    names = {t.id: t.name for t in data.transcripts}
    first_answer: dict[int, int] = {}
    for s in data.segments:
        if not s.interviewer and s.transcript_id not in first_answer:
            first_answer[s.transcript_id] = s.id
    fixed = [("alice", FIXED, sid, None, None) for _, sid in sorted(first_answer.items())[:20]]
    project.add_codings(fixed)
    data = project.export_data(texts=False, memos=False, details=False)
    project.close()

    # The qc project: the same files, the codebook as qc's tree, every coded turn as a coded line.
    qc_dir = workdir / "qc"
    qc_dir.mkdir()
    subprocess.run([str(BIN / "qc"), "init"], cwd=qc_dir, check=True, stdout=subprocess.DEVNULL)
    tree = [{c.id: [k.id for k in c.children]} if c.children else c.id for c in doc.codes] + [FIXED]
    import yaml

    (qc_dir / "codebook.yaml").write_text(yaml.safe_dump(tree), encoding="utf-8")
    subprocess.run(
        [str(BIN / "qc"), "corpus", "import", "-r", "-i", "verbatim", str(files)],
        cwd=qc_dir,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    segs = {s.id: s for s in data.segments}
    lines: set[tuple[str, str, str, int]] = set()
    for c in data.codings:
        name = names[c.transcript_id]
        offset, text = body_start[name]
        line = text.count("\n", 0, offset + segs[c.segment_id].start)
        lines.add((f"{name}.txt", c.coder, c.code_key, line))
    _write_qc_codings(qc_dir, lines)
    return {"files": files, "db": db, "qc": qc_dir}


def _write_qc_codings(qc_dir: Path, lines: set[tuple[str, str, str, int]]) -> None:
    from qualitative_coding.corpus import QCCorpus
    from qualitative_coding.database.models import CodedLine, Document, DocumentIndex, Location
    from sqlalchemy import select

    cwd = Path.cwd()
    os.chdir(qc_dir)
    try:
        corpus = QCCorpus("settings.yaml")
        with corpus.session():
            s = corpus.get_session()
            for coder in {c for _, c, _, _ in lines}:
                corpus.get_or_create_coder(coder)
            for code in {k for _, _, k, _ in lines}:
                corpus.get_or_create_code(code)
            paragraphs: dict[str, list[Location]] = {}
            for doc_path, loc in s.execute(
                select(Document.file_path, Location).join(Location.document_index).join(DocumentIndex.document)
            ):
                paragraphs.setdefault(doc_path, []).append(loc)
            for doc_path, coder, code, line in sorted(lines):
                cl = CodedLine(line=line, code_id=code, coder_id=coder)
                cl.locations.append(next(p for p in paragraphs[doc_path] if p.start_line <= line < p.end_line))
                s.add(cl)
            s.commit()
    finally:
        os.chdir(cwd)


def commands(paths: dict[str, Path], workdir: Path) -> dict[str, tuple[list[str], list[str]]]:
    """qualcode's arguments (after ``qualcode --db DB``) and qc's command, per work."""
    qc = [str(BIN / "qc")]
    return {
        f"one theme's passages (`retrieve {THEME}` JSON / `codes find -r --json`)": (
            ["retrieve", THEME, "--format", "json"],
            [*qc, "codes", "find", THEME, "-r", "--json"],
        ),
        "a code of fixed size: 20 passages (`retrieve` / `codes find`)": (
            ["retrieve", FIXED, "--format", "json"],
            [*qc, "codes", "find", FIXED, "--json"],
        ),
        "co-occurrence (`cooccur` / `codes crosstab`)": (["cooccur", "--format", "json"], [*qc, "codes", "crosstab"]),
        "per-document counts": (
            ["export", "themes", "--by", "participant", "--format", "csv", "-o", str(workdir / "t.csv")],
            [*qc, "codes", "stats", "--by-document"],
        ),
    }


def measure(n: int, repeat: int, trees: dict[str, dict[str, str]], skip: set[str], slow_repeat: int) -> None:
    """Print one table row per work as soon as it is measured: each tree's qualcode and qc, interleaved."""
    env = next(iter(trees.values()))
    with tempfile.TemporaryDirectory(prefix="qc-bench-") as tmp:
        workdir = Path(tmp)
        paths = setup(workdir, n)
        q = str(BIN / "qualcode")
        if "import" not in skip:  # a new project each run
            times: dict[str, list[tuple[float, float, float]]] = {k: [] for k in [*trees, "qc"]}
            for i in range(repeat):
                for label, tree_env in trees.items():
                    new_db = workdir / f"import-{i}-{label}.db"
                    rln = str(ROOT / "codebooks" / "rln.yaml")
                    subprocess.run([q, "init", str(new_db), "--codebook", rln], check=True, env=tree_env)
                    times[label].append(run([q, "--db", str(new_db), "import", str(paths["files"])], workdir, tree_env))
                    new_db.unlink()
                qc_dir = workdir / f"qc-import-{i}"
                qc_dir.mkdir()
                subprocess.run([str(BIN / "qc"), "init"], cwd=qc_dir, check=True, stdout=subprocess.DEVNULL)
                qc_import = [str(BIN / "qc"), "corpus", "import", "-r", "-i", "verbatim", str(paths["files"])]
                times["qc"].append(run(qc_import, qc_dir, env))
            _row("import transcripts", n, times)
        for label, (ours, theirs) in commands(paths, workdir).items():
            if any(label.startswith(w) for w in skip):
                continue
            times = {k: [] for k in [*trees, "qc"]}
            slow = label.startswith(("co-occurrence", "per-document"))
            for _ in range(slow_repeat if slow else repeat):
                for tree, tree_env in trees.items():
                    times[tree].append(run([q, "--db", str(paths["db"]), *ours], workdir, tree_env))
                times["qc"].append(run(theirs, paths["qc"], env))
            _row(label, n, times)


def _row(label: str, n: int, times: dict[str, list[tuple[float, float, float]]]) -> None:
    qc_t, qc_m, qc_c = _medians(times["qc"])
    cells = []
    for tree, runs in times.items():
        if tree != "qc":
            t, m, c = _medians(runs)
            cells.append(
                f"{tree}: {t:.2f} s, {m:.0f} MB, {t / qc_t:.3f} / {m / qc_m:.2f}; CPU {c:.2f} s, {c / qc_c:.3f}"
            )
    print(f"| {label} | {n:,} | {' · '.join(cells)} | {qc_t:.2f} s, {qc_m:.0f} MB; CPU {qc_c:.2f} s |", flush=True)


def _medians(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return (
        statistics.median(t for t, _, _ in runs),
        statistics.median(m for _, m, _ in runs),
        statistics.median(c for _, _, c in runs),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--skip", default="", help="works to leave out, by the start of their label (import,per-document)"
    )
    parser.add_argument(
        "--slow-repeat", type=int, default=3, help="runs of counts and co-occurrence (qc takes minutes)"
    )
    parser.add_argument(
        "--trees",
        default=f"qualcode={ROOT}",
        help="LABEL=DIR,…: qualcode source trees timed side by side (e.g. before=/tmp/main,after=.)",
    )
    args = parser.parse_args()
    trees = {}
    for item in args.trees.split(","):
        label, _, path = item.partition("=")
        env = dict(os.environ)
        env["PYTHONPATH"] = str(Path(path).resolve())
        trees[label] = env
    print(
        "| work | interviews | qualcode: time, peak RSS, time / qc, memory / qc; CPU (user + sys), CPU / qc"
        " | qc: time, peak RSS; CPU |"
    )
    print("|---|---:|---|---|", flush=True)
    for n in (int(x) for x in args.sizes.split(",")):
        measure(n, args.repeat, trees, {w for w in args.skip.split(",") if w}, args.slow_repeat)


if __name__ == "__main__":
    main()
