"""The analysis stage on the shipped RLN and Pess samples, checked against computations written differently.

The rows come from the sample files through qualcode.ingest (tests/sample_rows.py), as the demo
project gets them. Each expectation is computed here from those rows by brute force — dotted code
ids for the hierarchy, set algebra, the transcript text itself — never with the module under test.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.analysis.compare import compare_groups
from qualcode.analysis.cooccurrence import cooccurrence, shared_segments
from qualcode.analysis.retrieval import group_passages, parse_where, retrieve
from qualcode.errors import QualcodeError
from qualcode.study import (
    ExportCode,
    ExportCoding,
    ExportData,
    ExportParticipant,
    ExportSegment,
    ExportTranscript,
)
from tests.sample_rows import sample_data

STUDIES = ("rln", "pess")


def _under(key: str, root: str) -> bool:
    return key == root or key.startswith(root + ".")


def _expected_spans(data: ExportData, root: str, subcodes=True, coders=None, keep=lambda p: True):
    """{(code, transcript name, start, end): coders} by brute force over the rows."""
    names = {t.id: t.name for t in data.transcripts}
    person = {t.id: next((p for p in data.participants if p.id == t.participant_id), None) for t in data.transcripts}
    out: dict[tuple, set] = defaultdict(set)
    for c in data.codings:
        ok_code = _under(c.code_key, root) if subcodes else c.code_key == root
        if ok_code and (coders is None or c.coder in coders) and keep(person[c.transcript_id]):
            out[(c.code_key, names[c.transcript_id], c.start, c.end)].add(c.coder)
    return {k: sorted(v) for k, v in out.items()}


def _got(r) -> dict:
    return {(p.code, p.transcript, p.start, p.end): list(p.coders) for p in r.passages}


@pytest.mark.parametrize("study", STUDIES)
def test_every_passage_of_every_code_matches_a_brute_force_count(study):
    data = sample_data(study)
    assert len(data.codings) > 200
    for code in data.codes:
        for subcodes in (True, False):
            got = retrieve(data, code.key, subcodes=subcodes)
            assert _got(got) == _expected_spans(data, code.key, subcodes), (code.key, subcodes)
            assert len(got.passages) == len(_expected_spans(data, code.key, subcodes))


@pytest.mark.parametrize("study", STUDIES)
def test_passage_offsets_slice_the_stored_text_and_segments_count_from_one(study):
    data = sample_data(study)
    texts = {t.name: t.text for t in data.transcripts}
    tid = {t.name: t.id for t in data.transcripts}
    for top in [c.key for c in data.codes if c.depth == 0]:
        for p in retrieve(data, top).passages:
            assert texts[p.transcript][p.start : p.end] == p.text
            turns = sorted((s for s in data.segments if s.transcript_id == tid[p.transcript]), key=lambda s: s.start)
            containing = [i + 1 for i, s in enumerate(turns) if s.start <= p.start and p.end <= s.end]
            assert containing == [p.segment]


def test_a_known_passage_from_the_sample_codings_file():
    # transcripts/rln/codings/rln-02-deputy-head.csv: alice coded this quote with the parent code itself.
    data = sample_data("rln")
    quote = "If it changes what happens in a Year 9 classroom on a wet Thursday"
    found = [p for p in retrieve(data, "attitudes", subcodes=False).passages if p.text == quote]
    assert len(found) == 1
    p = found[0]
    assert (p.participant, p.attribution) == ("Deputy head N219", "Deputy head, School B (RLN)")
    assert "alice" in p.coders and p.attributes["school"] == "School B"
    assert p.memos == ("alice: Pragmatic reason for joining",)


def test_where_filters_by_one_value_several_values_and_several_keys():
    data = sample_data("rln")
    role = lambda *values: lambda person: person is not None and person.attributes.get("role") in values  # noqa: E731
    heads = retrieve(data, "prioritisation", where=parse_where(["role=Headteacher"]))
    assert _got(heads) == _expected_spans(data, "prioritisation", keep=role("Headteacher"))
    assert {p.attributes["role"] for p in heads.passages} == {"Headteacher"}
    leaders = retrieve(data, "prioritisation", where=parse_where(["role=Headteacher,Deputy head"]))
    assert _got(leaders) == _expected_spans(data, "prioritisation", keep=role("Headteacher", "Deputy head"))
    both = retrieve(data, "prioritisation", where=parse_where(["role=Headteacher", "school=School A,School D"]))
    expected = _expected_spans(
        data,
        "prioritisation",
        keep=lambda p: (
            p is not None
            and p.attributes["role"] == "Headteacher"
            and p.attributes["school"] in {"School A", "School D"}
        ),
    )
    assert _got(both) == expected and expected
    assert {p.attributes["school"] for p in both.passages} == {"School A", "School D"}


def test_coder_filters_one_union_and_agreed():
    data = sample_data("rln")
    alice = retrieve(data, "formalisation", coders=["alice"])
    assert _got(alice) == _expected_spans(data, "formalisation", coders={"alice"})
    union = retrieve(data, "formalisation", coders=["alice", "bob"])
    assert _got(union) == _expected_spans(data, "formalisation")
    agreed = retrieve(data, "formalisation", coders=["alice", "bob"], agreed=2)
    by_unit: dict[tuple, set] = defaultdict(set)
    for c in data.codings:
        if _under(c.code_key, "formalisation"):
            by_unit[(c.segment_id, c.code_key)].add(c.coder)
    seg_of = {(c.code_key, c.transcript_id, c.start, c.end): c.segment_id for c in data.codings}
    tid = {t.name: t.id for t in data.transcripts}
    expected = {k for k in _got(union) if by_unit[(seg_of[(k[0], tid[k[1]], k[2], k[3])], k[0])] == {"alice", "bob"}}
    assert set(_got(agreed)) == expected
    assert 0 < len(expected) < len(_got(union))


def test_text_filter_and_grouping():
    data = sample_data("rln")
    found = retrieve(data, "prioritisation", text="SUPPLY")
    assert found.passages and all("supply" in p.text.casefold() for p in found.passages)
    everything = retrieve(data, "prioritisation")
    assert len(found.passages) == sum("supply" in p.text.casefold() for p in everything.passages)
    groups = group_passages(everything.passages, "school")
    assert [g.label for g in groups] == sorted({p.attributes["school"] for p in everything.passages})
    assert sum(len(g.passages) for g in groups) == len(everything.passages)


def test_context_turns_are_the_neighbouring_segments():
    data = sample_data("rln")
    texts = {t.name: t.text for t in data.transcripts}
    for p in retrieve(data, "mobilisation", context=2).passages[:20]:
        assert [t.segment for t in p.before] == [n for n in (p.segment - 2, p.segment - 1) if n >= 1]
        assert [t.segment for t in p.after][:1] in ([p.segment + 1], [])
        for t in p.before + p.after:
            assert t.text in texts[p.transcript]


def test_names_are_blacked_out_when_asked():
    data = sample_data("rln")
    plain = retrieve(data, "prioritisation", context=1)
    assert any("Laura" in p.text for p in plain.passages)
    hidden = retrieve(data, "prioritisation", context=1, redact=[("Laura Tennant", "name"), ("Laura", "name")])
    assert not any("Laura" in p.text or any("Laura" in t.text for t in p.before + p.after) for p in hidden.passages)
    assert any("[name]" in p.text for p in hidden.passages)


def test_user_mistakes_are_one_line_errors():
    data = sample_data("rln")
    for call, message in (
        (lambda: retrieve(data, "nope"), "unknown code"),
        (lambda: retrieve(data, "attitudes", where={"rank": ("x",)}), "no participant has the attribute"),
        (lambda: retrieve(data, "attitudes", coders=["carol"]), "unknown coder"),
        (lambda: retrieve(data, "attitudes", coders=["alice"], agreed=2), "needs at least 2 coders"),
        (lambda: parse_where(["role"]), "ATTRIBUTE=VALUE"),
    ):
        with pytest.raises(QualcodeError, match=message) as info:
            call()
        assert "\n" not in str(info.value)


# ---------------------------------------------------------------------- co-occurrence


def _brute_cooccurrence(data: ExportData, rollup: bool, coders=None) -> dict[tuple[str, str], tuple[int, float]]:
    """Every pair of codes, by intersecting the sets of segments each code is on."""
    on: dict[str, set[int]] = defaultdict(set)
    for c in data.codings:
        if coders is None or c.coder in coders:
            on[c.code_key.split(".")[0] if rollup else c.code_key].add(c.segment_id)
    out = {}
    for a, b in itertools.combinations(sorted(on), 2):
        both = on[a] & on[b]
        if both:
            out[(a, b)] = (len(both), round(len(both) / len(on[a] | on[b]), 4))
    return out


@pytest.mark.parametrize("study", STUDIES)
@pytest.mark.parametrize("rollup", [False, True])
def test_cooccurrence_matches_set_intersections(study, rollup):
    data = sample_data(study)
    got = cooccurrence(data, rollup=rollup)
    assert {tuple(sorted((p.a, p.b))): (p.segments, p.jaccard) for p in got.pairs} == _brute_cooccurrence(data, rollup)
    for coder in data.coders:
        one = cooccurrence(data, coders=[coder], rollup=rollup)
        assert {tuple(sorted((p.a, p.b))): (p.segments, p.jaccard) for p in one.pairs} == _brute_cooccurrence(
            data, rollup, {coder}
        )
    if rollup:
        assert all("." not in c.key for c in got.codes)


def test_cooccurrence_json_shape_and_cell_passages():
    data = sample_data("rln")
    got = cooccurrence(data)
    shape = got.as_json()
    assert shape["unit"] == "segment" and shape["pairs"]
    assert set(shape["pairs"][0]) == {"a", "b", "segments", "jaccard"}
    top = got.pairs[0]
    segs = shared_segments(data, top.a, top.b)
    assert len(segs) == top.segments
    passages = retrieve(data, top.a, subcodes=False, segments=segs).passages
    assert {p.segment_id for p in passages} == segs


# ---------------------------------------------------------------------- group comparison


def test_group_comparison_matches_counting_participants():
    data = sample_data("rln", "pess")
    got = compare_groups(data, {"network": ("RLN",)}, {"network": ("Pess",)})
    people = {p.id: p for p in data.participants}
    person_of = {t.id: t.participant_id for t in data.transcripts}
    group = {name: {p.id for p in data.participants if p.attributes.get("network") == name} for name in ("RLN", "Pess")}
    assert (got.a.n, got.b.n) == (9, 9)
    for row in got.rows:
        who = {person_of[c.transcript_id] for c in data.codings if _under(c.code_key, row.key)}
        assert row.a_count == len(who & group["RLN"]), row.key
        assert row.b_count == len(who & group["Pess"]), row.key
        assert row.difference == round(100 * (row.a_count / 9 - row.b_count / 9), 1)
    assert people  # used


# ---------------------------------------------------------------------- properties


@st.composite
def _studies(draw):
    tops = ["a", "b", "c"]
    codes, keys = [], []
    for t in tops:
        codes.append(ExportCode(t, t.upper(), None, 0))
        keys.append(t)
        for i in range(draw(st.integers(0, 2))):
            codes.append(ExportCode(f"{t}.{i}", f"{t}{i}", t, 1))
            keys.append(f"{t}.{i}")
    roles = ["Head", "Teacher", "Deputy"]
    n_people = draw(st.integers(1, 4))
    people = [ExportParticipant(i, f"P{i}", {"role": draw(st.sampled_from(roles))}) for i in range(1, n_people + 1)]
    transcripts, segments, codings = [], [], []
    text = "x" * 100
    sid = 0
    for p in people:
        transcripts.append(ExportTranscript(p.id, f"t{p.id}", p.id, text))
        for pos in range(3):
            sid += 1
            segments.append(ExportSegment(sid, p.id, pos, None, pos * 30, pos * 30 + 25))
    for _ in range(draw(st.integers(0, 25))):
        seg = draw(st.sampled_from(segments))
        start = draw(st.integers(seg.start, seg.end - 1))
        end = draw(st.integers(start + 1, seg.end))
        codings.append(
            ExportCoding(
                draw(st.sampled_from(["ann", "ben"])),
                draw(st.sampled_from(keys)),
                seg.transcript_id,
                seg.id,
                start,
                end,
            )
        )
    codings = list({(c.coder, c.code_key, c.segment_id, c.start, c.end): c for c in codings}.values())
    return ExportData(
        "p",
        codes=codes,
        coders=["ann", "ben"],
        participants=people,
        transcripts=transcripts,
        segments=segments,
        codings=codings,
    )


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    _studies(), st.sampled_from(["a", "b", "c"]), st.sets(st.sampled_from(["Head", "Teacher", "Deputy"]), min_size=1)
)
def test_where_with_several_values_is_the_union_of_single_values(data, code, roles):
    spans = lambda r: {(p.code, p.transcript, p.start, p.end) for p in r.passages}  # noqa: E731
    together = spans(retrieve(data, code, where={"role": tuple(roles)}))
    apart = set().union(*(spans(retrieve(data, code, where={"role": (r,)})) for r in roles))
    assert together == apart
    assert together <= spans(retrieve(data, code))


@SETTINGS
@given(_studies(), st.sampled_from(["a", "b", "c"]))
def test_subcodes_are_the_union_of_each_code_below_and_coders_union_is_the_union(data, code):
    spans = lambda r: {(p.code, p.transcript, p.start, p.end) for p in r.passages}  # noqa: E731
    below = [c.key for c in data.codes if _under(c.key, code)]
    assert spans(retrieve(data, code)) == set().union(*(spans(retrieve(data, k, subcodes=False)) for k in below))
    each = set().union(*(spans(retrieve(data, code, coders=[c])) for c in data.coders))
    assert spans(retrieve(data, code)) == each
    agreed = retrieve(data, code, agreed=2)
    assert spans(agreed) <= spans(retrieve(data, code))
    for p in agreed.passages:  # both coders put this passage's code on its segment (not necessarily this span)
        assert {c.coder for c in data.codings if c.segment_id == p.segment_id and c.code_key == p.code} == {
            "ann",
            "ben",
        }


@SETTINGS
@given(_studies())
def test_rollup_counts_each_segment_once_per_theme(data):
    rolled = cooccurrence(data, rollup=True)
    for c in rolled.codes:
        assert c.segments == len({x.segment_id for x in data.codings if _under(x.code_key, c.key)})
    for p in rolled.pairs:
        assert p.segments <= min(rolled.count(p.a, p.a), rolled.count(p.b, p.b))
        assert 0 < p.jaccard <= 1
    leaf = cooccurrence(data)
    # a theme pair's shared segments are at least those of any pair of codes under the two themes
    for p in leaf.pairs:
        ta, tb = p.a.split(".")[0], p.b.split(".")[0]
        if ta != tb:
            assert rolled.count(ta, tb) >= p.segments


@SETTINGS
@given(_studies(), st.sampled_from(["Head", "Teacher", "Deputy"]), st.sampled_from(["Head", "Teacher", "Deputy"]))
def test_group_shares_roll_up_and_stay_within_the_group(data, a, b):
    got = compare_groups(data, {"role": (a,)}, {"role": (b,)})
    rows = {r.key: r for r in got.rows}
    for r in got.rows:
        assert 0 <= r.a_count <= got.a.n and 0 <= r.b_count <= got.b.n
        assert 0.0 <= r.a_share <= 1.0 and 0.0 <= r.b_share <= 1.0
        if "." in r.key:  # a theme is mentioned by everyone who mentions one of its sub-codes
            parent = rows[r.key.split(".")[0]]
            assert parent.a_count >= r.a_count and parent.b_count >= r.b_count
    if a == b:
        assert all(r.difference == 0 for r in got.rows)
