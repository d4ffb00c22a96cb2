"""How much memory this machine can give a run now, for refusing work that cannot fit before it starts.

A run that needs more memory than is free does not fail with a message: the kernel's OOM killer
ends it (exit 137, nothing on stderr) after minutes of work. Commands estimate their working set
and call `check_fits` first.
"""

from __future__ import annotations

import os

from common.errors import ConfigError


def available_bytes() -> int | None:
    """Memory available to a new allocation without swapping, in bytes; None when unknown.

    Linux's `MemAvailable` (free memory plus what the page cache can give back) from
    `/proc/meminfo`, else free physical pages from `os.sysconf`.
    """
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the file counts kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(estimate: int, what: str, hint: str, available: int | None = None) -> None:
    """Refuses work whose memory estimate exceeds what is available.

    Args:
        estimate: the working set in bytes.
        what: what needs it, for the message ("style transfer at 8000x6000").
        hint: what to do instead ("lower --size").
        available: bytes available (default: `available_bytes()`); None skips the check.

    Raises:
        ConfigError: `estimate` > `available`; the message gives both.
    """
    if available is None:
        available = available_bytes()
    if available is not None and estimate > available:
        raise ConfigError(f"{what} needs about {_gb(estimate)} of memory, but {_gb(available)} is available; {hint}")


def _gb(n: int) -> str:
    return f"{n / 2**30:.1f} GB"
