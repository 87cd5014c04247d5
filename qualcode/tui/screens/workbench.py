"""The workbench screen: holds what is open and routes messages between the panes.

Panes send messages up (a transcript chosen, the cursor moved, a code highlighted); the screen
asks the project for data through its ``ProjectRunner`` (off the UI thread, in order) and sets
attributes down on the panes once the call has returned, so nothing is shown before it is
committed. Codebook editing is a ``CodebookEditor`` (beside this file) that the screen holds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar, TypeVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen

from qualcode import event_words
from qualcode.project import Project
from qualcode.project.workbench import match_spans
from qualcode.records import CodeInfo, CodingInfo, EventInfo, MemoInfo, SegmentInfo, TranscriptInfo
from qualcode.segments import touched
from qualcode.tui import state
from qualcode.tui.errors import report
from qualcode.tui.keys import key_entries
from qualcode.tui.runner import CpuRunner, JobDone, ProjectRunner
from qualcode.tui.screens.agreement import AgreementScreen, AgreementView, Difference
from qualcode.tui.screens.agreement import build_view as build_agreement_view
from qualcode.tui.screens.analysis_actions import ANALYSIS_BINDINGS, AnalysisActions
from qualcode.tui.screens.codebook_actions import CodebookEditor, code_path, with_descendants
from qualcode.tui.screens.coder_switch import CoderChoice, CoderSwitchDialog
from qualcode.tui.screens.definition import DefinitionScreen
from qualcode.tui.screens.dialogs import ChoiceDialog
from qualcode.tui.screens.finder import CodeFinder
from qualcode.tui.screens.help import HelpScreen
from qualcode.tui.screens.memo import MemoDialog
from qualcode.tui.screens.playback import play_current_turn
from qualcode.tui.screens.search import CodeEveryHit, SearchDialog
from qualcode.tui.screens.search_autocode import code_every_hit
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import content, one_line, say
from qualcode.tui.widgets.codebook import CodebookTree
from qualcode.tui.widgets.definition import DefinitionPanel
from qualcode.tui.widgets.detail import CodingList, SegmentContext, SegmentDetail, coding_prompt
from qualcode.tui.widgets.keybar import KeyBar
from qualcode.tui.widgets.segments import SegmentData, SegmentView
from qualcode.tui.widgets.status import StatusBar
from qualcode.tui.widgets.transcripts import TranscriptPicker

T = TypeVar("T")
FRAME = 1 / 60  # seconds: what a key changes beside the segment is drawn this much later


@dataclass
class ProjectSnapshot:
    name: str
    transcripts: list[TranscriptInfo]
    codes: list[CodeInfo]
    counts: dict[str, int]
    other_counts: dict[str, int]
    code_memos: list[MemoInfo]


@dataclass
class TranscriptData:
    info: TranscriptInfo
    segments: list[SegmentInfo]
    codings: list[CodingInfo]
    memos: list[MemoInfo]
    other: str | None
    goto_segment: int | None = None
    goto_position: int | None = None
    query: str = ""


@dataclass
class OpenTranscript:
    info: TranscriptInfo
    segments: list[SegmentInfo]
    codings: dict[int, list[CodingInfo]] = field(default_factory=dict)  # segment id -> codings (me + other)
    segment_memos: dict[int, MemoInfo] = field(default_factory=dict)
    coding_memos: dict[int, MemoInfo] = field(default_factory=dict)
    matches: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    to_code: frozenset[int] = frozenset()  # ids of the segments a coder is meant to code (not the interviewer's)

    def covered(self, coding: CodingInfo) -> list[int]:
        """The ids of the segments a coding is shown on: every turn it runs over, not only its first."""
        bounds = [(g.start, g.end) for g in self.segments]
        return [self.segments[i].id for i in touched(bounds, coding.start, coding.end)]

    def add_codings(self, codings: Iterable[CodingInfo]) -> None:
        bounds = [(g.start, g.end) for g in self.segments]
        starts = [a for a, _ in bounds]
        for c in codings:
            for i in touched(bounds, c.start, c.end, starts):
                self.codings.setdefault(self.segments[i].id, []).append(c)


class WorkbenchScreen(Screen[None]):
    # Below CRAMPED columns three panes cannot live: the definition pane goes (i shows it).
    HORIZONTAL_BREAKPOINTS = [(0, "-cramped"), (100, "-narrow"), (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    CRAMPED = 100
    DEFAULT_WIDTHS = {"left": 0.24, "right": 0.22}  # of the terminal's width; the transcript takes the rest
    # Whether an action may read a file at a path the coder types (the palette's "Replace the open
    # transcript's text…"). The served workbench (qualcode.web) says no: there the path would name
    # a file on the server's disk, not on the colleague's machine.
    reads_typed_paths: ClassVar[bool] = True

    DEFAULT_CSS = stylesheet(__file__, "workbench_screen.tcss")

    BINDINGS = [
        Binding(
            "slash",
            "find_code",
            "Find code",
            id="workbench.find_code",
            tooltip="Find a code by typing part of its name, id, keyword or definition; Enter applies it",
        ),
        Binding(
            "u,ctrl+z",
            "undo",
            "Undo",
            id="workbench.undo",
            tooltip="Undo your last change (codings, memos, codebook edits), even after a restart",
        ),
        Binding("U,ctrl+r,ctrl+y", "redo", "Redo", show=False, id="workbench.redo", tooltip="Redo what you undid"),
        Binding(
            "ctrl+f",
            "search",
            "Search",
            show=False,
            id="workbench.search",
            tooltip="Search the text of every transcript; Enter opens the segment found",
        ),
        Binding(
            "c",
            "compare",
            "Compare",
            id="workbench.compare",
            tooltip="Show another coder's codings beside yours and mark where you differ; c again hides them",
        ),
        Binding(
            "K",
            "agreement",
            "Agreement",
            show=False,
            id="workbench.agreement",
            tooltip="Agreement with another coder per code, lowest first; Enter lists a code's disagreements, Enter again opens one",
        ),
        *ANALYSIS_BINDINGS,
        Binding("question_mark,f1", "help", "Help", id="workbench.help", tooltip="This help"),
        Binding(
            "1",
            "focus_pane('transcripts')",
            "Transcripts",
            show=False,
            id="workbench.focus_transcripts",
            tooltip="Go to the transcripts pane",
        ),
        Binding(
            "2",
            "focus_pane('segments')",
            "Transcript",
            show=False,
            id="workbench.focus_segments",
            tooltip="Go to the transcript pane (segments)",
        ),
        Binding(
            "3",
            "focus_pane('codebook')",
            "Codebook",
            show=False,
            id="workbench.focus_codebook",
            tooltip="Go to the codebook",
        ),
        Binding(
            "4",
            "focus_pane('coding-list')",
            "Codings",
            show=False,
            id="workbench.focus_codings",
            tooltip="Go to the current segment's codings (to remove one or write a memo on it)",
        ),
        Binding(
            "A",
            "add_code(True)",
            "New top-level code",
            show=False,
            id="workbench.add_top_code",
            tooltip="Add a code at the top level of the codebook",
        ),
        Binding(
            "i",
            "show_definition",
            "Definition",
            show=False,
            id="workbench.definition",
            tooltip="The highlighted code's full name, place in the codebook and definition",
        ),
        Binding(
            "less_than_sign",
            "resize_pane('left', -1)",
            "Narrower left",
            show=False,
            id="workbench.left_narrower",
            tooltip="Make the transcripts and codebook panes narrower (remembered for this project)",
        ),
        Binding(
            "greater_than_sign",
            "resize_pane('left', 1)",
            "Wider left",
            show=False,
            id="workbench.left_wider",
            tooltip="Make the transcripts and codebook panes wider (remembered for this project)",
        ),
        Binding(
            "left_curly_bracket",
            "resize_pane('right', 1)",
            "Wider definition",
            show=False,
            id="workbench.right_wider",
            tooltip="Make the definition pane wider (remembered for this project)",
        ),
        Binding(
            "right_curly_bracket",
            "resize_pane('right', -1)",
            "Narrower definition",
            show=False,
            id="workbench.right_narrower",
            tooltip="Make the definition pane narrower (remembered for this project)",
        ),
        Binding(
            "P",
            "switch_coder",
            "Switch coder",
            show=False,
            id="workbench.switch_coder",
            tooltip="Code as another coder (or a new one) without restarting: their codings, undo and progress",
        ),
        Binding("q", "quit", "Quit", id="workbench.quit", tooltip="Quit (everything is already saved)"),
    ]

    def __init__(
        self, project: Project, coder: str, other: str | None = None, transcript: str | None = None, *, cpu: CpuRunner
    ) -> None:
        super().__init__()
        self.cpu = cpu  # the app's: one worker process for every screen
        self.project = project
        self.coder = coder
        self.other = other
        self.initial_transcript = transcript
        self.runner = ProjectRunner(self)
        self.project_name = ""
        self.transcripts: list[TranscriptInfo] = []
        self.codes: list[CodeInfo] = []
        self.code_by_key: dict[str, CodeInfo] = {}
        self.counts: dict[str, int] = {}
        self.other_counts: dict[str, int] = {}
        self.code_memos: dict[int, MemoInfo] = {}
        self.open: OpenTranscript | None = None
        self.filter_key: str | None = None
        self._submitted: dict[int, float] = {}
        self._later: list[Callable[[], object]] = []  # drawn a frame later (``_draw_later``)
        self._last_position: int | None = None
        self._detail_follows: int | None = None  # the cursor the detail was last updated for by the watcher
        self._positions: dict[str, int] = {}  # transcript name -> segment position last visited
        self.widths = dict(self.DEFAULT_WIDTHS)
        self.progress_known = False
        self.ready = False  # the first transcript is on screen
        self.first_paint_seconds: float | None = None
        self._started = time.perf_counter()
        self.codebook_editor = CodebookEditor(self)
        self.analysis_actions = AnalysisActions(self)

    # ------------------------------------------------------------------ layout

    def compose(self):
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                picker = TranscriptPicker(id="transcripts", classes="pane")
                picker.border_title = content("Transcripts  1")
                yield picker
                tree = CodebookTree(id="codebook", classes="pane")
                tree.border_title = content("Codebook  3")
                yield tree
            with Vertical(id="center"):
                yield SegmentView(id="segments")
                yield SegmentDetail(id="detail")
            with Vertical(id="right"):
                panel = DefinitionPanel(id="definition", classes="pane")
                panel.border_title = content("Definition")
                yield panel
        yield StatusBar(id="status")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self.view = self.query_one(SegmentView)
        self.codebook = self.query_one(CodebookTree)
        self.picker = self.query_one(TranscriptPicker)
        self.status = self.query_one(StatusBar)
        self.detail = self.query_one(SegmentDetail)
        self.definition = self.query_one(DefinitionPanel)
        self.status.set(
            project=self.project.location,
            coder=self.coder,
            message=Text("? help · / find a code · a apply · n next uncoded · u undo", style="italic"),
            confirms=False,
        )
        self.set_interval(0.1, self._show_busy)
        saved = state.load_layout(state.project_key(self.project))
        self.widths.update({k: v for k, v in saved.items() if k in self.widths})
        self._lay_out()
        self.view.focus()
        # The segment's detail follows a move of the cursor in the same frame: a watcher runs as the
        # cursor changes, where the CursorMoved message would arrive after the move was drawn and
        # cost a second screen update, a frame later.
        self.watch(self.view, "cursor", self._cursor_changed, init=False)
        self.reload(initial=True)

    def on_unmount(self) -> None:
        gc.unfreeze()
        self._save_position()
        self.runner.close()

    def on_resize(self) -> None:
        self._lay_out()

    def pane_widths(self, total: int) -> tuple[int, int]:
        """Columns of the left (transcripts, codebook) and right (definition) panes at ``total``
        columns: fractions of the width, so the panes follow the terminal; never less than a
        usable minimum, and the transcript pane always keeps at least half the width."""
        half = total // 2
        if total < self.CRAMPED:
            return max(0, min(half, max(24, round(total * (self.widths["left"] + 0.06))))), 0
        left = max(28, round(total * self.widths["left"]))
        right = max(28, round(total * self.widths["right"]))
        while left + right > total - half and (left > 24 or right > 24):
            if right >= left and right > 24:
                right -= 1
            else:
                left -= 1
        return left, right

    def _lay_out(self) -> None:
        total = self.size.width or self.app.size.width
        if not total:
            return
        left, right = self.pane_widths(total)
        self.query_one("#left").styles.width = left
        if right:
            self.query_one("#right").styles.width = right

    def action_resize_pane(self, pane: str, step: int) -> None:
        total = self.size.width or 1
        before, fraction = self.pane_widths(total), self.widths[pane]
        # Step until the columns change: near a limit (the transcript's half, a pane's minimum)
        # a step of the fraction alone may not move anything.
        while self.pane_widths(total) == before:
            moved = min(0.45, max(0.1, self.widths[pane] + step * 0.02))
            if moved == self.widths[pane]:
                self.widths[pane] = fraction  # at the limit: nothing changes
                say(self.app, "That pane cannot change further: the transcript keeps at least half the width.")
                return
            self.widths[pane] = moved
        self._lay_out()
        state.save_layout(state.project_key(self.project), self.widths)

    # ------------------------------------------------------------------ running project calls

    def run_project(
        self,
        fn: Callable[[], T],
        then: Callable[[T], None] | None = None,
        *,
        description: str = "saving",
        key: str | None = None,
        error: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Call the project off the UI thread; ``then`` runs with the result once it is committed."""
        ticket = self.runner.submit(fn, then, error=error, key=key, description=description)
        self._submitted[ticket] = time.perf_counter()
        return ticket

    def run_cpu(
        self,
        fn: Callable[..., T],
        *args: object,
        then: Callable[[T], None] | None = None,
        error: Callable[[BaseException], None] | None = None,
        description: str = "working",
    ) -> None:
        """CPU-heavy work in the app's worker process (``CpuRunner``): ``fn`` and ``args`` must be
        picklable; ``then`` gets the result (``error`` the exception) on the UI thread. The status
        bar shows the work while it runs."""
        cpu = self.cpu
        ticket, future = cpu.submit(fn, *args, description=description)

        async def wait() -> None:
            try:
                result = await future
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if error is not None:
                    error(exc)
                else:
                    report(self.app, exc)
            else:
                if then is not None:
                    then(result)
            finally:
                cpu.done(ticket)

        self.run_worker(wait(), group="cpu", exclusive=False, exit_on_error=False)

    @on(JobDone)
    def _job_done(self, message: JobDone) -> None:
        message.stop()
        self._submitted.pop(message.outcome.ticket, None)
        self.runner.finished(message.outcome)
        if not self.runner.busy and self.status.busy:
            self.status.set(busy="")

    def _show_busy(self) -> None:
        now = time.perf_counter()
        slow = [t for t, at in self._submitted.items() if now - at > 0.15]
        busy = self.runner.pending.get(min(slow), "working") if slow else ""
        if not busy and self.cpu.jobs:
            description, started = next(iter(self.cpu.jobs.values()))
            busy = f"{description} ({now - started:.0f} s)"
        if busy != self.status.busy:
            self.status.set(busy=busy)

    # ------------------------------------------------------------------ loading

    def reload(self, initial: bool = False, then: Callable[[], None] | None = None) -> None:
        """Read the project again (transcripts, codebook, counts) and the open transcript."""
        coder, other, p = self.coder, self.other, self.project

        def fetch() -> ProjectSnapshot:
            # Without the coder's progress per transcript: that comes next (``_load_progress``), so
            # that the screen is usable at once even with thousands of transcripts.
            return ProjectSnapshot(
                name=p.setting("name") or p.location,
                transcripts=p.transcript_list(),
                codes=p.codes(),
                counts=p.code_counts(coder),
                other_counts=p.code_counts(other) if other else {},
                code_memos=p.memos(coder, target="code"),
            )

        def loaded(snap: ProjectSnapshot) -> None:
            self._apply_snapshot(snap)
            if initial:
                self._open_initial()
            elif self.open is not None:
                seg = self.view.current
                self.open_transcript(self.open.info.id, segment_id=seg.id if seg else None, keep_filter=True)
            self._load_progress()
            if then is not None:
                then()

        self.run_project(fetch, loaded, description="loading the project", key="project")

    def _load_progress(self) -> None:
        """How much of each transcript this coder has coded (the picker's progress bars)."""
        coder, p = self.coder, self.project

        def loaded(done: dict[int, int]) -> None:
            if self.open is not None:
                done[self.open.info.id] = self.open.info.coded_segments  # what the screen knows is newer
            self.transcripts = [dataclasses.replace(t, coded_segments=done.get(t.id, 0)) for t in self.transcripts]
            self.progress_known = True
            self.picker.set_transcripts(self.transcripts, self.open.info.id if self.open else None, True)

        self.run_project(lambda: p.coded_segment_counts(coder), loaded, description="counting progress", key="progress")

    def _apply_snapshot(self, snap: ProjectSnapshot) -> None:
        self.project_name = snap.name
        known = {t.id: t.coded_segments for t in self.transcripts}
        snap.transcripts = [dataclasses.replace(t, coded_segments=known.get(t.id, 0)) for t in snap.transcripts]
        self.transcripts = snap.transcripts
        self.codes = snap.codes
        self.code_by_key = {c.key: c for c in snap.codes}
        self.counts = snap.counts
        self.other_counts = snap.other_counts
        self.code_memos = {m.target_id: m for m in snap.code_memos}
        if self.filter_key is not None and self.filter_key not in self.code_by_key:
            self.filter_key = None
        self.status.set(project=snap.name)
        current = self.open.info.id if self.open else None
        self.picker.set_transcripts(snap.transcripts, current, self.progress_known)
        self.codebook.set_codes(snap.codes, snap.counts)
        self._show_definition()

    def _open_initial(self) -> None:
        if not self.transcripts:
            self.status.set(message=Text("no transcripts yet: qualcode import FILES…", style="italic"))
            self._mark_ready()
            return
        by_name = {t.name: t for t in self.transcripts}
        if self.initial_transcript and self.initial_transcript in by_name:
            self.open_transcript(by_name[self.initial_transcript].id)
            return
        saved = state.load_position(state.project_key(self.project), self.coder)
        positions = saved.get("positions")
        if isinstance(positions, dict):
            self._positions.update({k: v for k, v in positions.items() if isinstance(v, int)})
        if saved.get("transcript") in by_name:
            self.open_transcript(by_name[saved["transcript"]].id, position=saved.get("segment"))
            return
        self.open_transcript(self.transcripts[0].id)

    def open_transcript(
        self,
        transcript_id: int,
        segment_id: int | None = None,
        position: int | None = None,
        query: str = "",
        keep_filter: bool = False,
    ) -> None:
        coder, other, p = self.coder, self.other, self.project
        info = next((t for t in self.transcripts if t.id == transcript_id), None)
        if info is None:
            return
        if not keep_filter:
            self.filter_key = None

        def fetch() -> TranscriptData:
            segments = p.segments(transcript_id)
            codings = p.list_codings(transcript_id, coders=[coder] + ([other] if other else []))
            seg_ids = {s.id for s in segments}
            coding_ids = {c.id for c in codings}
            memos = [
                m
                for m in p.memos(coder)
                if (m.target == "segment" and m.target_id in seg_ids)
                or (m.target == "coding" and m.target_id in coding_ids)
            ]
            return TranscriptData(info, segments, codings, memos, other, segment_id, position, query)

        self.run_project(fetch, self._transcript_loaded, description=f"opening {info.name}", key="transcript")

    def _transcript_loaded(self, data: TranscriptData) -> None:
        if data.other != self.other:
            return  # compare mode changed meanwhile; a fresh load is on its way
        previous = self.open.info.id if self.open else None
        if previous is not None and previous != data.info.id:
            self._save_position()
        opened = OpenTranscript(data.info, data.segments)
        opened.add_codings(data.codings)
        opened.to_code = frozenset(s.id for s in data.segments if not s.interviewer)
        for m in data.memos:
            (opened.segment_memos if m.target == "segment" else opened.coding_memos)[m.target_id] = m
        if data.query and data.goto_segment is not None:
            seg = next((s for s in data.segments if s.id == data.goto_segment), None)
            if seg is not None:
                opened.matches[seg.id] = match_spans(seg.text, data.query)
        self.open = opened
        self.picker.mark_current(data.info.id)
        target_id = data.goto_segment
        goto_position = data.goto_position
        if target_id is None and goto_position is None and previous != data.info.id:
            goto_position = self._positions.get(data.info.name)  # where this coder was in it
        if target_id is None and goto_position is not None:
            target_id = next((s.id for s in data.segments if s.position == goto_position), None)
        if previous != data.info.id:
            self.status.set(message=Text(""), confirms=False)
        self._refresh_view(target_id)
        self._update_progress()
        if not self.ready:
            self._mark_ready()

    def _mark_ready(self) -> None:
        self.ready = True
        self.first_paint_seconds = time.perf_counter() - self._started
        self.call_after_refresh(_settle_heap)

    # ------------------------------------------------------------------ view state

    def visible_segments(self) -> list[SegmentInfo]:
        if self.open is None:
            return []
        if self.filter_key is None:
            return self.open.segments
        keys = with_descendants(self.filter_key, self.codes)
        return [s for s in self.open.segments if any(c.code_key in keys for c in self.open.codings.get(s.id, []))]

    def _refresh_view(self, segment_id: int | None = None) -> None:
        """Lay the transcript out again (new transcript, filter or compare mode)."""
        segments = self.visible_segments()
        if segment_id is None and self.view.current is not None:
            segment_id = self.view.current.id
        index = next((i for i, s in enumerate(segments) if s.id == segment_id), 0)
        o = self.open
        data = SegmentData(
            segments=segments,
            codings=o.codings if o else {},
            memos=set(o.segment_memos) if o else set(),
            coder=self.coder,
            other=self.other,
            matches=o.matches if o else {},
        )
        self.view.set_data(data, cursor=index)
        self._update_title()
        self._update_modes()

    def _update_title(self) -> None:
        center = self.query_one("#center")
        if self.open is None:
            center.border_title = content("Transcript  2")
            return
        info = self.open.info
        title = one_line(info.name, style="bold")
        if info.participant:
            title.append_text(one_line(f" — {info.participant}"))
        if self.filter_key:
            code = self.code_by_key.get(self.filter_key)
            title.append_text(one_line(f"  [filter: {code.name if code else self.filter_key}]"))
        title.append("  2")
        center.border_title = content(title)

    def _update_modes(self) -> None:
        modes = []
        if self.other:
            n = len(self.disagreements())
            compare = self.status.tone("compare")
            modes.append(
                Text.assemble(("compare ", compare + Style(bold=True)), one_line(self.other), (f" ({n} ≠)", compare))
            )
        if self.filter_key:
            code = self.code_by_key.get(self.filter_key)
            modes.append(
                Text.assemble(("filter ", self.status.tone("filter")), one_line(code.name if code else self.filter_key))
            )
        if self.view.selecting:
            span = self.view.selection_span
            modes.append(Text(f"span: {span[1] - span[0] if span else 0} chars", style=self.status.tone("span")))
        self.status.set(modes=modes)

    def _update_progress(self, later: bool = False) -> None:
        if self.open is None:
            return
        mine = {sid for sid, codings in self.open.codings.items() if any(c.coder == self.coder for c in codings)}
        # Progress counts the turns a coder is meant to code (not the interviewer's), in the
        # transcripts pane and the status bar alike.
        to_code = self.open.to_code
        info = dataclasses.replace(self.open.info, coded_segments=len(mine & to_code), n_to_code=len(to_code))
        self.open.info = info
        self.transcripts = [info if t.id == info.id else t for t in self.transcripts]
        if later:
            self._draw_later(partial(self._draw_progress, info.id))
        else:
            self._draw_progress(info.id)

    def _draw_progress(self, transcript_id: int) -> None:
        """A transcript's progress as it now is, in the transcripts pane (and the status bar if open)."""
        info = next((t for t in self.transcripts if t.id == transcript_id), None)
        if info is None:
            return
        self.picker.update_one(info)
        if self.open is not None and self.open.info.id == transcript_id:
            self.status.set(
                transcript=info.name,
                participant=info.participant or "",
                coded=info.coded_segments,
                total=info.n_to_code,
            )

    def _draw_later(self, draw: Callable[[], object]) -> None:
        """``draw`` a frame (1/60 s) from now. What a key changes beside the segment (a count,
        progress, the status line) follows the change on the segment a frame later: drawn in one
        screen update, the rectangle Textual repaints spans every pane, and the coding took twice
        as long to appear. Each ``draw`` reads the state as it is when it runs."""
        self._later.append(draw)
        if len(self._later) == 1:
            self.set_timer(FRAME, self._draw_now)

    @property
    def draws_pending(self) -> bool:
        """Whether something waits to be drawn a frame later (``_draw_later``)."""
        return bool(self._later)

    def _draw_now(self) -> None:
        draws, self._later = self._later, []
        for draw in draws:
            draw()

    def _update_detail(self) -> None:
        seg = self.view.current
        o = self.open
        codings = list(o.codings.get(seg.id, [])) if (o and seg) else []
        codings.sort(key=lambda c: (c.coder != self.coder, c.coder, c.start, c.code_name))
        memo = o.segment_memos.get(seg.id) if (o and seg) else None
        context = SegmentContext(self, self.coder, seg, tuple(codings), self.codebook.highlighted_key)
        self.detail.show(seg, codings, o.coding_memos if o else {}, memo, self.coder, self.other, context)
        if seg is not None:
            n = len(self.view.data.segments)
            self.status.set(
                position=f"segment {seg.position + 1}"
                + (f" ({self.view.cursor + 1}/{n} shown)" if self.filter_key else "")
            )

    def _show_definition(self) -> None:
        key = self.codebook.highlighted_key
        code = self.code_by_key.get(key) if key else None
        if code is None:
            self.definition.show(None, [])
            return
        path = code_path(code, self.code_by_key)
        # This coder's count is in the codebook tree; here only the other coder's (compare mode), so
        # that applying a code does not redraw the whole definition.
        usage = f"{self.other}'s codings: {self.other_counts.get(code.key, 0)}" if self.other else ""
        self.definition.show(code, path, usage, self.code_memos.get(code.id))

    def _save_position(self) -> None:
        if self.open is not None:
            if self._last_position is not None:
                self._positions[self.open.info.name] = self._last_position
            state.save_position(
                state.project_key(self.project), self.coder, self.open.info.name, self._last_position, self._positions
            )

    # ------------------------------------------------------------------ messages up

    @on(TranscriptPicker.Chosen)
    def _transcript_chosen(self, message: TranscriptPicker.Chosen) -> None:
        self.open_transcript(message.transcript_id)
        self.view.focus()

    def _cursor_changed(self, index: int) -> None:
        self._detail_follows = index
        self._follow_cursor()

    @on(SegmentView.CursorMoved)
    def _cursor_moved(self, message: SegmentView.CursorMoved) -> None:
        if self._detail_follows is not None:
            followed, self._detail_follows = self._detail_follows, None
            if followed == message.index == self.view.cursor:
                return  # shown already, as the cursor moved
        self._follow_cursor()

    def _follow_cursor(self) -> None:
        seg = self.view.current
        self._last_position = seg.position if seg else None
        if seg is not None and self.open is not None:
            self._positions[self.open.info.name] = seg.position
        self._update_detail()

    @on(SegmentView.SelectionChanged)
    def _selection_changed(self, message: SegmentView.SelectionChanged) -> None:
        self._update_modes()

    @on(CodebookTree.Highlighted)
    def _code_highlighted(self, message: CodebookTree.Highlighted) -> None:
        self._show_definition()

    @on(CodebookTree.ApplyRequested)
    def _code_double_clicked(self, message: CodebookTree.ApplyRequested) -> None:
        self.apply_code_key(message.key)

    @on(CodingList.RemoveRequested)
    def _remove_requested(self, message: CodingList.RemoveRequested) -> None:
        self._remove(message.coding)

    @on(CodingList.MemoRequested)
    def _coding_memo_requested(self, message: CodingList.MemoRequested) -> None:
        self._memo_coding(message.coding)

    @on(CodingList.ShowCode)
    def _show_code_requested(self, message: CodingList.ShowCode) -> None:
        self.show_code(message.key)

    # ------------------------------------------------------------------ actions: coding

    def footer_hides(self, binding: Binding) -> bool:
        """While a span is being selected the footer shows that mode's keys (and apply, find, help)."""
        if not self.view.selecting:
            return False
        return not (binding.id or "").startswith(("span.", "segments.apply", "workbench.find_code", "workbench.help"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_disagreement",) and not self.other:
            return None
        if action == "back_to_analysis":  # hidden, and Esc free for the panes, without screens to go back to
            return self.analysis_actions.can_go_back()
        return True

    def action_apply_code(self) -> None:
        key = self.codebook.highlighted_key
        if key is None:
            say(self.app, "Highlight a code in the codebook first, or press / to find one by name.", severity="warning")
            return
        self.apply_code_key(key)

    def apply_code_key(self, key: str) -> None:
        seg = self.view.current
        if seg is None:
            say(self.app, "Open a transcript first.", severity="warning")
            return
        span = self.view.selection_span
        start, end = span if span else (None, None)
        coder, p = self.coder, self.project
        transcript_id = self.open.info.id if self.open else None
        self.run_project(
            lambda: p.apply_code(coder, key, seg.id, start, end),
            partial_then(self._applied, transcript_id),
            description="saving",
        )

    def _applied(self, transcript_id: int | None, info: CodingInfo) -> None:
        # The coding is drawn at once, on its segment and in the segment's codings list; the
        # code's count, the transcript's progress and the status line's confirmation a frame later.
        o = self.open
        if o is None or o.info.id != transcript_id:
            self._count(info.code_key, +1)
            return
        existing = o.codings.get(info.segment_id, [])
        new = all(c.id != info.id for c in existing)
        if new:
            o.add_codings([info])  # shown on every turn it covers
            self._count(info.code_key, +1, later=True)
        self.view.end_selection()
        self.view.update_segments(set(o.covered(info)))
        self._after_codings_changed(info.code_key, later=True)
        where = f"segment {self._position_of(info.segment_id)}"
        what = "" if (info.start, info.end) == self._bounds(info.segment_id) else f" (chars {info.start}-{info.end})"
        message = Text.assemble(
            ("✓ " if new else "already: ", self.status.tone("done")), one_line(info.code_name), f" → {where}{what}"
        )
        self.status.set(message=message, draw=False)
        self._draw_later(self.status.refresh)

    def _position_of(self, segment_id: int) -> int:
        if self.open:
            for s in self.open.segments:
                if s.id == segment_id:
                    return s.position + 1
        return 0

    def _bounds(self, segment_id: int) -> tuple[int, int]:
        if self.open:
            for s in self.open.segments:
                if s.id == segment_id:
                    return (s.start, s.end)
        return (-1, -1)

    def _count(self, key: str, delta: int, later: bool = False) -> None:
        """Move a code's count (drawn ``later``: a frame later, see ``_draw_later``)."""
        self.counts[key] = max(0, self.counts.get(key, 0) + delta)
        if later:
            self._draw_later(partial(self._draw_count, key))
        else:
            self._draw_count(key)

    def _draw_count(self, key: str) -> None:
        code = self.code_by_key.get(key)
        if code is not None:
            self.codebook.update_count(code, self.counts.get(key, 0))

    def _after_codings_changed(self, key: str, later: bool = False) -> None:
        """Only what a coding added or removed changes: progress, the segment's detail, one count
        (progress drawn ``later``: a frame later, see ``_draw_later``)."""
        self._update_progress(later)
        self._update_detail()
        if self.other:
            self._update_modes()

    def action_remove_coding(self) -> None:
        seg = self.view.current
        if seg is None or self.open is None:
            return
        mine = [c for c in self.open.codings.get(seg.id, []) if c.coder == self.coder]
        if not mine:
            say(self.app, "You have no coding on this segment to remove.", severity="warning")
            return
        if len(mine) == 1:
            self._remove(mine[0])
            return
        highlighted = self.codebook.highlighted_key
        mine.sort(key=lambda c: c.code_key != highlighted)
        choices = [(str(c.id), _coding_choice(c, seg)) for c in mine]

        def chosen(value: str | None) -> None:
            if value is not None:
                self._remove(next(c for c in mine if str(c.id) == value))

        self.app.push_screen(ChoiceDialog("Remove which coding?", choices), chosen)

    def _remove(self, coding: CodingInfo) -> None:
        if coding.coder != self.coder:
            say(self.app, f"That coding is {coding.coder}'s; each coder removes only their own.", severity="warning")
            return
        coder, p = self.coder, self.project

        def removed(_: None) -> None:
            o = self.open
            covered = set(o.covered(coding)) if o is not None else {coding.segment_id}
            if o is not None:
                for sid in covered & o.codings.keys():
                    o.codings[sid] = [c for c in o.codings[sid] if c.id != coding.id]
                o.coding_memos.pop(coding.id, None)
            self._count(coding.code_key, -1)
            self.view.update_segments(covered)
            self._after_codings_changed(coding.code_key)
            self.status.set(
                message=Text.assemble(
                    ("✗ removed ", self.status.tone("warning")),
                    one_line(coding.code_name),
                    f" from segment {self._position_of(coding.segment_id)} (u undoes)",
                )
            )

        self.run_project(lambda: p.remove_coding(coder, coding.id), removed, description="saving")

    def action_play(self) -> None:
        play_current_turn(self)

    def action_next_uncoded(self) -> None:
        seg = self.view.current
        if self.open is None:
            return
        coder, p, tid = self.coder, self.project, self.open.info.id
        after = seg.position if seg else -1

        def found(next_seg: SegmentInfo | None) -> None:
            if self.open is None or self.open.info.id != tid:
                return
            if next_seg is None:
                say(self.app, "Every segment of this transcript is coded (interviewer turns are skipped).")
                return
            if self.filter_key is not None and next_seg.id not in {s.id for s in self.view.data.segments}:
                self.filter_key = None
                self._refresh_view(next_seg.id)
            else:
                index = next((i for i, s in enumerate(self.view.data.segments) if s.id == next_seg.id), None)
                if index is not None:
                    self.view.move_to(index)

        self.run_project(lambda: p.next_uncoded_segment(tid, coder, after_position=after), found, description="finding")

    def disagreements(self) -> list[int]:
        """Indexes (in the view) of segments where this coder's codes differ from the other's."""
        if not self.other or self.open is None:
            return []
        out = []
        for i, seg in enumerate(self.view.data.segments):
            codings = self.open.codings.get(seg.id, [])
            mine = {c.code_key for c in codings if c.coder == self.coder}
            theirs = {c.code_key for c in codings if c.coder == self.other}
            if mine != theirs:
                out.append(i)
        return out

    def action_next_disagreement(self, direction: int = 1) -> None:
        found = self.disagreements()
        if not found:
            say(
                self.app,
                "No differences in this transcript." if self.other else "Press c to compare with another coder first.",
            )
            return
        here = self.view.cursor
        if direction > 0:
            target = next((i for i in found if i > here), found[0])
        else:
            target = next((i for i in reversed(found) if i < here), found[-1])
        self.view.move_to(target)

    def action_filter_code(self) -> None:
        if self.filter_key is not None:
            self.filter_key = None
            self._refresh_view()
            self.status.set(message=Text("filter off: every segment is shown"))
            return
        key = self.codebook.highlighted_key
        if key is None:
            say(
                self.app,
                "Highlight a code in the codebook first: f shows only the segments carrying it.",
                severity="warning",
            )
            return
        self.filter_key = key
        if not self.visible_segments():
            self.filter_key = None
            say(self.app, f"No segment of this transcript carries {self.code_by_key[key].name} (or a sub-code).")
            return
        self._refresh_view()

    # ------------------------------------------------------------------ actions: the codebook (CodebookEditor)

    def action_add_code(self, top_level: bool = False) -> None:
        self.codebook_editor.add(top_level)

    def action_rename_code(self) -> None:
        self.codebook_editor.rename()

    def action_edit_code(self) -> None:
        self.codebook_editor.edit()

    def action_move_code(self) -> None:
        self.codebook_editor.move()

    def action_merge_code(self) -> None:
        self.codebook_editor.merge()

    def action_delete_code(self) -> None:
        self.codebook_editor.delete()

    def action_write_codebook(self) -> None:
        self.codebook_editor.write()

    # ------------------------------------------------------------------ actions: analysis (AnalysisActions)

    def action_retrieve(self, key: str | None = None) -> None:
        self.analysis_actions.retrieve(key)

    def action_cooccurrence(self) -> None:
        self.analysis_actions.cooccurrence()

    def action_compare_groups(self) -> None:
        self.analysis_actions.compare_groups()

    def action_framework(self) -> None:
        self.analysis_actions.framework()

    def action_memos(self) -> None:
        self.analysis_actions.memos()

    def action_back_to_analysis(self) -> None:
        self.analysis_actions.back()

    # ------------------------------------------------------------------ actions: memos

    def action_memo_segment(self) -> None:
        seg = self.view.current
        if seg is None or self.open is None:
            return
        memo = self.open.segment_memos.get(seg.id)
        title = Text(f"Memo on segment {seg.position + 1} of ")
        title.append_text(one_line(self.open.info.name))
        self._edit_memo(title, "segment", seg.id, memo)

    def _memo_coding(self, coding: CodingInfo) -> None:
        if self.open is None:
            return
        title = Text("Memo on the coding ")
        title.append_text(one_line(coding.code_name))
        title.append(f" (segment {self._position_of(coding.segment_id)})")
        self._edit_memo(title, "coding", coding.id, self.open.coding_memos.get(coding.id))

    def action_memo_code(self) -> None:
        key = self.codebook.highlighted_key
        code = self.code_by_key.get(key) if key else None
        if code is None:
            return
        title = Text("Memo on the code ")
        title.append_text(one_line(code.name))
        self._edit_memo(title, "code", code.id, self.code_memos.get(code.id))

    def _edit_memo(self, title: Text, target: str, target_id: int, memo: MemoInfo | None) -> None:
        coder, p = self.coder, self.project

        def saved(result: MemoInfo | None) -> None:
            o = self.open
            store = {
                "segment": o.segment_memos if o else {},
                "coding": o.coding_memos if o else {},
                "code": self.code_memos,
            }[target]
            if result is None:
                store.pop(target_id, None)
            else:
                store[target_id] = result
            if target == "segment":
                self.view.data.memos = set(store)
                self.view.update_segments({target_id})
            self._update_detail()
            self._show_definition()
            self.status.set(
                message=Text("✎ memo saved" if result else "✎ memo deleted", style=self.status.tone("done"))
            )

        def written(text: str | None) -> None:
            if text is None or text.rstrip() == (memo.text if memo else ""):
                return
            self.run_project(lambda: p.set_memo(coder, target, target_id, text), saved, description="saving the memo")

        self.app.push_screen(MemoDialog(title, memo.text if memo else ""), written)

    # ------------------------------------------------------------------ actions: undo, finding, modes

    def action_undo(self) -> None:
        self._undo_redo("undo")

    def action_redo(self) -> None:
        self._undo_redo("redo")

    def _undo_redo(self, which: str) -> None:
        coder, other, p = self.coder, self.other, self.project
        self.view.end_selection()
        tid = self.open.info.id if self.open is not None else None
        code_ids = {c.id for c in self.codes}

        def change() -> tuple[EventInfo | None, tuple[list[CodingInfo], list[MemoInfo]] | None]:
            # One job: when the change added or removed one coding of the open transcript, its
            # codings are read again on the same trip, not after another round through the screen.
            event = getattr(p, which)(coder)
            if event is None or tid is None or not one_coding_back_or_gone(event, tid, code_ids):
                return event, None
            codings = p.list_codings(tid, coders=[coder] + ([other] if other else []))
            ids = {c.id for c in codings}
            return event, (codings, [m for m in p.memos(coder, target="coding") if m.target_id in ids])

        def done(result: tuple[EventInfo | None, tuple[list[CodingInfo], list[MemoInfo]] | None]) -> None:
            event, reread = result
            if event is None:
                self.status.set(message=Text(f"nothing to {which}", style="italic"))
                return
            text = self._friendly(event)
            if event.kind in event_words.SKIPPED:  # the change's rows were gone: nothing was changed
                say(self.app, text, severity="warning", title=f"{which.capitalize()} skipped a change")
                self.status.set(
                    message=Text(f"{which} skipped a change that is gone", style=self.status.tone("warning"))
                )
                return
            summary = Text(f"↶ {text}" if which == "undo" else f"↷ {text}", style=self.status.tone("done"))
            o = self.open
            moved_on = o is None or o.info.id != tid or other != self.other
            if reread is None or moved_on or not any(c.id == event.code_ids[0] for c in self.codes):
                self.reload(then=lambda: self.status.set(message=summary))  # read everything again
                return
            self._show_codings(event, *reread)
            self.status.set(message=summary)

        self.run_project(change, done, description=f"{which}ing")

    def _show_codings(self, event: EventInfo, codings: list[CodingInfo], memos: list[MemoInfo]) -> None:
        """The open transcript's codings and memos as read again after ``event`` (its turns are
        unchanged): the segments whose codings changed redrawn, and the code's count moved by one."""
        o = self.open
        assert o is not None
        key = next(c.key for c in self.codes if c.id == event.code_ids[0])
        added = (event.kind == "undo") == (event.action == "coding.remove")
        before = {sid: list(shown) for sid, shown in o.codings.items()}
        o.codings.clear()  # the same dict the segment view draws from
        o.add_codings(codings)
        o.coding_memos.clear()
        o.coding_memos.update((m.target_id, m) for m in memos)
        self._count(key, +1 if added else -1)
        if self.filter_key is not None:
            self._refresh_view()  # which segments the filter shows may have changed
        else:
            changed = {sid for sid in before.keys() | o.codings.keys() if before.get(sid) != o.codings.get(sid)}
            self.view.update_segments(changed)
        self._after_codings_changed(key)

    def _friendly(self, event: EventInfo) -> str:
        """The event worded with code names and segment positions as the coder knows them."""
        names = {c.id: c.name for c in self.codes}
        positions = {s.id: s.position + 1 for s in self.open.segments} if self.open else {}
        return event_words.describe(event, names, positions)

    def action_find_code(self) -> None:
        def chosen(key: str | None) -> None:
            if key:
                self.codebook.select_key(key)
                self.apply_code_key(key)

        self.app.push_screen(CodeFinder(self.codes, title=self._apply_title()), chosen)

    def _apply_title(self) -> Text:
        seg = self.view.current
        if seg is None:
            return Text("Find a code")
        span = self.view.selection_span
        what = (
            f"the selected {span[1] - span[0]} characters of segment {seg.position + 1}"
            if span
            else f"segment {seg.position + 1}"
        )
        return Text(f"Apply a code to {what}")

    def show_code(self, key: str) -> None:
        self.codebook.select_key(key)
        self.codebook.focus()

    def action_search(self) -> None:
        def chosen(result: tuple[int, int, str] | CodeEveryHit | None) -> None:
            if isinstance(result, CodeEveryHit):
                code_every_hit(self, result)
            elif result is not None:
                transcript_id, segment_id, query = result
                self.filter_key = None
                self.open_transcript(transcript_id, segment_id=segment_id, query=query)
                self.view.focus()

        self.app.push_screen(SearchDialog(self.project), chosen)

    def action_switch_coder(self) -> None:
        p = self.project
        if getattr(self.app, "coder_fixed", False):  # qualcode serve --coder: this tab codes as that coder only
            say(self.app, f"This workbench was opened for {self.coder} only; it does not switch coder.")
            return
        allow_new = getattr(self.app, "allow_new_coders", True)

        def chosen(choice: CoderChoice | None) -> None:
            if choice is None:
                return
            if choice.new:
                self.run_project(lambda: p.add_coder(choice.name), lambda info: self.switch_coder(info.name))
            else:
                self.switch_coder(choice.name)

        def listed(coders) -> None:
            self.app.push_screen(CoderSwitchDialog(p, [c.name for c in coders], self.coder, allow_new), chosen)

        self.run_project(p.coders, listed, description="listing coders")

    def switch_coder(self, name: str) -> None:
        """Go on as coder ``name``: the same transcript, with their codings, undo history and progress."""
        if name == self.coder:
            return
        self.view.end_selection()
        self._save_position()
        self.coder = name
        app: Any = self.app  # the WorkbenchApp (or the served one): new screens open as this coder
        app.coder = name
        if self.other == name:
            self.other, self.other_counts = None, {}
        self._positions.clear()
        self._last_position = None
        self.initial_transcript = self.open.info.name if self.open is not None else None
        self.open = None
        self.progress_known = False
        self.transcripts = [dataclasses.replace(t, coded_segments=0) for t in self.transcripts]
        self.status.set(coder=name)
        self.reload(initial=True)
        say(self.app, f"Now coding as {name}: their codings and progress are shown, u undoes their changes.")

    def action_compare(self) -> None:
        if self.other:
            self.other = None
            self.other_counts = {}
            self._reopen()
            self.status.set(message=Text("compare off: only your codings are shown"))
            return
        coder, p = self.coder, self.project

        def listed(coders) -> None:
            others = [c.name for c in coders if c.name != coder]
            if not others:
                say(self.app, "There is no other coder in this project to compare with.", severity="warning")
                return
            if len(others) == 1:
                self._start_compare(others[0])
                return
            self.app.push_screen(
                ChoiceDialog("Compare your codings with…", [(name, one_line(name)) for name in others]),
                lambda name: self._start_compare(name) if name else None,
            )

        self.run_project(p.coders, listed, description="listing coders")

    def action_agreement(self) -> None:
        coder, p = self.coder, self.project

        def show(view: AgreementView) -> None:
            self.app.push_screen(AgreementScreen(view), lambda d: self._open_difference(view.other, d))

        def compute(other: str | None) -> None:
            if other:
                self.status.set(
                    message=Text.assemble("computing agreement with ", one_line(other), "…"), confirms=False
                )
                self.run_project(
                    lambda: build_agreement_view(p, coder, other),
                    show,
                    description="computing agreement",
                    error=lambda exc: report(self.app, exc),
                )

        if self.other:
            compute(self.other)
            return

        def listed(coders) -> None:
            others = [c.name for c in coders if c.name != coder]
            if not others:
                say(self.app, "There is no other coder in this project to compare with.", severity="warning")
            elif len(others) == 1:
                compute(others[0])
            else:
                self.app.push_screen(
                    ChoiceDialog("Agreement with…", [(name, one_line(name)) for name in others]), compute
                )

        self.run_project(p.coders, listed, description="listing coders")

    def _open_difference(self, other: str, difference: Difference | None) -> None:
        """Open a disagreement from the agreement screen: its segment, in compare mode with ``other``."""
        if difference is None:
            return
        if self.other != other:
            self._start_compare(other)
        self.filter_key = None
        self.open_transcript(difference.transcript_id, segment_id=difference.segment_id)
        self.codebook.select_key(difference.code_key)
        self.view.focus()

    def _start_compare(self, other: str) -> None:
        self.other = other
        p = self.project

        def counted(counts: dict[str, int]) -> None:
            self.other_counts = counts
            self._show_definition()

        self.run_project(lambda: p.code_counts(other), counted, description="comparing")
        self._reopen()
        self.status.set(message=Text.assemble("comparing with ", one_line(other), " — ] next difference, [ previous"))

    def _reopen(self) -> None:
        if self.open is not None:
            seg = self.view.current
            self.open_transcript(self.open.info.id, segment_id=seg.id if seg else None, keep_filter=True)

    def refresh_codings(self) -> None:
        """Read the open transcript's codings again (for panels that change codings)."""
        self.reload()

    def action_focus_pane(self, pane: str) -> None:
        self.query_one(f"#{pane}").focus()

    def action_suggestion(self, method: str) -> None:
        """A suggestion key pressed in the transcript pane: the panel acts on the current segment."""
        panels = [p for p in self.query("#suggestions-slot > *") if hasattr(p, method)]
        if not panels:
            say(self.app, "Suggestions are not available in this workbench.", severity="warning")
            return
        for panel in panels:
            getattr(panel, method)()

    def action_show_definition(self) -> None:
        key = self.codebook.highlighted_key
        code = self.code_by_key.get(key) if key else None
        if code is None:
            say(self.app, "Highlight a code in the codebook first.", severity="warning")
            return
        usage = f"{self.other}'s codings: {self.other_counts.get(code.key, 0)}" if self.other else ""
        usage = f"your codings: {self.counts.get(code.key, 0)}" + (f" · {usage}" if usage else "")
        self.app.push_screen(
            DefinitionScreen(code, code_path(code, self.code_by_key), usage, self.code_memos.get(code.id))
        )

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(key_entries(self.app, type(self))))

    def action_quit(self) -> None:
        self.app.exit()


def partial_then(fn, *args):
    return lambda value: fn(*args, value)


def _coding_choice(c: CodingInfo, seg: SegmentInfo) -> Text:
    return coding_prompt(c, seg, None, True)


def one_coding_back_or_gone(event: EventInfo, transcript_id: int, code_ids: set[int]) -> bool:
    """Whether an undo or redo added or removed one coding of the transcript and nothing else (no
    suggestion reopened or accepted again): then only that transcript's codings, one code's count
    and its progress change, and the rest of the project need not be read again."""
    return (
        event.kind in ("undo", "redo")
        and event.action in ("coding.add", "coding.remove")
        and event.suggestion_id is None
        and event.transcript_ids == (transcript_id,)
        and len(event.code_ids) == 1
        and event.code_ids[0] in code_ids
    )


def _settle_heap() -> None:
    """What is loaded by the first paint (libraries, the codebook, the transcript) lives as long as
    the workbench: collect once now, then keep the collector from walking it again. Otherwise the
    first full collection (some 150,000 objects, 0.1–0.3 s here) falls in the middle of one of
    the first key presses, and every later one walks them all again."""
    gc.collect()
    gc.freeze()
