"""Faults for the fault tests (imported by tests/test_*_faults.py, not a test file).

- `tmpfs`: a small real file system (root only: `mount -t tmpfs`), to fill up for real.
- `DiskBudget`: a simulated full disk for Python-level writers (Pillow, matplotlib, NumPy, the
  CSV and JSON writers): every file opened for writing under a folder shares a byte budget, and
  the write that exceeds it fails with `ENOSPC`, as a full disk's would. HDF5 writes in C and is
  not affected (the real full disk of `tmpfs` covers it).
- `read_only`: a folder made read-only (root: a read-only bind mount, since root ignores file
  permissions; others: `chmod 0o555`).
- `error_lines`: what a command printed as its error.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import io
import os
import subprocess
from pathlib import Path

import pytest


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@contextlib.contextmanager
def tmpfs(folder: Path, size: str = "16m"):
    """Mounts a fresh tmpfs of `size` on `folder` (created); skips the test when that is not possible."""
    if not is_root():
        pytest.skip("a real full disk needs a tmpfs, which only root can mount (the simulated full disk runs instead)")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (no CAP_SYS_ADMIN?): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def fill(folder: Path, leave: int) -> Path:
    """Writes a ballast file so that only `leave` bytes stay free on `folder`'s file system."""
    stats = os.statvfs(folder)
    ballast = folder / "ballast.bin"
    size = stats.f_bavail * stats.f_frsize - leave
    with open(ballast, "wb") as f:
        f.truncate(0)
        chunk = b"\0" * (1 << 20)
        while size > 0:  # real blocks: a sparse file would not take the space
            f.write(chunk[: min(size, len(chunk))])
            size -= len(chunk)
    return ballast


@contextlib.contextmanager
def read_only(folder: Path):
    """`folder` cannot be written inside the block; writable again after it."""
    folder = folder.resolve()
    if not is_root():
        modes = {p: p.stat().st_mode for p in [folder, *(q for q in folder.rglob("*") if q.is_dir())]}
        for p in modes:
            p.chmod(0o555)
        try:
            yield "permission denied"
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    bind = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True, text=True, check=False)
    if bind.returncode != 0:
        pytest.skip(f"root ignores permissions and a read-only bind mount is not possible here: {bind.stderr.strip()}")
    try:
        remount = subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True, text=True, check=False
        )
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only here: {remount.stderr.strip()}")
        yield "read-only"
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, check=False)


class ReadOnlyLater:
    """Makes `folder` read-only when called (a fault hook mid-run); `release()` is the user making it
    writable again. `kind` is what `read_only` did ("read-only" or "permission denied"), None before."""

    CAUSES = {"read-only": "the file system is read-only", "permission denied": "permission denied"}

    def __init__(self, folder: Path):
        self.folder = folder
        self.kind = None
        self._stack = contextlib.ExitStack()

    def __call__(self) -> None:
        self.kind = self._stack.enter_context(read_only(self.folder))

    def release(self) -> None:
        self._stack.close()

    @property
    def cause(self) -> str:
        """The cause as the one-line error names it."""
        return self.CAUSES[self.kind]


class DiskBudget:
    """Simulates a disk that has `budget` bytes left for the files written under `folder`.

    `arm(monkeypatch, budget)` patches `open` (builtins and io, which `pathlib` uses); the write
    that would go beyond the budget fails with `OSError(ENOSPC)`. The free space the error
    messages report is the budget left. `disarm()` is "space was freed".
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder).resolve()
        self.left = None
        self.failed: list[str] = []

    def arm(self, monkeypatch, budget: int) -> None:
        self.left = budget
        real_open = io.open
        budget_self = self

        def limited_open(file, mode="r", *args, **kwargs):
            handle = real_open(file, mode, *args, **kwargs)
            writing = any(c in mode for c in "wax+")
            if budget_self.left is None or not writing or not isinstance(file, (str, os.PathLike)):
                return handle
            if not Path(os.path.abspath(file)).is_relative_to(budget_self.folder):
                return handle
            return _LimitedFile(handle, budget_self, os.fspath(file))

        monkeypatch.setattr(builtins, "open", limited_open)
        monkeypatch.setattr(io, "open", limited_open)
        monkeypatch.setattr("common.writes.free_bytes", lambda folder: max(0, budget_self.left or 0))

    def disarm(self) -> None:
        self.left = None


class _LimitedFile:
    def __init__(self, handle, budget: DiskBudget, name: str):
        self._handle, self._budget, self._name = handle, budget, name

    def write(self, data):
        n = len(memoryview(data).cast("B")) if not isinstance(data, str) else len(data.encode())
        if self._budget.left is not None:
            if n > self._budget.left:
                self._budget.failed.append(self._name)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self._name)
            self._budget.left -= n
        return self._handle.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()

    def __iter__(self):
        return iter(self._handle)

    def __getattr__(self, name):
        return getattr(self._handle, name)


def error_lines(stderr: str) -> list[str]:
    """The `PROG: error: ...` lines of a command's stderr."""
    return [line for line in stderr.splitlines() if ": error: " in line and not line.startswith(" ")]


def assert_stopped(prog: str, code: int, err: str, expected_code: int, *fragments: str) -> str:
    """One `prog: error:` line holding `fragments`, no traceback, the exit code; returns the line."""
    assert code == expected_code, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    lines = error_lines(err)
    assert len(lines) == 1, err[-3000:]
    assert lines[0].startswith(f"{prog}: error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]
