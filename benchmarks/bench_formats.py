"""Import speed of each recognised transcript format, next to the same words as plain .txt.

    python benchmarks/bench_formats.py [--interviews 20] [--repeat 3]

Generated interviews (benchmarks/corpus.py) are written once as qualcode's own ``Speaker: text``
.txt and once in each format qualcode recognises by content (Otter.ai, Teams, Zoom, Rev,
Descript, noScribe, Whisper, Podcasting 2.0 — one word a segment, as podcast hosts write it —,
Word and OpenDocument), with the same words and turns. Each set is imported into a new SQLite
project the way ``qualcode import`` does it (read, sniff, parse, one durable transaction per
file); the figure that matters is each format's time over the .txt time in the same run (the
aim: at most 1.5). The sets are imported in turn, round after round, and the medians are
compared, of the wall-clock time and of the CPU time of this process (on a shared machine the
wall clock moves with other people's work; the CPU time is what the code costs, every format
paying the same durable commits). Also shown: reading and parsing the files alone, without the
database. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import default_codebook, generate_interviews  # noqa: E402
from qualcode.ingest.sources import split_front_matter  # noqa: E402
from qualcode.ingest.transcripts import parse_file, segment_text  # noqa: E402
from qualcode.project import Project  # noqa: E402

Turns = list[tuple[str, str]]


def _clock(seconds: float, hours: bool = True, sep: str = ".") -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}" if hours else f"{m + 60 * h:02d}:{s:02d}{sep}{ms:03d}"


def _short(seconds: float) -> str:
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _timed(turns: Turns) -> list[tuple[str, str, float, float]]:
    """Each turn with a start and end: a fifth of a second a word."""
    out, t = [], 0.0
    for speaker, words in turns:
        length = 0.2 * len(words.split())
        out.append((speaker, words, t, t + length))
        t += length + 0.5
    return out


def txt(turns: Turns) -> str:
    return "".join(f"{s}: {w}\n\n" for s, w in turns)


def otter(turns: Turns) -> str:
    head = "SUMMARY KEYWORDS\nnetwork, school\n\nSPEAKERS\nInterviewer, Headteacher\n\n"
    return (
        head
        + "".join(f"{s}  {_short(a)}  \n{w}\n\n" for s, w, a, _ in _timed(turns))
        + "Transcribed by https://otter.ai\n"
    )


def teams_vtt(turns: Turns) -> str:
    cues = [
        f"9f1c2e4a-7b3d-4c5e-8f60-1a2b3c4d5e6f/{i}-0\n{_teams(a)} --> {_teams(b)}\n<v {s}>{w}</v>\n\n"
        for i, (s, w, a, b) in enumerate(_timed(turns))
    ]
    return "WEBVTT\n\n" + "".join(cues)


def _teams(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000}:{ms // 60_000 % 60}:{ms // 1000 % 60}.{ms % 1000}"


def zoom_vtt(turns: Turns) -> str:
    cues = [f"{i + 1}\n{_clock(a)} --> {_clock(b)}\n{s}: {w}\n\n" for i, (s, w, a, b) in enumerate(_timed(turns))]
    return "WEBVTT\n\n" + "".join(cues)


def rev(turns: Turns) -> str:
    return "".join(f"{s} ({_short(a)}):\n{w}\n\n" for s, w, a, _ in _timed(turns))


def descript(turns: Turns) -> str:
    return "".join(f"[{_clock(a)[:8]}] {s}: {w}\n\n" for s, w, a, _ in _timed(turns))


def noscribe(turns: Turns) -> str:
    head = "Audio file: interview.mp3\n(Transcribed with noScribe)\n\n"
    return head + "".join(f"{s}: [{_clock(a)[:8]}] {w}\n\n" for s, w, a, _ in _timed(turns))


def noscribe_html(turns: Turns) -> str:
    body = "".join(f"<p><span>{escape(s)}: [{_clock(a)[:8]}] {escape(w)}</span></p>\n" for s, w, a, _ in _timed(turns))
    return f'<html><head><meta name="audio_source" content="interview.mp3"></head><body><p>interview.mp3</p>\n{body}</body></html>'


def whisper_json(turns: Turns) -> str:
    segments = [{"id": i, "start": a, "end": b, "text": " " + w} for i, (_, w, a, b) in enumerate(_timed(turns))]
    return json.dumps({"text": " ".join(w for _, w in turns), "segments": segments, "language": "en"})


def whisper_tsv(turns: Turns) -> str:
    return "start\tend\ttext\n" + "".join(
        f"{round(a * 1000)}\t{round(b * 1000)}\t{w}\n" for _, w, a, b in _timed(turns)
    )


def whisper_vtt(turns: Turns) -> str:
    return "WEBVTT\n\n" + "".join(f"{_clock(a, False)} --> {_clock(b, False)}\n{w}\n\n" for _, w, a, b in _timed(turns))


def srt(turns: Turns) -> str:
    return "".join(
        f"{i + 1}\n{_clock(a, sep=',')} --> {_clock(b, sep=',')}\n{w}\n\n"
        for i, (_, w, a, b) in enumerate(_timed(turns))
    )


def podcast_json(turns: Turns) -> str:
    segments = []
    for speaker, words, a, _ in _timed(turns):
        for i, word in enumerate(words.split()):
            segments.append({"speaker": speaker, "startTime": a + 0.2 * i, "endTime": a + 0.2 * (i + 1), "body": word})
    return json.dumps({"version": "1.0.0", "segments": segments})


def _docx(paragraphs: list[object], path: Path) -> None:
    import docx

    document = docx.Document()
    for item in paragraphs:
        p = document.add_paragraph()
        if isinstance(item, tuple):
            p.add_run(item[0]).bold = True
            p.add_run(item[1])
        else:
            lines = str(item).split("\n")
            for i, line in enumerate(lines):
                run = p.add_run(line)
                if i < len(lines) - 1:
                    run.add_break()
    document.save(str(path))


def docx_plain(turns: Turns, path: Path) -> None:
    _docx([f"{s}: {w}" for s, w in turns], path)


def docx_otter(turns: Turns, path: Path) -> None:
    paras: list[object] = ["SUMMARY KEYWORDS", "network, school"]
    for s, w, a, _ in _timed(turns):
        paras += [f"{s}  {_short(a)}", w]
    _docx(paras, path)


def docx_teams(turns: Turns, path: Path) -> None:
    _docx([f"{s}   {_short(a)}\n{w}" for s, w, a, _ in _timed(turns)], path)


def docx_bold(turns: Turns, path: Path) -> None:
    _docx([(s, " " + w) for s, w in turns], path)


def docx_own_line(turns: Turns, path: Path) -> None:
    paras: list[object] = []
    for s, w in turns:
        paras += [s, w]
    _docx(paras, path)


def odt(turns: Turns, path: Path) -> None:
    ns = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    body = "".join(f"<text:p>{escape(s)}: {escape(w)}</text:p>" for s, w in turns)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        zf.writestr(
            "content.xml",
            f'<?xml version="1.0"?><office:document-content {ns}><office:body><office:text>{body}'
            "</office:text></office:body></office:document-content>",
        )


TEXT_FORMATS: dict[str, tuple[str, Callable[[Turns], str]]] = {
    "Otter.ai .txt": (".txt", otter),
    "Microsoft Teams .vtt": (".vtt", teams_vtt),
    "Zoom .transcript.vtt": (".transcript.vtt", zoom_vtt),
    "Rev text": (".txt", rev),
    "Descript/Trint text": (".txt", descript),
    "noScribe .txt": (".txt", noscribe),
    "noScribe .html": (".html", noscribe_html),
    "Whisper .json": (".json", whisper_json),
    "Whisper .tsv": (".tsv", whisper_tsv),
    "Whisper .vtt": (".vtt", whisper_vtt),
    "SubRip .srt": (".srt", srt),
    "Podcasting 2.0 .json (a word a segment)": (".json", podcast_json),
}
FILE_FORMATS: dict[str, tuple[str, Callable[[Turns, Path], None]]] = {
    "Word .docx, 'Name: text'": (".docx", docx_plain),
    "Otter.ai .docx": (".docx", docx_otter),
    "Microsoft Teams .docx": (".docx", docx_teams),
    "Word .docx, speakers in bold": (".docx", docx_bold),
    "Word .docx, speakers on their own line": (".docx", docx_own_line),
    "OpenDocument .odt": (".odt", odt),
}


def corpus_turns(n: int) -> list[tuple[str, Turns]]:
    out = []
    for interview in generate_interviews(n, default_codebook(), seed=n):
        body = interview.text[split_front_matter(interview.text, interview.name)[1] :]
        segments = segment_text(body, 0)
        turns = [(s.speaker or "Interviewer", " ".join(body[s.start : s.end].split())) for s in segments]
        out.append((interview.name, turns))
    return out


def time_import(files: list[Path], db: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds to import the files into a new project."""
    project = Project.create(str(db), None)
    start, cpu = time.perf_counter(), time.process_time()
    for file in files:
        project.import_transcript(parse_file(file, max_chars=project.max_segment_chars))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    project.close()
    return elapsed, cpu


def time_parse(files: list[Path]) -> float:
    start = time.perf_counter()
    for file in files:
        parse_file(file)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the import of each transcript format against .txt.")
    parser.add_argument("--interviews", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    interviews = corpus_turns(args.interviews)
    words = sum(len(w.split()) for _, turns in interviews for _, w in turns)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sets: dict[str, list[Path]] = {}
        for label, (suffix, render) in {"qualcode .txt ('Speaker: text')": (".txt", txt), **TEXT_FORMATS}.items():
            folder = work / f"set{len(sets)}"
            folder.mkdir()
            sets[label] = []
            for name, turns in interviews:
                path = folder / f"{name}{suffix}"
                path.write_text(render(turns), encoding="utf-8")
                sets[label].append(path)
        for label, (suffix, write) in FILE_FORMATS.items():
            folder = work / f"set{len(sets)}"
            folder.mkdir()
            sets[label] = []
            for name, turns in interviews:
                path = folder / f"{name}{suffix}"
                write(turns, path)
                sets[label].append(path)
        time_import(sets["qualcode .txt ('Speaker: text')"][:3], work / "warm-up.db")  # load spaCy and the readers
        walls: dict[str, list[float]] = {label: [] for label in sets}
        cpus: dict[str, list[float]] = {label: [] for label in sets}
        parses: dict[str, list[float]] = {label: [] for label in sets}
        for run in range(args.repeat):  # interleaved, so a busy moment on the machine hits every format alike
            for i, (label, files) in enumerate(sets.items()):
                wall, cpu = time_import(files, work / f"p{run}-{i}.db")
                walls[label].append(wall)
                cpus[label].append(cpu)
                parses[label].append(time_parse(files))
    txt_label = "qualcode .txt ('Speaker: text')"
    med = statistics.median
    wall_base, cpu_base = med(walls[txt_label]), med(cpus[txt_label])
    print(f"{len(interviews)} interviews, {words:,} words in each format; medians of {args.repeat} rounds\n")
    print("| format | import (s) | words/s | import time / .txt | CPU time / .txt | parse alone (ms) |")
    print("|---|---:|---:|---:|---:|---:|")
    for label in sets:
        wall = med(walls[label])
        print(
            f"| {label} | {wall:.2f} | {words / wall:,.0f} | {wall / wall_base:.2f} | "
            f"{med(cpus[label]) / cpu_base:.2f} | {med(parses[label]) * 1000:.0f} |"
        )


if __name__ == "__main__":
    main()
