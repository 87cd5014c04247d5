"""The project file's size: no second copy of the text for search, compact rows, and the migration that
carries every earlier schema there with codings, memos, events and search intact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from qualcode.db import engine as dbengine
from qualcode.db.basics import add_text_function, stored_text
from qualcode.db.models import Code, Codebook, Coder, Coding, Event, Memo, Participant, Segment, Transcript
from qualcode.errors import QualcodeError
from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project

from .conftest import POSTGRES

EARLIER = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")
QUERIES = (
    "network",
    "development plan",
    "time",
    "release tim",
    '"performance management"',
    "café",
    "school budget",
    # phrases, a prefix, FTS5's own words taken as words
    '"release time"',
    '"our budget" cover',
    "develop",
    "NEAR",
    "budget NEAR cover",
)


def search_index_is_whole(project: Project) -> None:
    """SQLite's FTS5 integrity check against the text the index reads from: fails if it holds stale words."""
    if project.backend != "sqlite":
        return
    with project.store.tx() as s:
        s.execute(text("INSERT INTO segment_fts(segment_fts, rank) VALUES ('integrity-check', 1)"))


def hits(project: Project, queries=QUERIES) -> dict[str, list[tuple]]:
    return {q: [(h.segment_id, h.text, h.matches) for h in project.search(q)] for q in queries}


def rows(project: Project) -> dict[str, list[dict]]:
    """Every row of the tables whose values the migration rewrites, as the models read them."""
    out = {}
    with project.store.read() as s:
        for model in (Coder, Codebook, Code, Participant, Transcript, Segment, Coding, Memo, Event):
            columns = [c.key for c in model.__mapper__.column_attrs]
            out[model.__tablename__] = [
                {c: getattr(r, c) for c in columns} for r in s.scalars(select(model).order_by(model.id))
            ]
    return out


# ---------------------------------------------------------------------- the file


@pytest.mark.skipif(bool(POSTGRES), reason="SQLite's file (PostgreSQL indexes transcripts.text itself)")
def test_the_search_index_keeps_no_second_copy_of_the_text(project, project_url):
    body = project.transcript_text(project.list_transcripts()[0].id)
    project.close()
    with sqlite3.connect(project_url) as conn:
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "segment_fts" in tables and "segment_fts_content" not in tables
        # the words are still there to read, from the transcript's text (compressed: revision 0008)
        add_text_function(conn)
        texts = [t for (t,) in conn.execute("SELECT text FROM segment_fts ORDER BY rowid")]
    assert texts and all(t in body for t in texts)


def _generated(path: Path, interviews: int) -> tuple[int, int]:
    """(file bytes, text bytes) of a VACUUMed project of generated interviews with two coders' codings."""
    from benchmarks.corpus import build_project

    build_project(str(path), interviews).close()
    conn = sqlite3.connect(path)
    try:
        conn.execute("VACUUM")
        text_bytes = sum(len(stored_text(t).encode("utf-8")) for (t,) in conn.execute("SELECT text FROM transcripts"))
        assert conn.execute("SELECT typeof(guid), typeof(created_at) FROM codings LIMIT 1").fetchone() == (
            "blob",
            "integer",
        )
    finally:
        conn.close()
    return path.stat().st_size, text_bytes


@pytest.mark.skipif(bool(POSTGRES), reason="the size of an SQLite file")
def test_the_file_grows_at_most_twice_as_fast_as_its_text(tmp_path):
    small = _generated(tmp_path / "small.db", 10)
    large = _generated(tmp_path / "large.db", 40)
    growth = (large[0] - small[0]) / (large[1] - small[1])
    # 4.0 before revision 0006 (every page a table or index starts with aside), 2.66 before 0008
    # (the text itself uncompressed); 2.0 with it compressed
    assert growth <= 2.2


@pytest.mark.skipif(bool(POSTGRES), reason="how SQLite stores the text (PostgreSQL compresses it itself, TOAST)")
def test_the_text_is_stored_compressed_and_reads_back_as_imported(project, project_url, tmp_path):
    source = tmp_path / "interview-02.txt"
    turns = [
        f"Interviewer: Question {i}, about the café?\n\nTeacher: Answer {i}: the café budget, déjà vu."
        for i in range(60)
    ]
    source.write_text("\n\n".join(turns) + "\n", encoding="utf-8")
    project.import_transcript(parse_file(source))
    info = next(t for t in project.list_transcripts() if t.name == "interview-02")
    body = project.transcript_text(info.id)
    assert body == source.read_text(encoding="utf-8")
    assert info.n_chars == len(body) < len(body.encode("utf-8"))  # length() of the text, not of its bytes
    assert [h.text for h in project.search("déjà")][:1] == ["Answer 0: the café budget, déjà vu."]
    project.close()
    with sqlite3.connect(project_url) as conn:
        (stored,) = conn.execute("SELECT text FROM transcripts WHERE name = 'interview-02'").fetchone()
        assert isinstance(stored, bytes) and len(stored) < len(body.encode("utf-8")) / 2
        assert stored_text(stored) == body
        # SQL reads the words through the function every qualcode connection registers
        add_text_function(conn)
        assert conn.execute(
            "SELECT length(qualcode_text(text)) FROM transcripts WHERE name = 'interview-02'"
        ).fetchone() == (len(body),)


@pytest.mark.skipif(bool(POSTGRES), reason="SQLite's full-text index")
def test_a_connection_without_the_text_function_fails_and_leaves_the_index_whole(project, project_url):
    found = hits(project)
    project.close()
    conn = sqlite3.connect(project_url)
    try:  # another program's connection: it cannot read the words the index would need to forget
        for change in (
            "DELETE FROM transcripts",
            "UPDATE transcripts SET text = 'other words'",
            "DELETE FROM segments WHERE id = (SELECT max(id) FROM segments)",
            "UPDATE segments SET end_offset = end_offset - 1",
        ):
            with pytest.raises(sqlite3.OperationalError, match="no such function: qualcode_text"):
                conn.execute(change)
            conn.rollback()
        # searching needs only the index
        assert conn.execute("SELECT count(*) FROM segment_fts WHERE segment_fts MATCH 'budget'").fetchone() == (1,)
    finally:
        conn.close()
    with Project.open(project_url) as again:
        search_index_is_whole(again)
        assert hits(again) == found


def test_guids_in_another_programs_spelling_and_timestamps_read_back_as_written(project):
    seg = [s for s in project.segments(project.list_transcripts()[0].id) if s.speaker != "Interviewer"][0]
    coding = project.apply_code("alice", "formalisation.plans", seg.id)
    with project.store.tx() as s:
        s.execute(update(Coding).where(Coding.id == coding.id).values(guid="A1B2C3D4-0000-4000-8000-00000000000F"))
    with project.store.read() as s:
        row = s.get(Coding, coding.id)
        assert row.guid == "A1B2C3D4-0000-4000-8000-00000000000F"
        assert s.scalar(select(Coding.id).where(Coding.guid == "A1B2C3D4-0000-4000-8000-00000000000F")) == coding.id
        transcript = s.scalars(select(Transcript)).one()
        assert len(transcript.guid) == 36 and s.scalar(select(Transcript.id).where(Transcript.guid == transcript.guid))
        moments = s.scalars(select(Event.at).order_by(Event.id)).all()
        assert moments == sorted(moments) and moments[-1].year >= 2026


@pytest.mark.skipif(bool(POSTGRES), reason="how SQLite stores a row (PostgreSQL keeps the word)")
def test_a_codings_origin_takes_no_bytes_of_its_row_and_reads_back_as_its_word(project, project_url):
    segs = [s for s in project.segments(project.list_transcripts()[0].id) if s.speaker != "Interviewer"]
    made = {
        project.apply_code("alice", "formalisation.plans", segs[0].id).id: "manual",
        project.apply_code("alice", "prioritisation.time", segs[0].id, origin="suggestion").id: "suggestion",
        project.apply_code("bob", "formalisation.plans", segs[1].id, origin="imported").id: "imported",
    }
    assert {c.id: c.origin for c in project.list_codings()} == made
    with project.store.read() as s:
        assert [c.id for c in s.scalars(select(Coding).where(Coding.origin == "suggestion"))] == [
            i for i, o in made.items() if o == "suggestion"
        ]
    with pytest.raises(Exception, match="CHECK constraint failed"), project.store.tx() as s:
        s.execute(update(Coding).values(origin="copied"))
    assert {c.id: c.origin for c in project.list_codings()} == made
    project.close()
    with sqlite3.connect(project_url) as conn:
        stored = dict(conn.execute("SELECT id, origin FROM codings"))
        # 0 and 1 are held in the row's header alone
        assert {stored[i] for i, o in made.items() if o != "suggestion"} <= {0, 1}
        assert {type(v) for v in stored.values()} == {int}


# ---------------------------------------------------------------------- search


def test_the_search_index_stays_whole_through_every_change_to_a_transcript(project, tmp_path):
    search_index_is_whole(project)
    name = project.list_transcripts()[0].name
    assert [h.text for h in project.search("budget")] == [
        "We paid for cover so they had release time. [laughs] Not easy on our budget.\nSome weeks it was the first thing to go."
    ]
    changed = tmp_path / "interview-01.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("budget", "finances"), encoding="utf-8")
    project.replace_transcript(name, parse_file(changed), "alice")
    search_index_is_whole(project)
    assert project.search("budget") == [] and len(project.search("finances")) == 1
    project.undo("alice")
    search_index_is_whole(project)
    assert project.search("finances") == [] and len(project.search("budget")) == 1
    project.remove_transcript(name, "alice")
    search_index_is_whole(project)
    assert project.search("budget") == []
    project.undo("alice")
    search_index_is_whole(project)
    assert len(project.search("budget")) == 1


@pytest.mark.skipif(bool(POSTGRES), reason="the demo is an SQLite file")
def test_search_on_the_demo_finds_what_the_old_index_found(tmp_path):
    from qualcode.project.workbench import fts5_query
    from qualcode.samples import build_demo

    path = build_demo(tmp_path).path
    with Project.open(str(path)) as project:
        words = {
            w.strip(".,?!") for t in project.list_transcripts() for w in project.transcript_text(t.id).split()[5:200:7]
        }
    queries = (*QUERIES, *sorted(words))
    engine = dbengine.make_engine(dbengine.resolve_url(str(path)))
    dbengine.downgrade(engine, "0005")  # revision 0002's index, with its own copy of every segment's text
    engine.dispose()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM segment_fts_content").fetchone()[0] > 0
        old = {  # what the search of revision 0005 ran
            q: [
                i
                for (i,) in conn.execute(
                    "SELECT s.id FROM segments s JOIN transcripts t ON t.id = s.transcript_id "
                    "JOIN segment_fts f ON f.rowid = s.id WHERE segment_fts MATCH ? "
                    "ORDER BY f.rank, t.name, s.position LIMIT 200",
                    (fts5_query(q),),
                )
            ]
            for q in queries
        }
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    old_size = path.stat().st_size
    with Project.open(str(path)) as project:  # upgraded on open
        search_index_is_whole(project)
        assert {q: [h.segment_id for h in project.search(q)] for q in queries} == old
    assert sum(map(len, old.values())) > 5 * len(queries)
    assert path.stat().st_size < 0.9 * old_size  # the upgrade VACUUMs the file: it shrinks


# ---------------------------------------------------------------------- migration


@pytest.mark.parametrize("revision", EARLIER)
def test_every_earlier_schema_upgrades_with_codings_memos_events_and_search(project, project_url, revision):
    segs = [s for s in project.segments(project.list_transcripts()[0].id) if s.speaker != "Interviewer"]
    kept = project.apply_code("alice", "formalisation.plans", segs[0].id)
    project.apply_code("bob", "prioritisation.time", segs[1].id, segs[1].start, segs[1].start + 6)
    project.apply_code("bob", "formalisation.plans", segs[1].id, origin="imported")
    project.apply_code("bob", "prioritisation.time", segs[0].id, origin="suggestion")
    project.set_memo("alice", "coding", kept.id, "a memo on a coding")
    project.set_memo("bob", "segment", segs[1].id, "a memo on a turn")
    undone = project.apply_code("alice", "prioritisation.time", segs[0].id)
    project.undo("alice")
    with project.store.tx() as s:  # a GUID as another program spells it
        s.execute(update(Coding).where(Coding.id == kept.id).values(guid="0F0E0D0C-0B0A-4009-8807-060504030201"))
    before, found = rows(project), hits(project)
    assert all(found[q] for q in ('"release time"', '"our budget" cover', "develop", "release tim"))
    assert found["NEAR"] == [] and found["budget NEAR cover"] == []  # words, not FTS5's operator
    project.close()

    engine = dbengine.make_engine(dbengine.resolve_url(project_url))
    dbengine.downgrade(engine, revision)
    assert dbengine.current_revision(engine) == revision
    engine.dispose()
    if not POSTGRES:  # the text is plain again before revision 0008
        with sqlite3.connect(project_url) as conn:
            assert {t for (t,) in conn.execute("SELECT typeof(text) FROM transcripts")} == {"text"}

    with Project.open(project_url) as again:
        assert rows(again) == before
        assert hits(again) == found
        search_index_is_whole(again)
        assert again.check() == []
        # the event log still reverses what it names
        assert again.redo("alice").summary.startswith("redid")
        assert {c.id for c in again.list_codings(coders=["alice"])} == {kept.id, undone.id}
        again.undo("alice")
        assert [m.text for m in again.memos(target="coding", target_id=kept.id)] == ["a memo on a coding"]
        assert again.apply_code("bob", "formalisation.plans", segs[0].id).id > undone.id


def test_a_stored_texts_prefix_is_the_start_of_the_text_whatever_its_characters():
    from qualcode.db.basics import packed_text, stored_prefix

    body = "".join(f"turn {i}: café, 日本語, emoji 🙂, plain words. " * (i % 5 + 1) for i in range(800))
    packed = packed_text(body)
    for chars in (0, 1, 7, 4095, 4096, 4097, 20_000, len(body) - 1, len(body), len(body) + 10):
        prefix = stored_prefix(packed, chars)
        assert body.startswith(prefix) and len(prefix) >= min(chars, len(body))
    assert stored_prefix(body, 5) == body  # text stored plain (PostgreSQL, older revisions) is given whole
    assert stored_text(packed) == body and stored_text(None) == ""


@pytest.mark.skipif(bool(POSTGRES), reason="status's light read is of SQLite files")
def test_status_counts_the_words_of_the_compressed_text(project, project_url):
    from qualcode.project.peek import read_summary

    body = project.transcript_text(project.list_transcripts()[0].id)
    stored = project.summary()
    project.close()
    light = read_summary(project_url)
    assert light is not None  # the light read, not the store's
    assert light.n_words == stored.n_words == len(body.split()) > 40


@pytest.mark.skipif(bool(POSTGRES), reason="how SQLite stores the text")
def test_a_damaged_stored_text_is_one_line_not_a_traceback(project, project_url, run_cli):
    tid = project.list_transcripts()[0].id
    project.close()
    with sqlite3.connect(project_url) as conn:  # bytes neither compressed nor UTF-8
        add_text_function(conn)  # the index's trigger reads the text it replaces
        conn.execute("UPDATE transcripts SET text = ? WHERE id = ?", (b"\xff\xfe\x00garbage\x9c", tid))
    conn.close()
    result = run_cli("status", "--db", project_url)
    assert result.exit_code == 1
    assert "stored text is damaged" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    checked = run_cli("check", "--db", project_url)  # names the transcript, checks the rest
    assert checked.exit_code == 1
    assert checked.stderr.startswith("problem: transcript interview-01: a transcript's stored text is damaged")
    with Project.open(project_url) as reopened, pytest.raises(QualcodeError, match="stored text is damaged"):
        reopened.transcript_text(tid)
