"""The limits of `qualcode serve`'s server, in-process, with a stand-in for the workbench.

The stand-in speaks textual-serve's protocol (the prelude, then length-prefixed packets) and
answers each packet it receives with its JSON, so a test sees exactly what the server passed on
to a tab's process: the size after a resize, the keys. Sent the key ``flood``, it writes screens
without end, as a workbench does for a browser that takes nothing. The real workbench behind the
same server is in tests/test_serve.py and tests/test_serve_browser.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shlex
import sys

import aiohttp
from aiohttp.test_utils import TestServer

from qualcode.web import server as served
from qualcode.web.server import WorkbenchServer

STAND_IN = r"""
import json, os, sys
out, inp = sys.stdout.buffer, sys.stdin.buffer
def packet(kind, payload):
    out.write(kind + len(payload).to_bytes(4, "big") + payload)
    out.flush()
out.write(b"__GANGLION__\n")
packet(b"D", json.dumps({"pid": os.getpid()}).encode())
while True:
    head = inp.read(5)
    if len(head) < 5:
        break
    payload = inp.read(int.from_bytes(head[1:], "big"))
    if head[:1] == b"M" and json.loads(payload)["type"] == "quit":
        break
    if payload == b"flood":
        while True:  # blocks for good once nobody reads the pipe
            packet(b"D", b"x" * 65536)
    packet(b"D", json.dumps({"kind": head[:1].decode(), "payload": payload.decode()}).encode())
"""


def stand_in_command() -> str:
    return f"exec {shlex.quote(sys.executable)} -c {shlex.quote(STAND_IN)}"


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def run(scenario, **options):
    """``scenario(server, base_url)`` against a server with the stand-in, no token (loopback)."""
    options.setdefault("stop_grace", 2.0)
    server = WorkbenchServer(stand_in_command(), "127.0.0.1", 0, **options)

    async def go():
        test_server = TestServer(await server._make_app(), host="127.0.0.1")
        await test_server.start_server()
        try:
            return await scenario(server, str(test_server.make_url(server.base)))
        finally:
            await no_tabs(server)
            await test_server.close()

    return asyncio.run(go())


async def first(ws) -> dict:
    message = await ws.receive(timeout=20)
    assert message.type == aiohttp.WSMsgType.BINARY, message
    return json.loads(message.data)


async def no_tabs(server, timeout: float = 20.0) -> int:
    for _ in range(int(timeout / 0.05)):
        if not server.tabs:
            break
        await asyncio.sleep(0.05)
    return len(server.tabs)


async def wait_gone(pid: int, timeout: float = 20.0) -> bool:
    for _ in range(int(timeout / 0.05)):
        if not alive(pid):
            return True
        await asyncio.sleep(0.05)
    return False


def test_every_resize_is_held_to_the_size_limit():
    async def scenario(server, base):
        async with aiohttp.ClientSession() as session, session.ws_connect(base + "ws?width=100000&height=100000") as ws:
            await first(ws)  # the pid
            for size in (
                {"width": 10**9, "height": 10**9},
                {"width": -5, "height": 3},
                {"width": 120, "height": 40},
            ):
                await ws.send_str(json.dumps(["resize", size]))
            for bad in ('["resize", {"width": "9e9", "height": 40}]', '["resize", {"width": true, "height": 1}]'):
                await ws.send_str(bad)  # not numbers: ignored
            await ws.send_str(json.dumps(["stdin", "done"]))
            seen = []
            while not seen or seen[-1]["payload"] != "done":
                seen.append(await first(ws))
            return [json.loads(s["payload"]) for s in seen if s["kind"] == "M"]

    sizes = run(scenario)
    assert sizes == [
        {"type": "resize", "width": 1000, "height": 500},
        {"type": "resize", "width": 10, "height": 5},
        {"type": "resize", "width": 120, "height": 40},
    ]


def test_the_first_size_is_held_to_the_limit_too(monkeypatch):
    asked = []
    original = served.Tab.start

    async def start(self, width, height):
        asked.append((width, height))
        await original(self, width, height)

    monkeypatch.setattr(served.Tab, "start", start)

    async def scenario(server, base):
        async with aiohttp.ClientSession() as session, session.ws_connect(base + "ws?width=100000&height=-3") as ws:
            await first(ws)

    run(scenario)
    assert asked == [(1000, 5)]


def test_malformed_messages_are_ignored_and_the_tab_goes_on():
    async def scenario(server, base):
        async with aiohttp.ClientSession() as session, session.ws_connect(base + "ws") as ws:
            await first(ws)
            for bad in ("not json", "{}", "[]", "[1, 2]", '["stdin", 5]', '["ping", "' + "x" * 500 + '"]'):
                await ws.send_str(bad)
            await ws.send_bytes(b"\x00binary")
            await ws.send_str(json.dumps(["stdin", "still here"]))
            return await first(ws)

    assert run(scenario) == {"kind": "D", "payload": "still here"}


def test_a_message_over_the_limit_closes_the_tab_and_its_workbench(caplog):
    async def scenario(server, base):
        async with aiohttp.ClientSession() as session, session.ws_connect(base + "ws", max_msg_size=0) as ws:
            pid = (await first(ws))["pid"]
            await ws.send_str(json.dumps(["stdin", "x" * (served.MAX_MESSAGE + 10)]))
            closing = await ws.receive(timeout=20)
            return pid, closing.type, await wait_gone(pid), await no_tabs(server)

    with caplog.at_level(logging.WARNING, logger="qualcode.serve"):
        pid, closing, gone, tabs = run(scenario)
    assert closing in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert gone and tabs == 0
    assert any("over the 1,048,576-byte limit" in r.getMessage() for r in caplog.records)


async def raw_tab(url: str):
    """A websocket opened by hand on a socket with a small receive buffer, so that a test can
    stop reading (aiohttp's own client would keep reading into memory)."""
    import base64
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (parts.hostname, parts.port))
    reader, writer = await asyncio.open_connection(sock=sock)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    assert b" 101 " in await reader.readuntil(b"\r\n\r\n")
    return reader, writer


async def raw_frame(reader) -> bytes:
    head = await reader.readexactly(2)
    size = head[1] & 0x7F
    if size == 126:
        size = int.from_bytes(await reader.readexactly(2), "big")
    elif size == 127:
        size = int.from_bytes(await reader.readexactly(8), "big")
    return await reader.readexactly(size)


def raw_text(text: str) -> bytes:
    data, mask = text.encode(), os.urandom(4)
    assert len(data) < 126
    return bytes([0x81, 0x80 | len(data)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def test_a_browser_that_takes_nothing_has_its_tab_closed_and_its_workbench_ended(caplog):
    """The tab's browser stops reading while its workbench draws: after the send timeout the
    connection is cut and the process ends, instead of both waiting for good."""

    async def scenario(server, base):
        reader, writer = await raw_tab(base + "ws?width=80&height=24")
        pid = json.loads(await raw_frame(reader))["pid"]
        writer.write(raw_text(json.dumps(["stdin", "flood"])))
        # ... and read nothing more: the socket's buffers fill, then the server's sends wait.
        gone = await wait_gone(pid, timeout=30)
        tabs = await no_tabs(server)
        writer.transport.abort()
        return gone, tabs

    with caplog.at_level(logging.WARNING, logger="qualcode.serve"):
        gone, tabs = run(scenario, send_timeout=1.0)
    assert gone, "the workbench process still runs"
    assert tabs == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "qualcode.serve"]
    assert any("took nothing for 1 s" in line for line in lines), lines
    assert all("\n" not in line for line in lines)


def test_a_tab_without_input_is_closed_after_the_idle_timeout():
    async def scenario(server, base):
        async with aiohttp.ClientSession() as session, session.ws_connect(base + "ws") as ws:
            pid = (await first(ws))["pid"]
            await ws.send_str(json.dumps(["ping", "1"]))  # the page's ping is not input
            said = []
            while True:
                message = await ws.receive(timeout=20)
                if message.type != aiohttp.WSMsgType.BINARY and message.type != aiohttp.WSMsgType.TEXT:
                    break
                said.append(message.data if isinstance(message.data, str) else message.data.decode())
            return said, await wait_gone(pid)

    said, gone = run(scenario, idle_timeout=1.5)
    assert any("without input" in s for s in said)
    assert gone


def test_no_more_tabs_than_the_cap():
    async def scenario(server, base):
        async with aiohttp.ClientSession() as session:
            first_tab = await session.ws_connect(base + "ws")
            await first(first_tab)
            second_tab = await session.ws_connect(base + "ws")
            await first(second_tab)
            async with session.get(base) as page:
                page_status, page_text = page.status, await page.text()
            try:
                await session.ws_connect(base + "ws")
                third = 101
            except aiohttp.WSServerHandshakeError as error:
                third = error.status
            await first_tab.close()
            for _ in range(200):  # its workbench has ended: the place is free again
                if len(server.tabs) < 2:
                    break
                await asyncio.sleep(0.05)
            again = await session.ws_connect(base + "ws")
            await first(again)
            await again.close()
            await second_tab.close()
            return page_status, page_text, third

    page_status, page_text, third = run(scenario, max_tabs=2)
    assert page_status == 503 and "--max-tabs 2" in page_text and "Close a tab" in page_text
    assert third == 503


def test_the_default_cap_follows_the_machine_memory(monkeypatch):
    pages = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 16 * 1024**3 // 4096}
    monkeypatch.setattr(os, "sysconf", lambda name: pages[name])
    assert served.default_max_tabs() == 40  # 16 GB: half of it at 200 MB a tab
    pages["SC_PHYS_PAGES"] = 512 * 1024**2 // 4096
    assert served.default_max_tabs() == 2


def test_the_lockout_ends_and_the_right_password_then_opens_the_workbench(caplog):
    async def scenario(server, base):
        root = base.split("/w/")[0]
        async with aiohttp.ClientSession() as session:

            async def attempt(password: str):
                async with session.post(root + "/login", data={"password": password}, allow_redirects=False) as r:
                    return r.status, r.headers.get("Location"), await r.text()

            wrong = [await attempt(f"guess {i}") for i in range(served.LOGIN_FREE_TRIES)]
            locked = await attempt("correct horse battery")
            await asyncio.sleep(0.5)
            opened = await attempt("correct horse battery")
            return wrong, locked, opened

    with caplog.at_level(logging.WARNING, logger="qualcode.serve"):
        wrong, locked, opened = run(
            scenario, password="correct horse battery", login_delay=0.01, login_lockout=(0.3, 1.0)
        )
    assert [status for status, _, _ in wrong] == [403] * served.LOGIN_FREE_TRIES
    assert locked[0] == 429 and "try again in 1 second." in locked[2]
    assert opened[0] == 303 and opened[1].startswith("/w/")
