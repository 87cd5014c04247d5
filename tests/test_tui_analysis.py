"""The analysis screens of the workbench, driven as a researcher would on the RLN sample project.

What each screen shows is checked against ``project.analysis`` called directly (itself tested
against the sample files in tests/test_analysis_project.py).
"""

from __future__ import annotations

import itertools
import re

import pytest

from qualcode.analysis.retrieval import Passage
from qualcode.tui.screens.analysis_base import AGREED, UNION, CoderChoice
from qualcode.tui.screens.analysis_help import AnalysisHelp
from qualcode.tui.screens.cooccurrence import CooccurrenceScreen
from qualcode.tui.screens.group_comparison import GroupComparisonScreen
from qualcode.tui.screens.retrieval import PassageFilter, RetrievalScreen, filter_passages
from qualcode.tui.testing import screen_text, settle
from qualcode.tui.widgets.passages import PassageList
from qualcode.tui.widgets.segments import SegmentView
from tests.test_analysis_project import build_rln
from tests.test_tui import workbench
from tests.tui.conftest import drive, press

THEME = "attitudes"  # a theme with sub-codes, coded by alice and bob


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def rln(project_url):
    project = build_rln(project_url)
    yield project
    project.close()


def spans(passages) -> set[tuple]:
    return {(p.code, p.transcript_id, p.start, p.end) for p in passages}


async def open_passages(pilot, key: str = THEME) -> RetrievalScreen:
    pilot.app.workbench.codebook.select_key(key)
    await press(pilot, "R")
    screen = pilot.app.screen
    assert isinstance(screen, RetrievalScreen)
    return screen


# ---------------------------------------------------------------------- filters (no screen)


def test_filters_on_one_read_give_what_retrieve_gives_with_the_same_filters(rln):
    """Every combination of the screen's filters, applied to the one read it makes, gives the
    passages ``retrieve`` returns when asked with those filters."""
    analysis = rln.analysis
    everything = analysis.retrieve(THEME, subcodes=True, redact=False).passages
    people = rln.participants()
    roles = sorted({p.attributes["role"] for p in people})
    wheres = [{}, {"role": (roles[0],)}, {"role": tuple(roles[:2]), "school": ("School A", "School B")}]
    coder_choices = [UNION, AGREED, CoderChoice.coder("alice"), CoderChoice.coder("bob")]
    texts = ["", "research", "zzz-not-there"]
    for where, coders, text, subcodes in itertools.product(wheres, coder_choices, texts, (True, False)):
        f = PassageFilter(subcodes=subcodes, where=dict(where), coders=coders, text=text)
        kwargs = {}
        if coders == AGREED:
            kwargs["agreed"] = 2
        elif coders != UNION:
            kwargs["coders"] = coders.coders
        expected = analysis.retrieve(
            THEME, subcodes=subcodes, where=where or None, text=text or None, redact=False, **kwargs
        ).passages
        got = filter_passages(everything, THEME, f)
        assert spans(got) == spans(expected), (where, coders, text, subcodes)
        assert [(p.transcript_id, p.start) for p in got] == [(p.transcript_id, p.start) for p in expected]
    assert any(filter_passages(everything, THEME, PassageFilter(coders=AGREED)))


# ---------------------------------------------------------------------- the passages screen


def test_passages_screen_lists_every_passage_of_a_code_and_filters_it(rln):
    # The screen blacks out names, as retrieve does by default.
    expected = rln.analysis.retrieve(THEME).passages
    headteachers = rln.analysis.retrieve(THEME, where={"role": ("Headteacher",)}).passages
    own = rln.analysis.retrieve(THEME, subcodes=False).passages
    # The text filter reads what the screen shows: "research" inside a blacked-out name
    # ("Calderbridge Research School") finds nothing there.
    with_text = [p for p in expected if "research" in p.text.casefold()]
    assert len(with_text) < len(rln.analysis.retrieve(THEME, text="research").passages)

    async def scenario(pilot):
        screen = await open_passages(pilot)
        shown = screen.query_one(PassageList)
        assert spans(screen.shown) == spans(expected)
        text = screen_text(pilot.app)
        assert f"{len(expected)} passages" in text
        first = expected[0]
        assert first.participant in text and f"{first.transcript} ¶{first.position + 1}" in text
        # w: role = Headteacher
        await press(pilot, "w")
        await choose(pilot, "attr:role")
        await choose(pilot, "v:Headteacher")
        assert spans(screen.shown) == spans(headteachers)
        assert "role = Headteacher" in screen_text(pilot.app)
        # w again, "any value" lifts it; s leaves out the sub-codes
        await press(pilot, "w")
        await choose(pilot, "attr:role")
        await choose(pilot, "-")
        await press(pilot, "s")
        assert spans(screen.shown) == spans(own)
        await press(pilot, "s")
        # / research
        await press(pilot, "slash")
        await pilot.press(*"research")
        await press(pilot, "enter")
        assert spans(screen.shown) == spans(with_text)
        assert len(shown.passage_rows) == len(with_text)
        # b: grouped by school, headings with counts
        await press(pilot, "b")
        await choose(pilot, "attr:school")
        assert "grouped by school" in screen_text(pilot.app)
        headings = [r for r in shown.rows if not isinstance(r, Passage)]
        assert sum(h.passages for h in headings) == len(with_text)
        assert [h.label for h in headings] == sorted(h.label for h in headings)

    drive(workbench(rln), scenario, size=(160, 45))


async def choose(pilot, option_id: str) -> None:
    """Choose the option with ``option_id`` in the dialog on top."""
    options = pilot.app.screen.query_one("#choices")
    index = next(i for i, o in enumerate(options.options) if o.id == option_id)
    options.highlighted = index
    await press(pilot, "enter")


def test_enter_opens_the_passage_in_its_transcript_and_esc_comes_back_to_the_same_place(rln):
    async def scenario(pilot):
        screen = await open_passages(pilot)
        listing = screen.query_one(PassageList)
        await press(pilot, "down", "down", "down", "down", "down")
        passage = listing.current
        assert listing.cursor == 5
        await press(pilot, "enter")
        bench = pilot.app.workbench
        assert pilot.app.screen is bench
        assert bench.open.info.id == passage.transcript_id
        assert bench.query_one(SegmentView).current.id == passage.segment_id
        assert bench.codebook.highlighted_key == passage.code
        assert "Esc: back to the passages" in screen_text(pilot.app)
        await press(pilot, "escape")
        assert pilot.app.screen is screen
        assert listing.cursor == 5 and listing.current is passage
        # Esc on the passages screen goes back to the workbench for good
        await press(pilot, "escape")
        assert pilot.app.screen is bench
        await press(pilot, "escape")
        assert pilot.app.screen is bench

    drive(workbench(rln), scenario, size=(160, 45))


def test_x_shows_the_turns_before_and_after(rln):
    async def scenario(pilot):
        screen = await open_passages(pilot)
        passage = screen.query_one(PassageList).current
        before = passage.before[-1].text.split(".")[0][:40]
        assert before not in screen_text(pilot.app)
        await press(pilot, "x")
        text = " ".join(screen_text(pilot.app).split())
        assert f"¶{passage.before[-1].position + 1}" in text

    drive(workbench(rln), scenario, size=(160, 45))


def test_passages_screen_scrolls_to_the_end_and_shows_the_last_passage(rln):
    expected = rln.analysis.retrieve(THEME, redact=False).passages

    async def scenario(pilot):
        screen = await open_passages(pilot)
        await press(pilot, "end")
        listing = screen.query_one(PassageList)
        last = listing.current
        assert (last.transcript_id, last.start, last.end, last.code) == (
            expected[-1].transcript_id,
            expected[-1].start,
            expected[-1].end,
            expected[-1].code,
        )
        assert f"{len(expected):>5} " in screen_text(pilot.app)
        await press(pilot, "home")
        assert listing.cursor == 0

    drive(workbench(rln), scenario, size=(80, 24))


def test_help_on_every_analysis_screen(rln):
    async def scenario(pilot):
        await open_passages(pilot)
        await press(pilot, "question_mark")
        assert isinstance(pilot.app.screen, AnalysisHelp)
        text = screen_text(pilot.app)
        assert "Group by participant" in text and "Open the passage in its transcript" in text
        await press(pilot, "escape", "escape")
        for key, cls in (("O", CooccurrenceScreen), ("C", GroupComparisonScreen)):
            await press(pilot, key)
            if not isinstance(pilot.app.screen, cls):  # the group dialog comes first
                await press(pilot, "escape")
            assert isinstance(pilot.app.screen, cls)
            await press(pilot, "question_mark")
            assert isinstance(pilot.app.screen, AnalysisHelp)
            await press(pilot, "escape", "escape")
            assert pilot.app.screen is pilot.app.workbench

    drive(workbench(rln), scenario, size=(120, 40))


# ---------------------------------------------------------------------- co-occurrence


def test_cooccurrence_cells_count_shared_segments_and_open_the_shared_passages(rln):
    result = rln.analysis.cooccurrence()
    pair = result.pairs[0]
    keys = [c.key for c in result.codes]
    shared = rln.analysis.shared_passages(pair.a, pair.b, redact=False).passages

    async def scenario(pilot):
        await press(pilot, "O")
        screen = pilot.app.screen
        assert isinstance(screen, CooccurrenceScreen)
        table = screen.table
        table.move_cursor(row=keys.index(pair.a), column=keys.index(pair.b) + 1)
        await settle(pilot)
        assert str(table.get_cell_at(table.cursor_coordinate)) == str(pair.segments)
        assert f"{pair.segments} segments with both" in screen_text(pilot.app)
        await press(pilot, "j")
        assert str(table.get_cell_at(table.cursor_coordinate)) == f"{pair.jaccard:.2f}"
        await press(pilot, "enter")
        passages = pilot.app.screen
        assert isinstance(passages, RetrievalScreen)
        assert spans(passages.shown) == spans(shared)
        await press(pilot, "escape")
        assert pilot.app.screen is screen
        # one coder: bob's counts
        bob = rln.analysis.cooccurrence(coders=["bob"])
        await press(pilot, "c")
        await choose(pilot, "coder:bob")
        assert screen.result.pairs == bob.pairs

    drive(workbench(rln), scenario, size=(160, 45))


def test_a_cooccurrence_cell_and_the_passages_it_opens_count_the_same_segments(rln):
    """The cell says "N segments with both"; what it opens lists the passages of both codes in
    them, more passages than segments, and says both numbers (it used to say "6 segments" and
    open "14 passages" with nothing to tie the two together)."""
    result = rln.analysis.cooccurrence()
    pair = max(result.pairs, key=lambda p: p.segments)
    keys = [c.key for c in result.codes]
    shared = rln.analysis.shared_passages(pair.a, pair.b).passages
    assert len(shared) > pair.segments == len({p.segment_id for p in shared})

    async def scenario(pilot):
        await press(pilot, "O")
        screen = pilot.app.screen
        screen.table.move_cursor(row=keys.index(pair.a), column=keys.index(pair.b) + 1)
        await settle(pilot)
        cell = " ".join(screen_text(pilot.app).split())
        await press(pilot, "enter")
        return cell, " ".join(screen_text(pilot.app).split())

    cell, opened = drive(workbench(rln), scenario, size=(160, 45))
    assert f"{pair.segments} segments with both" in cell and "Enter: both codes' passages" in cell
    assert f"in the {pair.segments} segments coded with both" in opened, opened
    assert f"{len(shared)} passages in {pair.segments} segments" in opened, opened


def test_names_are_blacked_out_alike_on_every_analysis_screen(rln_matrix):
    """The passages screen (from the codebook, a co-occurrence cell or a group comparison) and the
    matrix cell editor black out the participants' identifying names as `qualcode retrieve` and
    the exports do (the passages screen used to show them while the matrix blacked them out)."""
    from qualcode.tui.screens.framework import CellEditor

    project = rln_matrix
    terms = [t for t, _ in project.identifying_terms()]
    assert "Laura" in " ".join(terms)
    result = project.analysis.cooccurrence()
    keys = [c.key for c in result.codes]
    pair = max(result.pairs, key=lambda p: p.segments)
    matrix = project.analysis.matrices()[0]

    def named(texts) -> list[str]:
        return [t for t in terms for text in texts if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text, re.I)]

    async def scenario(pilot):
        seen = {}

        async def passages(label):
            screen = pilot.app.screen
            assert isinstance(screen, RetrievalScreen), label
            texts = [p.text for p in screen.loaded.retrieval.passages]
            texts += [t.text for p in screen.loaded.retrieval.passages for t in (*p.before, *p.after)]
            seen[label] = (screen.loaded.retrieval.redacted, named(texts), " ".join(screen_text(pilot.app).split()))
            await press(pilot, "escape")

        await open_passages(pilot, "mobilisation")
        await passages("codebook")
        await press(pilot, "O")
        cooc = pilot.app.screen
        cooc.table.move_cursor(row=keys.index(pair.a), column=keys.index(pair.b) + 1)
        await press(pilot, "enter")
        await passages("co-occurrence")
        cooc.table.move_cursor(row=keys.index(pair.a), column=keys.index(pair.a) + 1)
        await press(pilot, "enter")
        await passages("co-occurrence diagonal")
        await press(pilot, "escape", "C")
        await choose(pilot, "attr:role")
        await choose(pilot, "v:Headteacher")
        await choose(pilot, "v:Teacher")
        await press(pilot, "enter")
        await passages("group comparison")
        await press(pilot, "escape", "F")
        pilot.app.screen.table.move_cursor(row=0, column=1)
        await press(pilot, "enter")
        editor = pilot.app.screen
        assert isinstance(editor, CellEditor)
        seen["matrix cell"] = (True, named(p.text for p in editor.passages), "")
        return seen

    seen = drive(workbench(project), scenario, size=(160, 45))
    assert set(seen) == {"codebook", "co-occurrence", "co-occurrence diagonal", "group comparison", "matrix cell"}
    for label, (redacted, names, _) in seen.items():
        assert redacted and names == [], (label, names)
    shown = seen["codebook"][2]
    assert "[name]" in shown and "names blacked out" in shown and "Laura" not in shown, shown
    assert matrix.rows


# ---------------------------------------------------------------------- group comparison


def test_group_comparison_shows_each_groups_share_and_the_difference(rln):
    expected = rln.analysis.compare_groups({"role": ("Headteacher",)}, {"role": ("Teacher",)})

    async def scenario(pilot):
        await press(pilot, "C")
        await choose(pilot, "attr:role")
        await choose(pilot, "v:Headteacher")
        await choose(pilot, "v:Teacher")
        screen = pilot.app.screen
        assert isinstance(screen, GroupComparisonScreen)
        assert screen.result.rows == expected.rows
        text = screen_text(pilot.app)
        assert f"Headteacher (n={expected.a.n})" in text and f"Teacher (n={expected.b.n})" in text
        top = expected.rows[0]
        assert f"{top.a_count} · {100 * top.a_share:.0f}%" in text
        await press(pilot, "s")
        biggest = max(expected.rows, key=lambda r: abs(r.difference))
        assert screen.table.coordinate_to_cell_key((0, 0)).row_key.value == biggest.key
        await press(pilot, "enter")
        passages = pilot.app.screen
        assert isinstance(passages, RetrievalScreen)
        wanted = rln.analysis.retrieve(biggest.key, where={"role": ("Headteacher", "Teacher")}, redact=False).passages
        assert spans(passages.shown) == spans(wanted)

    drive(workbench(rln), scenario, size=(160, 45))


# ---------------------------------------------------------------------- framework matrices


@pytest.fixture
def rln_matrix(rln):
    from qualcode.analysis.matrix import load_matrix
    from qualcode.samples import matrix_files

    for file in matrix_files("rln"):
        rln.analysis.import_matrix(load_matrix(file))
    return rln


def test_framework_matrix_cell_editor_quotes_a_passage_saves_and_u_undoes(rln_matrix):
    from textual.widgets import TextArea

    from qualcode.analysis.matrix import citation
    from qualcode.tui.screens.dialogs import ConfirmDialog
    from qualcode.tui.screens.framework import CellEditor, FrameworkScreen

    project = rln_matrix
    matrix = project.analysis.matrices()[0]
    row, column = matrix.rows[1], matrix.columns[2]
    before = matrix.summary(row, column)
    support = project.analysis.cell_passages(matrix.name, row, column).passages
    assert support

    async def scenario(pilot):
        await press(pilot, "F")
        screen = pilot.app.screen
        assert isinstance(screen, FrameworkScreen)
        text = screen_text(pilot.app)
        assert matrix.name in text and matrix.rows[0] in text
        screen.table.move_cursor(row=1, column=3)
        await press(pilot, "enter")
        editor = pilot.app.screen
        assert isinstance(editor, CellEditor)
        area = editor.query_one(TextArea)
        assert area.text == before
        shown = " ".join(screen_text(pilot.app).split())
        assert f"{len(support)} passage" in shown and support[0].participant in shown
        # the cursor at the end of the summary; Ctrl+O quotes the highlighted (first) passage
        await press(pilot, "ctrl+o")
        quote = citation(support[0])
        assert area.text == before + " " + quote
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is screen
        assert project.analysis.matrix(matrix.name).summary(row, column) == before + " " + quote
        assert screen.matrix.summary(row, column).endswith(quote)  # what the grid and v read
        await press(pilot, "u")
        assert project.analysis.matrix(matrix.name).summary(row, column) == before
        await press(pilot, "U")
        assert project.analysis.matrix(matrix.name).summary(row, column) == before + " " + quote
        # Esc with unsaved text asks first: n stays in the editor, y leaves without saving
        await press(pilot, "enter")
        editor = pilot.app.screen
        editor.query_one(TextArea).insert(" not kept")
        await press(pilot, "escape")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await press(pilot, "n")
        assert pilot.app.screen is editor
        await press(pilot, "escape", "y")
        assert pilot.app.screen is screen
        assert project.analysis.matrix(matrix.name).summary(row, column) == before + " " + quote

    drive(workbench(project), scenario, size=(160, 45))


def test_framework_cells_are_cut_with_an_ellipsis_and_v_reads_the_whole_cell(rln_matrix):
    """A long summary shows its first three lines in the grid, the last ending in "…" (it used to
    stop mid-sentence with nothing to say more follows); v shows the whole cell."""
    from qualcode.tui.screens.framework import CELL_LINES, CELL_WIDTH, CellReader

    matrix = rln_matrix.analysis.matrices()[0]
    row, column = matrix.rows[0], matrix.columns[0]
    summary = " ".join(matrix.summary(row, column).split())
    assert len(summary) > CELL_WIDTH * CELL_LINES

    async def scenario(pilot):
        await press(pilot, "F")
        screen = pilot.app.screen
        screen.table.move_cursor(row=0, column=1)
        await settle(pilot)
        cell = screen.table.get_cell_at(screen.table.cursor_coordinate)
        below = " ".join(screen_text(pilot.app).split())
        await press(pilot, "v")
        reader = pilot.app.screen
        whole = " ".join(re.sub(r"[█▀▄▌▐]", " ", screen_text(pilot.app)).split())
        await press(pilot, "escape")
        return cell, below, isinstance(reader, CellReader), whole, pilot.app.screen is screen

    cell, below, read, whole, back = drive(workbench(rln_matrix), scenario, size=(80, 24))
    lines = cell.plain.split("\n")
    assert len(lines) == CELL_LINES and all(len(line) <= CELL_WIDTH for line in lines), lines
    assert lines[-1].endswith("…") and " ".join(" ".join(lines)[:-1].split()) in summary, lines
    assert "v reads it whole" in below
    assert read and summary in whole and back, whole


def test_framework_screen_makes_a_new_matrix(rln):
    from qualcode.tui.screens.framework import FrameworkScreen

    async def scenario(pilot):
        await press(pilot, "F")
        screen = pilot.app.screen
        assert isinstance(screen, FrameworkScreen)
        assert "No framework matrix yet" in screen_text(pilot.app)
        await press(pilot, "n")
        await pilot.press(*"By role")
        await press(pilot, "enter")
        await choose(pilot, "attr:role")
        made = rln.analysis.matrix("By role")
        assert made.rows_by == "role"
        assert made.rows == sorted({p.attributes["role"] for p in rln.participants()}, key=str.casefold)
        assert made.columns == [c.key for c in rln.codes() if c.parent_key is None]
        assert "By role" in screen_text(pilot.app)
        await press(pilot, "u")
        assert rln.analysis.matrices() == []

    drive(workbench(rln), scenario, size=(120, 40))


def test_a_coder_named_union_is_a_coder_on_the_analysis_screens(rln):
    """ "Everyone" and "agreed" are choices of their own, not names: choosing the coder "union"
    shows that coder's codings (it used to show everyone's)."""
    rln.add_coder("union")
    transcript = rln.list_transcripts()[0]
    segment = next(s for s in rln.segments(transcript.id) if not s.interviewer)
    rln.apply_code("union", THEME, segment.id, None, None)
    own = rln.analysis.retrieve(THEME, coders=["union"]).passages
    assert len(own) == 1 and len(rln.analysis.retrieve(THEME).passages) > 1
    counted = rln.analysis.cooccurrence(coders=["union"])

    async def scenario(pilot):
        screen = await open_passages(pilot)
        await press(pilot, "c")
        await choose(pilot, "coder:union")
        assert spans(screen.shown) == spans(own)
        assert "coders union" in screen_text(pilot.app)
        await press(pilot, "escape")
        await press(pilot, "O")
        cooccurrence = pilot.app.screen
        assert isinstance(cooccurrence, CooccurrenceScreen)
        await press(pilot, "c")
        await choose(pilot, "coder:union")
        assert cooccurrence.result.pairs == counted.pairs
        assert [c.key for c in cooccurrence.result.codes] == [c.key for c in counted.codes]

    drive(workbench(rln), scenario, size=(160, 45))
