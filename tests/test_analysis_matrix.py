"""The worked framework matrix shipped for the RLN schools, and the matrix model around it."""

from __future__ import annotations

import re

import pytest

from qualcode.analysis.matrix import (
    build_matrix_view,
    cell_passages,
    check_matrix,
    load_matrix,
    matrix_from_dict,
    matrix_to_dict,
    row_members,
)
from qualcode.codebook import load_codebook
from qualcode.errors import QualcodeError
from qualcode.ingest.transcripts import parse_file
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
