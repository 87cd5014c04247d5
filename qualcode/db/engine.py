"""Engine set-up: where a project lives, SQLite pragmas, and migrations on open."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from qualcode.db.basics import DEFAULT_FILENAME, HEAD_REVISION, REVISION_QUERY, add_text_function, sqlite_file
from qualcode.errors import NoProject, ProjectBusy, QualcodeError

# DEFAULT_FILENAME and HEAD_REVISION (the newest migration) are in qualcode.db.basics, which the
# light summary read of `qualcode status` shares without loading SQLAlchemy.
# Projects older than this revision have rows that the migrations rewrite smaller (0006: the
# full-text index's own copy of the text; 0007: codings' origins); an SQLite file upgraded past
# it is VACUUMed so that the file shrinks (0008: transcripts' text compressed).
SHRINKS_AT = "0008"
# How long a change waits for another session's lock before giving up with "the project is busy":
# SQLite's busy timeout and PostgreSQL's lock_timeout. Coders wait for each other rather than fail
# (SQLite has no fair queue; a replace of a long transcript holds its rows for seconds), but a
# session left idle in the middle of a change no longer makes every command wait forever.
BUSY_TIMEOUT_MS = 60_000


def resolve_url(db: str | None) -> str:
    """A ``--db`` value (path or URL, or None for ``./qualcode.db``) as an SQLAlchemy URL."""
    path = sqlite_file(db)
    if path is None and db:
        if db.startswith("postgres://"):
            db = "postgresql://" + db[len("postgres://") :]
        try:
            url = make_url(db)
        except ArgumentError:
            raise QualcodeError(f"not a database URL or file path: {db!r}") from None
        if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise QualcodeError(f"unsupported database {url.get_backend_name()!r}: use a file path or postgresql://")
        return url.render_as_string(hide_password=False)
    return "sqlite:///" + str(path)


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers work while a coder writes; synchronous=FULL makes every acknowledged
    # commit durable against power loss, which is the promise of the coding path.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()
    # transcripts' text is compressed (revision 0008): the full-text index's view and triggers,
    # and SQL that cuts or measures the text, read it through this function
    add_text_function(dbapi_conn)


def user_error(orig: BaseException, statement: str | None = None) -> QualcodeError | None:
    """The one-line error for a database failure the user can act on, or None for a bug.

    Checked on both backends so that the same mistake reads the same; the transaction that hit it
    is rolled back, so "nothing was changed" holds. ``statement``, the SQL that failed, names
    the table a lock was waited for when the server does not.
    """
    message = str(orig)
    state = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)
    if state == "55P03" or message.startswith(("database is locked", "database table is locked")):
        return busy_error(orig, statement)
    if state in ("40P01", "40001"):  # deadlock_detected, serialization_failure: the server stopped this one
        return QualcodeError(
            "another session was changing the same rows at the same moment, and the database stopped "
            "this change to let it finish; nothing was changed: try again"
        )
    if "database or disk is full" in message or state == "53100" or "No space left on device" in message:
        return QualcodeError("the disk is full: nothing was changed; free some space and try again")
    if state == "22001":  # string_data_right_truncation: a field the domain checks let through
        return QualcodeError("a name or label is longer than the database allows; nothing was changed")
    if "NUL (0x00)" in message or state == "22021":
        return QualcodeError("text with a NUL character cannot be stored; nothing was changed")
    if "database disk image is malformed" in message:
        return QualcodeError(
            "the project file is damaged (database disk image is malformed); nothing was changed: "
            "restore it from a backup (or try `sqlite3 FILE .recover`)"
        )
    if "file is not a database" in message:
        return QualcodeError("file is not a database: not a qualcode project, or a damaged one; nothing was changed")
    return None


def busy_error(orig: BaseException, statement: str | None = None) -> ProjectBusy:
    """A lock waited for longer than ``BUSY_TIMEOUT_MS``, in words: which table, what to do."""
    seconds = f"{BUSY_TIMEOUT_MS / 1000:g} s"
    if isinstance(orig, sqlite3.Error):  # SQLite locks the whole file
        held = "the project file's write lock"
    else:
        context = getattr(getattr(orig, "diag", None), "context", None) or ""
        table = re.search(r'relation "([^"]+)"', context) or re.search(
            r"\b(?:FROM|UPDATE|INTO|JOIN)\s+\"?(\w+)", statement or "", re.IGNORECASE
        )
        held = f"a lock on the {table.group(1)}" if table else "a lock on the project's tables"
    return ProjectBusy(
        f"the project is busy: another session has held {held} for over {seconds} "
        "(a long change, or a session left open in the middle of one); nothing was changed: try again"
    )


def _translate_error(context) -> None:
    mapped = user_error(context.original_exception, context.statement)
    if mapped is not None:
        raise mapped from None


def _pg_lock_timeout(dbapi_conn, _record) -> None:
    """Wait at most BUSY_TIMEOUT_MS for a lock (the session keeps the setting: it is committed)."""
    with dbapi_conn.cursor() as cur:
        cur.execute(f"SET lock_timeout = {int(BUSY_TIMEOUT_MS)}")
    dbapi_conn.commit()


def make_engine(url: str) -> Engine:
    engine = _make_engine(url)
    event.listen(engine, "handle_error", _translate_error)
    return engine


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)

        # Take the write lock at BEGIN so that concurrent writers queue on the busy timeout
        # instead of failing when a read transaction tries to upgrade.
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "connect", _pg_lock_timeout)
    return engine


def current_revision(engine: Engine) -> str | None:
    """The schema revision (None: no qualcode schema), in one query when there is one."""
    with engine.connect() as conn:
        try:
            return conn.execute(text(REVISION_QUERY)).scalar()
        except DBAPIError:
            conn.rollback()  # PostgreSQL accepts no statement after a failed one until then
            if inspect(conn).has_table("alembic_version"):
                raise
            return None


def _alembic_config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "qualcode.db:migrations")
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade_to_head(conn: Connection) -> None:
    from alembic import command

    command.upgrade(_alembic_config(conn), "head")


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (after backing up an existing SQLite file).

    The version is read first, with one query: a project that is up to date (every open but the
    first after an upgrade of qualcode) never loads Alembic, which costs more than the open.
    """
    path = sqlite_path(str(engine.url))
    rev = current_revision(engine)
    if rev == HEAD_REVISION:
        return
    from alembic import command

    if rev is not None and rev not in known_revisions():
        where = display_url(str(engine.url)) if path is None else str(path)
        raise QualcodeError(
            f"{where} was written by a newer qualcode (schema revision {rev}; this version knows up to "
            f"{HEAD_REVISION}): upgrade qualcode to open it; nothing was changed"
        )
    if path is not None and rev is not None and path.exists():
        backup_sqlite(path, path.with_name(f"{path.name}.before-{HEAD_REVISION}.bak"))
    with engine.connect() as conn:
        _run_with_foreign_keys_deferred(conn, lambda: command.upgrade(_alembic_config(conn), "head"))
    if path is not None and rev is not None and rev < SHRINKS_AT:
        vacuum(engine)


def vacuum(engine: Engine) -> None:
    """Rewrite an SQLite file without its free pages (after a migration that dropped much), WAL included."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection  # VACUUM runs outside any transaction
        assert raw is not None
        raw.execute("VACUUM")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def known_revisions() -> set[str]:
    """Every schema revision this version's migrations know (Alembic is loaded only here)."""
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(_alembic_config(None)).walk_revisions()}


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (for tests of upgrades from older projects)."""
    from alembic import command

    with engine.connect() as conn:
        _run_with_foreign_keys_deferred(conn, lambda: command.downgrade(_alembic_config(conn), revision))


def _run_with_foreign_keys_deferred(conn, migrate) -> None:
    """Run migrations in one transaction; on SQLite with foreign keys off, checked before commit.

    Rebuilding a table on SQLite drops it, and with foreign keys on, the drop would cascade into
    the rows that point at it. SQLite ignores the pragma inside a transaction, so it is set here.
    """
    sqlite = conn.dialect.name == "sqlite"
    raw = conn.connection.driver_connection  # outside SQLAlchemy's transaction, as the pragma needs
    if sqlite:
        raw.execute("PRAGMA foreign_keys=OFF")
    try:
        with conn.begin():
            migrate()
            if sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise QualcodeError(f"the schema upgrade would break {len(broken)} references; nothing was changed")
    finally:
        if sqlite:
            raw.execute("PRAGMA foreign_keys=ON")


def backup_sqlite(path: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (WAL content included), via SQLite's backup API."""
    import sqlite3

    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()


def open_engine(url: str, create: bool = False) -> Engine:
    """An engine on an existing project (or a new one with ``create``), schema up to date."""
    path = sqlite_path(url)
    if path is not None:
        if create:
            if path.exists() and path.stat().st_size > 0:
                raise QualcodeError(f"{path} already exists; open it with --db or choose another name")
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.exists():
            if path.name == DEFAULT_FILENAME and path.parent == Path.cwd():
                raise NoProject(
                    "no project here (./qualcode.db): create one with `qualcode init`, "
                    "or point to one with --db PATH or QUALCODE_DB"
                )
            raise NoProject(f"no project at {path}: create it with `qualcode init {path}`")
    engine = make_engine(url)
    try:
        rev = current_revision(engine)
    except ProjectBusy:  # already one line
        engine.dispose()
        raise
    except QualcodeError as exc:  # a damaged file, as the engine's error handler words it
        engine.dispose()
        raise QualcodeError(f"cannot open the project database {path or display_url(url)}: {exc}") from None
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise QualcodeError(f"cannot open the project database: {reason}") from None
    except Exception as exc:  # e.g. a file that is not SQLite at all
        engine.dispose()
        cause = getattr(exc, "orig", None) or exc
        raise QualcodeError(f"cannot open the project database {path or ''}: {cause}".replace(" :", ":")) from None
    if rev is None and not create:
        with engine.connect() as conn:
            has_tables = bool(inspect(conn).get_table_names())
        engine.dispose()
        what = "is not a qualcode project" if has_tables else "is an empty database, not a qualcode project"
        raise NoProject(f"{path or url} {what}; create one with `qualcode init`")
    try:
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def create_project(url: str, populate: Callable[[Connection], None]) -> Engine:
    """A new project: the schema and ``populate``'s first content in one transaction, or nothing.

    A kill at any moment leaves either the whole project or no project. On PostgreSQL the schema
    and content commit together. On SQLite the file is built under a temporary name beside the
    final one, brought out of WAL mode (so that it is one self-contained file), synced, and only
    then linked to its name; what a killed ``init`` leaves is a hidden ``.NAME.PID.creating``
    file, removed by the next ``init`` of the same name.
    """
    return create_projects([(url, populate)])[0]


def create_projects(items: Sequence[tuple[str, Callable[[Connection], None]]]) -> list[Engine]:
    """Several new projects (``split``'s copies), each as ``create_project`` makes one.

    Every target is checked before anything is built, and every SQLite file is built and synced
    under its hidden name before the first is linked to its name: a failure or a kill while
    building leaves none of them; a failure while linking removes the ones this call linked.
    """
    paths = [sqlite_path(url) for url, _ in items]
    for path in paths:
        if path is not None:
            _refuse_existing(path)
    if len({p for p in paths if p is not None}) < sum(p is not None for p in paths):
        raise QualcodeError("two of the new projects would have the same file name; nothing was created")
    built: list[tuple[Path, Path]] = []  # (hidden file, its final name)
    try:
        for (url, populate), path in zip(items, paths, strict=True):
            if path is None:
                _create_in_database(url, populate)
            else:
                built.append((_build_sqlite(path, populate), path))
        linked: list[Path] = []
        try:
            for building, path in built:
                _link(building, path)
                linked.append(path)
        except BaseException:
            for path in linked:
                path.unlink(missing_ok=True)
            raise
        for parent in {path.parent for _, path in built}:
            _fsync(parent)
    except OSError as exc:
        raise QualcodeError(_os_error_line(exc)) from None
    finally:
        for building, _ in built:
            for leftover in (building, *_sidecars(building)):
                leftover.unlink(missing_ok=True)
    return [open_engine(url) for url, _ in items]


def _refuse_existing(path: Path) -> None:
    if path.exists() and (path.is_dir() or path.stat().st_size > 0):
        raise QualcodeError(f"{path} already exists; open it with --db or choose another name")


def _os_error_line(exc: OSError) -> str:
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full: nothing was created; free some space and try again"
    where = f"{exc.filename}: " if exc.filename else ""
    return f"cannot create the project: {where}{exc.strerror or exc}; nothing was created"


def _create_in_database(url: str, populate: Callable[[Connection], None]) -> None:
    """PostgreSQL: the schema and the first content commit together, or not at all."""
    engine = make_engine(url)
    try:
        if _revision_or_error(engine, url) is not None:
            raise QualcodeError(f"{display_url(url)} is already a qualcode project")
        with engine.connect() as conn:
            _run_with_foreign_keys_deferred(conn, lambda: _upgrade_then(conn, populate))
    finally:
        engine.dispose()


def _build_sqlite(path: Path, populate: Callable[[Connection], None]) -> Path:
    """The whole project in a hidden ``.NAME.PID.creating`` file beside ``path``, synced; returns that file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(path)
    building = path.with_name(f".{path.name}.{os.getpid()}.creating")
    for leftover in (building, *_sidecars(building)):
        leftover.unlink(missing_ok=True)
    try:
        engine = make_engine("sqlite:///" + str(building))
        try:
            with engine.connect() as conn:
                _run_with_foreign_keys_deferred(conn, lambda: _upgrade_then(conn, populate))
        finally:
            engine.dispose()
        single = sqlite3.connect(building)
        try:  # leaving WAL mode checkpoints the log into the file and removes it
            mode = single.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.Error as exc:
            raise user_error(exc) or QualcodeError(f"could not finish {path}: {exc}; nothing was created") from None
        finally:
            single.close()
        if mode != "delete" or _sidecars(building, existing=True):
            raise QualcodeError(f"could not finish {path}: its write-ahead log stayed open; nothing was created")
        _fsync(building)
    except BaseException:
        for leftover in (building, *_sidecars(building)):
            leftover.unlink(missing_ok=True)
        raise
    return building


def _link(building: Path, path: Path) -> None:
    """Give the finished file its name; never over a project that appeared there meanwhile."""
    try:
        os.link(building, path)
    except FileExistsError:
        if path.stat().st_size > 0:
            raise QualcodeError(f"{path} already exists; open it with --db or choose another name") from None
        os.replace(building, path)  # an empty file (e.g. from `touch`) is not a project


def _revision_or_error(engine: Engine, url: str) -> str | None:
    try:
        return current_revision(engine)
    except OperationalError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise QualcodeError(f"cannot open the project database: {reason}") from None


def display_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _sidecars(file: Path, existing: bool = False) -> list[Path]:
    files = [file.with_name(file.name + suffix) for suffix in ("-wal", "-shm", "-journal")]
    return [f for f in files if f.exists()] if existing else files


def _remove_abandoned(path: Path) -> None:
    """Temporary files of an ``init`` of ``path`` that was killed (its process is gone)."""
    for file in path.parent.glob(f".{path.name}.*.creating*"):
        pid = file.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            file.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _upgrade_then(conn: Connection, populate: Callable[[Connection], None]) -> None:
    """The schema, then the project's first rows, in the one transaction ``create_project`` runs."""
    _upgrade_to_head(conn)
    populate(conn)
