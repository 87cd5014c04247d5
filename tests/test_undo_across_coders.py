"""Undo and redo never touch another coder's work, whatever happened to the rows in between.

The failure this guards against: a merge frees a row id, another coder's new coding reuses it,
and an undo that found its coding by id deleted the other coder's coding instead.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.errors import QualcodeError
from qualcode.project import Project

from .conftest import POSTGRES


def answers(project: Project):
    info = project.list_transcripts()[0]
    return [s for s in project.segments(info.id) if s.speaker != "Interviewer"]


def codings_of(project: Project, coder: str) -> set[tuple[str, int, int, int]]:
    return {(c.code_key, c.segment_id, c.start, c.end) for c in project.list_codings(coders=[coder])}


def test_undo_after_a_merge_and_a_new_coding_never_deletes_another_coders_coding(project):
    seg = answers(project)[0]
    project.add_coder("lead")
    project.apply_code("alice", "formalisation.plans", seg.id)  # Y
    project.apply_code("alice", "formalisation.meetings", seg.id)  # X, a duplicate once merged
    project.merge_code("formalisation.meetings", "formalisation.plans", coder="lead")
    bob = project.apply_code("bob", "prioritisation.time", seg.id)

    skipped = project.undo("alice")  # X was merged away: the undo says so and skips it, deleting nothing
    assert skipped is not None and skipped.kind == "undo.skip" and "removed since" in skipped.summary

    assert codings_of(project, "bob") == {("prioritisation.time", seg.id, bob.start, bob.end)}
    assert project.check() == []


def test_redo_after_another_coder_coded_puts_back_only_ones_own_coding(project):
    seg = answers(project)[0]
    project.apply_code("alice", "formalisation.meetings", seg.id)
    project.undo("alice")  # frees the row; bob's coding must not get its id
    project.apply_code("bob", "prioritisation.time", seg.id)
    project.redo("alice")
    assert codings_of(project, "alice") == {("formalisation.meetings", seg.id, seg.start, seg.end)}
    assert codings_of(project, "bob") == {("prioritisation.time", seg.id, seg.start, seg.end)}
    assert project.check() == []


def test_a_redo_that_collides_refuses_with_one_line_and_keeps_the_project_usable(project):
    seg = answers(project)[0]
    project.apply_code("alice", "formalisation.meetings", seg.id)
    project.undo("alice")
    # The same coding arrives another way (an import by the lead), so putting it back would collide.
    project.add_codings([("alice", "formalisation.meetings", seg.id, None, None)])

    with pytest.raises(QualcodeError, match="cannot redo .*changed since"):
        project.redo("alice")

    assert codings_of(project, "alice") == {("formalisation.meetings", seg.id, seg.start, seg.end)}
    project.apply_code("alice", "prioritisation.time", seg.id)  # the failed redo broke nothing
    assert ("prioritisation.time", seg.id, seg.start, seg.end) in codings_of(project, "alice")
    assert project.check() == []


def test_a_freed_row_id_is_never_given_to_a_new_coding(project):
    seg = answers(project)[0]
    first = project.apply_code("alice", "formalisation.plans", seg.id)
    project.remove_coding("alice", first.id)
    second = project.apply_code("bob", "formalisation.plans", seg.id)
    assert second.id != first.id


CODERS = ("alice", "bob", "carol")
CODES = ("formalisation.plans", "formalisation.meetings", "prioritisation.time")

action = st.one_of(
    st.tuples(st.just("apply"), st.sampled_from(CODERS), st.sampled_from(CODES), st.integers(0, 1)),
    st.tuples(st.just("remove"), st.sampled_from(CODERS), st.integers(0, 10)),
    st.tuples(st.just("undo"), st.sampled_from(CODERS)),
    st.tuples(st.just("redo"), st.sampled_from(CODERS)),
    st.tuples(st.just("merge"), st.sampled_from(CODES), st.sampled_from(CODES)),
    st.tuples(st.just("lead_undo")),
)


def _run(project: Project, step: tuple, segs) -> str | None:
    """Do one step; returns the coder whose action it was, or None for the lead's codebook work."""
    kind = step[0]
    try:
        if kind == "apply":
            _, coder, code, seg = step
            if code in {c.key for c in project.codes()}:
                project.apply_code(coder, code, segs[seg].id)
            return coder
        if kind == "remove":
            _, coder, index = step
            own = project.list_codings(coders=[coder])
            if own:
                project.remove_coding(coder, own[index % len(own)].id)
            return coder
        if kind in ("undo", "redo"):
            getattr(project, kind)(step[1])
            return step[1]
        if kind == "merge":
            keys = {c.key for c in project.codes()}
            if step[1] != step[2] and step[1] in keys and step[2] in keys:
                project.merge_code(step[1], step[2], coder="lead")
            return None
        project.undo("lead")
        return None
    except QualcodeError:
        return step[1] if kind in ("apply", "remove", "undo", "redo") else None


def _fresh_project_url(tmp_path_factory) -> str:
    """A new, empty project location on the backend under test (one per hypothesis example)."""
    if not POSTGRES:
        return str(tmp_path_factory.mktemp("undo") / "project.db")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "qc_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(action, min_size=1, max_size=25))
def test_no_coders_action_changes_another_coders_codings(tmp_path_factory, tiny_codebook, interview_file, steps):
    from qualcode.ingest.transcripts import parse_file

    with Project.create(_fresh_project_url(tmp_path_factory), tiny_codebook) as project:
        for name in (*CODERS, "lead"):
            project.add_coder(name)
        project.import_transcript(parse_file(interview_file))
        segs = answers(project)
        for step in steps:
            before = {c: codings_of(project, c) for c in CODERS}
            actor = _run(project, step, segs)
            if actor is None:  # the lead's codebook work (merge, its undo) moves codings by design
                continue
            after = {c: codings_of(project, c) for c in CODERS}
            for other in CODERS:
                if other != actor:
                    assert after[other] == before[other], f"{step} by {actor} changed {other}'s codings"
        assert project.check() == []
