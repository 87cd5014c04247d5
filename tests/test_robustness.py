"""Hostile and careless input, on both backends: one line on stderr, exit 1, nothing changed.

Each test is a case from a fault pass (crafted files, wrong types, sizes that lie, names with
formulas); the limits are the ones README's "Reliability" section lists.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, text

from qualcode.cells import escape_cell, unescape_cell
from qualcode.db.engine import resolve_url
from qualcode.ingest.codings import format_codings, read_codings

from .conftest import INTERVIEW, POSTGRES, TINY_CODEBOOK


def state(url: str) -> dict[str, list[str]]:
    """Every row of every table (the event log included), on either backend."""
    engine = create_engine(resolve_url(url))
    try:
        with engine.connect() as conn:
            tables = [t for t in inspect(conn).get_table_names() if not t.startswith("segment_fts")]
            return {t: sorted(map(repr, conn.execute(text(f'SELECT * FROM "{t}"')))) for t in tables}
    finally:
        engine.dispose()


@pytest.fixture
def made(run_cli, project_url, tmp_path):
    """A project (on the backend under test) with the tiny codebook and one interview, good.txt."""
    (tmp_path / "tiny.yaml").write_text(TINY_CODEBOOK, encoding="utf-8")
    assert run_cli("init", "--db", project_url, "--codebook", "tiny.yaml").exit_code == 0
    (tmp_path / "good.txt").write_text(INTERVIEW, encoding="utf-8")
    assert run_cli("import", "--db", project_url, "good.txt").exit_code == 0
    return project_url


def flat(output: str) -> str:
    """Output with the terminal's line wrapping undone."""
    return " ".join(output.split())


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]


def refused(run_cli, url, *args) -> str:
    """Run a command that must be refused; return its error line after checking nothing changed."""
    before = state(url)
    result = run_cli(*args, "--db", url) if args[0] != "import" else run_cli("import", "--db", url, *args[1:])
    assert result.exit_code == 1, result.output
    line = one_error_line(result)
    assert state(url) == before
    return line


# ---------------------------------------------------------------------- NUL bytes and binary data


def test_nul_after_the_first_8_kb_is_refused_on_both_backends(run_cli, made, tmp_path):
    body = "Interviewer: hello there.\n\nTeacher: " + "words and more words. " * 500 + "\n"
    (tmp_path / "late-nul.txt").write_bytes(body.encode() + b"Interviewer: x\x00y\n\nTeacher: z\n")
    line = refused(run_cli, made, "import", "late-nul.txt")
    assert "late-nul.txt:4: binary file, not a text transcript (a NUL character on this line)" in line


def test_nul_in_utf16_text_is_refused(run_cli, made, tmp_path):
    (tmp_path / "wide.txt").write_bytes("Interviewer: a\u0000b\n\nTeacher: c\n".encode("utf-16"))
    assert "NUL character" in refused(run_cli, made, "import", "wide.txt")


def _qdpx(path: Path, sources: dict[str, bytes], source_xml: str, codes: str = "") -> None:
    codes = codes or '<Code guid="c0000000-0000-4000-8000-000000000001" name="Alpha" isCodable="true"/>'
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="qc 1.3">
 <Users><User guid="u0000000-0000-4000-8000-000000000001" name="ann"/></Users>
 <CodeBook><Codes>{codes}</Codes></CodeBook>
 <Sources>{source_xml}</Sources>
</Project>"""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", xml)
        for name, data in sources.items():
            z.writestr(f"sources/{name}", data)


def _text_source(guid: str, name: str, path: str, codings: int, start: int = 0, end: int = 5) -> str:
    sels = "".join(
        f'<PlainTextSelection guid="5e1{i:05d}-0000-4000-8000-{guid[-12:]}" startPosition="{start + i}" '
        f'endPosition="{end}">'
        f'<Coding guid="c0d{i:05d}-0000-4000-8000-{guid[-12:]}" creatingUser="u0000000-0000-4000-8000-000000000001">'
        '<CodeRef targetGUID="c0000000-0000-4000-8000-000000000001"/></Coding></PlainTextSelection>'
        for i in range(codings)
    )
    return f'<TextSource guid="{guid}" name="{name}" plainTextPath="{path}">{sels}</TextSource>'


def test_nul_in_a_qdpx_source_is_not_imported_and_its_codings_are_counted(run_cli, made, tmp_path):
    _qdpx(
        tmp_path / "nul.qdpx",
        {"a.txt": b"Hello\x00 world"},
        _text_source("a0000000-0000-4000-8000-000000000001", "a", "internal://a.txt", 3),
    )
    before = state(made)["transcripts"]
    result = run_cli("import", "--db", made, "nul.qdpx")
    assert "Traceback" not in result.output
    assert "source 'a': its text holds NUL characters" in flat(result.output)
    assert "3 codings on 1 sources whose text could not be read were not imported: 'a' (3)" in flat(result.output)
    assert state(made)["transcripts"] == before


# ---------------------------------------------------------------------- sizes from what is read


def test_symlink_to_dev_zero_is_refused(run_cli, made, tmp_path):
    os.symlink("/dev/zero", tmp_path / "zero.txt")
    assert "not a regular file" in refused(run_cli, made, "import", "zero.txt")


def test_fifo_is_refused_without_waiting(run_cli, made, tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")

    def hung(*_):
        raise AssertionError("import waited on a FIFO")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        assert "not a regular file" in refused(run_cli, made, "import", "pipe.txt")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_codebook_that_is_a_device_is_refused(run_cli, tmp_path):
    os.symlink("/dev/zero", tmp_path / "zero.yaml")
    result = run_cli("init", "--codebook", "zero.yaml")
    assert result.exit_code == 1
    assert "zero.yaml: not a regular file" in one_error_line(result)
    assert not (tmp_path / "qualcode.db").exists()


def test_qdpx_member_that_expands_past_the_limit_is_refused(run_cli, made, tmp_path):
    big = b"Interviewer: hello\n\n" + b"Teacher: " + b"a" * (60 * 1024 * 1024)
    _qdpx(tmp_path / "bomb.qdpx", {"a.txt": big}, _text_source("a0000000-0000-4000-8000-000000000002", "a", "x", 0))
    assert (tmp_path / "bomb.qdpx").stat().st_size < 1_000_000
    line = refused(run_cli, made, "import", "bomb.qdpx")
    # How fast it is refused is measured in benchmarks/bench_robust.py, not asserted here.
    assert "bomb.qdpx" in line and ("over the limit" in line or "zip bomb" in line)


def test_qdpx_member_whose_header_lies_is_not_read_past_its_claim(tmp_path):
    from qualcode.ingest.refi_read import RefiError, read_refi

    path = tmp_path / "liar.qdpx"
    _qdpx(
        path, {"a.txt": b"x" * 50_000}, _text_source("a0000000-0000-4000-8000-000000000003", "a", "internal://a.txt", 0)
    )
    data = bytearray(path.read_bytes())
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        at = 0
        while (at := data.find(signature, at)) >= 0:
            if int.from_bytes(data[at + size_at : at + size_at + 4], "little") == 50_000:
                data[at + size_at : at + size_at + 4] = (100).to_bytes(4, "little")
            at += 4
    path.write_bytes(bytes(data))
    with pytest.raises(RefiError, match="damaged archive"):
        read_refi(path)


# ---------------------------------------------------------------------- YAML: aliases, nesting, tags, types

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def test_codebook_alias_bomb_is_refused_quickly(run_cli, tmp_path):
    (tmp_path / "bomb.yaml").write_text("name: x\n" + ALIAS_BOMB + "codes: []\n", encoding="utf-8")
    assert len((tmp_path / "bomb.yaml").read_bytes()) < 1000
    result = run_cli("init", "--codebook", "bomb.yaml")
    assert result.exit_code == 1
    # Counted from the aliases before anything is built (the time it takes: benchmarks/bench_robust.py).
    assert "expands to more than 1,000,000 values through its aliases" in one_error_line(result)
    assert not (tmp_path / "qualcode.db").exists()


def test_billion_laughs_in_front_matter_identifying(run_cli, made, tmp_path):
    indented = "".join("  " + line + "\n" for line in ALIAS_BOMB.splitlines())
    (tmp_path / "laughs.txt").write_text(
        f"---\nparticipant: P\nidentifying:\n{indented}---\nInterviewer: hi\n\nTeacher: hello\n", encoding="utf-8"
    )
    assert "front matter refused: expands to more than" in refused(run_cli, made, "import", "laughs.txt")


def test_many_aliases_are_refused_even_when_small(run_cli, made, tmp_path):
    refs = ", ".join(["*a"] * 150)
    (tmp_path / "aliases.txt").write_text(
        f"---\nx: &a 1\ny: [{refs}]\n---\nInterviewer: hi\n\nTeacher: hello\n", encoding="utf-8"
    )
    assert "more than 100 aliases" in refused(run_cli, made, "import", "aliases.txt")


@pytest.mark.parametrize("where", ["front matter", "codebook"])
def test_deep_nesting_is_a_one_line_error(run_cli, made, tmp_path, where):
    deep = "[" * 5000 + "]" * 5000
    if where == "front matter":
        (tmp_path / "deep.txt").write_text(f"---\nx: {deep}\n---\nInterviewer: hi\n\nTeacher: hello\n")
        assert "deep.txt:2: front matter refused: nested more than 40 levels deep" in refused(
            run_cli, made, "import", "deep.txt"
        )
    else:
        (tmp_path / "deep.yaml").write_text(f"name: x\ncodes: {deep}\n", encoding="utf-8")
        assert "deep.yaml:2: refused: nested more than 40 levels deep" in refused(
            run_cli, made, "codebook", "update", "deep.yaml"
        )


def test_python_tag_in_a_codebook_is_refused(run_cli, made, tmp_path):
    (tmp_path / "tag.yaml").write_text(
        TINY_CODEBOOK.replace("name: Tiny test codebook", "name: !!python/name:os.system"), encoding="utf-8"
    )
    line = refused(run_cli, made, "codebook", "update", "tag.yaml")
    assert "tag.yaml:1: refused: the YAML tag 'tag:yaml.org,2002:python/name:os.system' is not allowed" in line


def test_recursive_alias_is_refused(run_cli, made, tmp_path):
    (tmp_path / "loop.yaml").write_text("name: x\ncodes: &a [*a]\n", encoding="utf-8")
    assert "an alias refers to the value that contains it" in refused(run_cli, made, "codebook", "update", "loop.yaml")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!binary aGVsbG8=", "front matter 'identifying: name' must be text, not binary data"),
        ("!!set {a: null, b: null}", "front matter 'identifying: name' must be text, not a set"),
        ("2020-02-30", "a value cannot be read: day is out of range for month"),
    ],
)
def test_identifying_values_of_the_wrong_type(run_cli, made, tmp_path, value, message):
    (tmp_path / "typed.txt").write_text(
        f"---\nparticipant: P\nidentifying:\n  name: {value}\n---\nInterviewer: hi\n\nTeacher: hello\n",
        encoding="utf-8",
    )
    assert message in refused(run_cli, made, "import", "typed.txt")


def test_identifying_date_is_kept_as_text(run_cli, made, tmp_path):
    from qualcode.ingest.transcripts import parse_file

    (tmp_path / "dated.txt").write_text(
        "---\nparticipant: P9\nidentifying:\n  born: 1970-01-02\n  others: [Ann, {name: Bob, kind: person}]\n---\n"
        "Interviewer: hi\n\nTeacher: hello\n",
        encoding="utf-8",
    )
    front = parse_file(tmp_path / "dated.txt").front
    assert front.identifying == {"born": "1970-01-02", "others": ["Ann", {"name": "Bob", "kind": "person"}]}
    assert run_cli("import", "--db", made, "dated.txt").exit_code == 0


# ---------------------------------------------------------------------- field lengths, equal on both backends


def test_participant_label_over_the_column_size(run_cli, made, tmp_path):
    (tmp_path / "long.txt").write_text(
        f"---\nparticipant: {'P' * 5000}\n---\nInterviewer: hi\n\nTeacher: hello\n", encoding="utf-8"
    )
    assert "long.txt: participant label is 5,000 characters long; the limit is 300" in refused(
        run_cli, made, "import", "long.txt"
    )


def test_participant_option_over_the_column_size(run_cli, made, tmp_path):
    (tmp_path / "b.txt").write_text("Interviewer: hi\n\nTeacher: hello\n", encoding="utf-8")
    line = refused(run_cli, made, "import", "--participant", "x" * 301, "b.txt")
    assert "--participant: participant label is 301 characters long; the limit is 300" in line


def test_long_attribute_name(run_cli, made, tmp_path):
    (tmp_path / "attr.txt").write_text(f"---\n{'k' * 150}: v\n---\nInterviewer: hi\n\nTeacher: hello\n")
    assert "attribute name is 150 characters long; the limit is 100" in refused(run_cli, made, "import", "attr.txt")
    (tmp_path / "b.txt").write_text("Interviewer: hi\n\nTeacher: hello\n", encoding="utf-8")
    assert "attribute name is 150 characters long" in refused(
        run_cli, made, "import", "--attr", "k" * 150 + "=v", "b.txt"
    )


def test_long_code_name_and_id_in_a_codebook(run_cli, made, tmp_path):
    book = TINY_CODEBOOK.replace("name: Time", f"name: {'T' * 301}").replace(
        "id: prioritisation.time", f"id: {'p' * 201}"
    )
    (tmp_path / "long.yaml").write_text(book, encoding="utf-8")
    result = run_cli("codebook", "update", "--db", made, "long.yaml")
    assert result.exit_code == 1
    assert "code id is 201 characters long; the limit is 200" in result.stderr
    assert "name is 301 characters long; the limit is 300" in result.stderr
    assert "Traceback" not in result.output


def test_a_speaker_label_longer_than_a_name_is_text(tmp_path):
    from qualcode.ingest.transcripts import segment_text

    prose = "word " * 60 + "and then: it happened"
    segments = segment_text(f"Interviewer: hi\n\n{prose}\n\nTeacher: hello\n")
    assert [s.speaker for s in segments] == ["Interviewer", "Teacher"]


def test_field_limits_are_the_column_sizes():
    from qualcode.db import models
    from qualcode.limits import FIELD_LIMITS

    columns = {
        "coder name": models.Coder.__table__.c.name,
        "participant label": models.Participant.__table__.c.label,
        "transcript name": models.Transcript.__table__.c.name,
        "code id": models.Code.__table__.c.key,
        "code name": models.Code.__table__.c.name,
        "codebook name": models.Codebook.__table__.c.name,
        "speaker label": models.Segment.__table__.c.speaker,
        "matrix name": models.Matrix.__table__.c.name,
        "matrix row": models.MatrixCell.__table__.c.row_label,
    }
    assert {k: c.type.length for k, c in columns.items()} == {k: FIELD_LIMITS[k] for k in columns}


# ---------------------------------------------------------------------- counts


def test_codebook_with_too_many_codes_is_refused_early(run_cli, made, tmp_path):
    lines = ["name: many", "codes:"] + [f"  - {{id: c{i}, name: C{i}}}" for i in range(10_001)]
    (tmp_path / "many.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "many.yaml:10003: more than 10,000 codes" in refused(run_cli, made, "codebook", "update", "many.yaml")


def test_qdc_with_too_many_codes_is_refused(run_cli, made, tmp_path):
    codes = "".join(
        f'<Code guid="{i:08d}-0000-4000-8000-000000000000" name="c{i}" isCodable="true"/>' for i in range(10_001)
    )
    (tmp_path / "many.qdc").write_text(
        f'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{codes}</Codes></CodeBook>'
    )
    assert "more than 10,000 codes; refusing the file" in refused(run_cli, made, "import", "many.qdc")


# ---------------------------------------------------------------------- REFI: duplicates, scheme-less paths


def test_duplicate_code_guids_are_kept_and_reported(tmp_path):
    from qualcode.ingest.refi_read import read_refi

    guid = "c0000000-0000-4000-8000-000000000001"
    codes = f'<Code guid="{guid}" name="Alpha" isCodable="true"/><Code guid="{guid}" name="Beta" isCodable="true"/>'
    (tmp_path / "dup.qdc").write_text(
        f'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{codes}</Codes></CodeBook>'
    )
    doc = read_refi(tmp_path / "dup.qdc")
    assert [c.name for c in doc.codes] == ["Alpha", "Beta"]
    assert len({c.guid for c in doc.codes}) == 2
    assert any("1 codes have the GUID of another code" in w and "'Beta' (same as 'Alpha')" in w for w in doc.warnings)
    again = read_refi(tmp_path / "dup.qdc")
    assert [c.guid for c in again.codes] == [c.guid for c in doc.codes]  # re-import finds the same codes


def test_duplicate_code_guids_both_reach_the_project(run_cli, made, tmp_path):
    guid = "c0000000-0000-4000-8000-00000000000a"
    codes = f'<Code guid="{guid}" name="Alpha" isCodable="true"/><Code guid="{guid}" name="Beta" isCodable="true"/>'
    (tmp_path / "dup.qdc").write_text(
        f'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{codes}</Codes></CodeBook>'
    )
    result = run_cli("import", "--db", made, "dup.qdc")
    assert result.exit_code == 0, result.output
    assert "GUID of another code" in result.output
    names = run_cli("codebook", "show", "--db", made).stdout
    assert "Alpha" in names and "Beta" in names


def test_schemeless_source_paths_from_qc_are_read_from_the_archive(run_cli, made, tmp_path):
    text_a = "Interviewer: how was the board meeting?\n\nChair: long, but we agreed the budget.\n"
    _qdpx(
        tmp_path / "qc13.qdpx",
        {"board_2017.txt": text_a.encode()},
        _text_source("a0000000-0000-4000-8000-000000000005", "board_2017", "board_2017.txt", 2, 13, 40)
        + _text_source("a0000000-0000-4000-8000-000000000006", "missing", "missing.txt", 4),
    )
    result = run_cli("import", "--db", made, "qc13.qdpx")
    assert "Traceback" not in result.output
    out = flat(result.output)
    assert "1 source paths without a scheme (as qc 1.2-1.3 writes them) were read" in out
    assert "4 codings on 1 sources whose text could not be read were not imported: 'missing' (4)" in out
    assert "codings: 2 added" in out
    listing = run_cli("transcripts", "list", "--db", made).stdout
    assert "board_2017" in listing


# ---------------------------------------------------------------------- a crash in one file of a batch


def test_a_crashing_file_does_not_stop_the_batch(run_cli, made, tmp_path, monkeypatch):
    import qualcode.ingest.transcripts as transcripts

    real = transcripts.parse_file

    def parse(path, *args, **kwargs):
        if path.name == "bad.txt":
            raise RuntimeError("boom\nsecond line")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(transcripts, "parse_file", parse)
    for name in ("a.txt", "bad.txt", "z.txt"):
        (tmp_path / name).write_text(f"Interviewer: {name}?\n\nTeacher: yes, {name}.\n", encoding="utf-8")
    result = run_cli("import", "--db", made, "a.txt", "bad.txt", "z.txt")
    assert result.exit_code == 1
    assert "2 transcripts imported, 0 unchanged; 1 files failed" in result.stdout
    line = one_error_line(result)
    assert "bad.txt: not imported, unexpected RuntimeError: boom (please report this)" in line
    listing = run_cli("transcripts", "list", "--db", made).stdout
    assert "a" in listing and "z" in listing


# ---------------------------------------------------------------------- the disk is full


@pytest.mark.skipif(bool(POSTGRES), reason="SQLite's max_page_count makes a full disk on demand")
def test_full_disk_is_one_line(tmp_path):
    from qualcode.db.engine import make_engine
    from qualcode.errors import QualcodeError

    engine = make_engine(resolve_url(str(tmp_path / "full.db")))
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x TEXT)")
        conn.commit()
    with pytest.raises(QualcodeError, match="the disk is full: nothing was changed"), engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA max_page_count = 3")
        conn.execute(text("INSERT INTO t VALUES (:x)"), [{"x": "y" * 5000}] * 20)
        conn.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
    engine.dispose()


# ---------------------------------------------------------------------- spaCy's 1,000,000-character limit


def test_a_paragraph_over_a_million_characters_is_split(tmp_path):
    from qualcode.ingest.transcripts import parse_file

    sentence = "This is a sentence about the network and the school. "
    body = sentence * (1_100_000 // len(sentence))
    (tmp_path / "long.txt").write_text(body, encoding="utf-8")
    parsed = parse_file(tmp_path / "long.txt")
    assert len(parsed.text) > 1_000_000
    assert all(parsed.text[s.start : s.end].strip() for s in parsed.segments)
    assert parsed.segments[-1].end == len(parsed.text.rstrip())
    assert all(s.end - s.start <= 1200 for s in parsed.segments)


# ---------------------------------------------------------------------- spreadsheet escaping


@pytest.mark.parametrize("value", ["=1", "-1", "+cmd", "@x", "'quoted", "''two", " =sp", "\tTab", "\rCR", "'", "plain"])
def test_escape_then_unescape_is_the_identity(value):
    assert unescape_cell(escape_cell(value)) == value
    assert escape_cell(value)[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_hand_written_apostrophes_are_read_as_written():
    assert unescape_cell("'cause") == "'cause"
    assert unescape_cell("'=1") == "=1"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    memo=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30),
    transcript=st.sampled_from(['=HYPERLINK("http://x","y")', "-1", "@t", "'t", "plain"]),
)
def test_codings_csv_round_trip_is_lossless(tmp_path_factory, memo, transcript):
    path = tmp_path_factory.mktemp("rt") / "codings.csv"
    path.write_text(format_codings([("alice", transcript, "a.b", 0, 5, memo)]), encoding="utf-8", newline="")
    for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")):
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")
    try:
        rows = read_codings(path)
    except Exception as exc:  # an all-blank memo in an otherwise empty file is still a full row
        raise AssertionError(f"{memo!r}: {exc}") from None
    assert rows[0].transcript == transcript
    assert rows[0].memo == (memo if memo.strip() else "")


def test_export_codings_escapes_names_and_import_restores_memos(run_cli, made, tmp_path, project_url):
    from qualcode.project import Project

    name = '=HYPERLINK("evil","click")'
    (tmp_path / f"{name}.txt").write_text(INTERVIEW.replace("Headteacher N1", "Other"), encoding="utf-8")
    assert run_cli("import", "--db", made, f"{name}.txt").exit_code == 0
    memos = ["=1", "-1", "+cmd", "@x", "'quoted", "''two", "=SUM(A1:A9)"]
    with Project.open(made) as p:
        p.add_coder("alice")
        t = p.transcript(name)
        segs = p.segments(t.id)
        codes = ["formalisation.plans", "formalisation.meetings", "prioritisation.time"]
        for i, memo in enumerate(memos):
            coding = p.apply_code("alice", codes[i % 3], segs[i % len(segs)].id)
            p.set_memo("alice", "coding", coding.id, memo)
    assert run_cli("export", "codings", "--db", made, "-o", "out.csv").exit_code == 0
    exported = (tmp_path / "out.csv").read_text(encoding="utf-8")
    for row in list(csv.reader(io.StringIO(exported)))[1:]:
        assert row[1] == "'" + name
        assert row[5][:1] not in ("=", "+", "-", "@")
    with Project.open(made) as p:  # undo every coding and memo, then bring them back from the file
        while p.list_codings(coders=["alice"]) or p.memos(coder="alice"):
            assert p.undo("alice") is not None
    result = run_cli("import", "--db", made, "out.csv")
    assert result.exit_code == 0, result.output
    with Project.open(made) as p:
        got = sorted(m.text for m in p.memos(coder="alice"))
    assert got == sorted(memos)


def test_xlsx_with_control_characters_in_names(run_cli, made, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    name = "bell\x07name"
    (tmp_path / f"{name}.txt").write_text("Interviewer: hi\n\nTeacher: hello\n", encoding="utf-8")
    assert run_cli("import", "--db", made, f"{name}.txt").exit_code == 0
    result = run_cli("export", "themes", "--db", made, "--by", "participant", "-o", "t.xlsx")
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["Themes"]
    header = [c.value for c in sheet[1]]
    assert any(str(h).startswith("bell\ufffdname") for h in header)


# ---------------------------------------------------------------------- the codings CSV


CSV_CASES = {
    "underscore": ("coder,transcript,code,start,end\nalice,good,formalisation,1_0,20\n", "offset '1_0' is not a whole"),
    "arabic": ("coder,transcript,code,start,end\nalice,good,formalisation,\u0661\u0662,20\n", "is not a whole number"),
    "plus": ("coder,transcript,code,start,end\nalice,good,formalisation,+3,20\n", "is not a whole number"),
    "dup-header": (
        "coder,transcript,code,anchor,anchor\nalice,good,formalisation,a,b\n",
        "column 'anchor' appears twice",
    ),
    "both": (
        "coder,transcript,code,anchor,start,end\nalice,good,formalisation,release time,0,5\n",
        "give an anchor or start and end offsets, not both",
    ),
    "dup-memo": (
        "coder,transcript,code,anchor,memo\nalice,good,formalisation,release time,first\n"
        "alice,good,formalisation,release time,second\n",
        "c.csv:3: the same coding as line 2 with a different memo",
    ),
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_codings_csv_mistakes_are_not_silent(run_cli, made, tmp_path, case):
    content, message = CSV_CASES[case]
    (tmp_path / "c.csv").write_text(content, encoding="utf-8")
    assert message in refused(run_cli, made, "import", "--add-coders", "c.csv")


def test_duplicate_row_with_the_same_memo_is_fine(run_cli, made, tmp_path):
    (tmp_path / "c.csv").write_text(
        "coder,transcript,code,anchor,memo\nalice,good,formalisation,release time,same\n"
        "alice,good,formalisation,release time,same\n",
        encoding="utf-8",
    )
    result = run_cli("import", "--db", made, "--add-coders", "c.csv")
    assert result.exit_code == 0, result.output
    assert "1 codings added, 1 already there" in result.stdout


def test_refi_names_longer_than_the_columns_are_refused(run_cli, made, tmp_path):
    codes = f'<Code guid="c0000000-0000-4000-8000-0000000000aa" name="{"N" * 400}" isCodable="true"/>'
    (tmp_path / "long.qdc").write_text(
        f'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{codes}</Codes></CodeBook>'
    )
    line = refused(run_cli, made, "import", "long.qdc")
    assert "a <Code> has a code name of 400 characters; the limit is 300" in line
    _qdpx(
        tmp_path / "long.qdpx",
        {"a.txt": b"Interviewer: hi\n\nTeacher: hello\n"},
        _text_source("a0000000-0000-4000-8000-0000000000bb", "S" * 301, "internal://a.txt", 0),
    )
    assert "a <TextSource> has a transcript name of 301 characters" in refused(run_cli, made, "import", "long.qdpx")


def test_entities_of_a_transcript_over_spacys_limit():
    from qualcode import nlp
    from qualcode.suggest.anonymise import find_entities_payload

    try:
        pipeline = nlp.entity_pipeline(None)
    except nlp.NoTrainedPipeline:
        pytest.skip("no trained spaCy pipeline installed")
    # spaCy's limit lowered to 120,000 characters (as 1,000,000 it costs minutes): one pass would fail with E088
    filler = "We talked about the plan for the year and the cover for release time.\n" * 3_000
    text = filler + "Then Margaret Thatcher visited London.\n"
    limit = pipeline.max_length
    pipeline.max_length = 120_000
    try:
        assert len(text) > pipeline.max_length
        (entities,) = find_entities_payload({"texts": [text], "model": None})
    finally:
        pipeline.max_length = limit
    found = {text[s:e] for s, e, _, _ in entities}
    assert "Margaret Thatcher" in found and "London" in found
    assert all(text[s:e] == t for s, e, t, _ in entities)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=12), min_size=1, max_size=6))
def test_any_cells_come_back_from_a_safe_csv(cells):
    from qualcode.cells import SafeWriter

    out = io.StringIO()
    SafeWriter(out, lineterminator="\n").writerow(cells)
    (row,) = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert [unescape_cell(c) for c in row] == cells
    assert all(
        c[:1] not in ("=", "+", "-", "@", "\t", "\r") and c.lstrip(" ")[:1] not in ("=", "+", "-", "@") for c in row
    )


def test_a_file_larger_than_stat_says_is_stopped_at_the_limit(tmp_path, monkeypatch):
    from qualcode.errors import InputError
    from qualcode.ingest import sources

    path = tmp_path / "grows.txt"
    path.write_bytes(b"Interviewer: hi\n\nTeacher: " + b"x" * 5000)
    real_fstat = os.fstat

    class Lying:  # what /proc files and files still being written report
        def __init__(self, info):
            self.st_mode, self.st_size = info.st_mode, 0

    monkeypatch.setattr(sources.os, "fstat", lambda fd: Lying(real_fstat(fd)))
    with pytest.raises(InputError, match="file is over the 1,000-byte limit for one transcript"):
        sources.read_limited(path, 1000)
    assert len(sources.read_limited(path, 10_000)) == 5026
