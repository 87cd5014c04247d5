"""The passages screen: every passage of a code across the study, filtered and grouped.

One project call reads the code's passages without their words (its sub-codes included, every
coder: who said each, where, which coders, memos); sub-codes, attribute filters, coders and
grouping are then applied here, on the passages already read, so each change shows at once, and
the count is the whole list's. The words and the turn before and after are read a page at a time
for the passages drawn (``Project.passage_texts``), kept while near the cursor; the text filter
asks the project which passages contain the text (``Project.passages_containing``), reading the
words a few transcripts at a time without keeping them. ``filter_passages`` keeps the meaning of
``qualcode.analysis.retrieval.retrieve``'s filters (tests compare the two).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from rich.console import Group
from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll

from qualcode.analysis.retrieval import Passage, Retrieval, group_passages, text_filter
from qualcode.segments import segment_ref
from qualcode.tui.screens.analysis_base import (
    AGREED,
    AnalysisScreen,
    CoderChoice,
    PassageFilter,
    PassageOpened,
)
from qualcode.tui.screens.dialogs import ChoiceDialog, TextPrompt
from qualcode.tui.text import UserStatic, one_line, plain
from qualcode.tui.widgets.passages import Heading, PassageList, PassageStyles, passage_heading

CONTEXT = 1  # turns read before and after each passage (x shows them)
PAGE = 100  # passages whose words are read at once, around the ones drawn
KEPT = 600  # passages whose words are kept: those farthest from the cursor are dropped first
TEXTS_KEPT = 8  # text filters whose passages are kept (typing one again shows it at once)

Span = tuple[int, int, int]  # (transcript id, start, end): what a passage's words are


def span(p: Passage) -> Span:
    return (p.transcript_id, p.start, p.end)


def passage_key(p: Passage) -> tuple[str, int, int, int]:
    """What names one passage in a list (its code and its span)."""
    return (p.code, p.transcript_id, p.start, p.end)


def filter_passages(
    passages: Sequence[Passage], root: str | None, f: PassageFilter, containing: Collection[Span] | None = None
) -> list[Passage]:
    """The passages that pass ``f``, in their order: as ``retrieve`` would return them with the
    same filters, from the passages of every coder with sub-codes included. The text filter reads
    the passages as given (``containing``: the spans whose words contain ``f.text``, for passages
    read without their words): on the screen they come with names blacked out, so a word that
    only a blacked-out name holds finds nothing (the screen never points at a name it hides)."""
    where = {k: frozenset(v.strip().casefold() for v in values) for k, values in f.where.items()}
    wanted_text = text_filter(f.text) if containing is None else None
    agreed_units: set[tuple[int, str]] | None = None
    if f.coders == AGREED:
        unit_coders: dict[tuple[int, str], set[str]] = defaultdict(set)
        for p in passages:
            unit_coders[(p.segment_id, p.code)].update(p.coders)
        agreed_units = {unit for unit, who in unit_coders.items() if len(who) >= 2}
    out = []
    for p in passages:
        if root is not None and not f.subcodes and p.code != root:
            continue
        if f.coders.kind == "coder" and f.coders.name not in p.coders:
            continue
        if agreed_units is not None and (p.segment_id, p.code) not in agreed_units:
            continue
        if where and (
            p.participant_id is None
            or not all(str(p.attributes.get(k) or "").strip().casefold() in vs for k, vs in where.items())
        ):
            continue
        if f.text and containing is not None and span(p) not in containing:
            continue
        if wanted_text is not None and not wanted_text(p.text):
            continue
        out.append(p)
    return out


def rows_for(passages: Sequence[Passage], group_by: str) -> list[Heading | Passage]:
    if not group_by:
        return list(passages)
    rows: list[Heading | Passage] = []
    for group in group_passages(passages, group_by):
        rows.append(Heading(group.label, len(group.passages), group.participants))
        rows.extend(group.passages)
    return rows


@dataclass
class Loaded:
    retrieval: Retrieval
    coders: list[str]
    attributes: dict[str, list[str]]  # attribute -> values, in the order participants give them
    code_names: dict[str, str]
    words: list[Passage] = field(default_factory=list)  # the first page, with its words
    containing: dict[str, frozenset[Span]] = field(default_factory=dict)  # text filter -> spans with it


def load(project, fetch: Callable[[], Retrieval], root: str | None, f: PassageFilter) -> Loaded:
    """Runs off the UI thread: the passages, what the filter dialogs offer and, for passages read
    without their words, the words of the first page the list shows and of the last (End)."""
    retrieval = fetch()
    attributes: dict[str, list[str]] = {}
    for person in project.participants():
        for key, value in person.attributes.items():
            value = str(value or "").strip()
            if value and value not in attributes.setdefault(key, []):
                attributes[key].append(value)
    loaded = Loaded(
        retrieval,
        [c.name for c in project.coders()],
        {k: sorted(v, key=str.casefold) for k, v in attributes.items()},
        {c.key: c.name for c in project.codes()},
    )
    if not retrieval.texts:
        containing = None
        if f.text:
            found = project.passages_containing(retrieval.passages, f.text, redact=retrieval.redacted)
            containing = loaded.containing[f.text] = frozenset(span(p) for p in found)
        shown = filter_passages(retrieval.passages, root, f, containing)
        order = [r for r in rows_for(shown, f.group_by) if isinstance(r, Passage)]
        ends = order[:PAGE] + order[max(PAGE, len(order) - PAGE) :]  # where the list opens, and End
        loaded.words = project.passage_texts(ends, context=CONTEXT, redact=retrieval.redacted)
    return loaded


class RetrievalScreen(AnalysisScreen):
    """Every passage of a code (or every passage two codes share), one line of who/where and the text."""

    HELP_TITLE = "Passages"
    HELP_INTRO = (
        "Every passage coded with the code (and its sub-codes) across all transcripts: who said it, "
        "where (transcript and segment), which coders applied it, and memos on it. The pane beside "
        "the list shows the whole passage; x adds the turns before and after. Filters apply at once. "
        "Enter opens the passage in its transcript; Esc there comes back here. Names kept in the "
        "participants' identifying data are blacked out ([name], [school], [place]) here and on every "
        "analysis screen, as in qualcode retrieve and the exports; the transcript shows its text as it is."
    )
    NAME = "retrieval"
    NOTES_ID = "retrieval-filters"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    BINDINGS = [
        Binding("s", "toggle_subcodes", "Sub-codes", id="passages.subcodes", tooltip="Include or leave out sub-codes"),
        Binding(
            "w",
            "where",
            "Where",
            id="passages.where",
            tooltip="Filter by a participant attribute (role = Headteacher); choose “any” to lift it",
        ),
        Binding(
            "c",
            "coders",
            "Coders",
            id="passages.coders",
            tooltip="Whose codings: everyone (union), one coder, or agreed by at least two",
        ),
        Binding("slash", "text", "Text", id="passages.text", tooltip="Only passages containing a text (empty: all)"),
        Binding(
            "b", "group_by", "Group", id="passages.group", tooltip="Group by participant or by an attribute, or not"
        ),
        Binding("x", "context", "Context", id="passages.context", tooltip="Show the turns before and after"),
        *AnalysisScreen.BINDINGS,
    ]

    def __init__(
        self,
        project,
        fetch: Callable[[], Retrieval],
        *,
        root: str | None,
        title: Text,
        passage_filter: PassageFilter | None = None,
    ) -> None:
        super().__init__(project)
        self.fetch = fetch
        self.root = root
        self.heading = title
        self.filter = passage_filter or PassageFilter()
        self.loaded: Loaded | None = None
        self.shown: list[Passage] = []
        self.order: list[Passage] = []  # the passages as the list shows them (grouped)
        self.with_context = False
        self.words: dict[tuple[str, int, int, int], Passage] = {}  # passages read with their words
        self.reading: set[tuple[str, int, int, int]] = set()  # passages whose words are being read

    def help_sections(self) -> list[tuple[str, str, type]]:
        return [(self.HELP_TITLE, "", type(self)), ("Passages: the list", "#passages", PassageList)]

    def title_text(self) -> Text:
        return self.heading

    def first_notes(self) -> Text:
        return Text("reading the passages…", style="italic")

    def compose_body(self):
        with Horizontal(id="retrieval-body", classes="analysis-body"):
            yield PassageList(id="passages", classes="analysis-list")
            with VerticalScroll(id="passage-detail", classes="analysis-detail"):
                yield UserStatic(Text(""), id="passage-detail-text")

    def on_mount(self) -> None:
        self.list = self.query_one(PassageList)
        self.list.empty_message = "Reading the passages…"
        self.list.focus()
        self.list.words = self._words_of
        project, fetch, root, f = self.project, self.fetch, self.root, self.filter
        self.run_project(
            lambda: load(project, fetch, root, f), self._loaded, description="reading passages", error=self._failed
        )

    def _failed(self, exc: BaseException) -> None:
        self.list.empty_message = str(exc)
        self.list.set_rows([])
        self.report(exc)

    def _loaded(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.words.update((passage_key(p), p) for p in loaded.words)
        self.list.code_names = loaded.code_names
        text = self.filter.text
        if self.paged and text and text not in loaded.containing:  # typed while the list was read
            self.filter.text = ""
            self.filter_text(text)
        self.apply_filter()

    # ------------------------------------------------------------------ words, a page at a time

    @property
    def paged(self) -> bool:
        """The passages came without their words: they are read a page at a time."""
        return self.loaded is not None and not self.loaded.retrieval.texts

    def _words_of(self, p: Passage) -> Passage | None:
        return self.words.get(passage_key(p)) if self.paged else p

    def want_words(self, index: int) -> None:
        """Read the words of the page of passages holding ``index``, then of the next or the one
        before when ``index`` is near its edge, unless read or being read (one call a page, so
        that the page in view comes first)."""
        if not self.paged or self.loaded is None:
            return
        here = index // PAGE
        near = {i // PAGE for i in (index - PAGE // 2, index, index + PAGE // 2) if 0 <= i < len(self.order)}
        for page in sorted(near, key=lambda n: n != here):
            batch = [
                p
                for p in self.order[page * PAGE : (page + 1) * PAGE]
                if passage_key(p) not in self.words and passage_key(p) not in self.reading
            ]
            if batch:
                self._read_words(batch)

    def _read_words(self, batch: list[Passage]) -> None:
        assert self.loaded is not None
        self.reading.update(passage_key(p) for p in batch)
        project, redact = self.project, self.loaded.retrieval.redacted
        self.run_project(
            lambda: project.passage_texts(batch, context=CONTEXT, redact=redact),
            self._words_read,
            description="reading passages",
            error=lambda exc: self._words_failed(batch, exc),
        )

    def _words_read(self, passages: list[Passage]) -> None:
        keys = [passage_key(p) for p in passages]
        self.reading.difference_update(keys)
        self.words.update(zip(keys, passages, strict=True))
        if len(self.words) > KEPT:
            low = max(0, self.list.cursor - KEPT // 2)
            near = {passage_key(p) for p in self.order[low : low + KEPT]}.union(keys)
            self.words = {k: v for k, v in self.words.items() if k in near}
        self.list.words_arrived()
        self._show_detail()

    def _words_failed(self, passages: list[Passage], exc: BaseException) -> None:
        """Shown without their words rather than asked for again and again."""
        self._words_read(passages)
        self.report(exc)

    @on(PassageList.WordsWanted)
    def _words_wanted(self, message: PassageList.WordsWanted) -> None:
        message.stop()
        self.want_words(message.index)

    @property
    def has_subcodes(self) -> bool:
        return self.root is not None and self.loaded is not None and len(self.loaded.retrieval.codes) > 1

    def apply_filter(self, keep: Passage | None = None) -> None:
        if self.loaded is None:
            return
        containing = self.loaded.containing.get(self.filter.text) if self.paged else None
        self.shown = filter_passages(self.loaded.retrieval.passages, self.root, self.filter, containing)
        rows = rows_for(self.shown, self.filter.group_by)
        self.order = order = [r for r in rows if isinstance(r, Passage)]
        cursor = 0
        if keep is not None:
            kept = passage_key(keep)
            cursor = next((i for i, p in enumerate(order) if passage_key(p) == kept), 0)
        self.list.show_code = self.root is None or (self.filter.subcodes and self.has_subcodes)
        self.list.empty_message = (
            "No passage passes these filters." if self.loaded.retrieval.passages else "No passages."
        )
        self.list.set_rows(rows, cursor)
        people = len({p.participant_id if p.participant_id is not None else ("t", p.transcript_id) for p in order})
        segments = len({p.segment_id for p in order})
        # Passages and segments are different units (a segment coded with two codes, or by two
        # coders with different spans, gives several passages): the segments are named whenever
        # they differ, so that "9 segments with both" on a co-occurrence cell reads the same here.
        where = f" in {segments:,} segment{'s' * (segments != 1)}" if segments != len(order) else ""
        counts = Text(
            f"{len(order):,} passage{'s' * (len(order) != 1)}{where} · {people:,} participant{'s' * (people != 1)}   ",
            style="bold",
            end="",
        )
        described = counts + self.filter.describe(self.has_subcodes)
        if self.loaded.retrieval.redacted:
            described.append("  ·  names blacked out", style="dim")
        self.query_one("#retrieval-filters", UserStatic).update(described)
        self.want_words(self.list.cursor)
        self._show_detail()

    # ------------------------------------------------------------------ the current passage

    @on(PassageList.CursorMoved)
    def _moved(self, message: PassageList.CursorMoved) -> None:
        message.stop()
        self.want_words(self.list.cursor)
        self._show_detail()

    @on(PassageList.Opened)
    def _opened(self, message: PassageList.Opened) -> None:
        message.stop()
        passage = self.list.current
        if passage is not None:
            self.post_message(PassageOpened(passage))

    def _show_detail(self) -> None:
        self.query_one("#passage-detail-text", UserStatic).update(self.detail_text(self.list.current))

    def detail_text(self, p: Passage | None) -> Group | Text:
        if p is None:
            return Text("")
        names = self.loaded.code_names if self.loaded else {}
        styles = PassageStyles.of(self)
        head = passage_heading(p, styles, gap="  ", speaker=True, coders=False)
        head.end = "\n"
        attrs = [f"{k}: {v}" for k, v in p.attributes.items() if str(v or "").strip()]
        if attrs:
            head.append("\n")
            head.append_text(one_line(" · ".join(attrs), styles.muted))
        head.append("\n")
        head.append_text(one_line(names.get(p.code, p.code)))
        head.append(" · coded by ", style=styles.muted)
        head.append_text(one_line(", ".join(p.coders), styles.coders))
        parts: list[Text] = [head, Text("")] if self.has_class("-wide") else [head]
        if self._words_of(p) is None:  # its page is being read: shown when it comes
            parts.append(Text("reading…", style="dim italic"))
        else:
            parts += self._words(p)
        for memo in p.memos:
            parts.append(Text(""))
            parts.append(Text.assemble(("memo ", styles.memo), plain(memo)))
        return Group(*parts)

    def _words(self, p: Passage) -> list[Text]:
        """The passage's words, with ``x`` the turns before and after."""
        if not self.with_context:
            return [plain(p.text)]
        parts = [self._turn(turn) for turn in p.before]
        parts.append(plain(p.text, "bold"))
        parts += [self._turn(turn) for turn in p.after]
        if not p.before and not p.after:
            parts.append(Text("(no turns before or after)", style="dim"))
        return parts

    @staticmethod
    def _turn(turn) -> Text:
        label = Text(f"{segment_ref(turn.position)} ", style="dim")
        if turn.speaker:
            label.append_text(one_line(turn.speaker, "dim italic"))
            label.append(": ", style="dim")
        return Text.assemble(label, plain(turn.text, "dim"))

    # ------------------------------------------------------------------ filters

    def action_toggle_subcodes(self) -> None:
        if not self.has_subcodes:
            self.notify("This code has no sub-codes.", markup=False)
            return
        self.filter.subcodes = not self.filter.subcodes
        self.apply_filter(self.list.current)

    def action_context(self) -> None:
        self.with_context = not self.with_context
        self._show_detail()

    def action_text(self) -> None:
        def chosen(value: str | None) -> None:
            if value is not None:
                self.filter_text(value.strip())

        self.app.push_screen(TextPrompt("Only passages containing (empty: every passage)", self.filter.text), chosen)

    def filter_text(self, text: str) -> None:
        """Only the passages containing ``text``: at once when their words are here, otherwise once
        the project says which contain it (the list stays as it was until then)."""
        loaded = self.loaded
        if loaded is None or not self.paged or not text or text in loaded.containing:
            self.filter.text = text
            self.apply_filter(self.list.current)
            return
        project, passages, redact = self.project, loaded.retrieval.passages, loaded.retrieval.redacted

        def found(passages: list[Passage]) -> None:
            loaded.containing[text] = frozenset(span(p) for p in passages)
            while len(loaded.containing) > TEXTS_KEPT:
                del loaded.containing[next(iter(loaded.containing))]
            self.filter.text = text
            self.apply_filter(self.list.current)

        self.run_project(
            lambda: project.passages_containing(passages, text, redact=redact),
            found,
            description="finding the text",
            error=self.report,
        )

    def action_coders(self) -> None:
        if self.loaded is None:
            return

        def chosen(coders: CoderChoice) -> None:
            self.filter.coders = coders
            self.apply_filter(self.list.current)

        self.choose_coders(self.loaded.coders, chosen, agreed=True)

    def action_group_by(self) -> None:
        if self.loaded is None:
            return
        choices: list[tuple[str, Text | str]] = [("-", "No groups (transcript order)"), ("participant", "Participant")]
        choices += [(f"attr:{key}", one_line(key)) for key in self.loaded.attributes]

        def chosen(value: str | None) -> None:
            if value is not None:
                self.filter.group_by = "" if value == "-" else value.removeprefix("attr:")
                self.apply_filter(self.list.current)

        self.app.push_screen(ChoiceDialog("Group the passages by…", choices), chosen)

    def action_where(self) -> None:
        if self.loaded is None:
            return
        attributes = self.loaded.attributes
        if not attributes:
            self.notify("No participant has attributes to filter by.", markup=False)
            return

        def value_chosen(key: str, value: str | None) -> None:
            if value is None:
                return
            if value == "-":
                self.filter.where.pop(key, None)
            else:
                self.filter.where[key] = (value.removeprefix("v:"),)
            self.apply_filter(self.list.current)

        def key_chosen(key: str | None) -> None:
            if key is None:
                return
            key = key.removeprefix("attr:")
            values = [("-", Text("any value (lift this filter)", style="italic"))]
            values += [(f"v:{v}", one_line(v)) for v in attributes.get(key, [])]
            self.app.push_screen(
                ChoiceDialog(Text.assemble("Only participants whose ", one_line(key), " is…"), values),
                lambda v: value_chosen(key, v),
            )

        choices: list[tuple[str, Text | str]] = []
        for key in attributes:
            label = one_line(key)
            if key in self.filter.where:
                label.append(f"  (now {' or '.join(self.filter.where[key])})", style="dim")
            choices.append((f"attr:{key}", label))
        self.app.push_screen(ChoiceDialog("Filter by which attribute?", choices), key_chosen)
