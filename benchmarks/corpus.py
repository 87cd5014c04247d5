"""Generated interview corpora for benchmarks: N interviews plus coders' codings.

The interviews are realistic in shape rather than in content: an interviewer and an
interviewee (headteacher, deputy head, teacher…) alternate; answers run from a few words to
several hundred; the vocabulary comes from the codebook (keywords, definitions, examples) and
from everyday interview speech, with hesitations and transcription marks such as [laughs].
Each answer is written around one to three "true" codes; each simulated coder applies every
true code with a probability set by ``agreement`` and adds a plausible wrong code (a sibling)
now and then, so agreement can be dialled from chance to perfect.

    python benchmarks/corpus.py --interviews 100 --out /tmp/corpus      # files on disk
    from benchmarks.corpus import build_project                          # a project, fast
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qualcode.codebook import CodebookDoc, load_codebook  # noqa: E402

ROLES = [("Headteacher", 0.3), ("Deputy head", 0.2), ("Assistant head", 0.15), ("Teacher", 0.35)]
QUESTIONS = [
    "How did your school come to take part in the network?",
    "What did you hope the school would get out of it?",
    "How did you decide who would attend the workshops?",
    "How did the network's work fit with your improvement priorities?",
    "What happened when the participants came back to school?",
    "How did you find the time for it?",
    "Can you give me an example of something that changed in classrooms?",
    "What got in the way?",
    "What support would have helped you as a leader?",
    "How do you know whether it made a difference for pupils?",
    "Is there anything you would do differently next time?",
    "Could you say a bit more about that?",
    "And how did colleagues respond?",
    "What role did the facilitators play?",
]
OPENERS = [
    "I think",
    "To be honest,",
    "Well,",
    "So",
    "I mean,",
    "If I'm honest,",
    "Basically,",
    "You know,",
    "The thing is,",
    "Looking back,",
    "For us,",
    "Honestly,",
    "In our case,",
]
FILLERS = [
    "it was quite a journey",
    "we were learning as we went",
    "that took a while to bed in",
    "not everyone was convinced at first",
    "it depends on the term",
    "that's the honest answer",
    "it's still work in progress",
    "we're a small school",
    "that was the key thing",
    "I wouldn't want to overstate it",
    "it was a real eye-opener",
    "we had to be realistic",
]
MARKS = ["[laughs]", "[pause]", "[inaudible]", "[crosstalk]", "[sighs]"]
STOP = set(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "as",
        "at",
        "from",
        "that",
        "this",
        "these",
        "those",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "their",
        "our",
        "your",
        "his",
        "her",
        "they",
        "we",
        "you",
        "he",
        "she",
        "not",
        "no",
        "use",
        "when",
        "code",
        "who",
        "how",
        "what",
        "which",
    ]
)


@dataclass
class GeneratedInterview:
    name: str
    text: str  # whole file: front matter and turns
    answers: list[tuple[str, list[str]]] = field(default_factory=list)  # (answer text, true code keys)


def _vocabulary(doc: CodebookDoc) -> dict[str, list[str]]:
    """Per leaf code: phrases to build sentences from (keywords, and content words of its definition)."""
    vocab: dict[str, list[str]] = {}
    for code, _, _ in doc.walk():
        if code.children:
            continue
        words = [
            w.lower()
            for w in re.findall(r"[A-Za-z][A-Za-z'-]+", " ".join([code.description, code.include, code.example]))
        ]
        content = [w for w in words if w not in STOP and len(w) > 3]
        vocab[code.id] = list(code.keywords) * 3 + content
    return vocab


def _sentence(rng: random.Random, phrases: list[str]) -> str:
    picked = rng.sample(phrases, k=min(len(phrases), rng.randint(2, 5)))
    opener = rng.choice(OPENERS)
    body = " ".join(picked)
    tail = rng.choice(["", f", and {rng.choice(FILLERS)}", f" - {rng.choice(FILLERS)}", ""])
    sentence = f"{opener} the {body}{tail}."
    if rng.random() < 0.08:
        sentence += " " + rng.choice(MARKS)
    return sentence[0].upper() + sentence[1:]


def generate_interviews(n: int, doc: CodebookDoc, seed: int = 0) -> list[GeneratedInterview]:
    rng = random.Random(seed)
    vocab = _vocabulary(doc)
    leaves = sorted(vocab)
    interviews = []
    for i in range(n):
        role = rng.choices([r for r, _ in ROLES], weights=[w for _, w in ROLES])[0]
        school = f"School {chr(65 + i % 26)}{'' if i < 26 else i // 26}"
        network = rng.choice(["RLN", "RLN", "Pess"])
        country = "England" if network == "RLN" else "Germany"
        lines = [
            "---",
            f"participant: {role} G{i:04d}",
            f"role: {role}",
            f"school: {school}",
            f"network: {network}",
            f"country: {country}",
            f"phase: {rng.choice(['Primary', 'Secondary'])}",
            "---",
        ]
        interview = GeneratedInterview(f"gen-{i:04d}", "")
        for _ in range(rng.randint(18, 36)):
            lines.append(f"Interviewer: {rng.choice(QUESTIONS)}")
            lines.append("")
            codes = rng.sample(leaves, k=rng.choices([0, 1, 2, 3], weights=[0.1, 0.5, 0.3, 0.1])[0])
            phrases = [p for c in codes for p in vocab[c]] or [w for c in rng.sample(leaves, 2) for w in vocab[c]]
            length = rng.choices([1, 2, 4, 7, 12], weights=[0.1, 0.25, 0.35, 0.2, 0.1])[0]
            answer = " ".join(_sentence(rng, phrases) for _ in range(length))
            lines.append(f"{role}: {answer}")
            lines.append("")
            interview.answers.append((answer, codes))
        interview.text = "\n".join(lines) + "\n"
        interviews.append(interview)
    return interviews


def simulate_coder(
    rng: random.Random, true_codes: list[str], siblings: dict[str, list[str]], agreement: float
) -> list[str]:
    """One coder's codes for an answer: keeps each true code with probability ``agreement``
    (plus a little), and with the remaining probability swaps in or adds a sibling."""
    applied = []
    for code in true_codes:
        if rng.random() < agreement + (1 - agreement) * 0.3:
            applied.append(code)
        elif siblings.get(code) and rng.random() < 0.6:
            applied.append(rng.choice(siblings[code]))
    if rng.random() < (1 - agreement) * 0.15:
        pool = [s for c in true_codes for s in siblings.get(c, [])] or list(siblings)
        applied.append(rng.choice(pool))
    return sorted(set(applied))


def _siblings(doc: CodebookDoc) -> dict[str, list[str]]:
    placement = doc.placement()
    by_parent: dict[str | None, list[str]] = {}
    for code, parent, _ in doc.walk():
        if not code.children:
            by_parent.setdefault(parent, []).append(code.id)
    return {c: [s for s in by_parent[placement[c][0]] if s != c] for group in by_parent.values() for c in group}


def default_codebook() -> CodebookDoc:
    return load_codebook(ROOT / "codebooks" / "rln.yaml")


def build_project(
    location: str,
    n: int,
    coders: tuple[str, ...] = ("alice", "bob"),
    agreement: float = 0.8,
    seed: int = 0,
    doc: CodebookDoc | None = None,
):
    """A project of ``n`` generated interviews with every coder's codings (returns it open)."""
    import hashlib

    from qualcode.ingest.sources import split_front_matter
    from qualcode.ingest.transcripts import ParsedTranscript, segment_text
    from qualcode.project import Project

    doc = doc or default_codebook()
    project = Project.create(location, doc, name=f"generated-{n}")
    for name in coders:
        project.add_coder(name)
    rng = random.Random(seed + 1)
    siblings = _siblings(doc)
    for interview in generate_interviews(n, doc, seed):
        front, start = split_front_matter(interview.text, interview.name)
        body = interview.text[start:]
        segments = segment_text(body, project.max_segment_chars)
        parsed = ParsedTranscript(
            interview.name,
            "txt",
            f"{interview.name}.txt",
            hashlib.sha256(interview.text.encode()).hexdigest(),
            body,
            segments,
            front,
        )
        project.import_transcript(parsed)
        info = project.transcript(interview.name)
        answer_segments = [s for s in project.segments(info.id) if s.speaker != "Interviewer"]
        rows = []
        next_answer = 0
        true_codes: list[str] = []
        for seg in answer_segments:
            # Answers appear in order; the later parts of a long answer split at sentences keep its codes.
            if next_answer < len(interview.answers) and seg.text.startswith(interview.answers[next_answer][0][:30]):
                true_codes = interview.answers[next_answer][1]
                next_answer += 1
            for coder in coders:
                for code in simulate_coder(rng, true_codes, siblings, agreement):
                    rows.append((coder, code, seg.id, None, None))
        project.add_codings(rows)
    return project


def write_corpus(
    out: Path, n: int, seed: int = 0, coders: tuple[str, ...] = ("alice", "bob"), agreement: float = 0.8
) -> list[Path]:
    """Write ``n`` interviews as .txt files and the coders' codings as one CSV per interview."""
    doc = default_codebook()
    out.mkdir(parents=True, exist_ok=True)
    (out / "codings").mkdir(exist_ok=True)
    rng = random.Random(seed + 1)
    siblings = _siblings(doc)
    files = []
    for interview in generate_interviews(n, doc, seed):
        path = out / f"{interview.name}.txt"
        path.write_text(interview.text, encoding="utf-8")
        files.append(path)
        with open(out / "codings" / f"{interview.name}.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["coder", "transcript", "code", "anchor", "span"])
            seen: set[str] = set()
            for answer, true_codes in interview.answers:
                anchor = answer[:80]
                if anchor in seen or interview.text.count(anchor) != 1:
                    continue
                seen.add(anchor)
                for coder in coders:
                    for code in simulate_coder(rng, true_codes, siblings, agreement):
                        writer.writerow([coder, interview.name, code, anchor, "segment"])
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interviews", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--agreement", type=float, default=0.8)
    args = parser.parse_args()
    files = write_corpus(args.out, args.interviews, args.seed, agreement=args.agreement)
    words = sum(len(p.read_text().split()) for p in files)
    print(f"wrote {len(files)} interviews ({words:,} words) and their codings to {args.out}")


if __name__ == "__main__":
    main()
