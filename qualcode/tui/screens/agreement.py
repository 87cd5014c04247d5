"""The agreement screen: per-code agreement with another coder, worst first, and the way from a
code to its disagreements and from a disagreement to the segment (Enter, Enter).

It shows what the workbench computed off the UI thread (``AgreementView``); it never reads the
project itself. Code names and segment text are user text and go in as ``Text``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable
from textual.widgets.option_list import Option

from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserOptionList, UserStatic, excerpt, one_line

MEASURES = (("percent", "% agree"), ("cohen_kappa", "Cohen κ"), ("krippendorff_alpha", "Kripp. α"))
NAME_MIN = 12  # the code column never gets narrower than this; the numbers come first
SCROLLBAR = 2  # room kept for the table's vertical scrollbar, shown or not


@dataclass(frozen=True)
class CodeAgreement:
    key: str
    name: str
    depth: int
    values: dict[str, float | None]
    units: int


@dataclass(frozen=True)
class Difference:
    code_key: str
    transcript_id: int
    transcript: str
    segment_id: int
    position: int
    speaker: str | None
    text: str
    applied_by: tuple[str, ...]
    not_by: tuple[str, ...]


@dataclass(frozen=True)
class AgreementView:
    other: str
    header: str
    codes: list[CodeAgreement]  # worst first
    differences: list[Difference]


def _cell(measure: str, value: float | None, bands: dict[str, Style]) -> Text:
    """A measure's cell: kappa and alpha below 0.4 in the ``poor`` band's style, below 0.67 ``fair``, else ``good``."""
    if value is None:
        return Text("undef.", style="dim")
    if measure == "percent":
        return Text(f"{100 * value:.1f}%")
    band = "poor" if value < 0.4 else ("fair" if value < 0.67 else "good")
    return Text(f"{value:.2f}", style=bands[band])


class CodeTable(DataTable):
    """The per-code table; it lays its columns out again when its width changes."""

    def on_resize(self, event: events.Resize) -> None:
        screen = self.screen
        if isinstance(screen, AgreementScreen):
            screen.fill_table(self.size.width)


class AgreementScreen(ModalScreen[Difference | None]):
    """Per-code agreement; Enter lists the chosen code's disagreements; Enter again opens one."""

    DEFAULT_CSS = stylesheet(__file__, "agreement_screen.tcss")
    # Agreement bands and who applied a code, coloured in agreement_screen.tcss
    COMPONENT_CLASSES = {"agreement--poor", "agreement--fair", "agreement--good", "agreement--who"}
    BINDINGS = [
        Binding("escape", "back", "Back", id="agreement.back", tooltip="Back to the codes, or close"),
    ]

    def __init__(self, view: AgreementView) -> None:
        super().__init__()
        self.view = view
        self._code: str | None = None

    def compose(self):
        with Vertical():
            yield UserStatic(
                Text.assemble("Agreement with ", one_line(self.view.other), " — lowest first"), id="agreement-title"
            )
            yield UserStatic(Text(self.view.header), id="agreement-header")
            yield CodeTable(cursor_type="row", zebra_stripes=True, id="agreement-codes")
            yield UserStatic(Text(""), id="agreement-code")
            yield UserOptionList(id="agreement-differences")
            yield UserStatic(Text("Enter: list the disagreements of the code · Esc: close"), id="agreement-hint")

    def on_mount(self) -> None:
        self._width = 0
        self._counts: dict[str, int] = {}
        for d in self.view.differences:
            self._counts[d.code_key] = self._counts.get(d.code_key, 0) + 1
        self.query_one(DataTable).focus()

    def fill_table(self, width: int) -> None:
        """Lay the table out for ``width`` columns, every width given here: the numbers first,
        the code names in what is left, cut with "…" (the highlighted one is whole under the
        table). DataTable would widen auto-width columns only when it next falls idle, so a
        screen drawn before that showed long names and pushed the numbers off to the right."""
        if width <= 0 or width == self._width:
            return
        self._width = width
        table = self.query_one(DataTable)
        names = [one_line("  " * row.depth + row.name) for row in self.view.codes]
        bands = {b: self.get_component_rich_style(f"agreement--{b}", partial=True) for b in ("poor", "fair", "good")}
        numbers: list[tuple[str, list[Text]]] = [
            (label, [_cell(m, row.values.get(m), bands) for row in self.view.codes]) for m, label in MEASURES
        ]
        numbers.append(("units", [Text(str(row.units)) for row in self.view.codes]))
        numbers.append(("differ", [Text(str(self._counts.get(row.key, 0))) for row in self.view.codes]))
        widths = [max([len(label)] + [cell.cell_len for cell in cells]) for label, cells in numbers]
        padding = 2 * table.cell_padding
        room = width - SCROLLBAR - sum(widths) - padding * (len(widths) + 1)
        name_width = max(NAME_MIN, min(room, max((n.cell_len for n in names), default=NAME_MIN)))
        row_index = table.cursor_row
        table.clear(columns=True)
        table.add_column("code", key="code", width=name_width)
        for (label, _), column_width in zip(numbers, widths, strict=True):
            table.add_column(Text(label, justify="right"), key=label, width=column_width)
        table.fixed_columns = 1
        for i, row in enumerate(self.view.codes):
            name = names[i].copy()
            name.truncate(name_width, overflow="ellipsis")
            cells = [cells[i].copy() for _, cells in numbers]
            for cell in cells:
                cell.justify = "right"
            table.add_row(name, *cells, key=row.key)
        if self.view.codes:
            table.move_cursor(row=min(row_index, len(self.view.codes) - 1))
        self._show_code()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_code()

    def _show_code(self) -> None:
        """The highlighted code's whole name (cut in the table when the screen is narrow)."""
        table = self.query_one(DataTable)
        row = self.view.codes[table.cursor_row] if 0 <= table.cursor_row < len(self.view.codes) else None
        self.query_one("#agreement-code", UserStatic).update(one_line(row.name, "bold") if row else Text(""))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.show_differences(str(event.row_key.value))

    def show_differences(self, code_key: str) -> None:
        self._code = code_key
        found = [d for d in self.view.differences if d.code_key == code_key]
        options = self.query_one(UserOptionList)
        options.clear_options()
        name = next((c.name for c in self.view.codes if c.key == code_key), code_key)
        if not found:
            options.add_option(
                Option(Text.assemble("The coders agree on every segment for ", one_line(name)), disabled=True)
            )
        who = self.get_component_rich_style("agreement--who", partial=True)
        for index, d in enumerate(found):
            prompt = Text.assemble(
                one_line(d.transcript, "bold"),
                f" · segment {d.position + 1}",
                (" · " + d.speaker) if d.speaker else "",
                "\n",
                Text(f"applied by {', '.join(d.applied_by)}; not by {', '.join(d.not_by)}", style=who),
                "\n",
                one_line(excerpt(d.text, 300)),
            )
            options.add_option(Option(prompt, id=str(index)))
        self._found = found
        self.add_class("-differences")
        self.query_one("#agreement-hint", UserStatic).update(
            Text.assemble(
                "Disagreements on ",
                one_line(name),
                " · Enter: open the segment in compare mode · Esc: back to the codes",
            )
        )
        options.highlighted = 0 if found else None
        options.focus()

    def on_option_list_option_selected(self, event) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(self._found[int(event.option.id)])

    def action_back(self) -> None:
        if self._code is not None:
            self._code = None
            self.remove_class("-differences")
            self.query_one("#agreement-hint", UserStatic).update(
                Text("Enter: list the disagreements of the code · Esc: close")
            )
            self.query_one(DataTable).focus()
        else:
            self.dismiss(None)


def build_view(project, coder: str, other: str) -> AgreementView:
    """Compute the screen's data (runs off the UI thread, through the project only)."""
    from qualcode.agreement.report import build_report, header_lines

    data = project.reliability_data([coder, other])
    report = build_report(data, project.codebook_version(), order="worst")
    codes = [
        CodeAgreement(
            r.key,
            r.label,
            r.depth,
            {m: (r.results[m].value if m in r.results else None) for m, _ in MEASURES},
            r.n_units,
        )
        for r in report.by_code
    ]
    ids = {t.name: t.id for t in project.list_transcripts()}
    differences = [
        Difference(
            d.code_key,
            ids[d.transcript],
            d.transcript,
            d.segment_id,
            d.position,
            d.speaker,
            d.text,
            d.applied_by,
            d.not_by,
        )
        for d in project.disagreements([coder, other])
    ]
    header = " · ".join(line for line in header_lines(report)[:5])
    return AgreementView(other, header, codes, differences)
