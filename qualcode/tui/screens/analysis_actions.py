"""The workbench's way into the analysis screens, and back from a passage to them.

Mixed into the workbench screen beside ``CodebookActions``. Enter on a passage hides the analysis
screens over the workbench (kept alive, installed) and opens the passage in its transcript; Esc
in the workbench pushes them again, exactly as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import App
from textual.binding import Binding

from qualcode.analysis.retrieval import Passage
from qualcode.export.memos import place
from qualcode.segments import segment_label
from qualcode.tui.screens.codebook_actions import with_descendants
from qualcode.tui.text import one_line, say

if TYPE_CHECKING:
    from qualcode.project import Project
    from qualcode.records import CodeInfo, MemoEntry
    from qualcode.tui.widgets.codebook import CodebookTree
    from qualcode.tui.widgets.segments import SegmentView
    from qualcode.tui.widgets.status import StatusBar

ANALYSIS_BINDINGS = [
    Binding(
        "R",
        "retrieve",
        "Passages",
        show=False,
        id="workbench.retrieve",
        tooltip="Every passage of the highlighted code across the study: filter, group, open one in its transcript",
    ),
    Binding(
        "O",
        "cooccurrence",
        "Co-occurrence",
        show=False,
        id="workbench.cooccurrence",
        tooltip="Which codes are applied to the same segments (counts, Jaccard); Enter lists the shared passages",
    ),
    Binding(
        "C",
        "compare_groups",
        "Compare groups",
        show=False,
        id="workbench.compare_groups",
        tooltip="Two groups of participants (say Headteachers and Teachers): the share of each that mentions every code",
    ),
    Binding(
        "F",
        "framework",
        "Matrices",
        show=False,
        id="workbench.framework",
        tooltip="Framework matrices: a summary per row (participant or school) and theme, written beside the passages",
    ),
    Binding(
        "W",
        "memos",
        "Memos",
        show=False,
        id="workbench.memos",
        tooltip="Every memo in the project (segments, codings, codes, transcripts): search, Enter opens its place",
    ),
    Binding(
        "backspace",
        "back_to_analysis",
        "Back to passages",
        id="workbench.back_to_analysis",
        tooltip="After Enter on a passage: back to the analysis screen, where you were (Esc too)",
    ),
    # The same on Esc, left out of the help (its Esc is the panes'): a pane's own Esc (leave span
    # selection) comes first and stands aside when it has nothing to do.
    Binding("escape", "back_to_analysis", "", show=False, id="workbench.back_to_analysis_esc"),
]


def open_in_workbench(app, passage: Passage) -> None:
    """Leave the analysis screens for ``passage`` in its transcript (Esc there comes back)."""
    back_to_workbench(app).open_passage(passage)


def back_to_workbench(app):
    """Hide the analysis screens over the workbench, kept for Esc there, and return the workbench."""
    from qualcode.tui.screens.analysis_base import AnalysisScreen

    workbench = app.workbench
    trail = [s for s in app.screen_stack if isinstance(s, AnalysisScreen)]
    workbench.forget_analysis()
    for screen in trail:
        if not app.is_screen_installed(screen):
            app.install_screen(screen, name=f"analysis-{id(screen)}")
    while app.screen is not workbench:
        app.pop_screen()
    workbench.analysis_trail = trail
    return workbench


class AnalysisActions:
    """Workbench actions: passages of a code, co-occurrence, group comparison, framework matrices."""

    analysis_trail: list

    if TYPE_CHECKING:  # what the workbench screen, which this is mixed into, provides
        app: App[Any]
        project: Project
        coder: str
        codes: list[CodeInfo]
        code_by_key: dict[str, CodeInfo]
        codebook: CodebookTree
        view: SegmentView
        status: StatusBar
        filter_key: str | None

        def open_transcript(self, transcript_id: int, segment_id: int | None = None) -> None: ...

        def show_code(self, key: str) -> None: ...

    def forget_analysis(self) -> None:
        """Drop the screens kept for Esc (another analysis screen is opening)."""
        trail, self.analysis_trail = getattr(self, "analysis_trail", []), []
        for screen in trail:
            if screen not in self.app.screen_stack:
                self.app.uninstall_screen(screen)
                screen.remove()

    def open_passage(self, passage: Passage) -> None:
        self.filter_key = None
        self.open_transcript(passage.transcript_id, segment_id=passage.segment_id)
        self.codebook.select_key(passage.code)
        self.view.focus()
        self.status.set(
            message=Text.assemble(
                one_line(passage.participant), f", {segment_label(passage.position)} — Esc: back to the passages"
            )
        )

    def open_memo(self, memo: MemoEntry) -> None:
        """A memo's place: its segment in its transcript (the code highlighted for a memo on a
        coding), the code in the codebook, or the transcript."""
        if memo.target == "code" and memo.code:
            self.show_code(memo.code)
        elif memo.transcript_id is not None:
            self.filter_key = None
            self.open_transcript(memo.transcript_id, segment_id=memo.segment_id)
            if memo.code:
                self.codebook.select_key(memo.code)
            self.view.focus()
        where = Text.assemble(one_line(place(memo)), " — Esc: back to the memos")
        self.status.set(message=where)

    def action_back_to_analysis(self) -> None:
        trail, self.analysis_trail = getattr(self, "analysis_trail", []), []
        for screen in trail:  # still installed: they come back as they were, and leave for good on Esc
            self.app.push_screen(screen)

    def check_analysis_action(self, action: str) -> bool | None:
        if action == "back_to_analysis":  # hidden, and Esc free for the panes, without screens to go back to
            return bool(getattr(self, "analysis_trail", []))
        return True

    def _push_analysis(self, screen) -> None:
        self.forget_analysis()
        self.app.push_screen(screen)

    def action_retrieve(self, key: str | None = None) -> None:
        from qualcode.tui.screens.retrieval import RetrievalScreen

        key = key or self.codebook.highlighted_key
        code = self.code_by_key.get(key) if key else None
        if key is None or code is None:
            say(self.app, "Highlight a code in the codebook first (3 goes there).", severity="warning")
            return
        analysis = self.project
        below = len(with_descendants(key, self.codes)) - 1
        title = Text.assemble("Passages of ", one_line(code.name), (f"  ({code.key})", "dim"))
        if below:
            title.append(f"  and its {below} sub-code{'s' * (below != 1)}", style="dim")
        self._push_analysis(
            RetrievalScreen(
                self.project,
                lambda: analysis.retrieve(key, subcodes=True, context=1),
                root=key,
                title=title,
            )
        )

    def action_cooccurrence(self) -> None:
        from qualcode.tui.screens.cooccurrence import CooccurrenceScreen

        self._push_analysis(CooccurrenceScreen(self.project))

    def action_compare_groups(self) -> None:
        from qualcode.tui.screens.group_comparison import GroupComparisonScreen

        self._push_analysis(GroupComparisonScreen(self.project))

    def action_memos(self) -> None:
        from qualcode.tui.screens.memo_list import MemoListScreen

        self._push_analysis(MemoListScreen(self.project))

    def action_framework(self) -> None:
        from qualcode.tui.screens.framework import FrameworkScreen

        self._push_analysis(FrameworkScreen(self.project, self.coder))
