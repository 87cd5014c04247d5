"""Framework matrices: rows (participants or the values of an attribute) × themes, a written
summary in each cell, as *The Networked School Leader* prints its Table 5.2.

The matrix screen shows the grid; Enter on a cell opens the cell editor, which shows beside the
summary the passages of the row's participants coded with the column's code, and inserts one as
a quote with its attribution (``qualcode.analysis.matrix.citation``). Saving is one event
(``set_cell``); u on the grid undoes it, U redoes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, TextArea
from textual.widgets.option_list import Option

from qualcode.analysis.matrix import FrameworkMatrix, citation
from qualcode.analysis.retrieval import Passage
from qualcode.tui.screens.analysis_base import AnalysisScreen
from qualcode.tui.screens.dialogs import ChoiceDialog, ConfirmDialog, TextPrompt
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserOptionList, UserStatic, one_line, plain, say
from qualcode.tui.widgets.fields import ProseArea
from qualcode.tui.widgets.keybar import KeyBar
from qualcode.tui.widgets.passages import PassageStyles, passage_heading

CELL_WIDTH = 30
CELL_LINES = 3


def excerpt(text: str, limit: int = 320) -> str:
    """The start of a long passage for the list (Ctrl+O quotes from the whole of it)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit) if " " in text[:limit] else limit] + " …"


def cell_excerpt(summary: str, console: Console, width: int = CELL_WIDTH, lines: int = CELL_LINES) -> Text:
    """A cell's summary as the grid shows it: wrapped to ``width``, at most ``lines`` lines, the
    last ending in "…" when the summary goes on (v reads the whole cell)."""
    if not summary.strip():
        return Text("—", style="dim")
    text = Text(" ".join(summary.split()), end="")
    wrapped = list(text.wrap(console, width))
    if len(wrapped) <= lines:
        return text
    kept = wrapped[:lines]
    for line in kept:
        line.rstrip()
    last = kept[-1]
    if last.cell_len > width - 1:
        last.truncate(width - 1)
    last.append("…")
    return Text("\n", end="").join(kept)


def is_cut(summary: str, console: Console, width: int = CELL_WIDTH, lines: int = CELL_LINES) -> bool:
    return len(Text(" ".join(summary.split())).wrap(console, width)) > lines


class CellReader(ModalScreen[None]):
    """A cell's whole summary, to read (the grid shows its first lines)."""

    DEFAULT_CSS = stylesheet(__file__, "cell_reader.tcss")
    BINDINGS = [Binding("escape,v,q", "close", "Close", id="cell_reader.close")]

    def __init__(self, title: Text, summary: str) -> None:
        super().__init__()
        self.heading, self.summary = title, summary

    def compose(self):
        with VerticalScroll(id="cell-reader-scroll"):
            yield UserStatic(self.heading, id="cell-reader-title")
            yield UserStatic(plain(self.summary) if self.summary.strip() else Text("not written yet", style="dim"))
            yield UserStatic(
                Text("Esc closes · ↑↓ scroll · Enter on the cell writes it", style="dim"), id="cell-reader-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#cell-reader-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)


class FrameworkScreen(AnalysisScreen):
    HELP_TITLE = "Framework matrix"
    HELP_INTRO = (
        "Rows are participants (or the values of an attribute, such as school); columns are codes, "
        "usually themes. Each cell holds your summary of what the row's participants said about the "
        "theme. Enter writes a cell beside its passages; every save is an event that u undoes."
    )
    NAME = "framework"
    BINDINGS = [
        Binding("enter", "edit", "Write", id="framework.edit", tooltip="Write the cell's summary beside its passages"),
        Binding(
            "v", "read", "Read", id="framework.read", tooltip="Read the whole cell (the grid shows its first lines)"
        ),
        Binding("m", "choose", "Matrices", id="framework.choose", tooltip="Open another matrix"),
        Binding(
            "n",
            "new",
            "New",
            id="framework.new",
            tooltip="A new matrix: rows by participant or an attribute, one column per top-level theme",
        ),
        Binding(
            "u", "undo", "Undo", id="framework.undo", tooltip="Undo your last change (a cell written, a matrix made)"
        ),
        Binding("U", "redo", "Redo", show=False, id="framework.redo", tooltip="Redo what you undid"),
        *AnalysisScreen.BINDINGS,
    ]

    def __init__(self, project, coder: str, name: str | None = None) -> None:
        super().__init__(project)
        self.coder = coder
        self.matrix_name = name
        self.matrix: FrameworkMatrix | None = None
        self.names: list[str] = []
        self.code_names: dict[str, str] = {}
        self.code_ids: dict[int, str] = {}

    def title_text(self) -> Text:
        return Text("Framework matrices", style="bold")

    def compose_body(self):
        yield DataTable(cursor_type="cell", zebra_stripes=True, id="framework-table")
        yield UserStatic(Text(""), id="framework-cell", classes="analysis-cell")

    def on_mount(self) -> None:
        self.table = self.query_one(DataTable)
        self.table.focus()
        self.reload()

    def reload(self, then=None) -> None:
        analysis, project, wanted = self.project, self.project, self.matrix_name

        def fetch():
            matrices = analysis.matrices()
            matrix = next((m for m in matrices if m.name == wanted), matrices[0] if matrices else None)
            return [m.name for m in matrices], matrix, project.codes()

        def loaded(value) -> None:
            self.names, self.matrix, codes = value
            self.code_names = {c.key: c.name for c in codes}
            self.code_ids = {c.id: c.name for c in codes}
            self.matrix_name = self.matrix.name if self.matrix else None
            self.draw()
            if then is not None:
                then()

        self.run_project(fetch, loaded, description="reading the matrix", key="matrix", error=self.report)

    def draw(self) -> None:
        table = self.table
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        matrix = self.matrix
        title = self.query_one("#framework-title", UserStatic)
        notes = self.query_one("#framework-notes", UserStatic)
        if matrix is None:
            title.update(Text("Framework matrices", style="bold"))
            notes.update(Text("No framework matrix yet: n makes one (rows by participant or an attribute × themes)."))
            self._describe()
            return
        title.update(Text.assemble(("Framework matrix ", "bold"), one_line(matrix.name, "bold")))
        more = f" · {len(self.names)} matrices (m)" if len(self.names) > 1 else ""
        notes.update(
            Text.assemble(
                (f"rows: {matrix.rows_by} · {len(matrix.rows)} rows × {len(matrix.columns)} themes{more} · ", "dim"),
                one_line(matrix.description or "", "italic"),
            )
        )
        table.add_column(Text(matrix.rows_by), key="row", width=16)
        for column in matrix.columns:
            table.add_column(one_line(self.code_names.get(column, column)), key=column, width=CELL_WIDTH)
        table.fixed_columns = 1
        for row in matrix.rows:
            table.add_row(
                one_line(row, "bold"),
                *[cell_excerpt(matrix.summary(row, column), self.app.console) for column in matrix.columns],
                key=row,
                height=CELL_LINES,
            )
        if matrix.rows and matrix.columns:
            table.move_cursor(
                row=min(cursor.row, len(matrix.rows) - 1), column=max(1, min(cursor.column, len(matrix.columns)))
            )
        self._describe()

    def cell(self) -> tuple[str, str] | None:
        matrix = self.matrix
        if matrix is None or not matrix.rows or not matrix.columns:
            return None
        c = self.table.cursor_coordinate
        if c.column < 1:
            return None
        return matrix.rows[min(c.row, len(matrix.rows) - 1)], matrix.columns[min(c.column - 1, len(matrix.columns) - 1)]

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
        self._describe()

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.action_edit()

    def _describe(self) -> None:
        cell = self.cell()
        out = Text("")
        if cell is not None and self.matrix is not None:
            row, column = cell
            summary = self.matrix.summary(row, column)
            out = Text.assemble(
                one_line(row, "bold"),
                " × ",
                one_line(self.code_names.get(column, column), "bold"),
                (" (cut in the grid: v reads it whole)", "dim") if is_cut(summary, self.app.console) else "",
                ": ",
                one_line(summary) if summary.strip() else Text("not written yet · Enter writes it", style="dim"),
            )
        self.query_one("#framework-cell", UserStatic).update(out)

    def action_edit(self) -> None:
        cell = self.cell()
        if cell is None or self.matrix is None:
            return
        row, column = cell
        matrix = self.matrix

        def saved(written: bool | None) -> None:
            if written:
                self.reload()

        self.app.push_screen(
            CellEditor(
                self.project,
                self.coder,
                matrix.name,
                row,
                column,
                self.code_names.get(column, column),
                matrix.summary(row, column),
            ),
            saved,
        )

    def action_read(self) -> None:
        cell = self.cell()
        if cell is None or self.matrix is None:
            return
        row, column = cell
        title = Text.assemble(
            one_line(self.matrix.name, "bold"),
            ": ",
            one_line(row, "bold"),
            " × ",
            one_line(self.code_names.get(column, column), "bold"),
        )
        self.app.push_screen(CellReader(title, self.matrix.summary(row, column)))

    def action_choose(self) -> None:
        if len(self.names) < 2:
            say(self.app, "This project has one framework matrix; n makes another.")
            return

        def chosen(name: str | None) -> None:
            if name is not None:
                self.matrix_name = name.removeprefix("m:")
                self.reload()

        self.app.push_screen(ChoiceDialog("Open which matrix?", [(f"m:{n}", one_line(n)) for n in self.names]), chosen)

    def action_undo(self) -> None:
        self._undo_redo("undo")

    def action_redo(self) -> None:
        self._undo_redo("redo")

    def _undo_redo(self, which: str) -> None:
        project, coder = self.project, self.coder

        def done(event) -> None:
            if event is None:
                say(self.app, f"Nothing to {which}.")
            else:
                from qualcode.event_words import SKIPPED, describe

                if event.kind in SKIPPED:  # the change's rows were gone: nothing was changed
                    say(self.app, describe(event, self.code_ids), severity="warning")
                else:
                    say(self.app, f"{'↶' if which == 'undo' else '↷'} {describe(event, self.code_ids)}")
            self.reload()

        self.run_project(lambda: getattr(project, which)(coder), done, description=which, error=self.report)

    def action_new(self) -> None:
        project, analysis, coder = self.project, self.project, self.coder

        def create(name: str, rows_by: str) -> None:
            def make():
                people = project.participants()
                if rows_by == "participant":
                    rows = sorted({p.label for p in people}, key=str.casefold)
                else:
                    values = {str(p.attributes.get(rows_by) or "").strip() for p in people}
                    rows = sorted((v for v in values if v), key=str.casefold)
                columns = [c.key for c in project.codes() if c.parent_key is None]
                analysis.create_matrix(name, rows_by, rows, columns, coder=coder)
                return name

            def made(made_name: str) -> None:
                self.matrix_name = made_name
                self.reload()

            self.run_project(make, made, description="making the matrix", error=self.report)

        def named(name: str | None) -> None:
            if name is None or not name.strip():
                return
            attributes = sorted({k for p in self._people for k in p.attributes}, key=str.casefold)
            choices = [("participant", Text("Participant (one row each)"))]
            choices += [(f"attr:{k}", Text.assemble("Each value of ", one_line(k))) for k in attributes]
            self.app.push_screen(
                ChoiceDialog("Rows by…", choices),
                lambda by: create(name.strip(), by.removeprefix("attr:")) if by else None,
            )

        def listed(people) -> None:
            self._people = people
            self.app.push_screen(TextPrompt("Name of the new matrix", placeholder="e.g. Key findings by school"), named)

        self.run_project(project.participants, listed, description="reading participants", error=self.report)


class CellEditor(AnalysisScreen):
    """One cell's summary beside its passages; Ctrl+O (or Enter on a passage) quotes one."""

    HELP_TITLE = "Writing a cell"
    HELP_INTRO = (
        "Write the summary on the left. The passages on the right are those of the row's participants "
        "coded with the column's code (or a code below it). Ctrl+O inserts the highlighted passage as a "
        "quote with who said it; Tab moves between the summary and the passages. Ctrl+S saves (u on "
        "the matrix undoes it); Esc leaves, asking first if something is not saved."
    )
    DEFAULT_CSS = stylesheet(__file__, "cell_editor.tcss")
    BINDINGS = [
        Binding(
            "ctrl+s", "save", "Save", priority=True, id="cell.save", tooltip="Save the summary (an event u undoes)"
        ),
        Binding(
            "ctrl+o",
            "quote",
            "Quote",
            priority=True,
            id="cell.quote",
            tooltip="Insert the highlighted passage as a quote with its attribution, at the cursor",
        ),
        Binding("escape", "back", "Back", id="cell.back", tooltip="Back to the matrix (asks if not saved)"),
        Binding("f1", "help", "Help", id="cell.help", tooltip="The keys of this screen"),
    ]

    def __init__(self, project, coder: str, matrix: str, row: str, column: str, column_name: str, summary: str) -> None:
        super().__init__(project)
        self.coder, self.matrix_name, self.row, self.column = coder, matrix, row, column
        self.column_name = column_name
        self.summary = summary
        self.passages: list[Passage] = []

    def compose(self):
        yield UserStatic(
            Text.assemble(
                one_line(self.matrix_name, "bold"),
                ": ",
                one_line(self.row, "bold"),
                " × ",
                one_line(self.column_name, "bold"),
            ),
            id="cell-title",
        )
        with Horizontal(id="cell-body"):
            with Vertical(id="cell-left"):
                area = ProseArea(self.summary, id="cell-text")
                area.border_title = "Summary"
                yield area
            with Vertical(id="cell-right"):
                yield UserStatic(Text("reading the passages…", style="italic"), id="cell-passages-title")
                yield UserOptionList(id="cell-passages")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        analysis, name, row, column = self.project, self.matrix_name, self.row, self.column
        self.run_project(
            lambda: analysis.cell_passages(name, row, column),
            self._listed,
            description="reading the passages",
            error=self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        self.query_one("#cell-passages-title", UserStatic).update(
            Text("The passages could not be read.", style="italic")
        )
        self.report(exc)

    def _listed(self, found) -> None:
        passages: Sequence[Passage] = getattr(found, "passages", found)
        self.passages = list(passages)
        options = self.query_one(UserOptionList)
        options.clear_options()
        styles = PassageStyles.of(self)
        for i, p in enumerate(self.passages):
            where = passage_heading(p, styles, gap="  ")
            options.add_option(Option(Text.assemble(where, "\n", one_line(excerpt(p.text))), id=str(i)))
        people = len({p.participant_id for p in self.passages})
        self.query_one("#cell-passages-title", UserStatic).update(
            Text(
                f"{len(self.passages)} passage{'s' * (len(self.passages) != 1)} from {people} participant"
                f"{'s' * (people != 1)} · Ctrl+O quotes the highlighted one"
                if self.passages
                else "No passage of these participants is coded with this code.",
                style="dim",
            )
        )
        if self.passages:
            options.highlighted = 0

    def on_option_list_option_selected(self, event) -> None:
        event.stop()
        self.action_quote()

    def action_quote(self) -> None:
        options = self.query_one(UserOptionList)
        if options.highlighted is None or not self.passages:
            say(self.app, "No passage to quote.")
            return
        quote = citation(self.passages[options.highlighted])
        area = self.query_one(TextArea)
        before = area.document.get_text_range((0, 0), area.cursor_location)
        sep = "" if not before or before.endswith((" ", "\n")) else " "
        area.insert(sep + quote)
        area.focus()

    @property
    def changed(self) -> bool:
        return self.query_one(TextArea).text != self.summary

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        analysis, coder, name, row, column = self.project, self.coder, self.matrix_name, self.row, self.column

        def saved(_) -> None:
            self.summary = text
            self.dismiss(True)

        self.run_project(
            lambda: analysis.set_cell(name, row, column, text, coder=coder),
            saved,
            description="saving the cell",
            error=self.report,
        )

    def action_back(self) -> None:
        if not self.changed:
            self.dismiss(False)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(False)

        self.app.push_screen(
            ConfirmDialog("Leave without saving?", "Your changes to this cell are not saved.", yes="Leave"), answered
        )
