"""Framework matrices: cases × themes, a written summary in each cell (The Networked School Leader, Tables 5.2, 8.1).

A matrix has rows — participants (``rows_by="participant"``, rows named by participant label) or
the values of one attribute (``rows_by="school"``, rows "School A", "School B"…) — and columns,
which are code ids (usually top-level themes). A cell holds the researcher's summary. What
supports a cell are the passages of the row's participants coded with the column's code or a code
below it (``retrieve`` filtered to the row and column).

The data file (YAML) a matrix is shipped in::

    name: RLN schools
    description: Key findings for each school.
    rows_by: school
    rows: [School A, School B]
    columns: [attitudes, formalisation]
    cells:
      School A:
        attitudes: >-
          The head sought the network out …
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qualcode.analysis.retrieval import Passage, Study, check_coders, retrieve
from qualcode.analysis.themes import Redactor, content_start, redactor, trim_quote
from qualcode.errors import QualcodeError
from qualcode.refi import MATRIX_SET_PREFIX, RefiProject, norm_guid, parse_definition
from qualcode.study import ExportData


@dataclass
class FrameworkMatrix:
    name: str
    rows_by: str  # "participant" or an attribute name
    rows: list[str]
    columns: list[str]  # code ids
    cells: dict[tuple[str, str], str] = field(default_factory=dict)
    description: str = ""

    def summary(self, row: str, column: str) -> str:
        return self.cells.get((row, column), "")


def matrix_from_dict(raw: object, where: str = "matrix") -> FrameworkMatrix:
    """Check a parsed data file's shape; every problem is one clear line."""
    if not isinstance(raw, Mapping):
        raise QualcodeError(f"{where}: a matrix is a mapping with name, rows_by, rows, columns and cells")
    name = str(raw.get("name") or "").strip()
    if not name:
        raise QualcodeError(f"{where}: the matrix needs a name")
    rows_by = str(raw.get("rows_by") or "participant").strip()
    names: dict[str, list[str]] = {}
    for label in ("rows", "columns"):
        items = raw.get(label)
        if not isinstance(items, list) or not items or not all(isinstance(x, str) and x.strip() for x in items):
            raise QualcodeError(f"{where}: {label} must be a non-empty list of names")
        names[label] = [x.strip() for x in items]
        if len(set(names[label])) != len(items):
            raise QualcodeError(f"{where}: {label} name something twice")
    rows, columns = names["rows"], names["columns"]
    cells_raw = raw.get("cells") or {}
    if not isinstance(cells_raw, Mapping):
        raise QualcodeError(f"{where}: cells must map each row to a mapping of column: summary")
    cells: dict[tuple[str, str], str] = {}
    for row, by_column in cells_raw.items():
        row = str(row).strip()
        if row not in rows:
            raise QualcodeError(f"{where}: cells name the row {row!r}, which is not in rows")
        if not isinstance(by_column, Mapping):
            raise QualcodeError(f"{where}: the cells of row {row!r} must map columns to summaries")
        for column, text in by_column.items():
            column = str(column).strip()
            if column not in columns:
                raise QualcodeError(f"{where}: row {row!r} has a cell in column {column!r}, which is not in columns")
            if text is None:
                continue
            if not isinstance(text, str):
                raise QualcodeError(f"{where}: the cell {row!r} × {column!r} must be text")
            if text.strip():
                cells[(row, column)] = text.strip()
    return FrameworkMatrix(name, rows_by, rows, columns, cells, str(raw.get("description") or "").strip())


def matrix_to_dict(matrix: FrameworkMatrix) -> dict[str, Any]:
    cells: dict[str, dict[str, str]] = {}
    for row in matrix.rows:
        filled = {c: matrix.cells[(row, c)] for c in matrix.columns if matrix.cells.get((row, c))}
        if filled:
            cells[row] = filled
    out: dict[str, Any] = {"name": matrix.name}
    if matrix.description:
        out["description"] = matrix.description
    out.update(rows_by=matrix.rows_by, rows=list(matrix.rows), columns=list(matrix.columns), cells=cells)
    return out


def load_matrix(path: str | Path) -> FrameworkMatrix:
    import yaml

    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise QualcodeError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise QualcodeError(f"{path}{line}: not valid YAML") from None
    return matrix_from_dict(raw, str(path))


def check_matrix(matrix: FrameworkMatrix, data: ExportData) -> list[str]:
    """What in the matrix the project does not have: unknown codes, attributes, rows without participants."""
    problems = []
    codes = {c.key for c in data.codes}
    problems += [f"column {c!r} is not a code in the codebook" for c in matrix.columns if c not in codes]
    if matrix.rows_by != "participant" and matrix.rows_by not in data.attribute_keys():
        problems.append(f"no participant has the attribute {matrix.rows_by!r}")
    else:
        members = row_members(matrix, data)
        problems += [f"row {r!r} matches no participant with a transcript" for r in matrix.rows if not members[r]]
    return problems


def row_members(matrix: FrameworkMatrix, data: ExportData) -> dict[str, set[int]]:
    """row -> ids of the participants (with a transcript) the row stands for."""
    people = {p.id: p for p in data.participants}
    wanted = {r.casefold(): r for r in matrix.rows}
    out: dict[str, set[int]] = {r: set() for r in matrix.rows}
    for t in data.transcripts:
        for pid in (t.participant_id, *t.speaker_people.values()):
            person = people.get(pid) if pid is not None else None
            if person is None:
                continue
            value = (
                person.label if matrix.rows_by == "participant" else str(person.attributes.get(matrix.rows_by) or "")
            )
            row = wanted.get(value.strip().casefold())
            if row is not None:
                out[row].add(person.id)
    return out


def cell_passages(
    matrix: FrameworkMatrix,
    data: ExportData,
    row: str,
    column: str,
    coders: Sequence[str] | None = None,
    study: Study | None = None,
    redact: list[tuple[str, str]] | None = None,
) -> list[Passage]:
    """The passages that support one cell: the row's participants, the column's code and codes below it."""
    if row not in matrix.rows or column not in matrix.columns:
        raise QualcodeError(f"the matrix {matrix.name!r} has no cell {row!r} × {column!r}")
    members = row_members(matrix, data)[row]
    return retrieve(data, column, participants=members, coders=coders, study=study, redact=redact).passages


def citation(passage: Passage, max_chars: int = 240) -> str:
    """What the cell editor inserts for a passage: the quote from its first content sentence,
    trimmed at sentence ends, and who said it."""
    skip = content_start(passage.text) or 0
    text, _ = trim_quote(passage.text[skip:], max_chars)
    return f"“{text}” ({passage.attribution})"


@dataclass(frozen=True)
class CellQuote:
    text: str
    attribution: str
    transcript: str
    position: int  # stored position of the segment (0-based); ``qualcode.segments`` numbers it for people
    trimmed: bool


@dataclass
class MatrixView:
    """A matrix ready to write: summaries, and optionally counts and quotes per cell."""

    matrix: FrameworkMatrix
    column_names: dict[str, str]
    row_sizes: dict[str, int]  # participants per row
    counts: dict[tuple[str, str], tuple[int, int]] | None = None  # (passages, participants)
    quotes: dict[tuple[str, str], list[CellQuote]] | None = None
    redacted: bool = False
    project: str = ""

    def notes(self) -> list[str]:
        out = [f"Rows: {self.matrix.rows_by}; columns: codes (each includes the codes below it)."]
        if self.counts is not None:
            out.append(
                "Count per cell: coded passages (participants) of the row coded with the column's code; "
                "interviewer turns are left out."
            )
        if self.quotes is not None:
            out.append(
                "Quotes: passages of the row coded with the column's code, preferring agreement between coders "
                "and a quotable length, one per participant first"
                + ("; names from the identifying data are blacked out." if self.redacted else ".")
            )
        return out


def build_matrix_view(
    matrix: FrameworkMatrix,
    data: ExportData,
    counts: bool = False,
    quotes: int = 0,
    coders: Sequence[str] | None = None,
    redact: list[tuple[str, str]] | None = None,
    max_chars: int = 240,
) -> MatrixView:
    """One retrieval per column (not per cell), then passages split by row: linear in the codings."""
    problems = check_matrix(matrix, data)
    if problems:
        raise QualcodeError(f"matrix {matrix.name!r}: " + problems[0])
    if quotes < 0:
        raise QualcodeError("--quotes must be 0 or more")
    check_coders(data, coders)
    study = Study(data)
    members = row_members(matrix, data)
    if redact:  # a summary may name someone too
        blackout = redactor(redact)
        matrix = replace(matrix, cells={k: blackout(v) for k, v in matrix.cells.items()})
    row_of = {pid: row for row, pids in members.items() for pid in pids}
    everyone = set(row_of)
    per_cell: dict[tuple[str, str], list[Passage]] = defaultdict(list)
    n_coders = max(1, len(coders or data.coders))
    if counts or quotes:
        for column in matrix.columns:
            # Unredacted here: a quote starts at its first content sentence, found before blacking out
            # ("[name]" is not a transcription note); the quotes are blacked out as they are chosen.
            found = retrieve(data, column, participants=everyone, coders=coders, study=study)
            for p in found.passages:
                row = row_of.get(p.participant_id) if p.participant_id is not None else None
                if row is not None:  # an interviewer's turn is none of the cases (as in theme tables)
                    per_cell[(row, column)].append(p)
    count_map = None
    if counts:
        count_map = {
            (r, c): (len(per_cell[(r, c)]), len({p.participant_id for p in per_cell[(r, c)]}))
            for r in matrix.rows
            for c in matrix.columns
        }
    quote_map = None
    if quotes:
        quote_map = {}
        for r in matrix.rows:
            for c in matrix.columns:
                quote_map[(r, c)] = _choose(per_cell[(r, c)], quotes, n_coders, max_chars, redactor(redact or []))
    return MatrixView(
        matrix,
        {c.key: c.name for c in data.codes if c.key in set(matrix.columns)},
        {r: len(m) for r, m in members.items()},
        count_map,
        quote_map,
        bool(redact),
        data.project_name,
    )


def _choose(passages: list[Passage], n: int, n_coders: int, max_chars: int, blackout: Redactor) -> list[CellQuote]:
    """Best first (agreed by more coders, of a quotable length), one per participant before a second."""
    candidates = []
    for p in passages:
        skip = content_start(p.text)
        if skip is None:
            continue  # only "Yes." or "[laughs]"
        text = p.text[skip:]
        length = len(" ".join(text.split()))
        fit = 1.0 if 60 <= length <= max_chars else (0.5 if length <= 3 * max_chars else 0.2)
        candidates.append((len(p.coders) / n_coders + fit, p, text))
    candidates.sort(key=lambda c: (-c[0], c[1].transcript, c[1].start))
    chosen: list[tuple[Passage, str]] = []
    taken: set[int] = set()
    seen: set[int | None] = set()  # participants quoted
    for strict in (True, False):
        for i, (_, p, text) in enumerate(candidates):
            if len(chosen) >= n:
                break
            if i in taken or (strict and p.participant_id in seen):
                continue
            taken.add(i)
            chosen.append((p, text))
            seen.add(p.participant_id)
    out = []
    for p, text in chosen:
        quote, trimmed = trim_quote(blackout(text), max_chars)
        out.append(CellQuote(quote, p.attribution, p.transcript, p.position, trimmed))
    return out


def matrices_from_refi(doc: RefiProject) -> list[FrameworkMatrix]:
    """The framework matrices ``add_matrices`` wrote into a REFI-QDA project (other sets are ignored).

    Columns come from the set's layout lines; each cell is the member note coded with the column's
    code whose name starts with "NAME: ROW × ".
    """
    key_of = {}
    for code, _, _ in doc.all_codes():
        key_of[norm_guid(code.guid)] = str(parse_definition(code.description).get("id") or "") or code.name
    notes = {norm_guid(n.guid): n for n in doc.notes}
    out = []
    for st in doc.sets:
        if not st.name.startswith(MATRIX_SET_PREFIX):
            continue
        name = st.name[len(MATRIX_SET_PREFIX) :]
        text, _, layout_block = st.description.rpartition("\n\n")
        layout = {}
        for line in layout_block.splitlines():
            label, sep, value = line.partition(": ")
            if sep:
                layout[label.strip()] = value
        if not {"Rows by", "Rows", "Columns"} <= set(layout):
            continue
        rows = [r for r in layout["Rows"].split("; ") if r]
        columns = [c for c in layout["Columns"].split("; ") if c]
        cells = {}
        for guid in st.notes:
            note = notes.get(norm_guid(guid))
            if note is None:
                continue
            column = next(
                (key_of.get(norm_guid(c.code)) for c in note.codings if key_of.get(norm_guid(c.code)) in columns), None
            )
            row = next(
                (r for r in sorted(rows, key=len, reverse=True) if note.name.startswith(f"{name}: {r} × ")), None
            )
            if row is not None and column is not None and note.text.strip():
                cells[(row, column)] = note.text.strip()
        out.append(FrameworkMatrix(name, layout["Rows by"], rows, columns, cells, text.strip()))
    return out
