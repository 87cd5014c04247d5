"""Reading transcript files safely: size, encoding, binary detection, front matter."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from qualcode.errors import InputError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
TEXT_SUFFIXES = {".txt": "txt", ".md": "md", ".markdown": "md"}
CAPTION_SUFFIXES = {".vtt": "vtt", ".srt": "srt"}
DOCX_SUFFIXES = {".docx": "docx"}
TRANSCRIPT_FORMATS = {**TEXT_SUFFIXES, **CAPTION_SUFFIXES, **DOCX_SUFFIXES}
RESERVED_FRONT_MATTER = ("participant", "identifying", "title")

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")
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


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> RawSource:
    """The file's bytes, refusing what cannot be a transcript before anything is parsed."""
    where = str(path)
    if not path.exists():
        raise InputError(where, "no such file")
    if path.is_dir():
        raise InputError(where, "is a directory")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            where,
            f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit for one transcript; "
            "split it, or raise the limit with --max-size",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(where, f"cannot read: {exc.strerror}") from None
    if not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise InputError(where, "empty file: nothing to import")
    return RawSource(path, data, hashlib.sha256(data).hexdigest())


def decode_text(raw: RawSource) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused with a reason."""
    where, data = str(raw.path), raw.data
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
        line = body[: exc.start].count(b"\n") + 1
        guess = " (it looks like Latin-1 or Windows-1252)" if encoding == "utf-8" else ""
        raise InputError(
            f"{where}:{line}", f"not valid {encoding.upper()} text{guess}; re-save the file as UTF-8"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError(where, "empty file: nothing to import")
    if len(_CONTROL.findall(text, 0, 8192)) > 8:
        raise InputError(where, "binary file, not a text transcript")
    return text


def split_front_matter(text: str, where: str) -> tuple[FrontMatter, int]:
    """Parse optional YAML front matter; return it and the offset where the body starts."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        return FrontMatter(), 0
    offset = len(lines[0])
    for line in lines[1:]:
        if line.rstrip("\r\n") in ("---", "..."):
            header = text[len(lines[0]) : offset]
            body_start = offset + len(line)
            return _front_matter(header, where), body_start
        offset += len(line)
    raise InputError(f"{where}:1", "front matter opened with '---' is never closed; add a '---' line after it")


def _front_matter(header: str, where: str) -> FrontMatter:
    try:
        data = yaml.safe_load(header)
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
        elif key == "title":
            fm.title = _scalar(value, where, key)
        elif key == "identifying":
            if not isinstance(value, dict):
                raise InputError(where, "front matter 'identifying' must be a mapping such as 'name: ...'")
            fm.identifying = {str(k): v for k, v in value.items()}
        else:
            text = _scalar(value, where, key)
            if text is not None:
                fm.attributes[key] = text
    return fm


def _scalar(value: object, where: str, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)):
        return str(value).strip()
    raise InputError(where, f"front matter '{key}' must be a single value, not a {type(value).__name__}")
