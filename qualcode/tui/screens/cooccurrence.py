"""The co-occurrence screen: which codes are applied to the same segments, as a matrix.

Rows and columns are the codes with at least one segment (columns numbered like the rows, so
long names stay readable); a cell holds the segments coded with both codes, or their Jaccard
index (j). The diagonal holds the segments with the code. Enter on a cell lists the passages the
two codes share in the passages screen.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from qualcode.analysis.cooccurrence import Cooccurrence
from qualcode.tui.screens.analysis_base import UNION, AnalysisScreen, CoderChoice, PassagesRequest
from qualcode.tui.text import UserStatic, one_line

LABEL_WIDTH = 34  # the code column; the full name shows under the table
# Light to dark, one hue (blue): readable in every kind of colour blindness. The colours are the
# component classes cooccurrence--shade-0 … -5 in analysis_screen.tcss.
SHADES = 6


def shade(value: float, shades: list[Style]) -> Style:
    """A cell's style for ``value`` in 0..1 (0: no colour), from the light-to-dark ``shades``."""
    if value <= 0:
        return Style()
    step = min(len(shades) - 1, int(value * (len(shades) - 1) + 0.999))
    return shades[step]


class CooccurrenceScreen(AnalysisScreen):
    HELP_TITLE = "Co-occurrence"
    HELP_INTRO = (
        "Codes applied to the same segment. A cell counts the segments coded with both codes (the "
        "diagonal: segments with the code); j shows the Jaccard index instead (both ÷ either). "
        "Enter on a cell lists the passages the two codes share; Esc comes back here."
    )
    NAME = "cooccurrence"
    COMPONENT_CLASSES = AnalysisScreen.COMPONENT_CLASSES | {f"cooccurrence--shade-{i}" for i in range(SHADES)}
    BINDINGS = [
        Binding("j", "measure", "Counts/Jaccard", id="cooccurrence.measure", tooltip="Show counts or Jaccard"),
        Binding(
            "c", "coders", "Coders", id="cooccurrence.coders", tooltip="Every coder's codings (union) or one coder's"
        ),
        Binding(
            "r",
            "rollup",
            "Themes",
            id="cooccurrence.rollup",
            tooltip="Codes as applied, or top-level themes (sub-codes counted as their theme)",
        ),
        Binding(
            "enter",
            "open_cell",
            "Passages",
            id="cooccurrence.open",
            tooltip="List the passages the two codes of the cell share",
        ),
        *AnalysisScreen.BINDINGS,
    ]

    def __init__(self, project) -> None:
        super().__init__(project)
        self.coder: CoderChoice = UNION
        self.rollup = False
        self.jaccard = False
        self.result: Cooccurrence | None = None
        self.coders: list[str] = []

    def title_text(self) -> Text:
        return Text("Co-occurrence of codes", style="bold")

    def first_notes(self) -> Text:
        return Text("counting…", style="italic")

    def compose_body(self):
        yield DataTable(cursor_type="cell", id="cooccurrence-table")
        yield UserStatic(Text(""), id="cooccurrence-cell", classes="analysis-cell")

    def on_mount(self) -> None:
        self.table = self.query_one(DataTable)
        self.table.focus()
        self.reload()

    def reload(self) -> None:
        analysis, project = self.project, self.project
        coders = self.coder.coders
        rollup = self.rollup

        def fetch():
            return analysis.cooccurrence(coders=coders, rollup=rollup), [c.name for c in project.coders()]

        self.run_project(fetch, self._counted, description="counting co-occurrence", key="count", error=self.report)

    def _counted(self, value) -> None:
        self.result, self.coders = value
        self.draw()

    def draw(self) -> None:
        result = self.result
        if result is None:
            return
        cursor = self.table.cursor_coordinate
        self.table.clear(columns=True)
        codes = result.codes
        top = max((p.segments for p in result.pairs), default=0)
        shades = [self.get_component_rich_style(f"cooccurrence--shade-{i}", partial=True) for i in range(SHADES)]
        rows: list[tuple[str, list[Text]]] = []
        for i, row in enumerate(codes, 1):
            label = Text(f"{i:>3} ", style="dim", end="")
            label.append_text(one_line("  " * (0 if result.rollup else row.depth) + row.name))
            label.truncate(LABEL_WIDTH, overflow="ellipsis")
            cells: list[Text] = [label]
            for col in codes:
                if col.key == row.key:
                    value = Text(str(row.segments) if not self.jaccard else "·", style="dim", justify="right")
                elif self.jaccard:
                    j = result.jaccard(row.key, col.key)
                    value = Text(f"{j:.2f}" if j else "", style=shade(j, shades), justify="right")
                else:
                    n = result.count(row.key, col.key)
                    value = Text(str(n) if n else "", style=shade(n / top if top else 0, shades), justify="right")
                cells.append(value)
            rows.append((row.key, cells))
        # Each column as wide as its widest cell, given here: DataTable would otherwise widen its
        # columns only when it next falls idle, and a screen drawn before that cuts "13" to "1".
        self.table.add_column(Text("code"), key="code", width=LABEL_WIDTH + 4)
        for i in range(1, len(codes) + 1):
            width = max([len(str(i))] + [cells[i].cell_len for _, cells in rows])
            self.table.add_column(Text(str(i), justify="right"), key=str(i), width=width)
        self.table.fixed_columns = 1
        for key, cells in rows:
            self.table.add_row(*cells, key=key)
        if codes:
            self.table.move_cursor(row=min(cursor.row, len(codes) - 1), column=max(1, min(cursor.column, len(codes))))
        source = (
            f"{'top-level themes' if result.rollup else 'codes as applied'} · "
            f"{'Jaccard (both ÷ either)' if self.jaccard else 'segments coded with both'} · {result.source}"
        )
        notes = Text(source, style="dim")
        if not codes:
            notes = Text("No codings yet: nothing to count.", style="italic")
        self.query_one("#cooccurrence-notes", UserStatic).update(notes)
        self._describe_cell()

    def _pair(self) -> tuple[str, str] | None:
        if self.result is None or not self.result.codes:
            return None
        coordinate = self.table.cursor_coordinate
        if coordinate.column < 1 or coordinate.column > len(self.result.codes):
            return None
        return self.result.codes[coordinate.row].key, self.result.codes[coordinate.column - 1].key

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
        self._describe_cell()

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.action_open_cell()

    def _describe_cell(self) -> None:
        pair = self._pair()
        out = Text("")
        if pair is not None and self.result is not None:
            names = {c.key: c.name for c in self.result.codes}
            a, b = pair
            if a == b:
                n = self.result.count(a, a)
                out = Text.assemble(
                    one_line(names[a], "bold"),
                    f": {n} segment{'s' * (n != 1)} with the code",
                    (" · Enter lists its passages" if n else "", "dim"),
                )
            else:
                n = self.result.count(a, b)
                out = Text.assemble(
                    one_line(names[a], "bold"),
                    " and ",
                    one_line(names[b], "bold"),
                    f": {n} segment{'s' * (n != 1)} with both, Jaccard {self.result.jaccard(a, b):.2f}",
                    (" · Enter: both codes' passages" if n else "", "dim"),
                )
        self.query_one("#cooccurrence-cell", UserStatic).update(out)

    def action_measure(self) -> None:
        self.jaccard = not self.jaccard
        self.draw()

    def action_rollup(self) -> None:
        self.rollup = not self.rollup
        self.reload()

    def action_coders(self) -> None:
        def chosen(coders: CoderChoice) -> None:
            self.coder = coders
            self.reload()

        self.choose_coders(self.coders, chosen)

    def action_open_cell(self) -> None:
        pair = self._pair()
        if pair is None or self.result is None:
            return
        a, b = pair
        if a != b and not self.result.count(a, b):
            self.notify("These two codes share no segment.", markup=False)
            return
        names = {c.key: c.name for c in self.result.codes}
        analysis = self.project
        coders = self.coder.coders
        rollup = self.rollup
        if a == b:
            title = Text.assemble("Passages of ", one_line(names[a]))
            fetch = lambda: analysis.retrieve(a, subcodes=rollup, coders=coders, texts=False)  # noqa: E731
            root = a
        else:
            n = self.result.count(a, b)
            title = Text.assemble(
                "Passages of ",
                one_line(names[a]),
                " and of ",
                one_line(names[b]),
                f" in the {n} segment{'s' * (n != 1)} coded with both",
            )
            fetch = lambda: analysis.shared_passages(  # noqa: E731
                a, b, coders=coders, rollup=rollup, texts=False
            )
            root = None
        self.want_passages(PassagesRequest(fetch, root, title))
