"""`qualcode serve`: the coding workbench as a web page, one workbench per browser tab.

aiohttp and textual-serve are imported only when the command runs.
"""

from __future__ import annotations

import errno
import os
import secrets
import shlex
import stat
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
    type=click.Path(path_type=Path),
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
    "--max-tabs",
    type=click.IntRange(1, 1000),
    help="At most this many tabs (workbenches) at once [default: from the machine's memory].",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(1, 7 * 24 * 3600),
    default=3600,
    show_default=True,
    metavar="SECONDS",
    help="Close a tab after this long without a key, click or resize (nothing is lost).",
)
@click.option(
    "--send-timeout",
    type=click.FloatRange(1, 3600),
    default=30,
    show_default=True,
    metavar="SECONDS",
    help="Close a tab whose browser takes nothing of its screen for this long (a dropped connection).",
)
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
    max_tabs: int | None,
    idle_timeout: float,
    send_timeout: float,
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

    from qualcode.web.server import WorkbenchServer, default_max_tabs
    from qualcode.web.session import ENVIRONMENT, SessionConfig

    if max_tabs is None:
        max_tabs = default_max_tabs()

    token = None if no_token or password is not None else secrets.token_urlsafe(24)
    # Each tab's workbench process reads the project location from its environment.
    os.environ[ENVIRONMENT] = SessionConfig(
        db=db, coder=coder, allow_new_coders=new_coders, transcript=transcript
    ).to_env()
    # exec: the shell textual-serve starts becomes the workbench, one process per tab, which the
    # server can end (a shell in between would leave the workbench behind when killed).
    # A workbench's own errors (tracebacks) go to a file, and the server's terminal gets one line.
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "qualcode"
    error_log: Path | None = state / "serve-errors.log"
    try:
        state.mkdir(parents=True, exist_ok=True)
        errors = f" 2>>{shlex.quote(str(error_log))}"
    except OSError:
        errors, error_log = " 2>/dev/null", None
    command = f"exec {shlex.quote(sys.executable)} -m qualcode.web.session{errors}"
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
        click.echo(
            f"  At most {max_tabs} tabs at once (--max-tabs); a tab closes after {_duration(idle_timeout)} "
            "without input (--idle-timeout)."
        )
        click.echo("  Ctrl+C stops the server (every change is already saved).")
        sys.stdout.flush()
        if open_browser and _has_desktop():
            import webbrowser

            webbrowser.open(url)

    server = WorkbenchServer(
        command,
        host,
        port,
        token=token,
        password=password,
        title="qualcode",
        on_ready=ready,
        max_tabs=max_tabs,
        idle_timeout=idle_timeout,
        send_timeout=send_timeout,
        error_log=error_log,
    )
    try:
        server.serve()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise QualcodeError(f"port {port} on {host} is in use; choose another with --port") from None
        raise QualcodeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    click.echo("qualcode serve: stopped")


MAX_PASSWORD_FILE = 4096  # bytes: a password on the first line, and perhaps a comment


def _read_password(path: Path) -> str:
    """The first line of a regular file of at most ``MAX_PASSWORD_FILE`` bytes.

    A FIFO, a device (``/dev/zero``) or a directory is refused without reading from it, so that
    nothing waits for a writer or reads without end; a file other users may read is a warning.
    """
    where = click.format_filename(str(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise QualcodeError(f"cannot read the password file {where}: no such file") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO or socket with nobody on the other end
            raise QualcodeError(f"the password file {where} is a pipe or socket, not a regular file") from None
        raise QualcodeError(f"cannot read the password file {where}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise QualcodeError(f"the password file {where} is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise QualcodeError(f"the password file {where} is not a regular file (a device, pipe or socket)")
        if info.st_size > MAX_PASSWORD_FILE:
            raise QualcodeError(
                f"the password file {where} has {info.st_size:,} bytes; it should hold the password on "
                f"its first line (at most {MAX_PASSWORD_FILE:,} bytes)"
            )
        os.set_blocking(fd, True)
        data = os.read(fd, MAX_PASSWORD_FILE + 1)
    except OSError as exc:
        raise QualcodeError(f"cannot read the password file {where}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_PASSWORD_FILE:  # it grew since fstat
        raise QualcodeError(f"the password file {where} is over {MAX_PASSWORD_FILE:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise QualcodeError(f"cannot read the password file {where}: it is not UTF-8 text") from None
    lines = text.splitlines()
    password = lines[0].strip() if lines else ""
    if len(password) < 8:
        raise QualcodeError(f"the password in {where} (its first line) must have at least 8 characters")
    if info.st_mode & 0o077:
        click.echo(
            f"warning: other users of this machine can read the password file {where} "
            f"(mode {stat.S_IMODE(info.st_mode):o}); chmod 600 it",
            err=True,
        )
    return password


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = int(seconds // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} minutes"
    return f"{seconds:g} seconds"


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
