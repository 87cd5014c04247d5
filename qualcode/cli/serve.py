"""`qualcode serve`: the coding workbench as a web page, one workbench per browser tab.

aiohttp and textual-serve are imported only when the command runs.
"""

from __future__ import annotations

import errno
import os
import secrets
import shlex
import sys
from pathlib import Path

import click

from qualcode.cli.common import db_option, open_project
from qualcode.errors import QualcodeError


@click.command()
@click.option("--coder", metavar="NAME", help="Every tab codes as NAME (default: each tab asks who is coding).")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (127.0.0.1: this machine only)."
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ask for the password in this file (its first line) instead of putting a token in the URL.",
)
@click.option("--no-token", is_flag=True, help="No token and no password: only with a loopback --host, for one user.")
@click.option(
    "--new-coders/--no-new-coders",
    default=True,
    show_default=True,
    help="Whether the first screen lets a colleague add a new coder name.",
)
@click.option("--transcript", metavar="NAME", help="Open this transcript first.")
@click.option(
    "--open/--no-open", "open_browser", default=True, help="Open the page in a browser where a desktop is there."
)
@db_option
def serve(
    coder: str | None,
    host: str,
    port: int,
    password_file: Path | None,
    no_token: bool,
    new_coders: bool,
    transcript: str | None,
    open_browser: bool,
    db: str | None,
) -> None:
    """Open the coding workbench in a browser: every tab is its own workbench.

    The server listens on 127.0.0.1 and prints a link with a secret token; only requests that
    carry it (or, with --password-file, the password) see anything of the project. It has no
    TLS of its own: to reach it from other machines, put it behind a reverse proxy with HTTPS.
    Ctrl+C stops it; every change is already saved.

    \b
    Examples:
      qualcode serve --db study.db
      qualcode serve --db postgresql://qualcode@db.example/study \\
          --port 8080 --password-file ~/.qualcode-pass
    """
    from qualcode.web.server import is_loopback

    if no_token and password_file is not None:
        raise QualcodeError("--no-token and --password-file contradict each other; choose one")
    if no_token and not is_loopback(host):
        raise QualcodeError(
            f"--no-token would let anyone who reaches {host}:{port} code in the project; "
            "use it only with a loopback --host such as 127.0.0.1"
        )
    password = _read_password(password_file) if password_file is not None else None

    project = open_project(db)
    try:
        location = project.location
        if coder is not None:
            coder = project.coder(coder).name
        if transcript is not None:
            project.transcript(transcript)
        if coder is None and not new_coders and not project.coders():
            raise QualcodeError(
                "the project has no coders and --no-new-coders forbids adding one; see `qualcode coders add`"
            )
    finally:
        project.close()

    from qualcode.web.server import WorkbenchServer
    from qualcode.web.session import ENVIRONMENT, SessionConfig

    token = None if no_token or password is not None else secrets.token_urlsafe(24)
    # Each tab's workbench process reads the project location from its environment.
    os.environ[ENVIRONMENT] = SessionConfig(
        db=db, coder=coder, allow_new_coders=new_coders, transcript=transcript
    ).to_env()
    command = f"{shlex.quote(sys.executable)} -m qualcode.web.session"
    url = _url(host, port, token)

    def ready() -> None:
        click.echo(f"qualcode serve: {location}")
        click.echo(f"  open {url}")
        if token is not None:
            click.echo("  The link carries a secret token: anyone who has it can code in this project.")
        elif password is not None:
            click.echo("  The page asks for the password from " + click.format_filename(str(password_file)) + ".")
        else:
            click.echo("  No token: anyone who can reach this port on this machine can code in this project.")
        click.echo("  Ctrl+C stops the server (every change is already saved).")
        sys.stdout.flush()
        if open_browser and _has_desktop():
            import webbrowser

            webbrowser.open(url)

    server = WorkbenchServer(command, host, port, token=token, password=password, title="qualcode", on_ready=ready)
    try:
        server.serve()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise QualcodeError(f"port {port} on {host} is in use; choose another with --port") from None
        raise QualcodeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    click.echo("qualcode serve: stopped")


def _read_password(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QualcodeError(f"cannot read the password file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    lines = text.splitlines()
    password = lines[0].strip() if lines else ""
    if len(password) < 8:
        raise QualcodeError(f"the password in {path} (its first line) must have at least 8 characters")
    return password


def _url(host: str, port: int, token: str | None) -> str:
    shown = host
    if host in ("0.0.0.0", "::", ""):
        import socket

        shown = socket.gethostname()
    elif ":" in host and not host.startswith("["):
        shown = f"[{host}]"
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def _has_desktop() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


COMMANDS = [serve]
