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
