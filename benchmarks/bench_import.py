"""Import speed: 10, 100 and 1,000 generated interviews, next to spaCy's tokenizer on the same text.

    python benchmarks/bench_import.py [--sizes 10 100 1000] [--repeat 3]

For each size: the interviews are written to disk, then imported into a new SQLite project the
way `qualcode import` does it (read, decode, front matter, turns, sentence splitting of long
turns, one transaction per file). The peer is `spacy.blank("en").tokenizer` over the same
transcript bodies, timed in the same run. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import write_corpus  # noqa: E402
from qualcode.ingest.sources import split_front_matter  # noqa: E402
from qualcode.ingest.transcripts import parse_file  # noqa: E402
from qualcode.project import Project  # noqa: E402


def time_import(files: list[Path], workdir: Path, run: int) -> float:
    project = Project.create(str(workdir / f"import-{len(files)}-{run}.db"), None)
    start = time.perf_counter()
    for file in files:
        project.import_transcript(parse_file(file, max_chars=project.max_segment_chars))
    elapsed = time.perf_counter() - start
    project.close()
    return elapsed


def time_tokenizer(bodies: list[str]) -> float:
    from qualcode.nlp import blank

    tokenizer = blank().tokenizer
    start = time.perf_counter()
    for body in bodies:
        tokenizer(body)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description="Time transcript import against spaCy's tokenizer.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for n in args.sizes:
            files = write_corpus(workdir / f"corpus-{n}", n, seed=n)
            bodies = []
            for f in files:
                text = f.read_text(encoding="utf-8")
                bodies.append(text[split_front_matter(text, f.name)[1] :])
            words = sum(len(b.split()) for b in bodies)
            time_tokenizer(bodies[:5])  # load spaCy before timing either side
            imports = [time_import(files, workdir, run) for run in range(args.repeat)]
            tokens = [time_tokenizer(bodies) for _ in range(args.repeat)]
            imp, tok = statistics.median(imports), statistics.median(tokens)
            rows.append((n, words, imp, words / imp, tok, words / tok))
    print(
        "| interviews | words | import (s) | import words/s | spaCy tokenizer (s) | tokenizer words/s | import / tokenizer speed |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n, words, imp, imp_rate, tok, tok_rate in rows:
        print(
            f"| {n:,} | {words:,} | {imp:.2f} | {imp_rate:,.0f} | {tok:.2f} | {tok_rate:,.0f} | {imp_rate / tok_rate:.2f} |"
        )


if __name__ == "__main__":
    main()
