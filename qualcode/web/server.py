"""The web server of ``qualcode serve``: the workbench behind a token or a password.

textual-serve supplies the page (xterm.js) and ``AppService``, which runs one workbench process
per websocket (``qualcode.web.session``) and relays its screen. This module builds the routes
itself, so that each is behind the same checks.

Who holds the link may code, and nothing more:

- token: the printed URL carries ``?token=…``; ``/`` with it sets a session cookie and
  redirects to the workbench's own path, ``/w/<random>/``, so the token leaves the address bar.
  Password (``--password-file``): ``/`` shows a form; the right password sets the cookie.
- The cookie is never the token or the password: a random secret of this server run, named for
  its port (``qualcode-8000``) and scoped to the workbench's path. Browsers send a host's cookies
  to every port of it, but only for the paths a cookie names; since that path is random per run
  and only shown to who passed the check, a web app on another port of the same host never
  receives it. Over HTTPS (behind a proxy that says ``X-Forwarded-Proto: https``) it is
  ``Secure`` and named ``__Secure-qualcode-<port>``.
- Without the cookie every path answers 401 (403 for a wrong token) with a short page of its own:
  no workbench starts and nothing of the project is read. A websocket whose Origin is another
  site's is refused (this holds with ``--no-token`` too). Redirects only ever go to this server's
  own paths.
- Password guessing: attempts are checked one at a time for the whole server, each wrong one
  costs a second, and after ``LOGIN_FREE_TRIES`` wrong ones in a row logins are refused for a
  period that doubles with each further wrong one (``LOGIN_LOCKOUT``).
- Limits per tab: at most ``max_tabs`` workbenches at once; a terminal of at most
  ``MAX_COLUMNS`` × ``MAX_ROWS`` (the page's first size and every resize); a websocket message of
  at most ``MAX_MESSAGE`` bytes; a tab closed after ``idle_timeout`` seconds without a key, click
  or resize, and at once when the browser takes nothing of what is sent for ``send_timeout``
  seconds (a dropped connection), so that its workbench process ends rather than waiting for good.
- A dropped connection is one line in the server's terminal, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import json
import logging
import math
import os
import secrets
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

TEMPLATES = Path(__file__).resolve().parent / "templates"
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}

# What one tab may ask of the server.
MAX_COLUMNS, MIN_COLUMNS = 1000, 10
MAX_ROWS, MIN_ROWS = 500, 5
MAX_MESSAGE = 1 << 20  # bytes in one websocket message (a paste into a memo is one message)
IDLE_TIMEOUT = 3600.0  # seconds without a key, click or resize before a tab is closed
SEND_TIMEOUT = 30.0  # seconds the browser may take nothing of what is sent before the tab is closed
STOP_GRACE = 10.0  # seconds a closed tab's workbench has to finish before it is killed
TAB_MEMORY = 200 * 1024 * 1024  # what one tab's workbench may take, for the default cap on tabs

# Password guessing, for the server as a whole.
LOGIN_DELAY = 1.0  # seconds each wrong password costs, while no other attempt is checked
LOGIN_FREE_TRIES = 5  # wrong passwords in a row before logins are refused for a while
LOGIN_LOCKOUT = (30.0, 900.0)  # the first refusal period, doubling up to the second
LOGIN_QUEUE = 16  # attempts waiting their turn; more are refused at once

log = logging.getLogger("qualcode.serve")

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
}

LOGIN_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>qualcode</title>
<style>body{{background:#0c181f;color:#eee;font-family:sans-serif;display:flex;height:90vh;align-items:center;justify-content:center}}
form{{background:#12232d;padding:2em;border-radius:6px}} input{{font-size:1.1em;margin:.5em 0;padding:.3em}}
.error{{color:#f88}}</style></head>
<body><form method="post" action="/login"><div>qualcode: this workbench needs the server's password.</div>
<div class="error">{error}</div>
<input type="password" name="password" autofocus autocomplete="current-password" aria-label="password">
<button type="submit">Open</button></form></body></html>
"""

TOKEN_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>qualcode</title></head>
<body><p>{message}</p></body></html>
"""


def is_loopback(host: str) -> bool:
    import ipaddress

    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def default_max_tabs() -> int:
    """Half the machine's memory at ``TAB_MEMORY`` a tab, between 2 and 100."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 8
    return max(2, min(100, memory // 2 // TAB_MEMORY))


class Tab(AppService):
    """One browser tab's workbench process, relayed to its websocket.

    Sending to the browser is bounded by ``send_timeout``: a browser that takes nothing for that
    long is gone, and its connection is dropped. From then on what the workbench writes is read
    and discarded, so that the process is never blocked on a full pipe and sees the quit it is
    sent; ``close`` kills it if it has not ended within ``stop_grace`` seconds.
    """

    def __init__(
        self, command: str, websocket: web.WebSocketResponse, request: web.Request, server: WorkbenchServer
    ) -> None:
        super().__init__(
            command,
            write_bytes=self._guarded(websocket.send_bytes),
            write_str=self._guarded(websocket.send_str),
            close=self._close_socket,
            download_manager=server.download_manager,
            debug=server.debug,
        )
        self.websocket = websocket
        self.request = request
        self.send_timeout = server.send_timeout
        self.stop_grace = server.stop_grace
        self.error_log = server.error_log
        self.gone: str | None = None  # why the browser is no longer sent anything
        self._closing: asyncio.Future[None] | None = None

    def _guarded(self, send: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
        async def guarded(payload: Any) -> None:
            if self.gone is not None:
                return
            try:
                await asyncio.wait_for(send(payload), self.send_timeout)
            except asyncio.TimeoutError:
                self.drop(f"the browser took nothing for {self.send_timeout:g} s")
            except (ConnectionError, RuntimeError):
                self.drop("the connection was lost")

        return guarded

    async def _close_socket(self) -> None:
        if self.gone is None:  # the workbench quit (q): the page shows that it closed
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.websocket.close(), self.send_timeout)

    def drop(self, why: str) -> None:
        """Stop sending to this tab and cut its connection (the receive loop then ends)."""
        if self.gone is None:
            self.gone = why
            log.warning("a tab was closed: %s", why)
            transport = self.request.transport
            if transport is not None:
                transport.abort()

    @property
    def process(self):
        return self._process

    async def close(self) -> None:
        """Ask the workbench to quit (after its last commit); kill it if it has not ended within
        ``stop_grace`` seconds. Its output is read until it ends, so it never waits on a full pipe.
        The tab's handler and the server's shutdown may both call this: both wait for the one end."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        process, task = self._process, self._task
        if process is None or task is None:
            return
        self._task = None
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        with contextlib.suppress(asyncio.TimeoutError, ConnectionError, RuntimeError):
            await asyncio.wait_for(self.send_meta({"type": "quit"}), self.stop_grace)
        if not await _ended(process, self.stop_grace):
            log.warning("a tab's workbench did not end within %g s: stopped", self.stop_grace)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await _ended(process, self.stop_grace)
        elif process.returncode != 0:
            where = f": see {self.error_log}" if self.error_log is not None else ""
            log.warning("a tab's workbench ended with an error (exit code %s)%s", process.returncode, where)
        # The relay ends at the end of the output; a process the workbench started could still
        # hold it open, so it is not waited for long.
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(task, 2.0)
        transport = getattr(process, "_transport", None)
        if transport is not None:
            transport.close()


async def _ended(process, timeout: float) -> bool:
    """Whether the process has ended within ``timeout`` seconds. (``Process.wait`` would also
    wait for its pipes to be read to the end, which a stopped relay no longer does.)"""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while process.returncode is None and loop.time() < deadline:
        await asyncio.sleep(0.05)
    return process.returncode is not None


class WorkbenchServer(Server):
    """``token`` (URL token mode), ``password`` (password mode), or neither (``--no-token``)."""

    def __init__(
        self,
        command: str,
        host: str,
        port: int,
        *,
        token: str | None = None,
        password: str | None = None,
        title: str = "qualcode",
        on_ready=None,
        max_tabs: int | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
        send_timeout: float = SEND_TIMEOUT,
        stop_grace: float = STOP_GRACE,
        error_log: Path | None = None,
        login_delay: float = LOGIN_DELAY,
        login_lockout: tuple[float, float] = LOGIN_LOCKOUT,
    ) -> None:
        super().__init__(command, host=host, port=port, title=title, templates_path=TEMPLATES)
        if token is not None and password is not None:
            raise ValueError("a token or a password, not both")
        self.token = token
        self.password = password
        # The cookie's value: a secret of this run, never the token or the password.
        self.session_secret = secrets.token_urlsafe(32)
        # The workbench's own path, which the cookie is scoped to (see the module's docstring).
        self.base = f"/w/{secrets.token_urlsafe(12)}/"
        self.cookie_name = f"qualcode-{port}"  # one name per port: two servers never share one
        self.on_ready = on_ready
        self.max_tabs = max_tabs if max_tabs is not None else default_max_tabs()
        self.idle_timeout = idle_timeout
        self.send_timeout = send_timeout
        self.stop_grace = stop_grace
        self.error_log = error_log  # where the workbenches' own errors go (the command says so)
        self.tabs: set[Tab] = set()
        self._ending: set[asyncio.Future[None]] = set()
        self.connections: set[web.WebSocketResponse] = set()
        self.login_delay = login_delay
        self.login_lockout = login_lockout
        self._login_lock = asyncio.Lock()
        self._login_waiting = 0
        self._login_failures = 0
        self._locked_until = 0.0

    @property
    def auth_required(self) -> bool:
        return self.token is not None or self.password is not None

    def initialize_logging(self) -> None:
        logging.basicConfig(level="WARNING", format="%(name)s: %(message)s")
        # aiohttp logs a client that went away mid-request with its whole traceback; one line is
        # what a person at the server's terminal needs (see _OneLine).
        for name in ("aiohttp.server", "aiohttp.web", "aiohttp.access", "aiohttp.websocket", "asyncio"):
            logging.getLogger(name).addFilter(_OneLine())

    # ------------------------------------------------------------------ the aiohttp app

    async def _make_app(self) -> web.Application:
        import aiohttp_jinja2
        import jinja2

        app = web.Application(middlewares=[self._guard], client_max_size=64 * 1024)
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        base = self.base
        app.add_routes(
            [
                web.get("/", self.handle_entry),
                web.post("/login", self.handle_login),
                web.get(base, self.handle_index),
                web.get(base + "ws", self.handle_tab),
                web.get(base + "download/{key}", self.handle_download),
                web.get("/download/{key}", self.handle_download_link),
                web.static(base + "static", self.statics_path),
            ]
        )
        app.on_shutdown.append(self._close_connections)
        return app

    def serve(self, debug: bool = False) -> None:
        """Until Ctrl+C (or SIGTERM): then every tab's workbench is closed before returning."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(_quiet_exceptions)
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, self.request_exit)
            except (NotImplementedError, RuntimeError):
                pass
        try:
            web.run_app(
                self._make_app(),
                host=self.host,
                port=self.port,
                handle_signals=False,
                loop=loop,
                access_log=None,
                # run_app prints once every socket is listening: the moment to show the URL.
                print=lambda *_: self.on_ready() if self.on_ready is not None else None,
            )
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    async def _close_connections(self, app: web.Application) -> None:
        # Each websocket handler stops its workbench process when its socket closes; closing them
        # here lets every workbench finish its last commit and exit before the server does. A
        # browser that takes nothing is cut off rather than waited for.
        async def close(ws: web.WebSocketResponse) -> None:
            try:
                await asyncio.wait_for(ws.close(code=1001, message=b"server stopping"), 2.0)
            except Exception:
                for tab in self.tabs:
                    if tab.websocket is ws:
                        tab.drop("the server is stopping")

        await asyncio.gather(*(close(ws) for ws in set(self.connections)))
        await asyncio.gather(*(tab.close() for tab in set(self.tabs)), *set(self._ending), return_exceptions=True)

    # ------------------------------------------------------------------ checks

    def _has_cookie(self, request: web.Request) -> bool:
        for name in (self.cookie_name, "__Secure-" + self.cookie_name):
            value = request.cookies.get(name)
            if value is not None and hmac.compare_digest(value.encode(), self.session_secret.encode()):
                return True
        return False

    def _set_cookie(self, request: web.Request, response: web.StreamResponse) -> None:
        secure = request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"
        response.set_cookie(
            ("__Secure-" if secure else "") + self.cookie_name,
            self.session_secret,
            httponly=True,
            samesite="Strict",
            path=self.base,
            secure=secure or None,
        )

    def _to_workbench(self, request: web.Request) -> web.Response:
        """A redirect to this server's workbench page, and nowhere else."""
        kept = {k: v for k, v in request.query.items() if k == "fontsize" and v.isdigit() and len(v) <= 3}
        return _see_other(self.base + (f"?{urlencode(kept)}" if kept else ""))

    @web.middleware
    async def _guard(self, request: web.Request, handler) -> web.StreamResponse:
        if not self.auth_required and not is_loopback(_hostname(request.host)):
            # Without a token the only guard is that the server listens on loopback; a Host that
            # is not a loopback name means a page elsewhere resolved its own name to this machine
            # (DNS rebinding) to reach it.
            return self._page(403, "qualcode: without a token this server answers only to 127.0.0.1 or localhost.")
        if request.path.endswith("/ws") and not self._same_origin(request):
            return self._page(403, "qualcode: a websocket from another site is refused.")
        if (
            request.path in ("/", "/login")
            or request.path.startswith("/download/")
            or not self.auth_required
            or self._has_cookie(request)
        ):
            response = await handler(request)
        else:
            return self._unauthorised()
        if not response.prepared:
            response.headers.update(SECURITY_HEADERS)
        return response

    def _unauthorised(self) -> web.Response:
        if self.password is not None:
            return self._login_page(401)
        return self._page(
            401, "qualcode: open this workbench with the link `qualcode serve` printed (it carries a token)."
        )

    def _same_origin(self, request: web.Request) -> bool:
        """Browsers send Origin on every websocket; it must name the host the request came to."""
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not a browser (a browser always sends it on a websocket)
        return urlsplit(origin).netloc.lower() == request.host.lower()

    def _page(self, status: int, message: str) -> web.Response:
        return web.Response(
            status=status,
            text=TOKEN_PAGE.format(message=html.escape(message)),
            content_type="text/html",
            headers=SECURITY_HEADERS,
        )

    def _login_page(self, status: int, error: str = "") -> web.Response:
        return web.Response(
            status=status,
            text=LOGIN_PAGE.format(error=html.escape(error)),
            content_type="text/html",
            headers={**SECURITY_HEADERS, "WWW-Authenticate": 'FormBased realm="qualcode"'},
        )

    async def handle_entry(self, request: web.Request) -> web.StreamResponse:
        """``/``: the token's check, the password form, or (``--no-token``) on to the workbench."""
        if self.token is not None:
            given = request.query.get("token")
            if given is None:
                if self._has_cookie(request):  # never sent here (it is scoped), but harmless
                    return self._to_workbench(request)
                return self._page(
                    401, "qualcode: open this workbench with the link `qualcode serve` printed (it carries a token)."
                )
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return self._page(403, "qualcode: this token is not the one this server printed.")
            redirect = self._to_workbench(request)
            self._set_cookie(request, redirect)
            return redirect
        if self.password is not None:
            return self._login_page(401)
        return self._to_workbench(request)

    async def handle_login(self, request: web.Request) -> web.StreamResponse:
        if self.password is None:
            raise web.HTTPNotFound()
        if self._login_waiting >= LOGIN_QUEUE:
            return self._login_page(429, "Too many attempts at once: try again in a minute.")
        form = await request.post()
        given = str(form.get("password", ""))
        loop = asyncio.get_running_loop()
        self._login_waiting += 1
        try:
            async with self._login_lock:  # one attempt at a time, for the whole server
                wait = math.ceil(self._locked_until - loop.time())
                if wait > 0:
                    unit = "second" if wait == 1 else "seconds"
                    return self._login_page(429, f"Too many wrong passwords: try again in {wait} {unit}.")
                if hmac.compare_digest(given.encode(), self.password.encode()):
                    self._login_failures = 0
                    redirect = self._to_workbench(request)
                    self._set_cookie(request, redirect)
                    return redirect
                self._login_failures += 1
                await asyncio.sleep(self.login_delay)
                beyond = self._login_failures - LOGIN_FREE_TRIES
                if beyond >= 0:
                    first, longest = self.login_lockout
                    period = min(longest, first * 2 ** min(beyond, 30))
                    self._locked_until = loop.time() + period
                    log.warning(
                        "%d wrong passwords in a row: logins refused for %d s", self._login_failures, round(period)
                    )
                return self._login_page(403, "That is not the password.")
        finally:
            self._login_waiting -= 1

    async def handle_download_link(self, request: web.Request) -> web.StreamResponse:
        """The page asks for a download at ``/download/KEY``, where the cookie is not sent: a key
        that a tab's workbench has just offered (random, for one download) is sent on to the
        workbench's own path, where the cookie is checked; any other key is not found."""
        key = request.match_info["key"]
        try:
            await self.download_manager.get_download_metadata(key)
        except KeyError:  # answered as any other path without the cookie
            return self._unauthorised() if self.auth_required else self._page(404, "qualcode: no such download.")
        return _see_other(f"{self.base}download/{key}")

    # ------------------------------------------------------------------ the workbench

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        import aiohttp_jinja2

        if len(self.tabs) >= self.max_tabs:
            return self._page(503, self._full_message())
        context: dict[str, Any] = {
            "font_size": max(8, min(40, _int(request.query.get("fontsize"), 16))),
            "websocket_path": self.base + "ws",
            # Relative to the host, so that the page works under whatever host name it was opened with.
            "config": {"static": {"url": self.base + "static/"}},
            "application": {"name": self.title},
            "ping_url": "",
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    def _full_message(self) -> str:
        return (
            f"qualcode: {len(self.tabs)} tabs are open, the most this server allows (--max-tabs {self.max_tabs}). "
            "Close a tab you no longer use and reload this page."
        )

    async def handle_tab(self, request: web.Request) -> web.StreamResponse:
        """The websocket of one tab: its workbench process, from the handshake until it closes."""
        if len(self.tabs) >= self.max_tabs:
            log.warning("a new tab was refused: %d tabs are open (--max-tabs %d)", len(self.tabs), self.max_tabs)
            return self._page(503, self._full_message())
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE)
        width = _clamp(_int(request.query.get("width"), 80), MIN_COLUMNS, MAX_COLUMNS)
        height = _clamp(_int(request.query.get("height"), 24), MIN_ROWS, MAX_ROWS)
        tab = Tab(self.command, websocket, request, self)
        self.tabs.add(tab)  # counted from now until its process has ended
        try:
            await websocket.prepare(request)
            self.connections.add(websocket)
            await tab.start(width, height)
            why = await self._relay(websocket, tab)
            if why:
                tab.drop(why)
        except asyncio.CancelledError:  # aiohttp's word that the connection is gone
            tab.drop("the connection was lost")
        except Exception as error:  # a tab's failure ends its workbench, never the server
            tab.drop(_one_line(error))
        finally:
            self.connections.discard(websocket)
            # aiohttp cancels this handler when the connection goes; ending the workbench (and
            # counting the tab until it has) must not be cut short with it.
            ending = asyncio.ensure_future(self._end(tab))
            self._ending.add(ending)
            ending.add_done_callback(self._ending.discard)
            await asyncio.shield(ending)
        return websocket

    async def _end(self, tab: Tab) -> None:
        try:
            await tab.close()
        finally:
            self.tabs.discard(tab)

    async def _relay(self, websocket: web.WebSocketResponse, tab: Tab) -> str:
        """The browser's messages to the workbench, until the tab closes; why it closed, if not
        by the browser's own choice."""
        loop = asyncio.get_running_loop()
        last_input = loop.time()
        while True:
            left = last_input + self.idle_timeout - loop.time()
            if left <= 0:
                await _say(websocket, f"closed after {self.idle_timeout / 60:g} minutes without input")
                await asyncio.wait_for(websocket.close(code=1000, message=b"idle"), self.send_timeout)
                return f"no key, click or resize for {self.idle_timeout:g} s"
            try:
                message = await websocket.receive(timeout=left)
            except asyncio.TimeoutError:
                continue
            if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                return ""
            if message.type == WSMsgType.ERROR:
                error = websocket.exception()
                if websocket.close_code == 1009 or getattr(error, "code", None) == 1009:  # over-long message
                    return f"a message over the {MAX_MESSAGE:,}-byte limit"
                return "the connection was lost" if error is None else _one_line(error)
            if message.type != WSMsgType.TEXT or tab.gone is not None:
                continue
            envelope = _envelope(message.data)
            if envelope is None:
                continue  # not a message the page sends: ignored
            kind, data = envelope
            if kind == "stdin" and isinstance(data, str):
                last_input = loop.time()
                await tab.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                width, height = data.get("width"), data.get("height")
                if isinstance(width, int) and isinstance(height, int) and _is_int(width) and _is_int(height):
                    last_input = loop.time()
                    await tab.set_terminal_size(
                        _clamp(width, MIN_COLUMNS, MAX_COLUMNS), _clamp(height, MIN_ROWS, MAX_ROWS)
                    )
            elif kind == "ping" and isinstance(data, str) and len(data) <= 64:
                await tab.remote_write_str(json.dumps(["pong", data]))
            elif kind == "blur":
                await tab.blur()
            elif kind == "focus":
                await tab.focus()


class _OneLine(logging.Filter):
    """A record about a client that went away keeps its message and loses its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None and _dropped(record.exc_info[1]):
            record.msg = f"{record.getMessage()}: {_one_line(record.exc_info[1])}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


def _dropped(error: BaseException) -> bool:
    return isinstance(error, ConnectionError | TimeoutError | asyncio.TimeoutError | asyncio.CancelledError)


def _quiet_exceptions(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The loop's handler: a dropped connection is one line; anything else as asyncio reports it."""
    error = context.get("exception")
    if error is not None and _dropped(error):
        log.warning("%s: %s", context.get("message", "connection"), _one_line(error))
        return
    loop.default_exception_handler(context)


def _see_other(location: str) -> web.Response:
    """303 to a path of this server (always starting with one ``/`` and a letter: never off-site)."""
    assert location.startswith("/w/"), location
    return web.Response(status=303, headers={**SECURITY_HEADERS, "Location": location})


def _one_line(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


async def _say(websocket: web.WebSocketResponse, text: str) -> None:
    """A line in the tab's terminal, for the moment before it closes."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.send_bytes(f"\r\n\x1b[0mqualcode: {text}.\r\n".encode()), 2.0)


def _envelope(data: str) -> tuple[str, Any] | None:
    """``[kind, data]`` as the page sends it, or None."""
    try:
        envelope = json.loads(data)
    except ValueError:
        return None
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        return None
    return envelope[0], envelope[1] if len(envelope) > 1 else None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _hostname(host: str) -> str:
    """``host[:port]`` or ``[v6]:port`` without the port."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
