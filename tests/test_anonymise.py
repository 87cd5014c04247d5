"""Anonymisation: names found, consistent pseudonyms, and text rewritten with every offset moved exactly."""

from __future__ import annotations

import csv
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.errors import InputError
from qualcode.suggest import anonymise as anon
from qualcode.suggest.anonymise import KnownName, MappingRow, ParticipantNames

INTERVIEW = """\
---
participant: Headteacher N1
role: Headteacher
school: School C
identifying:
  name: Jane Testperson
  school: Testbrook Primary School
  town: Millford
  others: [Priya Sharma, Mr Okafor, Millford Learning Trust]
---
Interviewer: Tell me about Testbrook.

Headteacher: I'm Jane Testperson, head at Testbrook Primary School in Millford. Priya led it; Mr Okafor covered her class.

Interviewer: And the trust?

Headteacher: The Millford Learning Trust paid. [laughs] Priya's class loved it, and Testbrook never looked back.
"""


# ---------------------------------------------------------------------- rewriting with offsets


@st.composite
def text_with_spans(draw):
    text = draw(st.text(alphabet="ab cd\n", min_size=1, max_size=80))
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=10)))
    spans = []
    for a, b in zip(cuts[::2], cuts[1::2]):
        if a < b:
            spans.append((a, b, draw(st.text(alphabet="XYZ[]", min_size=1, max_size=6))))
    codings = draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))), max_size=10))
    return text, spans, [(min(a, b), max(a, b)) for a, b in codings if a != b]


@settings(max_examples=300, deadline=None)
@given(text_with_spans())
def test_offsets_move_exactly(case):
    text, spans, codings = case
    new, moves = anon.rewrite(text, spans)
    for a, b in codings:
        na, nb = moves.start(a), moves.end(b)
        assert 0 <= na < nb <= len(new)
        # Outside the replaced names a coding keeps its exact words; a name it touches is
        # covered whole by its pseudonym.
        a2, b2 = a, b
        for sa, sb, _ in spans:
            if sa < a < sb:
                a2 = sa
            if sa < b < sb:
                b2 = sb
        inside = [(sa - a2, sb - a2, rep) for sa, sb, rep in spans if a2 <= sa and sb <= b2]
        assert new[na:nb] == anon.rewrite(text[a2:b2], inside)[0]


def test_offset_map_in_plain_words():
    text = "Ask Jane Smith at Testbrook today."
    new, moves = anon.rewrite(text, [(4, 14, "[Headteacher 1]"), (18, 27, "[School C]")])
    assert new == "Ask [Headteacher 1] at [School C] today."
    assert new[moves.start(0) : moves.end(3)] == "Ask"
    assert new[moves.start(28) : moves.end(33)] == "today"
    assert new[moves.start(4) : moves.end(14)] == "[Headteacher 1]"
    assert new[moves.start(9) : moves.end(14)] == "[Headteacher 1]"  # a coding of "Smith" covers the pseudonym
    assert new[moves.start(0) : moves.end(6)] == "Ask [Headteacher 1]"


def test_overlapping_spans_are_refused():
    with pytest.raises(ValueError):
        anon.rewrite("abcdef", [(0, 3, "x"), (2, 4, "y")])


def test_names_crossing_a_segment_boundary_are_left_alone():
    keep, crossing = anon.spans_within([(0, 4, "a"), (8, 12, "b")], [(0, 10), (10, 20)])
    assert keep == [(0, 4, "a")] and crossing == [(8, 12, "b")]


# ---------------------------------------------------------------------- proposing pseudonyms


def people():
    return [
        ParticipantNames(
            "Headteacher N1",
            {"role": "Headteacher", "school": "School C"},
            {
                "name": "Jane Testperson",
                "school": "Testbrook Primary School",
                "town": "Millford",
                "others": ["Priya Sharma", "Mr Okafor", "Millford Learning Trust"],
            },
        ),
        ParticipantNames(
            "Teacher N2", {"role": "Teacher"}, {"name": "Priya Sharma", "school": "Testbrook Primary School"}
        ),
        ParticipantNames("Headteacher N3", {"role": "Headteacher"}, {"name": "Tom Jones", "town": "Leeds"}),
    ]


def test_pseudonyms_are_consistent_and_follow_roles_and_school_letters():
    found = anon.propose_mapping(anon.known_names(people()))
    by_real = {r.real: r for r in found.mapping}
    assert by_real["Jane Testperson"].pseudonym == "[Headteacher 1]"
    assert by_real["Tom Jones"].pseudonym == "[Headteacher 2]"
    assert by_real["Priya Sharma"].pseudonym == "[Teacher 1]"  # a participant elsewhere, not "[Person n]"
    assert by_real["Testbrook Primary School"].pseudonym == "[School C]"  # the letter the attributes use
    assert by_real["Testbrook"].pseudonym == "[School C]"  # its short name too
    assert by_real["Millford"].pseudonym == "[Town 1]" and by_real["Leeds"].pseudonym == "[Town 2]"
    assert by_real["Millford Learning Trust"].kind == "organisation"
    assert by_real["Jane"].pseudonym == by_real["Testperson"].pseudonym == "[Headteacher 1]"
    assert by_real["Okafor"].pseudonym == by_real["Mr Okafor"].pseudonym
    assert "Mr" not in by_real and "Learning" not in by_real


def test_shared_first_names_are_not_guessed():
    known = [KnownName("Sam Hill", "person", "word list"), KnownName("Sam Lee", "person", "word list")]
    found = anon.propose_mapping(known)
    assert "Sam" not in {r.real for r in found.mapping}
    assert any("'Sam' alone" in n for n in found.notes)


def test_entities_add_names_but_not_everyday_words():
    texts = ["Helen said the time was right. Time, mostly. Reception class."]
    ents = [[(0, 5, "Helen", "PERSON"), (31, 35, "Time", "ORG"), (43, 52, "Key Stage 2", "ORG")]]
    found = anon.propose_mapping([], ents, texts)
    assert [r.real for r in found.mapping] == ["Helen"]
    assert found.mapping[0].pseudonym == "[Person 1]" and found.mapping[0].count == 1


# ---------------------------------------------------------------------- files


def test_mapping_file_round_trip_and_errors(tmp_path):
    path = tmp_path / "private" / "map.csv"
    rows = [MappingRow("Jane Testperson", "[Headteacher 1]", "person", ("front matter",), 2)]
    anon.write_mapping(path, rows)
    assert anon.read_mapping(path)[0].pseudonym == "[Headteacher 1]"
    bad = tmp_path / "bad.csv"
    bad.write_text("name,other\nx,y\n")
    with pytest.raises(InputError, match="header"):
        anon.read_mapping(bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("real,pseudonym\nJane,[A]\nJane,[B]\n")
    with pytest.raises(InputError, match="twice.csv:3"):
        anon.read_mapping(twice)
    words = tmp_path / "words.txt"
    words.write_text("# names\nNorthfield Academy, school\nBob Smith\nOops, planet\n")
    with pytest.raises(InputError, match="words.txt:4"):
        anon.read_word_list(words)


# ---------------------------------------------------------------------- the project


@pytest.fixture
def named_project(project_url, tiny_codebook, tmp_path):
    from qualcode.ingest.transcripts import parse_file
    from qualcode.project import Project

    path = tmp_path / "named.txt"
    path.write_text(INTERVIEW, encoding="utf-8")
    p = Project.create(project_url, tiny_codebook)
    p.add_coder("alice")
    p.import_transcript(parse_file(path))
    yield p
    p.close()


def covered(project):
    out = {}
    for c in project.list_codings():
        out[c.id] = project.transcript_text(c.transcript_id)[c.start : c.end]
    return out


def test_anonymise_rewrites_text_segments_codings_and_search_in_one_event(named_project):
    p = named_project
    t = p.list_transcripts()[0]
    segs = p.segments(t.id)
    body = segs[1].text
    start = segs[1].start
    name_at = body.index("Jane Testperson")
    p.apply_code("alice", "formalisation", segs[1].id)  # the whole turn
    p.apply_code("alice", "formalisation.plans", segs[1].id, start + name_at + 5, start + name_at + 15)  # "Testperson"
    trust = segs[3].start + segs[3].text.index("Millford Learning")
    p.apply_code("alice", "prioritisation", segs[3].id, trust, trust + len("Millford Learning"))  # part of a name
    tail = segs[3].start + segs[3].text.index("never looked back")
    p.apply_code("alice", "prioritisation.time", segs[3].id, tail, segs[3].end)  # after the last name
    before = covered(p)
    found = p.find_names(ner=False)
    events = len(p.events(limit=1000))
    result = p.anonymise(found.mapping)
    assert result.transcripts == 1 and result.replacements >= 7 and result.codings == 4
    assert len(p.events(limit=1000)) == events + 1
    text = p.transcript_text(t.id)
    for name in ("Jane", "Testperson", "Testbrook", "Millford", "Priya", "Okafor"):
        assert name not in text
    assert "[Headteacher 1] here" not in text and "I'm [Headteacher 1], head at [School C] in [Town 1]" in text
    after = covered(p)
    ids = sorted(after)
    pattern = anon.name_pattern(found.mapping)
    lookup = {r.real: r.pseudonym for r in found.mapping}
    assert after[ids[0]] == pattern.sub(lambda m: lookup[m.group(0)], before[ids[0]])  # the whole turn
    assert after[ids[1]] == "[Headteacher 1]"  # a coding of part of a name covers its pseudonym
    assert after[ids[2]] == "[Organisation 1]"
    assert after[ids[3]] == before[ids[3]] == "never looked back."
    assert p.check() == []
    for seg in p.segments(t.id):
        assert text[seg.start : seg.end] == seg.text
    from qualcode.project.workbench import SearchHit  # noqa: F401 - the search uses the same index

    if p.backend == "sqlite":
        from sqlalchemy import text as sql

        with p.store.read() as s:
            assert s.execute(sql("SELECT count(*) FROM segment_fts WHERE segment_fts MATCH 'Testbrook'")).scalar() == 0
            assert (
                s.execute(sql("SELECT count(*) FROM segment_fts WHERE segment_fts MATCH 'Organisation'")).scalar() == 1
            )
    payload = str(p.events(limit=1)[0])
    assert "Jane" not in payload and p.events(limit=1)[0].kind == "transcripts.anonymise"


def test_anonymise_twice_changes_nothing_more(named_project):
    found = named_project.find_names(ner=False)
    named_project.anonymise(found.mapping)
    text = named_project.transcript_text(named_project.list_transcripts()[0].id)
    assert named_project.anonymise(found.mapping).replacements == 0
    assert named_project.transcript_text(named_project.list_transcripts()[0].id) == text


def test_cli_lists_writes_the_mapping_and_applies_it(run_cli, project_url, named_project, tmp_path):
    named_project.close()
    listed = run_cli("anonymise", "--db", project_url, "--no-ner")
    assert listed.exit_code == 0 and "[Headteacher 1]" in listed.output and "nothing changed" in listed.output
    refused = run_cli("anonymise", "--db", project_url, "--no-ner", "--apply")
    assert refused.exit_code == 1 and "--mapping" in refused.output
    mapping = tmp_path / "keep-apart" / "map.csv"
    wrote = run_cli("anonymise", "--db", project_url, "--no-ner", "--mapping", mapping)
    assert wrote.exit_code == 0 and mapping.exists()
    rows = list(csv.reader(mapping.open(encoding="utf-8")))
    # The researcher edits a pseudonym and keeps one name by deleting its row.
    edited = [
        r if r[0] != "Millford" else [r[0], "[Town X]", *r[2:]]
        for r in rows
        if r[0] != "Okafor" and r[0] != "Mr Okafor"
    ]
    with mapping.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(edited)
    applied = run_cli("anonymise", "--db", project_url, "--mapping", mapping, "--apply")
    assert applied.exit_code == 0, applied.output
    from qualcode.project import Project

    with Project.open(project_url) as p:
        text = p.transcript_text(p.list_transcripts()[0].id)
    assert "[Town X]" in text and "Mr Okafor" in text and "Jane" not in text


def test_anonymising_the_demo_replaces_every_invented_name(tmp_path):
    from qualcode.project import Project
    from qualcode.samples import build_demo

    demo = build_demo(tmp_path, "rln")
    with Project.open(str(demo.path)) as p:
        before = covered(p)
        inputs = p.anonymise_inputs()
        names = set()
        for person in inputs["participants"]:
            ident = person.identifying
            names.update(str(ident[k]) for k in ("name", "school", "town") if ident.get(k))
            names.update(str(o) for o in ident.get("others") or ())
        found = p.find_names()
        p.anonymise(found.mapping)
        texts = [p.transcript_text(t.id) for t in p.list_transcripts()]
        for name in names:
            for text in texts:
                assert not re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text), name
        after = covered(p)
        pattern = anon.name_pattern(found.mapping)
        lookup = {anon._norm(r.real): r.pseudonym for r in found.mapping}
        for cid, words in before.items():
            assert after[cid] == pattern.sub(lambda m: lookup[anon._norm(m.group(0))], words)
        assert p.check() == []
