"""Hostile-size input: parse time for transcripts of many short turns, refusal time for crafted
files, and carrying spans to a corrected transcript.

    python benchmarks/bench_robust.py [--turns 20000 40000 80000 300000] [--repeat 3]

1. ``parse_file`` (read, decode, front matter, speaker turns) on transcripts of N short turns,
   next to its floor in the same run: reading the same file and splitting it into lines. Linear
   time shows as a constant time per turn.
2. Crafted files that used to take gigabytes or minutes, each timed until its one-line refusal.
3. ``qualcode.ingest.align.map_spans`` for a 1,000-turn and a 10,000-turn transcript with 10 and
   100 scattered corrections, next to ``difflib.SequenceMatcher`` over the characters (the peer
   that only diffs, without mapping a span).
Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import difflib
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qualcode.errors import QualcodeError  # noqa: E402
from qualcode.ingest.align import map_spans  # noqa: E402
from qualcode.ingest.transcripts import parse_file  # noqa: E402

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
    "they",
    "had",
    "time",
    "to",
    "go",
    "to",
    "the",
    "network",
    "meetings",
]


def short_turns(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        speaker = "Interviewer" if i % 2 == 0 else "Teacher"
        lines.append(f"{speaker}: {' '.join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))}.")
    return "\n".join(lines) + "\n"


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_turns(sizes: list[int], repeat: int, workdir: Path) -> None:
    print(
        "| turns | file (MB) | segments | parse_file (s) | µs per turn | floor: read + splitlines (s) | parse / floor |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        path = workdir / f"turns-{n}.txt"
        path.write_text(short_turns(n), encoding="utf-8")
        segments = len(parse_file(path).segments)
        parse = best(lambda path=path: parse_file(path), repeat)
        floor = best(lambda path=path: path.read_bytes().decode("utf-8").splitlines(), repeat)
        print(
            f"| {n:,} | {path.stat().st_size / 1e6:.1f} | {segments:,} | {parse:.2f} | {parse / n * 1e6:.1f} "
            f"| {floor:.3f} | {parse / floor:.0f} |"
        )


def _qdpx(path: Path, member: bytes) -> None:
    xml = (
        '<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="p"><Sources>'
        '<TextSource guid="a0000000-0000-4000-8000-000000000001" name="a" plainTextPath="internal://a.txt"/>'
        "</Sources></Project>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("project.qde", xml)
        z.writestr("sources/a.txt", member)


def bench_refusals(workdir: Path) -> None:
    from qualcode.codebook import CodebookError, load_codebook
    from qualcode.ingest.refi_read import read_refi

    bomb = "name: x\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    (workdir / "bomb.yaml").write_text(bomb + "codes: []\n", encoding="utf-8")
    laughs = "".join("  " + line + "\n" for line in bomb.splitlines()[1:])
    (workdir / "laughs.txt").write_text(f"---\nidentifying:\n{laughs}---\nInterviewer: hi\n\nTeacher: hello\n")
    _qdpx(workdir / "expands.qdpx", b"Teacher: " + b"a" * (200 * 1024 * 1024))
    codes = "".join(f'<Code guid="{i:08d}-0000-4000-8000-000000000000" name="c{i}"/>' for i in range(1_000_000))
    (workdir / "million.qdc").write_text(
        f'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{codes}</Codes></CodeBook>'
    )
    deep = workdir / "deep.yaml"
    deep.write_text("name: x\ncodes: " + "[" * 100_000 + "]" * 100_000 + "\n")
    cases = [
        ("codebook with a YAML alias bomb", workdir / "bomb.yaml", lambda p: load_codebook(p)),
        ("billion laughs in front matter `identifying:`", workdir / "laughs.txt", lambda p: parse_file(p)),
        ("codebook nested 100,000 levels", deep, lambda p: load_codebook(p)),
        (".qdpx whose source expands to 200 MB", workdir / "expands.qdpx", lambda p: read_refi(p)),
        (".qdc with 1,000,000 codes", workdir / "million.qdc", lambda p: read_refi(p)),
    ]
    print("| crafted file | size on disk | time to the one-line refusal (s) | message |")
    print("|---|---:|---:|---|")
    for label, path, fn in cases:
        start = time.perf_counter()
        try:
            fn(path)
            message = "(accepted!)"
        except (QualcodeError, CodebookError) as exc:
            message = str(exc).replace(str(workdir) + "/", "")
        elapsed = time.perf_counter() - start
        size = path.stat().st_size
        shown = f"{size / 1e6:.1f} MB" if size > 100_000 else f"{size:,} B"
        print(f"| {label} | {shown} | {elapsed:.2f} | {message[:90]} |")


def corrected(text: str, edits: int, rng: random.Random) -> str:
    for _ in range(edits):
        at = rng.randrange(len(text) - 20)
        text = text[:at] + rng.choice(["corrected ", "", "[redacted] "]) + text[at + rng.randint(0, 12) :]
    return text


def bench_align(repeat: int) -> None:
    rng = random.Random(7)
    print(
        "| turns | characters | corrections | map_spans (s) | spans kept | peer: difflib over characters (s) | peer / map_spans |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for turns in (1_000, 10_000):
        paragraphs = []
        for i in range(turns):
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40)))
            paragraphs.append(f"{'Interviewer' if i % 2 == 0 else 'Teacher'}: {words}.")
        old = "\n\n".join(paragraphs)
        spans, at = [], 0
        for p in paragraphs:
            spans.append((at + p.index(":") + 2, at + len(p)))
            at += len(p) + 2
        for edits in (10, 100):
            new = corrected(old, edits, rng)
            ours = best(lambda old=old, new=new, spans=spans: map_spans(old, new, spans), repeat)
            kept = sum(m.status == "kept" for m in map_spans(old, new, spans))
            if turns <= 1_000:
                peer = best(lambda old=old, new=new: difflib.SequenceMatcher(None, old, new).get_opcodes(), 1)
                peer_text, ratio = f"{peer:.2f}", f"{peer / ours:.0f}"
            else:
                peer_text, ratio = "(not run: minutes)", ""
            print(
                f"| {turns:,} | {len(old):,} | {edits} | {ours:.3f} | {kept:,} / {len(spans):,} | {peer_text} | {ratio} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description="Hostile sizes: many turns, crafted files, corrected transcripts.")
    parser.add_argument("--turns", type=int, nargs="+", default=[20_000, 40_000, 80_000, 300_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bench_turns(args.turns, args.repeat, workdir)
        print()
        bench_refusals(workdir)
    print()
    bench_align(args.repeat)


if __name__ == "__main__":
    main()
