"""The coding workbench, driven with Textual's pilot as a coder would use it.

Each test opens the workbench on a small project (tests/conftest.py's ``project``: the tiny
codebook, coders alice and bob, one interview) plus a second interview full of square brackets,
presses keys, and checks what the project database holds and what the screen shows.
"""

from __future__ import annotations

import io
import re

import pytest

from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project
from qualcode.tui.app import WorkbenchApp
from qualcode.tui.testing import screen_text, settle
from qualcode.tui.widgets.segments import SegmentView
from tests.tui.conftest import drive, press

BRACKETS = """\
---
participant: "Teacher [T2] [/x]"
role: Teacher
school: "[bold]School B[/bold]"
---
Interviewer: Tell me about the [redacted] workshops. [@click=app.quit]click me[/]

Teacher: [laughs] We had [crosstalk] and then [/x] nothing [bold]really[/bold] changed.

Interviewer: Anything else?

Teacher: No. [pause] That's it.
"""


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    """Where-you-left-off state goes to a temporary directory, never the real home."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def study(project, tmp_path):
    path = tmp_path / "interview-02.txt"
    path.write_text(BRACKETS, encoding="utf-8")
    project.import_transcript(parse_file(path))
    return project


def workbench(project, coder="alice", **kwargs) -> WorkbenchApp:
    return WorkbenchApp(project, coder, blink=False, **kwargs)


def alice_codings(project, coder="alice"):
    t = project.transcript("interview-01")
    return [
        (c.code_key, project.segment(c.segment_id).position, c.start, c.end)
        for c in project.list_codings(t.id, coders=[coder])
    ]


def segments(project, name="interview-01"):
    return project.segments(project.transcript(name).id)


async def goto_code(pilot, key: str) -> None:
    pilot.app.workbench.codebook.select_key(key)
    await settle(pilot)


# ---------------------------------------------------------------------- layout


def test_opens_on_the_first_transcript_with_every_pane(study):
    async def scenario(pilot):
        return screen_text(pilot.app)

    text = drive(workbench(study), scenario)
    assert "interview-01" in text and "Headteacher N1" in text  # picker and title
    assert "School A" in text  # participant attributes in the picker
    # This coder's progress of the turns to code (three of five are the interviewer's), as the status bar counts it.
    assert re.search(r"interview-01 [▰▱]+ 0/2", text)
    assert "We put it in the development plan" in text  # segments
    assert "Formalisation" in text and "Prioritisation" in text  # codebook tree
    assert "Description" in text and "Making network work part" in text  # definition panel
    assert "coder alice" in text and "coded 0/2" in text  # status bar


@pytest.mark.parametrize("size", [(100, 30), (160, 45), (220, 60)])
def test_every_pane_fits_from_100x30_to_wide_screens(study, size):
    async def scenario(pilot):
        screen = pilot.app.workbench
        return screen_text(pilot.app), {
            pane: screen.query_one(pane).region
            for pane in ("#transcripts", "#codebook", "#segments", "#definition", "#status")
        }

    text, regions = drive(workbench(study), scenario, size=size)
    for pane, region in regions.items():
        assert region.width >= 20 and region.height >= 1, pane
        assert region.right <= size[0] and region.bottom <= size[1], pane
    assert "Codebook" in text and "Transcripts" in text and "Definition" in text


# ---------------------------------------------------------------------- coding


def test_apply_the_highlighted_code_to_the_current_segment(study):
    async def scenario(pilot):
        await goto_code(pilot, "formalisation.plans")
        await press(pilot, "2", "j", "a")
        return screen_text(pilot.app)

    text = drive(workbench(study), scenario)
    seg = segments(study)[1]
    assert alice_codings(study) == [("formalisation.plans", 1, seg.start, seg.end)]
    assert "coded 1/2" in text and "✓ Plans" in text


def test_a_coding_is_in_the_database_before_the_screen_shows_it(study, project_url):
    seen = []
    original = SegmentView.update_segments

    def spy(self, segment_ids=None):
        other = Project.open(project_url)  # another connection: sees only what is committed
        try:
            seen.append(alice_codings(other))
        finally:
            other.close()
        return original(self, segment_ids)

    async def scenario(pilot):
        await goto_code(pilot, "prioritisation.time")
        SegmentView.update_segments = spy
        try:
            await press(pilot, "2", "j", "j", "j", "a")
        finally:
            SegmentView.update_segments = original

    drive(workbench(study), scenario)
    assert seen and seen[0] and seen[0][0][:2] == ("prioritisation.time", 3)


def test_code_a_span_inside_a_segment(study):
    async def scenario(pilot):
        await goto_code(pilot, "formalisation.plans")
        # Segment 2: "We put it in the development plan straight away. …"
        await press(pilot, "2", "j", "v", "right", "right", "right", "right", "shift+right", "shift+right")
        span = pilot.app.workbench.view.selection_span
        await press(pilot, "a")
        return span, screen_text(pilot.app)

    span, text = drive(workbench(study), scenario)
    seg = segments(study)[1]
    body = study.transcript_text(seg.transcript_id)
    assert body[span[0] : span[1]] == "the development plan"
    assert alice_codings(study) == [("formalisation.plans", 1, span[0], span[1])]
    assert "“…”" in text  # the chip says it is a span


def test_span_selection_by_character_and_escape_cancels(study):
    async def scenario(pilot):
        view = pilot.app.workbench.view
        await press(pilot, "2", "j", "v", "L", "L")
        selected = view.selection_span
        await press(pilot, "escape")
        return selected, view.selecting

    selected, still_selecting = drive(workbench(study), scenario)
    seg = segments(study)[1]
    assert selected == (seg.start, seg.start + 4)  # "We" (the first word), extended by two characters
    assert not still_selecting
    assert alice_codings(study) == []


def test_remove_a_coding(study):
    seg = segments(study)[1]
    study.apply_code("alice", "formalisation.plans", seg.id)

    async def scenario(pilot):
        await press(pilot, "2", "j", "d")
        return screen_text(pilot.app)

    text = drive(workbench(study), scenario)
    assert alice_codings(study) == []
    assert "removed Plans" in text


def test_remove_asks_which_coding_when_there_are_several(study):
    seg = segments(study)[1]
    study.apply_code("alice", "formalisation.plans", seg.id)
    study.apply_code("alice", "prioritisation.time", seg.id)

    async def scenario(pilot):
        await goto_code(pilot, "prioritisation.time")
        await press(pilot, "2", "j", "d")
        shown = screen_text(pilot.app)
        await press(pilot, "enter")  # the highlighted code's coding is offered first
        return shown

    shown = drive(workbench(study), scenario)
    assert "Remove which coding?" in shown
    assert [c[0] for c in alice_codings(study)] == ["formalisation.plans"]


def test_remove_from_the_segment_codings_list(study):
    seg = segments(study)[3]
    study.apply_code("alice", "prioritisation.time", seg.id)

    async def scenario(pilot):
        await press(pilot, "2", "j", "j", "j", "4", "d")

    drive(workbench(study), scenario)
    assert alice_codings(study) == []


def test_the_codings_list_says_how_many_more_there_are_and_reaches_the_last(study):
    seg = segments(study)[1]
    for key in ("formalisation.plans", "formalisation.meetings", "prioritisation.time"):
        study.apply_code("alice", key, seg.id)
    spans = [(seg.start + i, seg.start + i + 4) for i in range(3, 40, 6)]  # listed after the whole-segment ones
    for a, b in spans:
        study.apply_code("alice", "prioritisation.time", seg.id, a, b)
    total = 3 + len(spans)

    async def scenario(pilot):
        await press(pilot, "2", "j", "4")
        first = screen_text(pilot.app)
        await press(pilot, *["j"] * (total - 1))
        at_end = screen_text(pilot.app)
        await press(pilot, "d")
        return first, at_end

    first, at_end = drive(workbench(study), scenario)
    more = re.search(r"\(\+(\d+) more: ↓\)", first)
    assert more is not None and int(more.group(1)) >= 1
    last_quote = seg.text[spans[-1][0] - seg.start : spans[-1][1] - seg.start]
    assert f"“{last_quote}”" in at_end and "more: ↓" not in at_end
    remaining = [(c[2], c[3]) for c in alice_codings(study)]
    assert len(remaining) == total - 1 and spans[-1] not in remaining


def test_jump_to_the_next_uncoded_segment_skipping_the_interviewer(study):
    first = segments(study)[1]
    study.apply_code("alice", "formalisation.plans", first.id)

    async def scenario(pilot):
        await press(pilot, "2", "n")
        return pilot.app.workbench.view.current.position

    assert drive(workbench(study), scenario) == 3


def test_memos_on_a_segment_a_coding_and_a_code(study):
    seg = segments(study)[1]
    study.apply_code("alice", "formalisation.plans", seg.id)

    async def scenario(pilot):
        await press(pilot, "2", "j", "m")
        await pilot.press(*"Key passage [quote]")
        await press(pilot, "ctrl+s")
        await press(pilot, "4", "m")
        await pilot.press(*"plan = strategy")
        await press(pilot, "ctrl+s")
        await goto_code(pilot, "formalisation")
        await press(pilot, "3", "m")
        await pilot.press(*"Check with bob")
        await press(pilot, "ctrl+s")
        return screen_text(pilot.app)

    text = drive(workbench(study), scenario)
    memos = {(m.target, m.text) for m in study.memos("alice")}
    assert memos == {("segment", "Key passage [quote]"), ("coding", "plan = strategy"), ("code", "Check with bob")}
    assert "✎ memo" in text and "Key passage [quote]" in text and "Check with bob" in text


def test_undo_and_redo(study):
    async def scenario(pilot):
        await goto_code(pilot, "formalisation.plans")
        await press(pilot, "2", "j", "a", "j", "j", "a")
        assert len(alice_codings(study)) == 2
        await press(pilot, "u")
        after_undo = alice_codings(study)
        text = screen_text(pilot.app)
        await press(pilot, "U")
        return after_undo, text

    after_undo, text = drive(workbench(study), scenario)
    assert [c[1] for c in after_undo] == [1]
    assert "undid coding" in text and "coded 1/2" in text
    assert [c[1] for c in alice_codings(study)] == [1, 3]


def test_undo_after_a_restart(study):
    async def code_one(pilot):
        await goto_code(pilot, "prioritisation.time")
        await press(pilot, "2", "j", "j", "j", "a")
        await press(pilot, "q")

    drive(workbench(study), code_one)
    assert len(alice_codings(study)) == 1

    async def undo(pilot):
        before = screen_text(pilot.app)
        await press(pilot, "u")
        return before, screen_text(pilot.app)

    before, after = drive(workbench(study), undo)  # a new app: nothing in memory from the first
    assert "coded 1/2" in before and "coded 0/2" in after
    assert alice_codings(study) == []


def test_undo_never_touches_another_coders_work(study):
    seg = segments(study)[1]
    study.apply_code("bob", "formalisation.plans", seg.id)

    async def scenario(pilot):
        await press(pilot, "u")
        return screen_text(pilot.app)

    text = drive(workbench(study), scenario)
    assert "nothing to undo" in text
    assert len(alice_codings(study, "bob")) == 1


def test_reopening_returns_to_where_the_coder_left_off(study):
    async def move(pilot):
        await press(pilot, "1", "down", "enter")  # the second transcript
        await press(pilot, "j", "j")
        await press(pilot, "q")

    drive(workbench(study), move)

    async def look(pilot):
        screen = pilot.app.workbench
        return screen.open.info.name, screen.view.current.position

    assert drive(workbench(study), look) == ("interview-02", 2)


# ---------------------------------------------------------------------- finding


def test_fuzzy_code_finder_applies_on_enter(study):
    async def scenario(pilot):
        await press(pilot, "2", "j", "slash")
        await pilot.press(*"meet")
        await settle(pilot)
        shown = screen_text(pilot.app)
        await press(pilot, "enter")
        return shown, pilot.app.workbench.codebook.highlighted_key

    shown, highlighted = drive(workbench(study), scenario)
    assert "Apply a code to segment 2" in shown and "Meetings" in shown
    assert [c[0] for c in alice_codings(study)] == ["formalisation.meetings"]
    assert highlighted == "formalisation.meetings"


def test_fuzzy_finder_matches_keywords(study):
    async def scenario(pilot):
        await press(pilot, "2", "j", "slash")
        await pilot.press(*"cover")  # a keyword of Time, not in any name
        await press(pilot, "enter")

    drive(workbench(study), scenario)
    assert [c[0] for c in alice_codings(study)] == ["prioritisation.time"]


def test_fuzzy_finder_escape_applies_nothing(study):
    async def scenario(pilot):
        await press(pilot, "slash")
        await pilot.press(*"plan")
        await press(pilot, "escape")

    drive(workbench(study), scenario)
    assert alice_codings(study) == []


def test_full_text_search_opens_the_hit(study):
    async def scenario(pilot):
        await press(pilot, "ctrl+f")
        await pilot.press(*"crosstalk chan")
        await settle(pilot)
        shown = screen_text(pilot.app)
        await press(pilot, "enter")
        screen = pilot.app.workbench
        return shown, screen.open.info.name, screen.view.current.position

    shown, name, position = drive(workbench(study), scenario)
    assert "1 segment found" in shown and "interview-02" in shown
    assert (name, position) == ("interview-02", 1)


def test_search_lists_hits_in_transcript_order_and_the_opened_segment_shows_the_words(study, tmp_path):
    path = tmp_path / "aaa-budgets.txt"
    path.write_text(
        "Interviewer: And the budget?\n\nTeacher: Fine.\n\nInterviewer: Budget again?\n\n"
        "Teacher: The budget, the budget, always the budget.\n",
        encoding="utf-8",
    )
    study.import_transcript(parse_file(path))

    async def scenario(pilot):
        await press(pilot, "ctrl+f")
        await pilot.press(*"budget")
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        hits = [(h.transcript, h.position) for h in pilot.app.screen.hits]
        await press(pilot, "down", "enter")
        view = pilot.app.workbench.view
        seg = view.current
        match_style = view.get_component_rich_style("segment--match")
        marked = [
            s.text
            for strip, info in view._build_frame()
            if info.index == view.cursor and info.body_start >= 0
            for s in strip
            if s.style is not None and s.style.bgcolor == match_style.bgcolor
        ]
        return hits, (seg.transcript_id, seg.position), marked

    hits, opened, marked = drive(workbench(study), scenario)
    assert len(hits) >= 3 and hits == sorted(hits)
    assert opened[1] == hits[1][1]
    assert marked and all(text.strip().lower() == "budget" for text in marked)


@pytest.mark.parametrize("query", ['"', "NEAR(", "*", "[/x]", "AND OR NOT", "col:umn", "'", "-", "^", 'a"b'])
def test_search_never_fails_on_search_syntax(study, query):
    async def scenario(pilot):
        await press(pilot, "ctrl+f")
        await pilot.press(*query)
        await settle(pilot)
        return screen_text(pilot.app)

    text = drive(workbench(study), scenario)
    assert "Search all transcripts" in text


def test_filter_segments_to_those_carrying_a_code(study):
    segs = segments(study)
    study.apply_code("alice", "formalisation.plans", segs[1].id)
    study.apply_code("alice", "prioritisation.time", segs[3].id)

    async def scenario(pilot):
        await goto_code(pilot, "formalisation")  # a parent: its sub-codes count
        await press(pilot, "2", "f")
        shown = [s.position for s in pilot.app.workbench.view.data.segments]
        text = screen_text(pilot.app)
        await press(pilot, "f")
        return shown, text, len(pilot.app.workbench.view.data.segments)

    shown, text, all_again = drive(workbench(study), scenario)
    assert shown == [1]
    assert "filter: Formalisation" in text  # the transcript pane's title says so
    assert all_again == 5


# ---------------------------------------------------------------------- blind and compare


def test_blind_by_default_and_compare_marks_disagreements(study):
    segs = segments(study)
    study.apply_code("bob", "formalisation.plans", segs[1].id)
    study.apply_code("alice", "formalisation.plans", segs[1].id)
    study.apply_code("bob", "prioritisation.time", segs[3].id)

    async def scenario(pilot):
        blind = screen_text(pilot.app)
        await press(pilot, "c")
        compared = screen_text(pilot.app)
        await press(pilot, "2", "right_square_bracket")
        return blind, compared, pilot.app.workbench.view.current.position

    blind, compared, jumped = drive(workbench(study), scenario)
    assert "bob" not in blind and "Time" not in blind.split("Codebook")[0]
    assert "compare bob (1 ≠)" in compared
    assert "≠ differs" in compared
    assert jumped == 3


def test_compare_mode_from_the_command_line_option(study):
    segs = segments(study)
    study.apply_code("bob", "prioritisation.time", segs[3].id)

    async def scenario(pilot):
        return screen_text(pilot.app)

    text = drive(workbench(study, compare_with="bob"), scenario)
    assert "compare bob" in text


# ---------------------------------------------------------------------- codebook editing


def test_add_rename_edit_and_undo_a_code(study):
    async def scenario(pilot):
        await goto_code(pilot, "prioritisation")
        await press(pilot, "3", "plus")
        await pilot.press(*"Cover [supply]")
        await press(pilot, "ctrl+s")
        await press(pilot, "r")
        await pilot.press("end")
        await pilot.press(*" staff")
        await press(pilot, "enter")
        await press(pilot, "e", "tab")
        await pilot.press(*"Paying for supply teachers.")
        await press(pilot, "ctrl+s")
        return screen_text(pilot.app)

    text = drive(workbench(study), scenario)
    code = next(c for c in study.codes() if c.parent_key == "prioritisation" and c.key != "prioritisation.time")
    assert code.name == "Cover [supply] staff"
    assert code.description == "Paying for supply teachers."
    assert "Cover [supply] staff" in text and "Paying for supply" in text
    # Each change is undoable, newest first.
    assert study.undo("alice").summary.startswith("undid changing code")
    assert next(c for c in study.codes() if c.key == code.key).description == ""


def test_move_a_code_under_another_parent_after_confirming_its_path(study):
    async def scenario(pilot):
        await goto_code(pilot, "formalisation.meetings")
        await press(pilot, "3", "p")
        await pilot.press(*"priorit")
        await press(pilot, "enter")
        asked = screen_text(pilot.app)
        not_yet = next(c for c in study.codes() if c.key == "formalisation.meetings").parent_key
        await press(pilot, "y")
        return asked, not_yet

    asked, not_yet = drive(workbench(study), scenario)
    parent = next(c for c in study.codes() if c.key == "prioritisation")
    assert not_yet == "formalisation"  # Enter in the finder only chose; nothing moved before the answer
    assert "Move Meetings?" in asked and f"Under: {parent.name}" in asked
    assert next(c for c in study.codes() if c.key == "formalisation.meetings").parent_key == "prioritisation"


def test_move_declined_moves_nothing(study):
    async def scenario(pilot):
        await goto_code(pilot, "formalisation.meetings")
        await press(pilot, "3", "p")
        await pilot.press(*"priorit")
        await press(pilot, "enter", "n")

    drive(workbench(study), scenario)
    assert next(c for c in study.codes() if c.key == "formalisation.meetings").parent_key == "formalisation"


def test_merge_a_code_moves_its_codings(study):
    segs = segments(study)
    study.apply_code("alice", "formalisation.meetings", segs[1].id)
    study.apply_code("bob", "formalisation.meetings", segs[3].id)

    async def scenario(pilot):
        await goto_code(pilot, "formalisation.meetings")
        await press(pilot, "3", "M")
        await pilot.press(*"plans")
        await press(pilot, "enter")
        confirm = screen_text(pilot.app)
        await press(pilot, "y")
        return confirm

    confirm = drive(workbench(study), scenario)
    assert "Its 2 codings (by every coder)" in confirm
    keys = {c.key for c in study.codes()}
    assert "formalisation.meetings" not in keys
    assert {c.code_key for c in study.list_codings()} == {"formalisation.plans"}


def test_delete_refuses_a_code_with_codings_and_deletes_an_unused_one(study):
    segs = segments(study)
    study.apply_code("bob", "formalisation.meetings", segs[1].id)

    async def scenario(pilot):
        await goto_code(pilot, "formalisation.meetings")
        await press(pilot, "3", "x")
        refused = screen_text(pilot.app)
        await goto_code(pilot, "prioritisation.time")
        await press(pilot, "x")
        await press(pilot, "y")
        return refused

    refused = drive(workbench(study), scenario)
    assert "merge it into another code" in refused
    keys = {c.key for c in study.codes()}
    assert "formalisation.meetings" in keys and "prioritisation.time" not in keys


def test_write_the_codebook_yaml(study, tmp_path):
    target = tmp_path / "out" / "book.yaml"
    target.parent.mkdir()

    async def scenario(pilot):
        await press(pilot, "3", "w")
        box = pilot.app.screen.query_one("Input")
        box.value = str(target)
        await press(pilot, "enter")

    drive(workbench(study), scenario)
    from qualcode.codebook import load_codebook

    assert set(load_codebook(target).by_id()) == {c.key for c in study.codes()}


# ---------------------------------------------------------------------- discoverability


def test_help_screen_lists_the_keys_of_every_pane(study):
    from rich.console import Console

    async def scenario(pilot):
        await press(pilot, "question_mark")
        shown = screen_text(pilot.app)
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(pilot.app.screen.query_one("#help-body").content)
        await press(pilot, "escape")
        return shown, console.export_text(), pilot.app.screen

    shown, body, after = drive(workbench(study), scenario)
    assert "qualcode workbench" in shown
    for section in (
        "Everywhere",
        "Transcript pane",
        "Selecting a span",
        "Codebook pane",
        "Codings of the current",
        "Transcripts pane",
    ):
        assert section in body, section
    for description in (
        "Undo your last change",
        "Select part of this segment",
        "Merge the highlighted code",
        "Search the text of every transcript",
        "Jump to the next segment you have not coded",
    ):
        assert description in body.replace("\n", " ").replace("  ", " ") or description.split()[0] in body, description
    assert after is not None


def test_command_palette_runs_workbench_actions_and_applies_codes(study):
    async def scenario(pilot):
        await press(pilot, "2", "j", "ctrl+p")
        await pilot.press(*"apply code: meetings")
        await settle(pilot)
        shown = screen_text(pilot.app)
        await press(pilot, "enter")
        await settle(pilot)
        return shown

    shown = drive(workbench(study), scenario)
    assert "Apply code: Meetings" in shown
    assert [c[0] for c in alice_codings(study)] == ["formalisation.meetings"]


def test_footer_shows_the_keys_of_the_focused_pane(study):
    async def scenario(pilot):
        await press(pilot, "2")
        segments_footer = screen_text(pilot.app).splitlines()[-1]
        await press(pilot, "3")
        codebook_footer = screen_text(pilot.app).splitlines()[-1]
        return segments_footer, codebook_footer

    seg_footer, book_footer = drive(workbench(study), scenario)
    assert "Span" in seg_footer and "Uncoded" in seg_footer
    assert "Rename" in book_footer and "Merge" in book_footer


def test_mouse_click_a_segment_double_click_a_code_and_drag_a_span(study):
    async def scenario(pilot):
        screen = pilot.app.workbench
        view = screen.view
        frame = view._build_frame()
        row = next(y for y, (_, info) in enumerate(frame) if info.index == 3 and info.body_start >= 0)
        await pilot.click(SegmentView, offset=(5, row))
        await settle(pilot)
        clicked = view.current.position
        await goto_code(pilot, "prioritisation.time")
        node = screen.codebook._code_nodes["prioritisation.time"]
        await pilot.click("#codebook", offset=(5, node.line + 1), times=2)  # + 1: the pane's border
        await settle(pilot)
        return clicked

    assert drive(workbench(study), scenario) == 3
    assert [c[:2] for c in alice_codings(study)] == [("prioritisation.time", 3)]


# ---------------------------------------------------------------------- user text is never markup


def test_square_brackets_in_user_text_show_literally_and_never_act(study):
    study.add_code("[crosstalk] handling [/x]", "prioritisation", coder="alice")

    async def scenario(pilot):
        await press(pilot, "1", "down", "enter")
        await press(pilot, "m")
        await pilot.press(*"[@click=app.quit]memo[/]")
        await press(pilot, "ctrl+s")
        view = pilot.app.workbench.view
        frame = view._build_frame()
        row = next(y for y, (_, info) in enumerate(frame) if info.index == 0 and info.body_start >= 0)
        await pilot.click(SegmentView, offset=(40, row))  # on "[@click=app.quit]click me"
        await settle(pilot)
        text = screen_text(pilot.app)
        await press(pilot, "question_mark")
        await press(pilot, "escape")
        await press(pilot, "ctrl+p")
        await pilot.press(*"crosstalk")
        await settle(pilot)
        palette = screen_text(pilot.app)
        await press(pilot, "escape")
        return text, palette, pilot.app.is_running

    text, palette, running = drive(workbench(study), scenario, size=(160, 45))
    assert running  # the [@click=app.quit] in the transcript did not quit
    for literal in (
        "[redacted]",
        "[@click=app.quit]click me[/]",
        "[laughs]",
        "[crosstalk]",
        "[/x]",
        "[bold]really[/bold]",
        "Teacher [T2] [/x]",
        "[bold]School B[/bold]",
        "[crosstalk] handling [/x]",
        "[@click=app.quit]memo[/]",
    ):
        assert literal in text, literal
    assert "[crosstalk] handling [/x]" in palette


def test_notifications_with_brackets_do_not_crash(study):
    from qualcode.tui.text import say

    async def scenario(pilot):
        say(pilot.app, "no coding for [/x] or [@click=app.quit]")
        await settle(pilot)
        return screen_text(pilot.app)

    assert "[/x] or [@click=app.quit]" in drive(workbench(study), scenario)


def test_drag_across_a_segment_selects_a_span_and_codes_it(study):
    async def scenario(pilot):
        screen = pilot.app.workbench
        view = screen.view
        await press(pilot, "2", "j")
        frame = view._build_frame()
        row = next(y for y, (_, info) in enumerate(frame) if info.index == 1 and info.body_start >= 0)
        # "We put it in the development plan…": drag from "We" to the end of "put".
        await pilot.mouse_down(SegmentView, offset=(2, row))
        await pilot.hover(SegmentView, offset=(8, row))
        await pilot.mouse_up(SegmentView, offset=(8, row))
        await settle(pilot)
        span = view.selection_span
        await goto_code(pilot, "formalisation.plans")
        await press(pilot, "2", "a")
        return span

    span = drive(workbench(study), scenario)
    seg = segments(study)[1]
    assert span == (seg.start, seg.start + 6)  # "We put"
    assert alice_codings(study) == [("formalisation.plans", 1, seg.start, seg.start + 6)]


def _slow_square(n: int) -> int:  # runs in another process: must be importable
    return n * n


def test_a_panel_in_the_segment_detail_slot_sees_the_segment_and_lists_its_keys(study, monkeypatch):
    """The place the suggestions engine plugs into: a panel class in SEGMENT_PANELS."""
    from textual.binding import Binding

    from qualcode.tui.text import UserStatic
    from qualcode.tui.widgets import detail

    seen = []

    class FakeSuggestions(UserStatic, can_focus=True):
        HELP_TITLE = "Suggestions for the current segment"
        BINDINGS = [Binding("y", "accept", "Accept", id="suggestions.accept", tooltip="Accept the suggestion")]

        def show_segment(self, context):
            seen.append(context.segment.position if context.segment else None)
            self.update(f"suggestion for segment {context.segment.position + 1}" if context.segment else "")

        def action_accept(self):
            seg = self.screen.view.current
            self.screen.run_project(
                lambda: self.screen.project.apply_code("alice", "prioritisation.time", seg.id, origin="suggestion"),
                lambda _: self.screen.refresh_codings(),
            )

    monkeypatch.setattr(detail, "SEGMENT_PANELS", [FakeSuggestions])

    async def scenario(pilot):
        screen = pilot.app.workbench
        await press(pilot, "2", "j", "j", "j")
        shown = screen_text(pilot.app)
        screen.query_one(FakeSuggestions).focus()
        await press(pilot, "y")
        results = []
        screen.run_cpu(_slow_square, 12, then=results.append, description="squaring")
        for _ in range(400):
            if results:
                break
            await pilot.pause(0.05)
        await press(pilot, "question_mark")
        from rich.console import Console

        console = Console(width=120, record=True, file=io.StringIO())
        console.print(pilot.app.screen.query_one("#help-body").content)
        return shown, results, console.export_text()

    shown, results, help_text = drive(workbench(study), scenario)
    assert seen[-1] == 3 and "suggestion for segment 4" in shown
    assert [c[:2] for c in alice_codings(study)] == [("prioritisation.time", 3)]
    assert results == [144]
    assert "Suggestions for the current segment" in help_text and "Accept the suggestion" in help_text


def test_a_tab_in_the_same_burst_as_text_moves_to_the_next_field(study):
    """A paste or tmux delivers "Foo<Tab>Bar" at once: Bar belongs in the field after Name."""
    from textual import events

    async def scenario(pilot):
        await press(pilot, "A")
        for ch in "Foo\tBar":
            pilot.app.post_message(events.Key("tab" if ch == "\t" else ch, ch))
        await settle(pilot)
        await press(pilot, "ctrl+s")

    drive(workbench(study), scenario)
    code = next(c for c in study.codes() if c.name == "Foo")
    assert code.description == "Bar" and code.parent_key is None


def test_progress_counts_the_turns_to_code_by_the_projects_interviewer_labels(study):
    from qualcode import speakers

    async def scenario(pilot):
        return screen_text(pilot.app)

    assert "coded 0/2" in drive(workbench(study), scenario)  # three of five turns are the interviewer's
    study.set_setting(speakers.SETTING, "Headteacher")  # this project calls the other speaker the interviewer
    assert "coded 0/3" in drive(workbench(study), scenario)


def test_at_80x24_the_transcript_keeps_half_the_width_and_the_current_segment_stays_in_view(project, tmp_path):
    turns = []
    for i in range(12):
        turns.append(f"Interviewer: Question {i} about how the network fitted the school's priorities?")
        turns.append("Headteacher: " + " ".join(f"answer{i} word{j}" for j in range(40)))
    path = tmp_path / "long.txt"
    path.write_text("\n\n".join(turns) + "\n", encoding="utf-8")
    project.import_transcript(parse_file(path))

    async def scenario(pilot):
        screen = pilot.app.workbench
        seen = []
        for _ in range(len(turns)):
            text = screen_text(pilot.app)
            seg = screen.view.current
            seen.append((seg.position, f"▌ {seg.position + 1:>3} " in text))
            await press(pilot, "j")
        return seen, screen.query_one("#center").region.width

    seen, center = drive(workbench(project, transcript="long"), scenario, size=(80, 24))
    assert center >= 40
    assert [p for p, visible in seen if not visible] == []
    assert len({p for p, _ in seen}) == len(turns)


def test_pane_widths_follow_the_terminal_and_a_resize_is_remembered_for_the_project(study):
    async def widths(pilot):
        screen = pilot.app.workbench
        return screen.query_one("#left").region.width, screen.query_one("#center").region.width

    async def wider(pilot):
        await press(pilot, "greater_than_sign", "greater_than_sign")
        return await widths(pilot)

    left_120, _ = drive(workbench(study), widths, size=(120, 40))
    left_220, center_220 = drive(workbench(study), widths, size=(220, 60))
    assert left_220 > left_120 and center_220 >= 110
    resized, _ = drive(workbench(study), wider, size=(220, 60))
    assert resized > left_220
    assert drive(workbench(study), widths, size=(220, 60))[0] == resized  # remembered


def test_cut_code_names_end_in_an_ellipsis_and_i_shows_the_whole_name(study):
    long_name = "Protecting time for participants even when the budget is under pressure"
    study.add_code(long_name, "prioritisation", coder="alice")

    async def scenario(pilot):
        screen = pilot.app.workbench
        key = next(c.key for c in screen.codes if c.name == long_name)
        screen.codebook.select_key(key)
        await settle(pilot)
        tree_text = screen_text(pilot.app)
        await press(pilot, "i")
        return tree_text, screen_text(pilot.app)

    tree_text, shown = drive(workbench(study), scenario, size=(80, 24))
    row = next(line for line in tree_text.splitlines() if "Protecting" in line)
    in_tree = row.split("│")[1].rstrip()  # the codebook pane's part of the row
    assert in_tree.endswith("…") and long_name not in tree_text
    box = " ".join(" ".join(line.strip(" █▀▄▌▐").split()) for line in shown.splitlines())
    assert long_name in box  # whole, if wrapped


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_footer_shows_whole_key_labels_in_every_mode(study, size):
    async def scenario(pilot):
        normal = screen_text(pilot.app).splitlines()[-1]
        await press(pilot, "2", "v")
        span = screen_text(pilot.app).splitlines()[-1]
        return normal, span

    normal, span = drive(workbench(study), scenario, size=size)
    for footer in (normal, span):
        assert "…" not in footer and footer.rstrip().endswith("palette"), footer
    assert "a Apply" in span and "Next word" in span and "esc Cancel" in span
    assert "← ←" not in span and "Compare" not in span


@pytest.mark.parametrize("blink", [False, True])
def test_every_text_box_follows_the_apps_cursor_blink(study, blink):
    """Tests and benchmarks turn blinking off so that a screenshot does not depend on the moment
    it is taken; a researcher gets Textual's blinking cursor."""
    from textual.widgets import Input, TextArea

    async def scenario(pilot):
        seen = {}
        for opening, name in (("m", "memo"), ("slash", "finder"), ("ctrl+f", "search")):
            await press(pilot, opening)
            boxes = list(pilot.app.screen.query(Input)) + list(pilot.app.screen.query(TextArea))
            seen[name] = {box.cursor_blink for box in boxes}
            await press(pilot, "escape")
        return seen

    seen = drive(WorkbenchApp(study, "alice", blink=blink), scenario)
    assert seen == {"memo": {blink}, "finder": {blink}, "search": {blink}}
