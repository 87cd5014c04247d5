"""`qualcode serve` in a real browser: Debian's Chromium, headless, driven by Playwright.

Each test starts `qualcode serve` as a subprocess on a free loopback port against the small test
project (tests/conftest.py), opens the page, presses keys and clicks where the text is drawn,
and then checks the project database. What the page shows is read back from the websocket
stream (``qualcode.web.testing.PageScreen``), since xterm.js draws it on a canvas.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from qualcode.project import Project
from qualcode.web.testing import PageScreen, chromium_path, launch_chromium, start_serve

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
if chromium_path() is None:
    pytest.skip(
        "no Chromium on this machine (apt-get install chromium; or set QUALCODE_CHROMIUM)", allow_module_level=True
    )

TRANSCRIPT_WORDS = ("development plan", "release time", "Jane Testperson", "Headteacher N1")


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


class Tab:
    """One browser tab on the workbench: keys, clicks, and the text it shows."""

    def __init__(self, page) -> None:
        self.page = page
        self.screen = PageScreen()
        self.frames: list[bytes | str] = []
        self.sockets: list[str] = []
        page.on("websocket", self._on_websocket)

    def _on_websocket(self, ws) -> None:
        self.sockets.append(ws.url)
        if match := re.search(r"width=(\d+)&height=(\d+)", ws.url):
            self.screen.resize(int(match.group(1)), int(match.group(2)))
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)

    def _received(self, payload) -> None:
        self.frames.append(payload)
        self.screen.feed(payload)

    def _sent(self, payload) -> None:
        if isinstance(payload, str) and payload.startswith('["resize"'):
            size = json.loads(payload)[1]
            self.screen.resize(size["width"], size["height"])

    def wait_for(self, needle: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.screen.text():
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} never appeared; the page shows:\n{self.screen.text()}")
            self.page.wait_for_timeout(50)  # lets Playwright deliver the websocket frames

    def workbench_ready(self) -> None:
        """The first transcript is drawn and the codebook loaded with a code highlighted."""
        self.wait_for("How did you make the network part of the school?")
        self.wait_for("id formalisation")  # the definition panel shows the highlighted code
        self.settle()

    def settle(self, quiet: float = 0.4, timeout: float = 10.0) -> None:
        """Until no frame has arrived for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        seen, since = self.screen.frames, time.monotonic()
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(50)
            if self.screen.frames != seen:
                seen, since = self.screen.frames, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return

    def cell(self, column: int, row: int) -> tuple[float, float]:
        box = self.page.locator(".xterm-screen").bounding_box()
        columns, rows = self.screen.size
        return box["x"] + (column + 0.5) * box["width"] / columns, box["y"] + (row + 0.5) * box["height"] / rows

    def click_text(self, needle: str, clicks: int = 1) -> None:
        where = self.screen.find(needle)
        assert where is not None, f"{needle!r} is not on the page:\n{self.screen.text()}"
        x, y = self.cell(*where)
        self.page.mouse.click(x, y, click_count=clicks)

    def drag_text(self, start: str, end: str) -> None:
        a, b = self.screen.find(start), self.screen.find(end)
        assert a is not None and b is not None, self.screen.text()
        x0, y0 = self.cell(*a)
        x1, y1 = self.cell(b[0] + len(end), b[1])  # release just past the last character, as a user does
        self.page.mouse.move(x0, y0)
        self.page.mouse.down()
        self.page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
        self.page.mouse.move(x1, y1, steps=4)
        self.page.mouse.up()


@pytest.fixture
def browser(tmp_path):
    with sync_api.sync_playwright() as playwright:
        context, page = launch_chromium(playwright, tmp_path / "chromium-profile")
        try:
            yield page
        finally:
            context.close()


@pytest.fixture
def served(project, project_url):
    server = start_serve(project_url)
    yield server
    server.stop()


def wait_until(check, timeout: float = 30.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never true: {what}")
        time.sleep(0.1)


def codings_of(project_url: str, coder: str):
    with Project.open(project_url) as p:
        return [c for c in p.list_codings() if c.coder == coder]


def test_without_the_token_the_page_gets_nothing_of_the_project(browser, served):
    responses = []
    browser.on("response", lambda r: responses.append(r))
    tab = Tab(browser)
    bodies, read = [], 0
    for url, status in ((served.base, 401), (served.base + "?token=guessed", 403)):
        answer = browser.goto(url)
        assert answer.status == status
        browser.wait_for_timeout(1500)  # anything the page would load or open, it has by now
        bodies += [r.body().decode("utf-8", "replace") for r in responses[read:]]
        read = len(responses)
        bodies.append(browser.content())
    assert tab.sockets == [] and tab.frames == []
    for body in bodies:
        for words in (*TRANSCRIPT_WORDS, "Formalisation", "alice"):
            assert words not in body
    assert {r.status for r in responses} <= {401, 403}


def test_coding_with_keys_in_the_page_is_in_the_database_and_undo_removes_it(browser, served, project_url):
    tab = Tab(browser)
    browser.goto(served.url)
    tab.wait_for("Who is coding?")
    for words in ("development plan", "Jane Testperson"):
        assert words not in tab.screen.text()  # nothing of the transcripts before a coder is chosen
    tab.settle()
    browser.keyboard.press("Tab")  # to the new-coder field
    tab.settle()
    browser.keyboard.type("carol")
    tab.wait_for("carol")  # echoed in the field
    browser.keyboard.press("Enter")
    tab.wait_for("Add the new coder carol?")
    browser.keyboard.press("y")
    tab.workbench_ready()
    browser.keyboard.press("n")  # the next segment carol has not coded: the headteacher's answer
    tab.wait_for("segment 2")
    tab.settle()
    browser.keyboard.press("a")  # apply the highlighted code
    tab.wait_for("✓")
    (coding,) = wait_until(lambda: codings_of(project_url, "carol"), what="carol's coding reached the database")
    assert coding.code_key == "formalisation"
    browser.keyboard.press("u")
    wait_until(lambda: codings_of(project_url, "carol") == [], what="undo removed the coding")
    with Project.open(project_url) as p:
        assert "carol" in [c.name for c in p.coders()]


def test_mouse_picks_the_coder_clicks_a_segment_applies_a_code_and_selects_a_span(browser, served, project_url):
    tab = Tab(browser)
    browser.goto(served.url)
    tab.wait_for("Who is coding?")
    tab.click_text("bob")
    tab.workbench_ready()
    tab.click_text("We paid for cover")  # the headteacher's second answer
    tab.settle()
    tab.click_text("Time", clicks=2)  # double-click a code to apply it
    (coding,) = wait_until(lambda: codings_of(project_url, "bob"), what="bob's double-click coding")
    assert coding.code_key == "prioritisation.time"
    with Project.open(project_url) as p:
        segment = p.segment(coding.segment_id)
    assert "We paid for cover" in segment.text
    assert (coding.start, coding.end) == (segment.start, segment.end)

    tab.drag_text("We put it", "straight away")  # a span inside the first answer
    tab.settle()
    browser.keyboard.press("a")
    spans = wait_until(lambda: [c for c in codings_of(project_url, "bob") if c.id != coding.id], what="the span coding")
    with Project.open(project_url) as p:
        text = p.transcript_text(spans[0].transcript_id)
    assert text[spans[0].start : spans[0].end].startswith("We put it")
    assert text[spans[0].start : spans[0].end].endswith("straight away")


def test_two_tabs_two_coders_see_each_other_when_they_compare(browser, served, project_url):
    alice = Tab(browser)
    browser.goto(served.url)
    alice.wait_for("Who is coding?")
    browser.keyboard.press("Enter")  # alice, the first known coder
    alice.workbench_ready()
    browser.keyboard.press("n")
    alice.settle()
    browser.keyboard.press("a")
    wait_until(lambda: codings_of(project_url, "alice"), what="alice's coding")

    second = browser.context.new_page()  # a second tab of the same browser: the cookie comes along
    bob = Tab(second)
    second.goto(browser.url)  # the workbench's address, as the first tab shows it
    bob.wait_for("Who is coding?")
    second.keyboard.press("ArrowDown")
    second.keyboard.press("Enter")
    bob.workbench_ready()
    second.keyboard.press("c")
    bob.wait_for("comparing with alice")
    bob.wait_for("≠")  # alice coded a segment that bob has not
    second.keyboard.press("n")
    bob.settle()
    second.keyboard.press("a")
    wait_until(lambda: codings_of(project_url, "bob"), what="bob's coding")
    alice.page.bring_to_front()
    browser.keyboard.press("c")
    alice.wait_for("comparing with bob")
    assert len(codings_of(project_url, "alice")) == 1 and len(codings_of(project_url, "bob")) == 1


def test_writing_the_codebook_downloads_it_instead_of_writing_on_the_server(browser, served, project_url, tmp_path):
    tab = Tab(browser)
    browser.goto(served.url)
    tab.wait_for("Who is coding?")
    browser.keyboard.press("Enter")
    tab.workbench_ready()
    browser.keyboard.press("3")  # the codebook pane
    tab.settle()
    with browser.expect_download(timeout=30000) as download:
        browser.keyboard.press("w")
    saved = tmp_path / "downloaded.yaml"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "codebook.yaml"
    from qualcode.codebook import load_codebook

    assert "formalisation.meetings" in load_codebook(saved).by_id()
    assert not list(tmp_path.glob("*-codebook.yaml"))  # nothing written beside the project


def test_agreement_screen_in_the_page(browser, served, project_url):
    with Project.open(project_url) as p:  # both have coded the headteacher's answers, differently
        transcript = p.list_transcripts()[0]
        first, second = p.segments(transcript.id)[1], p.segments(transcript.id)[3]
        p.apply_code("bob", "formalisation.plans", first.id)
        p.apply_code("alice", "formalisation.plans", first.id)
        p.apply_code("alice", "prioritisation.time", second.id)
    tab = Tab(browser)
    browser.goto(served.url)
    tab.wait_for("Who is coding?")
    browser.keyboard.press("Enter")  # alice
    tab.workbench_ready()
    browser.keyboard.press("K")
    tab.wait_for("Agreement with bob")
    tab.wait_for("Cohen κ")
    tab.wait_for("Plans")


def test_help_palette_and_search_work_in_the_page(browser, served):
    tab = Tab(browser)
    browser.goto(served.url)
    tab.wait_for("Who is coding?")
    browser.keyboard.press("Enter")
    tab.workbench_ready()
    tab.wait_for(": palette")  # the footer offers ":" (Ctrl+P prints the page)
    browser.keyboard.press("?")
    tab.wait_for("In a browser")
    tab.wait_for("palette (:)")
    browser.keyboard.press("Escape")
    tab.settle()
    browser.keyboard.press(":")
    tab.wait_for("Search for commands")
    browser.keyboard.press("Escape")
    tab.settle()
    browser.keyboard.press("s")
    tab.wait_for("Search")
    browser.keyboard.type("release time")
    tab.wait_for("Headteacher N1")


def test_with_the_link_coding_works_but_no_file_of_the_server_is_offered(browser, served, project_url, tmp_path):
    """The palette of a tab has no "Replace the open transcript's text…" (it would read a path on
    the server), while coding works as ever."""
    tab = Tab(browser)
    browser.goto(served.url)
    tab.wait_for("Who is coding?")
    browser.keyboard.press("Enter")  # alice
    tab.workbench_ready()
    browser.keyboard.press(":")
    tab.wait_for("Search for commands")
    browser.keyboard.type("replace the open")
    tab.settle(quiet=0.8)
    palette = tab.screen.text()
    browser.keyboard.press("Escape")
    tab.settle()
    browser.keyboard.press(":")
    tab.wait_for("Search for commands")
    browser.keyboard.type("interview-01")
    tab.wait_for("Open transcript: interview-01")  # the palette searches, and finds other entries
    browser.keyboard.press("Escape")
    tab.settle()
    assert "Replace the open" not in palette and "Replace the text" not in palette
    browser.keyboard.press("n")
    tab.settle()
    browser.keyboard.press("a")
    (coding,) = wait_until(lambda: codings_of(project_url, "alice"), what="alice's coding")
    assert coding.code_key == "formalisation"


def test_the_cookie_is_not_the_token_and_no_other_port_receives_it(browser, served):
    import threading

    from aiohttp import web

    from qualcode.web.testing import free_port

    token = served.url.split("token=", 1)[1]
    received: list[str | None] = []

    async def show(request):
        received.append(request.headers.get("Cookie"))
        return web.Response(text="another app on this machine")

    other = free_port()
    loop = __import__("asyncio").new_event_loop()

    def run_other():
        app = web.Application()
        app.router.add_get("/{tail:.*}", show)
        runner = web.AppRunner(app)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", other).start())
        loop.run_forever()

    threading.Thread(target=run_other, daemon=True).start()
    tab = Tab(browser)
    browser.goto(served.url)
    tab.wait_for("Who is coding?")
    (cookie,) = browser.context.cookies()
    assert cookie["name"] == f"qualcode-{served.port}"
    assert cookie["value"] != token and token not in cookie["name"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "token" not in browser.url and browser.url.endswith(cookie["path"])
    # Another web app on the same host, another port: at its root and at the workbench's path.
    wait_until(lambda: _listening(other), what="the other app listens")
    for path in ("/", "/w/", "/anything"):
        browser.goto(f"http://127.0.0.1:{other}{path}")
    loop.call_soon_threadsafe(loop.stop)
    assert len(received) >= 3  # the three pages (and the favicon the browser asks for)
    assert not any(c and "qualcode" in c for c in received), received


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_ctrl_c_closes_open_tabs_and_their_workbenches(browser, project, project_url):
    server = start_serve(project_url)
    try:
        tab = Tab(browser)
        browser.goto(server.url)
        tab.wait_for("Who is coding?")
        children = _descendants(server.process.pid)
        assert children, "a workbench process runs for the open tab"
    finally:
        code = server.stop()
    assert code == 0
    assert "qualcode serve: stopped" in server.output
    wait_until(lambda: not any(_alive(pid) for pid in children), timeout=10, what="workbench processes ended")
    browser.wait_for_selector("body.-closed", timeout=10000)  # the page says the workbench closed


def _descendants(pid: int) -> list[int]:
    import subprocess

    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    found = [int(p) for p in out]
    for child in list(found):
        found.extend(_descendants(child))
    return found


def _alive(pid: int) -> bool:
    import os

    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        return os.path.exists(f"/proc/{pid}")


def coder_names(project_url: str) -> list[str]:
    with Project.open(project_url) as p:
        return [c.name for c in p.coders()]


@pytest.mark.parametrize("tab_first", [False, True], ids=["typing-at-once", "after-tab"])
def test_the_first_screen_opens_exactly_the_name_typed(browser, served, project_url, tab_first):
    """Keys 30 ms apart, with or without Tab to the field first: every letter lands in the name,
    Enter opens that name (not the highlighted alice) once it is confirmed."""
    tab = Tab(browser)
    browser.goto(served.url)
    tab.wait_for("Who is coding?")
    tab.settle()
    if tab_first:
        browser.keyboard.press("Tab")
    browser.keyboard.type("carol", delay=30)
    browser.keyboard.press("Enter")
    tab.wait_for("Add the new coder carol?")
    assert coder_names(project_url) == ["alice", "bob"]  # nothing added before the answer
    browser.keyboard.press("y")
    tab.workbench_ready()
    tab.wait_for("coder carol")
    assert coder_names(project_url) == ["alice", "bob", "carol"]


def test_a_new_name_not_confirmed_adds_nobody(browser, served, project_url):
    tab = Tab(browser)
    browser.goto(served.url)
    tab.wait_for("Who is coding?")
    tab.settle()
    browser.keyboard.type("carl", delay=30)
    browser.keyboard.press("Enter")
    tab.wait_for("Add the new coder carl?")
    browser.keyboard.press("n")
    tab.settle()
    assert "Who is coding?" in tab.screen.text()
    browser.keyboard.press("Backspace")
    browser.keyboard.type("ol", delay=30)
    browser.keyboard.press("Enter")
    tab.wait_for("Add the new coder carol?")
    browser.keyboard.press("y")
    tab.workbench_ready()
    assert coder_names(project_url) == ["alice", "bob", "carol"]
