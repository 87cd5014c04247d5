"""The suggestions panel in the segment detail area: the current segment's top suggestions and why.

Importing this module registers ``SuggestionPanel`` in ``detail.SEGMENT_PANELS``. Everything it
reads or changes goes through the screen's project runner (committed before the screen shows
it; undo covers accepting and rejecting); computing suggestions and training run in the app's
worker process (``screen.run_cpu``), and only the storing goes through the runner.

Keys while the list has focus: y (or enter) accepts the highlighted suggestion, x rejects it,
S computes suggestions for the open transcript, T trains a new model on the codings so far. The
same keys work from the transcript pane on the current segment's first suggestion (the screen
calls ``accept_top()``, ``reject_top()``, ``compute()``, ``train()``).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets.option_list import Option

from qualcode.project.suggestions import SuggestionInfo
from qualcode.records import CodingInfo
from qualcode.tui.errors import report
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserOptionList, UserStatic, chip, excerpt, one_line, say
from qualcode.tui.widgets.detail import SEGMENT_PANELS, SegmentContext

TOP = 3
# Shown only from this calibrated probability up (qualcode.suggest.engine.DEFAULT_MIN_SCORE, not
# imported: it loads numpy). A suggestion stored lower (`qualcode suggest --min-score 0.1`) stays
# in the project but is not put in front of the coder: no suggestion is better than a wrong one.
SHOW_FROM = 0.3


def suggestion_prompt(s: SuggestionInfo) -> Text:
    line = chip(s.code_name + (" (theme)" if s.source == "theme" else ""), s.color)
    line.append(f"  {s.score:.0%}", style="bold")  # a calibrated probability, shown as one
    if s.reason:
        line.append("  ")
        line.append_text(one_line(excerpt(s.reason, 80), style="dim"))
    return line


class SuggestionList(UserOptionList):
    DEFAULT_CSS = stylesheet(__file__, "suggestion_list.tcss")

    BINDINGS = [
        Binding("y", "accept", "Accept", id="suggestions.accept", tooltip="Accept the highlighted suggestion"),
        Binding("x", "reject", "Reject", id="suggestions.reject", tooltip="Reject the highlighted suggestion"),
        Binding(
            "S", "compute", "Suggest", id="suggestions.compute", tooltip="Find suggestions for the whole transcript"
        ),
        Binding(
            "T", "train", "Train", id="suggestions.train", tooltip="Train a suggestion model on the codings so far"
        ),
    ]

    @property
    def chosen(self) -> int:
        return self.highlighted if self.highlighted is not None else 0

    @property
    def panel(self) -> SuggestionPanel:
        return self.query_ancestor(SuggestionPanel)

    def action_accept(self) -> None:
        self.panel.accept(self.chosen)

    def action_reject(self) -> None:
        self.panel.reject(self.chosen)

    def action_compute(self) -> None:
        self.panel.compute()

    def action_train(self) -> None:
        self.panel.train()

    def on_option_list_option_selected(self, event: UserOptionList.OptionSelected) -> None:
        event.stop()
        self.panel.accept(self.chosen)


class SuggestionPanel(Vertical):
    """Top suggestions for the current segment, each with its score and the reason it was made."""

    HELP_TITLE = "Suggestions list (Tab into it from the transcript pane)"
    KEYS_WIDGET = SuggestionList
    KEYS_PANE = "#suggestion-list"

    DEFAULT_CSS = stylesheet(__file__, "suggestion_panel.tcss")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(id="suggestions", **kwargs)
        self.context: SegmentContext | None = None
        self.items: list[SuggestionInfo] = []
        self._drawn = False

    def compose(self):
        yield UserStatic("", id="suggestions-title")
        yield SuggestionList(id="suggestion-list")

    # ------------------------------------------------------------------ what the screen tells us

    def show_segment(self, context: SegmentContext) -> None:
        self.context = context
        seg = context.segment
        if seg is None:
            self._show([])
            return
        # Read once the screen has shown what the key did: run at once, the query shared the
        # runner's thread and the CPU with that paint and delayed it (benchmarks/README.md).
        self.call_after_refresh(self._load, context)

    def _load(self, context: SegmentContext) -> None:
        if self.context is not context or context.segment is None:
            return  # the cursor has moved on since
        project, coder, seg_id = context.screen.project, context.coder, context.segment.id
        context.screen.run_project(
            lambda: project.list_suggestions(segment_id=seg_id, coder=coder, limit=TOP, min_score=SHOW_FROM),
            lambda rows: self._loaded(seg_id, rows),
            key="suggestions",
            description="suggestions",
        )

    def _loaded(self, segment_id: int, rows: list[SuggestionInfo]) -> None:
        if self.context is None or self.context.segment is None or self.context.segment.id != segment_id:
            return
        self._show(rows)

    def _show(self, rows: list[SuggestionInfo]) -> None:
        rows = list(rows)
        if self._drawn and rows == self.items:
            return  # the same suggestions: nothing to lay out again
        self._drawn = True
        self.items = rows
        title = self.query_one("#suggestions-title", UserStatic)
        if rows:
            title.update(
                Text.assemble(("Suggestions", "bold"), ("  y accepts the first · x rejects it · Tab to choose", "dim")),
                layout=False,
            )
        else:
            title.update(Text("No open suggestions · S suggests for this transcript", style="dim"), layout=False)
        self.query_one(SuggestionList).set_options(Option(suggestion_prompt(s), id=str(s.id)) for s in rows)

    # ------------------------------------------------------------------ actions

    def _item(self, index: int | None) -> SuggestionInfo | None:
        if index is None or not 0 <= index < len(self.items):
            return None
        return self.items[index]

    def accept_top(self) -> None:
        self.accept(0)

    def reject_top(self) -> None:
        self.reject(0)

    def accept(self, index: int | None) -> None:
        item, ctx = self._item(index), self.context
        if item is None or ctx is None:
            return
        project, coder, screen = ctx.screen.project, ctx.coder, ctx.screen

        def done(info: CodingInfo) -> None:
            say(screen.app, f"✓ {info.code_name} (accepted suggestion)")
            screen.refresh_codings()
            self._learn(item.id)

        screen.run_project(lambda: project.accept_suggestion(item.id, coder), done, description="saving")

    def _learn(self, suggestion_id: int) -> None:
        """The model learns from the decision at once (milliseconds), after it is saved and shown."""
        ctx = self.context
        if ctx is None:
            return
        project = ctx.screen.project
        ctx.screen.run_project(
            lambda: project.learn_from_decision(suggestion_id), lambda _: None, description="learning"
        )

    def reject(self, index: int | None) -> None:
        item, ctx = self._item(index), self.context
        if item is None or ctx is None:
            return
        project, coder, screen = ctx.screen.project, ctx.coder, ctx.screen

        def done(_: SuggestionInfo) -> None:
            self.show_segment(ctx)
            self._learn(item.id)

        screen.run_project(lambda: project.reject_suggestion(item.id, coder), done, description="saving")

    def compute(self) -> None:
        ctx = self.context
        if ctx is None or ctx.segment is None:
            return
        project, screen, coder = ctx.screen.project, ctx.screen, ctx.coder
        tid = ctx.segment.transcript_id

        def prepare() -> tuple[dict[str, Any], list[int]]:
            name = next(t.name for t in project.list_transcripts() if t.id == tid)
            # Blind coding: nothing learned from other coders' codings of this transcript
            # (unless the project's setting suggest.learn_across_coders says otherwise).
            return project.suggestion_payload([name], for_coder=coder)

        def prepared(result: tuple[dict[str, Any], list[int]]) -> None:
            from qualcode.suggest.engine import suggest_with_coverage  # loads spaCy: only when asked for

            payload, ids = result
            screen.run_cpu(
                suggest_with_coverage,
                payload,
                then=lambda found: self._store(found["proposals"], ids, found["coverage"]),
                error=lambda exc: report(screen.app, exc, doing="No suggestions"),
                description="finding suggestions",
            )

        say(screen.app, "Finding suggestions for this transcript…")
        screen.run_project(prepare, prepared, description="reading")

    def train(self) -> None:
        """Train a new model on everyone's codings in the worker process; the UI stays responsive."""
        ctx = self.context
        if ctx is None:
            return
        project, screen = ctx.screen.project, ctx.screen

        def trained(result: dict[str, Any]) -> None:
            screen.run_project(
                lambda: project.store_model(result),
                lambda info: say(screen.app, f"Model {info.version} trained; S suggests with it"),
                description="saving the model",
            )

        def read(payload: dict[str, Any]) -> None:
            from qualcode.suggest.model import train_payload  # loads spaCy: only when asked for

            screen.run_cpu(
                train_payload,
                payload,
                then=trained,
                error=lambda exc: report(screen.app, exc, doing="No model"),
                description="training a model",
            )

        say(screen.app, "Training a suggestion model in the background…")
        screen.run_project(project.training_payload, read, description="reading codings")

    def _store(self, proposals: list[dict[str, Any]], ids: list[int], coverage: str = "") -> None:
        ctx = self.context
        if ctx is None:
            return
        project, screen = ctx.screen.project, ctx.screen

        def stored(n: int) -> None:
            say(screen.app, f"{n} suggestions stored" + (f": {coverage}" if coverage else ""))
            if self.context is not None:
                self.show_segment(self.context)

        screen.run_project(lambda: project.store_suggestions(proposals, ids), stored, description="saving suggestions")


if SuggestionPanel not in SEGMENT_PANELS:
    SEGMENT_PANELS.append(SuggestionPanel)
