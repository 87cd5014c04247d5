"""Bad input: one clear line on stderr, a non-zero exit, and an unchanged database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from .conftest import INTERVIEW, POSTGRES, TINY_CODEBOOK

pytestmark = pytest.mark.skipif(bool(POSTGRES), reason="compares SQLite files byte for byte")


def snapshot(db: Path) -> dict[str, list]:
    """Every row of every table (the event log included)."""
    with sqlite3.connect(db) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'segment_fts%'")
        ]
        return {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables}


@pytest.fixture
def cli_project(run_cli, tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    assert run_cli("init", "--codebook", "tiny.yaml").exit_code == 0
    (tmp_path / "good.txt").write_text(INTERVIEW, encoding="utf-8")
    assert run_cli("import", "good.txt").exit_code == 0
    return tmp_path / "qualcode.db"


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]


BAD_FILES = {
    "binary.txt": (b"\x00\x01\x02\x03PK\x00\x00" * 64, "binary file"),
    "picture.txt": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "binary file (a PNG image)"),
    "empty.txt": (b"", "empty file"),
    "blank.md": (b"  \n\n\t\n", "empty file"),
    "latin1.txt": (
        "Interviewer: Caf\xe9?\n\nTeacher: Oui, tr\xe8s bien.\n".encode("latin-1"),
        "not valid UTF-8 text (it looks like Latin-1",
    ),
    "list-front.txt": (b"---\n- a\n- b\n---\nInterviewer: hi\n\nTeacher: hello\n", "front matter must be a mapping"),
    "bad-front.txt": (b"---\nparticipant: [unclosed\n---\nInterviewer: hi\n", "front matter is not valid YAML"),
    "unclosed.txt": (b"---\nparticipant: x\nInterviewer: hi\n", "front matter opened with '---' is never closed"),
    "slides.pdf": (b"%PDF-1.4 ...", "unsupported file type .pdf"),
    "fake.docx": (b"this is not a zip", "not a readable Word .docx document"),
    "nocues.vtt": (b"WEBVTT\n\njust text\n", "no caption cues found"),
    "only-front.txt": (b"---\nparticipant: x\n---\n\n\n", "no transcript text found"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_transcript_file(run_cli, cli_project, tmp_path, name):
    content, message = BAD_FILES[name]
    (tmp_path / name).write_bytes(content)
    before = snapshot(cli_project)
    result = run_cli("import", name)
    assert result.exit_code == 1
    line = one_error_line(result)
    assert name in line and message in line
    assert snapshot(cli_project) == before


def test_fifty_megabyte_file_is_refused_without_reading_it(run_cli, cli_project, tmp_path):
    big = tmp_path / "huge.txt"
    with open(big, "wb") as fh:
        fh.write(b"Interviewer: hello\n\nTeacher: " + b"word " * (50 * 1024 * 1024 // 5))
    before = snapshot(cli_project)
    result = run_cli("import", "huge.txt")
    assert result.exit_code == 1
    assert "over the 10 MB limit" in one_error_line(result)
    assert snapshot(cli_project) == before


def test_path_that_does_not_exist(run_cli, cli_project):
    before = snapshot(cli_project)
    result = run_cli("import", "missing/interview.txt")
    assert result.exit_code == 1
    assert "missing/interview.txt: no such file" in one_error_line(result)
    assert snapshot(cli_project) == before


def test_one_bad_file_among_good_ones(run_cli, cli_project, tmp_path):
    (tmp_path / "b.txt").write_text("Interviewer: one\n\nTeacher: two\n", encoding="utf-8")
    (tmp_path / "c.txt").write_bytes(b"")
    (tmp_path / "d.txt").write_text("Interviewer: three\n\nTeacher: four\n", encoding="utf-8")
    result = run_cli("import", "b.txt", "c.txt", "d.txt")
    assert result.exit_code == 1
    assert "2 transcripts imported, 0 unchanged; 1 files failed" in result.stdout
    assert "c.txt: empty file" in one_error_line(result)
    names = [r for r in snapshot(cli_project)["transcripts"]]
    assert len(names) == 3


def test_malformed_codebook_yaml_on_init(run_cli, tmp_path):
    (tmp_path / "broken.yaml").write_text("name: x\ncodes:\n  - id: a\n    name: [oops\n", encoding="utf-8")
    result = run_cli("init", "--codebook", "broken.yaml")
    assert result.exit_code == 1
    assert one_error_line(result).startswith("error: broken.yaml:")
    assert not (tmp_path / "qualcode.db").exists()


def test_codebook_update_with_errors_changes_nothing(run_cli, cli_project, tmp_path):
    (tmp_path / "dup.yaml").write_text(TINY_CODEBOOK + "  - id: formalisation\n    name: Again\n", encoding="utf-8")
    before = snapshot(cli_project)
    result = run_cli("codebook", "update", "dup.yaml")
    assert result.exit_code == 1
    assert "duplicate code id 'formalisation'" in result.stderr
    assert snapshot(cli_project) == before


def test_dropping_a_code_in_use_is_refused(run_cli, cli_project, tmp_path):
    (tmp_path / "c.csv").write_text(
        "coder,transcript,code,anchor\nalice,good,prioritisation.time,release time\n", encoding="utf-8"
    )
    assert run_cli("import", "--add-coders", "c.csv").exit_code == 0
    edited = TINY_CODEBOOK.split("  - id: prioritisation")[0] + "  - id: prioritisation\n    name: Prioritisation\n"
    (tmp_path / "smaller.yaml").write_text(edited, encoding="utf-8")
    before = snapshot(cli_project)
    result = run_cli("codebook", "update", "smaller.yaml")
    assert result.exit_code == 1
    assert "drops 'prioritisation.time', which has 1 codings" in one_error_line(result)
    assert "--merge prioritisation.time=OTHER_ID" in result.stderr
    assert snapshot(cli_project) == before


def test_unknown_coder(run_cli, cli_project):
    result = run_cli("transcripts", "list", "--coder", "nobody")
    assert result.exit_code == 1
    assert "unknown coder 'nobody'" in one_error_line(result)


def test_no_project_here(run_cli):
    result = run_cli("transcripts", "list")
    assert result.exit_code == 1
    assert "no project here (./qualcode.db)" in one_error_line(result)


def test_not_a_project_file(run_cli, tmp_path):
    (tmp_path / "notes.db").write_bytes(b"not a database at all" * 100)
    result = run_cli("transcripts", "list", "--db", "notes.db")
    assert result.exit_code == 1
    assert "cannot open the project database" in one_error_line(result)
    assert (tmp_path / "notes.db").read_bytes() == b"not a database at all" * 100


def test_usage_errors_exit_2(run_cli):
    assert run_cli("import").exit_code == 2
    assert run_cli("no-such-command").exit_code == 2
    assert run_cli("import", "--attr", "novalue", "x.txt").exit_code == 2


def test_a_code_name_or_id_over_the_column_size_is_refused_alike_on_both_backends(project):
    from qualcode.errors import QualcodeError

    with pytest.raises(QualcodeError, match="code name is 301 characters long; the limit is 300"):
        project.add_code("x" * 301)
    with pytest.raises(QualcodeError, match="code name is 5,000 characters long"):
        project.update_code("formalisation", name="y" * 5000)
    parent = None
    with pytest.raises(QualcodeError, match="code id is .* characters long; the limit is 200"):
        for depth in range(12):  # ids made from the parents' ids grow with depth
            parent = project.add_code(f"level {depth} " + "n" * 30, parent_key=parent).key
    assert project.check() == []
