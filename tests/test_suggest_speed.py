"""`qualcode suggest` end to end (issue 20, "what must hold": 10,000 segments in under 5 s).

Making it fast must not change what it suggests: the full list of suggestions on both demo
projects is compared with the one stored in tests/fixtures/suggestions/ (written by
``python -m tests.test_suggest_speed`` before the speed work, and again only when a change to
the suggestions is meant). The timings themselves are in benchmarks/bench_suggest.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.fresh_process import loaded_modules

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "suggestions"
STUDIES = ("rln", "pess")


def build_study(url: str, study: str):
    """The demo project's steps (``qualcode.samples.build_demo``) at any location."""
    from qualcode.codebook import load_codebook
    from qualcode.ingest.transcripts import parse_file
    from qualcode.project import Project
    from qualcode.samples import codebook_path, coding_files, transcript_files

    project = Project.create(url, load_codebook(codebook_path(study)), name=f"{study} demo")
    for file in transcript_files(study):
        project.import_transcript(parse_file(file, max_chars=project.max_segment_chars))
    for file in coding_files(study):
        project.import_codings(file, add_coders=True)
    return project


def suggestion_list(project) -> list[dict]:
    """Every suggestion as a coder sees it: where, which code, from what, how sure, and why."""
    names = {t.id: t.name for t in project.list_transcripts()}
    positions = {seg.id: seg.position for tid in names for seg in project.segments(tid)}
    rows = [
        {
            "transcript": names[s.transcript_id],
            "segment": positions[s.segment_id],
            "code": s.code_key,
            "source": s.source,
            "score": s.score,
            "reason": s.reason,
            "words": [list(w) for w in s.words],
            "model": s.model_score,
            "keywords": s.keyword_score,
            "model_version": s.model_version,
        }
        for s in project.list_suggestions(status=None)
    ]
    return sorted(rows, key=lambda r: (r["transcript"], r["segment"], -r["score"], r["code"]))


def suggest_on_demo(url: str, study: str, run) -> list[dict]:
    """Build the demo project at ``url``, run `qualcode suggest` (train, then suggest) on it."""
    build_study(url, study).close()
    result = run("suggest", "--db", url)
    assert result.exit_code == 0, result.output
    from qualcode.project import Project

    with Project.open(url) as project:
        return suggestion_list(project)


@pytest.mark.parametrize("study", STUDIES)
def test_the_demo_projects_get_the_stored_suggestions(study, project_url, run_cli, monkeypatch):
    from qualcode import nlp

    # As in a new `qualcode suggest` process: words are lemmatised in chunks of the forms not
    # seen before, and a form's lemma can depend on the forms beside it in its chunk.
    monkeypatch.setattr(nlp, "_LEMMAS", {})
    got = suggest_on_demo(project_url, study, run_cli)
    want = json.loads((FIXTURES / f"{study}.json").read_text(encoding="utf-8"))
    assert len(got) == len(want)
    assert got == want


def test_the_same_codings_train_the_same_model(tmp_path):
    from qualcode.suggest.model import train_payload

    project = build_study(str(tmp_path / "rln.db"), "rln")
    payload = project.training_payload(None)
    project.close()
    np.random.seed(1)  # whatever the process drew before: training does not depend on it
    first = train_payload(payload)
    np.random.seed(2)
    second = train_payload(payload)
    assert first["data"] == second["data"] and first["meta"] == second["meta"]


def test_lemmas_come_from_the_trained_pipeline_without_its_parser_and_entities():
    from spacy.tokens import Doc

    from qualcode import nlp
    from qualcode.samples import transcript_files

    if not nlp.has_trained():
        pytest.skip("no trained spaCy pipeline installed")
    lean = nlp.trained(None, True)
    assert not {"parser", "ner"} & set(lean.pipe_names)
    # The same lemmas as the whole pipeline gives, tagged in the same chunks.
    texts = [f.read_text(encoding="utf-8") for f in transcript_files("rln")]
    forms = sorted({t.lower_ for d in nlp.blank().tokenizer.pipe(texts) for t in d if t.is_alpha})
    full = nlp.trained()

    def lemmas(pipeline) -> list[str]:
        out = []
        for i in range(0, len(forms), 400):
            doc = Doc(pipeline.vocab, words=forms[i : i + 400])
            for name, step in pipeline.pipeline:
                if name in ("tok2vec", "tagger", "attribute_ruler", "lemmatizer"):
                    doc = step(doc)
            out += [t.lemma_ for t in doc]
        return out

    assert len(forms) > 1000 and lemmas(lean) == lemmas(full)


def test_suggesting_with_a_trained_model_loads_no_scikit_learn(project_url, run_cli, tmp_path):
    # scikit-learn trains the model; scoring with it needs only numpy and scipy's sparse matrices.
    build_study(project_url, "rln").close()
    assert run_cli("suggest", "--db", project_url).exit_code == 0  # trains v1
    shown, modules = loaded_modules(["suggest", "--db", project_url, "--no-train"], tmp_path, timeout=300)
    assert "model v1 + keywords" in shown
    assert sorted(m for m in modules if m == "sklearn" or m.startswith("sklearn.")) == []


def test_tfidf_scores_are_scikit_learns_to_the_last_bit():
    import random

    from qualcode.suggest import linear

    rng = random.Random(0)
    words = [f"w{i}" for i in range(300)] + ["the", "and", "it", "café"]
    texts = [[rng.choice(words) for _ in range(rng.randint(0, 60))] for _ in range(400)]
    labels = [{"a": float(rng.random() < 0.3), "b": float(rng.random() < 0.2)} for _ in texts]
    model = linear.LinearModel.from_bytes(linear.fit(texts, labels, ["a", "b"]).to_bytes())
    new = [[rng.choice([*words, "unseen", "two words", ""]) for _ in range(rng.randint(0, 80))] for _ in range(300)]
    new += [[], ["the"], ["unseen"], ["w1", "w1", "w1"]]
    vectorizer = linear._vectorizer(model.columns)
    vectorizer.fit([""])
    vectorizer.idf_ = model.idf
    x = vectorizer.transform([" ".join(w) for w in new])
    want = 1.0 / (1.0 + np.exp(-(np.asarray(x @ model.coef.T) + model.intercept)))
    assert np.array_equal(model.scores(new), want)


def test_counting_lemmas_from_arrays_scores_as_counting_the_words():
    from qualcode import nlp
    from qualcode.samples import transcript_files
    from qualcode.suggest import linear

    turns = [t for f in transcript_files("pess") for t in f.read_text(encoding="utf-8").split("\n\n")]
    turns += ["", "...", "  \n ", "Yes.", "yes yes YES, yes!"]
    docs, _ = nlp.tokens(turns)
    words = nlp.lemma_words(docs)
    labels = [{"a": float(i % 3 == 0), "b": float(i % 5 == 0)} for i in range(len(words))]
    model = linear.LinearModel.from_bytes(linear.fit(words, labels, ["a", "b"]).to_bytes())
    counted = nlp.lemma_counts(docs, model.columns)
    assert counted is not None
    assert np.array_equal(model.scores_of_counts(*counted), model.scores(words))
    # A lemma with white space in it is two words to the vectorizer: counted from the words then.
    doc = nlp.blank().make_doc("signed off")
    doc[0].lemma_ = "signed off"
    assert nlp.lemma_counts([doc], model.columns) is None


if __name__ == "__main__":  # write the expectations: python -m tests.test_suggest_speed [study ...]
    import tempfile

    from click.testing import CliRunner

    from qualcode.cli import cli

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), prog_name="qualcode", catch_exceptions=False)

    FIXTURES.mkdir(parents=True, exist_ok=True)
    from qualcode import nlp

    for name in sys.argv[1:] or STUDIES:
        nlp._LEMMAS.clear()  # each study as in a new process
        with tempfile.TemporaryDirectory() as d:
            rows = suggest_on_demo(str(Path(d) / f"{name}.db"), name, invoke)
        text = "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n]\n"  # a row a line
        (FIXTURES / f"{name}.json").write_text(text, encoding="utf-8")
        print(f"{name}: {len(rows)} suggestions", file=sys.stderr)
