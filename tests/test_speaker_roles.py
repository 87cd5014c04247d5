"""Whose words a turn is: a transcript's speakers mapped to the interviewer and to participants,
and every output that quotes, counts or compares turns following that map."""

from __future__ import annotations

import json

import pytest

from qualcode.analysis import themes as th
from qualcode.errors import QualcodeError
from qualcode.ingest.transcripts import parse_file
from qualcode.project import Project
from qualcode.speakers import DEFAULT_SPEAKERS, SpeakerRole, roles_from_meta, roles_to_meta

FOCUS_GROUP = """\
---
participant: Focus group 1
school: School A
---
Speaker 1: Welcome. How did the network change your teaching?

Speaker 2: We started reading research together in the staff room.

Speaker 3: For me it was the lesson study cycles and the release time.

Speaker 1: And the time for it, who paid for cover?

Speaker 2: The head gave us release time and paid for cover.
"""


def test_front_matter_and_stored_forms_read_the_same():
    roles = roles_from_meta(
        {"Speaker 1": "Interviewer", "Speaker 2": "Teacher A", "Speaker 3": {"role": "participant"}}
    )
    assert roles == [
        SpeakerRole("Speaker 1", interviewer=True),
        SpeakerRole("Speaker 2", participant="Teacher A"),
        SpeakerRole("Speaker 3"),
    ]
    assert roles_from_meta(roles_to_meta(roles)) == roles


@pytest.mark.parametrize(
    "value, problem",
    [
        (["Speaker 1"], "must map speaker names"),
        ({"Speaker 1": ""}, "needs 'interviewer'"),
        ({"Speaker 1": {"role": "boss"}}, "role 'boss'"),
        ({"Speaker 1": {"role": "interviewer", "participant": "X"}}, "cannot be the interviewer and a participant"),
        ({"Speaker 1": "interviewer", "speaker  1": "X"}, "named twice"),
    ],
)
def test_a_bad_speakers_map_is_one_line(value, problem):
    with pytest.raises(QualcodeError, match=problem):
        roles_from_meta(value)


def test_a_transcripts_own_map_wins_over_the_labels():
    speakers = DEFAULT_SPEAKERS.with_roles(
        {7: [SpeakerRole("Speaker 1", interviewer=True), SpeakerRole("Interviewer", participant="Guest")]}
    )
    assert speakers.is_interviewer("speaker 1", 7)
    assert not speakers.is_interviewer("Speaker 1", 8)  # another transcript: the labels decide
    assert not speakers.is_interviewer("Interviewer", 7)  # here the labels are overruled
    assert speakers.is_interviewer("Interviewer", 8)
    assert speakers.participant_of("Interviewer", 7) == "Guest"


@pytest.fixture
def focus_group(project_url, tiny_codebook, tmp_path):
    path = tmp_path / "group-1.txt"
    path.write_text(FOCUS_GROUP, encoding="utf-8")
    with Project.create(project_url, tiny_codebook) as project:
        project.add_coder("alice")
        project.add_coder("bob")
        project.import_transcript(parse_file(path))
        tid = project.list_transcripts()[0].id
        for seg in project.segments(tid):
            for coder in ("alice", "bob"):
                project.apply_code(coder, "prioritisation.time", seg.id)
        yield project


def test_speakers_listed_with_turns_and_whose_words(focus_group):
    rows = focus_group.transcript_speakers("group-1")
    assert [(r.speaker, r.turns, r.interviewer, r.participant, r.set_here) for r in rows] == [
        ("Speaker 1", 2, False, "Focus group 1", False),
        ("Speaker 2", 2, False, "Focus group 1", False),
        ("Speaker 3", 1, False, "Focus group 1", False),
    ]


def test_a_focus_group_mapped_speaker_by_speaker(focus_group):
    p = focus_group
    rows = p.set_transcript_speakers(
        "group-1", "alice", interviewer=["speaker 1"], participants={"Speaker 2": "Teacher A", "Speaker 3": "Teacher B"}
    )
    assert [(r.speaker, r.interviewer, r.participant, r.set_here) for r in rows] == [
        ("Speaker 1", True, None, True),
        ("Speaker 2", False, "Teacher A", True),
        ("Speaker 3", False, "Teacher B", True),
    ]
    assert {x.label for x in p.participants()} >= {"Teacher A", "Teacher B"}

    # Progress: the interviewer's two turns are no longer turns to code.
    t = p.list_transcripts("alice")[0]
    assert (t.coded_segments, t.n_to_code) == (3, 3)

    # Retrieval: each passage is said by its speaker; the interviewer's question is the interviewer's.
    passages = p.analysis.retrieve("prioritisation.time").passages
    said = [(x.speaker, x.interviewer, x.participant) for x in passages]
    assert said == [
        ("Speaker 1", True, "Speaker 1"),
        ("Speaker 2", False, "Teacher A"),
        ("Speaker 3", False, "Teacher B"),
        ("Speaker 1", True, "Speaker 1"),
        ("Speaker 2", False, "Teacher A"),
    ]
    as_json = passages[0].as_json()
    assert as_json["speaker"] == "Speaker 1" and as_json["interviewer"] is True
    assert "Focus group 1" not in json.dumps([x.as_json() for x in passages])

    # Theme tables: a column per participant who spoke; the interviewer counts for nobody.
    data = p.export_data(texts=True, memos=False, details=False)
    source = th.resolve_source(data, ["alice"], False)
    units = th.select_units(data, source)
    table = th.build_table(data, units, ("participant",), "segments")
    row = next(r for r in table.rows if r.key == "prioritisation.time")
    cells = dict(zip([c.label for c in table.columns], row.cells))
    assert cells == {"Teacher A": 2, "Teacher B": 1}
    assert row.total == 3
    quotes = [q for s in th.build_quotes(data, units, 5).sections for q in s.quotes]
    assert quotes and all(q.participant in ("Teacher A", "Teacher B") for q in quotes)
    assert not any("Welcome" in q.text or "who paid" in q.text for q in quotes)

    # Agreement: the interviewer's turns are left out, as the labels' interviewer turns are.
    data = p.reliability_data(["alice", "bob"], "segment")
    assert sum(len(v) for v in data.values.values()) // len(data.values) == 3


def test_the_map_is_one_event_undo_and_redo(focus_group):
    p = focus_group
    p.set_transcript_speakers("group-1", "alice", interviewer=["Speaker 1"], participants={"Speaker 2": "Teacher A"})
    assert p.undo("alice") is not None
    rows = p.transcript_speakers("group-1")
    assert not any(r.set_here or r.interviewer for r in rows)
    assert "Teacher A" not in {x.label for x in p.participants()}  # made by the change, gone with it
    assert p.redo("alice") is not None
    rows = p.transcript_speakers("group-1")
    assert [(r.interviewer, r.participant) for r in rows][:2] == [(True, None), (False, "Teacher A")]
    p.set_transcript_speakers("group-1", "alice", reset=["Speaker 1"])
    assert not p.transcript_speakers("group-1")[0].interviewer


def test_unknown_speakers_and_empty_changes_are_refused(focus_group):
    with pytest.raises(QualcodeError, match=r"no speaker 'Speaker 9' \(speakers: Speaker 1, Speaker 2, Speaker 3\)"):
        focus_group.set_transcript_speakers("group-1", "alice", interviewer=["Speaker 9"])
    with pytest.raises(QualcodeError, match="named twice"):
        focus_group.set_transcript_speakers("group-1", "alice", interviewer=["Speaker 1"], reset=["speaker 1"])
    with pytest.raises(QualcodeError, match="say who a speaker is"):
        focus_group.set_transcript_speakers("group-1", "alice")
    assert not any(r.set_here for r in focus_group.transcript_speakers("group-1"))


def test_front_matter_names_the_speakers(project_url, tiny_codebook, tmp_path):
    path = tmp_path / "group-2.txt"
    path.write_text(
        FOCUS_GROUP.replace(
            "school: School A\n", "school: School A\nspeakers:\n  Speaker 1: interviewer\n  Speaker 3: Teacher C\n"
        ),
        encoding="utf-8",
    )
    with Project.create(project_url, tiny_codebook) as project:
        project.import_transcript(parse_file(path))
        rows = project.transcript_speakers("group-2")
        assert [(r.interviewer, r.participant) for r in rows] == [
            (True, None),
            (False, "Focus group 1"),
            (False, "Teacher C"),
        ]


def test_a_bad_front_matter_map_is_one_line(run_cli, tmp_path):
    (tmp_path / "bad.txt").write_text("---\nspeakers: [a, b]\n---\nA: hello\n", encoding="utf-8")
    assert run_cli("init", "p.db").exit_code == 0
    result = run_cli("--db", "p.db", "import", "bad.txt")
    assert result.exit_code != 0
    assert "must map speaker names" in result.output
    assert "Traceback" not in result.output


def test_cli_lists_and_sets_speakers(run_cli, tmp_path):
    (tmp_path / "group-1.txt").write_text(FOCUS_GROUP, encoding="utf-8")
    assert run_cli("init", "p.db").exit_code == 0
    assert run_cli("--db", "p.db", "coders", "add", "alice").exit_code == 0
    assert run_cli("--db", "p.db", "import", "group-1.txt").exit_code == 0
    result = run_cli(
        "--db", "p.db", "transcripts", "speakers", "group-1", "--coder", "alice",
        "--interviewer", "Speaker 1", "--participant", "Speaker 2=Teacher A",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    listed = json.loads(run_cli("--db", "p.db", "transcripts", "speakers", "group-1", "--format", "json").output)
    assert listed[0] == {"speaker": "Speaker 1", "turns": 2, "interviewer": True, "participant": None, "set_here": True}
    assert listed[1]["participant"] == "Teacher A"
    result = run_cli("--db", "p.db", "transcripts", "speakers", "group-1", "--interviewer", "Speaker 2")
    assert result.exit_code == 2 and "--coder NAME is needed" in result.output
    result = run_cli(
        "--db", "p.db", "transcripts", "speakers", "group-1", "--coder", "alice", "--participant", "Speaker 2"
    )
    assert result.exit_code == 2 and "SPEAKER=PARTICIPANT" in result.output
