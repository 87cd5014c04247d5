"""The worked framework matrix shipped for the RLN schools, and the matrix model around it."""

from __future__ import annotations

import re

import pytest

from qualcode.analysis.matrix import (
    build_matrix_view,
    cell_passages,
    check_matrix,
    load_matrix,
    matrices_from_refi,
    matrix_from_dict,
    matrix_to_dict,
    row_members,
)
from qualcode.codebook import load_codebook
from qualcode.errors import QualcodeError
from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project
from qualcode.refi import MATRIX_SET_PREFIX, PROJECT_NS, norm_guid, stable_guid
from qualcode.samples import codebook_path, matrix_files, transcript_files
from tests.sample_rows import sample_data


def _shipped():
    files = matrix_files("rln")
    assert [f.name for f in files] == ["rln-schools.yaml"]
    return load_matrix(files[0])


def test_the_rln_matrix_has_a_row_per_sample_school_and_a_column_per_theme():
    matrix = _shipped()
    schools = {parse_file(f).front.attributes["school"] for f in transcript_files("rln")}
    themes = [code.id for code in load_codebook(codebook_path("rln")).codes]
    assert matrix.rows_by == "school"
    assert sorted(matrix.rows) == sorted(schools)
    assert matrix.columns == themes
    assert {(r, c) for r in matrix.rows for c in matrix.columns} == set(matrix.cells)
    assert all(len(text.split()) >= 20 for text in matrix.cells.values())
    assert check_matrix(matrix, sample_data("rln")) == []


def test_the_rln_matrix_names_nobody_from_the_identifying_data():
    text = " ".join(_shipped().cells.values())
    for f in transcript_files("rln"):
        for value in parse_file(f).front.identifying.values():
            for name in value if isinstance(value, list) else [value]:
                assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE), name
                surname = name.split()[-1]
                if len(name.split()) > 1 and surname[:1].isupper():
                    assert not re.search(rf"(?<!\w){re.escape(surname)}(?!\w)", text), name


def test_every_cell_of_the_rln_matrix_is_backed_by_coded_passages_of_that_school():
    data = sample_data("rln")
    matrix = _shipped()
    members = row_members(matrix, data)
    view = build_matrix_view(matrix, data, counts=True, quotes=1)
    people = {p.id: p for p in data.participants}
    for row in matrix.rows:
        assert {people[i].attributes["school"] for i in members[row]} == {row}
    for (row, column), (passages, participants) in view.counts.items():
        found = cell_passages(matrix, data, row, column)
        assert passages == len(found)
        assert participants == len({p.participant_id for p in found})
        assert {p.attributes["school"] for p in found} <= {row}
        assert all(p.code == column or p.code.startswith(column + ".") for p in found)
    # every school said something under most themes
    filled = sum(1 for n, _ in view.counts.values() if n)
    assert filled >= 0.8 * len(view.counts)


def test_matrix_round_trips_through_its_dict():
    matrix = _shipped()
    again = matrix_from_dict(matrix_to_dict(matrix))
    assert again == matrix


@pytest.mark.parametrize(
    "raw, message",
    [
        ([], "a matrix is a mapping"),
        ({"rows": ["a"], "columns": ["b"]}, "needs a name"),
        ({"name": "m", "rows": [], "columns": ["b"]}, "rows must be a non-empty list"),
        ({"name": "m", "rows": ["a", "a"], "columns": ["b"]}, "rows name something twice"),
        ({"name": "m", "rows": ["a"], "columns": ["b"], "cells": {"z": {"b": "x"}}}, "not in rows"),
        ({"name": "m", "rows": ["a"], "columns": ["b"], "cells": {"a": {"c": "x"}}}, "not in columns"),
        ({"name": "m", "rows": ["a"], "columns": ["b"], "cells": {"a": {"b": 3}}}, "must be text"),
    ],
)
def test_a_malformed_matrix_is_one_clear_error(raw, message):
    with pytest.raises(QualcodeError, match=message) as info:
        matrix_from_dict(raw)
    assert "\n" not in str(info.value)


def test_a_matrix_that_does_not_fit_the_project_says_what_is_missing():
    data = sample_data("rln")
    matrix = matrix_from_dict({"name": "m", "rows_by": "school", "rows": ["School Z"], "columns": ["nope"]})
    assert check_matrix(matrix, data) == [
        "column 'nope' is not a code in the codebook",
        "row 'School Z' matches no participant with a transcript",
    ]
    with pytest.raises(QualcodeError, match="not a code"):
        build_matrix_view(matrix, data)
    by_person = matrix_from_dict({"name": "m", "rows": ["Headteacher N204"], "columns": ["attitudes"]})
    assert check_matrix(by_person, data) == []
    assert row_members(by_person, data)["Headteacher N204"]


def test_invalid_yaml_is_one_line_with_the_file(tmp_path):
    bad = tmp_path / "m.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(QualcodeError, match=r"m\.yaml:\d+: not valid YAML"):
        load_matrix(bad)


# ---------------------------------------------------------------------- REFI-QDA


def test_a_matrix_adds_its_notes_links_and_set_and_changes_nothing_else():
    from xml.etree import ElementTree as ET

    from qualcode.export import refi

    data = sample_data("rln")
    plain = refi.write_project_xml(refi.project_to_refi(data), internal=False)
    assert b"<Links" not in plain and b"<Sets" not in plain
    doc = refi.project_to_refi(data)
    refi.add_matrices(doc, data, [_shipped()])
    root = ET.fromstring(refi.write_project_xml(doc, internal=False))
    ns = {"q": PROJECT_NS}
    cells = {stable_guid("matrix-cell", _shipped().name, r, c) for r, c in _shipped().cells}
    assert len(root.findall("q:Links/q:Link", ns)) == sum(
        len(row_members(_shipped(), data)[r]) for r, _ in _shipped().cells
    )
    assert [s.get("name") for s in root.findall("q:Sets/q:Set", ns)] == [MATRIX_SET_PREFIX + _shipped().name]
    for tag in ("Links", "Sets"):
        root.remove(root.find(f"q:{tag}", ns))
    notes = root.find("q:Notes", ns)
    for note in list(notes):
        if note.get("guid") in cells:
            notes.remove(note)
    ET.register_namespace("", PROJECT_NS)
    ET.indent(root, space=" ")
    again = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8")
    assert again == plain


def test_matrices_travel_in_qdpx_as_notes_linked_to_cases_and_codes(tmp_path, shared_dir):
    from lxml import etree

    from qualcode.export import refi
    from qualcode.ingest.refi_read import read_refi

    data = sample_data("rln")
    matrix = _shipped()
    doc = refi.project_to_refi(data)
    refi.add_matrices(doc, data, [matrix])
    out = tmp_path / "study.qdpx"
    refi.write_qdpx(doc, out)
    import zipfile

    with zipfile.ZipFile(out) as z:
        qde = etree.fromstring(z.read("project.qde"))
    schema = etree.XMLSchema(etree.parse(str(shared_dir / "refi" / "Project-mrt2019.xsd")))
    assert schema.validate(qde), schema.error_log

    back = read_refi(out)
    assert matrices_from_refi(back) == [matrix]
    # each cell note is coded with its column's code and linked to the cases of its row
    code_guid = {c.key: c.guid or stable_guid("code", c.key) for c in data.codes}
    case_of = {p.id: norm_guid(p.guid) for p in data.participants}
    members = row_members(matrix, data)
    notes = {n.name: n for n in back.notes}
    links: dict[str, set[str]] = {}
    for link in back.links:
        links.setdefault(link.origin, set()).add(link.target)
    names = {c.key: c.name for c in data.codes}
    for (row, column), text in matrix.cells.items():
        note = notes[f"{matrix.name}: {row} × {names[column]}"]
        assert note.text == text
        assert [c.code for c in note.codings] == [norm_guid(code_guid[column])]
        assert links[note.guid] == {case_of[pid] for pid in members[row]}
    # nothing else changed: the same sources, selections and cases as without the matrix
    alone = read_refi_bytes(refi.write_project_xml(refi.project_to_refi(data), internal=False))
    with_matrix = read_refi_bytes(refi.write_project_xml(doc, internal=False))
    assert [(s.guid, len(s.selections)) for s in alone.sources] == [
        (s.guid, len(s.selections)) for s in with_matrix.sources
    ]
    assert [c.guid for c in alone.cases] == [c.guid for c in with_matrix.cases]


def read_refi_bytes(xml: bytes):
    from qualcode.ingest.refi_read import parse_refi_xml

    return parse_refi_xml(xml)


def test_a_citation_is_the_trimmed_quote_and_its_attribution():
    from qualcode.analysis.matrix import citation

    data = sample_data("rln")
    long = max(cell_passages(_shipped(), data, "School A", "prioritisation"), key=lambda p: len(p.text))
    text = citation(long, 120)
    assert text.startswith("“We paid supply cover for every workshop day")
    assert text.endswith("[…]” (Headteacher, School A (RLN))")
    assert len(text) < 120 + len(" […]” (Headteacher, School A (RLN))") + 2


def test_cell_quotes_start_at_a_content_sentence_and_are_blacked_out():
    data = sample_data("rln")
    view = build_matrix_view(_shipped(), data, quotes=3, redact=[("Laura", "name"), ("Josh", "name")])
    quotes = [q for qs in view.quotes.values() for q in qs]
    assert quotes
    for q in quotes:
        assert not q.text.startswith(("Of course", "Yes.", "[pause]", "[laughs]")), q.text
        assert "Laura" not in q.text and "Josh" not in q.text
    assert any("[name]" in q.text for q in quotes)


def test_an_interviewer_turn_coded_alone_is_left_out_of_cell_counts_and_quotes(tmp_path, tiny_codebook, interview_file):
    """As in theme tables: the interviewer is not one of the cases a row holds. A matrix with
    counts or quotes over such a coding used to stop with a KeyError."""
    from tests.test_light_read import _coded

    location = _coded(tmp_path, tiny_codebook, interview_file)
    with Project.open(location) as project:
        first = project.list_transcripts()[0]
        code = project.codes()[0].key  # bob coded the interviewer's question with it, alone
        interviewer = [p for p in project.retrieve(code, redact=False).passages if p.interviewer]
        assert interviewer, "the fixture codes an interviewer's turn alone"
        people = sorted({t.participant for t in project.list_transcripts() if t.participant})
        project.create_matrix("cases", "participant", people, [code], coder="alice")
        view = project.matrix_view("cases", counts=True, quotes=2)
        row = first.participant
        passages = [p for p in project.retrieve(code, redact=False).passages if p.transcript == first.name]
        assert view.counts[(row, code)][0] == len([p for p in passages if not p.interviewer])
        assert all(not q.text.startswith(interviewer[0].text[:20]) for q in view.quotes[(row, code)])
