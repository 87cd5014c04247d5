"""Analyses read only the part of the study they show, and give what the whole-study read gave.

``project.analysis`` reads, for one code's passages, its codings, the turns they run over (and the
turns of context around them) and the texts of their transcripts (``qualcode.project.slices``),
no longer the whole project. Here every query runs twice on the same project — once through the
slices, once with the whole-study read (``ExportData`` of everything) in their place, as before —
and what a user gets (the records, and the Markdown/JSON/CSV/HTML written from them) must be the
same to the byte: on both demo studies, and on an interview with a question coded with its answer
(a coding across turns), an interviewer's turn coded alone, memos and a second interviewee.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.analysis.retrieval import Retrieval
from qualcode.export import framework as fw
from qualcode.export.formats import COMPARISON, COOCCURRENCE, PASSAGES
from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project


def build_study(url: str, study: str) -> Project:
    """The demo project's steps (``qualcode.samples.build_demo``) at any location."""
    from qualcode.analysis.matrix import load_matrix
    from qualcode.codebook import load_codebook
    from qualcode.samples import codebook_path, coding_files, matrix_files, transcript_files

    project = Project.create(url, load_codebook(codebook_path(study)), name=f"{study} demo")
    for file in transcript_files(study):
        project.import_transcript(parse_file(file, max_chars=project.max_segment_chars))
    for file in coding_files(study):
        project.import_codings(file, add_coders=True)
    for file in matrix_files(study):
        project.import_matrix(load_matrix(file))
    return project


def whole_study(project: Project, monkeypatch) -> None:
    """From now on the analyses read the whole study, as they did before slices."""
    analysis = project.analysis
    analysis.forget()
    monkeypatch.setattr(analysis, "_slice", lambda want: analysis._read(True))


def outputs(project: Project) -> dict[str, object]:
    """Every analysis a user can ask for on this project, as records and as written files."""
    analysis = project.analysis
    frame = analysis.frame()
    names = {c.key: c.name for c in frame.codes}
    coders = frame.coders
    keys = frame.attribute_keys()
    out: dict[str, object] = {}

    def passages(label: str, found) -> None:
        out[label] = found
        for fmt in ("md", "json", "csv", "html"):
            out[f"{label} {fmt}"] = PASSAGES.writer(fmt)(found, "participant", names)
        for key in keys[:1]:
            out[f"{label} md by {key}"] = PASSAGES.writer("md")(found, key, names)

    for code in frame.codes:
        for context in (0, 2):
            passages(f"retrieve {code.key} context {context}", analysis.retrieve(code.key, context=context))
        passages(f"retrieve {code.key} alone", analysis.retrieve(code.key, subcodes=False, redact=False))
        passages(f"retrieve {code.key} {coders[0]}", analysis.retrieve(code.key, coders=coders[:1]))
        if len(coders) >= 2:
            passages(f"retrieve {code.key} agreed", analysis.retrieve(code.key, coders=coders[:2], agreed=2))
    top = [c.key for c in frame.codes if c.depth == 0]
    people = frame.participants
    for key in keys:
        values = sorted({str(p.attributes.get(key) or "") for p in people} - {""})
        if not values:
            continue
        where = {key: (values[0],)}
        passages(f"retrieve {top[0]} where {where}", analysis.retrieve(top[0], where=where, context=1))
        found = analysis.cooccurrence(where=where)
        out[f"cooccur where {where}"] = (found, COOCCURRENCE.writer("json")(found), COOCCURRENCE.writer("md")(found))
        if len(values) >= 2:
            found = analysis.compare_groups(where, {key: (values[1],)})
            out[f"compare {key}"] = (found, COMPARISON.writer("json")(found), COMPARISON.writer("md")(found))
    passages("retrieve by text", analysis.retrieve(top[0], text="the"))
    for rollup in (False, True):
        for who in (None, coders[:1]):
            found = analysis.cooccurrence(coders=who, rollup=rollup)
            out[f"cooccur {rollup} {who}"] = (
                found,
                COOCCURRENCE.writer("json")(found),
                COOCCURRENCE.writer("csv")(found),
            )
            for pair in found.pairs[:2]:
                passages(
                    f"shared {pair.a} {pair.b} {rollup} {who}",
                    analysis.shared_passages(pair.a, pair.b, coders=who, rollup=rollup, context=1),
                )
    for matrix in analysis.matrices():
        view = analysis.matrix_view(matrix.name, counts=True, quotes=2)
        out[f"matrix {matrix.name}"] = (view, fw.render_markdown(view))
        out[f"matrix {matrix.name} plain"] = fw.render_markdown(analysis.matrix_view(matrix.name))
        for row in matrix.rows[:2]:
            for column in matrix.columns:
                passages(f"cell {row} {column}", analysis.cell_passages(matrix.name, row, column, context=1))
    return out


def same(project: Project, monkeypatch) -> dict[str, object]:
    sliced = outputs(project)
    whole_study(project, monkeypatch)
    whole = outputs(project)
    assert sliced.keys() == whole.keys()
    for label in sliced:
        assert sliced[label] == whole[label], label
    return sliced


@pytest.mark.parametrize("study", ["rln", "pess"])
def test_every_analysis_of_a_demo_study_is_what_the_whole_study_gave(project_url, study, monkeypatch):
    project = build_study(project_url, study)
    try:
        got = same(project, monkeypatch)
        assert any(isinstance(v, Retrieval) and v.passages for v in got.values())
    finally:
        project.close()


SECOND = """\
---
participant: Teacher T2
role: Teacher
school: School B
network: Pess
---
Interviewer: What about the workshops?

Teacher: The workshops were useful. We went twice.

Interviewer: And colleagues?

Teacher: They were curious. Some came along.
"""


def test_questions_coded_with_answers_memos_and_context_are_what_the_whole_study_gave(
    project, tmp_path: Path, monkeypatch
):
    second = tmp_path / "interview-02.txt"
    second.write_text(SECOND, encoding="utf-8")
    project.import_transcript(parse_file(second))
    first, other = project.list_transcripts()
    body = project.transcript_text(first.id)
    codes = [c.key for c in project.codes()]
    leaf = next(c.key for c in project.codes() if c.parent_key is not None)
    run = "And time?\n\nHeadteacher: We paid for cover"
    start = body.index(run)
    across = project.code_span("alice", leaf, first.id, start, start + len(run))  # a question with its answer
    project.code_span("bob", leaf, first.id, start + 11, start + len(run))
    question = body.index("How did you make")
    project.code_span("bob", codes[0], first.id, question, question + 20)  # the interviewer's words alone
    segs = project.segments(first.id)
    project.apply_code("alice", codes[0], segs[1].id)
    project.apply_code("bob", codes[0], segs[-1].id)
    project.set_memo("alice", "coding", across.id, "the question belongs to the answer")
    project.set_memo("bob", "segment", segs[2].id, "cover, not time")
    for seg in project.segments(other.id):
        project.apply_code("alice", codes[-1], seg.id)
    got = same(project, monkeypatch)
    crossing = got[f"retrieve {leaf} context 2"]
    assert isinstance(crossing, Retrieval)
    assert any(p.text.startswith("And time?") and p.memos for p in crossing.passages)


def test_one_codes_passages_read_only_its_transcripts_codings_and_turns(project, tmp_path: Path):
    second = tmp_path / "interview-02.txt"
    second.write_text(SECOND, encoding="utf-8")
    project.import_transcript(parse_file(second))
    first, other = project.list_transcripts()
    codes = [c.key for c in project.codes()]
    first_turns = project.segments(first.id)
    project.apply_code("alice", codes[0], first_turns[1].id)
    for seg in project.segments(other.id):
        project.apply_code("bob", codes[-1], seg.id)
    analysis = project.analysis

    found = analysis.retrieve(codes[0])
    assert [p.transcript for p in found.passages] == [first.name]
    read = analysis.last_read()
    assert [t.name for t in read.transcripts] == [first.name]  # not the other interview
    assert {c.code_key for c in read.codings} == {codes[0]}
    assert [g.id for g in read.segments] == [first_turns[1].id]  # the turn coded, not the other four

    analysis.retrieve(codes[0], context=1)
    read = analysis.last_read()
    assert [g.id for g in read.segments] == [g.id for g in first_turns[:3]]  # and one turn either side
