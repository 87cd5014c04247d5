"""One set of rules for a coder's name, whichever way the coder comes in (qualcode.store.rows)."""

from __future__ import annotations

import unicodedata

import pytest

from qualcode.errors import InputError, QualcodeError
from qualcode.store import coder_name, coder_name_from

NFC = "José"
NFD = unicodedata.normalize("NFD", NFC)


def test_a_name_is_stored_one_way() -> None:
    assert NFD != NFC
    assert coder_name(f"  {NFD} ") == NFC
    for bad in ("", "   ", "-alice", "a" * 101, "alice\nbob", "al<i>ce"):
        with pytest.raises(QualcodeError, match="invalid coder name"):
            coder_name(bad)


@pytest.mark.parametrize(
    "foreign",
    ["Dr. Jane Doe", "jane@example.org", "-dash", "名前", "", "  ", "a<b>c", "x" * 99 + " " + "y" * 20, NFD],
)
def test_another_tools_user_name_becomes_a_name_the_rules_keep(foreign: str) -> None:
    """REFI-QDA and QualCoder users: the name made from theirs is one ``coders add`` would store
    unchanged (no trailing space left by cutting at 100 characters, composed accents)."""
    name = coder_name_from(foreign)
    assert coder_name(name) == name


def test_the_workbench_prompt_and_coders_add_agree(project) -> None:
    assert project.check_coder_name(f" {NFD} ") == NFC
    assert project.add_coder(f" {NFD} ").name == NFC
    with pytest.raises(QualcodeError, match="already exists"):
        project.add_coder(NFC)


CSV = """coder,transcript,code,anchor,span,memo
{coder},interview-01,formalisation.plans,development plan straight away,segment,
"""


def test_a_codings_file_names_the_coder_coders_add_made(project, tmp_path) -> None:
    """A CSV written on a system that decomposes accents names the same José: the file used to
    be refused ("unknown coder"), or with --add-coders made a second José."""
    project.add_coder(NFC)
    path = tmp_path / "codings.csv"
    path.write_text(CSV.format(coder=NFD), encoding="utf-8")
    assert project.import_codings(path).added == 1
    assert [c.coder for c in project.list_codings()] == [NFC]
    project.import_codings(path, add_coders=True)
    assert [c.name for c in project.coders()].count(NFC) == 1


def test_a_codings_file_with_a_bad_coder_name_is_refused_with_its_line(project, tmp_path) -> None:
    path = tmp_path / "codings.csv"
    path.write_text(CSV.format(coder="-carol"), encoding="utf-8")
    with pytest.raises(InputError, match=r"codings.csv:2.*invalid coder name"):
        project.import_codings(path, add_coders=True)
    assert [c.name for c in project.coders()] == ["alice", "bob"]
