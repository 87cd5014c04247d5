"""The workbench's plain-Python pieces (no screen): import hygiene, wrapping, ranking, search terms."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent


def _modules_after(code: str, tmp_path: Path) -> set[str]:
    script = textwrap.dedent(code) + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr
    import json

    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_cli_and_the_project_do_not_import_textual(tmp_path, interview_file):
    (tmp_path / "book.yaml").write_text("name: B\ncodes:\n  - id: a\n    name: A\n", encoding="utf-8")
    cases = {
        "qualcode --help": """
            from click.testing import CliRunner
            from qualcode.cli import cli
            r = CliRunner().invoke(cli, ["--help"]); assert r.exit_code == 0, r.output
        """,
        "qualcode init / import": f"""
            from click.testing import CliRunner
            from qualcode.cli import cli
            r = CliRunner().invoke(cli, ["init", "s.db", "--codebook", "book.yaml"]); assert r.exit_code == 0, r.output
            r = CliRunner().invoke(cli, ["import", "--db", "s.db", {str(interview_file)!r}]); assert r.exit_code == 0, r.output
        """,
        "qualcode code --help": """
            from click.testing import CliRunner
            from qualcode.cli import cli
            r = CliRunner().invoke(cli, ["code", "--help"]); assert r.exit_code == 0, r.output
        """,
        "import qualcode.project": "import qualcode.project\n",
    }
    for name, code in cases.items():
        loaded = _modules_after(code, tmp_path)
        assert not any(m == "textual" or m.startswith("textual.") for m in loaded), f"{name} imported textual"


def _loaded(modules: set[str], *names: str) -> list[str]:
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


def test_qualcode_help_loads_neither_the_database_nor_numpy_nor_yaml(tmp_path):
    loaded = _modules_after(
        """
        from click.testing import CliRunner
        from qualcode.cli import cli
        r = CliRunner().invoke(cli, ["--help"]); assert r.exit_code == 0, r.output
        """,
        tmp_path,
    )
    assert _loaded(loaded, "sqlalchemy", "numpy", "yaml", "textual") == []


def test_the_project_api_loads_no_face_and_no_spacy(tmp_path):
    # the project API and what opening a project loads (SQLAlchemy, the store, the parts it starts with)
    loaded = _modules_after("import qualcode.project, qualcode.store, qualcode.project.transcripts\n", tmp_path)
    assert "qualcode.project" in loaded and "sqlalchemy" in loaded
    assert _loaded(loaded, "textual", "click", "rich", "spacy") == []


def test_opening_the_workbench_module_does_import_textual(tmp_path):
    assert "textual" in _modules_after("import qualcode.tui\n", tmp_path)


# ---------------------------------------------------------------------- wrapping and selection


def test_wrap_offsets_breaks_at_spaces_and_keeps_every_character_reachable():
    from qualcode.tui.widgets.segments import wrap_offsets

    text = "We put it in the development plan straight away.\nNew line [laughs] here"
    lines = wrap_offsets(text, 20)
    assert [text[a:b] for a, b in lines] == [
        "We put it in the",
        "development plan",
        "straight away.",
        "New line [laughs]",
        "here",
    ]


def test_wrap_offsets_splits_words_longer_than_a_line_and_handles_wide_characters():
    from qualcode.tui.widgets.segments import wrap_offsets

    assert [("x" * 25)[a:b] for a, b in wrap_offsets("x" * 25, 10)] == ["x" * 10, "x" * 10, "x" * 5]
    wide = "学校" * 6  # two cells each
    assert all(b - a <= 5 for a, b in wrap_offsets(wide, 10))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=1, max_value=60))
def test_wrap_offsets_never_loses_or_reorders_text(text, width):
    from qualcode.tui.widgets.segments import wrap_offsets

    lines = wrap_offsets(text, width)
    last = 0
    for a, b in lines:
        assert last <= a <= b <= len(text)
        assert text[last:a].strip(" \n") == ""  # only spaces and new lines are skipped
        last = b
    assert text[last:].strip(" \n") == ""


def test_word_spans():
    from qualcode.tui.widgets.segments import word_spans

    text = "We don't [laughs] — re-use it."
    assert [text[a:b] for a, b in word_spans(text)] == ["We", "don't", "laughs", "re-use", "it"]


# ---------------------------------------------------------------------- ranking codes


@pytest.fixture
def codes(tiny_codebook):
    from qualcode.records import CodeInfo

    out = []
    for i, (code, parent, depth) in enumerate(tiny_codebook.walk()):
        out.append(
            CodeInfo(
                i,
                code.id,
                code.name,
                parent,
                depth,
                0,
                code.description,
                code.include,
                code.exclude,
                code.example,
                code.keywords,
                code.color,
            )
        )
    return out


@pytest.mark.parametrize(
    "query,expected,why",
    [
        ("meet", "formalisation.meetings", "name"),
        ("Plans", "formalisation.plans", "name"),
        ("prio", "prioritisation", "name"),
        ("cover", "prioritisation.time", "keyword"),
        ("reporting", "formalisation.meetings", "definition"),
        ("formlisation", "formalisation", "name"),  # a typo still finds it
    ],
)
def test_rank_codes_finds_by_name_id_keyword_and_definition(codes, query, expected, why):
    from qualcode.tui.ranking import rank_codes

    best = rank_codes(query, codes)[0]
    assert best.code.key == expected
    assert best.why == why


def test_rank_codes_empty_query_lists_the_codebook_in_order(codes):
    from qualcode.tui.ranking import rank_codes

    assert [r.code.key for r in rank_codes("", codes)] == [c.key for c in codes]


# ---------------------------------------------------------------------- full-text search terms


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_fts5_query_never_contains_bare_syntax(query):
    import sqlite3

    from qualcode.project.workbench import fts5_query

    expression = fts5_query(query)
    if expression is None:
        return
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize = 'unicode61 remove_diacritics 2')")
    db.execute("INSERT INTO t(text) VALUES ('the development plan [laughs]')")
    db.execute("SELECT rowid FROM t WHERE t MATCH ?", (expression,)).fetchall()  # never a syntax error


def test_search_finds_prefixes_and_phrases_and_reports_where(project):
    hits = project.search("develop plan")
    assert [h.position for h in hits] == [1]
    text = hits[0].text
    assert [text[a:b] for a, b in hits[0].matches] == ["develop", "plan"]
    assert project.search('"release time"')[0].position == 3
    assert project.search("[laughs]")[0].position == 3
    assert project.search('NEAR( "') == []


def test_match_spans_marks_each_term():
    from qualcode.project.workbench import match_spans

    body = "We paid for cover so they had release time. [laughs]"
    assert [body[a:b] for a, b in match_spans(body, 'cover "release time" laugh')] == ["cover", "release time", "laugh"]


@pytest.mark.parametrize(
    "query",
    [
        "foo_bar",
        "a:b",
        "!",
        "&|",
        "don't",
        "naïve café",
        "日本語",
        "(x",
        "x)",
        "<->",
        "'quoted'",
        '"unclosed',
        "*:*",
        "release:* & time",
        "-cover",
        "1 2 3",
    ],
)
def test_search_on_either_backend_never_fails_on_odd_input(project, query):
    project.search(query)  # SQLite FTS5 or PostgreSQL to_tsquery: never a syntax error


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_tsquery_is_only_words_and_operators(query):
    import re

    from qualcode.project.workbench import tsquery

    expression = tsquery(query)
    if expression is not None:
        assert re.fullmatch(r"[\w ()<>&:*-]+", expression)


def test_excerpts_end_at_a_word_with_an_ellipsis():
    from qualcode.tui.text import excerpt

    text = "We put it in the development plan straight away, and everyone knew"
    short = excerpt(text, 30)
    assert short == "We put it in the development…"
    assert len(short) <= 30 and text.startswith(short[:-1])
    assert excerpt("short", 30) == "short"
    assert excerpt("x" * 50, 10) == "x" * 9 + "…"  # one long word is cut inside it
