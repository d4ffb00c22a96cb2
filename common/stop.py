"""`StopFlag`: Ctrl-C and SIGTERM as a request to stop a long loop at a safe point.

One class for both loops of the suite:

- a loop of steps (style transfer, a benchmark's hours-long run) polls `flag()` after each step,
  saves its state and returns; the first signal asks for that, a second one does not wait and
  raises `KeyboardInterrupt` at once;
- a loop of epochs of steps (GAN training, `epochs=True`) also has a coarser safe point: a first
  Ctrl-C asks to finish the epoch and save it (`after_epoch`); a second Ctrl-C, or SIGTERM (a
  system shutting down does not wait for an epoch), asks to stop after the current step
  (`after_step`); one more signal raises `KeyboardInterrupt`.

The caller then exits with 128 + the signal's number (`exit_code`), as a shell expects.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopFlag:
    """Set by SIGINT or SIGTERM while `installed()`; calling the flag says whether one arrived.

    Args:
        prog: the program's name, the prefix of the notice printed at each signal.
        epochs: the loop has epochs, so a first Ctrl-C means "after this epoch" (see the module).
        describe: `describe(now)` returns the notice to print (`now`: stopping after the current
            step; else after the epoch); by default a notice about steps.

    Attributes:
        signal: the number of the first signal that arrived, or None.
        after_step: stop after the current step.
        after_epoch: stop at the end of the current epoch (only with `epochs`).
    """

    def __init__(self, prog: str, epochs: bool = False, describe: Callable[[bool], str] | None = None):
        self.prog = prog
        self.epochs = epochs
        self.describe = describe or _describe_step
        self.signal: int | None = None
        self.after_step = False
        self.after_epoch = False

    @property
    def name(self) -> str:
        """How the run was stopped, in words (`"interrupted (Ctrl-C)"`, `"terminated (SIGTERM)"`)."""
        return {signal.SIGINT: "interrupted (Ctrl-C)", signal.SIGTERM: "terminated (SIGTERM)"}.get(
            self.signal, "stopped"
        )

    @property
    def signal_name(self) -> str | None:
        """`"SIGINT"` or `"SIGTERM"` (the first signal), or None."""
        return signal.Signals(self.signal).name if self.signal is not None else None

    @property
    def exit_code(self) -> int:
        """128 + the first signal's number (130 for Ctrl-C, 143 for SIGTERM); 1 without a signal."""
        return 128 + self.signal if self.signal is not None else 1

    def __call__(self) -> bool:
        return self.signal is not None

    def request(self, signum: int) -> None:
        """What a signal does (also callable directly, e.g. from a test or another thread's watcher).

        Raises:
            KeyboardInterrupt: the loop is already stopping after the current step.
        """
        if self.after_step:
            signal.signal(signum, signal.SIG_DFL)
            raise KeyboardInterrupt
        if self.signal is None:
            self.signal = signum
        now = not self.epochs or signum != signal.SIGINT or self.after_epoch
        if now:
            self.after_step = True
        else:
            self.after_epoch = True
        print(f"\n{self.prog}: {self.describe(now)}", file=sys.stderr, flush=True)

    def _handle(self, signum, frame) -> None:
        self.request(signum)

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopFlag]:
        """Handles SIGINT and SIGTERM with this flag inside the `with` block.

        Only the main thread can install signal handlers; elsewhere this does nothing.
        """
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {s: signal.signal(s, self._handle) for s in _SIGNALS}
        try:
            yield self
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)


def _describe_step(now: bool) -> str:
    return "stopping after this step and saving the state (again to abort now)"
