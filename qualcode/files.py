"""Writing an export file: all of it or none of it, and one clear line when the disk says no."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from qualcode.errors import QualcodeError


def save_atomic(write: Callable[[str], object], path: str | Path) -> None:
    """``write(tmp_path)`` then rename over ``path``: an interrupted export never leaves half a file.

    The new file is written beside the old one under a hidden name, flushed to disk and only then
    renamed into place, so a full disk or a kill leaves the file that was there before, untouched.
    A failure to write (the disk is full, no permission, a folder of that name) is one
    ``QualcodeError`` naming the file.
    """
    path = Path(path)
    existed = path.is_file()
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=str(path.parent.resolve()))
        os.close(fd)
        write(tmp)
        os.chmod(tmp, _mode_for(path, existed))
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise QualcodeError(write_error(path, exc, existed)) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _mode_for(path: Path, existed: bool) -> int:
    """The permissions the file would have had if written in place (a temporary file starts at 0600)."""
    if existed:
        return path.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_error(path: Path, exc: OSError, existed: bool) -> str:
    """One line for a file that could not be written, saying what became of the one that was there."""
    kept = f"the existing {path.name} is unchanged" if existed else "nothing was written"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"cannot write {path}: the disk is full; {kept}"
    if path.is_dir():
        return f"cannot write {path}: it is a folder; give a file name"
    return f"cannot write {path}: {exc.strerror or exc}; {kept}"
