"""Work that must not grow with the project: the search index of one transcript, codings files.

Times are measured in benchmarks/ (bench_scaling.py); here, what each step reads and writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, text

from qualcode.ingest.transcripts import parse_file

from .conftest import POSTGRES


def _interview(path: Path, name: str, turns: int) -> Path:
    lines = [
        f"{'Interviewer' if i % 2 == 0 else 'Teacher'}: réunion {i} naïve café 日本語 übung{i} [laughs]"
        for i in range(turns)
    ]
    file = path / f"{name}.txt"
    file.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return file


@pytest.mark.skipif(bool(POSTGRES), reason="SQLite's FTS5 index (PostgreSQL indexes transcripts.text)")
def test_search_index_holds_each_segments_exact_text(project, tmp_path):
    info = project.transcripts.transcript(project.import_transcript(parse_file(_interview(tmp_path, "long", 400))).name)
    segments = project.segments(info.id)
    with project.store.read() as s:
        indexed = dict(s.execute(text("SELECT rowid, text FROM segment_fts")).all())
    for seg in segments:
        assert indexed[seg.id] == seg.text
    with project.store.tx() as s:  # the index holds exactly the words of the text it reads from
        s.execute(text("INSERT INTO segment_fts(segment_fts, rank) VALUES ('integrity-check', 1)"))
    hits = project.search("übung399")
    assert [h.segment_id for h in hits] == [segments[-1].id]


def test_codings_file_reads_only_the_codings_of_the_transcripts_it_names(project, tmp_path):
    other = project.transcripts.transcript(
        project.import_transcript(parse_file(_interview(tmp_path, "other", 40))).name
    )
    first = project.transcript("interview-01")
    for seg in project.segments(other.id):
        project.apply_code("bob", "formalisation", seg.id)
    file = tmp_path / "codings.csv"
    file.write_text(
        "coder,transcript,code,anchor,span,memo\n"
        "alice,interview-01,formalisation.plans,development plan straight away,segment,\n",
        encoding="utf-8",
    )
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(project.store.engine, "before_cursor_execute", remember)
    try:
        outcome = project.import_codings(file)
    finally:
        event.remove(project.store.engine, "before_cursor_execute", remember)
    assert outcome.added == 1
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM codings" in s]
    assert reads and all("transcript_id IN" in s for s in reads), reads
    # and it still sees what is already there in the transcripts it names
    assert project.import_codings(file).unchanged == 1
    assert {c.transcript_id for c in project.list_codings(coders=["alice"])} == {first.id}
