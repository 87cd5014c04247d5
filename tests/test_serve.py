"""`qualcode serve` without a browser: the command's refusals, the coder screen and the browser
keys (Textual's pilot), and what the server answers to requests without the token (HTTP).

The same server in a real browser is in tests/test_serve_browser.py.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import aiohttp
import pytest

from qualcode.tui.screens.workbench import WorkbenchScreen
from qualcode.tui.testing import screen_text, settle
from qualcode.web.session import BROWSER_KEYS, ServedWorkbenchApp
from qualcode.web.testing import start_serve
from tests.tui.conftest import drive, wait_for_text

TRANSCRIPT_WORDS = ("development plan", "release time", "Jane Testperson", "Headteacher N1")


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def qualcode(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qualcode", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


# ---------------------------------------------------------------------- the command's refusals


def test_no_token_on_a_public_address_is_refused_in_one_line(project, project_url):
    result = qualcode("serve", "--db", project_url, "--host", "0.0.0.0", "--no-token", "--no-open", timeout=30)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: --no-token")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (("--no-token", "--password-file", "pw.txt"), "contradict"),
        (("--password-file", "missing.txt"), "cannot read the password file"),
        (("--password-file", "short.txt"), "at least 8 characters"),
        (("--coder", "nobody"), "nobody"),
        (("--transcript", "no-such-interview"), "no-such-interview"),
    ],
)
def test_bad_options_give_one_line_and_no_server(run_cli, project, project_url, tmp_path, args, message):
    (tmp_path / "pw.txt").write_text("a long enough password\n")
    (tmp_path / "short.txt").write_text("short\n")
    result = run_cli("serve", "--db", project_url, "--no-open", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert "open http" not in result.stdout


@pytest.fixture
def served(project, project_url):
    server = start_serve(project_url)
    yield server
    server.stop()


# ---------------------------------------------------------------------- nothing without the token


def get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def enter(served) -> tuple[str, str, str]:
    """The printed link, as a browser follows it: (cookie as sent back, its Set-Cookie, the
    workbench's URL it redirects to)."""
    status, headers, _ = get(served.url)
    assert status == 303, status
    set_cookie = headers["Set-Cookie"]
    return set_cookie.split(";")[0], set_cookie, f"http://127.0.0.1:{served.port}{headers['Location']}"


def test_without_the_token_every_route_answers_401_and_nothing_of_the_project(served):
    bodies = []
    for path in ("", "ws", "static/js/textual.js", "download/x", "?token="):
        status, _, body = get(served.base + path)
        assert status in (401, 403), path
        bodies.append(body.decode("utf-8", "replace"))
    status, _, body = get(served.base + "?token=not-the-token")
    assert status == 403
    bodies.append(body.decode())
    for body in bodies:
        for words in (*TRANSCRIPT_WORDS, "Formalisation", "alice"):
            assert words not in body


def test_websocket_without_the_cookie_is_refused_before_any_workbench_starts(served):
    async def attempt(headers):
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(served.base + "ws?width=80&height=24", headers=headers) as ws:
                    received = []
                    try:
                        async for message in ws:
                            received.append(message.data)
                    except Exception:
                        pass
                    return 101, received
            except aiohttp.WSServerHandshakeError as error:
                return error.status, []

    status, received = asyncio.run(attempt({}))
    assert status == 401 and received == []
    status, received = asyncio.run(attempt({"Cookie": f"qualcode-{served.port}=guessed"}))
    assert status == 401 and received == []


def test_the_token_sets_a_cookie_and_leaves_the_address_bar(served):
    cookie, set_cookie, workbench = enter(served)
    path = urllib.parse.urlsplit(workbench).path
    assert re.fullmatch(r"/w/[A-Za-z0-9_-]{16}/", path)  # the token is gone from the address
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    status, headers, body = get(workbench, cookie=cookie)
    assert status == 200
    assert b"textual-terminal" in body
    assert headers["X-Frame-Options"] == "DENY"
    assert b"googleapis" not in body  # the page loads nothing from other sites
    assert path.encode() + b"ws" in body and path.encode() + b"static/" in body


def test_the_cookie_is_a_secret_of_its_own_scoped_to_this_run_and_port(project, project_url):
    """Browsers send a host's cookies to every port of it; this one names a random path of this
    run, so a web app on another port never receives it, and it is never the token."""
    first, second = start_serve(project_url), start_serve(project_url)
    try:
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(first.url).query)["token"][0]
        cookie, set_cookie, workbench = enter(first)
        name, value = cookie.split("=", 1)
        assert name == f"qualcode-{first.port}"
        assert token not in set_cookie and value != token
        path = urllib.parse.urlsplit(workbench).path
        assert f"Path={path}" in set_cookie
        other_cookie, _, other_workbench = enter(second)
        assert other_cookie.split("=", 1)[1] != value  # random per run
        assert urllib.parse.urlsplit(other_workbench).path != path
        # The first server's cookie, even renamed for the second, opens nothing there.
        status, _, body = get(other_workbench, cookie=f"qualcode-{second.port}={value}")
        assert status == 401 and b"textual-terminal" not in body
        # And the token itself as a cookie opens nothing.
        status, _, _ = get(workbench, cookie=f"qualcode-{first.port}={token}")
        assert status == 401
    finally:
        first.stop()
        second.stop()


@pytest.mark.parametrize(
    "path", ["/", "//evil.example/", "/\\evil.example/", "//evil.example/%2F..", "/ws", "/%2F%2Fevil.example"]
)
def test_the_token_redirects_only_to_this_server(served, path):
    import http.client

    token = urllib.parse.parse_qs(urllib.parse.urlsplit(served.url).query)["token"][0]
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    try:
        connection.request("GET", f"{path}?token={token}&fontsize=20")
        response = connection.getresponse()
        location = response.getheader("Location")
        response.read()
    finally:
        connection.close()
    if response.status in (301, 302, 303, 307, 308):
        assert re.fullmatch(r"/w/[A-Za-z0-9_-]{16}/\?fontsize=20", location), location
    else:
        assert response.status in (401, 404) and location is None


def test_a_websocket_from_another_site_is_refused_even_with_the_cookie(served):
    cookie, _, workbench = enter(served)

    async def attempt(origin):
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(
                    workbench + "ws?width=80&height=24", headers={"Cookie": cookie, "Origin": origin}
                ) as ws:
                    await ws.close()
                    return 101
            except aiohttp.WSServerHandshakeError as error:
                return error.status

    assert asyncio.run(attempt("http://evil.example")) == 403
    assert asyncio.run(attempt(f"http://127.0.0.1:{served.port}")) == 101


def test_ctrl_c_stops_the_server_cleanly(project, project_url):
    server = start_serve(project_url)
    assert server.stop() == 0
    assert "qualcode serve: stopped" in server.output
    assert not any("Traceback" in line for line in server.output)


def test_password_file_asks_for_the_password(project, project_url, tmp_path):
    secret = tmp_path / "password.txt"
    secret.write_text("correct horse battery\n")
    server = start_serve(project_url, "--password-file", str(secret))
    try:
        assert "token=" not in server.url
        status, _, body = get(server.base)
        assert status == 401 and b'type="password"' in body
        for words in TRANSCRIPT_WORDS:
            assert words.encode() not in body

        def post(password: str):
            data = urllib.parse.urlencode({"password": password}).encode()
            request = urllib.request.Request(server.base + "login", data=data)

            class NoRedirect(urllib.request.HTTPRedirectHandler):
                def redirect_request(self, *args, **kwargs):
                    return None

            try:
                with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
                    return response.status, dict(response.headers)
            except urllib.error.HTTPError as error:
                return error.code, dict(error.headers)

        status, headers = post("wrong password")
        assert status == 403 and "Set-Cookie" not in headers
        status, headers = post("correct horse battery")
        assert status == 303
        cookie = headers["Set-Cookie"].split(";")[0]
        assert "correct horse" not in cookie  # the cookie is a secret of its own, not the password
        assert headers["Location"].startswith("/w/")
        status, _, body = get(server.base + headers["Location"][1:], cookie=cookie)
        assert status == 200 and b"textual-terminal" in body
    finally:
        server.stop()


# ---------------------------------------------------------------------- the password file


@pytest.mark.parametrize(
    "kind, message",
    [
        ("fifo", "is not a regular file"),
        ("dev-zero", "is not a regular file"),
        ("directory", "is a directory"),
        ("huge", "it should hold the password on its first line"),
        ("binary", "not UTF-8 text"),
    ],
)
def test_a_password_file_that_is_not_a_small_text_file_is_one_line_without_waiting(
    project, project_url, tmp_path, kind, message
):
    import os

    path = tmp_path / "password"
    if kind == "fifo":
        os.mkfifo(path)  # nobody writes: reading it would wait for good
    elif kind == "dev-zero":
        path = tmp_path / "zero"
        path.symlink_to("/dev/zero")  # reading it would never end
    elif kind == "directory":
        path.mkdir()
    elif kind == "huge":
        path.write_text("a long enough password\n" + "x" * 100_000)
    else:
        path.write_bytes(b"\xff\xfe long enough password\n")
    result = qualcode("serve", "--db", project_url, "--no-open", "--password-file", str(path), timeout=60)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and message in result.stderr
    assert "open http" not in result.stdout


def test_a_password_file_others_can_read_is_a_warning(project, project_url, tmp_path):
    path = tmp_path / "password"
    path.write_text("correct horse battery\n")
    path.chmod(0o644)
    server = start_serve(project_url, "--password-file", str(path))
    try:
        warned = [line for line in server.output if line.startswith("warning:")]
    finally:
        server.stop()
    assert warned == [
        f"warning: other users of this machine can read the password file {path} (mode 644); chmod 600 it"
    ]
    path.chmod(0o600)
    server = start_serve(project_url, "--password-file", str(path))
    try:
        assert not [line for line in server.output if line.startswith("warning:")]
    finally:
        server.stop()


def test_password_guesses_in_parallel_are_checked_one_at_a_time_then_locked_out(project, project_url, tmp_path):
    """Twenty guesses at once: at most five are checked before logins are refused, and the right
    password is refused too while the lockout lasts."""
    secret = tmp_path / "password.txt"
    secret.write_text("correct horse battery\n")
    secret.chmod(0o600)
    server = start_serve(project_url, "--password-file", str(secret))

    async def guesses():
        async with aiohttp.ClientSession() as session:

            async def guess(password: str) -> int:
                async with session.post(
                    server.base + "login", data={"password": password}, allow_redirects=False
                ) as response:
                    return response.status

            wrong = await asyncio.gather(*(guess(f"wrong guess {i}") for i in range(20)))
            right = await guess("correct horse battery")
            return wrong, right

    try:
        wrong, right = asyncio.run(guesses())
    finally:
        server.stop()
    assert sorted(set(wrong)) == [403, 429]
    assert wrong.count(403) == 5  # checked, one at a time, a second each
    assert right == 429  # locked out: not even the right password is checked
    assert any("5 wrong passwords in a row: logins refused for 30 s" in line for line in server.output)


# ---------------------------------------------------------------------- dropped connections


def test_a_dropped_connection_is_one_line_and_its_workbench_ends(project, project_url):
    """One tab's browser stops reading while the workbench draws; another's connection is reset.
    Both workbenches end, the server logs one line for each, and Ctrl+C stops it at once."""
    import os
    import socket
    import struct

    server = start_serve(project_url, "--coder", "alice", "--send-timeout", "2")
    cookie, _, workbench = enter(server)
    path = urllib.parse.urlsplit(workbench).path

    def open_tab(width: int, height: int) -> socket.socket:
        import base64

        tab = socket.socket()
        tab.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        tab.connect(("127.0.0.1", server.port))
        key = base64.b64encode(os.urandom(16)).decode()
        tab.sendall(
            f"GET {path}ws?width={width}&height={height} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n".encode()
        )
        assert b" 101 " in tab.recv(4096)
        return tab

    def key(text: str) -> bytes:
        data, mask = json.dumps(["stdin", text]).encode(), os.urandom(4)
        return bytes([0x81, 0x80 | len(data)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))

    import json
    import time

    try:
        before = set(_children(server.process.pid))
        stalled, reset = open_tab(1000, 500), open_tab(200, 60)
        deadline = time.monotonic() + 60
        while len(set(_children(server.process.pid)) - before) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workbenches = set(_children(server.process.pid)) - before
        assert len(workbenches) == 2
        time.sleep(3)  # the workbenches have drawn their first screens
        for _ in range(300):  # keys that redraw the whole screen, which the stalled tab never reads
            stalled.sendall(key("j"))
            stalled.sendall(key("k"))
        reset.sendall(key("j"))
        reset.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        reset.close()
        deadline = time.monotonic() + 90
        while set(_children(server.process.pid)) & workbenches and time.monotonic() < deadline:
            time.sleep(0.2)
        left = set(_children(server.process.pid)) & workbenches
    finally:
        code = server.stop(timeout=30)
    assert not left, "a workbench process was left behind"
    assert code == 0
    assert not any("Traceback" in line for line in server.output), "\n".join(server.output)
    closed = [line for line in server.output if "a tab was closed" in line]
    assert any("took nothing for 2 s" in line for line in closed), server.output
    assert "qualcode serve: stopped" in server.output


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


# ---------------------------------------------------------------------- the coder screen (pilot)


def served_app(project, **kwargs) -> ServedWorkbenchApp:
    coders = [c.name for c in project.coders()]
    return ServedWorkbenchApp(project, None, coders=coders, blink=False, **kwargs)


def test_coder_screen_lists_known_coders_and_opens_the_workbench_as_the_one_picked(project):
    app = served_app(project)

    async def scenario(pilot):
        text = screen_text(pilot.app)
        assert "Who is coding?" in text and "alice" in text and "bob" in text
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, WorkbenchScreen)
        assert pilot.app.screen.coder == "bob"
        await pilot.press("a")
        await settle(pilot)

    drive(app, scenario)
    assert [c.coder for c in project.list_codings()] == ["bob"]


def test_a_new_coder_is_added_where_allowed(project):
    app = served_app(project)

    async def scenario(pilot):
        await pilot.press("tab")
        await pilot.press(*"carol", "enter")
        await settle(pilot)
        assert "Add the new coder carol?" in screen_text(pilot.app)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(pilot.app.screen, WorkbenchScreen)
        assert pilot.app.screen.coder == "carol"

    drive(app, scenario)
    assert [c.name for c in project.coders()] == ["alice", "bob", "carol"]


def test_an_invalid_new_name_is_explained_and_adds_nothing(project):
    app = served_app(project)

    async def scenario(pilot):
        await pilot.press("tab")
        await pilot.press(*"<script>", "enter")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, WorkbenchScreen)
        assert "invalid coder name" in screen_text(pilot.app)

    drive(app, scenario)
    assert [c.name for c in project.coders()] == ["alice", "bob"]


def test_no_new_coders_offers_only_the_known_ones(project):
    app = served_app(project, allow_new_coders=False)

    async def scenario(pilot):
        text = screen_text(pilot.app)
        assert "new coder" not in text
        assert not pilot.app.screen.query("Input")

    drive(app, scenario)


def test_help_shows_the_browser_alternatives_only_in_a_browser(project):
    async def help_text(pilot):
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = re.sub(r"[┃│▊▎▁▔▌▐█▀▄]", " ", screen_text(pilot.app))
        return re.sub(r"\s+", " ", text)  # wrapped rows read as one line

    in_browser = drive(served_app(project, show_browser_keys=True), help_text, size=(140, 160))
    in_terminal = drive(served_app(project, show_browser_keys=False), help_text, size=(140, 160))
    for taken, _, _ in BROWSER_KEYS:
        assert f"instead of {taken}" in in_browser
    assert "instead of Ctrl+F" not in in_terminal


def test_browser_alternatives_do_what_the_stolen_keys_do(project):
    async def scenario(pilot):
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        search = type(pilot.app.screen).__name__
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("colon")
        await settle(pilot)
        palette = type(pilot.app.screen).__name__
        return search, palette

    search, palette = drive(served_app(project, show_browser_keys=True), scenario)
    assert search == "SearchDialog"
    assert palette == "CommandPalette"


def test_f2_saves_a_memo_as_ctrl_s_does(project):
    async def scenario(pilot):
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "MemoDialog"
        await pilot.press(*"saved with F2", "f2")
        await settle(pilot)

    drive(served_app(project, show_browser_keys=True), scenario)
    assert [m.text for m in project.memos(coder="alice")] == ["saved with F2"]


def test_no_token_answers_only_to_loopback_host_names(project, project_url):
    server = start_serve(project_url, "--no-token")
    try:
        assert "token=" not in server.url
        status, headers, _ = get(server.base)
        assert status == 303 and headers["Location"].startswith("/w/")
        status, _, body = get(server.base + headers["Location"][1:])
        assert status == 200 and b"textual-terminal" in body
        request = urllib.request.Request(server.base, headers={"Host": f"rebound.example:{server.port}"})
        try:
            urllib.request.urlopen(request, timeout=10)
            raise AssertionError("a foreign Host was answered")
        except urllib.error.HTTPError as error:
            assert error.code == 403
            assert b"development plan" not in error.read()
    finally:
        server.stop()


# ---------------------------------------------------------------------- no path on the server


async def _palette_titles(pilot, query: str) -> str:
    await pilot.press("ctrl+p")
    await settle(pilot)
    await pilot.press(*query)
    for _ in range(10):
        await settle(pilot)
        await asyncio.sleep(0.05)
    text = screen_text(pilot.app)
    await pilot.press("escape")
    await settle(pilot)
    return text


def test_a_browser_tab_is_not_offered_replacing_a_transcript_from_a_server_path(project, tmp_path):
    secret = tmp_path / "server-secret.txt"
    secret.write_text("Headteacher N1: the server's own words\n", encoding="utf-8")

    async def scenario(pilot):
        await pilot.press("enter")  # alice
        await settle(pilot)
        in_palette = await _palette_titles(pilot, "replace the open")
        # The action itself, as the palette would run it, refuses and asks for no path.
        from qualcode.tui.screens.transcript_replace import replace_open_transcript

        replace_open_transcript(pilot.app.screen)
        await settle(pilot)
        return in_palette, screen_text(pilot.app), type(pilot.app.screen).__name__

    in_palette, after, top = drive(served_app(project, show_browser_keys=True), scenario, size=(160, 45))
    assert "Replace the open transcript" not in in_palette
    assert top == "ServedWorkbenchScreen"  # no prompt for a path was opened
    assert "qualcode transcripts replace" in " ".join(after.split())
    assert "server's own words" not in after
    assert project.transcript_text(project.transcript("interview-01").id).count("server's own words") == 0


def test_the_terminal_workbench_still_offers_it(project):
    from qualcode.tui.app import WorkbenchApp

    async def scenario(pilot):
        return await _palette_titles(pilot, "replace the open")

    assert "Replace the open transcript" in drive(WorkbenchApp(project, "alice", blink=False), scenario, size=(160, 45))


def test_a_directory_given_to_the_replace_prompt_is_one_clear_line(project, tmp_path):
    from qualcode.tui.app import WorkbenchApp

    folder = tmp_path / "transcripts"
    folder.mkdir()
    before = project.transcript_text(project.transcript("interview-01").id)

    async def scenario(pilot):
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"replace the open transcript")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*str(folder), "enter")
        return " ".join((await wait_for_text(pilot, "directory")).split())

    text = drive(WorkbenchApp(project, "alice", blink=False), scenario, size=(160, 45))
    assert "Not done" in text and "is a directory" in text  # the path, wrapped in the notice, before it
    assert "Unexpected error" not in text and "IsADirectoryError" not in text
    assert project.transcript_text(project.transcript("interview-01").id) == before


def test_no_action_of_the_workbench_turns_typed_text_into_a_server_path():
    """Every place in the workbench's code that opens a file or builds a path, each one decided for
    the browser: a new one fails here until the served workbench is made to refuse or download it."""
    import ast
    from pathlib import Path

    import qualcode

    root = Path(qualcode.__file__).parent
    decided = {
        # (module, innermost function): why a browser tab cannot reach a path of its choosing there
        ("tui/screens/codebook_actions.py", "entered"): "ServedWorkbenchScreen downloads the YAML instead",
        ("tui/screens/codebook_actions.py", "save"): "the same",
        ("tui/screens/transcript_replace.py", "chosen"): "reads_typed_paths is False in a browser tab",
        ("tui/screens/transcript_replace.py", "plan"): "the same",
        ("tui/styles.py", "stylesheet"): "the package's own .tcss files",
        ("tui/state.py", "state_file"): "the server's own state file, fixed by XDG_STATE_HOME",
        ("tui/state.py", "_read"): "the same",
        ("tui/state.py", "save_position"): "the same",
        ("tui/state.py", "save_layout"): "the same",
        ("tui/state.py", "load_position"): "the same",
        ("tui/errors.py", "log_file"): "the server's own error log beside the state file, fixed by XDG_STATE_HOME",
        ("tui/readme_keys.py", "main"): "a developer's script, not the workbench",
        ("tui/screens/playback.py", "located"): "the transcript's own recording, and a browser tab is refused first",
    }

    class Calls(ast.NodeVisitor):
        def __init__(self) -> None:
            self.stack: list[str] = []
            self.found: set[tuple[str, str]] = set()

        def visit_FunctionDef(self, node) -> None:
            self.stack.append(node.name)
            self.generic_visit(node)
            self.stack.pop()

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Call(self, node: ast.Call) -> None:
            func = node.func
            named = isinstance(func, ast.Name) and func.id in ("Path", "open", "parse_file", "save_codebook")
            method = isinstance(func, ast.Attribute) and func.attr in ("read_text", "write_text", "expanduser")
            constant = node.args and all(isinstance(a, ast.Constant) for a in node.args)
            if (named or method) and not constant and self.stack:  # module level: at import, not on a key
                self.found.add((module, self.stack[-1]))
            self.generic_visit(node)

    calls = Calls()
    for path in [*root.joinpath("tui").rglob("*.py"), *root.joinpath("web").rglob("*.py")]:
        module = str(path.relative_to(root))
        if module != "web/testing.py":  # tests' helpers
            calls.visit(ast.parse(path.read_text(encoding="utf-8")))
    undecided = sorted(calls.found - set(decided))
    assert not undecided, f"decide what a browser tab may do there: {undecided}"


def test_arrows_and_enter_pick_a_known_coder_while_the_name_field_keeps_the_focus(project):
    """Where new names are allowed, the field has the focus from the start (no key can land on a
    widget that is losing it); ↓ and Enter with nothing typed open the highlighted coder."""
    app = served_app(project)

    async def scenario(pilot):
        await settle(pilot)
        assert pilot.app.screen.focused is pilot.app.screen.query_one("#coder-new")
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, WorkbenchScreen)
        assert pilot.app.screen.coder == "bob"

    drive(app, scenario)
    assert [c.name for c in project.coders()] == ["alice", "bob"]
