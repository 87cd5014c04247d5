"""REFI-QDA: what qualcode writes validates and round-trips; what others write imports; attacks fail safely."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest

from qualcode.errors import QualcodeError
from qualcode.export import refi
from qualcode.ingest.refi_read import Limits, RefiError, parse_refi_xml, read_refi
from qualcode.project import Project
from qualcode.refi import MATRIX_SET_PREFIX, PROJECT_NS

FIXTURES = Path(__file__).parent / "fixtures" / "refi"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from qualcode.samples import build_demo

    path = build_demo(tmp_path_factory.mktemp("demo")).path
    with Project.open(str(path)) as p:  # a memo of every kind, so that all four travel
        seg = p.segments(p.list_transcripts()[0].id)[3]
        p.set_memo("alice", "segment", seg.id, "A turn worth quoting [laughs]")
        p.set_memo("bob", "code", p.code("formalisation").id, "Check against Figure A1.1")
        p.set_memo("alice", "transcript", p.list_transcripts()[1].id, "Recorded in a noisy staffroom")
    return str(path)


def _qdpx_of(directory: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for root, _, files in os.walk(directory):
            for name in sorted(files):
                full = Path(root) / name
                z.write(full, full.relative_to(directory).as_posix())
    return out


def _snapshot(project: Project) -> dict:
    d = project.export_data()
    tx = {t.id: t for t in d.transcripts}
    people = {p.id: p for p in d.participants}
    segs = {s.id: s for s in d.segments}
    coding_keys = {c.guid: (c.coder, c.code_key, tx[c.transcript_id].name, c.start, c.end) for c in d.codings}

    def target(m):
        if m.target == "segment":
            s = segs[m.target_id]
            return (tx[s.transcript_id].name, s.start, s.end)
        if m.target == "transcript":
            return tx[m.target_id].name
        if m.target == "coding":
            return coding_keys[m.target_id]
        return m.target_id

    return {
        "codes": [
            (
                c.key,
                c.name,
                c.parent_key,
                c.depth,
                c.description,
                c.include,
                c.exclude,
                c.example,
                c.keywords,
                c.color,
                c.guid,
            )
            for c in d.codes
        ],
        "transcripts": sorted((t.name, t.text, t.guid, people[t.participant_id].label) for t in d.transcripts),
        "segments": sorted((tx[s.transcript_id].name, s.position, s.speaker, s.start, s.end) for s in d.segments),
        "codings": sorted((c.coder, c.code_key, tx[c.transcript_id].name, c.start, c.end, c.guid) for c in d.codings),
        "cases": sorted((p.label, sorted(p.attributes.items()), p.guid) for p in d.participants),
        "memos": sorted((m.coder, m.target, str(target(m)), m.text, m.guid) for m in d.memos),
        "coders": d.coders,
        "matrices": [
            (m.name, m.description, m.rows_by, m.rows, m.columns, sorted(m.cells.items()))
            for m in project.analysis.matrices()
        ],
    }


# ---------------------------------------------------------------------- writing


def test_written_files_validate_against_the_schemas(demo_db, run_cli, tmp_path, shared_dir):
    from lxml import etree

    project_schema = etree.XMLSchema(etree.parse(str(shared_dir / "refi" / "Project-mrt2019.xsd")))
    codebook_schema = etree.XMLSchema(etree.parse(str(shared_dir / "refi" / "Codebook.xsd")))
    out = tmp_path / "study.qdpx"
    result = run_cli("export", "qdpx", "--db", demo_db, "-o", out)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        qde = etree.fromstring(z.read("project.qde"))
    assert names[0] == "project.qde" and all(n.startswith("sources/") and n.endswith(".txt") for n in names[1:])
    assert project_schema.validate(qde), project_schema.error_log
    ns = {"q": PROJECT_NS}
    assert qde.findall(".//q:Note", ns) and qde.findall(".//q:Case/q:VariableValue", ns)
    assert qde.findall(".//q:PlainTextSelection/q:NoteRef", ns) and qde.findall(".//q:TextSource/q:NoteRef", ns)
    out = tmp_path / "book.qdc"
    assert run_cli("export", "codebook", "--db", demo_db, "-o", out).exit_code == 0
    assert codebook_schema.validate(etree.parse(str(out))), codebook_schema.error_log
    # inline texts (no archive) validate too
    with Project.open(demo_db) as p:
        xml = refi.write_project_xml(refi.project_to_refi(p.export_data()), internal=False)
    assert project_schema.validate(etree.fromstring(xml)), project_schema.error_log


def test_exports_are_stable_and_use_the_projects_guids(demo_db, run_cli, tmp_path):
    a, b = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    run_cli("export", "qdpx", "--db", demo_db, "-o", a)
    run_cli("export", "qdpx", "--db", demo_db, "-o", b)
    assert a.read_bytes() == b.read_bytes()
    doc = read_refi(a)
    with Project.open(demo_db) as p:
        data = p.export_data()
        matrices = p.analysis.matrices()
    assert {c.guid for c, _, _ in doc.all_codes()} == {c.guid for c in data.codes}
    assert {s.guid for s in doc.sources} == {t.guid for t in data.transcripts}
    assert {c.guid for s in doc.sources for sel in s.selections for c in sel.codings} == {c.guid for c in data.codings}
    assert {c.guid for c in doc.cases} == {p.guid for p in data.participants}
    cell_notes = {g for st in doc.sets if st.name.startswith(MATRIX_SET_PREFIX) for g in st.notes}
    assert len(cell_notes) == sum(len(m.cells) for m in matrices) > 0  # the demo's matrix
    assert {n.guid for n in doc.notes} - cell_notes == {m.guid for m in data.memos}


def test_identifying_data_is_never_exported(demo_db, run_cli, tmp_path):
    with Project.open(demo_db) as p:
        from sqlalchemy import select

        from qualcode.db.models import Participant

        with p.store.read() as s:
            secrets = [
                str(v)
                for (ident,) in s.execute(select(Participant.identifying))
                for v in (ident or {}).values()
                if isinstance(v, str)
            ]
    assert secrets
    out = tmp_path / "study.qdpx"
    run_cli("export", "qdpx", "--db", demo_db, "-o", out)
    with zipfile.ZipFile(out) as z:
        qde = z.read("project.qde").decode("utf-8")
    cases = qde[qde.index("<Cases>") : qde.index("</Cases>")]
    for secret in secrets:
        assert secret not in cases


def test_round_trip_is_lossless(demo_db, run_cli, project_url, tmp_path):
    out = tmp_path / "study.qdpx"
    run_cli("export", "qdpx", "--db", demo_db, "-o", out)
    with Project.open(demo_db) as original:
        before = _snapshot(original)
    assert before["matrices"] and before["matrices"][0][5], "the demo ships a framework matrix with summaries"
    with Project.create(project_url) as copy:
        summary = copy.import_refi(out)
        assert summary.warnings == []
        assert f"framework matrices: 1 added, {len(before['matrices'][0][5])} summaries added" in summary.lines()
        after = _snapshot(copy)
        assert copy.check() == []
        for key in before:
            assert after[key] == before[key], key
        again = copy.import_refi(out)  # the same file twice changes nothing
        assert again.codes_added == again.codings_added == again.memos_added == again.matrix_cells_added == 0
        assert not again.transcripts_added and not again.matrices_added
        assert again.warnings == []
        assert _snapshot(copy) == after


def test_a_source_that_is_not_imported_counts_the_codings_it_takes_with_it(demo_db, run_cli, project_url, tmp_path):
    out = tmp_path / "study.qdpx"
    run_cli("export", "qdpx", "--db", demo_db, "-o", out)
    with Project.create(project_url) as copy:
        copy.import_refi(out)
        # The same file again, but one source's text corrected since: same GUID, different text.
        edited = tmp_path / "edited.qdpx"
        with zipfile.ZipFile(out) as src, zipfile.ZipFile(edited, "w") as dst:
            first = next(n for n in src.namelist() if n.startswith("sources/"))
            for name in src.namelist():
                data = src.read(name)
                dst.writestr(name, data + b" [corrected]" if name == first else data)
        summary = copy.import_refi(edited)
        lost = [w for w in summary.warnings if "different text" in w]
        assert len(lost) == 1 and re.search(r"\((\d+) codings? on it not imported\)", lost[0]), summary.warnings
        assert int(re.search(r"\((\d+) codings?", lost[0]).group(1)) > 0


def test_import_refi_command(demo_db, run_cli, tmp_path):
    out = tmp_path / "study.qdpx"
    run_cli("export", "qdpx", "--db", demo_db, "-o", out)
    assert run_cli("init", str(tmp_path / "new.db")).exit_code == 0
    result = run_cli("import-refi", "--db", str(tmp_path / "new.db"), out)
    assert result.exit_code == 0, result.output
    assert "codings:" in result.stdout and "added" in result.stdout
    result = run_cli("import-refi", "--dry-run", out)
    assert result.exit_code == 0 and "a REFI-QDA project from qualcode" in result.stdout


# ---------------------------------------------------------------------- real files from other tools


def test_taguette_codebook(shared_dir, project_url):
    path = shared_dir / "refi" / "samples" / "taguette_codebook.qdc"
    doc = read_refi(path)
    assert doc.kind == "codebook" and doc.origin == "Taguette 1.4.1"
    assert any("empty <Sets>" in w for w in doc.warnings)
    with Project.create(project_url) as p:
        summary = p.import_refi(path)
        assert summary.codes_added == 3
        assert [c.name for c in p.codes()] == ["xsd:element name", "CodeBook", "Variables"]
        assert {c.guid for c in p.codes()} == {
            "098ac082-a9c7-50f4-9728-48730081a95e",
            "a2209cff-8e89-5b0a-a7b0-cddc4be92936",
            "dd1b8ad4-9b6e-5be2-bd0b-fde7deafdda4",
        }


def test_nvivo_project(shared_dir, project_url):
    path = shared_dir / "refi" / "samples" / "nvivo_project.qdpx"
    with Project.create(project_url) as p:
        summary = p.import_refi(path)
        assert summary.origin == "NVivo for Mac 15.0.0"
        assert summary.codes_added == 262
        codes = p.codes()
        # names repeat across branches ("programming", "citizenship"): each is its own code
        assert sum(c.name == "citizenship" for c in codes) > 1
        assert len({c.key for c in codes}) == len(codes)
        assert any("sources/.root" in w for w in summary.warnings)
        assert sum("has no text" in w for w in summary.warnings) == 2
        assert p.check() == []


def test_maxqda_project(shared_dir, project_url):
    path = shared_dir / "refi" / "samples" / "maxqda_project.qde"
    with Project.create(project_url) as p:
        summary = p.import_refi(path)
        assert summary.codes_added == 307
        codes = p.codes()
        assert max(c.depth for c in codes) >= 1
        assert all(c.color and c.color.startswith("#") for c in codes)
        assert any("10 texts are internal://" in w for w in summary.warnings)
        assert any("2 sets not imported" in w for w in summary.warnings)
        top = codes[0]
        assert top.name == "Additional Themes and Ideas" and top.description.startswith("This category")


# ---------------------------------------------------------------------- our own quirky fixtures


def test_quirky_codebook(project_url):
    doc = read_refi(FIXTURES / "codebook_quirks.qdc")
    assert any("codebook:1:0" in w for w in doc.warnings)
    assert any("empty <Sets>" in w for w in doc.warnings)
    assert any("#1F77B4FF" in w for w in doc.warnings)
    with Project.create(project_url) as p:
        summary = p.import_refi(FIXTURES / "codebook_quirks.qdc")
        assert summary.codes_added == 5 and any("not codable" in w for w in summary.warnings)
        codes = {c.key: c for c in p.codes()}
        assert set(codes) == {"leadership", "leadership.time", "leadership.resources", "challenges", "challenges.time"}
        assert codes["leadership"].color == "#1f77b4" and codes["leadership.time"].color == "#aabbcc"
        assert codes["leadership"].include == "Actions, not beliefs."
        assert codes["leadership"].guid == "a1b2c3d4-0000-4000-8000-000000000001"
        # matched by GUID (braces and case ignored) the second time
        assert p.import_refi(FIXTURES / "codebook_quirks.qdc").codes_matched == 5


def test_quirky_project(project_url, tmp_path):
    archive = _qdpx_of(FIXTURES / "quirky", tmp_path / "quirky.qdpx")
    with Project.create(project_url) as p:
        summary = p.import_refi(archive)
        warnings = "\n".join(summary.warnings)
        assert "split" not in warnings
        for expected in (
            "#2CA02C80",
            "PictureSource",
            "Sources/.root",
            "outside the text's 141 characters",
            "'Project diary'",
            "'Wave 1'",
        ):
            assert expected in warnings
        t = p.list_transcripts()[0]
        assert t.name == "interview-09" and t.participant == "Headteacher N9"
        assert t.attributes == {"role": "Headteacher", "interviewed": "2019-02-07", "years in post": "12"}
        text = p.transcript_text(t.id)
        assert "\r\n" in text and not text.startswith("\ufeff") and "😀" in text
        got = sorted((c.coder, c.code_key, text[c.start : c.end]) for c in p.list_codings())
        assert got == [
            ("Bob Smith", "challenges.time", "first."),  # after a character outside the BMP
            # one selection over two turns stays one coding, the speaker's label between them included
            (
                "Bob Smith",
                "leadership.resources",
                " it start? Café talk 😀 first.\r\n\r\nHeadteacher: We put it in the plan. Then we paid for cover.",
            ),
            ("alice", "leadership.time", "We put it in the plan."),
        ]
        memos = {(m.coder, m.target, m.text) for m in p.memos()}
        assert memos == {
            ("alice", "code", "Leadership means actions here."),
            ("alice", "coding", "Clear case of planning time."),
            ("Bob Smith", "segment", "Compare with interview 4."),
            ("alice", "transcript", "Short, noisy recording."),
        }
        assert p.check() == []


# ---------------------------------------------------------------------- attacks


def _project_xml(source: str = "", extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{extra}<Project xmlns="urn:QDA-XML:project:1.0" name="x">'
        f"<Sources>{source}</Sources></Project>"
    ).encode()


def test_entities_and_dtds_are_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xxe = f'<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    laughs = '<!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    for extra in (xxe, laughs):
        path = tmp_path / "evil.qde"
        path.write_bytes(
            _project_xml(
                '<TextSource guid="5f1e2d3c-0000-4000-8000-00000000000a" name="s">'
                "<PlainTextContent>&xxe;</PlainTextContent></TextSource>",
                extra,
            )
        )
        with pytest.raises(RefiError, match="DTD or entities"):
            read_refi(path)
    with pytest.raises(RefiError, match="not well-formed"):
        parse_refi_xml(b"<Project><unclosed></Project>")
    with pytest.raises(RefiError, match="not a REFI-QDA"):
        parse_refi_xml(b"<html/>")


@pytest.mark.parametrize(
    "path",
    [
        "internal://../../etc/passwd",
        "internal:///etc/passwd",
        "internal://..",
        "internal://sub/../../x.txt",
        "internal://C:\\windows\\win.ini",
        "absolute:///etc/passwd",
        "relative://../../etc/passwd",
    ],
)
def test_source_paths_never_leave_the_archive(path, tmp_path):
    archive = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(
            "project.qde",
            _project_xml(f'<TextSource guid="5f1e2d3c-0000-4000-8000-00000000000a" name="s" plainTextPath="{path}"/>'),
        )
        z.writestr("sources/passwd", "root:x:0:0")
    doc = read_refi(archive)
    assert doc.sources[0].text is None
    assert any("refused" in w or "not read" in w for w in doc.warnings)


def test_external_paths_only_with_permission(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("Interviewer: Hello?\n\nTeacher: Hello from outside.\n", encoding="utf-8")
    xml = _project_xml(
        f'<TextSource guid="5f1e2d3c-0000-4000-8000-00000000000a" name="ext" plainTextPath="absolute://{outside}"/>'
    )
    path = tmp_path / "ext.qde"
    path.write_bytes(xml)
    assert read_refi(path).sources[0].text is None
    assert read_refi(path, allow_external=True).sources[0].text.startswith("Interviewer: Hello?")


def test_zip_members_outside_sources_are_ignored_never_extracted(tmp_path, monkeypatch):
    archive = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("project.qde", _project_xml())
        z.writestr("../../escaped.txt", "x")
        z.writestr("/abs.txt", "x")
        z.writestr("sources/nested/deep.txt", "x")
    monkeypatch.chdir(tmp_path)
    doc = read_refi(archive)
    assert any("ignored 3 archive members" in w for w in doc.warnings)
    assert not (tmp_path.parent / "escaped.txt").exists() and not Path("/abs.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.qdpx"]


def test_archive_caps(tmp_path):
    many = tmp_path / "many.qdpx"
    with zipfile.ZipFile(many, "w") as z:
        z.writestr("project.qde", _project_xml())
        for i in range(20):
            z.writestr(f"sources/{i}.txt", "x")
    with pytest.raises(RefiError, match="over the limit of 10"):
        read_refi(many, limits=Limits(entries=10))
    bomb = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", _project_xml())
        z.writestr("sources/zeros.txt", b"\0" * 5_000_000)
    with pytest.raises(RefiError, match="zip bomb"):
        read_refi(bomb)
    big = tmp_path / "big.qdpx"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as z:
        z.writestr("project.qde", _project_xml())
        z.writestr("sources/big.txt", b"a" * 3000)
    with pytest.raises(RefiError, match="more than"):
        read_refi(big, limits=Limits(total_bytes=2000))
    with pytest.raises(RefiError, match="not a readable zip"):
        bad = tmp_path / "bad.qdpx"
        bad.write_bytes(b"PK\x03\x04garbage")
        read_refi(bad)


def test_code_nesting_is_capped(tmp_path):
    depth = 40
    xml = '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
    for i in range(depth):
        xml += f'<Code guid="00000000-0000-4000-8000-{i:012d}" name="c{i}" isCodable="true">'
    xml += "</Code>" * depth + "</Codes></CodeBook>"
    path = tmp_path / "deep.qdc"
    path.write_text(xml)
    with pytest.raises(RefiError, match="nested more than 12 levels"):
        read_refi(path)


def test_selections_are_checked_against_the_text(project_url, tmp_path):
    text = "Interviewer: Why?\n\nTeacher: Because it helped.\n"
    sels = "".join(
        f'<PlainTextSelection guid="a0000000-0000-4000-8000-00000000000{i}" startPosition="{a}" endPosition="{b}">'
        f'<Coding guid="a1000000-0000-4000-8000-00000000000{i}"><CodeRef targetGUID="c0000000-0000-4000-8000-000000000001"/>'
        f"</Coding></PlainTextSelection>"
        for i, (a, b) in enumerate([(28, 43), (-5, 3), (40, 4000), (30, 30), (10, 5)])
    )
    xml = (
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="x"><CodeBook><Codes><Code guid="c0000000-0000-4000-8000-000000000001" '
        f'name="Why" isCodable="true"/></Codes></CodeBook><Sources><TextSource guid="5f1e2d3c-0000-4000-8000-00000000000a" '
        f'name="t"><PlainTextContent>{text}</PlainTextContent>{sels}</TextSource></Sources></Project>'
    )
    path = tmp_path / "sel.qde"
    path.write_text(xml, encoding="utf-8")
    with Project.create(project_url) as p:
        summary = p.import_refi(path)
        assert summary.codings_added == 1
        assert any("4 selections outside" in w for w in summary.warnings)
        c = p.list_codings()[0]
        assert p.transcript_text(c.transcript_id)[c.start : c.end] == "Because it help"


def test_a_failed_import_changes_nothing(project_url, tmp_path, monkeypatch):
    archive = _qdpx_of(FIXTURES / "quirky", tmp_path / "quirky.qdpx")
    from qualcode.project import exchange as project_export

    def explode(self):
        raise QualcodeError("disk full")

    monkeypatch.setattr(project_export._Importer, "memos", explode)
    with Project.create(project_url) as p:
        with pytest.raises(QualcodeError, match="disk full"):
            p.import_refi(archive)
        assert p.codes() == [] and p.list_transcripts() == [] and p.list_codings() == [] and p.coders() == []


def test_cli_reports_a_hostile_file_in_one_line(run_cli, tmp_path):
    path = tmp_path / "evil.qde"
    path.write_bytes(_project_xml("", '<!DOCTYPE Project [<!ENTITY a "x">]>'))
    assert run_cli("init", str(tmp_path / "p.db")).exit_code == 0
    result = run_cli("import-refi", "--db", str(tmp_path / "p.db"), path)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_export_in_a_pipe_reports_one_line_and_no_spinner(demo_db, run_cli, tmp_path):
    out = tmp_path / "study.qdpx"
    result = run_cli("export", "qdpx", "--db", demo_db, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"wrote {out} (") and "codings by 2 coders" in result.stderr
