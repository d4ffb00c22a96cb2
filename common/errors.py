"""The project's exception types and the exit codes the command lines turn them into.

Every error a user can cause (a bad flag, a broken image, missing data or weights) is raised as a
`SuiteError` subclass whose message says what was received and what to do. The CLIs print it as a
single line on stderr and exit with its `exit_code` (`common.cli.run_cli`):

    0    done
    1    training failed (a non-finite loss); the last good state is kept
    2    bad input (a flag, a config key, a file), before any long work starts (as argparse does)
    3    a run's file could not be written (disk full, folder gone, read-only or not permitted):
         `WriteError`; the last complete state is kept, resume once the cause is fixed
    4    out of memory (`OutOfMemoryError`); the last complete state is kept, lower the size named
    130  stopped by Ctrl-C (SIGINT), 143 by SIGTERM; the state is saved, resume to continue
"""

from __future__ import annotations


class SuiteError(Exception):
    """Base class of every error the suite reports to a user as one line."""

    exit_code = 2

    def extended(self, text: str) -> SuiteError:
        """A copy of this error (same type and attributes) whose message ends with `text`."""
        copy = type(self).__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.args = (f"{self}{text}",)
        return copy


class ConfigError(SuiteError):
    """A config file, a `--set` override or a flag has an unknown key or a bad value."""


class InputError(SuiteError):
    """An input file (image, checkpoint, run directory) is missing, unreadable or invalid."""


class DataError(SuiteError):
    """A training or evaluation data set cannot be found or read."""


class WeightsError(SuiteError):
    """Pretrained network weights cannot be found or do not fit the network."""


class OutputError(SuiteError):
    """An output location cannot be written (found before the run starts)."""


class TrainingError(SuiteError):
    """Training or optimization cannot go on (for example a non-finite loss)."""

    exit_code = 1


class WriteError(SuiteError):
    """A file of a run could not be written mid-run; nothing half-written was left behind.

    Raised by `common.atomic` (through `common.writes.write_error`) before a save that would not
    fit on the disk, or when a write fails with an `OSError`.

    Attributes:
        path: the file that could not be written.
        cause: "no space", "read-only", "permission" , "gone" (its folder no longer exists) or
            "other".
        needed: for "no space", the bytes the save needs (an estimate), else None.
        free: for "no space", the bytes free on that disk, else None.
    """

    exit_code = 3

    def __init__(
        self, message: str, path=None, cause: str = "other", needed: int | None = None, free: int | None = None
    ):
        super().__init__(message)
        self.path, self.cause, self.needed, self.free = path, cause, needed, free

    @property
    def remedy(self) -> str:
        """What the user has to do before resuming, in words ("free some space on that disk", ...)."""
        return {
            "no space": "free some space on that disk",
            "read-only": "make that file system writable again",
            "permission": "give write permission on that folder back",
            "gone": "put the folder back",
        }.get(self.cause, "fix that")


class OutOfMemoryError(SuiteError):
    """TensorFlow or NumPy could not allocate memory mid-run (`ResourceExhaustedError`, `MemoryError`).

    Attributes:
        allocation: what was being allocated, in words (shape, type, bytes), or "".
    """

    exit_code = 4

    def __init__(self, message: str, allocation: str = ""):
        super().__init__(message)
        self.allocation = allocation
