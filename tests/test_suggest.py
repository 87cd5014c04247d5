"""Suggestions: keyword matching with reasons, the learned model, storing, accepting and rejecting."""

from __future__ import annotations

import concurrent.futures
import json
import random

import numpy as np
import pytest

from qualcode import nlp
from qualcode.errors import QualcodeError
from qualcode.suggest.calibration import expected_calibration_error, fit_logistic, sigmoid
from qualcode.suggest.engine import propose, suggest_payload
from qualcode.suggest.keywords import CodeKeywords, KeywordMatcher, definition_words, describe_hits, strengths
from qualcode.suggest.model import (
    LoadedModel,
    SegmentText,
    pack_model,
    train,
    train_payload,
    training_examples,
    unpack_model,
)

CODES = [
    CodeKeywords(
        "formalisation", "Formalisation", ("governors", "signed off"), "Formal commitments approved by governors."
    ),
    CodeKeywords("formalisation.plans", "Plans", ("development plan", "appraisal"), "Written into development plans."),
    CodeKeywords("prioritisation.time", "Time", ("cover", "release time"), "Release time and supply cover."),
]


def codes_of(hits):
    return {h.code for h in hits}


# ---------------------------------------------------------------------- keywords


def test_keywords_match_on_lemmas_and_record_the_words():
    matcher = KeywordMatcher(CODES)
    [hits] = matcher.match(["The Governors signed it all off; it is in both development plans now."])
    assert codes_of(hits) == {"formalisation", "formalisation.plans"}
    plans = next(h for h in hits if h.code == "formalisation.plans")
    assert plans.text == "development plans" and plans.keyword == "development plan"
    text = "The Governors signed it all off; it is in both development plans now."
    assert text[plans.start : plans.end] == "development plans"
    assert "development plans" in describe_hits(hits)


def test_near_misses_are_found_and_marked_as_such():
    matcher = KeywordMatcher(CODES)
    [hits] = matcher.match(["Her apraisal target mentions it."])
    [hit] = [h for h in hits if h.code == "formalisation.plans"]
    assert hit.kind == "near" and hit.text == "apraisal" and hit.keyword == "appraisal"
    assert "apraisal ≈ appraisal" in describe_hits(hits)
    assert KeywordMatcher(CODES, fuzzy=False).match(["Her apraisal target mentions it."]) == [[]]


def test_unrelated_text_gets_no_keyword_hits():
    matcher = KeywordMatcher(CODES)
    assert matcher.match(["We talked about the weather and lunch.", ""]) == [[], []]


def test_without_a_trained_pipeline_keywords_still_match_word_forms(monkeypatch):
    def missing(model=None, lemmas_only=False):
        raise nlp.NoTrainedPipeline("no trained spaCy pipeline is installed")

    monkeypatch.setattr(nlp, "trained", missing)
    matcher = KeywordMatcher(CODES)
    assert matcher.lemmas is False
    [hits] = matcher.match(["The governor signed off the development plan; we paid for cover."])
    assert codes_of(hits) == {"formalisation", "formalisation.plans", "prioritisation.time"}
    # plurals by a simple rule without lemmas
    [hits] = matcher.match(["Both development plans."])
    assert codes_of(hits) == {"formalisation.plans"}


def test_definition_words_are_optional_and_distinctive():
    words = definition_words(CODES)
    assert "supply" in words["prioritisation.time"]
    assert all("governor" not in w for w in words["formalisation"])  # already a keyword
    [plain] = KeywordMatcher(CODES).match(["The supply budget."])
    [defs] = KeywordMatcher(CODES, use_definitions=True).match(["The supply budget."])
    assert plain == [] and codes_of(defs) == {"prioritisation.time"} and defs[0].kind == "definition"


def test_strength_grows_with_more_distinct_keywords():
    matcher = KeywordMatcher(CODES)
    [one, two] = matcher.match(["We paid for cover.", "We paid for cover so they had release time."])
    assert 0 < strengths(one)["prioritisation.time"] < strengths(two)["prioritisation.time"] < 1


# ---------------------------------------------------------------------- training data


def seg(i, t, text, speaker="Teacher"):
    return SegmentText(i, t, text, speaker)


def test_training_examples_use_agreed_codings_and_rejections():
    segments = [seg(1, 1, "a"), seg(2, 1, "b"), seg(3, 1, "q?", "Interviewer"), seg(4, 2, "c"), seg(5, 3, "d")]
    codings = [("alice", 1, 1, "x"), ("bob", 1, 1, "x"), ("alice", 1, 2, "y"), ("alice", 2, 4, "x")]
    examples = {e.segment_id: e.labels for e in training_examples(segments, codings, ["alice", "bob"], [(5, "x")])}
    assert examples[1] == {"x": 1.0, "y": 0.0}  # both applied x, nobody y
    assert examples[2] == {"x": 0.0}  # y: alice yes, bob no -> left out
    assert 3 not in examples  # an interviewer turn nobody coded
    assert examples[4] == {"x": 1.0, "y": 0.0}  # only alice worked in transcript 2
    assert examples[5] == {"x": 0.0}  # a rejected suggestion is a negative
    alice = {e.segment_id: e.labels for e in training_examples(segments, codings, ["alice"])}
    assert alice[2] == {"x": 0.0, "y": 1.0}


# ---------------------------------------------------------------------- calibration


def test_logistic_calibration_recovers_known_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 1))
    y = (rng.random(4000) < sigmoid(2.0 * x[:, 0] - 1.0)).astype(float)
    cal = fit_logistic(x, y, l2=0.0)
    assert cal.weights[0] == pytest.approx(2.0, abs=0.2) and cal.bias == pytest.approx(-1.0, abs=0.15)
    assert expected_calibration_error(cal(x), y) < 0.03


def test_calibration_of_one_class_is_a_constant():
    cal = fit_logistic(np.zeros((5, 2)), np.zeros(5))
    assert cal.weights == (0.0, 0.0) and (cal(np.zeros((1, 2))) < 0.01).all()


# ---------------------------------------------------------------------- the model

TIME = [
    "We paid for supply so she could go to the workshops.",
    "Release time was protected every Friday afternoon.",
    "I covered her class myself on the workshop days.",
    "They had a free period each week for the enquiry.",
]
PLANS = [
    "It is written into the school improvement plan.",
    "Each of them has an objective for it in their review.",
    "The policy document now names the project.",
    "It became a target in performance management.",
]
OTHER = [
    "The children enjoyed the new reading books.",
    "Parents came to the open evening in large numbers.",
    "The weather was awful that term.",
    "We moved into the new building in spring.",
]


def corpus(n_transcripts=6, seed=0):
    rng = random.Random(seed)
    segments, codings, sid = [], [], 0
    for t in range(1, n_transcripts + 1):
        for code, texts in (("prioritisation.time", TIME), ("formalisation.plans", PLANS), (None, OTHER)):
            for text in rng.sample(texts, 3):
                sid += 1
                segments.append(seg(sid, t, text))
                if code:
                    codings.append(("alice", t, sid, code))
    return segments, codings


@pytest.fixture(scope="module")
def trained_model():
    segments, codings = corpus()
    examples = training_examples(segments, codings, ["alice"])
    return train(examples, CODES, epochs=15, seed=1)


def test_a_trained_model_scores_its_codes_higher_and_round_trips(trained_model):
    assert trained_model.labels == ["formalisation.plans", "prioritisation.time"]
    data, meta = unpack_model(pack_model(trained_model.data, trained_model.meta()))
    model = LoadedModel(data, meta, "v1")
    probs = model.probabilities(
        model.raw(["Release time every Friday for the workshops.", "It is in the improvement plan."])
    )
    time_j, plans_j = model.labels.index("prioritisation.time"), model.labels.index("formalisation.plans")
    assert probs[0, time_j] > probs[0, plans_j]
    assert probs[1, plans_j] > probs[1, time_j]
    assert ((probs > 0) & (probs < 1)).all()


def test_too_few_codings_to_learn_from_says_so():
    segments, codings = corpus(1)
    examples = training_examples(segments, codings[:2], ["alice"])
    with pytest.raises(ValueError, match="too few codings"):
        train(examples, CODES)


def test_proposals_say_why_and_respect_top_and_skip(trained_model):
    model = LoadedModel(trained_model.data, trained_model.meta(), "v7")
    segments = [seg(100, 9, "We paid for cover so they had release time."), seg(101, 9, "Any cover?", "Interviewer")]
    proposals = propose(segments, CODES, model, top=1, min_score=0.0)
    assert [p.segment_id for p in proposals] == [100]  # one per segment; interviewer turns get none
    [p] = proposals
    assert p.code == "prioritisation.time" and p.source == "both" and p.model_version == "v7"
    assert "cover" in p.reason["summary"] and "model" in p.reason["summary"] and "v7" in p.reason["summary"]
    assert [w[2] for w in p.reason["words"]] == ["cover", "release time"]
    skipped = propose(segments, CODES, model, top=1, min_score=0.0, skip=[(100, "prioritisation.time")])
    assert all(q.code != "prioritisation.time" for q in skipped)


def test_training_and_suggesting_run_in_a_process_pool():
    segments, codings = corpus()
    payload = {
        "segments": [(s.id, s.transcript_id, s.text, s.speaker) for s in segments],
        "codings": codings,
        "rejected": [],
        "coders": ["alice"],
        "codes": [(c.key, c.name, list(c.keywords), c.definition) for c in CODES],
        "epochs": 5,
    }
    with concurrent.futures.ProcessPoolExecutor(1) as pool:
        result = pool.submit(train_payload, payload).result()
        assert result["kind"] == "linear" and result["trained_on"]["coders"] == ["alice"]
        model = {"data": result["data"], "meta": result["meta"], "version": "v1"}
        proposals = pool.submit(
            suggest_payload,
            {
                "segments": [(1, 1, "We paid for cover.", "Teacher")],
                "codes": payload["codes"],
                "model": model,
                "min_score": 0.0,
            },
        ).result()
    assert proposals and proposals[0]["code"] == "prioritisation.time"


# ---------------------------------------------------------------------- the project


def fill(project, **kwargs):
    payload, ids = project.suggestion_payload(**kwargs)
    return project.store_suggestions(suggest_payload(payload), ids)


def coding_count(project):
    return sum(project.summary().codings_by_coder.values())


def test_suggestions_are_stored_with_reasons_and_never_become_codings_by_themselves(project):
    before = coding_count(project)
    assert fill(project) >= 2
    assert coding_count(project) == before
    rows = project.list_suggestions()
    assert {r.code_key for r in rows} >= {"formalisation.plans", "prioritisation.time"}
    time_row = next(r for r in rows if r.code_key == "prioritisation.time")
    assert "cover" in time_row.reason and time_row.status == "open" and time_row.source == "keywords"
    segment = project.segment(time_row.segment_id)
    for start, end, text, _, _ in time_row.words:
        assert segment.text[start:end] == text
    assert project.events(limit=1)[0].kind == "suggestions.fill"


def test_accepting_creates_one_coding_with_origin_suggestion_and_undo_reopens_it(project):
    fill(project)
    sug = next(r for r in project.list_suggestions() if r.code_key == "prioritisation.time")
    n_events = len(project.events(limit=1000))
    coding = project.accept_suggestion(sug.id, "alice")
    assert (
        coding.origin == "suggestion"
        and coding.code_key == "prioritisation.time"
        and coding.segment_id == sug.segment_id
    )
    assert len(project.events(limit=1000)) == n_events + 1
    assert project.list_suggestions(segment_id=sug.segment_id, status="accepted")[0].id == sug.id
    assert all(r.id != sug.id for r in project.list_suggestions(coder="alice"))
    with pytest.raises(QualcodeError, match="already accepted"):
        project.accept_suggestion(sug.id, "alice")
    project.undo("alice")
    assert [c for c in project.list_codings() if c.origin == "suggestion"] == []
    assert any(r.id == sug.id for r in project.list_suggestions())
    project.redo("alice")
    assert [c.code_key for c in project.list_codings() if c.origin == "suggestion"] == ["prioritisation.time"]
    assert project.check() == []


def test_rejecting_marks_it_one_event_undoable_and_it_is_not_proposed_again(project):
    fill(project)
    sug = project.list_suggestions()[0]
    n_events = len(project.events(limit=1000))
    info = project.reject_suggestion(sug.id, "bob")
    assert info.status == "rejected" and len(project.events(limit=1000)) == n_events + 1
    fill(project)
    assert all((r.segment_id, r.code_key) != (sug.segment_id, sug.code_key) for r in project.list_suggestions())
    project.undo("bob")
    assert project.list_suggestions(segment_id=sug.segment_id, status="rejected") == []


def test_suggestions_hide_codes_the_coder_already_applied(project):
    fill(project)
    sug = next(r for r in project.list_suggestions() if r.code_key == "prioritisation.time")
    project.apply_code("alice", "prioritisation.time", sug.segment_id)
    assert all(r.id != sug.id for r in project.list_suggestions(segment_id=sug.segment_id, coder="alice"))
    assert any(r.id == sug.id for r in project.list_suggestions(segment_id=sug.segment_id, coder="bob"))


def test_models_are_versioned_and_one_is_active(project, trained_model):
    result = {
        "data": trained_model.data,
        "meta": trained_model.meta(),
        "metrics": {"seconds": 1.0},
        "trained_on": {"coders": ["alice"], "codings": 0, "examples": 3},
    }
    first = project.store_model(result)
    second = project.store_model(result)
    assert (first.version, second.version) == ("v1", "v2")
    assert [m.active for m in project.models()] == [False, True]
    info, data, meta = project.active_model()
    assert info.version == "v2" and meta["labels"] == trained_model.labels and data == trained_model.data
    project.activate_model("v1")
    assert project.active_model()[0].version == "v1"
    with pytest.raises(QualcodeError, match="no model 'v9'"):
        project.activate_model("v9")


def test_model_status_asks_for_retraining_when_codings_arrive(project, trained_model):
    assert project.model_status().stale
    result = {
        "data": trained_model.data,
        "meta": trained_model.meta(),
        "trained_on": {"coders": ["alice"], "codings": 0, "codebook_version": project.codebook_version()},
    }
    project.store_model(result)
    segs = project.segments(project.list_transcripts()[0].id)
    project.apply_code("alice", "formalisation", segs[1].id)
    status = project.model_status(["alice"])
    assert not status.stale and status.new_codings == 1
    rows = [
        ("alice", key, s.id, None, None)
        for s in segs
        for key in (
            "formalisation.plans",
            "formalisation.meetings",
            "prioritisation",
            "prioritisation.time",
            "formalisation",
        )
    ]
    project.add_codings(rows)
    assert project.model_status(["alice"]).stale


# ---------------------------------------------------------------------- the command line


def test_cli_suggest_list_accept_and_reject(run_cli, project_url, project):
    project.close()
    result = run_cli("suggest", "--db", project_url, "--keywords-only")
    assert result.exit_code == 0, result.output
    assert "suggestions for" in result.output
    listed = run_cli("suggest", "--db", project_url, "--list")
    assert "Time" in listed.output and "cover" in listed.output
    from qualcode.project import Project

    with Project.open(project_url) as p:
        ids = [s.id for s in p.list_suggestions()]
    accepted = run_cli("suggest", "--db", project_url, "--accept", ids[0], "--coder", "alice")
    assert accepted.exit_code == 0 and "accepted suggestion" in accepted.output
    rejected = run_cli("suggest", "--db", project_url, "--reject", ids[0], "--coder", "alice")
    assert rejected.exit_code == 1 and "already accepted" in rejected.output
    nobody = run_cli("suggest", "--db", project_url, "--accept", ids[1])
    assert nobody.exit_code == 1 and "exactly one --coder" in nobody.output
    with Project.open(project_url) as p:
        assert [c.origin for c in p.list_codings()] == ["suggestion"]


def test_cli_evaluate_with_too_few_codings_says_so(run_cli, project_url, project):
    project.apply_code("alice", "prioritisation.time", project.segments(project.list_transcripts()[0].id)[3].id)
    project.close()
    result = run_cli("suggest", "--db", project_url, "--evaluate", "--no-baseline")
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and len(result.output.strip().splitlines()) == 1


def test_cli_unknown_transcript_is_one_line(run_cli, project_url, project):
    project.close()
    result = run_cli("suggest", "--db", project_url, "-t", "nope")
    assert result.exit_code == 1 and "no transcript named 'nope'" in result.output


def test_reason_json_is_stored_and_brackets_stay_literal(project):
    fill(project)
    sug = project.list_suggestions()[0]
    from sqlalchemy import text

    with project.store.read() as s:
        raw = s.execute(text("SELECT reason FROM suggestions WHERE id = :i"), {"i": sug.id}).scalar()
    assert json.loads(raw)["summary"] == sug.reason


# ---------------------------------------------------------------------- blind coding (issue 20 item 8)


def blind_project(project, tmp_path):
    """Three more interviews. alice codes zebra talk in blind-01 as Meetings (the only codings
    of that code anywhere; one zebra turn left uncoded) and plans and cover in blind-02 and
    blind-03; bob codes nothing yet."""
    from qualcode.ingest.transcripts import parse_file

    for n in (1, 2, 3):
        turns = []
        for i in range(6):
            turns.append(f"Interviewer: Question {i}?")
            if n == 1:
                turns.append(f"Teacher: The zebra crossing and the striped zebra pen, story {i}.")
            else:
                turns.append(f"Teacher: Our written plan {i} was signed; the supply budget paid for it.")
                turns.append(f"Teacher: Covering classes {i} took supply staff and budget.")
        path = tmp_path / f"blind-0{n}.txt"
        path.write_text("\n\n".join(turns) + "\n", encoding="utf-8")
        project.import_transcript(parse_file(path))
    ids = {t.name: t.id for t in project.list_transcripts()}
    for name, tid in ids.items():
        if not name.startswith("blind"):
            continue
        for seg in project.segments(tid):
            if seg.speaker == "Interviewer":
                continue
            if "zebra" in seg.text and "story 5" not in seg.text:  # the last zebra turn is left uncoded
                project.apply_code("alice", "formalisation.meetings", seg.id)
            elif "plan" in seg.text:
                project.apply_code("alice", "formalisation.plans", seg.id)
            elif "Covering" in seg.text:
                project.apply_code("alice", "prioritisation.time", seg.id)
    project.store_model(train_payload(project.training_payload()))
    return ids


def suggested_codes(project, coder):
    payload, _ = project.suggestion_payload(["blind-01"], min_score=0.0, for_coder=coder)
    return {p["code"] for p in suggest_payload(payload)}, payload


def test_blind_coding_a_coders_suggestions_never_learn_from_another_coders_codings_of_that_transcript(
    project, tmp_path
):
    blind_project(project, tmp_path)
    # alice's own suggestions may learn from her own codings of blind-01.
    mine, payload = suggested_codes(project, "alice")
    assert "formalisation.meetings" in mine and payload["train"] is None
    # bob is coding blind-01 blind: nothing he is shown comes from alice's codings of it ...
    theirs, payload = suggested_codes(project, "bob")
    assert "formalisation.meetings" not in theirs
    assert payload["train"] is not None
    assert all(tid != project.transcript_ids(["blind-01"])[0] for _, tid, _, _ in payload["train"]["codings"])
    # ... while what alice coded elsewhere still teaches the model.
    assert "formalisation.plans" in set(payload["train"]["themes"]) and payload["train"]["codings"]
    # The project can say otherwise.
    project.set_setting("suggest.learn_across_coders", "yes")
    theirs, payload = suggested_codes(project, "bob")
    assert "formalisation.meetings" in theirs and payload["train"] is None


def test_training_payload_carries_each_codes_theme(project):
    seg = next(s for s in project.segments(project.list_transcripts()[0].id) if "cover" in s.text)
    project.apply_code("alice", "prioritisation.time", seg.id)
    themes = project.training_payload()["themes"]
    assert themes["formalisation.plans"] == "formalisation" and themes["prioritisation"] == "prioritisation"


# ---------------------------------------------------------------------- bad input (issue 20)


def one_error_line(result) -> str:
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def participant_turns(project, name=None):
    ts = [t for t in project.list_transcripts() if name is None or t.name == name]
    return [s for t in ts for s in project.segments(t.id) if s.speaker != "Interviewer"]


def test_cli_suggest_with_no_codings_says_so_in_one_line(run_cli, project_url, project):
    project.close()
    result = run_cli("suggest", "--db", project_url)
    assert result.exit_code == 0 and "note: no model: no codings by anyone to learn from" in result.output
    assert "of 5 segments got suggestions" in result.output
    assert "no codings by anyone" in one_error_line(run_cli("suggest", "--db", project_url, "--train"))
    assert "no codings by anyone" in one_error_line(run_cli("suggest", "--db", project_url, "--evaluate"))


def test_cli_suggest_with_one_code_or_one_transcript_says_so_in_one_line(run_cli, project_url, project):
    for seg in participant_turns(project):
        project.apply_code("alice", "prioritisation.time", seg.id)
    project.close()
    result = run_cli("suggest", "--db", project_url)
    assert result.exit_code == 0 and "note: no model: too few codings to learn from" in result.output
    assert "a model needs two or more" in one_error_line(run_cli("suggest", "--db", project_url, "--train"))
    line = one_error_line(run_cli("suggest", "--db", project_url, "--evaluate", "--folds", "5"))
    assert "two or more transcripts" in line


def test_cli_suggest_with_codes_of_one_example_each_evaluates_and_says_what_it_could_not(
    run_cli, project_url, project, tmp_path
):
    blind_project(project, tmp_path)
    for name in ("blind-02", "blind-03"):
        for seg in participant_turns(project, name)[:1]:
            project.apply_code("bob", "formalisation", seg.id)  # one example, by another coder
    project.close()
    result = run_cli("suggest", "--db", project_url, "--evaluate", "--folds", "5", "--no-baseline")
    assert result.exit_code == 0, result.output
    assert "theme precision@1" in result.output
    assert "Traceback" not in result.output
    result = run_cli("suggest", "--db", project_url, "--coder", "bob", "--train")
    assert "too few codings to learn from" in one_error_line(result)


def test_cli_suggest_on_a_codebook_of_a_thousand_codes(run_cli, project_url, tmp_path):
    from qualcode import codebook as cb
    from qualcode.ingest.transcripts import parse_file
    from qualcode.project import Project

    themes = "\n".join(
        f"  - id: t{t}\n    name: Theme {t}\n    children:\n"
        + "\n".join(f"      - id: t{t}.c{c}\n        name: Code {t} {c}" for c in range(99))
        for t in range(10)
    )
    book = cb.parse_codebook(f"name: Big\ncodes:\n{themes}\n", "big.yaml")
    url = project_url
    project = Project.create(url, book)
    project.add_coder("alice")
    assert len(project.codebook.codes()) == 1000
    rng = random.Random(1)
    for n in range(4):
        path = tmp_path / f"big-{n}.txt"
        path.write_text(
            "\n\n".join(f"Teacher: Topic word{i % 40} and more talk {i} in {n}." for i in range(60)) + "\n",
            encoding="utf-8",
        )
        project.import_transcript(parse_file(path))
    for seg in participant_turns(project):
        i = int(seg.text.split("word")[1].split()[0])
        project.apply_code("alice", f"t{i % 10}.c{i}", seg.id)  # 40 codes with 6 codings each
        project.apply_code("alice", f"t{rng.randrange(10)}.c{rng.randrange(40, 99)}", seg.id)  # and rare ones
    project.close()
    result = run_cli("suggest", "--db", url)
    assert result.exit_code == 0, result.output
    assert "of 240 segments got suggestions" in result.output
    result = run_cli("suggest", "--db", url, "--evaluate", "--folds", "2", "--no-baseline")
    assert result.exit_code == 0, result.output
    assert "codes" in result.output and "Traceback" not in result.output


def test_cli_sets_the_blind_coding_rule(run_cli, project_url, project):
    assert not project.suggestions.learns_across_coders()
    project.close()
    result = run_cli("suggest", "--db", project_url, "--learn-across-coders", "yes")
    assert result.exit_code == 0 and "learn from every coder" in result.output
    from qualcode.project import Project

    with Project.open(project_url) as p:
        assert p.suggestions.learns_across_coders()
    result = run_cli("suggest", "--db", project_url, "--learn-across-coders", "no")
    assert "blind coding" in result.output


def test_suggesting_reuses_the_keyword_calibration_kept_with_the_model(project, tmp_path, monkeypatch):
    from qualcode.suggest import model as model_module

    blind_project(project, tmp_path)
    kept = project.active_model()[2]["keyword_calibrator"]
    assert kept is not None

    def refit(*args, **kwargs):
        raise AssertionError("every coded segment's keywords matched again")

    monkeypatch.setattr(model_module, "fit_keyword_calibrator", refit)
    payload, _ = project.suggestion_payload()
    assert payload["keyword_calibrator"] == kept


# ---------------------------------------------------------------------- learning from decisions (issue 20 item 5)


def test_the_model_learns_from_an_accepted_or_rejected_suggestion_without_a_retrain(project, tmp_path):
    from qualcode.suggest.model import LoadedModel

    blind_project(project, tmp_path)
    payload, ids = project.suggestion_payload(["blind-02"], min_score=0.0)
    project.store_suggestions(suggest_payload(payload), ids)
    target = next(s for s in project.list_suggestions() if s.code_key == "formalisation.plans")
    text = project.segment(target.segment_id).text

    def score(code):
        info, data, meta = project.active_model()
        model = LoadedModel(data, meta)
        return float(model.raw([text])[0, model.labels.index(code)]), info.version

    before, version = score("formalisation.plans")
    other_before, _ = score("prioritisation.time")
    project.reject_suggestion(target.id, "bob")
    assert project.suggestions.learn_from_decision(target.id) == version
    after, same_version = score("formalisation.plans")
    assert after < before and same_version == version
    assert score("prioritisation.time")[0] == pytest.approx(other_before, abs=1e-3)  # other codes untouched
    assert project.events(limit=1)[0].kind == "model.learn"
    assert project.active_model()[0].trained_on["learned"] == 1
    # Undo still takes back bob's rejection, not the learning.
    project.undo("bob")
    assert project.list_suggestions(segment_id=target.segment_id, status="rejected") == []
    # Accepting pushes the other way; an open suggestion teaches nothing.
    assert project.suggestions.learn_from_decision(target.id) is None
    project.accept_suggestion(target.id, "bob")
    project.suggestions.learn_from_decision(target.id)
    assert score("formalisation.plans")[0] > after


def test_accepting_a_theme_suggestion_codes_the_segment_with_the_theme(project):
    seg = next(s for s in project.segments(project.list_transcripts()[0].id) if "cover" in s.text)
    reason = {"summary": "theme 41%: under it prioritisation.time 12%", "words": [], "keywords": 0.0, "model": 0.41}
    project.store_suggestions(
        [{"segment_id": seg.id, "code": "prioritisation", "source": "theme", "score": 0.41, "reason": reason}],
        [seg.id],
    )
    [theme] = project.list_suggestions(segment_id=seg.id)
    assert theme.source == "theme" and theme.reason.startswith("theme 41%")
    coding = project.accept_suggestion(theme.id, "alice")
    assert coding.code_key == "prioritisation" and coding.segment_id == seg.id


def test_a_calibration_never_turns_the_models_order_upside_down():
    """Held-out codings where the model's scores ran the wrong way (a small or unlucky fold) flatten
    the probabilities towards the rate at which codes apply; they never reverse the ranking, which
    would put the code the model liked least first."""
    import numpy as np

    from qualcode.suggest.calibration import fit_logistic, logit

    raw = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1] * 20)
    applied = np.array([0, 0, 0, 1, 1, 0] * 20)  # the higher scores were the wrong ones here
    platt = fit_logistic(logit(raw)[:, None], applied, increasing=1)
    probabilities = platt(logit(raw)[:, None])
    assert list(np.argsort(-probabilities[:6], kind="stable")) == [0, 1, 2, 3, 4, 5]  # the model's order
    assert abs(float(probabilities.mean()) - applied.mean()) < 0.02  # flattened to the base rate
    honest = fit_logistic(logit(raw)[:, None], 1 - applied, increasing=1)  # scores that ran the right way
    assert honest.weights[0] > 0.5
