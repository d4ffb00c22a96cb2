"""The run directory: one folder per run that holds everything the run writes."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from common.errors import InputError, OutputError
from common.runformat import RUN_CONFIG


def create_run_dir(
    out: str | os.PathLike | None,
    kind: str,
    resume: bool = False,
    root: str | os.PathLike = "runs",
) -> Path:
    """Creates (or, with `resume`, reopens) a run directory and checks that it can be written.

    Args:
        out: the folder the user named with `--out`, or None for a fresh `root/KIND-TIMESTAMP`.
        kind: a short name of the command (`gan`, `nst`, `report`), used in fresh folder names.
        resume: reopen `out`, which must hold a run (a `config.toml`), instead of a new folder.
        root: where fresh folders go when `out` is None.

    Returns:
        The run directory, existing and writable.

    Raises:
        InputError: `resume` without `out`, or `out` holds no run to resume.
        OutputError: `out` is a file, already holds another run, or cannot be written.
    """
    if out is None:
        if resume:
            raise InputError("--resume needs --out RUN_DIR naming the run to continue")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = Path(root) / f"{kind}-{stamp}"
        n = 2
        while out.exists():
            out = Path(root) / f"{kind}-{stamp}-{n}"
            n += 1
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is a file, not a folder; name a folder for the run")
    if resume:
        if not (out / RUN_CONFIG).is_file():
            raise InputError(f"--resume: {out} holds no run to continue (no {RUN_CONFIG} there)")
    elif out.is_dir() and any(p for p in out.iterdir() if not p.name.startswith(".")):
        raise OutputError(
            f"--out {out} already holds files; pass --resume to continue that run, or choose another folder"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        # Probe with a real file: permissions, read-only mounts and full disks all show up here,
        # before any long work starts.
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-probe-"):
            pass
    except OSError as e:
        raise OutputError(f"cannot write to run directory {out}: {e.strerror or e}") from None
    return out
