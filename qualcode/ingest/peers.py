"""Projects left behind by other tools: which file is which, and reading their SQLite safely.

QualCoder keeps a project in ``NAME.qda/data.qda`` and Taguette exports one as ``NAME.sqlite3``;
both are SQLite databases, told apart here by their tables, never by the file's name alone.
Taguette also writes a codebook CSV (``tag,description,number of highlights,…``) and a
highlights CSV (``id,document,tag,content``), recognised by their header.

The foreign database is opened read-only (an ``sqlite3`` URI with ``mode=ro``; a database in
WAL mode with ``immutable=1`` as well, so that no -wal or -shm file is created beside it):
importing never changes the other tool's file. The readers (``qualcode.ingest.qualcoder``,
``qualcode.ingest.taguette``) build on this and return plain records that ``qualcode.project``
writes; ``qualcode.ingest.peer_files`` is the one entry that picks the reader for a file.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from qualcode.errors import InputError

SQLITE_MAGIC = b"SQLite format 3\x00"
PEER_SUFFIXES = (".qda", ".sqlite3", ".sqlite")
QUALCODER_TABLES = {"project", "source", "code_name", "code_text"}
TAGUETTE_TABLES = {"alembic_version", "projects", "documents", "highlights", "tags", "highlight_tags"}
TAGUETTE_CODEBOOK_HEADER = ("tag", "description", "number of highlights")
TAGUETTE_HIGHLIGHTS_HEADER = ("id", "document", "tag", "content")
MAX_PEER_BYTES = 2 * 1024**3  # a project database; its texts are checked one by one as they are read
MAX_PEER_CSV_BYTES = 50 * 1024 * 1024


def qualcoder_folder(path: Path) -> Path | None:
    """``data.qda`` inside a QualCoder project folder (``NAME.qda/``), if ``path`` is one."""
    if path.is_dir() and path.suffix.lower() == ".qda" and (path / "data.qda").is_file():
        return path / "data.qda"
    return None


def _head(path: Path, n: int) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except OSError:
        return b""


def _csv_header(path: Path) -> tuple[str, ...]:
    head = _head(path, 4096)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    line = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        row = next(csv.reader([line.decode("utf-8")]))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return ()
    return tuple(cell.strip().lower() for cell in row)


def peer_kind(path: Path) -> str | None:
    """``qualcoder``, ``taguette``, ``taguette-codebook``, ``taguette-highlights``, ``sqlite`` (an
    SQLite file that is neither: the reader says so in one line) or None (not another tool's file).

    A file named ``.qda``/``.sqlite3``/``.sqlite`` is always claimed, so that an empty or damaged
    one is refused with a line that says what it was taken for.
    """
    if qualcoder_folder(path) is not None:
        return "qualcoder"
    if not path.is_file():
        return None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header = _csv_header(path)
        if header[: len(TAGUETTE_HIGHLIGHTS_HEADER)] == TAGUETTE_HIGHLIGHTS_HEADER:
            return "taguette-highlights"
        if header[: len(TAGUETTE_CODEBOOK_HEADER)] == TAGUETTE_CODEBOOK_HEADER:
            return "taguette-codebook"
        return None
    if _head(path, len(SQLITE_MAGIC)) == SQLITE_MAGIC:
        try:
            with open_readonly(path) as db:
                tables = table_names(db)
        except InputError:
            return "sqlite"
        if tables >= QUALCODER_TABLES:
            return "qualcoder"
        if tables >= TAGUETTE_TABLES:
            return "taguette"
        return "sqlite"
    if suffix == ".qda":
        return "qualcoder"
    if suffix in (".sqlite3", ".sqlite"):
        return "taguette"
    return None


@contextmanager
def open_readonly(path: Path) -> Iterator[sqlite3.Connection]:
    """The SQLite database at ``path``, read-only; a file that is not one is one clear line."""
    where = str(path)
    if not path.exists():
        raise InputError(where, "no such file")
    if not path.is_file():
        raise InputError(where, "not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(where, "the file is empty")
    if size > MAX_PEER_BYTES:
        raise InputError(where, f"{size / 1e9:.1f} GB is over the limit of {MAX_PEER_BYTES / 1e9:.0f} GB")
    head = _head(path, 20)
    if head[: len(SQLITE_MAGIC)] != SQLITE_MAGIC:
        raise InputError(where, "not an SQLite database (damaged, or not a project file)")
    # A database in rollback-journal mode (QualCoder's and Taguette's) is read under a shared lock,
    # which waits for a writer and never creates a file. One in WAL mode (header bytes 18-19 are 2)
    # would need -wal and -shm files beside it even to be read: it is read as immutable instead.
    wal = head[18:20] == b"\x02\x02"
    uri = "file:" + quote(str(path.resolve())) + ("?mode=ro&immutable=1" if wal else "?mode=ro")
    try:
        db = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise InputError(where, f"cannot open the database ({exc})") from None
    try:
        db.execute("PRAGMA query_only = ON")
        yield db
    except sqlite3.DatabaseError as exc:
        raise InputError(where, f"the database is damaged or unreadable ({exc})") from None
    finally:
        db.close()


def table_names(db: sqlite3.Connection) -> set[str]:
    """The tables of ``db`` (a damaged file raises ``sqlite3.DatabaseError``, which ``open_readonly``
    turns into one line naming the file)."""
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in db.execute(f'PRAGMA table_info("{table}")')}


# ---------------------------------------------------------------------- finding coded words again

_SPACE = re.compile(r"\s+")


def words(text: str) -> str:
    """Text with every run of white space (line and paragraph separators included) as one space."""
    return " ".join(text.split())


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``start, end`` without white space at either end (a coded passage is its words)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class Locator:
    """Finds a passage in a text by its words, ignoring differences in white space.

    Another tool's offsets are checked against the words it stored for the passage; where they
    disagree (a tool that counts UTF-16 units, a text edited after coding), the passage is looked
    for by its words and the occurrence nearest the stored offset is taken.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        pieces: list[str] = []
        starts: list[int] = []  # for each character of ``flat``, its offset in ``text``
        pos = 0
        for m in _SPACE.finditer(text):
            for i in range(pos, m.start()):
                pieces.append(text[i])
                starts.append(i)
            if m.start() > 0 and m.end() < len(text):
                pieces.append(" ")
                starts.append(m.start())
            pos = m.end()
        for i in range(pos, len(text)):
            pieces.append(text[i])
            starts.append(i)
        self.flat = "".join(pieces)
        self.starts = starts

    def at(self, start: int, end: int, expected: str) -> tuple[int, int] | None:
        """``(start, end)`` if the text there holds ``expected``; else where it does, nearest ``start``."""
        want = words(expected)
        if not want:
            return None
        if 0 <= start < end <= len(self.text) and words(self.text[start:end]) == want:
            return trimmed(self.text, start, end)
        return self.find(want, near=start)

    def find(self, want: str, near: int = 0, after: int = -1) -> tuple[int, int] | None:
        """The occurrence of the words ``want`` nearest ``near`` (or the first beginning at or after
        ``after``), as offsets into the text without surrounding white space."""
        want = words(want)
        if not want:
            return None
        best: tuple[int, int] | None = None
        i = self.flat.find(want)
        while i >= 0:
            a = self.starts[i]
            b = self.starts[i + len(want) - 1] + 1
            if after >= 0:
                if a >= after:
                    return a, b
            elif best is None or abs(a - near) < abs(best[0] - near):
                best = (a, b)
            elif a > near:
                break
            i = self.flat.find(want, i + 1)
        return best


def read_csv_rows(path: Path, what: str) -> list[dict[str, str]]:
    """A CSV file's rows as dicts keyed by the lower-cased header, after a BOM."""
    from qualcode.ingest.sources import read_limited

    data = read_limited(path, MAX_PEER_CSV_BYTES, what=what)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 (byte {exc.start}); save it as UTF-8 CSV") from None
    if "\x00" in text:
        raise InputError(str(path), "holds NUL characters; is it a CSV file?")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
        return [dict(zip(header, row, strict=False)) for row in reader if any(cell.strip() for cell in row)]
    except StopIteration:
        raise InputError(str(path), "the file is empty") from None
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}", f"not valid CSV ({exc})") from None
