"""Theme tables, quotes, codebook documents and codings: what a researcher pastes into a paper."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from qualcode.analysis import themes as th
from qualcode.errors import QualcodeError
from qualcode.export import render as rd
from qualcode.export.codebook_docs import code_counts, codebook_markdown
from qualcode.study import (
    ExportCode,
    ExportCoding,
    ExportData,
    ExportParticipant,
    ExportSegment,
    ExportTranscript,
)


def _data() -> ExportData:
    """Three participants, two coders, a two-level codebook."""
    codes = [
        ExportCode("form", "Formalisation", None, 0, keywords=("plan",)),
        ExportCode("form.plans", "Plans", "form", 1, keywords=("development plan",)),
        ExportCode("form.meet", "Meetings", "form", 1),
        ExportCode("time", "Time", None, 0),
    ]
    people = [
        ExportParticipant(1, "Headteacher N1", {"role": "Headteacher", "school": "School A", "network": "RLN"}),
        ExportParticipant(2, "Teacher N2", {"role": "Teacher", "school": "School B", "network": "RLN"}),
        ExportParticipant(3, "Headteacher N3", {"role": "Headteacher", "school": "School C", "network": "Pess"}),
    ]
    texts = {
        1: "We put it in the development plan. It was in performance management too. We met every week.",
        2: "We reported back at the staff meeting. [laughs] Nobody listened.",
        3: "The plan came first. Then the meetings.",
    }
    transcripts = [ExportTranscript(i, f"t{i}", i, texts[i]) for i in (1, 2, 3)]
    segments = [
        ExportSegment(11, 1, 0, "Headteacher", 0, 72),
        ExportSegment(12, 1, 1, "Headteacher", 73, 90),
        ExportSegment(21, 2, 0, "Teacher", 0, 62),
        ExportSegment(31, 3, 0, "Headteacher", 0, 39),
    ]
    c = ExportCoding
    codings = [
        c("alice", "form.plans", 1, 11, 0, 72),
        c("bob", "form.plans", 1, 11, 0, 34),
        c("alice", "form.meet", 1, 12, 73, 90),
        c("alice", "form.meet", 2, 21, 0, 62),
        c("bob", "time", 2, 21, 0, 62),
        c("bob", "form.plans", 3, 31, 0, 20),
        c("bob", "form.meet", 3, 31, 21, 39),
    ]
    return ExportData(
        "study",
        "Tiny",
        codes=codes,
        coders=["alice", "bob"],
        participants=people,
        transcripts=transcripts,
        segments=segments,
        codings=codings,
    )


def _table(data, by=("role",), count="segments", coders=None, agreed=False, **kw):
    source = th.resolve_source(data, coders, agreed)
    return th.build_table(data, th.select_units(data, source), by, count, source=source.describe(), **kw)


def _row(table, key):
    return next(r for r in table.rows if r.key == key)


def test_parents_roll_up_children_once_per_segment_and_say_so():
    table = _table(_data())
    assert [c.label for c in table.columns] == ["Headteacher", "Teacher"]
    assert [c.n_participants for c in table.columns] == [2, 1]
    plans, meet, form = _row(table, "form.plans"), _row(table, "form.meet"), _row(table, "form")
    assert plans.cells == (2, 0) and meet.cells == (2, 1)
    # segment 31 carries both sub-codes but counts once for the parent
    assert form.cells == (3, 1) and form.total == 4 and form.rolls_up == 2
    assert plans.rolls_up == 0
    assert table.any_code.total == 4
    assert any("sub-codes" in n for n in table.notes())


def test_count_participants_and_two_attributes():
    table = _table(_data(), by=("role", "network"), count="participants")
    assert [c.label for c in table.columns] == ["Headteacher / Pess", "Headteacher / RLN", "Teacher / RLN"]
    assert _row(table, "form").cells == (1, 1, 1)
    assert _row(table, "time").cells == (0, 0, 1)
    assert _row(table, "form").total == 3


def test_columns_are_participants_by_default():
    table = _table(_data(), by=())
    assert [c.label for c in table.columns] == ["Headteacher N1", "Headteacher N3", "Teacher N2"]


def test_sources_one_coder_union_and_agreed():
    data = _data()
    assert _row(_table(data, coders=["alice"]), "form.plans").total == 1
    assert _row(_table(data, coders=["bob"]), "form.plans").total == 2
    assert _row(_table(data), "form.plans").total == 2
    agreed = _table(data, coders=["alice", "bob"], agreed=True)
    # only segment 11 carries the same code from both coders
    assert _row(agreed, "form.plans").total == 1
    assert _row(agreed, "form.meet").total == 0 and _row(agreed, "time").total == 0
    assert agreed.any_code.total == 1
    with pytest.raises(QualcodeError, match="exactly two"):
        th.resolve_source(data, ["alice"], True)
    with pytest.raises(QualcodeError, match="unknown coder 'carol'"):
        th.resolve_source(data, ["carol"], False)


def test_depth_and_subtree_keep_roll_up():
    data = _data()
    table = _table(data, codes=th.code_subset(data.codes, None, 0))
    assert [r.key for r in table.rows] == ["form", "time"]
    assert _row(table, "form").total == 4
    table = _table(data, codes=th.code_subset(data.codes, "form", None))
    assert [(r.key, r.depth) for r in table.rows] == [("form", 0), ("form.plans", 1), ("form.meet", 1)]
    assert table.any_code.total == 4
    with pytest.raises(QualcodeError, match="unknown code"):
        th.code_subset(data.codes, "nope", None)


def test_unknown_attribute_is_one_clear_error():
    with pytest.raises(QualcodeError, match="no participant has the attribute 'nope'"):
        _table(_data(), by=("nope",))


def test_attribution_like_the_write_ups():
    p = ExportParticipant(1, "Headteacher N248", {"role": "Headteacher", "school": "School C", "network": "RLN"})
    assert th.attribution(p) == "Headteacher, School C (RLN)"
    assert th.attribution(p, "label") == "Headteacher N248"
    assert th.attribution(ExportParticipant(2, "Teacher N7", {})) == "Teacher N7"
    assert th.attribution(ExportParticipant(3, "P3", {"school": "School D"})) == "P3, School D"


def test_quotes_are_trimmed_at_sentence_ends():
    text = "First sentence is here. Second one follows! Third is a question? Fourth ends it."
    trimmed, cut = th.trim_quote(text, 50)
    assert cut and trimmed == "First sentence is here. Second one follows! […]"
    assert th.trim_quote("Short.", 50) == ("Short.", False)
    long_word_run = "word " * 40
    trimmed, cut = th.trim_quote(long_word_run, 30)
    assert cut and trimmed.endswith(" […]") and len(trimmed) <= 36 and "wor […]" not in trimmed


def test_quotes_prefer_different_participants_and_attribute_them():
    data = _data()
    source = th.resolve_source(data, None, False)
    units = th.select_units(data, source)
    view = th.build_quotes(data, units, 2, by=("role",), source=source)
    meet = next(s for s in view.sections if s.key == "form.meet")
    assert len(meet.quotes) == 2
    assert len({q.participant for q in meet.quotes}) == 2
    assert {q.attribution for q in meet.quotes} <= {
        "Headteacher, School A (RLN)",
        "Teacher, School B (RLN)",
        "Headteacher, School C (Pess)",
    }
    plans = next(s for s in view.sections if s.key == "form.plans")
    # agreed on by both coders and using the keyword: first
    assert plans.quotes[0].transcript == "t1" and plans.quotes[0].coders == ("alice", "bob")


def test_markdown_keeps_brackets_literal_and_escapes_pipes():
    data = _data()
    data.codes[2] = ExportCode("form.meet", "Meetings | reporting [back]", "form", 1)
    table = _table(data)
    units = th.select_units(data, th.resolve_source(data, None, False))
    view = th.build_quotes(data, units, 3)
    md = rd.render_markdown(rd.ThemeReport(table, view))
    assert "Meetings \\| reporting \\[back\\]" in md
    assert "\\[laughs\\]" in md
    assert md.count("\n| ") >= len(table.rows) + 1


def test_html_escapes_user_text():
    data = _data()
    data.codes[0] = ExportCode("form", "<script>alert(1)</script>", None, 0)
    data.participants[1] = ExportParticipant(2, "T <b>2</b>", {"role": "<img src=x onerror=alert(1)>"})
    report = rd.ThemeReport(
        _table(data), th.build_quotes(data, th.select_units(data, th.resolve_source(data, None, False)), 2)
    )
    page = rd.render_html(report)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert page.count("<svg") == 1 and "@media print" in page


def test_spreadsheet_cells_that_start_a_formula_are_neutralised(tmp_path):
    from openpyxl import load_workbook

    data = _data()
    data.codes[3] = ExportCode("time", '=HYPERLINK("http://evil","x")', None, 0)
    data.participants[1] = ExportParticipant(2, "@SUM(A1)", {"role": "+Teacher", "school": "-1", "network": "RLN"})
    data.transcripts[1] = ExportTranscript(2, "t2", 2, "=1+2 said the teacher. Nobody listened to it at all then.")
    for value in ("=x", "+x", "-x", "@x", "\tx", " =x"):
        assert rd.safe_cell(value).startswith("'")
    assert rd.safe_cell("plain") == "plain" and rd.safe_cell(-3) == -3
    source = th.resolve_source(data, None, False)
    units = th.select_units(data, source)
    report = rd.ThemeReport(_table(data), th.build_quotes(data, units, 3, source=source))
    rows = list(csv.reader(io.StringIO(rd.table_csv(report.table))))
    assert any(r[1] == '\'=HYPERLINK("http://evil","x")' for r in rows)
    assert "'+Teacher (n=1)" in rows[0]
    quotes = list(csv.reader(io.StringIO(rd.quotes_csv(report.quotes))))
    assert any(r[3].startswith("'=1+2") for r in quotes)
    path = tmp_path / "t.xlsx"
    rd.write_xlsx(report, path)
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    pytest.fail(f"{ws.title}!{cell.coordinate} starts with {cell.value[:1]!r}")


# ---------------------------------------------------------------------- the demo project, through the CLI


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from qualcode.samples import build_demo

    return str(build_demo(tmp_path_factory.mktemp("demo")).path)


def test_themes_xlsx_on_the_demo(demo_db, run_cli, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "themes.xlsx"
    result = run_cli("export", "themes", "--db", demo_db, "--by", "role", "-o", out)
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["Themes", "Quotes", "Notes"]
    ws = wb["Themes"]
    assert ws.freeze_panes == "B2"
    header = [c.value for c in ws[1]]
    assert header[0] == "Code" and header[-2:] == ["Total", "Code id"]
    assert [h.split(" (n=")[0] for h in header[1:-2]] == ["Deputy head", "Headteacher", "Teacher"]
    names = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert names[0] == "School leader attitudes" and names[-1] == "Any code"
    first_child = ws.cell(3, 1)
    assert first_child.alignment.indent == 2 and ws.row_dimensions[3].outline_level == 1
    assert ws.cell(2, 1).font.b and not first_child.font.b
    assert ws.column_dimensions["A"].width > 30
    for r in range(2, ws.max_row + 1):  # each row's total is at most the sum of its cells
        cells = [ws.cell(r, c).value for c in range(2, len(header) - 1)]
        assert all(isinstance(v, int) for v in cells)
        assert max(cells) <= ws.cell(r, len(header) - 1).value <= sum(cells)
    quotes = wb["Quotes"]
    assert quotes.freeze_panes == "B2" and quotes.max_row > 10
    attribution = quotes.cell(2, 3).value
    assert attribution.endswith("(RLN)") and ", School " in attribution


def test_themes_docx_on_the_demo(demo_db, run_cli, tmp_path):
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    out = tmp_path / "themes.docx"
    result = run_cli("export", "themes", "--db", demo_db, "--by", "role", "-o", out)
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (" in result.stderr
    doc = docx.Document(str(out))
    assert doc.paragraphs[0].text.startswith("Themes — ")
    (table,) = doc.tables
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0][0] == "Code" and rows[0][-1] == "Total"
    assert [h.split(" (n=")[0] for h in rows[0][1:-1]] == ["Deputy head", "Headteacher", "Teacher"]
    assert rows[-1][0] == "Any code"
    # the same counts as the CSV, row by row, in the same order
    result = run_cli("export", "themes", "--db", demo_db, "--by", "role", "--format", "csv")
    csv_rows = list(csv.reader(io.StringIO(result.stdout)))
    assert [h.replace("total", "Total") for h in csv_rows[0][4:]] == rows[0][1:]
    body = [[r[1].strip(), *r[4:]] for r in csv_rows[1:] if r[0]]
    assert [r for r in rows[1:-1]] == body
    # sub-codes indented under their parent, counts right-aligned
    child = table.rows[2].cells
    assert child[0].paragraphs[0].paragraph_format.left_indent > 0
    assert table.rows[1].cells[0].paragraphs[0].paragraph_format.left_indent is None
    assert all(c.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT for c in child[1:])
    texts = [p.text for p in doc.paragraphs]
    assert "n = participants in the group. Totals count each segment once." in texts
    assert "Quotes" in texts
    # a quote with its attribution, transcript and segment, as the Markdown has it
    result = run_cli("export", "themes", "--db", demo_db, "--by", "role", "--format", "json", "--quotes", "3")
    quote = next(q for c in json.loads(result.stdout)["quotes"]["codes"] for q in c["quotes"])
    quoted = [p for p in doc.paragraphs if p.style.name == "Quote"]
    assert len(quoted) > 10
    first = next(p for p in quoted if quote["text"] in p.text)
    assert f"— {quote['attribution']}" in first.text and quote["transcript"] in first.text
    assert any(run.bold and quote["attribution"] in run.text for run in first.runs)
    # nothing an interviewer said is quoted, even where the interviewer's turns are coded
    import shutil

    from qualcode.project import Project

    db = str(tmp_path / "asked.db")
    shutil.copy(demo_db, db)
    coded = run_cli(
        "autocode", "attitudes.moral_purpose", "--match", "could you", "--include-interviewer", "--coder", "alice",
        "--db", db,
    )  # fmt: skip
    assert coded.exit_code == 0, coded.output
    with Project.open(db) as project:
        data = project.export_data(texts=True, memos=False, details=False)
    text = {t.id: t.text for t in data.transcripts}
    asked = {s.id: text[s.transcript_id][s.start : s.end] for s in data.segments if s.interviewer}
    assert any(c[3] in asked for c in data.codings)
    out = tmp_path / "asked.docx"
    args = ("--codes", "attitudes.moral_purpose", "--quotes", "50", "--quote-chars", "2000", "-o", out)
    assert run_cli("export", "themes", "--db", db, *args).exit_code == 0
    quoted = [p.text for p in docx.Document(str(out)).paragraphs if p.style.name == "Quote"]
    assert quoted
    for question in (q.split(":", 1)[-1].strip()[:40] for q in asked.values() if "could you" in q.lower()):
        assert not any(question in p for p in quoted)
    assert run_cli("export", "themes", "--db", demo_db, "--format", "docx").exit_code == 1


def test_themes_html_and_text_formats_on_the_demo(demo_db, run_cli, tmp_path):
    out = tmp_path / "themes.html"
    result = run_cli("export", "themes", "--db", demo_db, "--by", "role", "-o", out)
    assert result.exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Headteacher" in page and "<blockquote>" in page
    assert "http" not in page.replace("http://www.w3.org/2000/svg", "")  # self-contained: nothing fetched
    result = run_cli("export", "themes", "--db", demo_db, "--by", "role", "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["table"]["by"] == ["role"] and doc["table"]["rows"][0]["includes_subcodes"] == 4
    result = run_cli("export", "themes", "--db", demo_db, "--by", "phase", "--count", "participants", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert [h.split(" (n=")[0] for h in rows[0][4:]] == ["Primary", "Secondary", "total"]
    result = run_cli(
        "export", "themes", "--db", demo_db, "--coders", "alice,bob", "--agreed", "--quotes", "1", "--depth", "0"
    )
    assert "both alice and bob" in result.stdout and "> “" in result.stdout
    out = tmp_path / "t.csv"
    result = run_cli("export", "themes", "--db", demo_db, "--quotes", "2", "-o", out)
    assert result.exit_code == 0 and (tmp_path / "t.quotes.csv").exists()


def test_themes_user_errors_are_one_line(demo_db, run_cli):
    for args, message in [
        (("--by", "nope"), "no participant has the attribute 'nope'"),
        (("--coders", "carol"), "unknown coder 'carol'"),
        (("--agreed",), "exactly two coders"),
        (("--format", "xlsx"), "XLSX is a file format"),
        (("--by", "role", "--by", "school", "--by", "network"), "one or two attributes"),
    ]:
        result = run_cli("export", "themes", "--db", demo_db, *args)
        assert result.exit_code == 1, args
        assert result.stderr.strip().startswith("error: ") and message in result.stderr
        assert "Traceback" not in result.output


def test_codebook_documents(demo_db, run_cli, tmp_path):
    result = run_cli("export", "codebook", "--db", demo_db, "--format", "md")
    md = result.stdout
    assert md.startswith("# Codebook: RLN interviews (England)")
    assert "## 1 School leader attitudes" in md and "### 1.1 External focus" in md
    assert "**Include:**" in md and "**Exclude:**" in md and "**Example:**" in md
    assert re.search(r"\*\*Coded:\*\* \d+ segments \(with its sub-codes\), from \d+ of \d+ participants", md)
    out = tmp_path / "book.yaml"
    assert run_cli("export", "codebook", "--db", demo_db, "-o", out).exit_code == 0
    from qualcode.codebook import load_codebook

    assert len(load_codebook(out).by_id()) == 38
    out = tmp_path / "book.qdc"
    assert run_cli("export", "codebook", "--db", demo_db, "-o", out).exit_code == 0
    assert b"urn:QDA-XML:codebook:1.0" in out.read_bytes()


def test_codebook_appendix_as_word(demo_db, run_cli, tmp_path):
    import docx

    out = tmp_path / "appendix.docx"
    result = run_cli("export", "codebook", "--db", demo_db, "-o", out)
    assert result.exit_code == 0 and "wrote" in result.stderr
    paragraphs = [(p.style.name, p.text) for p in docx.Document(str(out)).paragraphs]
    assert paragraphs[0] == ("Heading 1", "Codebook: RLN interviews (England)")
    assert ("Heading 2", "1 School leader attitudes") in paragraphs
    assert ("Heading 3", "1.1 External focus") in paragraphs
    bullets = [text for style, text in paragraphs if style == "List Bullet"]
    assert "Id: attitudes.external_focus" in bullets
    md = run_cli("export", "codebook", "--db", demo_db, "--format", "md").stdout
    coded = re.search(r"\*\*Coded:\*\* (\d+ segments \(with its sub-codes\), from \d+ of \d+ participants)", md)
    assert coded and f"Coded: {coded.group(1)}" in bullets  # the same counts as the Markdown
    assert sum(text.startswith("Example: “") for text in bullets) > 5
    no_file = run_cli("export", "codebook", "--db", demo_db, "--format", "docx")
    assert no_file.exit_code == 1 and no_file.stderr.startswith("error: DOCX is a file format")


def test_codebook_counts_roll_up():
    data = _data()
    counts = code_counts(data, th.select_units(data, th.resolve_source(data, None, False)))
    assert counts["form"].segments == 4 and counts["form"].participants == 3
    md = codebook_markdown(data, counts, "everyone")
    assert "## 1 Formalisation" in md and "### 1.2 Meetings" in md and "## 2 Time" in md


def test_codings_csv_round_trips_through_import(demo_db, run_cli, tmp_path):
    from qualcode.codebook import load_codebook
    from qualcode.ingest.transcripts import parse_file
    from qualcode.project import Project
    from qualcode.samples import codebook_path, transcript_files

    out = tmp_path / "codings.csv"
    assert run_cli("export", "codings", "--db", demo_db, "-o", out).exit_code == 0
    with Project.create(str(tmp_path / "copy.db"), load_codebook(codebook_path("rln"))) as copy:
        for f in transcript_files("rln"):
            copy.import_transcript(parse_file(f))
        copy.import_codings(out, add_coders=True)
        theirs = sorted((c.coder, c.code_key, c.start, c.end) for c in copy.list_codings())
    with Project.open(demo_db) as demo:
        ours = sorted((c.coder, c.code_key, c.start, c.end) for c in demo.list_codings())
    assert ours == theirs and len(ours) > 100


def test_redactor_blacks_out_whole_words_longest_first():
    blackout = th.redactor(
        [
            ("Helen Achterberg", "name"),
            ("Helen", "name"),
            ("Calderbridge", "place"),
            ("Calderbridge Research School", "organisation"),
        ]
    )
    text = "Helen Achterberg and helen met at Calderbridge Research School in Calderbridge; Helena stayed."
    assert blackout(text) == "[name] and [name] met at [organisation] in [place]; Helena stayed."
    assert th.redactor([])("unchanged") == "unchanged"


def test_quotes_never_show_names_from_identifying_data(demo_db, run_cli):
    from qualcode.project import Project

    with Project.open(demo_db) as p:
        terms = [t for t, _ in p.identifying_terms()]
    assert "Helen Achterberg" in terms and "Helen" in terms
    result = run_cli("export", "themes", "--db", demo_db, "--quotes", "5", "--format", "json")
    quotes = [q["text"] for code in json.loads(result.stdout)["quotes"]["codes"] for q in code["quotes"]]
    assert quotes
    for text in quotes:
        for term in terms:
            assert not re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE), (term, text)
    kept = run_cli("export", "themes", "--db", demo_db, "--quotes", "5", "--format", "json", "--keep-names")
    assert any(term in kept.stdout for term in terms)
