"""A transcript that changes after coding: replace (codings move with their words), rename, remove.

Run on the backend under test (SQLite, or PostgreSQL with QUALCODE_TEST_POSTGRES).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from qualcode.errors import QualcodeError
from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project

from .conftest import INTERVIEW, POSTGRES

TABLES = ("transcripts", "segments", "codings", "memos", "suggestions")


def snapshot(project: Project) -> dict:
    """Every row a transcript change touches, all columns, and (SQLite) the search index."""
    out: dict = {}
    with project.store.read() as s:
        for table in TABLES:
            out[table] = [tuple(r) for r in s.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
        if project.backend == "sqlite":
            out["search"] = sorted(tuple(r) for r in s.execute(text("SELECT rowid, text FROM segment_fts")))
    if project.backend == "sqlite":  # and the index holds exactly the words of the text it reads from
        with project.store.tx() as s:
            s.execute(text("INSERT INTO segment_fts(segment_fts, rank) VALUES ('integrity-check', 1)"))
    return out


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def code_words(project: Project, coder: str, key: str, words: str, transcript: str = "interview-01"):
    info = project.transcript(transcript)
    body = project.transcript_text(info.id)
    start = body.index(words)
    seg = next(s for s in project.segments(info.id) if s.start <= start < s.end)
    return project.apply_code(coder, key, seg.id, start, start + len(words))


def test_replace_moves_codings_with_their_words_and_keeps_lost_ones_as_memos(project, tmp_path):
    plans = code_words(project, "alice", "formalisation.plans", "development plan")
    budget = code_words(project, "bob", "prioritisation.time", "Not easy on our budget")
    project.set_memo("bob", "coding", budget.id, "money worries")
    before = snapshot(project)
    corrected = INTERVIEW.replace("We put it", "We wrote it").replace(" Not easy on our budget.", "")
    corrected = corrected.replace("Interviewer: And time?", "Interviewer: Was there a cost?\n\nInterviewer: And time?")
    new = parse_file(write(tmp_path, "v2.txt", corrected))

    preview = project.replace_transcript("interview-01", new, "alice", dry_run=True)
    assert snapshot(project) == before
    assert [lost.coding_id for lost in preview.lost] == [budget.id]

    report = project.replace_transcript("interview-01", new, "alice")
    assert [lost.coding_id for lost in report.lost] == [budget.id]
    assert report.lost[0].memo == "money worries"
    info = project.transcript("interview-01")
    body = project.transcript_text(info.id)
    assert body == new.text
    assert info.n_segments == len(new.segments) == 6
    (moved,) = project.list_codings(info.id)
    assert moved.id == plans.id and body[moved.start : moved.end] == "development plan"
    (kept,) = project.memos(coder="bob", target="transcript")
    assert "Not easy on our budget" in kept.text and "money worries" in kept.text
    assert project.check() == []
    assert [h.segment_id for h in project.search("budget")] == []

    project.undo("alice")
    assert snapshot(project) == before
    assert [h.position for h in project.search("budget")] == [3]
    project.redo("alice")
    assert project.transcript_text(info.id) == new.text
    assert {c.id for c in project.list_codings(info.id)} == {plans.id}
    project.undo("alice")
    assert snapshot(project) == before


SWAPPED = INTERVIEW.replace(
    "Interviewer: How did you make the network part of the school? [crosstalk]\n\n"
    "Headteacher: We put it in the development plan straight away. It was in everyone's performance management too.\n\n"
    "Interviewer: And time?\n\n"
    "Headteacher: We paid for cover so they had release time. [laughs] Not easy on our budget.\n"
    "Some weeks it was the first thing to go.\n",
    "Interviewer: And time?\n\n"
    "Headteacher: We paid for cover so they had release time. [laughs] Not easy on our budget.\n"
    "Some weeks it was the first thing to go.\n\n"
    "Interviewer: How did you make the network part of the school? [crosstalk]\n\n"
    "Headteacher: We put it in the development plan straight away. It was in everyone's performance management too.\n",
)


def test_replace_with_two_turns_swapped_keeps_every_coding_and_memo_on_its_words(project, tmp_path):
    assert SWAPPED != INTERVIEW
    plans = code_words(project, "alice", "formalisation.plans", "development plan")
    time_ = code_words(project, "bob", "prioritisation.time", "release time")
    budget = code_words(project, "alice", "prioritisation.time", "Not easy on our budget")
    info = project.transcript("interview-01")
    segments = project.segments(info.id)
    question = next(s for s in segments if "make the network" in project.transcript_text(info.id)[s.start : s.end])
    project.set_memo("bob", "segment", question.id, "the opening question")
    before = snapshot(project)

    report = project.replace_transcript("interview-01", parse_file(write(tmp_path, "v2.txt", SWAPPED)), "alice")
    assert report.lost == [] and report.changed == []
    assert {m.coding_id for m in report.kept} == {plans.id, time_.id, budget.id}
    body = project.transcript_text(info.id)
    now = {c.id: body[c.start : c.end] for c in project.list_codings(info.id)}
    assert now == {plans.id: "development plan", time_.id: "release time", budget.id: "Not easy on our budget"}
    (memo,) = project.memos(coder="bob", target="segment")
    moved = project.segment(memo.target_id)
    assert body[moved.start : moved.end].startswith("How did you make the network part")
    assert project.check() == []

    project.undo("alice")
    assert snapshot(project) == before


def test_cli_replace_with_crlf_line_ends_keeps_every_coding(run_cli, tmp_path, interview_file, tiny_codebook):
    db = str(tmp_path / "study.db")
    with Project.create(db, tiny_codebook) as project:
        project.add_coder("alice")
        project.import_transcript(parse_file(interview_file))
        code_words(project, "alice", "formalisation.plans", "development plan")
        code_words(project, "alice", "prioritisation.time", "release time")
    crlf = tmp_path / "v2.txt"
    crlf.write_bytes(SWAPPED.replace("\n", "\r\n").encode("utf-8"))
    result = run_cli("transcripts", "replace", "interview-01", crlf, "--coder", "alice", "--db", db)
    assert result.exit_code == 0, result.output
    assert "moved 2 codings (2 on the same words, 0 on edited words); 0 lost" in result.output
    with Project.open(db) as project:
        info = project.transcript("interview-01")
        body = project.transcript_text(info.id)
        assert "\r\n" in body
        assert sorted(body[c.start : c.end] for c in project.list_codings(info.id)) == [
            "development plan",
            "release time",
        ]


def test_replace_is_refused_for_the_same_text_or_another_transcripts_text(project, tmp_path, interview_file):
    with pytest.raises(QualcodeError, match="already has"):
        project.replace_transcript("interview-01", parse_file(interview_file), "alice")
    other = write(tmp_path, "other.txt", "Interviewer: Hello?\n\nTeacher: Hello.\n")
    project.import_transcript(parse_file(other))
    with pytest.raises(QualcodeError, match="another transcript, 'other'"):
        project.replace_transcript("interview-01", parse_file(other), "alice")
    with pytest.raises(QualcodeError, match="no transcript named"):
        project.replace_transcript("nope", parse_file(interview_file), "alice")


def test_undo_of_replace_is_refused_once_the_transcript_has_changed(project, tmp_path):
    code_words(project, "alice", "formalisation.plans", "development plan")
    corrected = INTERVIEW.replace("We put it", "We wrote it")
    project.replace_transcript("interview-01", parse_file(write(tmp_path, "v2.txt", corrected)), "bob")
    later = code_words(project, "alice", "prioritisation.time", "release time")
    with pytest.raises(QualcodeError, match="changed since"):
        project.undo("bob")
    project.remove_coding("alice", later.id)
    project.undo("bob")  # as the replace left it again: undo goes through
    assert "We put it" in project.transcript_text(project.transcript("interview-01").id)
    assert project.check() == []


def test_remove_is_refused_with_codings_unless_forced_and_undo_brings_everything_back(project):
    coding = code_words(project, "alice", "formalisation.plans", "development plan")
    project.set_memo("alice", "coding", coding.id, "a plan")
    project.set_memo("bob", "transcript", project.transcript("interview-01").id, "long one")
    before = snapshot(project)
    with pytest.raises(QualcodeError, match="1 codings.*--force"):
        project.remove_transcript("interview-01", "bob")
    assert snapshot(project) == before
    assert project.remove_transcript("interview-01", "bob", force=True) == (1, 2)
    assert project.list_transcripts() == [] and project.list_codings() == [] and project.memos() == []
    assert project.search("development") == []
    project.undo("bob")
    assert snapshot(project) == before
    assert project.check() == []
    project.redo("bob")
    assert project.list_transcripts() == []
    project.undo("bob")
    assert snapshot(project) == before


def test_rename_checks_the_name_is_free_and_undoes(project, tmp_path):
    project.import_transcript(parse_file(write(tmp_path, "other.txt", "Interviewer: Hi?\n\nTeacher: Hi.\n")))
    with pytest.raises(QualcodeError, match="already a transcript named 'other'"):
        project.rename_transcript("interview-01", "other", "alice")
    project.rename_transcript("interview-01", "head-n1", "alice")
    assert [t.name for t in project.list_transcripts()] == ["head-n1", "other"]
    project.undo("alice")
    assert [t.name for t in project.list_transcripts()] == ["interview-01", "other"]


def test_cli_replace_dry_run_rename_and_remove(run_cli, tmp_path, interview_file, tiny_codebook):
    db = str(tmp_path / "study.db")
    with Project.create(db, tiny_codebook) as project:
        project.add_coder("alice")
        project.import_transcript(parse_file(interview_file))
        code_words(project, "alice", "prioritisation.time", "Not easy on our budget")
    corrected = write(tmp_path, "v2.txt", INTERVIEW.replace(" Not easy on our budget.", ""))
    result = run_cli("transcripts", "replace", "interview-01", corrected, "--coder", "alice", "--dry-run", "--db", db)
    assert result.exit_code == 0, result.output
    assert "would move 0 codings" in result.output and "lost: alice prioritisation.time ¶4" in result.output
    assert "«Not easy on our budget»: its words were deleted" in result.output
    result = run_cli("transcripts", "replace", "interview-01", corrected, "--coder", "alice", "--db", db)
    assert result.exit_code == 0 and "replaced the text of 'interview-01'" in result.output
    assert "kept what was lost in each coder's memo" in result.output
    result = run_cli("transcripts", "replace", "interview-01", corrected, "--coder", "alice", "--db", db)
    assert result.exit_code == 1 and "nothing to replace" in result.output
    result = run_cli("transcripts", "rename", "interview-01", "head-n1", "--db", db)
    assert result.exit_code == 0 and "renamed 'interview-01' to 'head-n1'" in result.output
    result = run_cli("transcripts", "remove", "head-n1", "--coder", "alice", "--db", db)
    assert result.exit_code == 0 and "removed 'head-n1'" in result.output  # its one coding was lost above
    result = run_cli("transcripts", "remove", "head-n1", "--coder", "alice", "--db", db)
    assert result.exit_code == 1 and "no transcript named 'head-n1'" in result.output
    result = run_cli("check", "--db", db)
    assert result.exit_code == 0


# ---------------------------------------------------------------------- property: random edits

VOCAB = ("cover", "plan", "time", "staff", "pupils", "budget", "workshop", "leader", "meeting", "school")
CODES = ("formalisation", "formalisation.plans", "prioritisation.time")
_examples = itertools.count()


@st.composite
def edited_transcripts(draw):
    """Old turns of unique words, codings on word ranges, and random edits (delete, replace, insert)."""
    fresh = itertools.count()
    turns = [
        [f"{draw(st.sampled_from(VOCAB))}{next(fresh):03d}" for _ in range(draw(st.integers(1, 10)))]
        for _ in range(draw(st.integers(2, 7)))
    ]
    codings = []
    for _ in range(draw(st.integers(1, 8))):
        t = draw(st.integers(0, len(turns) - 1))
        i = draw(st.integers(0, len(turns[t]) - 1))
        j = draw(st.integers(i, len(turns[t]) - 1))
        codings.append((t, i, j, draw(st.sampled_from(("alice", "bob"))), draw(st.sampled_from(CODES))))
    edits = {}  # turn -> (kind, i, j, new words)
    for t in range(len(turns)):
        kind = draw(st.sampled_from(("none", "none", "delete", "replace", "insert", "drop")))
        i = draw(st.integers(0, len(turns[t]) - 1))
        j = draw(st.integers(i, min(i + 2, len(turns[t]) - 1)))
        words = [f"new{next(fresh):03d}" for _ in range(draw(st.integers(1, 3)))]
        edits[t] = (kind, i, j, words)
    return turns, codings, edits


def render(turns: list[list[str] | None], header: str) -> tuple[str, dict[tuple[int, int], tuple[int, int]]]:
    """The transcript text and where each (turn, word) is in it."""
    parts, where, at = [], {}, 0
    for t, words in enumerate(turns):
        if words is None:
            continue
        label = f"{'Interviewer' if t % 2 == 0 else 'Teacher'}: "
        at += len(label)
        line = label
        for w, word in enumerate(words):
            where[(t, w)] = (at, at + len(word))
            line += word + " "
            at += len(word) + 1
        parts.append(line.rstrip() + "\n\n")
        at += 1  # the stripped space is replaced by the first newline
    return header + "".join(parts), {k: (a + len(header), b + len(header)) for k, (a, b) in where.items()}


def apply_edits(turns, edits):
    """New turns, and for each old turn: which words survive and where an insertion falls between."""
    new_turns, kept, inserted_in = [], {}, {}
    for t, words in enumerate(turns):
        kind, i, j, fresh = edits[t]
        kept[t] = [True] * len(words)
        inserted_in[t] = set()
        if kind == "drop":
            kept[t] = [False] * len(words)
            new_turns.append(None)
            continue
        if kind == "delete":
            if j - i + 1 == len(words):
                kept[t] = [False] * len(words)
                new_turns.append(None)
                continue
            new_turns.append(words[:i] + words[j + 1 :])
            for k in range(i, j + 1):
                kept[t][k] = False
        elif kind == "replace":
            new_turns.append(words[:i] + fresh + words[i + 1 :])
            kept[t][i] = False
        elif kind == "insert":
            new_turns.append(words[:i] + fresh + words[i:])
            inserted_in[t].add(i)  # between word i-1 and word i
        else:
            new_turns.append(list(words))
    return new_turns, kept, inserted_in


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=edited_transcripts())
# The wider of two codings loses its first word and lands on the other's words: the intact one stays.
@example(
    case=(
        [["cover000"], ["cover001", "cover002", "cover003"]],
        [(1, 0, 2, "alice", "formalisation"), (1, 1, 2, "alice", "formalisation")],
        {0: ("none", 0, 0, ["new004"]), 1: ("delete", 0, 0, ["new005"])},
    )
)
def test_random_edits_keep_every_surviving_coding_on_its_words_and_undo_restores_all(project, tmp_path, case):
    turns, codings, edits = case
    n = next(_examples)
    header = f"Interviewer: Example {n}.\n\n"
    old_text, where = render(turns, header)
    name = f"edited-{n}"
    project.import_transcript(parse_file(write(tmp_path, f"{name}.txt", old_text)))
    info = project.transcript(name)
    assert project.transcript_text(info.id) == old_text
    segments = project.segments(info.id)
    made = {}
    for t, i, j, coder, key in codings:
        start, end = where[(t, i)][0], where[(t, j)][1]
        seg = next(s for s in segments if s.start <= start < s.end)
        c = project.apply_code(coder, key, seg.id, start, end)
        made[c.id] = (t, i, j, coder, old_text[start:end])
    first = min(made)
    project.set_memo(made[first][3], "coding", first, f"memo {n}")
    project.set_memo("alice", "segment", segments[-1].id, "last turn")
    before = snapshot(project)

    new_turns, kept, inserted_in = apply_edits(turns, edits)
    new_text, _ = render(new_turns, header)
    if new_text == old_text:
        return
    report = project.replace_transcript(name, parse_file(write(tmp_path, f"{name}-v2.txt", new_text)), "bob")
    assert project.transcript_text(info.id) == new_text
    assert project.check() == []
    now = {c.id: c for c in project.list_codings(info.id)}
    lost = {lc.coding_id: lc for lc in report.lost}
    memos = {m.coder: m.text for m in project.memos(target="transcript", target_id=info.id)}
    for cid, (t, i, j, coder, words) in made.items():
        survived = all(kept[t][i : j + 1]) and not any(i < g <= j for g in inserted_in[t])
        if survived:
            assert cid in now, f"{words!r} survived the edit but its coding did not"
            assert new_text[now[cid].start : now[cid].end] == words
        else:
            assert cid in now or cid in lost, f"coding on {words!r} silently dropped"
        if cid in lost:
            assert cid not in now
            assert f"«{words}»" in memos[coder]
    assert set(now) | set(lost) == set(made)
    after = snapshot(project)

    project.undo("bob")
    assert snapshot(project) == before
    project.redo("bob")
    assert snapshot(project) == after
    project.undo("bob")
    assert snapshot(project) == before
    assert project.check() == []


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's row locks (an SQLite writer holds the whole file)")
def test_a_coding_committed_while_replace_waits_moves_with_the_rest(project, tmp_path):
    import threading
    import time

    from qualcode.db.models import Coding

    info = project.transcript("interview-01")
    body = project.transcript_text(info.id)
    start = body.index("release time")
    seg = next(s for s in project.segments(info.id) if s.start <= start < s.end)
    code_id = project.code("prioritisation.time").id
    bob = project.coder("bob").id
    parsed = parse_file(write(tmp_path, "v2.txt", INTERVIEW.replace("We put it", "We wrote it")))
    result: dict = {}

    def replace() -> None:
        try:
            result["report"] = project.replace_transcript("interview-01", parsed, "alice")
        except Exception as exc:  # pragma: no cover - reported below
            result["error"] = exc

    with project.store.tx() as s:  # another coder's coding, written but not yet committed
        s.add(
            Coding(
                code_id=code_id,
                coder_id=bob,
                transcript_id=info.id,
                segment_id=seg.id,
                start=start,
                end=start + len("release time"),
                origin="manual",
                guid="00000000-0000-4000-8000-000000000001",
            )
        )
        s.flush()
        worker = threading.Thread(target=replace)
        worker.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until the replace waits for this transaction's locks
            with project.store.engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                    break
            time.sleep(0.01)
        else:
            pytest.fail("replace did not wait for the open transaction")
    worker.join(60)
    assert "error" not in result, result.get("error")
    (moved,) = project.list_codings(info.id, coders=["bob"])
    assert project.transcript_text(info.id)[moved.start : moved.end] == "release time"
    assert [m.coding_id for m in result["report"].moved] == [moved.id]


# ---------------------------------------------------------------------- property: turns reordered


@st.composite
def reordered_transcripts(draw):
    """Turns of distinct words with their speakers, codings on word ranges, and a new version with
    the turns in another order, some lightly edited (a word inserted, deleted or replaced),
    dropped or added."""
    fresh = itertools.count()

    def word() -> str:
        return f"{draw(st.sampled_from(VOCAB))}{next(fresh):03d}"

    turns = [
        (draw(st.sampled_from(("Interviewer", "Teacher"))), [word() for _ in range(draw(st.integers(1, 8)))])
        for _ in range(draw(st.integers(2, 7)))
    ]
    codings = []
    for _ in range(draw(st.integers(1, 8))):
        t = draw(st.integers(0, len(turns) - 1))
        i = draw(st.integers(0, len(turns[t][1]) - 1))
        j = draw(st.integers(i, len(turns[t][1]) - 1))
        codings.append((t, i, j, draw(st.sampled_from(("alice", "bob"))), draw(st.sampled_from(CODES))))
    new_turns = []
    for t in draw(st.permutations(range(len(turns)))):
        speaker, words = turns[t][0], list(turns[t][1])
        kind = draw(st.sampled_from(("none", "none", "none", "insert", "delete", "replace", "drop", "add")))
        at = draw(st.integers(0, len(words) - 1))
        if kind == "drop":
            continue
        if kind == "add":
            new_turns.append(("Teacher", [word() for _ in range(draw(st.integers(1, 3)))]))
        elif kind == "insert":
            words.insert(at, word())
        elif kind == "delete" and len(words) > 1:
            del words[at]
        elif kind == "replace":
            words[at] = word()
        new_turns.append((speaker, words))
    return turns, codings, new_turns


def render_turns(turns: list[tuple[str, list[str]]], header: str) -> str:
    return header + "".join(f"{speaker}: {' '.join(words)}\n\n" for speaker, words in turns)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=reordered_transcripts())
def test_reordered_turns_keep_every_coding_whose_words_are_still_there_and_undo_restores_all(project, tmp_path, case):
    turns, codings, new_turns = case
    n = next(_examples)
    header = f"Interviewer: Example {n}.\n\n"
    old_text, new_text = render_turns(turns, header), render_turns(new_turns, header)
    if new_text == old_text:
        return
    name = f"reordered-{n}"
    project.import_transcript(parse_file(write(tmp_path, f"{name}.txt", old_text)))
    info = project.transcript(name)
    segments = project.segments(info.id)
    made = {}
    for t, i, j, coder, key in codings:
        speaker, words = turns[t]
        start = old_text.index(f"{speaker}: {' '.join(words)}\n") + len(speaker) + 2 + len(" ".join([*words[:i], ""]))
        end = start + len(" ".join(words[i : j + 1]))
        seg = next(s for s in segments if s.start <= start < s.end)
        made[project.apply_code(coder, key, seg.id, start, end).id] = (coder, key, old_text[start:end])
    before = snapshot(project)

    report = project.replace_transcript(name, parse_file(write(tmp_path, f"{name}-v2.txt", new_text)), "bob")
    assert project.transcript_text(info.id) == new_text
    assert project.check() == []
    now = {c.id: c for c in project.list_codings(info.id)}
    lost = {lc.coding_id for lc in report.lost}
    assert set(now) | lost == set(made) and not set(now) & lost
    memos = {m.coder: m.text for m in project.memos(target="transcript", target_id=info.id)}
    for cid, (coder, key, words) in made.items():
        found = [m.span() for m in re.finditer(rf"(?<!\S){re.escape(words)}(?!\S)", new_text)]
        twin = any(made[other][:2] == (coder, key) and made[other][2] == words for other in made if other < cid)
        if len(found) == 1 and not twin:  # the same words, once: the coding is on them
            assert cid in now, f"{words!r} is still in the text but its coding is not"
            assert (now[cid].start, now[cid].end) == found[0]
        if cid in lost:
            assert f"«{words}»" in memos[coder]
    after = snapshot(project)

    project.undo("bob")
    assert snapshot(project) == before
    project.redo("bob")
    assert snapshot(project) == after
    project.undo("bob")
    assert snapshot(project) == before
