"""The group comparison screen: two groups of participants (two values of an attribute), and per
code the share of each group who mention it, side by side, with the difference.

g chooses the groups, s sorts by the difference, Enter lists the code's passages from both
groups (grouped by the attribute).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from qualcode.analysis.compare import Comparison, ComparisonRow
from qualcode.tui.screens.analysis_base import UNION, AnalysisScreen, CoderChoice, PassageFilter, PassagesRequest
from qualcode.tui.screens.dialogs import ChoiceDialog
from qualcode.tui.text import UserStatic, one_line

BAR = 10  # cells of the share bars


def bar(share: float, colour: Style) -> Text:
    full = round(share * BAR)
    return Text.assemble((" " * full, Style(bgcolor=colour.color)), ("·" * (BAR - full), "dim"))


def difference_text(points: float, a: Style, b: Style) -> Text:
    """More in group a: in a's colour; more in b: in b's."""
    if abs(points) < 0.05:
        return Text("0", style="dim", justify="right")
    return Text(f"{points:+.0f} pts", style=a if points > 0 else b, justify="right")


class GroupComparisonScreen(AnalysisScreen):
    HELP_TITLE = "Compare groups"
    HELP_INTRO = (
        "Two groups of participants, each the participants with one value of an attribute (say role: "
        "Headteacher and Teacher). Per code, the share of each group's participants who mention it "
        "(or a code below it), and the difference in percentage points. Enter lists the code's "
        "passages from both groups."
    )
    NAME = "comparison"
    # Each group's colour (orange and blue: apart for every kind of colour blindness), in analysis_screen.tcss
    COMPONENT_CLASSES = AnalysisScreen.COMPONENT_CLASSES | {"comparison--a", "comparison--b"}
    BINDINGS = [
        Binding("g", "choose", "Groups", id="comparison.groups", tooltip="Choose the attribute and the two groups"),
        Binding(
            "s",
            "sort",
            "Sort",
            id="comparison.sort",
            tooltip="Codebook order, or the largest difference first",
        ),
        Binding(
            "c", "coders", "Coders", id="comparison.coders", tooltip="Every coder's codings (union) or one coder's"
        ),
        Binding("enter", "open_code", "Passages", id="comparison.open", tooltip="The code's passages from both groups"),
        *AnalysisScreen.BINDINGS,
    ]

    def __init__(self, project, attribute: str | None = None, values: tuple[str, str] | None = None) -> None:
        super().__init__(project)
        self.attribute = attribute
        self.values = values
        self.coder: CoderChoice = UNION
        self.by_difference = False
        self.result: Comparison | None = None
        self.attributes: dict[str, list[str]] = {}
        self.coders: list[str] = []

    def title_text(self) -> Text:
        return Text("Compare groups", style="bold")

    def first_notes(self) -> Text:
        return Text("reading the participants…", style="italic")

    def compose_body(self):
        yield DataTable(cursor_type="row", zebra_stripes=True, id="comparison-table")

    def on_mount(self) -> None:
        self.table = self.query_one(DataTable)
        self.table.focus()
        project = self.project

        def fetch() -> tuple[dict[str, list[str]], list[str]]:
            attributes: dict[str, list[str]] = {}
            for person in project.participants():
                for key, value in person.attributes.items():
                    value = str(value or "").strip()
                    if value and value not in attributes.setdefault(key, []):
                        attributes[key].append(value)
            return {k: sorted(v, key=str.casefold) for k, v in attributes.items()}, [c.name for c in project.coders()]

        self.run_project(fetch, self._listed, description="reading participants", error=self.report)

    def _listed(self, value) -> None:
        self.attributes, self.coders = value
        if self.attribute and self.values:
            self.compare()
        else:
            self.action_choose()

    def action_choose(self) -> None:
        usable = {k: v for k, v in self.attributes.items() if len(v) >= 2}
        if not usable:
            self.query_one("#comparison-notes", UserStatic).update(
                Text("No attribute has two values to compare (participants' attributes: role, school…).")
            )
            return

        def second(attribute: str, first_value: str, value: str | None) -> None:
            if value is not None:
                self.attribute, self.values = attribute, (first_value, value.removeprefix("v:"))
                self.compare()

        def first(attribute: str, value: str | None) -> None:
            if value is None:
                return
            value = value.removeprefix("v:")
            rest = [(f"v:{v}", one_line(v)) for v in usable[attribute] if v != value]
            self.app.push_screen(
                ChoiceDialog(Text.assemble("…compared with the participants whose ", one_line(attribute), " is"), rest),
                lambda v: second(attribute, value, v),
            )

        def attribute_chosen(key: str | None) -> None:
            if key is None:
                return
            key = key.removeprefix("attr:")
            values = [(f"v:{v}", one_line(v)) for v in usable[key]]
            self.app.push_screen(
                ChoiceDialog(Text.assemble("The participants whose ", one_line(key), " is…"), values),
                lambda v: first(key, v),
            )

        if len(usable) == 1:
            attribute_chosen(f"attr:{next(iter(usable))}")
        else:
            choices = [(f"attr:{k}", one_line(k)) for k in usable]
            self.app.push_screen(ChoiceDialog("Compare the participants by…", choices), attribute_chosen)

    def compare(self) -> None:
        if not self.attribute or not self.values:
            return
        analysis = self.project
        key, (a, b) = self.attribute, self.values
        coders = self.coder.coders
        self.run_project(
            lambda: analysis.compare_groups({key: (a,)}, {key: (b,)}, coders=coders),
            self._compared,
            description="comparing groups",
            key="compare",
            error=self.report,
        )

    def on_resize(self) -> None:
        self.draw()  # the columns follow the width

    def _compared(self, result: Comparison) -> None:
        self.result = result
        self.draw()

    def rows(self) -> list[ComparisonRow]:
        if self.result is None:
            return []
        rows = list(self.result.rows)
        if self.by_difference:
            rows.sort(key=lambda r: -abs(r.difference))
        return rows

    def draw(self) -> None:
        result = self.result
        if result is None:
            return
        table = self.table
        current = table.cursor_row
        table.clear(columns=True)
        a, b = result.a, result.b
        width = self.size.width or self.app.size.width
        bars = width >= 120  # the share bars need room the code names need more
        name_width = max(16, min(60, width - (80 if bars else 52)))
        headers = [
            ("code", Text("code")),
            ("a", Text.assemble(one_line(a.label), f" (n={a.n})")),
            ("a_bar", Text("")),
            ("b", Text.assemble(one_line(b.label), f" (n={b.n})")),
            ("b_bar", Text("")),
            ("difference", Text("difference", justify="right")),
        ]
        if not bars:
            del headers[4], headers[2]
        colour_a = self.get_component_rich_style("comparison--a", partial=True)
        colour_b = self.get_component_rich_style("comparison--b", partial=True)
        rows: list[tuple[str, list[Text]]] = []
        for row in self.rows():
            indent = 0 if self.by_difference else row.depth
            name = one_line("  " * indent + row.name)
            name.truncate(name_width, overflow="ellipsis")
            cells = [
                name,
                Text(f"{row.a_count} · {100 * row.a_share:.0f}%", justify="right"),
                bar(row.a_share, colour_a),
                Text(f"{row.b_count} · {100 * row.b_share:.0f}%", justify="right"),
                bar(row.b_share, colour_b),
                difference_text(row.difference, colour_a, colour_b),
            ]
            if not bars:
                del cells[4], cells[2]
            rows.append((row.key, cells))
        # Each column as wide as its widest cell, given here: DataTable would otherwise widen its
        # columns only when it next falls idle, and a screen drawn before that cuts the numbers.
        for i, (key, header) in enumerate(headers):
            width = name_width if i == 0 else max([header.cell_len] + [cells[i].cell_len for _, cells in rows])
            table.add_column(header, key=key, width=width)
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if result.rows:
            table.move_cursor(row=min(current, len(result.rows) - 1))
        title = Text.assemble(
            "Compare ",
            one_line(a.label, Style(bold=True) + colour_a),
            " with ",
            one_line(b.label, Style(bold=True) + colour_b),
            "  by ",
            one_line(self.attribute or ""),
        )
        self.query_one("#comparison-title", UserStatic).update(title)
        notes = Text(
            f"share of each group's participants who mention the code (sub-codes count for their parent) · "
            f"{'largest difference first' if self.by_difference else 'codebook order'} · {result.source}",
            style="dim",
        )
        self.query_one("#comparison-notes", UserStatic).update(notes)

    def action_sort(self) -> None:
        self.by_difference = not self.by_difference
        self.draw()

    def action_coders(self) -> None:
        def chosen(coders: CoderChoice) -> None:
            self.coder = coders
            self.compare()

        self.choose_coders(self.coders, chosen)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_code()

    def action_open_code(self) -> None:
        rows = self.rows()
        if not rows or not self.attribute or not self.values:
            return
        row = rows[min(self.table.cursor_row, len(rows) - 1)]
        analysis = self.project
        key = row.key
        title = Text.assemble("Passages of ", one_line(row.name), " from ", one_line(" and ".join(self.values)))
        self.want_passages(
            PassagesRequest(
                lambda: analysis.retrieve(key, subcodes=True, texts=False),
                key,
                title,
                PassageFilter(where={self.attribute: self.values}, coders=self.coder, group_by=self.attribute),
            )
        )
