"""Failed writes as one line: which file, why (no space, read-only, no permission, folder gone), what to do.

`write_error` turns the `OSError` of a failed write into a `WriteError` (exit code 3) naming the
file and the cause, and for a full disk the space needed and the space free. `common.atomic` calls
it for every file a run writes (checkpoints, state, frames, grids, CSV, plots, GIFs, reports), so
this is the one place such messages are made. `check_writable` probes a folder before a run starts.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path

from common.diskspace import format_bytes, free_bytes
from common.errors import OutputError, WriteError

# errno -> (cause, words); the causes are `WriteError.cause`'s values.
_CAUSES = {
    errno.ENOSPC: ("no space", "no space left on the device"),
    errno.EDQUOT: ("no space", "the disk quota is used up"),
    errno.EROFS: ("read-only", "the file system is read-only"),
    errno.EACCES: ("permission", "permission denied"),
    errno.EPERM: ("permission", "operation not permitted"),
    errno.ENOENT: ("gone", "the folder is gone"),
}
# Texts that name an errno without setting `.errno` (h5py puts "errno = 28" in its message).
_TEXTS = {
    "no space left on device": errno.ENOSPC,
    "disk quota exceeded": errno.EDQUOT,
    "read-only file system": errno.EROFS,
    "permission denied": errno.EACCES,
}


def errno_of(exc: BaseException) -> int | None:
    """The errno of a failed write: `exc.errno`, else one named in its message, else None."""
    number = getattr(exc, "errno", None)
    if isinstance(number, int):
        return number
    text = str(exc)
    match = re.search(r"errno\s*=\s*(\d+)", text)
    if match:
        return int(match.group(1))
    lowered = text.lower()
    for words, number in _TEXTS.items():
        if words in lowered:
            return number
    return None


def write_error(path: str | os.PathLike, exc: BaseException, needed: int | None = None, written: int = 0) -> WriteError:
    """The one-line `WriteError` for a write to `path` that failed with `exc`.

    Args:
        path: the file being written (as the user knows it: the run folder's name and the file).
        exc: the error the write raised (an `OSError`, or an h5py error naming an errno).
        needed: the bytes the save was expected to need (`common.diskspace.needed_bytes`), if known.
        written: the bytes written before it failed (a lower bound of what it needs).

    Returns:
        A `WriteError` whose message is "cannot write PATH: CAUSE (...)"; raise it `from None`.
    """
    path = Path(path)
    number = errno_of(exc)
    if number in (errno.ENOENT, None) and not path.parent.is_dir():
        number = errno.ENOENT  # whatever the writer said, the folder vanished under it
    cause, words = _CAUSES.get(number, ("other", None))
    if cause == "no space":
        free = _free_or_none(path.parent)
        size = max(needed or 0, written)
        about = "at least" if written > (needed or 0) else "about"
        detail = f"{about} {format_bytes(size)} needed, " if size else ""
        free_words = f"{format_bytes(free)} free" if free is not None else "free space unknown"
        return WriteError(f"cannot write {path}: {words} ({detail}{free_words})", path, cause, size or None, free)
    if cause == "gone":
        return WriteError(
            f"cannot write {path}: the folder {_missing_folder(path.parent)} is gone (deleted, moved or unmounted)",
            path,
            cause,
        )
    if words is None:
        text = str(exc).strip()
        words = getattr(exc, "strerror", None) or (text.splitlines()[0][:300] if text else type(exc).__name__)
    return WriteError(f"cannot write {path}: {words}", path, cause)


def not_enough_space(path: str | os.PathLike, needed: int, free: int) -> WriteError:
    """The `WriteError` for a save to `path` that a free-space check stopped before it started."""
    return WriteError(
        f"cannot write {path}: not enough space left on the device ({format_bytes(needed)} needed, "
        f"{format_bytes(free)} free)",
        Path(path),
        "no space",
        needed,
        free,
    )


def check_writable(folder: str | os.PathLike, what: str, hint: str = "", create: bool = False) -> Path:
    """Checks that a file can be created in `folder` by creating (and deleting) one.

    A real file rather than `os.access`, which reads permission bits and can disagree with what a
    write meets (ACLs, network and FUSE file systems; Python's documentation advises trying instead).

    Args:
        folder: the folder.
        what: how the message names it ("run directory", "the evaluator cache folder", "-o's folder").
        hint: what to do instead, appended to the message.
        create: make the folder (and its parents) first.

    Returns:
        `folder` as a `Path`.

    Raises:
        OutputError: "cannot write to WHAT FOLDER: CAUSE; HINT".
    """
    folder = Path(folder)
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-probe-"):
            pass
    except OSError as e:
        number = errno_of(e)
        words = _CAUSES.get(number, (None, None))[1] if number != errno.ENOENT else "it does not exist"
        words = words or e.strerror or str(e)
        raise OutputError(f"cannot write to {what} {folder}: {words}" + (f"; {hint}" if hint else "")) from None
    return folder


def _free_or_none(folder: Path) -> int | None:
    try:
        return free_bytes(folder)
    except OSError:
        return None


def _missing_folder(folder: Path) -> Path:
    """The outermost folder of `folder`'s path that no longer exists (`run` when `run/samples` went with it)."""
    missing = folder
    for parent in folder.parents:
        if parent.is_dir() or parent == Path(parent.anchor or "."):
            break
        missing = parent
    return missing
