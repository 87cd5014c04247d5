"""Replacing a coded transcript's text, next to importing the same text as a new transcript.

    python benchmarks/bench_replace.py [--sizes 0.4 3 10] [--codings 400]

For each size, one long interview of generated turns (``corpus.py``) is imported into a new
SQLite project and coded (word runs inside answers, two coders). Three new versions of it are
then put in, each into a fresh copy of that project, the way ``qualcode transcripts replace``
does it (``parse_file``, then ``Project.replace_transcript``: align, move codings and memos,
write, one event holding the state before and after for undo):

- ``crlf``: the same text with CRLF line ends (every line differs from the old one);
- ``swapped``: every tenth question-and-answer pair swapped with the next;
- ``edits``: one word in a thousand changed.

The peer, in the same run, is importing that same new text as a new transcript into an empty
project (``parse_file``, then ``Project.import_transcript``). The alignment alone (``align`` and
``map_spans`` over every coding) is timed too. Codings kept / changed / lost come from replace's
report. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import default_codebook, generate_interviews  # noqa: E402
from qualcode.ingest.align import align, map_spans  # noqa: E402
from qualcode.ingest.transcripts import parse_file  # noqa: E402
from qualcode.project import Project  # noqa: E402

MAX_BYTES = 64 * 1024 * 1024  # above the 10 MB default, as `--max-size` allows


def long_interview(megabytes: float, seed: int = 0) -> str:
    """Generated interviews' turns, one after another, until the text has the size asked for."""
    n = int(megabytes * 1e6 / 6000) + 4
    while True:
        bodies = [i.text.split("---\n", 2)[2] for i in generate_interviews(n, default_codebook(), seed)]
        if sum(len(b) for b in bodies) >= megabytes * 1e6:
            break
        n *= 2
    parts, size = [], 0
    for body in bodies:
        parts.append(body)
        size += len(body)
        if size >= megabytes * 1e6:
            break
    return "\n".join(parts)


def versions(text: str, seed: int = 1) -> dict[str, str]:
    rng = random.Random(seed)
    turns = text.rstrip("\n").split("\n\n")
    pairs = [turns[k : k + 2] for k in range(0, len(turns), 2)]
    for k in range(0, len(pairs) - 1, 10):
        pairs[k], pairs[k + 1] = pairs[k + 1], pairs[k]
    words = text.split(" ")
    for k in rng.sample(range(len(words)), len(words) // 1000):
        words[k] = words[k][::-1] + "e"
    return {
        "crlf": text.replace("\n", "\r\n"),
        "swapped": "\n\n".join(t for pair in pairs for t in pair) + "\n",
        "edits": " ".join(words),
    }


def code(project: Project, name: str, n: int, seed: int = 2) -> None:
    """``n`` codings on runs of 2 to 6 words inside answers, by two coders."""
    rng = random.Random(seed)
    info = project.transcript(name)
    body = project.transcript_text(info.id)
    answers = [s for s in project.segments(info.id) if s.speaker != "Interviewer" and s.end - s.start > 60]
    keys = [c.key for c in project.codes() if c.parent_key is not None]
    rows = []
    for seg in rng.sample(answers, min(n, len(answers))):
        words = [(seg.start + m, seg.start + m + len(w)) for m, w in _words(body[seg.start : seg.end])]
        i = rng.randrange(len(words) - 1)
        j = min(len(words) - 1, i + rng.randint(1, 5))
        rows.append((rng.choice(("alice", "bob")), rng.choice(keys), seg.id, words[i][0], words[j][1]))
    project.add_codings(rows, origin="manual")


def _words(text: str) -> list[tuple[int, str]]:
    out, at = [], 0
    for w in text.split(" "):
        if w.strip():
            out.append((at, w.strip()))
        at += len(w) + 1
    return out


def bench(sizes: list[float], n_codings: int, workdir: Path) -> None:
    print(
        "| text (MB) | new version | codings kept / changed / lost | align + map_spans (s) | replace (s) "
        "| peer: import as new (s) | replace / import |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|")
    for megabytes in sizes:
        text = long_interview(megabytes)
        old_file = workdir / "interview.txt"
        old_file.write_text(text, encoding="utf-8", newline="")
        coded = workdir / "coded.db"
        coded.unlink(missing_ok=True)
        with Project.create(str(coded), default_codebook()) as project:
            project.add_coder("alice")
            project.add_coder("bob")
            project.import_transcript(parse_file(old_file, max_bytes=MAX_BYTES), name="interview")
            code(project, "interview", n_codings)
            info = project.transcript("interview")
            old = project.transcript_text(info.id)
            spans = [(c.start, c.end) for c in project.list_codings(info.id)]
        for label, new_text in versions(text).items():
            new_file = workdir / f"{label}.txt"
            new_file.write_bytes(new_text.encode("utf-8"))
            new = parse_file(new_file, max_bytes=MAX_BYTES).text
            start = time.perf_counter()
            map_spans(old, new, spans, align(old, new))
            t_align = time.perf_counter() - start
            copy = workdir / f"{label}.db"
            shutil.copy(coded, copy)
            with Project.open(str(copy)) as project:
                start = time.perf_counter()
                report = project.replace_transcript("interview", parse_file(new_file, max_bytes=MAX_BYTES), "alice")
                t_replace = time.perf_counter() - start
            peer = workdir / f"{label}-peer.db"
            peer.unlink(missing_ok=True)
            with Project.create(str(peer), default_codebook()) as project:
                start = time.perf_counter()
                project.import_transcript(parse_file(new_file, max_bytes=MAX_BYTES), name="interview")
                t_import = time.perf_counter() - start
            for path in (copy, peer):
                for extra in path.parent.glob(path.name + "*"):
                    extra.unlink()
            counts = f"{len(report.kept)} / {len(report.changed)} / {len(report.lost)}"
            print(
                f"| {len(new_text.encode()) / 1e6:.1f} | {label} | {counts} | {t_align:.2f} | {t_replace:.2f} "
                f"| {t_import:.2f} | {t_replace / t_import:.2f} |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.4, 3, 10], help="old text sizes in MB")
    parser.add_argument("--codings", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench(args.sizes, args.codings, Path(tmp))


if __name__ == "__main__":
    main()
