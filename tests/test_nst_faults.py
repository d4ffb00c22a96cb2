"""Faults in the middle of `nst.transfer` (issue 17): the disk filling up while the state is written,
the run folder vanishing or turning read-only between two saves, memory exhausted inside a step.

Each test runs the command line in this process (`common.cli.run_cli(nst.transfer.main, ...)`, a
random-weights VGG19 at 48 px, Adam, a state every 3 iterations), injects the fault after the
second saved state, and checks: one `nst.transfer: error:` line naming the file and the cause (or
the allocation), exit code 3 (a write) or 4 (memory), `state.npz` still the whole state of step
6, and that `--resume` once the fault is gone ends exactly as an uninterrupted run: the same final
image, pixel for pixel, and the same losses at every step.
"""

import csv
import os

import numpy as np
import pytest
from fault_support import DiskBudget, ReadOnlyLater, assert_stopped
from PIL import Image

import nst.transfer
from common.cli import run_cli
from nst.records import Checkpoint

ITERATIONS, SAVE_EVERY = 12, 3
ARGS = [
    "--weights",
    "none",
    "--size",
    "48",
    "--optimizer",
    "adam",
    "--iterations",
    str(ITERATIONS),
    "--save-every",
    str(SAVE_EVERY),
]
KEPT_STEP = 2 * SAVE_EVERY  # the fault strikes after the second saved state
KEPT = f"The state at step {KEPT_STEP} is kept in run"
RESUME = "then continue with: python -m nst.transfer --resume run"


@pytest.fixture(scope="module")
def _vgg19():
    """One random-weights VGG19 for every run of this module (building it is most of a tiny run's time)."""
    from nst.weights import WeightsSource, load_vgg19

    return load_vgg19(WeightsSource("none", None, "random"), seed=0)


@pytest.fixture(autouse=True)
def _cli_in_process(monkeypatch, _vgg19):
    import keras

    def load_vgg19(source, seed=None):
        assert source.kind == "none" and seed == 0, "the runs here use --weights none and seed 0"
        keras.utils.set_random_seed(seed)  # what building it would do
        return _vgg19

    monkeypatch.setattr("nst.weights.load_vgg19", load_vgg19)
    monkeypatch.setattr("common.cli._prog_name", lambda: "nst.transfer")
    monkeypatch.delenv("NST_VGG19_WEIGHTS", raising=False)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))  # main sets it


def _transfer(args, capsys):
    code = run_cli(nst.transfer.main, [str(a) for a in args])
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The run as it ends without any fault: (final image, losses per step)."""
    folder = tmp_path_factory.mktemp("uninterrupted")
    code = run_cli(nst.transfer.main, [*ARGS, "--out", str(folder / "run")])
    assert code == 0
    return _result(folder / "run")


def _result(run):
    with Image.open(run / "final.png") as im:
        image = np.asarray(im)
    with open(run / "losses.csv") as f:
        losses = [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(f)]
    return image, losses


def _after_saved_states(monkeypatch, count, action):
    """Calls `action()` once, right after the `count`-th `state.npz` of the run is written."""
    original = Checkpoint.save
    saves = []

    def save(self, path):
        result = original(self, path)
        saves.append(path)
        if len(saves) == count:
            action()
        return result

    monkeypatch.setattr(Checkpoint, "save", save)


def _assert_stopped(code, err, expected_code, *fragments):
    return assert_stopped("nst.transfer", code, err, expected_code, *fragments)


def _assert_kept(run):
    """`state.npz` is the whole state of step KEPT_STEP; no temporary file is left."""
    state = Checkpoint.load(run / "state.npz")
    assert [r.step for r in state.history] == list(range(1, KEPT_STEP + 1))
    assert state.iteration == KEPT_STEP and np.isfinite(state.image).all()
    assert not list(run.rglob(".*.tmp*")), "no temporary file left"


def _assert_resumes_to_the_same_end(run, uninterrupted, capsys):
    code, err = _transfer(["--resume", "run"], capsys)
    assert code == 0, err[-3000:]
    assert f"resuming at step {KEPT_STEP}" in err
    image, losses = _result(run)
    expected_image, expected_losses = uninterrupted
    assert losses == expected_losses, "the same losses at every step, no gap, no duplicate"
    assert np.array_equal(image, expected_image), "the same final image"


def test_the_disk_filling_up_while_the_state_is_written_then_resume(uninterrupted, tmp_path, monkeypatch, capsys):
    """Simulated full disk: after the second state, room for the next frame (12 kB) but not the state."""
    monkeypatch.chdir(tmp_path)
    disk = DiskBudget(tmp_path / "run")
    _after_saved_states(monkeypatch, 2, lambda: disk.arm(monkeypatch, 12_000))
    code, err = _transfer([*ARGS, "--out", "run"], capsys)
    _assert_stopped(
        code,
        err,
        3,
        "cannot write run/state.npz: no space left on the device (",
        " needed, ",
        " free)",
        KEPT,
        f"free some space on that disk, {RESUME}",
    )
    assert disk.failed and all(".state." in name for name in disk.failed)
    _assert_kept(tmp_path / "run")
    disk.disarm()
    _assert_resumes_to_the_same_end(tmp_path / "run", uninterrupted, capsys)


def test_the_run_folder_vanishing_between_two_saves_then_resume(uninterrupted, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "run"
    _after_saved_states(monkeypatch, 2, lambda: run.rename(tmp_path / "elsewhere"))
    code, err = _transfer([*ARGS, "--out", "run"], capsys)
    _assert_stopped(
        code,
        err,
        3,
        "cannot write run/losses.csv: the folder run is gone (deleted, moved or unmounted)",
        KEPT,
        f"put the folder back, {RESUME}",
    )
    (tmp_path / "elsewhere").rename(run)
    _assert_kept(run)
    _assert_resumes_to_the_same_end(run, uninterrupted, capsys)


def test_the_run_folder_turning_read_only_between_two_saves_then_resume(uninterrupted, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "run"
    lock = ReadOnlyLater(run)
    _after_saved_states(monkeypatch, 2, lock)
    try:
        code, err = _transfer([*ARGS, "--out", "run"], capsys)
    finally:
        lock.release()
    cause = lock.cause
    _assert_stopped(code, err, 3, f"cannot write run/losses.csv: {cause}", KEPT, RESUME)
    _assert_kept(run)
    _assert_resumes_to_the_same_end(run, uninterrupted, capsys)


def test_out_of_memory_inside_a_step_then_resume(uninterrupted, tmp_path, monkeypatch, capsys):
    """TensorFlow's own ResourceExhaustedError from the objective of step 8 (a 17.6 TB tensor)."""
    import tensorflow as tf

    from nst.objective import Objective

    original = Objective.__call__
    calls = []

    def greedy_call(self, pixels):
        calls.append(1)
        if len(calls) == KEPT_STEP + 2:
            tf.reduce_sum(tf.ones([2**42]))
        return original(self, pixels)

    monkeypatch.setattr(Objective, "__call__", greedy_call)
    monkeypatch.chdir(tmp_path)
    code, err = _transfer([*ARGS, "--out", "run"], capsys)
    _assert_stopped(
        code,
        err,
        4,
        "out of memory allocating a float tensor of shape [4398046511104] (17.6 TB)",
        "lower --size (now 48) in a new run",
        KEPT,
        "continue with: python -m nst.transfer --resume run",
    )
    _assert_kept(tmp_path / "run")
    monkeypatch.setattr(Objective, "__call__", original)
    _assert_resumes_to_the_same_end(tmp_path / "run", uninterrupted, capsys)
