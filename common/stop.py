"""`StopFlag`: Ctrl-C and SIGTERM as a request to stop a long loop after its current step.

A loop that can save its state (style transfer, a benchmark's hours-long run) polls the flag after
each step, saves and returns; the caller then exits with 128 + the signal's number, as a shell
expects. A second signal does not wait: it raises `KeyboardInterrupt` at once.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import Iterator

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopFlag:
    """Set by SIGINT or SIGTERM while `installed()`; calling the flag says whether one arrived.

    Args:
        prog: the program's name, used in the notice printed at the first signal.
    """

    def __init__(self, prog: str):
        self.prog = prog
        self.signal: int | None = None

    @property
    def name(self) -> str:
        """How the run was stopped, in words (`"interrupted (Ctrl-C)"`, `"terminated (SIGTERM)"`)."""
        return {signal.SIGINT: "interrupted (Ctrl-C)", signal.SIGTERM: "terminated (SIGTERM)"}.get(self.signal, "stopped")

    def __call__(self) -> bool:
        return self.signal is not None

    def _handle(self, signum, frame) -> None:
        if self.signal is not None:
            signal.signal(signum, signal.SIG_DFL)
            raise KeyboardInterrupt
        self.signal = signum
        print(f"\n{self.prog}: stopping after this step and saving the state (again to abort now)", file=sys.stderr)

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopFlag]:
        """Handles SIGINT and SIGTERM with this flag inside the `with` block (main thread only)."""
        previous = {s: signal.signal(s, self._handle) for s in _SIGNALS}
        try:
            yield self
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
