"""The web server of ``qualcode serve``: textual-serve's server behind a token or a password.

textual-serve answers ``/`` with a page that runs xterm.js, and ``/ws`` with a websocket that
starts one workbench process per connection (``qualcode.web.session``) and relays its screen.
This module puts every route behind one check:

- token: the printed URL carries ``?token=…``; the first request with it sets an HttpOnly,
  SameSite=Strict cookie and redirects to the same page without the token (so that it leaves
  the address bar), and every later request, the websocket included, shows that cookie;
- password (``--password-file``): ``/`` without the cookie answers 401 with a password form;
  the right password sets the cookie.

Without credentials a request gets 401, with wrong ones 403, and in both cases a short page of
its own: no route of textual-serve runs, so no workbench process starts and nothing of the
project is read. The websocket is also refused when its Origin is another site's, so that a
page elsewhere cannot drive a workbench through the user's browser (this holds with
``--no-token`` too).
"""

from __future__ import annotations

import asyncio
import hmac
import html
import logging
import secrets
import signal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

TEMPLATES = Path(__file__).resolve().parent / "templates"
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}

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
    ) -> None:
        super().__init__(command, host=host, port=port, title=title, templates_path=TEMPLATES)
        if token is not None and password is not None:
            raise ValueError("a token or a password, not both")
        self.token = token
        self.password = password
        # What the cookie carries: the URL token itself, or (password mode) a secret of its own
        # so that the password is never stored in the browser.
        self.session_secret = token if token is not None else secrets.token_urlsafe(32)
        self.cookie_name = f"qualcode-{port}"  # cookies ignore ports: one name per server
        self.on_ready = on_ready
        self.connections: set[web.WebSocketResponse] = set()

    @property
    def auth_required(self) -> bool:
        return self.token is not None or self.password is not None

    def initialize_logging(self) -> None:
        logging.basicConfig(level="WARNING", format="%(name)s: %(message)s")

    # ------------------------------------------------------------------ the aiohttp app

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        app.router.add_post("/login", self.handle_login)
        app.on_shutdown.append(self._close_connections)
        return app

    async def on_startup(self, app: web.Application) -> None:
        pass  # textual-serve prints its logo here; ``serve`` says when the port is really open

    def serve(self, debug: bool = False) -> None:
        """Until Ctrl+C (or SIGTERM): then every tab's workbench is closed before returning."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
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
        # here lets every workbench finish its last commit and exit before the server does.
        await asyncio.gather(*(ws.close(code=1001, message=b"server stopping") for ws in set(self.connections)))

    def _has_cookie(self, request: web.Request) -> bool:
        value = request.cookies.get(self.cookie_name)
        return value is not None and hmac.compare_digest(value.encode(), self.session_secret.encode())

    def _set_cookie(self, response: web.StreamResponse) -> None:
        response.set_cookie(self.cookie_name, self.session_secret, httponly=True, samesite="Strict", path="/")

    @web.middleware
    async def _guard(self, request: web.Request, handler) -> web.StreamResponse:
        if not self.auth_required and not is_loopback(_hostname(request.host)):
            # Without a token the only guard is that the server listens on loopback; a Host that
            # is not a loopback name means a page elsewhere resolved its own name to this machine
            # (DNS rebinding) to reach it.
            return self._page(403, "qualcode: without a token this server answers only to 127.0.0.1 or localhost.")
        if request.path == "/ws" and not self._same_origin(request):
            return self._page(403, "qualcode: a websocket from another site is refused.")
        if not self.auth_required or self._has_cookie(request):
            response = await handler(request)
        elif self.token is not None:
            given = request.query.get("token")
            if given is None:
                return self._page(
                    401, "qualcode: open this workbench with the link `qualcode serve` printed (it carries a token)."
                )
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return self._page(403, "qualcode: this token is not the one this server printed.")
            # Accept, remember in a cookie, and take the token out of the address bar.
            query = {k: v for k, v in request.query.items() if k != "token"}
            redirect = web.HTTPSeeOther(request.rel_url.with_query(query))
            self._set_cookie(redirect)
            redirect.headers.update(SECURITY_HEADERS)
            return redirect
        elif request.path == "/login":
            response = await handler(request)
        else:
            return self._login_page(401)
        if not response.prepared:
            response.headers.update(SECURITY_HEADERS)
        return response

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

    async def handle_login(self, request: web.Request) -> web.StreamResponse:
        if self.password is None:
            raise web.HTTPNotFound()
        form = await request.post()
        given = str(form.get("password", ""))
        if not hmac.compare_digest(given.encode(), self.password.encode()):
            await asyncio.sleep(1.0)  # slows guessing; one wrong try costs a second
            return self._login_page(403, "That is not the password.")
        redirect = web.HTTPSeeOther("/")
        self._set_cookie(redirect)
        return redirect

    # ------------------------------------------------------------------ textual-serve's routes

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        import aiohttp_jinja2

        context: dict[str, Any] = {
            "font_size": max(8, min(40, _int(request.query.get("fontsize"), 16))),
            "websocket_path": "/ws",
            # Relative, so that the page works under whatever host name it was opened with.
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
            "ping_url": "",
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's handler, with the socket noted so that shutdown can close it."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = max(10, min(1000, _int(request.query.get("width"), 80)))
        height = max(5, min(500, _int(request.query.get("height"), 24)))
        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            self.connections.add(websocket)
            app_service = AppService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,  # type: ignore[arg-type]  # as textual-serve passes it
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await app_service.start(width, height)
            try:
                await self._process_messages(websocket, app_service)
            finally:
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # a malformed message ends this tab's workbench, not the server
            log.warning("workbench connection ended: %r", error)
        finally:
            self.connections.discard(websocket)
            if app_service is not None:
                await app_service.stop()
        return websocket


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
