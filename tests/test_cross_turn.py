"""Codings that run over several turns: one passage everywhere, each turn it touches for agreement.

The interview (``conftest.INTERVIEW``) has five turns: ¶1 a question, ¶2 its answer, ¶3 "And
time?", ¶4 the answer to that, ¶5 "Thank you.". A coding of ¶3 with ¶4 — a question with its
answer — is the case real studies are full of.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from qualcode.agreement.units import CodeNode, build
from qualcode.analysis import themes as th
from qualcode.db import engine as dbengine
from qualcode.errors import InputError, QualcodeError
from qualcode.export import refi
from qualcode.ingest.refi_read import read_refi
from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project
from qualcode.segments import place_span, touched
from tests.conftest import INTERVIEW

QUESTION_AND_ANSWER = "And time?\n\nHeadteacher: We paid for cover so they had release time."
TIME = "prioritisation.time"


def turns(project: Project) -> tuple[int, str, list]:
    info = project.list_transcripts()[0]
    return info.id, project.transcript_text(info.id), project.segments(info.id)


def code_run(project: Project, coder: str = "alice", key: str = TIME, words: str = QUESTION_AND_ANSWER):
    tid, body, _ = turns(project)
    start = body.index(words)
    return project.code_span(coder, key, tid, start, start + len(words))


# ---------------------------------------------------------------------- the one rule


@pytest.mark.parametrize(
    "start,end,expected",
    [
        (5, 25, (0, 2, 5, 25)),  # from inside the first turn to inside the third: one span over three
        (3, 8, (0, 0, 3, 8)),  # inside one turn
        (11, 15, (1, 1, 12, 15)),  # what lies between turns at its edge is not part of it
        (8, 11, (0, 0, 8, 10)),
        (10, 12, None),  # only what lies between two turns
        (30, 40, None),  # after the last turn
        (25, 40, (2, 2, 25, 30)),
    ],
)
def test_place_span(start, end, expected):
    bounds = [(0, 10), (12, 20), (22, 30)]
    assert place_span(bounds, start, end) == expected
    assert touched(bounds, start, end) == (list(range(expected[0], expected[1] + 1)) if expected else [])


def test_empty_segments_are_never_where_a_coding_starts_or_ends():
    bounds = [(0, 10), (10, 10), (12, 20), (20, 20)]
    assert place_span(bounds, 10, 15) == (2, 2, 12, 15)
    assert place_span(bounds, 5, 25) == (0, 2, 5, 20)
    assert touched(bounds, 5, 25) == [0, 2]


# ---------------------------------------------------------------------- coding and the workbench


def test_a_coding_over_two_turns_is_one_coding_shown_on_both(project):
    tid, body, segs = turns(project)
    coding = code_run(project)
    assert body[coding.start : coding.end] == QUESTION_AND_ANSWER
    assert coding.segment_id == segs[2].id  # its first turn
    assert len(project.list_codings()) == 1
    # the workbench asks for the codings of the turns it shows: the run is on both
    for seg in (segs[2], segs[3]):
        assert [c.id for c in project.list_codings(tid, segment_ids=[seg.id])] == [coding.id]
    assert project.list_codings(tid, segment_ids=[segs[1].id]) == []
    # applying it again (from the workbench: a segment and offsets that run on) changes nothing
    again = project.apply_code("alice", TIME, segs[2].id, coding.start, coding.end)
    assert again.id == coding.id and len(project.list_codings()) == 1
    assert project.check() == []
    assert project.undo("alice") is not None and project.list_codings() == []
    assert project.redo("alice") is not None
    assert [(c.start, c.end) for c in project.list_codings()] == [(coding.start, coding.end)]


def test_progress_counts_every_turn_a_coding_covers(project):
    tid, _, segs = turns(project)
    project.code_span("alice", TIME, tid, segs[1].start, segs[3].end)  # ¶2 to ¶4: two answers, one question
    info = project.list_transcripts(coder="alice")[0]
    assert (info.coded_segments, info.n_to_code) == (2, 2)  # both answers (the question is not to code)
    assert project.workbench.coded_segment_counts("alice") == {tid: 2}
    assert project.workbench.next_uncoded_segment(tid, "alice") is None


def test_a_span_over_only_what_lies_between_turns_is_refused(project):
    tid, body, segs = turns(project)
    with pytest.raises(QualcodeError, match="no words of a turn"):
        project.code_span("alice", TIME, tid, segs[0].end, segs[1].start)
    with pytest.raises(QualcodeError, match="outside the transcript"):
        project.code_span("alice", TIME, tid, 0, len(body) + 1)
    assert project.list_codings() == []


def test_check_finds_a_coding_that_ends_between_turns(project, project_url):
    coding = code_run(project)
    _, _, segs = turns(project)
    engine = create_engine(dbengine.resolve_url(project_url))
    with engine.begin() as conn:  # what a faulty tool could leave behind
        conn.execute(text("UPDATE codings SET end_offset = :e WHERE id = :i"), {"e": segs[3].end + 2, "i": coding.id})
    engine.dispose()
    assert any("do not end inside a turn" in p for p in project.check())


# ---------------------------------------------------------------------- imports


def test_codings_csv_row_over_two_turns_is_one_coding(project, tmp_path, run_cli, project_url):
    quoted = QUESTION_AND_ANSWER.replace('"', '""')
    path = tmp_path / "codings.csv"
    path.write_text(
        "coder,transcript,code,anchor,span,memo\n"
        f'alice,interview-01,{TIME},"{quoted}",quote,question and answer\n'
        f'bob,interview-01,{TIME},"{quoted}",segment,\n',
        encoding="utf-8",
    )
    project.close()
    result = run_cli("import", path, "--db", project_url)
    assert result.exit_code == 0, result.output
    with Project.open(project_url) as p:
        tid, body, segs = turns(p)
        got = {c.coder: body[c.start : c.end] for c in p.list_codings()}
        assert got["alice"] == QUESTION_AND_ANSWER
        # "segment": the whole turns the anchor runs over, as one passage
        assert got["bob"] == body[segs[2].start : segs[3].end]
        assert [m.text for m in p.memos(target="coding")] == ["question and answer"]
        assert p.check() == []
        # export codings -> import gives back the same codings
        out = tmp_path / "out.csv"
        assert run_cli("export", "codings", "--db", project_url, "-o", out).exit_code == 0
    assert out.read_text(encoding="utf-8").count(TIME) == 2
    result = run_cli("import", out, "--db", project_url)
    assert result.exit_code == 0, result.output
    with Project.open(project_url) as p:
        assert len(p.list_codings()) == 2


def test_codings_csv_anchor_between_turns_only_is_one_clear_error(project, tmp_path):
    path = tmp_path / "codings.csv"
    body = turns(project)[1]
    start = body.index("\n\nHeadteacher: We paid")
    path.write_text(
        f"coder,transcript,code,start,end\nalice,interview-01,{TIME},{start},{start + 15}\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="no words of a turn") as info:
        project.import_codings(path)
    assert str(info.value).startswith(f"{path}:2")
    assert project.list_codings() == []


def _refi_round_trip(project: Project, tmp_path: Path) -> tuple[Path, list]:
    xml = refi.write_project_xml(refi.project_to_refi(project.export_data()), internal=False)
    path = tmp_path / "study.qde"
    path.write_bytes(xml if isinstance(xml, bytes) else xml.encode("utf-8"))
    doc = read_refi(path)
    return path, [sel for src in doc.sources for sel in src.selections]


def test_refi_export_writes_one_selection_and_import_keeps_it_whole(project, tmp_path):
    coding = code_run(project)
    path, selections = _refi_round_trip(project, tmp_path)
    assert [(s.start, s.end) for s in selections] == [(coding.start, coding.end)]
    project.remove_coding("alice", coding.id)
    summary = project.import_refi(path)  # the transcript is matched by its GUID, the coding comes back
    assert summary.codings_added == 1
    assert not any("split" in w for w in summary.warnings)
    tid, body, segs = turns(project)
    (c,) = project.list_codings()
    assert body[c.start : c.end] == QUESTION_AND_ANSWER and c.segment_id == segs[2].id
    assert project.check() == []


# ---------------------------------------------------------------------- analysis and exports


def test_retrieval_and_quotes_give_one_passage(project):
    coding = code_run(project)
    result = project.analysis.retrieve(TIME, context=1, redact=False)
    (passage,) = result.passages
    assert passage.text == QUESTION_AND_ANSWER and (passage.start, passage.end) == (coding.start, coding.end)
    assert passage.segment == 3
    # context: the turn before its first turn and the turn after its last
    assert [t.segment for t in passage.before] == [2] and [t.segment for t in passage.after] == [5]
    data = project.export_data(texts=True, memos=False, details=False)
    units = th.select_units(data, th.resolve_source(data, ["alice"], False))
    quotes = [q for s in th.build_quotes(data, units, 3).sections for q in s.quotes]
    assert len(quotes) == 1 and "We paid for cover so they had release time." in quotes[0].text
    # a theme table counting segments counts each turn the passage covers that is a participant's:
    # the interviewer's question, coded with its answer, counts for nobody
    table = th.build_table(data, units, count="segments")
    row = next(r for r in table.rows if r.key == TIME)
    assert row.total == 1


def test_agreement_counts_each_segment_a_coding_touches():
    # segments: (id, transcript, position, speaker, start, end); alice codes ¶1-¶3 as one run, bob ¶3 only
    segments = [(1, 7, 0, "A", 0, 10), (2, 7, 1, "B", 12, 20), (3, 7, 2, "A", 22, 30)]
    codings = [("alice", 7, 1, "k", 5, 25), ("bob", 7, 3, "k", 22, 30)]
    codes = [CodeNode("k", "K", None, 0)]
    data = build(["alice", "bob"], codes, segments, codings, {7: "t"}, include_interviewer=True)
    assert data.values["k"].tolist() == [[1.0, 0.0], [1.0, 0.0], [1.0, 1.0]]
    chars = build(["alice", "bob"], codes, segments, codings, {7: "t"}, unit="char", include_interviewer=True)
    # character level: alice covers 5 of ¶1, all 8 of ¶2 and 3 of ¶3; bob covers all of ¶3
    covered = {(tuple(v), int(w)) for v, w in zip(chars.values["k"].tolist(), chars.weights["k"].tolist(), strict=True)}
    assert covered == {((0.0, 0.0), 5), ((1.0, 0.0), 5), ((1.0, 0.0), 8), ((1.0, 1.0), 3), ((0.0, 1.0), 5)}


# ---------------------------------------------------------------------- transcripts replace


def test_replace_moves_a_coding_over_turns_whole(project, tmp_path):
    coding = code_run(project)
    corrected = INTERVIEW.replace("We put it", "We wrote it")
    path = tmp_path / "v2.txt"
    path.write_text(corrected, encoding="utf-8")
    report = project.replace_transcript("interview-01", parse_file(path), "alice")
    assert not report.lost
    tid, body, segs = turns(project)
    (moved,) = project.list_codings(tid)
    assert (moved.coder, moved.code_key) == (coding.coder, coding.code_key)
    assert body[moved.start : moved.end] == QUESTION_AND_ANSWER and moved.segment_id == segs[2].id
    assert project.check() == []


# ---------------------------------------------------------------------- the migration


def test_upgrade_joins_selections_the_old_refi_import_cut(tmp_path, project_url):
    """A project from the previous schema, where REFI-QDA import had cut a selection over two turns
    into two codings: the upgrade joins them into one coding with the selection's GUID and memos."""
    archive = tmp_path / "quirky.qdpx"
    root = Path(__file__).parent / "fixtures" / "refi" / "quirky"
    with zipfile.ZipFile(archive, "w") as z:
        for full in sorted(root.rglob("*")):
            if full.is_file():
                z.write(full, full.relative_to(root).as_posix())
    with Project.create(project_url) as p:
        p.import_refi(archive)
        before = {(c.coder, c.code_key, c.start, c.end) for c in p.list_codings()}
        guids = {c.guid for c in p.export_data().codings}
    engine = dbengine.make_engine(dbengine.resolve_url(project_url))
    dbengine.downgrade(engine, "0004")  # what the import of the previous schema left: the pieces
    with engine.begin() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0004"
        body = conn.execute(text("SELECT text FROM transcripts")).scalar()
        rows = conn.execute(
            text(
                "SELECT c.id, c.coder_id, c.start_offset, c.end_offset FROM codings c "
                "JOIN coders u ON u.id = c.coder_id WHERE u.name = 'Bob Smith'"
            )
        ).all()
        pieces = {body[a:b]: (i, coder) for i, coder, a, b in rows}
        second = pieces["We put it in the plan. Then we paid for cover."]
        conn.execute(
            text(
                "INSERT INTO memos (coder_id, coding_id, text, created_at, updated_at, guid) "
                "VALUES (:coder, :coding, 'on the second piece', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'm-1')"
            ),
            {"coder": second[1], "coding": second[0]},
        )
    engine.dispose()
    # exactly what the old import produced (tests/test_refi.py before this revision)
    assert sorted(pieces) == [
        " it start? Café talk 😀 first.",
        "We put it in the plan. Then we paid for cover.",
        "first.",
    ]
    with Project.open(project_url) as p:  # upgrades
        assert {(c.coder, c.code_key, c.start, c.end) for c in p.list_codings()} == before
        assert {c.guid for c in p.export_data().codings} == guids
        whole = next(c for c in p.list_codings() if c.end - c.start > 46)
        assert [m.text for m in p.memos(target="coding", target_id=whole.id)] == ["on the second piece"]
        assert p.check() == []


# ---------------------------------------------------------------------- team files


def test_a_coding_over_turns_made_in_a_coders_copy_merges_whole(project, tmp_path):
    with project.copy_for_coder(str(tmp_path / "alice.db"), "alice") as copy:
        made = code_run(copy)
        project.merge_from(copy)
        assert project.merge_from(copy).empty
    tid, body, segs = turns(project)
    (merged,) = project.list_codings()
    assert (merged.start, merged.end) == (made.start, made.end)
    assert body[merged.start : merged.end] == QUESTION_AND_ANSWER and merged.segment_id == segs[2].id
    assert project.check() == []


# ---------------------------------------------------------------------- the workbench


def test_the_workbench_shows_a_coding_on_every_turn_it_covers_and_removes_it_from_any(project, tmp_path, monkeypatch):
    import asyncio

    from qualcode.tui.app import WorkbenchApp
    from qualcode.tui.testing import screen_text, settle

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    code_run(project)

    async def go():
        app = WorkbenchApp(project, "alice", blink=False)
        async with app.run_test(size=(180, 40)) as pilot:
            await settle(pilot)
            shown = screen_text(pilot.app)
            for key in ("2", "j", "j", "j"):  # to ¶4, the answer
                await pilot.press(key)
                await settle(pilot)
            on_answer = screen_text(pilot.app)
            await pilot.press("d")  # remove the coding there
            await settle(pilot)
            return shown, on_answer, screen_text(pilot.app)

    shown, on_answer, after = asyncio.run(go())
    # the answer's codings list quotes the coding's part in this turn and says it is one passage
    line = next(row for row in on_answer.splitlines() if "“We paid for cover so they had release time.”" in row)
    assert "one passage with the turn above" in line
    assert "Time ↓" in shown and "Time ↑" in shown  # on the question, running on; on the answer
    assert "coded 1/2" in shown
    assert project.list_codings() == []
    assert "Time ↓" not in after and "Time ↑" not in after and "removed Time" in after


def test_transcripts_show_lists_the_code_beside_every_turn_it_covers(project, project_url, run_cli):
    code_run(project)
    project.close()
    result = run_cli("transcripts", "show", "interview-01", "--coders", "alice", "--db", project_url)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("codes: alice:prioritisation.time") == 2
