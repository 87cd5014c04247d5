"""Suggestions on codebooks shaped like real ones (issue 20): many codes, few codings each.

Synthetic data only; the real studies are measured by benchmarks/bench_suggest_real.py.
"""

from __future__ import annotations

import random

import numpy as np

from qualcode.suggest.evaluate import ranking_scores, roll_up, top_level
from qualcode.suggest.linear import LinearModel
from qualcode.suggest.model import LoadedModel, SegmentText, train, training_examples

FILLER = [
    "well",
    "you",
    "know",
    "we",
    "talked",
    "about",
    "it",
    "for",
    "a",
    "while",
    "and",
    "then",
    "the",
    "meeting",
    "went",
    "on",
    "and",
    "people",
    "said",
    "things",
    "about",
    "the",
    "week",
    "the",
    "weather",
    "and",
    "the",
    "plans",
    "for",
    "next",
    "term",
    "and",
    "nobody",
    "decided",
    "anything",
]


def rare_codes_corpus(n_codes: int = 30, per_code: int = 3, uncoded: int = 400, seed: int = 0):
    """Like a real study: ``n_codes`` codes with ``per_code`` codings each, each code's passages
    sharing two telling words, among many more uncoded segments of ordinary talk."""
    rng = random.Random(seed)
    telling = {f"c{k:02d}": (f"alpha{k}", f"omega{k}") for k in range(n_codes)}
    segments, codings = [], []
    sid = 0

    def talk(n: int) -> list[str]:
        return [rng.choice(FILLER) for _ in range(n)]

    for t in range(10):
        for _ in range(uncoded // 10):
            sid += 1
            segments.append(SegmentText(sid, t, " ".join(talk(25)), "P"))
    for k, (code, words) in enumerate(telling.items()):
        for i in range(per_code):
            sid += 1
            t = (k + i) % 10
            text = talk(20) + list(words)
            rng.shuffle(text)
            segments.append(SegmentText(sid, t, " ".join(text), "P"))
            codings.append(("alice", t, sid, code))
    return segments, codings, telling


def test_the_default_model_ranks_a_code_with_three_codings_first_where_its_words_are():
    segments, codings, telling = rare_codes_corpus()
    examples = training_examples(segments, codings)
    model = train(examples, lemmas=False)
    loaded = LoadedModel(model.data, model.meta(), "v1")
    rng = random.Random(1)
    texts, truth = [], []
    for code, words in telling.items():
        text = [rng.choice(FILLER) for _ in range(20)] + list(words)
        rng.shuffle(text)
        texts.append(" ".join(text))
        truth.append(code)
    raw = loaded.raw(texts)
    top = [loaded.labels[j] for j in raw.argmax(axis=1)]
    right = sum(a == b for a, b in zip(top, truth)) / len(truth)
    assert right >= 0.9, f"the right code first for {right:.0%} of new passages"


def test_the_stored_model_is_rebuilt_without_pickle_and_scores_the_same():
    from qualcode.suggest import linear

    segments, codings, _ = rare_codes_corpus(n_codes=5, uncoded=50)
    examples = training_examples(segments, codings)
    words = [s.text.split() for s in segments]
    fitted = linear.fit(
        [ex.text.split() for ex in examples], [ex.labels for ex in examples], sorted({c for *_, c in codings})
    )
    rebuilt = LinearModel.from_bytes(fitted.to_bytes())
    assert np.allclose(fitted.scores(words), rebuilt.scores(words), atol=1e-3)
    model = train(examples, lemmas=False, refit=False)
    assert b"pickle" not in model.data and not model.data.startswith(b"\x80")


def test_themes_are_top_level_codes_or_the_children_of_a_single_wrapping_root():
    assert top_level({"a": None, "a.x": "a", "a.x.y": "a.x", "b": None}) == {
        "a": "a",
        "a.x": "a",
        "a.x.y": "a",
        "b": "b",
    }
    wrapped = {"study": None, "study.a": "study", "study.a.x": "study.a", "study.b": "study"}
    assert top_level(wrapped)["study.a.x"] == "study.a" and top_level(wrapped)["study.b"] == "study.b"


def test_evidence_for_a_sub_code_is_evidence_for_its_theme():
    codes = ["a.x", "a.y", "b.z"]
    theme_of = {"a.x": "a", "a.y": "a", "b.z": "b"}
    scores = np.array([[0.2, 0.3, 0.4]])  # the two sub-codes of a, each below b.z
    y = np.array([[0.0, 1.0, 0.0]])
    mask = np.ones_like(y, dtype=bool)
    assert ranking_scores(scores, y, mask)[0] == 0.0
    s2, y2, m2, themes = roll_up(scores, y, mask, codes, theme_of)
    assert themes == ["a", "b"] and y2.tolist() == [[1.0, 0.0]]
    assert s2.tolist() == [[0.3, 0.4]]  # a theme is scored by its best code


def test_evaluate_prints_leaf_and_theme_level_side_by_side(run_cli, tmp_path):
    from qualcode.samples import build_demo

    demo = build_demo(tmp_path / "rln", "rln")
    result = run_cli("suggest", "--db", str(demo.path), "--evaluate", "--folds", "2", "--no-baseline", "--format", "md")
    assert result.exit_code == 0, result.output
    level = next(line for line in result.output.splitlines() if "theme precision@1" in line)
    assert "leaf precision@1" in level
    row = next(line for line in result.output.splitlines() if line.startswith("| keywords + model") and "|" in line)
    assert row.count("|") >= 6


def test_segments_of_nothing_but_stop_words_train_a_model_that_gives_base_rates():
    from qualcode.suggest import linear

    words = [["the", "and"], ["it", "was"], ["the"], ["and"]]
    labels = [{"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 1.0}, {"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 0.0}]
    model = LinearModel.from_bytes(linear.fit(words, labels, ["a", "b"]).to_bytes())
    scores = model.scores([["anything"], ["else"]])
    assert scores.shape == (2, 2) and np.allclose(scores[0], scores[1])
    assert scores[0, 0] > scores[0, 1]  # a was coded twice, b once


# ---------------------------------------------------------------------- the codebook's tree (issue 20 item 3)


def theme_corpus(seed: int = 0, sub_codes: int = 20):
    """Three themes of ``sub_codes`` codes with three codings each: every passage of a theme
    shares the theme's word, and each code has one word of its own."""
    from qualcode.suggest.keywords import CodeKeywords

    rng = random.Random(seed)
    segments, codings, sid = [], [], 0
    for t in range(10):
        for _ in range(40):
            sid += 1
            segments.append(SegmentText(sid, t, " ".join(rng.choice(FILLER) for _ in range(25)), "P"))
    theme_of = {}
    for theme, word in {"family": "mother", "work": "office", "health": "doctor"}.items():
        theme_of[theme] = theme
        for k in range(sub_codes):
            code = f"{theme}.{k}"
            theme_of[code] = theme
            for i in range(3):
                sid += 1
                text = [rng.choice(FILLER) for _ in range(20)] + [word, f"{theme}word{k}"]
                rng.shuffle(text)
                segments.append(SegmentText(sid, (k + i) % 10, " ".join(text), "P"))
                codings.append(("alice", (k + i) % 10, sid, code))
    codes = [CodeKeywords(c, c.replace(".", " code "), (), "") for c in theme_of]
    return training_examples(segments, codings), codes, theme_of


def test_when_no_code_is_confident_its_theme_is_suggested_with_its_own_calibrated_score():
    from qualcode.suggest.engine import propose

    examples, codes, theme_of = theme_corpus()
    trained = train(examples, codes, themes=theme_of)
    model = LoadedModel(trained.data, trained.meta(), "v1")
    probe = [
        SegmentText(10001, 99, "and then my mother was there for a while and we talked", "P"),
        SegmentText(10002, 99, "my mother familyword3 came", "P"),
        SegmentText(10003, 99, "the weather and the plans for next term", "P"),
    ]
    proposals = propose(probe, codes, model, min_score=0.3)
    by_segment = {p.segment_id: p for p in proposals}
    # Only the theme's word: no one of its twenty codes is likely, the theme is.
    theme = by_segment[10001]
    assert (theme.code, theme.source) == ("family", "theme")
    assert 0.3 <= theme.score < 1.0
    assert theme.reason["summary"].startswith("theme ") and "under it family code " in theme.reason["summary"]
    assert [p.code for p in proposals if p.segment_id == 10001] == ["family"]
    # A code's own word: the code, not its theme.
    assert by_segment[10002].code == "family.3" and by_segment[10002].source == "model"
    assert 10003 not in by_segment
    # Stored and read back, the model still knows its themes.
    assert LoadedModel(trained.data, trained.meta()).theme_groups.keys() == {"family", "work", "health"}


def test_a_theme_already_applied_or_decided_is_not_suggested_and_the_segment_says_why():
    from qualcode.suggest.engine import Coverage, propose

    examples, codes, theme_of = theme_corpus()
    trained = train(examples, codes, themes=theme_of)
    model = LoadedModel(trained.data, trained.meta(), "v1")
    probe = [
        SegmentText(1, 99, "and then my mother was there for a while and we talked", "P"),
        SegmentText(2, 99, "my mother familyword3 came", "P"),
        SegmentText(3, 99, "the weather and the plans for next term", "P"),
        SegmentText(4, 99, "How was it?", "Interviewer"),
    ]
    why: dict[int, str] = {}
    proposals = propose(probe, codes, model, min_score=0.3, skip=[(1, "family"), (2, "family.3")], why=why)
    assert {p.segment_id for p in proposals} <= {2}
    assert why[1] == "low"  # its theme was decided; none of its codes reached 30 %
    # A segment already coded with a code under the theme is not offered the theme.
    probe[0] = SegmentText(1, 99, "and then my mother was there for a while and we talked", "P")
    proposals = propose(probe[:1], codes, model, min_score=0.3, skip=[(1, "family.0")])
    assert proposals == []
    assert why[3] == "low" and why[4] == "interviewer"
    line = Coverage.of(probe, proposals, why, 0.3).line()
    assert line.startswith(f"{len({p.segment_id for p in proposals})} of 4 segments got suggestions")
    assert "1 interviewer turns or empty" in line and "with no score of 30% or more" in line


def test_evaluate_with_themes_scores_each_theme_out_of_fold():
    from qualcode.suggest.evaluate import cross_validate, shown_at

    examples, codes, theme_of = theme_corpus()
    ev = cross_validate(examples, codes, k=3, themes=theme_of, baseline=False)
    assert set(ev.theme_scores) == {"family", "work", "health"}
    codes_only = shown_at(ev, theme_of, 0.3, themes=False)
    with_themes = shown_at(ev, theme_of, 0.3, themes=True)
    assert with_themes.with_suggestion >= codes_only.with_suggestion
    assert with_themes.shown == codes_only.shown + with_themes.themes_shown
