"""``project.analysis`` on the RLN sample project stored in a database (SQLite or PostgreSQL).

The expectations come from the sample files read without a database (tests/sample_rows.py), so
these tests check that what the project stores and reads back gives the same passages, pairs and
shares as the files do.
"""

from __future__ import annotations

import pytest

from qualcode.analysis.compare import compare_groups
from qualcode.analysis.cooccurrence import cooccurrence
from qualcode.analysis.retrieval import retrieve
from qualcode.errors import QualcodeError
from tests.sample_rows import sample_data


def build_rln(url: str):
    """The demo project's steps (``qualcode.samples.build_demo``) at any location."""
    from qualcode.codebook import load_codebook
    from qualcode.ingest.transcripts import parse_file
    from qualcode.project import Project
    from qualcode.samples import codebook_path, coding_files, transcript_files

    project = Project.create(url, load_codebook(codebook_path("rln")), name="rln demo")
    for file in transcript_files("rln"):
        project.import_transcript(parse_file(file, max_chars=project.max_segment_chars))
    for file in coding_files("rln"):
        project.import_codings(file, add_coders=True)
    return project


@pytest.fixture
def rln(project_url):
    project = build_rln(project_url)
    yield project
    project.close()


def _spans(retrieval) -> dict:
    return {(p.code, p.transcript, p.start, p.end): tuple(p.coders) for p in retrieval.passages}


def test_retrieve_gives_the_passages_the_sample_files_give(rln):
    files = sample_data("rln")
    for code in files.codes:
        got = rln.analysis.retrieve(code.key, redact=False)
        assert _spans(got) == _spans(retrieve(files, code.key)), code.key
    where = {"role": ("Headteacher",)}
    got = rln.analysis.retrieve("formalisation", where=where, redact=False)
    assert got.passages and all(p.attributes["role"] == "Headteacher" for p in got.passages)
    assert _spans(got) == _spans(retrieve(files, "formalisation", where=where))


def test_retrieve_options_reach_the_domain(rln):
    files = sample_data("rln")
    coders = files.coders[:2]
    got = rln.analysis.retrieve("formalisation", coders=coders, agreed=2, subcodes=False, redact=False)
    want = retrieve(files, "formalisation", coders=coders, agreed=2, subcodes=False)
    assert _spans(got) == _spans(want)
    with_context = rln.analysis.retrieve("formalisation", context=1, redact=False)
    assert any(p.before or p.after for p in with_context.passages)
    needle = with_context.passages[0].text.split()[3]
    assert all(
        needle.casefold() in p.text.casefold() for p in rln.analysis.retrieve("formalisation", text=needle).passages
    )


def test_retrieve_blacks_out_identifying_names_unless_asked_not_to(rln):
    terms = [t for t, _ in rln.identifying_terms()]
    assert terms
    plain = " ".join(
        p.text for c in sample_data("rln").codes for p in rln.analysis.retrieve(c.key, redact=False).passages
    )
    named = [t for t in terms if t in plain]
    assert named, "the sample interviews name someone in a coded passage"
    redacted = " ".join(p.text for c in sample_data("rln").codes for p in rln.analysis.retrieve(c.key).passages)
    assert not [t for t in named if t in redacted]


def test_cooccurrence_and_compare_match_the_sample_files(rln):
    files = sample_data("rln")
    for rollup in (False, True):
        got = rln.analysis.cooccurrence(rollup=rollup)
        assert got.as_json()["pairs"] == cooccurrence(files, rollup=rollup).as_json()["pairs"]
    a, b = {"role": ("Headteacher",)}, {"role": ("Teacher",)}
    got = rln.analysis.compare_groups(a, b).as_json()
    assert got == compare_groups(files, a, b).as_json()
    assert got["groups"][0]["participants"] > 0 and got["groups"][1]["participants"] > 0


def test_shared_passages_are_both_codes_in_the_shared_segments(rln):
    matrix = rln.analysis.cooccurrence()
    pair = matrix.pairs[0]
    got = rln.analysis.shared_passages(pair.a, pair.b, redact=False)
    segments = {p.segment_id for p in got.passages}
    assert len(segments) == pair.segments
    for seg in segments:
        codes = {p.code for p in got.passages if p.segment_id == seg}
        assert codes == {pair.a, pair.b}
    rolled = rln.analysis.cooccurrence(rollup=True).pairs[0]
    got = rln.analysis.shared_passages(rolled.a, rolled.b, rollup=True, redact=False)
    assert len({p.segment_id for p in got.passages}) == rolled.segments


def test_the_read_is_kept_until_the_project_changes(rln):
    first = rln.analysis.data()
    assert rln.analysis.data() is first
    rln.analysis.retrieve("formalisation", where={"role": ("Teacher",)})
    assert rln.analysis.data() is first
    coder = rln.coders()[0].name
    before = len(rln.analysis.retrieve("formalisation", coders=[coder], subcodes=False).passages)
    seg = next(s for s in rln.segments(rln.transcript_list()[0].id) if s.speaker != "Interviewer")
    rln.apply_code(coder, "formalisation", seg.id)
    assert rln.analysis.data() is not first
    after = rln.analysis.retrieve("formalisation", coders=[coder], subcodes=False).passages
    assert len(after) in (before, before + 1) and any(p.segment_id == seg.id for p in after)


def test_bad_arguments_are_one_line_errors(rln):
    with pytest.raises(QualcodeError, match="unknown code"):
        rln.analysis.retrieve("no.such.code")
    with pytest.raises(QualcodeError, match="attribute"):
        rln.analysis.cooccurrence(where={"colour": ("red",)})
    with pytest.raises(QualcodeError, match="unknown coder"):
        rln.analysis.compare_groups({"role": ("Headteacher",)}, {"role": ("Teacher",)}, coders=["nobody"])
