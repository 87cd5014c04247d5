"""Reading back what the analysis writers write: CSV, JSON, XLSX, Word, Markdown and HTML."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pytest

from qualcode.analysis.compare import compare_groups
from qualcode.analysis.cooccurrence import cooccurrence
from qualcode.analysis.matrix import build_matrix_view, matrix_from_dict
from qualcode.analysis.retrieval import parse_where, retrieve
from qualcode.export import cooccur as eco
from qualcode.export import framework as efw
from qualcode.export import groups as egr
from qualcode.export import passages as eps
from qualcode.study import (
    ExportCode,
    ExportCoding,
    ExportData,
    ExportParticipant,
    ExportSegment,
    ExportTranscript,
)
from tests.sample_rows import sample_data


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _html_text(page: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(page)
    return "".join(parser.text), parser.tags


def _names(data):
    return {c.key: c.name for c in data.codes}


# ---------------------------------------------------------------------- code report


def test_code_report_json_is_the_documented_shape():
    data = sample_data("rln")
    r = retrieve(data, "prioritisation", where=parse_where(["role=Headteacher"]))
    doc = json.loads(eps.render_json(r))
    assert set(doc) == {"code", "passages"} and doc["code"] == "prioritisation"
    texts = {t.name: t.text for t in data.transcripts}
    assert len(doc["passages"]) == len(r.passages) > 0
    for p in doc["passages"]:
        assert {"transcript", "segment", "start", "end", "text", "participant", "attributes", "coders", "code"} <= set(
            p
        )
        assert texts[p["transcript"]][p["start"] : p["end"]] == p["text"]
        assert p["segment"] >= 1 and p["attributes"]["role"] == "Headteacher"


def test_code_report_json_is_one_passage_a_line_with_names_as_written():
    data = sample_data("rln")
    r = retrieve(data, "prioritisation", context=1)
    shown = eps.render_json(r)
    lines = shown.splitlines()
    assert json.loads(shown) == json.loads(json.dumps(r.as_json()))  # the same content, valid JSON
    assert lines[0] == "{" and lines[1] == '  "code": "prioritisation",' and lines[-1] == "}"
    passages = lines[3:-2]
    assert lines[2] == '  "passages": [' and lines[-2] == "  ]"
    assert [json.loads(line.strip().rstrip(",")) for line in passages] == r.as_json()["passages"]
    assert "\\u" not in shown  # accents and quotes marks as they are, not escaped
    empty = retrieve(data, "prioritisation", where=parse_where(["role=Nobody"]))
    assert json.loads(eps.render_json(empty)) == {"code": "prioritisation", "passages": []}


def test_code_report_csv_reads_back_row_for_row():
    data = sample_data("rln")
    r = retrieve(data, "mobilisation", context=1)
    rows = list(csv.DictReader(io.StringIO(eps.render_csv(r))))
    assert len(rows) == len(r.passages)
    for row, p in zip(rows, r.passages):
        assert (row["code_id"], row["transcript"], int(row["segment"]), int(row["start"]), int(row["end"])) == (
            p.code,
            p.transcript,
            p.segment,
            p.start,
            p.end,
        )
        assert row["text"] == p.text and row["school"] == p.attributes["school"]
        assert row["before"].startswith(f"¶{p.segment - 1} ")


def test_code_report_docx_has_every_passage_under_its_group(tmp_path):
    import docx

    data = sample_data("rln")
    r = retrieve(data, "formalisation.selecting_participants", where=parse_where(["role=Headteacher"]))
    out = tmp_path / "report.docx"
    eps.write_docx(r, out, by="school", names=_names(data))
    paragraphs = [p for p in docx.Document(str(out)).paragraphs]
    headings = [p.text for p in paragraphs if p.style.name == "Heading 2"]
    assert headings == [f"{s} ({n})" for s, n in _count_by(r.passages, "school")]
    quotes = [p.text for p in paragraphs if p.style.name == "Quote"]
    assert sorted(quotes) == sorted(f"“{p.text}”" for p in r.passages)
    assert sum(t.startswith("— Headteacher, School") for t in (p.text for p in paragraphs)) == len(r.passages)


def _count_by(passages, key):
    counts: dict[str, int] = {}
    for p in passages:
        counts[p.attributes[key]] = counts.get(p.attributes[key], 0) + 1
    return sorted(counts.items())


def test_code_report_markdown_and_html_escape_user_text_and_black_out_names():
    data = sample_data("rln")
    r = retrieve(data, "prioritisation", redact=[("Laura", "name")], context=1)
    md = eps.render_markdown(r, "participant", _names(data))
    assert "Laura" not in md and "\\[name\\]" in md and "\\[pause\\]" in md
    page = eps.render_html(r, "school", _names(data))
    text, tags = _html_text(page)
    assert "Laura" not in text and "[name]" in text and "[pause]" in text
    assert tags.count("blockquote") == len({(p.transcript, p.start, p.end) for p in r.passages})


# ---------------------------------------------------------------------- co-occurrence


def test_cooccurrence_csv_json_and_xlsx_agree(tmp_path):
    from openpyxl import load_workbook

    data = sample_data("rln")
    c = cooccurrence(data, rollup=True)
    rows = list(csv.DictReader(io.StringIO(eco.render_csv(c))))
    assert [(r["a"], r["b"], int(r["segments"]), float(r["jaccard"])) for r in rows] == [
        (p.a, p.b, p.segments, p.jaccard) for p in c.pairs
    ]
    doc = json.loads(eco.render_json(c))
    assert doc["unit"] == "segment" and len(doc["pairs"]) == len(c.pairs)
    out = tmp_path / "co.xlsx"
    eco.write_xlsx(c, out)
    wb = load_workbook(out)
    assert wb.sheetnames == ["Segments", "Jaccard", "Pairs", "Notes"]
    sheet = wb["Segments"]
    ids = [sheet.cell(1, j).value for j in range(3, sheet.max_column + 1)]
    assert ids == [x.name for x in c.codes]
    keys = [x.key for x in c.codes]
    for i, a in enumerate(keys, start=2):
        assert sheet.cell(i, 2).value == a
        for j, b in enumerate(keys, start=3):
            assert sheet.cell(i, j).value == c.count(a, b)
            assert sheet.cell(i, j).value == sheet.cell(j - 1, i + 1).value  # symmetric


def test_cooccurrence_heat_map_prints_every_number():
    data = sample_data("pess")
    c = cooccurrence(data, rollup=True)
    text, tags = _html_text(eco.render_html(c))
    assert tags.count("tr") == len(c.codes) + 1
    for p in c.pairs:
        assert f"{p.segments} segments, Jaccard {p.jaccard:.2f}" in eco.render_html(c)
    md = eco.render_markdown(c)
    assert md.count("\n| ") >= len(c.pairs) + len(c.codes)


# ---------------------------------------------------------------------- group comparison


def test_group_comparison_csv_and_xlsx_read_back(tmp_path):
    from openpyxl import load_workbook

    data = sample_data("rln")
    g = compare_groups(data, {"role": ("Headteacher",)}, {"role": ("Teacher",)})
    rows = list(csv.reader(io.StringIO(egr.render_csv(g))))
    assert rows[0][4] == "Headteacher participants (n=4)" and rows[0][6] == "Teacher participants (n=3)"
    assert [(r[0], int(r[4]), int(r[6]), float(r[8])) for r in rows[1:]] == [
        (x.key, x.a_count, x.b_count, x.difference) for x in g.rows
    ]
    out = tmp_path / "g.xlsx"
    egr.write_xlsx(g, out)
    ws = load_workbook(out)["Comparison"]
    assert [ws.cell(i, 7).value for i in range(2, ws.max_row + 1)] == [x.key for x in g.rows]
    assert [ws.cell(i, 3).value for i in range(2, ws.max_row + 1)] == [x.a_share for x in g.rows]
    doc = json.loads(egr.render_json(g))
    assert doc["groups"] == [{"label": "Headteacher", "participants": 4}, {"label": "Teacher", "participants": 3}]
    text, _ = _html_text(egr.render_html(g))
    assert "Headteacher" in text and "n=4" in text


# ---------------------------------------------------------------------- framework matrix


def _matrix():
    return matrix_from_dict(
        {
            "name": "Key findings",
            "rows_by": "school",
            "rows": ["School A", "School B"],
            "columns": ["attitudes", "prioritisation"],
            "cells": {
                "School A": {"attitudes": "=cmd|' /C calc'!A0 keen from the start.\n\nSecond paragraph."},
                "School B": {"prioritisation": "Cover was <b>found</b> for [both] teachers."},
            },
        }
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx"])
def test_matrix_reads_back_as_rows_by_themes(tmp_path, fmt):
    data = sample_data("rln")
    view = build_matrix_view(_matrix(), data, counts=True, quotes=1)
    if fmt == "csv":
        grid = list(csv.reader(io.StringIO(efw.render_csv(view))))
    elif fmt == "xlsx":
        from openpyxl import load_workbook

        efw.write_xlsx(view, tmp_path / "m.xlsx")
        ws = load_workbook(tmp_path / "m.xlsx")["Matrix"]
        grid = [[c.value or "" for c in row] for row in ws.iter_rows()]
    else:
        import docx

        efw.write_docx(view, tmp_path / "m.docx")
        table = docx.Document(str(tmp_path / "m.docx")).tables[0]
        grid = [[c.text for c in row.cells] for row in table.rows]
    assert grid[0] == ["School", "School leader attitudes", "Prioritisation"]
    assert [r[0].split("\n")[0] for r in grid[1:]] == ["School A", "School B"]
    a_att = grid[1][1]
    if fmt in ("csv", "xlsx"):
        assert a_att.startswith("'=cmd")  # a spreadsheet must not run it
    else:
        assert a_att.startswith("=cmd")
    assert "Second paragraph." in a_att
    passages, people = view.counts[("School A", "attitudes")]
    assert f"{passages} passages, {people} participant" in a_att
    assert "— Headteacher, School A (RLN)" in a_att
    assert grid[2][1].startswith("—")  # an empty cell
    assert "Cover was <b>found</b> for [both] teachers." in grid[2][2]


def test_matrix_html_and_markdown_escape_summaries():
    data = sample_data("rln")
    view = build_matrix_view(_matrix(), data)
    page = efw.render_html(view)
    assert "<b>found</b>" not in page and "&lt;b&gt;found&lt;/b&gt;" in page
    md = efw.render_markdown(view)
    assert "\\<b\\>found\\</b\\>" in md and "\\[both\\]" in md


def test_spreadsheet_cells_from_codes_and_labels_are_neutralised(tmp_path):
    from openpyxl import load_workbook

    data = ExportData(
        "p",
        codes=[ExportCode("=x", "=HYPERLINK(1)", None, 0), ExportCode("y", "+y", None, 0)],
        coders=["ann"],
        participants=[ExportParticipant(1, "@P1", {"role": "-Head"})],
        transcripts=[ExportTranscript(1, "t1", 1, "=SUM(A1) said the head.")],
        segments=[ExportSegment(1, 1, 0, None, 0, 23)],
        codings=[ExportCoding("ann", "=x", 1, 1, 0, 23), ExportCoding("ann", "y", 1, 1, 0, 8)],
    )
    rows = list(csv.reader(io.StringIO(eps.render_csv(retrieve(data, "=x")))))
    row = dict(zip(rows[0], rows[1]))
    assert row["code_id"] == "'=x" and row["participant"] == "'@P1" and row["text"] == "'=SUM(A1) said the head."
    c = cooccurrence(data)
    eco.write_xlsx(c, tmp_path / "c.xlsx")
    ws = load_workbook(tmp_path / "c.xlsx")["Pairs"]
    assert ws.cell(2, 1).value == "'=HYPERLINK(1)" and ws.cell(2, 2).value == "'+y"
