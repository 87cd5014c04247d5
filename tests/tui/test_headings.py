"""A passage is headed one way wherever passages are listed, in the colours the .tcss gives."""

from __future__ import annotations

from rich.color import Color
from textual.app import App

from qualcode.analysis.retrieval import Passage
from qualcode.tui.widgets.passages import PassageList, PassageStyles, passage_heading

from .conftest import drive

PASSAGE = Passage(
    code="time",
    transcript="interview-[03]",
    transcript_id=3,
    segment_id=40,
    position=13,
    start=0,
    end=10,
    text="We paid for cover [laughs]",
    participant="P03 [/x]",
    participant_id=7,
    attributes={"role": "Headteacher", "school": "School A", "empty": ""},
    attribution="P03",
    speaker="Headteacher",
    coders=("alice", "bob"),
    memos=("a memo",),
    time_start=723.0,
)


def test_every_variant_says_who_where_and_when_the_same_way():
    plain = PassageStyles()
    row = passage_heading(PASSAGE, plain, number=12, memos=True, attributes=True).plain
    detail = passage_heading(PASSAGE, plain, gap="  ", speaker=True, coders=False).plain
    cell = passage_heading(PASSAGE, plain, gap="  ").plain
    assert row == "   12 P03 [/x]   interview-[03] ¶14 0:12:03   alice, bob  ✎1   Headteacher · School A"
    assert detail == "P03 [/x]  interview-[03] ¶14 0:12:03  Headteacher"
    assert cell == "P03 [/x]  interview-[03] ¶14 0:12:03  alice, bob"


def test_the_colours_come_from_the_stylesheet():
    class Lister(App[None]):
        def compose(self):
            yield PassageList()

    async def scenario(pilot):
        return pilot.app.query_one(PassageList).passage_styles

    styles = drive(Lister(), scenario, size=(60, 10))
    assert styles.place.color.number == Color.parse("cyan").number  # the terminal's own cyan, as before
    assert styles.coders.color.number == Color.parse("green").number
    assert styles.who.bold and styles.muted.dim and styles.speaker.italic
    text = passage_heading(PASSAGE, styles)
    assert any(span.style == styles.place for span in text.spans)


def test_the_status_bar_tones_come_from_its_stylesheet():
    from qualcode.tui.widgets.status import StatusBar

    class Bar(App[None]):
        def compose(self):
            yield StatusBar()

    async def scenario(pilot):
        bar = pilot.app.query_one(StatusBar)
        return {tone: bar.tone(tone) for tone in StatusBar.TONES}

    tones = drive(Bar(), scenario, size=(60, 3))
    assert tones["done"].color.number == Color.parse("green").number
    assert tones["warning"].color.number == Color.parse("yellow").number
    assert tones["busy"].bold and tones["filter"].bold


STYLE_WORDS = {"bold", "italic", "dim", "reverse", "underline", "not", "on", "b", "i", "u"}
COLOUR_WORDS = {"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white", "grey", "gray", "orange"}
# Colours that are data, not theme: a code's own colour from the codebook, the text drawn on it
# (black or white, whichever reads), and the grey of a code without one.
DATA_COLOURS = {"qualcode/tui/text.py"}


def _colour_literals(path) -> list[str]:
    import ast
    import re

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            words = node.value.split()
            colours = [w for w in words if w in COLOUR_WORDS or re.fullmatch(r"#[0-9a-fA-F]{6}", w)]
            if colours and all(w in STYLE_WORDS or w in colours for w in words):
                found.append(f"{path}:{node.lineno} {node.value!r}")
    return found


def test_no_colour_is_spelled_in_the_workbench_python():
    """Colours are component classes and variables in the .tcss beside each widget or screen."""
    from pathlib import Path

    import qualcode

    root = Path(qualcode.__file__).parent
    found = []
    for face in ("tui", "web"):
        for path in sorted((root / face).rglob("*.py")):
            if path.relative_to(root.parent).as_posix() not in DATA_COLOURS:
                found += _colour_literals(path)
    assert found == []
