"""Work that must not grow with the project: many turns, many codings files, replacing a transcript.

    python benchmarks/bench_scaling.py [--turns 20000 40000 80000 300000] [--files 1000] [--big 50]

1. ``Project.import_transcript`` of a transcript of N short turns (segments, full-text index, one
   transaction) into a new SQLite project, next to ``parse_file`` of the same file (its floor).
   Linear time shows as a constant time per turn.
2. Codings CSVs (``Project.import_codings``, as ``qualcode import`` does): N per-interview files
   into a project of N generated interviews, next to the same rows in one file; and 50 files into
   a project that already holds the codings of all the other interviews, next to the same 50 files
   into the same project without codings.
3. ``Project.replace_transcript`` on a 1,000-segment transcript with two coders' codings and 20
   scattered corrections (plus its dry run and its undo), next to importing the corrected file as
   a new transcript.
Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_robust import short_turns  # noqa: E402
from benchmarks.corpus import write_corpus  # noqa: E402
from qualcode.ingest.transcripts import parse_file  # noqa: E402
from qualcode.project import Project  # noqa: E402


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# ---------------------------------------------------------------------- 1. many turns


def bench_turns(sizes: list[int], workdir: Path) -> None:
    print("| turns | file (MB) | import_transcript (s) | µs per turn | peer: parse_file (s) | import / parse |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        path = workdir / f"turns-{n}.txt"
        path.write_text(short_turns(n), encoding="utf-8")
        parse = timed(lambda path=path: parse_file(path))
        with Project.create(str(workdir / f"turns-{n}.db")) as project:
            elapsed = timed(lambda project=project, path=path: project.import_transcript(parse_file(path)))
            assert project.summary().n_segments == n
        print(
            f"| {n:,} | {path.stat().st_size / 1e6:.1f} | {elapsed:.2f} | {elapsed / n * 1e6:.0f} "
            f"| {parse:.2f} | {elapsed / parse:.1f} |",
            flush=True,
        )


# ---------------------------------------------------------------------- 2. codings files


def _concatenate(files: list[Path], target: Path) -> int:
    rows = 0
    with open(target, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        for i, file in enumerate(files):
            with open(file, newline="", encoding="utf-8") as fh:
                reader = csv.reader(fh)
                header = next(reader)
                if i == 0:
                    writer.writerow(header)
                for row in reader:
                    writer.writerow(row)
                    rows += 1
    return rows


def _import_all(db: Path, files: list[Path]) -> tuple[float, int]:
    with Project.open(str(db)) as project:
        added = 0
        start = time.perf_counter()
        for file in files:
            added += project.import_codings(file).added
        return time.perf_counter() - start, added


def bench_codings(n_files: int, n_small: int, workdir: Path) -> None:
    corpus = workdir / "corpus"
    transcripts = write_corpus(corpus, n_files, seed=3)
    files = sorted((corpus / "codings").glob("*.csv"))
    base = workdir / "base.db"
    with Project.create(str(base)) as project:
        from benchmarks.corpus import default_codebook

        project.update_codebook(default_codebook())
        for coder in ("alice", "bob"):
            project.add_coder(coder)
        for path in transcripts:
            project.import_transcript(parse_file(path))

    def copy(name: str) -> Path:
        target = workdir / name
        shutil.copy(base, target)
        return target

    one = workdir / "all.csv"
    n_rows = _concatenate(files, one)
    per_file, added_files = _import_all(copy("files.db"), files)
    in_one, added_one = _import_all(copy("one.db"), [one])
    assert added_files == added_one, (added_files, added_one)
    print("| codings files | rows | into | time (s) | ms per file | files / one file |")
    print("|---:|---:|---|---:|---:|---:|")
    print(
        f"| {len(files):,} | {n_rows:,} | {n_files:,} interviews, no codings | {per_file:.1f} "
        f"| {per_file / len(files) * 1000:.0f} | {per_file / in_one:.2f} |"
    )
    print(f"| 1 | {n_rows:,} | the same | {in_one:.1f} | | |")

    small, rest = files[:n_small], files[n_small:]
    others = workdir / "others.csv"
    _concatenate(rest, others)
    big = copy("big.db")
    _, existing = _import_all(big, [others])
    into_big, _ = _import_all(big, small)
    into_empty, _ = _import_all(copy("empty.db"), small)
    print()
    print("| files | into a project holding | time (s) | ms per file | ratio |")
    print("|---:|---|---:|---:|---:|")
    print(
        f"| {len(small)} | {existing:,} codings | {into_big:.2f} | {into_big / len(small) * 1000:.0f} "
        f"| {into_big / into_empty:.2f} |"
    )
    print(f"| {len(small)} | no codings | {into_empty:.2f} | {into_empty / len(small) * 1000:.0f} | 1 |", flush=True)


# ---------------------------------------------------------------------- 3. replace


WORDS = [
    "we",
    "put",
    "it",
    "in",
    "the",
    "plan",
    "and",
    "paid",
    "for",
    "cover",
    "so",
    "staff",
    "had",
    "time",
    "to",
    "go",
    "to",
    "the",
    "network",
    "meetings",
]


def long_interview(turns: int, rng: random.Random) -> str:
    lines = ["---", "participant: Teacher R", "---"]
    for i in range(turns):
        speaker = "Interviewer" if i % 2 == 0 else "Teacher"
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40)))
        lines.append(f"{speaker}: {words} (turn {i}).\n")
    return "\n".join(lines)


def corrected(text: str, edits: int, rng: random.Random) -> str:
    for _ in range(edits):
        at = rng.randrange(200, len(text) - 200)
        at = text.index(" ", at)
        kind = rng.choice(["insert", "delete", "replace"])
        if kind == "insert":
            text = text[:at] + " [inaudible]" + text[at:]
        elif kind == "delete":
            end = text.index(" ", at + 1)
            text = text[:at] + text[end:]
        else:
            end = text.index(" ", at + 1)
            text = text[:at] + " Smyth" + text[end:]
    return text


def bench_replace(workdir: Path, turns: int = 1000, edits: int = 20) -> None:
    rng = random.Random(4)
    old = workdir / "long.txt"
    old.write_text(long_interview(turns, rng), encoding="utf-8")
    new = workdir / "long-v2.txt"
    new.write_text(corrected(old.read_text(encoding="utf-8"), edits, rng), encoding="utf-8")
    with Project.create(str(workdir / "replace.db")) as project:
        from benchmarks.corpus import default_codebook

        project.update_codebook(default_codebook())
        keys = [c.key for c in project.codes()]
        for coder in ("alice", "bob"):
            project.add_coder(coder)
        project.import_transcript(parse_file(old))
        info = project.transcript("long")
        rows = [
            (coder, rng.choice(keys), seg.id, None, None)
            for seg in project.segments(info.id)
            for coder in ("alice", "bob")
            if seg.speaker == "Teacher"
        ]
        project.add_codings(rows)
        n_codings = len(project.list_codings(info.id))
        parsed = parse_file(new)
        dry = timed(lambda: project.replace_transcript("long", parsed, "alice", dry_run=True))
        report = None

        def run() -> None:
            nonlocal report
            report = project.replace_transcript("long", parsed, "alice")

        replace = timed(run)
        undo = timed(lambda: project.undo("alice"))
        assert project.transcript_text(info.id) == parse_file(old).text
        fresh = timed(lambda: project.import_transcript(parse_file(new), name="long-fresh"))
    assert report is not None
    print(
        "| segments | codings | corrections | dry run (s) | replace (s) | undo (s) | peer: import as new (s) "
        "| replace / import | codings kept / changed / lost |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print(
        f"| {info.n_segments:,} | {n_codings:,} | {edits} | {dry:.2f} | {replace:.2f} | {undo:.2f} | {fresh:.2f} "
        f"| {replace / fresh:.1f} | {len(report.kept)} / {len(report.changed)} / {len(report.lost)} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Scaling: many turns, many codings files, replacing a transcript.")
    parser.add_argument("--turns", type=int, nargs="*", default=[20_000, 40_000, 80_000, 300_000])
    parser.add_argument("--files", type=int, default=1000, help="interviews, one codings file each (0: skip)")
    parser.add_argument("--small", type=int, default=50, help="files imported into the project holding the rest")
    parser.add_argument("--no-replace", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.turns:
            bench_turns(args.turns, workdir)
            print()
        if args.files:
            bench_codings(args.files, args.small, workdir)
            print()
        if not args.no_replace:
            bench_replace(workdir)


if __name__ == "__main__":
    main()
