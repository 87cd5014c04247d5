"""One code's passages read without their words, then their words a page at a time.

The passages screen lists every passage of a code from ``retrieve(texts=False)`` and reads the
words of the rows it draws with ``passage_texts``; its text filter asks ``passages_containing``.
Put together, these must give exactly what ``retrieve`` gives with the words (checked on both demo
projects, every code) while the list itself reads no transcript's text.
"""

from __future__ import annotations

import json

import pytest

from qualcode.analysis.retrieval import text_filter

TEXTS = ["research", "the", "School", "zzz-not-there", "LAURA", "ß"]


def build_demo(url: str, study: str):
    """The demo project's steps (``qualcode.samples.build_demo``) for ``study`` at any location."""
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


@pytest.fixture(params=["rln", "pess"])
def demo(request, project_url):
    project = build_demo(project_url, request.param)
    yield project
    project.close()


def spans(passages) -> list[tuple]:
    return [(p.code, p.transcript_id, p.start, p.end) for p in passages]


def test_the_text_filter_folds_case_as_unicode_does():
    wanted = text_filter("STRASSE")
    assert wanted is not None and wanted("in der Straße") and not wanted("Strasbourg")
    assert text_filter("") is None


def test_passages_without_words_and_their_pages_give_what_retrieve_gives(demo):
    codes = [c.key for c in demo.codes()]
    assert any(demo.retrieve(code).passages for code in codes)
    for code in codes:
        whole = demo.retrieve(code, context=1)
        listed = demo.retrieve(code, texts=False)
        # the list: every passage, in the same order, with who/where/coders/memos but no words
        assert not listed.texts and spans(listed.passages) == spans(whole.passages), code
        assert all(p.text == "" and not p.before and not p.after for p in listed.passages)
        assert [p.memos for p in listed.passages] == [p.memos for p in whole.passages]
        assert [(p.participant, p.coders, p.speaker) for p in listed.passages] == [
            (p.participant, p.coders, p.speaker) for p in whole.passages
        ]
        # reading it read no transcript's text
        assert all(t.text == "" for t in demo.analysis.last_read().transcripts)
        # pages of any size, read in any order, give the passages with their words and turns
        for size in (3, 50):
            pages = [listed.passages[i : i + size] for i in range(0, len(listed.passages), size)]
            read = [demo.passage_texts(page, context=1) for page in reversed(pages)][::-1]
            assert [p for page in read for p in page] == whole.passages, (code, size)
        # names are blacked out in a page as in the whole read, and kept when asked
        kept = demo.passage_texts(listed.passages, context=1, redact=False)
        assert [p.text for p in kept] == [p.text for p in demo.retrieve(code, context=1, redact=False).passages]


def test_the_text_filter_over_pages_gives_what_retrieve_gives(demo, run_cli, project_url):
    for code in [c.key for c in demo.codes()]:
        listed = demo.retrieve(code, texts=False).passages
        shown = demo.retrieve(code).passages  # names blacked out
        for text in TEXTS:
            # as stored: retrieve's own text filter, and retrieve(texts=False) with it
            expected = spans(demo.retrieve(code, text=text, redact=False).passages)
            assert spans(demo.passages_containing(listed, text, redact=False)) == expected, (code, text)
            assert spans(demo.retrieve(code, text=text, texts=False).passages) == expected, (code, text)
            # as shown: a name blacked out finds nothing
            wanted = text_filter(text)
            assert spans(demo.passages_containing(listed, text)) == spans([p for p in shown if wanted(p.text)]), (
                code,
                text,
            )
    # and the command line's `retrieve --text` gives the same passages, in the same order
    code = max((c.key for c in demo.codes()), key=lambda k: len(demo.retrieve(k).passages))
    for text in ("the", "research"):
        result = run_cli("--db", project_url, "retrieve", code, "--text", text, "--keep-names", "--format", "json")
        assert result.exit_code == 0, result.output
        cli = [(p["transcript"], p["start"], p["end"], p["code"]) for p in json.loads(result.output)["passages"]]
        names = {t.id: t.name for t in demo.list_transcripts()}
        found = demo.passages_containing(demo.retrieve(code, texts=False).passages, text, redact=False)
        assert cli == [(names[p.transcript_id], p.start, p.end, p.code) for p in found]


def test_a_passage_whose_coding_is_gone_comes_back_as_given(demo):
    key = max((c.key for c in demo.codes()), key=lambda k: len(demo.retrieve(k, subcodes=False).passages))
    listed = demo.retrieve(key, subcodes=False, texts=False).passages
    gone = listed[0]
    for row in demo.list_codings(gone.transcript_id):
        if (row.code_key, row.start, row.end) == (key, gone.start, gone.end):
            demo.remove_coding(row.coder, row.id)
    page = demo.passage_texts(listed[:2], context=1)
    assert page[0] == gone
    assert len(page) == 2 and page[1].text
