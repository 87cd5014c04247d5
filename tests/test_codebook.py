"""Codebook YAML: validation with file and line, round trip, and the two shipped codebooks."""

from __future__ import annotations

import re

import pytest

from qualcode import codebook as cb

from .conftest import ROOT, TINY_CODEBOOK


def problems(text: str) -> list[str]:
    with pytest.raises(cb.CodebookError) as info:
        cb.parse_codebook(text, "book.yaml")
    return [str(p) for p in info.value.problems]


def test_tiny_codebook_loads_as_a_tree(tiny_codebook):
    assert [c.id for c, _, _ in tiny_codebook.walk()] == [
        "formalisation",
        "formalisation.plans",
        "formalisation.meetings",
        "prioritisation",
        "prioritisation.time",
    ]
    assert tiny_codebook.placement()["formalisation.meetings"] == ("formalisation", 1)
    assert tiny_codebook.by_id()["prioritisation.time"].keywords == ("cover", "release time")


def test_duplicate_ids_are_reported_with_both_lines():
    found = problems("name: x\ncodes:\n  - id: a\n    name: A\n  - id: a\n    name: B\n")
    assert found == ["book.yaml:5: duplicate code id 'a' (also on line 3)"]


def test_duplicate_sibling_names_are_reported():
    found = problems("name: x\ncodes:\n  - id: a\n    name: Time\n  - id: b\n    name: time\n")
    assert found == ["book.yaml:5: duplicate sibling name 'time' (also on line 3)"]


def test_same_name_under_different_parents_is_fine():
    doc = cb.parse_codebook(
        "name: x\ncodes:\n  - id: a\n    name: A\n    children:\n      - id: a.t\n        name: Time\n"
        "  - id: b\n    name: B\n    children:\n      - id: b.t\n        name: Time\n"
    )
    assert len(doc.by_id()) == 4


def test_missing_name_and_missing_id():
    found = problems("name: x\ncodes:\n  - id: a\n  - name: B\n")
    assert "book.yaml:3: a: missing 'name'" in found
    assert any(p.startswith("book.yaml:4: code: missing 'id'") for p in found)


def test_wrong_types_are_reported():
    found = problems(
        "name: x\ncodes:\n  - id: a\n    name: A\n    keywords: cover\n    children: nope\n    description: [1, 2]\n"
    )
    assert "book.yaml:5: a: keywords must be a list, not a single value" in found
    assert "book.yaml:6: a: children must be a list of codes, not a single value" in found
    assert "book.yaml:7: a: description must be text, not a list" in found


def test_unknown_keys_are_reported():
    found = problems("name: x\ncodes:\n  - id: a\n    name: A\n    colour: red\nextra: 1\n")
    assert found[0].startswith("book.yaml:5: code: unknown key 'colour'")
    assert found[1].startswith("book.yaml:6: codebook: unknown key 'extra'")


def test_every_problem_is_reported_at_once():
    found = problems("name: x\ncodes:\n  - id: a\n    name: A\n  - id: a\n  - id: Bad Id\n    name: C\n")
    assert len(found) == 3


def test_malformed_yaml_gives_the_line():
    found = problems("name: x\ncodes:\n  - id: a\n    name: [unclosed\n  - id: b\n")
    assert len(found) == 1 and found[0].startswith("book.yaml:5: malformed YAML")


def test_not_a_mapping_and_empty_file():
    assert problems("- a\n- b\n")[0].startswith("book.yaml:1: a codebook is a mapping")
    assert problems("") == ["book.yaml: the codebook file is empty"]


def test_bad_color_and_bad_id():
    found = problems("name: x\ncodes:\n  - id: A.B\n    name: A\n    color: blue\n")
    assert any("use lower-case letters" in p for p in found)
    assert any("color 'blue' must look like #1f77b4" in p for p in found)


def test_load_reports_missing_file_and_non_utf8(tmp_path):
    with pytest.raises(cb.CodebookError, match="no such file"):
        cb.load_codebook(tmp_path / "nope.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: Caf\xe9\ncodes: []\n".encode("latin-1"))
    with pytest.raises(cb.CodebookError, match="not UTF-8"):
        cb.load_codebook(latin)


def test_round_trip_load_save_load(tmp_path, tiny_codebook):
    path = tmp_path / "out.yaml"
    cb.save_codebook(tiny_codebook, path)
    assert cb.load_codebook(path) == tiny_codebook


@pytest.mark.parametrize("study", ["rln", "pess"])
def test_shipped_codebooks_round_trip(tmp_path, study):
    doc = cb.load_codebook(ROOT / "codebooks" / f"{study}.yaml")
    path = tmp_path / "again.yaml"
    cb.save_codebook(doc, path)
    assert cb.load_codebook(path) == doc


def test_compare_finds_renames_moves_additions_removals(tiny_codebook):
    edited = cb.parse_codebook(
        TINY_CODEBOOK.replace("name: Plans", "name: Development plans")
        .replace(
            "      - id: formalisation.meetings\n        name: Meetings\n        description: Formal meetings and reporting back.\n"
            "        keywords: [report back, meeting]\n",
            "",
        )
        .replace(
            "        keywords: [cover, release time]\n",
            "        keywords: [cover, release time]\n      - id: formalisation.meetings\n        name: Meetings\n"
            "        description: Formal meetings and reporting back.\n        keywords: [report back, meeting]\n"
            "      - id: prioritisation.money\n        name: Money\n",
        )
    )
    changes = cb.compare(tiny_codebook, edited)
    assert changes.renamed == [("formalisation.plans", "Plans", "Development plans")]
    assert changes.moved == [("formalisation.meetings", "formalisation", "prioritisation")]
    assert changes.added == ["prioritisation.money"]
    assert changes.removed == []


# ---------------------------------------------------------------------- the shipped codebooks


def expected_trees(codebooks_md: str) -> dict[str, list[tuple[int, str]]]:
    """The (depth, name) outline of each codebook as ../shared/codebooks.md gives it."""
    trees: dict[str, list[tuple[int, str]]] = {}
    current = None
    for line in codebooks_md.splitlines():
        heading = re.match(r"## codebooks/(\w+)\.yaml", line)
        if heading:
            current = heading.group(1)
            trees[current] = []
            continue
        if line.startswith("## "):
            current = None
        item = re.match(r"^( *)\d+\. (.+)$", line)
        if current and item:
            name = item.group(2).replace("*", "")
            name = re.split(r" — |\s\(", name)[0].strip()
            trees[current].append((len(item.group(1)) // 3, name))
    return trees


@pytest.mark.parametrize("study", ["rln", "pess"])
def test_shipped_codebooks_have_exactly_the_figure_trees(shared_dir, study):
    expected = expected_trees((shared_dir / "codebooks.md").read_text(encoding="utf-8"))[study]
    doc = cb.load_codebook(ROOT / "codebooks" / f"{study}.yaml")
    assert [(depth, code.name) for code, _, depth in doc.walk()] == expected


@pytest.mark.parametrize("study", ["rln", "pess"])
def test_every_shipped_code_is_fully_defined(study):
    doc = cb.load_codebook(ROOT / "codebooks" / f"{study}.yaml")
    for code, parent, depth in doc.walk():
        for field in ("description", "include", "exclude", "example"):
            assert len(getattr(code, field)) > 15, f"{code.id} has no real {field}"
        assert code.keywords, f"{code.id} has no keywords"
        if depth == 0:
            assert code.color, f"top-level code {code.id} has no colour"
        if parent:
            assert code.id.startswith(parent + "."), f"{code.id} should sit under {parent}"


def test_one_definition_of_a_codes_fields():
    from dataclasses import fields

    from qualcode.codebook import CODE_FIELDS, DEFINITION_FIELDS, CodeDef, definition_of
    from qualcode.records import CodeInfo
    from qualcode.study import ExportCode

    for record in (CodeDef, CodeInfo, ExportCode):
        assert set(CODE_FIELDS) <= {f.name for f in fields(record)}, record
    code = CodeDef(id="a", name="A", description="d", keywords=("x",), color="#123456")
    assert definition_of(code) == {
        "description": "d",
        "include": "",
        "exclude": "",
        "example": "",
        "keywords": ("x",),
        "color": "#123456",
    }
    assert tuple(definition_of(code)) == DEFINITION_FIELDS


def test_a_codes_definition_survives_the_project_and_the_export(project):
    project.update_code("formalisation.plans", description="Plans.", include="Written plans.", keywords=["plan"])
    info = project.code("formalisation.plans")
    from qualcode.codebook import definition_of

    doc = project.codebook_doc().by_id()["formalisation.plans"]
    exported = next(c for c in project.export_data().codes if c.key == "formalisation.plans")
    assert definition_of(doc) == {**definition_of(info), "color": None} == definition_of(exported)
    assert definition_of(info)["keywords"] == ("plan",)
