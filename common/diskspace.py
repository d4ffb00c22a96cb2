"""Free space before a save: will the file fit on its disk?

A write that fills the disk fails with `ENOSPC`, which Python reports as an `OSError`; the atomic
writes (`common.atomic`) then leave the previous file whole. HDF5, which Keras uses for weights,
does worse: on a full disk it can crash the process (a segmentation fault no `except` can catch).
So every save first compares the space it will need with the space free and stops cleanly when
it will not fit. What a save needs is estimated from the previous file of the same kind (the same
name, or a sibling whose name differs only in its numbers: `epoch_002.png` for `epoch_003.png`),
else from a size hint the caller gives (a model's weights: `variables_nbytes`).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from pathlib import Path

MARGIN = 64 * 1024
"""Bytes kept free beyond every estimate: file-system metadata, block rounding, a grown CSV row."""

HDF5_BYTES_PER_VARIABLE = 4096
"""An upper bound of HDF5's per-dataset overhead (measured: about 1.3 kB per variable in a
`.weights.h5` file of Keras 3.15), for estimating a weights file before the first one exists."""


def free_bytes(folder: str | os.PathLike) -> int:
    """The bytes an unprivileged user can still write on the file system holding `folder`.

    Raises:
        OSError: `folder` does not exist (FileNotFoundError) or cannot be examined.
    """
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def previous_size(path: str | os.PathLike) -> int | None:
    """The size of the file a save to `path` replaces, or of the largest file of the same kind.

    Same kind: in the same folder, a name equal to `path`'s once every run of digits is ignored
    (`frames/000010.png` is of the kind of `frames/000005.png`). Hidden (temporary) files are
    not counted. None when there is no such file.
    """
    path = Path(path)
    try:
        return path.stat().st_size
    except OSError:
        pass
    kind = _kind(path.name)
    sizes = []
    try:
        with os.scandir(path.parent) as entries:
            for entry in entries:
                if not entry.name.startswith(".") and _kind(entry.name) == kind and entry.is_file():
                    sizes.append(entry.stat().st_size)
    except OSError:
        return None
    return max(sizes, default=None)


def needed_bytes(path: str | os.PathLike, size_hint: int | None = None) -> int:
    """The free space a save to `path` asks for: the previous file's size (else `size_hint`, else 0),
    plus a sixteenth for growth, plus `MARGIN`."""
    base = previous_size(path)
    if base is None:
        base = int(size_hint or 0)
    return base + base // 16 + MARGIN


def variables_nbytes(variables: Iterable) -> int:
    """An upper bound of the bytes an HDF5 file holding `variables` (Keras/TF variables or arrays) takes."""
    total = 0
    for variable in variables:
        shape = tuple(int(d) for d in variable.shape)
        itemsize = _itemsize(variable.dtype)
        total += math.prod(shape) * itemsize + HDF5_BYTES_PER_VARIABLE
    return total


def format_bytes(n: float) -> str:
    """`n` bytes in words with decimal units, as `df -H` prints them: "950 B", "12.3 kB", "4.1 MB"."""
    n = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def _kind(name: str) -> str:
    return re.sub(r"\d+", "#", name)


def _itemsize(dtype) -> int:
    import numpy as np

    name = getattr(dtype, "name", dtype)  # tf.DType and np.dtype both have .name; Keras gives a str
    try:
        return np.dtype(str(name)).itemsize
    except TypeError:
        return 2 if "16" in str(name) else 8  # bfloat16 and the like; 8 is the safe side
