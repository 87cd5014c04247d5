"""The command palette (Ctrl+P): every workbench action, every code and every transcript.

Hits are built as ``rich.text.Text`` (the palette parses ``str`` hits as markup) and help lines
never contain user text.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from qualcode.tui.keys import key_entries
from qualcode.tui.screens.transcript_replace import offered, replace_open_transcript
from qualcode.tui.screens.transcript_speakers import map_open_transcript_speakers
from qualcode.tui.screens.workbench import WorkbenchScreen
from qualcode.tui.text import one_line


def highlight(matcher, candidate: str) -> Text:
    text = one_line(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if score:
        for offset in offsets:
            if offset < len(candidate) and not candidate[offset].isspace():
                text.stylize("reverse", offset, offset + 1)
    return text


PANE_NAMES = {
    "Everywhere": "Workbench",
    "Transcript pane (segments)": "Segment",
    "Codebook pane": "Codebook",
    "Codings of the current segment": "Coding",
    "Transcripts pane": "Transcripts",
}


def pane_name(section: str) -> str:
    """The short name a palette entry starts with: "Segment: Apply", "Codebook: Move"."""
    if section in PANE_NAMES:
        return PANE_NAMES[section]
    if section.startswith("Selecting a span"):
        return "Span"
    return section.split(" (")[0]


class WorkbenchCommands(Provider):
    def _workbench(self):
        screen = self.screen
        return screen if isinstance(screen, WorkbenchScreen) else None

    def _commands(self):
        screen = self._workbench()
        if screen is None:
            return []
        out: list[tuple[str, str, Callable[[], object]]] = []
        for entry in key_entries(self.app, type(screen)):
            target = screen if not entry.pane else next(iter(screen.query(entry.pane)), None)
            if target is None:
                continue
            action = entry.action
            if action.startswith("screen."):
                target, action = screen, action[len("screen.") :]
            # Every entry alike: where it acts, then the footer's short name; the long form below.
            title = f"{pane_name(entry.section)}: {entry.short}"
            help_text = f"{entry.description} · key {' '.join(entry.keys)}"
            out.append((title, help_text, partial(_run, target, action)))
        out.append(
            (
                "Memos: every memo in the project",
                "on segments, codings, codes and transcripts: search them, Enter opens one's place",
                partial(screen.action_memos),
            )
        )
        for code in screen.codes:
            out.append(
                (
                    f"Apply code: {code.name}",
                    "apply to the current segment (or the selected span)",
                    partial(screen.apply_code_key, code.key),
                )
            )
            out.append(
                (
                    f"Show code: {code.name}",
                    "highlight in the codebook and show its definition",
                    partial(screen.show_code, code.key),
                )
            )
            out.append(
                (
                    f"Passages of code: {code.name}",
                    "every passage coded with it (and its sub-codes) across the study",
                    partial(screen.action_retrieve, code.key),
                )
            )
        if screen.open is not None and offered(screen):
            out.append(
                (
                    "Transcripts: Replace the open transcript's text…",
                    "a corrected version of the open transcript: codings move with their words",
                    partial(replace_open_transcript, screen),
                )
            )
        if screen.open is not None:
            out.append(
                (
                    "Transcripts: Who the speakers of the open transcript are…",
                    "the interviewer, its participant or another participant (a focus group)",
                    partial(map_open_transcript_speakers, screen),
                )
            )
        for t in screen.transcripts:
            out.append(
                (f"Open transcript: {t.name}", "open it in the transcript pane", partial(screen.open_transcript, t.id))
            )
        return out

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            if title.startswith(("Apply code:", "Show code:", "Passages of code:", "Open transcript:")):
                continue
            yield DiscoveryHit(
                one_line(title), callback, text=title, help=help_text.replace("[", "(").replace("]", ")")
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    highlight(matcher, title),
                    callback,
                    text=title,
                    help=help_text.replace("[", "(").replace("]", ")"),
                )


async def _run(target, action: str) -> None:
    await target.run_action(action)
