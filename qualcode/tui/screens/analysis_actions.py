"""The workbench's way into the analysis screens, and back from a passage to them.

``AnalysisActions`` is held by the workbench screen, as ``CodebookEditor`` is. It opens the
analysis screens, and answers what they ask for by message (they never import each other, nor
this): ``PassagesWanted`` opens the passages screen over them; ``PassageOpened`` and
``MemoOpened`` hide them over the workbench (kept alive, installed) and open the passage or the
memo's place; Esc in the workbench pushes them again, exactly as they were.
"""

from __future__ import annotations

from typing import Protocol

from rich.text import Text
from textual.app import App
from textual.binding import Binding

from qualcode.analysis.retrieval import Passage
from qualcode.export.memos import place
from qualcode.project import Project
from qualcode.records import CodeInfo, MemoEntry
from qualcode.segments import segment_label
from qualcode.tui.screens.analysis_base import AnalysisScreen, PassagesRequest
from qualcode.tui.screens.codebook_actions import with_descendants
from qualcode.tui.screens.cooccurrence import CooccurrenceScreen
from qualcode.tui.screens.framework import FrameworkScreen
from qualcode.tui.screens.group_comparison import GroupComparisonScreen
from qualcode.tui.screens.memo_list import MemoListScreen
from qualcode.tui.screens.retrieval import RetrievalScreen
from qualcode.tui.text import one_line, say
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


class AnalysisHost(Protocol):
    """What the analysis actions need from the workbench screen they work in."""

    project: Project
    coder: str
    codes: list[CodeInfo]
    code_by_key: dict[str, CodeInfo]
    codebook: CodebookTree
    view: SegmentView
    status: StatusBar
    filter_key: str | None

    @property
    def app(self) -> App[object]: ...

    def open_transcript(self, transcript_id: int, segment_id: int | None = None) -> None: ...

    def show_code(self, key: str) -> None: ...


class AnalysisActions:
    """Workbench actions: passages of a code, co-occurrence, group comparison, framework matrices,
    memos; and the way back from a passage to the screens it was opened from."""

    def __init__(self, host: AnalysisHost) -> None:
        self.host = host
        self.trail: list[AnalysisScreen] = []  # analysis screens that Esc brings back (after Enter on a passage)

    @property
    def app(self) -> App[object]:
        return self.host.app

    # ------------------------------------------------------------------ leaving and coming back

    def forget(self) -> None:
        """Drop the screens kept for Esc (another analysis screen is opening)."""
        trail, self.trail = self.trail, []
        for screen in trail:
            if screen not in self.app.screen_stack:
                self.app.uninstall_screen(screen)
                screen.remove()

    def leave_for_workbench(self) -> None:
        """Hide the analysis screens over the workbench, kept for Esc there."""
        app = self.app
        trail = [s for s in app.screen_stack if isinstance(s, AnalysisScreen)]
        self.forget()
        for screen in trail:
            if not app.is_screen_installed(screen):
                app.install_screen(screen, name=f"analysis-{id(screen)}")
        while app.screen is not self.host:
            app.pop_screen()
        self.trail = trail

    def back(self) -> None:
        trail, self.trail = self.trail, []
        for screen in trail:  # still installed: they come back as they were, and leave for good on Esc
            self.app.push_screen(screen)

    def can_go_back(self) -> bool:
        return bool(self.trail)

    def open_passage(self, passage: Passage) -> None:
        """``passage`` in its transcript, the analysis screens kept for Esc."""
        self.leave_for_workbench()
        host = self.host
        host.filter_key = None
        host.open_transcript(passage.transcript_id, segment_id=passage.segment_id)
        host.codebook.select_key(passage.code)
        host.view.focus()
        host.status.set(
            message=Text.assemble(
                one_line(passage.participant), f", {segment_label(passage.position)} — Esc: back to the passages"
            )
        )

    def open_memo(self, memo: MemoEntry) -> None:
        """A memo's place: its segment in its transcript (the code highlighted for a memo on a
        coding), the code in the codebook, or the transcript."""
        self.leave_for_workbench()
        host = self.host
        if memo.target == "code" and memo.code:
            host.show_code(memo.code)
        elif memo.transcript_id is not None:
            host.filter_key = None
            host.open_transcript(memo.transcript_id, segment_id=memo.segment_id)
            if memo.code:
                host.codebook.select_key(memo.code)
            host.view.focus()
        where = Text.assemble(one_line(place(memo)), " — Esc: back to the memos")
        host.status.set(message=where)

    def open_passages(self, request: PassagesRequest) -> None:
        """The passages screen over the analysis screen that asked for it."""
        self.app.push_screen(
            RetrievalScreen(
                self.host.project,
                request.fetch,
                root=request.root,
                title=request.title,
                passage_filter=request.passage_filter,
            )
        )

    # ------------------------------------------------------------------ opening the screens

    def _push(self, screen: AnalysisScreen) -> None:
        self.forget()
        self.app.push_screen(screen)

    def retrieve(self, key: str | None = None) -> None:
        host = self.host
        key = key or host.codebook.highlighted_key
        code = host.code_by_key.get(key) if key else None
        if key is None or code is None:
            say(self.app, "Highlight a code in the codebook first (3 goes there).", severity="warning")
            return
        analysis = host.project
        below = len(with_descendants(key, host.codes)) - 1
        title = Text.assemble("Passages of ", one_line(code.name), (f"  ({code.key})", "dim"))
        if below:
            title.append(f"  and its {below} sub-code{'s' * (below != 1)}", style="dim")
        self._push(
            RetrievalScreen(
                host.project,
                lambda: analysis.retrieve(key, subcodes=True, texts=False),
                root=key,
                title=title,
            )
        )

    def cooccurrence(self) -> None:
        self._push(CooccurrenceScreen(self.host.project))

    def compare_groups(self) -> None:
        self._push(GroupComparisonScreen(self.host.project))

    def memos(self) -> None:
        self._push(MemoListScreen(self.host.project))

    def framework(self) -> None:
        self._push(FrameworkScreen(self.host.project, self.host.coder))
