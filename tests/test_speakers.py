from qualcode.speakers import DEFAULT_SPEAKERS, Speakers


def test_interviewer_labels_match_without_case_or_extra_spaces():
    assert DEFAULT_SPEAKERS.is_interviewer("Interviewer")
    assert DEFAULT_SPEAKERS.is_interviewer("  INTERVIEWER   1 ")
    assert not DEFAULT_SPEAKERS.is_interviewer("Headteacher")
    assert not DEFAULT_SPEAKERS.is_interviewer(None)


def test_a_project_setting_replaces_the_defaults():
    speakers = Speakers.from_setting("Researcher, Q ")
    assert speakers.is_interviewer("researcher") and speakers.is_interviewer("q")
    assert not speakers.is_interviewer("Interviewer")
    assert Speakers.from_setting("") == DEFAULT_SPEAKERS
    assert Speakers.from_setting(speakers.setting_value()) == speakers


def test_the_project_says_who_is_the_interviewer_everywhere(project):
    tid = project.list_transcripts()[0].id
    segments = project.segments(tid)
    assert [s.interviewer for s in segments] == [s.speaker == "Interviewer" for s in segments]
    assert project.segment(segments[0].id).interviewer
    first_answer = next(s for s in segments if not s.interviewer)
    assert project.next_uncoded_segment(tid, "alice").id == first_answer.id

    # A project whose interviewer is the headteacher's side: every face follows the setting.
    project.set_setting("interviewer.labels", "Headteacher")
    assert project.speakers() == Speakers.from_labels(["headteacher"])
    flipped = project.segments(tid)
    assert [s.interviewer for s in flipped] == [s.speaker == "Headteacher" for s in flipped]
    assert project.next_uncoded_segment(tid, "alice").speaker == "Interviewer"
    project.apply_code("alice", "prioritisation.time", first_answer.id)
    payload = project.training_payload(None)
    assert {seg[3]: seg[4] for seg in payload["segments"]} == {"Interviewer": False, "Headteacher": True}
