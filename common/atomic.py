"""Write files so that they appear whole, fit on the disk, and fail as one clear line.

Every file a run writes goes through `atomic_path`:

1. Space: the save's size is estimated (`common.diskspace.needed_bytes`: the previous file of that
   kind, else the caller's `size_hint`) and compared with the free space; a save that will not
   fit stops before it starts, since HDF5 can crash the process on a full disk.
2. Atomicity: the file is written to a temporary name in the same folder, then renamed.
   `os.replace` within one directory is atomic on POSIX, so a reader (or a run killed with
   `kill -9` halfway through a save) sees either the old complete file or the new complete one.
   Temporary names start with `.` and end with the target's suffix, because some writers (Keras
   `model.save`, Pillow, matplotlib) pick the format from the suffix.
3. Errors: an `OSError` of the write (no space, read-only, no permission, the folder gone)
   becomes a one-line `WriteError` naming the file and the cause (`common.writes.write_error`),
   after the temporary file is removed; the previous file stays as it was.
4. Permissions: a new file gets `0o666 & ~umask`, a replaced file keeps its mode, as `open(path, "w")`
   would do (`tempfile.mkstemp` alone makes every file 0600).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common.diskspace import free_bytes, needed_bytes
from common.errors import SuiteError
from common.writes import errno_of, not_enough_space, write_error


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, size_hint: int | None = None) -> Iterator[Path]:
    """Yields a temporary path beside `path`; on success renames it to `path`.

    Args:
        path: the final file name. Its folder must exist.
        size_hint: the bytes the file will take, for the free-space check when no previous file of
            its kind exists (see `common.diskspace.needed_bytes`); None: only the margin.

    Yields:
        A `Path` in the same folder with the same suffix, for the caller to write.

    Raises:
        WriteError: the save will not fit in the free space (checked before the block runs), or
            the write failed with an `OSError` (or an error naming an errno, as h5py's do).
        Whatever else the caller's block raises. In every case the temporary file is removed
            and the previous file at `path` is untouched.
    """
    path = Path(path)
    needed = check_space(path, size_hint)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
        os.close(fd)
    except OSError as e:
        raise write_error(path, e, needed) from None
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # Some writers (Keras) replace the file rather than write into it; sync whatever is there.
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp_path, _mode_for(path))
        os.replace(tmp_path, path)
    except BaseException as e:
        written = _size(tmp_path)
        with contextlib.suppress(OSError):  # on a read-only or vanished folder this fails too
            tmp_path.unlink()
        if isinstance(e, OSError) or (
            isinstance(e, Exception) and not isinstance(e, SuiteError) and errno_of(e) is not None
        ):
            raise write_error(path, e, needed, written) from None
        raise


def check_space(path: str | os.PathLike, size_hint: int | None = None) -> int:
    """Checks that a save to `path` fits in the free space of its disk; returns the bytes it needs.

    Raises:
        WriteError: not enough space, or `path`'s folder is gone.
    """
    path = Path(path)
    needed = needed_bytes(path, size_hint)
    try:
        free = free_bytes(path.parent)
    except OSError as e:
        raise write_error(path, e, needed) from None
    if free < needed:
        raise not_enough_space(path, needed, free)
    return needed


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Writes `data` to `path` atomically and returns the path."""
    with atomic_path(path, size_hint=len(data)) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Writes UTF-8 `text` to `path` atomically and returns the path."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Writes `obj` as indented JSON to `path` atomically and returns the path."""
    return write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def remove_temporaries(folder: str | os.PathLike) -> None:
    """Deletes the temporary files (`.NAME.*.tmp*`, see `atomic_path`) a killed run left in `folder`
    and its subfolders; a resumed run calls it first, so a `kill -9` during a save leaves no litter."""
    for path in Path(folder).rglob(".*.tmp*"):
        if path.is_file():
            path.unlink(missing_ok=True)


def _mode_for(path: Path) -> int:
    """The permission bits `open(path, "w")` would leave: the old file's, else 0o666 minus the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process's umask, read without changing it where Linux allows (`/proc/self/status`)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it (briefly, not thread-safe)
    os.umask(mask)
    return mask


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
