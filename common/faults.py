"""Faults in the middle of a run (a failed write, exhausted memory) as one line that says what is kept.

A training loop cannot prevent a full disk or a full memory; what it can do is stop at that point,
keep the last complete state (the atomic writes of `common.atomic` never leave a half-written
file) and tell the user, in one line, what happened, what is kept, and how to continue:

    with reporting_faults(kept=lambda: f"the state after epoch {saved} is kept in {run_dir}",
                          resume=f"python -m gan.train --out {run_dir} --resume",
                          lower="lower --batch-size (now 64)"):
        model.fit(...)

A `WriteError` (exit code 3) leaves the block with that text appended; TensorFlow's
`ResourceExhaustedError` or NumPy's `MemoryError` leaves it as an `OutOfMemoryError` (exit code 4)
naming the allocation that failed and the setting to lower. `as_fault` does the same without the
run's context, for `common.cli.run_cli` to catch what no loop wrapped.
"""

from __future__ import annotations

import contextlib
import errno
import math
import re
import sys
from collections.abc import Callable, Iterator

from common.diskspace import format_bytes
from common.errors import OutOfMemoryError, SuiteError, WriteError
from common.writes import errno_of, write_error

# Bytes per element of the type names TensorFlow prints in its out-of-memory messages.
_TF_ITEMSIZE = {
    "float": 4,
    "double": 8,
    "half": 2,
    "bfloat16": 2,
    "int8": 1,
    "uint8": 1,
    "int16": 2,
    "int32": 4,
    "int64": 8,
    "bool": 1,
    "complex64": 8,
    "complex128": 16,
}


@contextlib.contextmanager
def reporting_faults(
    kept: Callable[[], str], resume: str, lower: str, resume_after_oom: str | None = None
) -> Iterator[None]:
    """Within the block, a failed write or exhausted memory ends the run as one line with its context.

    Args:
        kept: called when a fault happens; says what state is on disk ("the state after epoch 2
            is kept in runs/x").
        resume: the command that continues the run once the cause is fixed.
        lower: for exhausted memory, what to lower ("lower --batch-size (now 64)").
        resume_after_oom: the command to continue with after an out-of-memory error (default:
            `resume`), e.g. one with a smaller batch.

    Raises:
        WriteError: a write failed; the message goes on with what is kept and how to resume.
        OutOfMemoryError: TensorFlow or NumPy ran out of memory.
    """
    try:
        yield
    except WriteError as e:
        raise e.extended(f". {_capital(kept())}; {e.remedy}, then continue with: {resume}") from None
    except Exception as e:  # only out-of-memory errors are handled here, the rest re-raised
        if not is_out_of_memory(e):
            raise
        raise out_of_memory_error(e, lower).extended(
            f". {_capital(kept())}; continue with: {resume_after_oom or resume}"
        ) from None


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether `exc` is NumPy's/Python's `MemoryError` or TensorFlow's `ResourceExhaustedError`."""
    if isinstance(exc, MemoryError):
        return True
    tf_errors = sys.modules.get("tensorflow.python.framework.errors_impl")  # never import TensorFlow here
    return tf_errors is not None and isinstance(exc, tf_errors.ResourceExhaustedError)


def out_of_memory_error(exc: BaseException, lower: str) -> OutOfMemoryError:
    """The `OutOfMemoryError` for `exc`: "out of memory allocating ALLOCATION; LOWER"."""
    allocation = describe_allocation(exc)
    what = f"out of memory allocating {allocation}" if allocation else "out of memory"
    return OutOfMemoryError(f"{what}; {lower}", allocation)


def describe_allocation(exc: BaseException) -> str:
    """What `exc` failed to allocate, from its message ("a float tensor of shape [64, 128] (32.8 kB)"), or ""."""
    text = str(exc)
    match = re.search(r"OOM when allocating tensor with shape\s*\[([\d,\s]*)\]\s*and type (\w+)", text)
    if match:
        shape = [int(d) for d in match.group(1).replace(" ", "").split(",") if d]
        dtype = match.group(2)
        size = math.prod(shape) * _TF_ITEMSIZE[dtype] if dtype in _TF_ITEMSIZE else None
        return f"a {dtype} tensor of shape {shape}" + (f" ({format_bytes(size)})" if size is not None else "")
    match = re.search(r"Unable to allocate ([\d.]+ \w+) for an array with shape (\(.*?\)) and data type (\w+)", text)
    if match:
        return f"a {match.group(3)} array of shape {match.group(2)} ({match.group(1)})"
    return ""


def as_fault(exc: BaseException) -> SuiteError | None:
    """`exc` as the suite's one-line error when it is a fault no loop reported, else None.

    An `OSError` that names a file and a full disk or a read-only file system becomes a
    `WriteError`; exhausted memory an `OutOfMemoryError` with a general hint. Other errors (a
    missing input file is an `OSError` too) are not faults of the run and give None.
    """
    if is_out_of_memory(exc):
        return out_of_memory_error(exc, "lower the sizes this command was given (--size, --batch-size or --n)")
    if isinstance(exc, OSError) and exc.filename and errno_of(exc) in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        return write_error(exc.filename, exc)
    return None


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
