"""The passages screen on a list longer than a page: it reads the words of what it draws only.

A generated study (``benchmarks/corpus.py``) whose top theme has a few pages of passages. What
the screen shows is checked against ``project.retrieve`` with the same filters; what it read is
counted by wrapping the project's calls.
"""

from __future__ import annotations

import pytest

from qualcode.tui.screens import retrieval
from qualcode.tui.screens.retrieval import RetrievalScreen
from qualcode.tui.testing import screen_text
from qualcode.tui.widgets.passages import PassageList
from tests.test_tui import workbench
from tests.tui.conftest import drive, press, wait_for_text

INTERVIEWS = 40  # the top theme then has about 300 passages
PAGE = 25  # passages read at once here, so that the list is twelve pages
KEPT = 75  # and words kept for three pages only: the rest are dropped and read again when needed


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    monkeypatch.setattr(retrieval, "PAGE", PAGE, raising=False)  # (raising: the test runs on screens without pages)
    monkeypatch.setattr(retrieval, "KEPT", KEPT, raising=False)


@pytest.fixture
def generated(project_url):
    from benchmarks.corpus import build_project

    project = build_project(project_url, INTERVIEWS)
    yield project
    project.close()


def top_theme(project) -> str:
    themes = [c.key for c in project.codes() if c.parent_key is None]
    return max(themes, key=lambda key: len(project.retrieve(key, texts=False).passages))


def words_read(project, monkeypatch) -> list:
    """Every passage with its words that the project hands out from now on (any call)."""
    read: list = []
    for name in ("retrieve", "shared_passages", "passage_texts"):
        call = getattr(project, name)

        def counted(*args, _call=call, **kwargs):
            out = _call(*args, **kwargs)
            read.extend(p for p in (out if isinstance(out, list) else out.passages) if p.text)
            return out

        monkeypatch.setattr(project, name, counted)
    return read


def spans(passages) -> list[tuple]:
    return [(p.code, p.transcript_id, p.start, p.end) for p in passages]


def first_words(text: str) -> str:
    return " ".join(text.split()[:4])


async def open_passages(pilot, key: str) -> RetrievalScreen:
    pilot.app.workbench.codebook.select_key(key)
    await press(pilot, "R")
    screen = pilot.app.screen
    assert isinstance(screen, RetrievalScreen)
    return screen


async def choose(pilot, option_id: str) -> None:
    options = pilot.app.screen.query_one("#choices")
    options.highlighted = next(i for i, o in enumerate(options.options) if o.id == option_id)
    await press(pilot, "enter")


def test_end_shows_the_last_passage_whose_words_were_not_read_with_the_list(generated, monkeypatch):
    theme = top_theme(generated)
    expected = generated.retrieve(theme, context=1).passages
    assert len(expected) > 10 * PAGE
    read = words_read(generated, monkeypatch)

    async def scenario(pilot):
        screen = await open_passages(pilot, theme)
        listing = screen.query_one(PassageList)
        text = screen_text(pilot.app)
        assert f"{len(expected):,} passages" in text
        assert first_words(expected[0].text) in " ".join(text.split())
        assert listing.current == expected[0]
        opened = len(read)
        assert 0 < opened <= 2 * PAGE  # the first page and the last, not the list
        # End: the last passage with its words
        await press(pilot, "end")
        assert listing.cursor == len(expected) - 1
        await wait_for_text(pilot, first_words(expected[-1].text))
        assert listing.current == expected[-1]
        assert f"{len(expected):>5} " in screen_text(pilot.app)
        # PageUp and k back up the list, past the pages read: each passage with its words and its turns around
        for _ in range(4):
            await press(pilot, "pageup")
        await press(pilot, "k", "k")
        assert listing.cursor < len(expected) - PAGE  # past the last page, read with the list
        await wait_for_text(pilot, first_words(expected[listing.cursor].text))
        assert listing.current == expected[listing.cursor]
        await press(pilot, "x")
        turn = expected[listing.cursor].before[-1]
        assert f"¶{turn.position + 1}" in " ".join(screen_text(pilot.app).split())
        assert len(read) < len(expected)
        # Home, and Enter on a passage far down whose page was never read opens it in its transcript
        await press(pilot, "home")
        middle = len(expected) // 2
        listing.move_to(middle)
        await press(pilot, "enter")
        bench = pilot.app.workbench
        assert pilot.app.screen is bench
        assert bench.open.info.id == expected[middle].transcript_id
        await press(pilot, "escape")
        assert pilot.app.screen is screen and listing.cursor == middle
        await wait_for_text(pilot, first_words(expected[middle].text))
        assert len(read) < len(expected)

    drive(workbench(generated), scenario, size=(120, 40))


def test_the_coder_and_text_filters_give_what_retrieve_gives(generated, monkeypatch):
    theme = top_theme(generated)
    everything = generated.retrieve(theme).passages
    alices = generated.retrieve(theme, coders=["alice"]).passages
    word = everything[len(everything) // 2].text.split()[2].strip(".,;:?!").upper()
    with_word = generated.retrieve(theme, text=word).passages
    alices_with_word = generated.retrieve(theme, text=word, coders=["alice"]).passages
    assert 0 < len(alices_with_word) < len(with_word) < len(everything)
    read = words_read(generated, monkeypatch)

    async def scenario(pilot):
        screen = await open_passages(pilot, theme)
        listing = screen.query_one(PassageList)
        await press(pilot, "c")
        await choose(pilot, "coder:alice")
        assert spans(screen.shown) == spans(alices)
        assert f"{len(alices):,} passages" in screen_text(pilot.app)
        await press(pilot, "slash")
        await pilot.press(*word)
        await press(pilot, "enter")
        assert spans(screen.shown) == spans(alices_with_word)
        await wait_for_text(pilot, f"{len(alices_with_word):,} passage", first_words(alices_with_word[0].text))
        assert listing.current.text == alices_with_word[0].text
        await press(pilot, "c")
        await choose(pilot, "union")
        assert spans(screen.shown) == spans(with_word)
        await press(pilot, "end")
        await wait_for_text(pilot, first_words(with_word[-1].text))
        # the words were read for the pages drawn, never for the whole list
        assert len({(p.code, p.transcript_id, p.start, p.end) for p in read}) < len(everything)

    drive(workbench(generated), scenario, size=(120, 40))


def test_a_text_typed_while_the_list_is_read_filters_it_once_read(generated):
    from threading import Event

    from rich.text import Text

    theme = top_theme(generated)
    everything = generated.retrieve(theme).passages
    word = everything[len(everything) // 2].text.split()[2].strip(".,;:?!")
    with_word = generated.retrieve(theme, text=word).passages
    assert 0 < len(with_word) < len(everything)
    release = Event()

    def fetch():
        release.wait(30)
        return generated.retrieve(theme, texts=False)

    async def scenario(pilot):
        screen = RetrievalScreen(generated, fetch, root=theme, title=Text("Passages"))
        await pilot.app.push_screen(screen)
        await pilot.pause()
        await pilot.press("slash", *word, "enter")  # (not `press`: it waits for the read held back here)
        assert screen.loaded is None
        release.set()
        await wait_for_text(pilot, f"{len(with_word):,} passage", first_words(with_word[0].text))
        assert spans(screen.shown) == spans(with_word)

    drive(workbench(generated), scenario, size=(120, 40))


def test_pages_after_the_first_read_neither_the_codebook_nor_the_participants_again(generated):
    """A page costs what its passages cost: the study's outline (one row per code, coder and
    participant) is read once while nothing changes, not once per page."""
    from sqlalchemy import event

    theme = top_theme(generated)
    listed = generated.retrieve(theme, texts=False).passages
    generated.passage_texts(listed[:PAGE], context=1)
    statements: list[str] = []
    engine = generated.analysis._store.engine
    listen = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        page = generated.passage_texts(listed[-PAGE:], context=1)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert all(p.text for p in page)
    read = " ".join(statements)
    assert "FROM participants" not in read and "FROM codes" not in read, read
