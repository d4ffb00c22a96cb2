"""Tests for the fault mechanism in common/: the space check, failed writes as one line, permissions,
exhausted memory, and `run_cli`'s exit codes for them (3 a write, 4 memory)."""

import errno
import os
import stat

import numpy as np
import pytest
from fault_support import DiskBudget, fill, read_only, tmpfs

from common import atomic
from common.atomic import atomic_path, current_umask, write_bytes, write_text
from common.cli import run_cli
from common.diskspace import (
    MARGIN,
    format_bytes,
    needed_bytes,
    previous_size,
    variables_nbytes,
)
from common.errors import OutOfMemoryError, OutputError, WriteError
from common.faults import as_fault, describe_allocation, reporting_faults
from common.writes import check_writable, errno_of, write_error


def _entries(folder):
    return sorted(p.name for p in folder.iterdir())


# --- the space check --------------------------------------------------------------------------


def test_a_save_is_estimated_from_the_previous_file_of_its_kind(tmp_path):
    (tmp_path / "epoch_001.png").write_bytes(b"x" * 1000)
    (tmp_path / "epoch_002.png").write_bytes(b"x" * 3000)
    (tmp_path / ".epoch_003.abc.tmp.png").write_bytes(b"x" * 99999)  # a temporary file is not one
    (tmp_path / "losses.png").write_bytes(b"x" * 50000)  # another kind
    assert previous_size(tmp_path / "epoch_003.png") == 3000
    assert previous_size(tmp_path / "losses.png") == 50000
    assert previous_size(tmp_path / "summary.json") is None
    assert needed_bytes(tmp_path / "epoch_003.png") == 3000 + 3000 // 16 + MARGIN
    assert needed_bytes(tmp_path / "summary.json", size_hint=1600) == 1600 + 100 + MARGIN
    assert needed_bytes(tmp_path / "losses.png", size_hint=10) == 50000 + 50000 // 16 + MARGIN


def test_a_save_that_will_not_fit_stops_before_the_writer_starts(tmp_path, monkeypatch):
    write_text(tmp_path / "state.npz", "old state")
    monkeypatch.setattr(atomic, "free_bytes", lambda folder: 1000)
    with pytest.raises(WriteError) as info, atomic_path(tmp_path / "state.npz"):
        raise AssertionError("the writer must not run")
    e = info.value
    assert str(e) == (
        f"cannot write {tmp_path / 'state.npz'}: not enough space left on the device "
        f"({format_bytes(e.needed)} needed, 1.0 kB free)"
    )
    assert e.exit_code == 3 and e.cause == "no space" and e.free == 1000 and e.needed > MARGIN
    assert (tmp_path / "state.npz").read_text() == "old state" and _entries(tmp_path) == ["state.npz"]


def test_weights_estimate_covers_values_and_hdf5_overhead():
    variables = [np.zeros((3, 3, 8, 16), np.float32), np.zeros(16, np.float32), np.zeros((), np.int64)]
    assert variables_nbytes(variables) == (3 * 3 * 8 * 16 * 4 + 16 * 4 + 8) + 3 * 4096


def test_a_real_full_disk(tmp_path):
    """A 1 MB tmpfs (root only): filled up, the check refuses; freed, the same save goes through."""
    with tmpfs(tmp_path / "disk", "1m") as disk:
        write_bytes(disk / "frame_1.png", b"p" * 100_000)
        ballast = fill(disk, 150_000)  # less than frame_2 needs: its size + 1/16 + 64 KiB
        with pytest.raises(
            WriteError,
            match=r"frame_2.png: not enough space left on the device \(17\d\.\d kB needed, "
            r"1[45]\d\.\d kB free\)",
        ):
            write_bytes(disk / "frame_2.png", b"p" * 100_000)
        assert _entries(disk) == ["ballast.bin", "frame_1.png"]
        ballast.unlink()
        write_bytes(disk / "frame_2.png", b"p" * 100_000)
        assert (disk / "frame_2.png").stat().st_size == 100_000


# --- failed writes as one line ------------------------------------------------------------------


def test_enospc_after_n_bytes_is_one_line_and_keeps_the_old_file(tmp_path, monkeypatch):
    write_text(tmp_path / "history.csv", "epoch\n1\n")
    disk = DiskBudget(tmp_path)
    disk.arm(monkeypatch, 5)
    with pytest.raises(WriteError) as info:
        write_text(tmp_path / "history.csv", "epoch\n1\n2\n")
    message = str(info.value)
    assert message.startswith(f"cannot write {tmp_path / 'history.csv'}: no space left on the device (about ")
    assert message.endswith(" needed, 5 B free)") and "\n" not in message
    assert info.value.cause == "no space" and info.value.remedy == "free some space on that disk"
    disk.disarm()
    assert (tmp_path / "history.csv").read_text() == "epoch\n1\n"
    assert _entries(tmp_path) == ["history.csv"], "the temporary file is removed"


@pytest.mark.parametrize(
    "number, cause, words",
    [
        (errno.ENOSPC, "no space", "no space left on the device"),
        (errno.EDQUOT, "no space", "the disk quota is used up"),
        (errno.EROFS, "read-only", "the file system is read-only"),
        (errno.EACCES, "permission", "permission denied"),
        (errno.EIO, "other", os.strerror(errno.EIO)),
    ],
)
def test_each_cause_in_words(tmp_path, number, cause, words):
    e = write_error(tmp_path / "f.png", OSError(number, os.strerror(number)))
    assert e.cause == cause and f"cannot write {tmp_path / 'f.png'}: {words}" in str(e) and e.exit_code == 3


def test_h5py_errors_are_read_for_their_errno():
    h5py_text = (
        "Unable to synchronously create file (file write failed: time = Thu Nov 26, filename = 'x.h5', "
        "file descriptor = 5, errno = 28, error message = 'No space left on device', buf = 0x1, total write "
        "size = 2048, bytes this sub-write = 2048, bytes actually written = 18446744073709551615, offset = 0)"
    )
    assert errno_of(OSError(None, h5py_text)) == errno.ENOSPC
    assert errno_of(RuntimeError("Read-only file system")) == errno.EROFS
    assert errno_of(ValueError("bad shape")) is None


def test_a_writer_error_naming_an_errno_becomes_a_write_error(tmp_path):
    with pytest.raises(WriteError, match="no space left on the device"), atomic_path(tmp_path / "c.weights.h5") as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("Can't write data (file write failed: errno = 28, error message = 'No space left')")
    with pytest.raises(ValueError, match="not an I/O error"), atomic_path(tmp_path / "c.weights.h5"):
        raise ValueError("not an I/O error")  # other errors pass through unchanged
    assert _entries(tmp_path) == []


def test_a_vanished_folder_is_named(tmp_path):
    run = tmp_path / "run"
    (run / "samples").mkdir(parents=True)
    write_text(run / "samples" / "epoch_001.png", "x")
    run.rename(tmp_path / "moved")
    with pytest.raises(WriteError) as info:
        write_text(run / "samples" / "epoch_002.png", "y")
    assert str(info.value) == (
        f"cannot write {run / 'samples' / 'epoch_002.png'}: the folder {run} is gone (deleted, moved or unmounted)"
    )
    assert info.value.cause == "gone" and info.value.remedy == "put the folder back"


def test_a_read_only_folder_is_named_and_the_old_file_kept(tmp_path):
    (tmp_path / "run").mkdir()
    write_text(tmp_path / "run" / "state.npz", "old")
    with read_only(tmp_path / "run") as how, pytest.raises(WriteError) as info:
        write_text(tmp_path / "run" / "state.npz", "new")
    words = {"read-only": "the file system is read-only", "permission denied": "permission denied"}[how]
    assert str(info.value) == f"cannot write {tmp_path / 'run' / 'state.npz'}: {words}"
    assert (tmp_path / "run" / "state.npz").read_text() == "old" and _entries(tmp_path / "run") == ["state.npz"]


# --- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_follow_the_umask_like_open(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        assert current_umask() == umask
        path = write_text(tmp_path / "a.txt", "x")
        with open(tmp_path / "b.txt", "w") as f:
            f.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode == stat.S_IMODE((tmp_path / "b.txt").stat().st_mode)


def test_a_replaced_file_keeps_its_mode(tmp_path):
    path = write_text(tmp_path / "a.txt", "x")
    path.chmod(0o640)
    write_text(path, "y")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.read_text() == "y"


# --- the writability probe -----------------------------------------------------------------------


def test_check_writable_creates_probes_and_names_the_folder(tmp_path):
    assert check_writable(tmp_path / "a" / "b", "run directory", create=True) == tmp_path / "a" / "b"
    assert _entries(tmp_path / "a" / "b") == []
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match=r"cannot write to run directory .*file/run: .*; choose another"):
        check_writable(tmp_path / "file" / "run", "run directory", "choose another", create=True)
    with pytest.raises(OutputError, match="cannot write to the cache folder .*missing: it does not exist"):
        check_writable(tmp_path / "missing", "the cache folder")


def test_check_writable_refuses_a_read_only_folder(tmp_path):
    (tmp_path / "ro").mkdir()
    with read_only(tmp_path / "ro") as how:
        words = {"read-only": "the file system is read-only", "permission denied": "permission denied"}[how]
        with pytest.raises(OutputError, match=f"cannot write to -o's folder .*ro: {words}$"):
            check_writable(tmp_path / "ro", "-o's folder")
    assert _entries(tmp_path / "ro") == []


# --- memory -------------------------------------------------------------------------------------


def test_allocations_are_described_from_tensorflow_and_numpy_messages():
    tf_text = (
        "OOM when allocating tensor with shape[64,128,14,14] and type float on "
        "/job:localhost/replica:0/task:0/device:CPU:0 by allocator cpu"
    )
    assert describe_allocation(Exception(tf_text)) == "a float tensor of shape [64, 128, 14, 14] (6.4 MB)"
    try:
        np.ones((2**40, 2**10))
    except MemoryError as e:
        numpy_error = e
    assert describe_allocation(numpy_error) == "a float64 array of shape (1099511627776, 1024) (8.00 PiB)"
    assert describe_allocation(MemoryError()) == ""


def test_reporting_faults_adds_what_is_kept_and_how_to_continue():
    def kept():
        return "the state after epoch 2 is kept in run"

    resume = "python -m gan.train --out run --resume"
    with pytest.raises(WriteError) as info, reporting_faults(kept, resume, "lower --batch-size (now 64)"):
        raise write_error("run/checkpoint.weights.h5", OSError(errno.EROFS, "Read-only file system"))
    assert str(info.value) == (
        "cannot write run/checkpoint.weights.h5: the file system is read-only. The state after "
        "epoch 2 is kept in run; make that file system writable again, then continue with: "
        "python -m gan.train --out run --resume"
    )
    assert info.value.cause == "read-only" and info.value.exit_code == 3
    with (
        pytest.raises(OutOfMemoryError) as info,
        reporting_faults(kept, "RESUME", "lower --batch-size (now 64)", resume_after_oom="RESUME --batch-size 32"),
    ):
        np.ones((2**40, 2**10))
    assert str(info.value).startswith("out of memory allocating a float64 array of shape (1099511627776, 1024) ")
    assert str(info.value).endswith(
        "; lower --batch-size (now 64). The state after epoch 2 is kept in run; continue with: RESUME --batch-size 32"
    )
    assert info.value.exit_code == 4
    with pytest.raises(KeyError), reporting_faults(kept, "RESUME", "LOWER"):
        raise KeyError("x")  # anything else passes through


def test_tensorflow_out_of_memory_is_recognized():
    import tensorflow as tf

    with pytest.raises(tf.errors.ResourceExhaustedError) as info:
        tf.reduce_sum(tf.ones([2**42]))
    fault = as_fault(info.value)
    assert isinstance(fault, OutOfMemoryError) and fault.exit_code == 4
    assert str(fault).startswith("out of memory allocating a float tensor of shape [4398046511104] (17.6 TB); lower ")


# --- run_cli's exit codes -----------------------------------------------------------------------


def test_run_cli_exit_codes_for_faults(capsys, tmp_path):
    def full(argv):
        raise write_error(tmp_path / "x.png", OSError(errno.ENOSPC, "No space left on device"))

    assert run_cli(full, []) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error: cannot write " in err and "no space left on the device" in err

    def unreported_full_disk(argv):  # an OSError no write of ours wrapped: still one line
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "y.log"))

    assert run_cli(unreported_full_disk, []) == 3
    assert f"cannot write {tmp_path / 'y.log'}: no space left" in capsys.readouterr().err

    def out_of_memory(argv):
        np.ones((2**40, 2**10))

    assert run_cli(out_of_memory, []) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error: out of memory allocating a float64 array" in err and "--size" in err

    def missing_input(argv):  # not a fault of the run: a traceback, as for any bug
        raise FileNotFoundError(errno.ENOENT, "No such file", "in.png")

    with pytest.raises(FileNotFoundError):
        run_cli(missing_input, [])
