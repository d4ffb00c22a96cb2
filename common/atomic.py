"""Write files so that they appear whole: to a temporary name in the same folder, then rename.

`os.replace` within one directory is atomic on POSIX, so a reader (or a run killed with `kill -9`
halfway through a save) sees either the old complete file or the new complete file, never a
half-written one. Temporary names start with `.` and end with the target's suffix, because some
writers (Keras `model.save`, Pillow, matplotlib) pick the format from the suffix.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yields a temporary path beside `path`; on success renames it to `path`.

    Args:
        path: the final file name. Its folder must exist.

    Yields:
        A `Path` in the same folder with the same suffix, for the caller to write.

    Raises:
        Whatever the caller's block raises; the temporary file is removed then.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # Some writers (Keras) replace the file rather than write into it; sync whatever is there.
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Writes `data` to `path` atomically and returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Writes UTF-8 `text` to `path` atomically and returns the path."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Writes `obj` as indented JSON to `path` atomically and returns the path."""
    return write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")
