"""Real transcript exports, written by others, imported through ``qualcode import``.

Each file in tests/fixtures/transcripts/real is committed with its bytes unchanged; its source
(repository, path, commit, sha256) and licence are in tests/fixtures/NOTICE, with what was
searched for the formats that have no permissive real file. The tests check what a researcher
would after importing: the format named, the speakers and their turns, the first and last times,
no header line stored as a turn, and every spoken word of the source in the segments — the words
taken from the file by a small reading of its own here, independent of qualcode's readers.

Runs on SQLite, and on PostgreSQL when QUALCODE_TEST_POSTGRES is set.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

REAL = Path(__file__).parent / "fixtures" / "transcripts" / "real"
NOTICE = Path(__file__).parent / "fixtures" / "NOTICE"


def words(text: str) -> list[str]:
    """The words of a text, for comparing what was said: case and punctuation aside."""
    return re.findall(r"[\w']+", html.unescape(text).replace("’", "'").casefold())


@pytest.fixture
def cli_db(run_cli, project_url, tmp_path):
    from .conftest import TINY_CODEBOOK

    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    assert run_cli("init", "--db", project_url, "--codebook", "tiny.yaml").exit_code == 0
    return project_url


def imported(run_cli, db: str, tmp_path: Path, name: str):
    """Import one real file by the CLI; the command's output, the transcript and its segments."""
    from qualcode.project import Project

    shutil.copy(REAL / name, tmp_path / name)
    result = run_cli("import", "--db", db, name)
    assert result.exit_code == 0, result.output
    with Project.open(db) as project:
        info = project.transcript(Path(name).stem)
        return result.stdout, info, project.segments(info.id)


def turns(segments) -> list[tuple[str | None, float | None, float | None]]:
    """(speaker, start, end) of each turn: a long turn is stored as several segments of one
    speaker (the project's segment length), one after the other."""
    out: list[tuple[str | None, float | None, float | None]] = []
    for s in segments:
        if out and out[-1][0] == s.speaker:
            out[-1] = (s.speaker, out[-1][1], s.time_end)
        else:
            out.append((s.speaker, s.time_start, s.time_end))
    return out


def turn_counts(segments) -> dict[str | None, int]:
    """Each speaker's number of turns."""
    return dict(Counter(speaker for speaker, _, _ in turns(segments)))


def dry_run(run_cli, tmp_path: Path, name: str) -> str:
    shutil.copy(REAL / name, tmp_path / name)
    result = run_cli("import", "--dry-run", name)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[0]


def test_every_real_file_is_listed_in_notice_with_its_sha256():
    notice = NOTICE.read_text(encoding="utf-8")
    for path in sorted(REAL.iterdir()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"{digest}  real/{path.name}" in notice, path.name


# --------------------------------------------------------------------------- Podcasting 2.0 (CC0)
# Podcastindex-org/podcast-namespace, docs/examples/transcripts/: the specification's example
# files. The .srt, .vtt and .html are one podcast episode's transcript (Buzzsprout's
# "Podcasting Q&A"), as the host published them.


def test_podcast_json_example_from_the_specification(run_cli, cli_db, tmp_path):
    out, info, segments = imported(run_cli, cli_db, tmp_path, "podcastindex-example.json")
    assert "read as Podcasting 2.0 transcript .json" in out
    assert info.format == "podcast"
    source = json.loads((REAL / "podcastindex-example.json").read_text(encoding="utf-8"))["segments"]
    # one word a segment in the file; one turn a speaker here, with the first and last word's times
    assert [(s.speaker, s.time_start, s.time_end) for s in segments] == [("Darth Vader", 0.5, 2.5), ("Luke", 2.75, 3.0)]
    assert [s.text for s in segments] == ["I am your father.", "Nooooo"]
    assert words(" ".join(s.text for s in segments)) == words(" ".join(seg["body"] for seg in source))
    assert not any("1.0.0" in s.text for s in segments)  # the version field is not a turn


def test_podcast_vtt_with_voice_tags(run_cli, cli_db, tmp_path):
    out, info, segments = imported(run_cli, cli_db, tmp_path, "podcastindex-example.vtt")
    assert "podcastindex-example.vtt: 2 segments" in out
    assert info.flags == ()  # speakers are named: not flagged as captions without speakers
    assert turn_counts(segments) == {"Sarah": 1, "Gillian": 1}
    assert (segments[0].time_start, segments[0].time_end) == (0.0, 18.63)
    assert (segments[-1].time_start, segments[-1].time_end) == (19.08, 25.35)
    raw = (REAL / "podcastindex-example.vtt").read_text(encoding="utf-8")
    spoken = [line for line in raw.splitlines() if line.startswith("<v ")]
    assert words(" ".join(re.sub(r"<[^>]*>", " ", line) for line in spoken)) == words(
        " ".join(s.text for s in segments)
    )
    assert "Podcasting Q&A" in segments[0].text  # the entity is read as the character it stands for
    assert not any("WEBVTT" in s.text for s in segments)


def _srt_cues(raw: str) -> list[tuple[str, str]]:
    """(start time, cue text) for each cue of a SubRip file."""
    cues = []
    for block in re.split(r"\n\s*\n", raw.replace("\r\n", "\n").strip()):
        lines = block.split("\n")
        timing = next(i for i, line in enumerate(lines) if "-->" in line)
        cues.append((lines[timing].split("-->")[0].strip(), " ".join(lines[timing + 1 :])))
    return cues


def _seconds(stamp: str) -> float:
    h, m, s = stamp.replace(",", ".").split(":")
    return round(int(h) * 3600 + int(m) * 60 + float(s), 3)


def test_podcast_srt_labels_a_speaker_only_when_the_speaker_changes(run_cli, cli_db, tmp_path):
    assert dry_run(run_cli, tmp_path, "podcastindex-example.srt").startswith(
        "podcastindex-example.srt: 15 segments; format: SubRip .srt, 'Name: text' cues; "
        "speakers: Travis (5 turns), Sarah (2 turns), Gilon (3 turns);"
    )
    out, info, segments = imported(run_cli, cli_db, tmp_path, "podcastindex-example.srt")
    assert "read as SubRip .srt, 'Name: text' cues" in out
    cues = _srt_cues((REAL / "podcastindex-example.srt").read_text(encoding="utf-8"))
    assert len(cues) == 222
    # a "Name:" label opens a turn; the cues after it, unlabelled, are that speaker's words
    labelled = [(start, text.split(":")[0]) for start, text in cues if re.match(r"^[A-Z]\w+: ", text)]
    assert [name for name, _, _ in turns(segments)] == [name for _, name in labelled]
    assert [start for _, start, _ in turns(segments)] == [_seconds(start) for start, _ in labelled]
    assert turns(segments)[0][1] == 0.179
    assert turns(segments)[-1] == ("Travis", 691.49, 754.769)
    assert not any(s.speaker is None for s in segments)
    spoken = " ".join(re.sub(r"^[A-Z]\w+: ", "", text) for _, text in cues)
    assert words(" ".join(s.text for s in segments)) == words(spoken)
    assert info.flags == ()


def test_podcast_srt_turns_match_the_hosts_html_of_the_same_episode(run_cli, cli_db, tmp_path):
    """The host's .html of the episode gives each turn's speaker and start (M:SS): the .srt's
    turns, read here, must be the same turns."""
    _, _, segments = imported(run_cli, cli_db, tmp_path, "podcastindex-example.srt")
    page = (REAL / "podcastindex-example.html").read_text(encoding="utf-8")
    cites = re.findall(r"<cite>([^<]*?)\s*:</cite>\s*<time>(\d+):(\d\d)</time>", page)
    assert len(cites) == 10
    assert [name for name, _, _ in turns(segments)] == [name for name, _, _ in cites]
    assert [int(start or 0) for _, start, _ in turns(segments)] == [int(m) * 60 + int(s) for _, m, s in cites]


def test_podcast_html_is_refused_with_one_line_and_nothing_changed(run_cli, cli_db, tmp_path):
    from qualcode.project import Project

    shutil.copy(REAL / "podcastindex-example.html", tmp_path / "podcastindex-example.html")
    result = run_cli("import", "--db", cli_db, "podcastindex-example.html")
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    message = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(message) == 1 and "podcastindex-example.html" in message[0], result.stderr
    with Project.open(cli_db) as project:
        assert project.list_transcripts() == []


# --------------------------------------------------------------------------- Whisper (MIT)
# Softcatala/whisper-ctranslate2, e2e-tests: the reference outputs its end-to-end tests compare
# against, written by Whisper's own writers (Catalan speech). gossos: one speaker, no
# diarization; dosparlants: two speakers, diarized, "[SPEAKER_01]: words" in .srt and .vtt.

WHISPER = {
    "wct2-gossos.json": "Whisper .json",
    "wct2-gossos.srt": "SubRip .srt captions",
    "wct2-gossos.tsv": "Whisper .tsv",
    "wct2-gossos.vtt": "Whisper .vtt (hour-less times)",
}


def _source_words(name: str) -> list[str]:
    """The spoken words as the file stores them, read here without qualcode."""
    raw = (REAL / name).read_text(encoding="utf-8")
    if name.endswith(".json"):
        return words(" ".join(s["text"] for s in json.loads(raw)["segments"]))
    if name.endswith(".tsv"):
        return words(" ".join(line.split("\t", 2)[2] for line in raw.splitlines()[1:] if line))
    lines = [
        line for line in raw.splitlines() if line and line != "WEBVTT" and "-->" not in line and not line.isdigit()
    ]
    return words(" ".join(re.sub(r"^\[SPEAKER_\d+\]: ", "", line) for line in lines))


@pytest.mark.parametrize("name", sorted(WHISPER))
def test_whisper_outputs_without_speakers_are_flagged_captions(run_cli, cli_db, tmp_path, name):
    out, info, segments = imported(run_cli, cli_db, tmp_path, name)
    assert f"read as {WHISPER[name]} (captions, no speakers)" in out
    assert info.flags == ("captions, no speakers",)
    assert [s.speaker for s in segments] == [None]  # the cues of nobody in particular, one passage
    assert (segments[0].time_start, segments[-1].time_end) == (0.0, 32.0)
    assert words(" ".join(s.text for s in segments)) == _source_words(name)
    assert len(_source_words(name)) == 63
    assert not any(s.text.startswith(("WEBVTT", "start\tend", "{")) for s in segments)


DIARIZED = ["wct2-dosparlants.json", "wct2-dosparlants.srt", "wct2-dosparlants.vtt"]


@pytest.mark.parametrize("name", DIARIZED)
def test_whisper_diarized_outputs_name_their_speakers(run_cli, cli_db, tmp_path, name):
    assert ": 11 segments;" in dry_run(run_cli, tmp_path, name)
    assert "speakers: SPEAKER_01 (6 turns), SPEAKER_00 (5 turns);" in dry_run(run_cli, tmp_path, name)
    out, info, segments = imported(run_cli, cli_db, tmp_path, name)
    assert info.flags == ()
    assert turn_counts(segments) == {"SPEAKER_01": 6, "SPEAKER_00": 5}
    # consecutive cues of one speaker are one turn, with the first cue's start and the last's end
    assert (segments[3].speaker, segments[3].time_start, segments[3].time_end) == ("SPEAKER_00", 6.0, 13.0)
    assert (segments[0].time_start, segments[0].time_end) == (0.0, 2.0)
    assert (segments[-1].speaker, segments[-1].time_start, segments[-1].time_end) == ("SPEAKER_01", 32.0, 34.0)
    assert not any("SPEAKER" in s.text for s in segments)  # the label is the speaker, not words
    assert words(" ".join(s.text for s in segments)) == _source_words(name)
    assert len(_source_words(name)) == 91


def test_whisper_diarized_tsv_has_no_speaker_column(run_cli, cli_db, tmp_path):
    out, info, segments = imported(run_cli, cli_db, tmp_path, "wct2-dosparlants.tsv")
    assert "read as Whisper .tsv (captions, no speakers)" in out
    assert [s.speaker for s in segments] == [None]
    assert (segments[0].time_start, segments[-1].time_end) == (0.0, 34.0)
    assert words(" ".join(s.text for s in segments)) == _source_words("wct2-dosparlants.tsv")


# --------------------------------------------------------------------------- Microsoft Teams (MIT)
# glut23/webvtt-py, tests/subtitles/teams_timeframe.vtt: the start of a real Teams meeting
# transcript, kept by that library for Teams' times that are not zero-padded.


def test_teams_vtt_with_unpadded_times_and_overlapping_speech(run_cli, cli_db, tmp_path):
    name = "webvtt-py-teams_timeframe.vtt"
    assert dry_run(run_cli, tmp_path, name) == (
        f"{name}: 2 segments; format: Microsoft Teams .vtt; speakers: Yuri Bakulin (1 turn), "
        "Adrian Petrescu (1 turn); interviewer: none of these is an interviewer label; name one with "
        "--interviewer NAME; 1 overlapping turn marked"
    )
    out, info, segments = imported(run_cli, cli_db, tmp_path, name)
    assert "read as Microsoft Teams .vtt" in out
    assert info.format == "teams"
    assert [(s.speaker, s.text, s.time_start, s.time_end) for s in segments] == [
        ("Yuri Bakulin", "There you go.", 0.0, 0.57),  # "0:0:0.570": 570 ms
        ("Adrian Petrescu", "Why hello there, Yuri.", 0.21, 1.13),
    ]
    assert info.overlaps == (1,)  # Adrian starts before Yuri has finished
    shown = run_cli("transcripts", "show", Path(name).stem, "--db", cli_db).stdout
    assert "Adrian Petrescu (overlapping speech)" in shown
    spoken = [line for line in (REAL / name).read_text(encoding="utf-8").splitlines() if line.startswith("<v ")]
    assert words(" ".join(s.text for s in segments)) == words(re.sub(r"<[^>]*>", " ", " ".join(spoken)))


# --------------------------------------------------------------------------- Zoom (MIT)
# revgizmo/zoomstudentengagement_cursor, inst/extdata/transcripts: the R package's example data,
# a real Zoom cloud recording's transcript and closed captions of one session.

ZOOM = "zoomstudentengagement-GMT20240124-202901_Recording"


def _zoom_cues() -> list[tuple[str | None, float, float, str]]:
    """(speaker or None, start, end, words) of each cue, read here: Zoom writes 'Name: words'."""
    raw = (REAL / f"{ZOOM}.transcript.vtt").read_text(encoding="utf-8")
    cues = []
    for block in re.split(r"\n\s*\n", raw.strip())[1:]:
        _, timing, *body = block.split("\n")
        start, end = (_seconds(t.strip()) for t in timing.split("-->"))
        name, sep, spoken = " ".join(body).partition(": ")
        cues.append((name, start, end, spoken) if sep else (None, start, end, " ".join(body)))
    return cues


def test_zoom_transcript_vtt(run_cli, cli_db, tmp_path):
    cues = _zoom_cues()
    assert len(cues) == 102
    assert dry_run(run_cli, tmp_path, f"{ZOOM}.transcript.vtt") == (
        f"{ZOOM}.transcript.vtt: 27 segments; format: Zoom transcript (.transcript.vtt); speakers: "
        "Srijani Ghosh (7 turns), Conor Healy (12 turns), Dr. Melissa Ko (2 turns), Shreeharsh Kelkar (3 turns), "
        "Ryan Sloan (1 turn); 1 turn without a speaker; interviewer: none of these is an interviewer label; "
        "name one with --interviewer NAME"
    )
    out, info, segments = imported(run_cli, cli_db, tmp_path, f"{ZOOM}.transcript.vtt")
    assert "read as Zoom transcript (.transcript.vtt)" in out
    assert info.format == "zoom" and info.flags == ()
    expected: list[str | None] = []
    for speaker, *_ in cues:
        if not expected or expected[-1] != speaker:
            expected.append(speaker)
    assert [speaker for speaker, _, _ in turns(segments)] == expected
    assert Counter(expected) == {
        "Conor Healy": 12,
        "Srijani Ghosh": 7,
        "Shreeharsh Kelkar": 3,
        "Dr. Melissa Ko": 2,
        "Ryan Sloan": 1,
        None: 1,  # "Hmm.": a cue Zoom did not attribute stays nobody's, not the speaker's before it
    }
    assert turns(segments)[0] == ("Srijani Ghosh", 0.05, 1.79)
    assert turns(segments)[-1] == ("Conor Healy", 695.35, 735.62)
    assert words(" ".join(s.text for s in segments)) == words(" ".join(c[3] for c in cues))
    assert not any(s.text.startswith("WEBVTT") for s in segments)


def test_zoom_closed_captions_are_flagged(run_cli, cli_db, tmp_path):
    out, info, segments = imported(run_cli, cli_db, tmp_path, f"{ZOOM}.cc.vtt")
    assert "read as Zoom captions (.cc.vtt) (captions, no speakers)" in out
    assert info.flags == ("captions, no speakers",)
    assert {s.speaker for s in segments} == {None}
    assert (segments[0].time_start, segments[-1].time_end) == (68.0, 739.0)
    raw = (REAL / f"{ZOOM}.cc.vtt").read_text(encoding="utf-8").replace("\r\n", "\n")
    spoken = [line for line in raw.split("\n")[1:] if line and "-->" not in line]
    assert len(spoken) == 100
    assert words(" ".join(s.text for s in segments)) == words(" ".join(spoken))
    listed = run_cli("transcripts", "list", "--db", cli_db).stdout
    assert "zoom-cc (captions, no speakers)" in listed


def test_whisper_json_with_word_times_gives_the_times_its_vtt_gives(run_cli, cli_db, tmp_path):
    """The same transcription (word timestamps on) as .json and .vtt: the .json stores 1.18 s as
    1.1799999999999993; both are imported to the millisecond, as the .vtt writes it."""
    _, json_info, from_json = imported(run_cli, cli_db, tmp_path, "wct2-gossos-wordstamps.json")
    _, vtt_info, from_vtt = imported(run_cli, cli_db, tmp_path, "wct2-gossos-wordstamps-captions.vtt")
    assert json_info.format == vtt_info.format == "whisper"
    source = json.loads((REAL / "wct2-gossos-wordstamps.json").read_text(encoding="utf-8"))["segments"]
    assert source[0]["start"] == 1.1799999999999993
    assert [(s.time_start, s.time_end) for s in from_json] == [(1.18, 31.24)]
    assert [(s.time_start, s.time_end) for s in from_vtt] == [(1.18, 31.24)]
    # the words once: each segment's text, not its per-word list again
    assert words(from_json[0].text) == words(" ".join(s["text"] for s in source)) == words(from_vtt[0].text)
    assert words(from_json[0].text) == words("".join(w["word"] for s in source for w in s["words"]))


# --------------------------------------------------------------------------- WhisperX (BSD-2-Clause)
# m-bain/whisperX, examples/reference_whisperx_transcription.json, from a pull request's commit:
# WhisperX's aligned output, words listed twice more (per segment and in "word_segments").


def test_whisperx_json_words_are_read_once(run_cli, cli_db, tmp_path):
    name = "whisperx-reference_whisperx_transcription.json"
    out, info, segments = imported(run_cli, cli_db, tmp_path, name)
    assert "read as Whisper .json (captions, no speakers)" in out
    assert info.flags == ("captions, no speakers",)
    source = json.loads((REAL / name).read_text(encoding="utf-8"))
    assert [(s.speaker, s.time_start, s.time_end) for s in segments] == [(None, 0.151, 8.318)]
    assert words(" ".join(s.text for s in segments)) == words(" ".join(s["text"] for s in source["segments"]))
    assert words(" ".join(s.text for s in segments)) == words(" ".join(w["word"] for w in source["word_segments"]))
    assert len(words(segments[0].text)) == 8  # each word once, not again from the word lists
