"""Reading transcript files safely: size, encoding, binary detection, front matter."""

from __future__ import annotations

import codecs
import datetime as dt
import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from qualcode import safe_yaml
from qualcode.errors import InputError, QualcodeError
from qualcode.ingest.linebreaks import line_number, strip_break
from qualcode.limits import MAX_TRANSCRIPT_BYTES, check_length
from qualcode.speakers import SpeakerRole, roles_from_meta

DEFAULT_MAX_BYTES = MAX_TRANSCRIPT_BYTES
TEXT_SUFFIXES = {".txt": "txt", ".md": "md", ".markdown": "md"}
CAPTION_SUFFIXES = {".vtt": "vtt", ".srt": "srt"}
DOCX_SUFFIXES = {".docx": "docx"}
# read only by the formats recognised by content (qualcode/ingest/formats)
FORMAT_SUFFIXES = {".odt": "odt", ".json": "json", ".tsv": "tsv", ".html": "html", ".htm": "html"}
TRANSCRIPT_FORMATS = {**TEXT_SUFFIXES, **CAPTION_SUFFIXES, **DOCX_SUFFIXES, **FORMAT_SUFFIXES}
RESERVED_FRONT_MATTER = ("participant", "identifying", "title")

# control characters that are not line breaks (qualcode.ingest.linebreaks) or tabs: many of them
# early on mean a binary file
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f]")
_BINARY_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Word/Office document (.doc); save it as .docx"),
    (b"SQLite format 3", "an SQLite database"),
    (b"\x7fELF", "a program"),
)


@dataclass
class RawSource:
    path: Path
    data: bytes
    sha256: str


@dataclass
class FrontMatter:
    participant: str | None = None
    title: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    identifying: dict[str, object] = field(default_factory=dict)
    speakers: list[SpeakerRole] = field(default_factory=list)  # who the file's speakers are (``qualcode.speakers``)
    media: str | None = None  # the recording: a path (relative to the file) or an http(s) URL


def read_limited(path: Path, max_bytes: int, what: str = "transcript") -> bytes:
    """At most ``max_bytes`` of a regular file, or a one-line refusal.

    The size is what is actually read, not what ``stat`` says: a symlink to ``/dev/zero`` or a
    file that grows is stopped at the limit. A FIFO, device or socket is refused without waiting
    for a writer (the file is opened non-blocking and checked with ``fstat`` before any read).
    """
    where = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError(where, "no such file") from None
    except IsADirectoryError:
        raise InputError(where, "is a directory") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO or socket with nobody on the other end
            raise InputError(where, "not a regular file (a pipe or socket); copy it to a file first") from None
        raise InputError(where, f"cannot read: {exc.strerror}") from None
    # fstat before fdopen: opening a directory read-only succeeds on Linux, but wrapping its
    # descriptor in a file object raises IsADirectoryError.
    try:
        info = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise InputError(where, f"cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(where, "is a directory")
        raise InputError(where, "not a regular file (a device, pipe or socket); copy it to a file first")
    with os.fdopen(fd, "rb", buffering=0) as fh:
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        if info.st_size > max_bytes:
            raise InputError(where, _too_big(info.st_size, max_bytes, what))
        chunks, total = [], 0
        try:
            while total <= max_bytes:
                chunk = fh.read(min(1 << 20, max_bytes + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
        except OSError as exc:
            raise InputError(where, f"cannot read: {exc.strerror}") from None
        if total > max_bytes:
            raise InputError(where, _too_big(None, max_bytes, what))
    return b"".join(chunks)


def _too_big(size: int | None, max_bytes: int, what: str) -> str:
    start = f"file is {size / 1e6:.1f} MB, over" if size is not None else "file is over"
    hint = "split it, or raise the limit with --max-size" if what == "transcript" else "split it"
    limit = f"{max_bytes / 1e6:.0f} MB" if max_bytes >= 1_000_000 else f"{max_bytes:,}-byte"
    return f"{start} the {limit} limit for one {what}; {hint}"


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "transcript") -> RawSource:
    """The file's bytes, refusing what cannot be a transcript before anything is parsed."""
    data = read_limited(path, max_bytes, what)
    if not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise InputError(str(path), "empty file: nothing to import")
    return RawSource(path, data, hashlib.sha256(data).hexdigest())


def decode_text(raw: RawSource) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused with a reason.

    A NUL character anywhere is refused, not stripped: PostgreSQL cannot store it, and removing it
    would move every offset after it away from the file the researcher keeps.
    """
    return decode_bytes(raw.data, str(raw.path))


def decode_bytes(data: bytes, where: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        body, encoding = data[len(codecs.BOM_UTF8) :], "utf-8"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        body, encoding = data, "utf-16"
    else:
        for magic, what in _BINARY_MAGIC:
            if data.startswith(magic):
                raise InputError(where, f"binary file ({what}), not a text transcript")
        if b"\x00" in data[:8192]:
            raise InputError(where, "binary file, not a text transcript (UTF-16 text needs a byte-order mark)")
        body, encoding = data, "utf-8"
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        before = body[: exc.start].decode(encoding, errors="replace")
        line = line_number(before, len(before))
        guess = " (it looks like Latin-1 or Windows-1252)" if encoding == "utf-8" else ""
        raise InputError(
            f"{where}:{line}", f"not valid {encoding.upper()} text{guess}; re-save the file as UTF-8"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError(where, "empty file: nothing to import")
    controls = list(_CONTROL.finditer(text, 0, 8192))
    if len(controls) > 8:
        first = controls[0].start()
        raise InputError(
            f"{where}:{line_number(text, first)}",
            f"binary file, not a text transcript ({len(controls)} control characters in its first "
            f"8,192 characters; the first, U+{ord(text[first]):04X}, is on this line)",
        )
    nul = text.find("\x00")
    if nul >= 0:
        line = line_number(text, nul)
        raise InputError(f"{where}:{line}", "binary file, not a text transcript (a NUL character on this line)")
    return text


def split_front_matter(text: str, where: str) -> tuple[FrontMatter, int]:
    """Parse optional YAML front matter; return it and the offset where the body starts.

    Its lines end at every line break of :mod:`qualcode.ingest.linebreaks`; YAML, which knows
    fewer, is given them ended by ``\\n`` (the front matter is read, not stored as text)."""
    lines = text.splitlines(keepends=True)  # every line break of qualcode.ingest.linebreaks
    if not lines or strip_break(lines[0]) != "---":
        return FrontMatter(), 0
    offset = len(lines[0])
    for index, line in enumerate(lines[1:], start=1):
        if strip_break(line) in ("---", "..."):
            header = "".join(strip_break(previous) + "\n" for previous in lines[1:index])
            body_start = offset + len(line)
            return _front_matter(header, where), body_start
        offset += len(line)
    raise InputError(f"{where}:1", "front matter opened with '---' is never closed; add a '---' line after it")


def _front_matter(header: str, where: str) -> FrontMatter:
    try:
        data = safe_yaml.load(header)
    except safe_yaml.YamlLimitError as exc:
        line = f":{exc.line + 1}" if exc.line is not None else ""
        raise InputError(f"{where}{line}", f"front matter refused: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise InputError(f"{where}{line}", f"front matter is not valid YAML: {problem}") from None
    if data is None:
        return FrontMatter()
    if not isinstance(data, dict):
        raise InputError(f"{where}:2", "front matter must be a mapping such as 'participant: Headteacher N248'")
    fm = FrontMatter()
    for key, value in data.items():
        if not isinstance(key, str):
            raise InputError(where, f"front matter key {key!r} must be a word")
        if key == "participant":
            fm.participant = _scalar(value, where, key)
            check_length("participant label", fm.participant, where)
        elif key == "title":
            fm.title = _scalar(value, where, key)
        elif key == "media":
            fm.media = _scalar(value, where, key) or None
            check_length("attribute value", fm.media, f"{where} (media)")
        elif key == "speakers":
            try:
                fm.speakers = roles_from_meta(value, "front matter")
            except QualcodeError as exc:
                raise InputError(where, str(exc)) from None
            for role in fm.speakers:
                check_length("participant label", role.participant, where)
        elif key == "identifying":
            if not isinstance(value, dict):
                raise InputError(where, "front matter 'identifying' must be a mapping such as 'name: ...'")
            fm.identifying = {str(k): _identifying(v, where, f"identifying: {k}") for k, v in value.items()}
        else:
            text = _scalar(value, where, key)
            if text is not None:
                check_length("attribute name", key, where)
                check_length("attribute value", text, f"{where} ({key})")
                fm.attributes[key] = text
    return fm


def _identifying(value: object, where: str, key: str, depth: int = 0) -> object:
    """Text, or (for ``others``) a list of text or of small mappings of text: what anonymisation reads."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if depth < 2 and isinstance(value, list):
        return [_identifying(v, where, key, depth + 1) for v in value]
    if depth < 2 and isinstance(value, dict):
        return {str(k): _identifying(v, where, f"{key}.{k}", depth + 1) for k, v in value.items()}
    kinds: dict[type, str] = {bytes: "binary data", set: "a set"}
    kind = kinds.get(type(value), f"a {type(value).__name__}")
    raise InputError(where, f"front matter '{key}' must be text, not {kind}")


def _scalar(value: object, where: str, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)):
        return str(value).strip()
    raise InputError(where, f"front matter '{key}' must be a single value, not a {type(value).__name__}")
