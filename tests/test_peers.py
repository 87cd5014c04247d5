"""Projects from other tools: QualCoder (.qda) and Taguette (project export, codebook and highlights CSVs).

The synthetic projects (``tests/peer_fixtures.py``) run everywhere, on SQLite and PostgreSQL;
the real ones (``tests/fixtures/peers/README.md``) run where ``benchmarks/fetch_peer_files.py``
has fetched them, and are skipped with that reason elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest

from qualcode.errors import InputError
from qualcode.ingest.peers import Locator, peer_kind, words
from qualcode.ingest.qualcoder import read_qualcoder
from qualcode.ingest.taguette import html_text, read_taguette
from tests.peer_fixtures import (
    QC_EXPECTED,
    QC_TEXT,
    TG_EXPECTED,
    qualcoder_project,
    taguette_csvs,
    taguette_export,
)

REAL = Path(os.environ.get("QUALCODE_PEER_FILES") or Path(__file__).parent / "fixtures" / "peers" / "real")
REAL_FILES = {
    # name in the cache: (sha256, where it comes from)
    "mannheimer_data.qda": (
        "da006dfc3aeb82ae2ba9c37ac947f4446810ef44bd4f7a11a9206f179f1fc0ac",
        "LibraryCarpentry/lc-qualitative-qualcoder",
    ),
    "SERDIF_P2_ThematicAnalysis.sqlite3": (
        "33bc97988ddedb792f1f57575a5949525373942151d6fe52a3ebc000214d8c9a",
        "navarral/swj2022-usability-paper",
    ),
    "all_tags_20220303.csv": (
        "b9c07fe52801eed3db7a983e0a0128376e18619b9e3524eec0779b8659075bba",
        "navarral/swj2022-usability-paper",
    ),
    "codebook_20220303_8.csv": (
        "5e73f628050798c872204182f432a82af8f8dfd93a33820bd430801741a70f08",
        "navarral/swj2022-usability-paper",
    ),
}


def real_file(name: str) -> Path:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"{name} not fetched (run benchmarks/fetch_peer_files.py; CI has no network)")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == REAL_FILES[name][0], f"{path} is not the pinned file"
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def coded_words(project) -> dict[tuple[str, str], list[str]]:
    """(coder, code name) -> the words of each of its codings, in text order."""
    data = project.export_data()
    names = {c.key: c.name for c in data.codes}
    texts = {t.id: t.text for t in data.transcripts}
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in sorted(data.codings, key=lambda c: (c.transcript_id, c.start, c.end)):
        out[(c.coder, names[c.code_key])].append(texts[c.transcript_id][c.start : c.end])
    return dict(out)


# ---------------------------------------------------------------------- QualCoder


def test_a_qualcoder_project_comes_in_with_codes_codings_coders_memos_and_cases(project_url, tmp_path):
    from qualcode.project import Project

    folder = qualcoder_project(tmp_path)
    before = sha(folder / "data.qda")
    with Project.create(project_url) as p:
        summary = p.import_peer(folder)
        # every coding on its words, by its coder; the one across two turns stays one coding
        assert coded_words(p) == {k: v for k, v in QC_EXPECTED.items()}
        codes = {c.name: c for c in p.export_data().codes}
        assert codes["Conditions"].parent_key == codes["Themes"].key  # categories are parent codes
        assert codes["Time"].parent_key == codes["Conditions"].key
        assert codes["Release time"].parent_key == codes["Time"].key  # a sub-code stays under its code
        assert codes["Trust"].parent_key is None
        assert codes["Time"].description == "Release time and cover."
        assert codes["Time"].include == "cover arranged by the school."
        assert codes["Conditions"].description == "What made the work possible."
        assert codes["Time"].color == "#f5b999"
        data = p.export_data()
        [transcript] = data.transcripts
        assert transcript.text == QC_TEXT  # stored exactly as QualCoder had it
        [person] = data.participants
        assert (person.label, person.attributes) == ("Teacher T1", {"role": "Teacher", "school": "School A"})
        assert transcript.participant_id == person.id
        memos = {(m.coder, m.target, m.text) for m in data.memos}
        assert ("alice", "coding", "Clear example of slow trust") in memos
        assert ("alice", "transcript", "Recorded at school") in memos
        assert ("bob", "segment", "Follow up on this") in memos  # an annotation
        assert sorted(summary.coders_added) == ["alice", "bob"]
        lost = "\n".join(summary.warnings)
        for line in (
            "codings whose words are not in their text (neither at their offsets nor nearby): 1 not imported",
            "codings of codes the project does not define: 1 not imported",
            "codings of pictures (qualcode codes text): 1 not imported",
            "sources that are not text (pictures, audio, video; qualcode codes text): 1 not imported",
            "journals (qualcode has no journals): 1 not imported",
            "the project memo (qualcode has no project memo): 1 not imported",
            "case memos (qualcode keeps no memo on a participant): 1 not imported",
            "'important' marks on codings (the codings are imported): 1 not imported",
            "bibliography entries (qualcode has no references): 1 not imported",
            "descriptions of attributes (the values are imported): 1 not imported",
            "1 codings' offsets did not match the words QualCoder stored with them",
        ):
            assert line in lost
        assert "split" not in lost  # a coding across turns stays one coding
        again = p.import_peer(folder / "data.qda")  # the same project again adds nothing
        assert (again.codes_added, again.codings_added, again.memos_added, again.transcripts_added) == (0, 0, 0, [])
    assert sha(folder / "data.qda") == before  # QualCoder's file is never changed
    assert sorted(x.name for x in folder.iterdir()) == ["data.qda"]  # no journal or WAL left beside it


def test_a_project_in_wal_mode_is_read_without_a_file_appearing_beside_it(tmp_path):
    folder = qualcoder_project(tmp_path)
    db = sqlite3.connect(folder / "data.qda")
    assert db.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
    db.close()
    before = sha(folder / "data.qda")
    assert len(read_qualcoder(folder).sources) == 1
    assert sha(folder / "data.qda") == before
    assert sorted(x.name for x in folder.iterdir()) == ["data.qda"]


def test_a_project_from_before_database_v3_has_no_important_column(tmp_path):
    folder = qualcoder_project(tmp_path, version="v2")
    db = sqlite3.connect(folder / "data.qda")
    db.execute("ALTER TABLE code_text DROP COLUMN important")
    db.commit()
    db.close()
    doc = read_qualcoder(folder)
    assert sum(len(sel.codings) for src in doc.sources for sel in src.selections) == 5


def test_a_newer_or_foreign_qda_is_refused_in_one_line(tmp_path):
    newer = qualcoder_project(tmp_path / "newer", version="v99")
    with pytest.raises(InputError, match=r"newer QualCoder \(database v99; qualcode reads up to v17\)"):
        read_qualcoder(newer)
    other = tmp_path / "other.qda"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE notes (id integer, text text)")
    db.commit()
    db.close()
    with pytest.raises(InputError, match="not a QualCoder project"):
        read_qualcoder(other)


def test_locator_finds_words_whatever_the_white_space():
    loc = Locator("Teacher:  We put it\n\nin the plan. We put it in the plan.")
    assert loc.at(0, 5, "We put it in the") == (10, 27)  # wrong offsets: found by the words, nearest first
    assert loc.find("we put it", near=0) is None  # case matters
    assert loc.find("We put it in the plan.", after=11) == (34, 56)
    assert words("a\u2029b \n c") == "a b c"


# ---------------------------------------------------------------------- Taguette


def test_taguette_html_offsets_become_character_offsets():
    doc = html_text("<p>caf\u00e9 &amp; tea</p><p>x\U0001f600y</p>")
    assert doc.text == "caf\u00e9 & tea\nx\U0001f600y"
    # Taguette counts UTF-8 bytes of the text nodes: "café & tea" is 11 bytes, the emoji 4
    assert doc.text[doc.offset(0) : doc.offset(5)] == "caf\u00e9"
    assert doc.text[doc.offset(11) : doc.offset(17)] == "x\U0001f600y"
    assert doc.offset(13) == doc.offset(12)  # inside a character: rounded down, as Taguette does


def test_a_taguette_export_comes_in_with_every_highlight_on_its_words(project_url, tmp_path):
    from qualcode.project import Project

    path = taguette_export(tmp_path / "taguette")
    before = sha(path)
    with Project.create(project_url) as p:
        summary = p.import_peer(path)
        assert coded_words(p) == TG_EXPECTED
        codes = {c.name: c for c in p.export_data().codes}
        assert codes["Places"].description == "Where people went."
        [transcript] = p.export_data().transcripts
        assert transcript.title == "First participant"
        assert sorted(summary.coders_added) == ["ana", "ben"]  # who made each highlight, from Taguette's log
        assert "highlights without a tag: 1 not imported" in summary.warnings
        assert "project descriptions (qualcode has no project memo): 1 not imported" in summary.warnings
        assert p.import_peer(path).codings_added == 0
    assert sha(path) == before
    assert sorted(x.name for x in path.parent.iterdir()) == ["project.sqlite3"]


def test_taguette_csvs_codebook_then_highlights_found_in_the_transcripts(project_url, tmp_path, run_cli):
    from qualcode.project import Project

    codebook, highlights = taguette_csvs(tmp_path)
    assert (peer_kind(codebook), peer_kind(highlights)) == ("taguette-codebook", "taguette-highlights")
    transcript = tmp_path / "library-p1.txt"
    transcript.write_text(html_text(read_taguette_html(tmp_path)).text, encoding="utf-8")
    with Project.create(project_url) as p:
        pass
    result = run_cli("import", "--db", project_url, "--coder", "carol", str(codebook), str(transcript), str(highlights))
    assert result.exit_code == 0, result.stderr
    assert "highlight rows whose words are not in their transcript: 1 not imported" in result.stderr
    assert "highlights without a tag: 1 not imported" in result.stderr
    with Project.open(project_url) as p:
        assert coded_words(p) == {
            ("carol", "Places"): ["caf\u00e9 & library", "Yes \U0001f600 it was. Every day."],
            ("carol", "Learning"): ["caf\u00e9 & library"],
            ("carol", "Helped"): ["It helped me a lot."],
        }
        codes = {c.name: c for c in p.export_data().codes}
        assert codes["Learning"].description == "What people learnt."


def read_taguette_html(folder: Path) -> str:
    from tests.peer_fixtures import TG_HTML

    return TG_HTML


def test_highlights_of_a_document_not_in_the_project_refuse_the_file(project_url, tmp_path, run_cli):
    from qualcode.project import Project

    _, highlights = taguette_csvs(tmp_path)
    with Project.create(project_url) as p:
        events = len(p.events(limit=1000))
    result = run_cli("import", "--db", project_url, str(highlights))
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert "document 'library-p1.odt' is not a transcript in the project" in line
    with Project.open(project_url) as p:
        assert len(p.events(limit=1000)) == events


def test_a_taguette_export_of_an_unknown_schema_is_refused(tmp_path):
    path = taguette_export(tmp_path, revision="ffffffffffff")
    with pytest.raises(InputError, match=r"unknown schema version \(ffffffffffff\), probably from a newer Taguette"):
        read_taguette(path)


# ---------------------------------------------------------------------- bad input, from the command line


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _damaged_values(folder: Path) -> Path:
    db = sqlite3.connect(folder / "data.qda")
    db.execute("UPDATE code_text SET fid = 'one' WHERE ctid = 1")
    db.commit()
    db.close()
    return folder


def _foreign_sqlite(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE things (id integer)")
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: _foreign_sqlite(d / "other.qda"), "neither a QualCoder project nor a Taguette export"),
        (lambda d: qualcoder_project(d, version="v42"), "newer QualCoder (database v42"),
        (lambda d: taguette_export(d, revision="0123456789ab"), "unknown schema version (0123456789ab)"),
        (lambda d: _damaged_values(qualcoder_project(d)), "unexpected values in the project's tables"),
        (lambda d: _write(d / "empty.qda", b""), "empty.qda: the file is empty"),
        (
            lambda d: _write(d / "broken.sqlite3", b"SQLite format 3\x00" + b"\x13" * 500),
            "broken.sqlite3: the database is damaged or unreadable",
        ),
        (lambda d: _write(d / "notes.qda", b"just some notes\n"), "notes.qda: not an SQLite database"),
        (
            lambda d: _write(d / "broken.db", b"SQLite format 3\x00" + b"\x13" * 500),
            "broken.db: the database is damaged or unreadable",
        ),
    ],
    ids=[
        "sqlite-not-qualcoder",
        "newer-qualcoder",
        "newer-taguette",
        "damaged-values",
        "empty",
        "corrupt",
        "not-sqlite",
        "corrupt-any-name",
    ],
)
def test_bad_project_files_get_one_line_and_change_nothing(make, message, project_url, tmp_path, run_cli):
    from qualcode.project import Project

    folder = tmp_path / "in"
    folder.mkdir()
    bad = make(folder)
    with Project.create(project_url) as p:
        events = len(p.events(limit=1000))
    before = sha(bad / "data.qda" if bad.is_dir() else bad)
    result = run_cli("import", "--db", project_url, str(bad))
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and message in line, line
    assert "Traceback" not in result.output
    with Project.open(project_url) as p:
        assert len(p.events(limit=1000)) == events
        assert p.export_data().transcripts == []
    assert sha(bad / "data.qda" if bad.is_dir() else bad) == before


def test_dry_run_says_what_a_qualcoder_project_holds(tmp_path, run_cli):
    folder = qualcoder_project(tmp_path)
    result = run_cli("import", "--dry-run", str(folder))
    assert result.exit_code == 0, result.stderr
    assert (
        "a QualCoder project (QualCoder 3.6): 5 codes, 1 text, 5 codings by 2 coders, 1 case, 3 memos" in result.stdout
    )
    assert "journals (qualcode has no journals): 1 not imported" in result.stderr


def test_a_folder_holding_a_qualcoder_project_imports_the_project_not_its_document_copies(tmp_path, run_cli):
    from qualcode.project import Project

    study = tmp_path / "study"
    study.mkdir()
    folder = qualcoder_project(study)
    for sub in ("documents", "ai_data"):
        (folder / sub).mkdir()
    # QualCoder keeps copies of what it imported; they are not transcripts of their own
    (folder / "documents" / "teacher-t1.txt").write_text("Interviewer: An earlier draft.\n", encoding="utf-8")
    _foreign_sqlite(folder / "ai_data" / "chat_history.sqlite")
    url = str(tmp_path / "p.db")
    Project.create(url).close()
    result = run_cli("import", "--db", url, str(study))
    assert result.exit_code == 0, result.stderr
    with Project.open(url) as p:
        assert [t.name for t in p.export_data().transcripts] == ["teacher-t1"]


# ---------------------------------------------------------------------- real files


def test_real_qualcoder_project_every_coding_on_its_words(project_url):
    """753 codings of a real study (Mannheimer's interviews recoded in QualCoder 3.6)."""
    from qualcode.project import Project

    path = real_file("mannheimer_data.qda")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    texts = dict(source.execute("SELECT name, fulltext FROM source"))
    stored = list(
        source.execute(
            "SELECT c.name, t.fid, s.name, t.pos0, t.pos1, t.seltext, t.owner FROM code_text t "
            "JOIN code_name c ON c.cid = t.cid JOIN source s ON s.id = t.fid"
        )
    )
    source.close()
    with Project.create(project_url) as p:
        summary = p.import_peer(path)
        assert len(summary.transcripts_added) == 30
        check_every_coding(p, texts, [(code, src, a, b, sel, owner) for code, _, src, a, b, sel, owner in stored])


def test_real_taguette_export_every_highlight_on_its_words(project_url):
    """1,930 tagged highlights of a real study (SERDIF usability sessions, Taguette 1.x)."""
    from qualcode.ingest.taguette import snippet_words
    from qualcode.project import Project

    path = real_file("SERDIF_P2_ThematicAnalysis.sqlite3")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    documents = {name: html_text(html) for name, html in source.execute("SELECT name, contents FROM documents")}
    rows = list(
        source.execute(
            "SELECT t.path, d.name, h.start_offset, h.end_offset, h.snippet FROM highlights h "
            "JOIN highlight_tags ht ON ht.highlight_id = h.id JOIN tags t ON t.id = ht.tag_id "
            "JOIN documents d ON d.id = h.document_id"
        )
    )
    source.close()
    assert len(rows) == 1930
    stored = []
    for tag, name, start, end, snippet in rows:
        doc = documents[name]
        a, b = doc.offset(start), doc.offset(end)
        assert words(doc.text[a:b]) == snippet_words(snippet)  # Taguette's offsets, read as Taguette counts them
        stored.append((tag, name, a, b, snippet_words(snippet), "admin"))
    with Project.create(project_url) as p:
        summary = p.import_peer(path)
        assert len(summary.transcripts_added) == 17
        check_every_coding(p, {name: d.text for name, d in documents.items()}, stored)


def test_real_taguette_csvs_place_every_highlight_where_the_export_has_it(project_url):
    """The same study's codebook and highlights CSVs (no offsets in them), found in its documents."""
    from qualcode.project import Project

    export = real_file("SERDIF_P2_ThematicAnalysis.sqlite3")
    codebook = real_file("codebook_20220303_8.csv")
    highlights = real_file("all_tags_20220303.csv")
    with Project.create(project_url) as p:
        p.import_peer(export)
        book = p.import_peer(codebook)
        assert (book.codes_added, book.codes_matched) == (0, 22)
        summary = p.import_peer(highlights, "csv")
        data = p.export_data()
    assert not [w for w in summary.warnings if "not imported" in w]
    places: dict[str, set[tuple[str, int, int, int]]] = defaultdict(set)
    for c in data.codings:
        places[c.coder].add((c.code_key, c.transcript_id, c.start, c.end))
    # without a single offset in it, the CSV puts every highlight exactly where the export has it
    assert len(places["admin"]) == 1930  # one coding per highlight and tag, those across turns whole
    assert places["csv"] == places["admin"]


def check_every_coding(p, texts, stored):
    """Each stored coding (code, source, start, end, words, coder) is in the project as one coding,
    covering exactly its passage from the first to the last character that lies in a turn (a
    speaker's label at either edge is the segment's speaker, not coded text; one between two turns
    of a passage that runs on is part of it), on the same text."""
    data = p.export_data()
    names = {c.key: c.name for c in data.codes}
    transcripts = {t.name: t for t in data.transcripts}
    by_id = {t.id: t.name for t in data.transcripts}
    assert all(transcripts[name].text == text for name, text in texts.items() if name in transcripts)
    in_turns: dict[str, set[int]] = defaultdict(set)
    for seg in data.segments:
        in_turns[by_id[seg.transcript_id]].update(range(seg.start, seg.end))
    mine: dict[tuple[str, str, str], list[tuple[int, int]]] = defaultdict(list)
    for c in data.codings:
        mine[(names[c.code_key], by_id[c.transcript_id], c.coder)].append((c.start, c.end))
    wrong = []
    for code, src, a, b, stored_words, coder in stored:
        text = transcripts[src].text
        assert words(text[a:b]) == words(stored_words)  # the passage is the other tool's words
        covered = {i for x, y in mine[(code, src, coder)] if a <= x and y <= b for i in range(x, y)}
        inside = [i for i in range(a, b) if i in in_turns[src] and not text[i].isspace()]
        expected = {i for i in range(inside[0], inside[-1] + 1) if not text[i].isspace()} if inside else set()
        if {i for i in covered if not text[i].isspace()} != expected:
            wrong.append((code, src, stored_words[:60]))
    assert wrong == []
