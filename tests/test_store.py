"""The store: migrations, undo/redo from the event log, memos, codebook edits, integrity checks."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine

from qualcode.codebook import parse_codebook
from qualcode.db import engine as dbengine
from qualcode.db.basics import add_text_function
from qualcode.db.models import Base
from qualcode.errors import QualcodeError
from qualcode.project import Project

from .conftest import POSTGRES, TINY_CODEBOOK


def first_answer(project):
    info = project.list_transcripts()[0]
    return [s for s in project.segments(info.id) if s.speaker != "Interviewer"]


# ---------------------------------------------------------------------- migrations


def test_head_revision_constant_matches_the_migration_scripts():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", "qualcode.db:migrations")
    assert ScriptDirectory.from_config(cfg).get_current_head() == dbengine.HEAD_REVISION


def test_migrated_schema_matches_the_models(project_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    Project.create(project_url, None).close()
    engine = create_engine(dbengine.resolve_url(project_url))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    # The full-text search structures (FTS5 tables, a GIN index) are backend-specific and live
    # only in the migration; everything else must match the models.
    diff = [
        d
        for d in diff
        if not (d[0] == "remove_table" and d[1].name.startswith("segment_fts"))
        and not (d[0] == "remove_index" and d[1].name == "ix_transcripts_fts")
    ]
    assert diff == []


@pytest.mark.skipif(bool(POSTGRES), reason="backs up a SQLite file")
def test_an_older_project_is_upgraded_after_a_backup(tmp_path, tiny_codebook, interview_file):

    from qualcode.ingest.transcripts import parse_file

    db = tmp_path / "old.db"
    with Project.create(str(db), tiny_codebook) as p:
        p.import_transcript(parse_file(interview_file))
        p.add_coder("alice")
        seg = first_answer(p)[0]
        kept = p.apply_code("alice", "formalisation.plans", seg.id)
        p.set_memo("alice", "coding", kept.id, "rebuilding tables must not cascade into this")
        freed = p.apply_code("alice", "prioritisation.time", seg.id)
        p.remove_coding("alice", freed.id)
    engine = dbengine.make_engine(dbengine.resolve_url(str(db)))
    dbengine.downgrade(engine, "0001")
    engine.dispose()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    with Project.open(str(db)) as p:
        assert len(p.list_transcripts()) == 1 and p.check() == []
        n_segments = p.summary().n_segments
        assert [m.text for m in p.memos(target="coding", target_id=kept.id)] == [
            "rebuilding tables must not cascade into this"
        ]
        # After the upgrade a freed id stays freed: the next coding gets a new one.
        assert p.apply_code("alice", "prioritisation.time", seg.id).id > freed.id
    with sqlite3.connect(db) as conn:  # the upgrade indexed the existing segments for search
        add_text_function(conn)  # the index reads the (compressed) text through it
        assert conn.execute("SELECT count(*) FROM segment_fts").fetchone() == (n_segments,)
    backup = tmp_path / f"old.db.before-{dbengine.HEAD_REVISION}.bak"
    assert backup.exists()
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert conn.execute("SELECT count(*) FROM transcripts").fetchone() == (1,)


@pytest.mark.skipif(bool(POSTGRES), reason="SQLite pragmas")
def test_sqlite_runs_in_wal_with_foreign_keys(project):
    with project.store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


# ---------------------------------------------------------------------- coding, undo, redo


def test_apply_undo_redo_survive_reopening(project, project_url):
    seg = first_answer(project)[0]
    project.apply_code("alice", "formalisation.plans", seg.id)
    project.apply_code("alice", "prioritisation.time", seg.id, seg.start, seg.start + 6)
    project.close()
    with Project.open(project_url) as again:
        assert again.undo("alice").summary.startswith("undid coding")
        assert [c.code_key for c in again.list_codings(coders=["alice"])] == ["formalisation.plans"]
    with Project.open(project_url) as again:
        again.redo("alice")
        codings = again.list_codings(coders=["alice"])
        assert sorted(c.code_key for c in codings) == ["formalisation.plans", "prioritisation.time"]
        span = next(c for c in codings if c.code_key == "prioritisation.time")
        assert (span.start, span.end) == (seg.start, seg.start + 6)
        assert again.redo("alice") is None


def test_undo_never_touches_another_coders_work(project):
    seg = first_answer(project)[0]
    project.apply_code("alice", "formalisation.plans", seg.id)
    project.apply_code("bob", "formalisation.meetings", seg.id)
    project.undo("alice")
    assert [(c.coder, c.code_key) for c in project.list_codings()] == [("bob", "formalisation.meetings")]
    assert project.undo("alice") is None


def test_a_new_change_clears_redo(project):
    seg = first_answer(project)[0]
    project.apply_code("alice", "formalisation.plans", seg.id)
    project.undo("alice")
    project.apply_code("alice", "formalisation.meetings", seg.id)
    assert project.redo("alice") is None


def test_multiple_undo_then_redo_in_order(project):
    a, b = first_answer(project)[:2]
    project.apply_code("alice", "formalisation.plans", a.id)
    project.apply_code("alice", "formalisation.meetings", b.id)
    coding = project.list_codings(coders=["alice"])[0]
    project.remove_coding("alice", coding.id)
    for _ in range(3):
        project.undo("alice")
    assert project.list_codings() == []
    project.redo("alice")
    assert [c.code_key for c in project.list_codings()] == ["formalisation.plans"]
    project.redo("alice")
    project.redo("alice")
    assert [c.code_key for c in project.list_codings()] == ["formalisation.meetings"]


def test_coding_must_start_inside_its_segment(project):
    seg = first_answer(project)[0]
    with pytest.raises(QualcodeError, match="start inside its segment"):
        project.apply_code("alice", "formalisation.plans", seg.id, seg.start - 1, seg.end)
    with pytest.raises(QualcodeError, match="start inside its segment"):
        project.apply_code("alice", "formalisation.plans", seg.id, seg.end, seg.end + 5)
    with pytest.raises(QualcodeError, match="unknown code"):
        project.apply_code("alice", "nope", seg.id)


def test_removing_someone_elses_coding_is_refused(project):
    seg = first_answer(project)[0]
    coding = project.apply_code("bob", "formalisation.plans", seg.id)
    with pytest.raises(QualcodeError, match="belongs to another coder"):
        project.remove_coding("alice", coding.id)


def test_memos_on_every_target_with_undo(project):
    seg = first_answer(project)[0]
    coding = project.apply_code("alice", "formalisation.plans", seg.id)
    code = project.code("formalisation")
    info = project.list_transcripts()[0]
    project.set_memo("alice", "segment", seg.id, "Check [inaudible] part with the recording")
    project.set_memo("alice", "coding", coding.id, "Borderline with meetings")
    project.set_memo("alice", "code", code.id, "Definition needs an example")
    project.set_memo("alice", "transcript", info.id, "Good interview")
    assert {m.target for m in project.memos("alice")} == {"segment", "coding", "code", "transcript"}
    project.set_memo("alice", "segment", seg.id, "Edited")
    project.undo("alice")
    assert project.memos("alice", "segment")[0].text == "Check [inaudible] part with the recording"
    # Removing a coding removes its memo; undo brings both back.
    project.remove_coding("alice", coding.id)
    assert project.memos("alice", "coding") == []
    project.undo("alice")
    assert project.memos("alice", "coding")[0].text == "Borderline with meetings"


# ---------------------------------------------------------------------- codebook edits


def test_add_rename_move_merge_delete_codes_with_undo(project):
    seg = first_answer(project)[0]
    new = project.add_code("Money", parent_key="prioritisation", coder="alice", description="Funding.")
    assert new.key == "prioritisation.money" and new.parent_key == "prioritisation"
    project.update_code("prioritisation.money", name="Resources", coder="alice")
    assert project.code("prioritisation.money").name == "Resources"
    project.move_code("formalisation.meetings", "prioritisation", coder="alice")
    assert project.code("formalisation.meetings").parent_key == "prioritisation"
    with pytest.raises(QualcodeError, match="own descendant"):
        project.move_code("formalisation", "formalisation.plans")
    project.apply_code("bob", "prioritisation.money", seg.id)
    with pytest.raises(QualcodeError, match="merge it"):
        project.delete_code("prioritisation.money")
    assert project.merge_code("prioritisation.money", "prioritisation.time", coder="alice") == 1
    assert [c.code_key for c in project.list_codings()] == ["prioritisation.time"]
    project.undo("alice")  # the merge
    assert [c.code_key for c in project.list_codings()] == ["prioritisation.money"]
    project.undo("alice")  # the move
    assert project.code("formalisation.meetings").parent_key == "formalisation"
    with pytest.raises(QualcodeError, match="sibling code is already called"):
        project.add_code("Time", parent_key="prioritisation")


def test_codebook_update_from_yaml_applies_renames_moves_and_merges(project):
    seg = first_answer(project)[0]
    project.apply_code("alice", "formalisation.meetings", seg.id)
    project.apply_code("bob", "formalisation.meetings", seg.id)
    project.apply_code("bob", "formalisation.plans", seg.id)
    edited = parse_codebook(
        TINY_CODEBOOK.replace("name: Plans", "name: Development plans").replace(
            "      - id: formalisation.meetings\n        name: Meetings\n        description: Formal meetings and reporting back.\n"
            "        keywords: [report back, meeting]\n",
            "",
        )
        + "  - id: effects\n    name: Effects\n"
    )
    with pytest.raises(QualcodeError, match="--merge formalisation.meetings=OTHER_ID"):
        project.update_codebook(edited)
    assert project.code("formalisation.meetings")
    version = project.codebook_version()
    changes = project.update_codebook(edited, {"formalisation.meetings": "formalisation.plans"})
    assert changes.removed == ["formalisation.meetings"] and changes.added == ["effects"]
    assert project.code("formalisation.plans").name == "Development plans"
    assert sorted((c.coder, c.code_key) for c in project.list_codings()) == [
        ("alice", "formalisation.plans"),
        ("bob", "formalisation.plans"),
    ]
    assert project.codebook_version() > version
    assert project.codebook_doc() == edited
    assert project.check() == []


def test_check_finds_broken_offsets(project):
    if project.backend != "sqlite":
        pytest.skip("edits the SQLite file directly")
    seg = first_answer(project)[0]
    with project.store.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE segments SET end_offset = 999999 WHERE id = {seg.id}")
    assert any("outside the text" in p for p in project.check())


def test_guids_read_back_in_their_canonical_spelling():
    """A GUID stored as its 16 bytes on SQLite reads back as the string it was written as."""
    import uuid

    from sqlalchemy.dialects import sqlite

    from qualcode.db.models import Guid

    guid, dialect = Guid(), sqlite.dialect()
    for value in ("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", str(uuid.uuid4())):
        stored = guid.process_bind_param(value, dialect)
        assert isinstance(stored, bytes) and len(stored) == 16
        assert guid.process_result_value(stored, dialect) == value
    assert guid.process_bind_param("NOT-A-GUID", dialect) == "NOT-A-GUID"  # other programs' spelling kept
