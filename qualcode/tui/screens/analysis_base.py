"""What the analysis screens (passages, co-occurrence, group comparison, framework matrices, memos) share.

Each screen reads the project through its own ``ProjectRunner`` (off the UI thread) and shows
what came back. A screen left for a transcript (Enter on a passage) stays alive: the workbench
installs it and pushes it again on Esc, so the list comes back exactly where it was.

The screens never import each other, nor the workbench: they say what the researcher asked for
as a message (``PassagesWanted``, ``PassageOpened``, ``MemoOpened``) that bubbles up to the app,
and the workbench's ``AnalysisActions`` opens the passages screen or the passage's transcript.
They share one layout (a title line, a notes line, the body, the key bar) and one ``.tcss``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message
from textual.screen import Screen

from qualcode.tui.errors import report
from qualcode.tui.keys import KeyEntry, binding_entries
from qualcode.tui.runner import JobDone, ProjectRunner
from qualcode.tui.screens.dialogs import ChoiceDialog
from qualcode.tui.styles import stylesheet
from qualcode.tui.text import UserStatic, one_line
from qualcode.tui.widgets.keybar import KeyBar
from qualcode.tui.widgets.passages import PASSAGE_COMPONENTS

if TYPE_CHECKING:
    from qualcode.analysis.retrieval import Passage, Retrieval
    from qualcode.records import MemoEntry


def screen_entries(app, sections) -> list[KeyEntry]:
    """Help entries from ``(section title, selector, class)`` triples, as the workbench's help lists them."""
    return [entry for title, pane, cls in sections for entry in binding_entries(app, title, pane, cls)]


class AnalysisCommands(Provider):
    """The command palette on an analysis screen: the screen's keys, as the help lists them."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        screen = self.screen
        if not isinstance(screen, AnalysisScreen):
            return []
        out: list[tuple[str, str, Callable[[], Any]]] = []
        for entry in screen_entries(self.app, screen.help_sections()):
            target = screen if not entry.pane else next(iter(screen.query(entry.pane)), None)
            if target is None:
                continue
            title = f"{entry.section}: {entry.short}"
            out.append(
                (title, f"{entry.description} · key {' '.join(entry.keys)}", partial(target.run_action, entry.action))
            )
        return out

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(Text(title), callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)


@dataclass(frozen=True)
class CoderChoice:
    """Whose codings an analysis screen reads: every coder's (the union), those at least two coders
    applied to the same segment (agreed), or one coder's. A type of its own rather than a coder's
    name with two reserved words, so that a coder named "union" is a coder."""

    kind: Literal["union", "agreed", "coder"] = "union"
    name: str = ""

    @classmethod
    def coder(cls, name: str) -> CoderChoice:
        return cls("coder", name)

    @property
    def coders(self) -> list[str] | None:
        """The ``coders`` argument of the analysis calls: one coder's name, or None for everyone."""
        return [self.name] if self.kind == "coder" else None

    def describe(self) -> Text:
        if self.kind == "union":
            return Text("everyone (union)")
        if self.kind == "agreed":
            return Text("agreed by 2 or more")
        return one_line(self.name)


UNION = CoderChoice("union")
AGREED = CoderChoice("agreed")


@dataclass
class PassageFilter:
    """What the researcher asked of the passages screen."""

    subcodes: bool = True
    where: dict[str, tuple[str, ...]] = field(default_factory=dict)
    coders: CoderChoice = UNION
    text: str = ""
    group_by: str = ""  # "", "participant" or an attribute

    def describe(self, has_subcodes: bool) -> Text:
        out = Text(end="")

        def part(label: str, value: Text | str) -> None:
            if out:
                out.append("  ·  ", style="dim")
            out.append(f"{label} ", style="dim")
            out.append_text(value if isinstance(value, Text) else one_line(value))

        if has_subcodes:
            part("sub-codes", "included" if self.subcodes else "left out")
        part("coders", self.coders.describe())
        if self.where:
            part("where", " and ".join(f"{k} = {' or '.join(v)}" for k, v in self.where.items()))
        if self.text:
            part("text contains", repr(self.text))
        if self.group_by:
            part("grouped by", self.group_by)
        return out


@dataclass
class PassagesRequest:
    """A passages screen to open: ``fetch`` reads the passages (off the UI thread), ``root`` is the
    code they are of (None for the passages two codes share), ``title`` heads the screen."""

    fetch: Callable[[], Retrieval]
    root: str | None
    title: Text
    passage_filter: PassageFilter | None = None


class PassagesWanted(Message):
    """Open the passages screen over this one (Enter on a co-occurrence cell or a compared code)."""

    def __init__(self, request: PassagesRequest) -> None:
        super().__init__()
        self.request = request


class PassageOpened(Message):
    """Leave the analysis screens for this passage in its transcript (Esc there comes back)."""

    def __init__(self, passage: Passage) -> None:
        super().__init__()
        self.passage = passage


class MemoOpened(Message):
    """Leave the analysis screens for this memo's place (Esc there comes back)."""

    def __init__(self, memo: MemoEntry) -> None:
        super().__init__()
        self.memo = memo


class AnalysisScreen(Screen):
    """A full screen over the workbench; Esc goes back, ? lists its keys."""

    COMMANDS = {AnalysisCommands}
    DEFAULT_CSS = stylesheet(__file__, "analysis_screen.tcss")
    COMPONENT_CLASSES = set(PASSAGE_COMPONENTS)  # passages are headed as analysis_screen.tcss says

    HELP_TITLE = "Analysis"
    HELP_INTRO = ""
    NAME = "analysis"  # the ids of the title and notes lines: NAME-title, NAME-notes
    NOTES_ID = ""  # when the notes line has another id

    BINDINGS = [
        Binding("escape", "back", "Back", id="analysis.back", tooltip="Back to where you came from"),
        Binding("question_mark,f1", "help", "Help", id="analysis.help", tooltip="The keys of this screen"),
    ]

    def __init__(self, project) -> None:
        super().__init__()
        self.project = project
        self.runner = ProjectRunner(self)

    def help_sections(self) -> list[tuple[str, str, type]]:
        return [(self.HELP_TITLE, "", type(self))]

    # ------------------------------------------------------------------ the layout they share

    def compose(self):
        """A title line, a notes line, the screen's own body, the key bar."""
        yield UserStatic(self.title_text(), id=f"{self.NAME}-title", classes="analysis-title")
        notes = self.first_notes()
        if notes is not None:
            yield UserStatic(notes, id=self.NOTES_ID or f"{self.NAME}-notes", classes="analysis-notes")
        yield from self.compose_body()
        yield KeyBar(id="keys")

    def first_notes(self) -> Text | None:
        """The notes line until the first read returns (None: the screen has none)."""
        return Text("reading…", style="italic")

    def compose_body(self):
        return iter(())

    def on_unmount(self) -> None:
        self.runner.close()

    @on(JobDone)
    def _job_done(self, message: JobDone) -> None:
        message.stop()
        self.runner.finished(message.outcome)

    def run_project(self, fn, then=None, *, description: str = "reading", key: str | None = None, error=None) -> None:
        self.runner.submit(fn, then, error=error, key=key, description=description)

    def choose_coders(
        self, coders: Sequence[str], then: Callable[[CoderChoice], None], *, agreed: bool = False
    ) -> None:
        """Ask whose codings to read; ``then`` gets UNION, AGREED (offered with ``agreed`` and two
        coders or more) or one coder's name."""
        choices: list[tuple[str, Text | str]] = [("union", "Everyone (union of every coder's codings)")]
        choices += [(f"coder:{name}", Text.assemble("Only ", one_line(name))) for name in coders]
        if agreed and len(coders) >= 2:
            choices.append(("agreed", "Agreed: at least two coders applied the code to the segment"))

        def chosen(value: str | None) -> None:
            if value is None:
                return
            if value.startswith("coder:"):
                then(CoderChoice.coder(value.removeprefix("coder:")))
            else:
                then(AGREED if value == "agreed" else UNION)

        self.app.push_screen(ChoiceDialog("Whose codings?", choices), chosen)

    def want_passages(self, request: PassagesRequest) -> None:
        self.post_message(PassagesWanted(request))

    def report(self, exc: BaseException) -> None:
        report(self.app, exc)

    def action_help(self) -> None:
        from qualcode.tui.screens.analysis_help import AnalysisHelp

        self.app.push_screen(
            AnalysisHelp(self.HELP_TITLE, self.HELP_INTRO, screen_entries(self.app, self.help_sections()))
        )

    def action_back(self) -> None:
        self.close()

    def close(self) -> None:
        """Leave the screen for good (not for a transcript: then the workbench keeps it)."""
        app = self.app
        if app.screen is self:
            app.pop_screen()
        # Popped and no longer installed, Textual removes it once the pop completes.
        app.uninstall_screen(self)

    def title_text(self) -> Text:
        return Text(self.HELP_TITLE, style="bold")
