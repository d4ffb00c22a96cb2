"""Faults in the middle of `gan.train` (issue 17): a full disk, a run folder that vanishes or turns
read-only between two saves, memory exhausted inside a training step.

Each test runs the command line in this process (`common.cli.run_cli(gan.train.main, ...)`, so a
fault can be injected right after an epoch's saves) and checks: one `gan.train: error:` line
naming the file and the cause (or the allocation), the documented exit code (3 for a write, 4 for
memory), the checkpoint of the last saved epoch intact, and that `--resume` once the fault is
gone ends like an uninterrupted run (the checks of `test_gan_robustness.py`'s kill-and-resume
test: history rows 1..N, checkpoint at epoch N with N epochs' optimizer steps, every file readable).
"""

import json
import os

import keras
import pytest
from fault_support import DiskBudget, ReadOnlyLater, assert_stopped, fill, tmpfs
from gan_support import TINY_MODEL, set_args, write_fake_fashion
from PIL import Image

import gan.train
from common.cli import run_cli
from common.config import load_config
from common.diskspace import needed_bytes
from common.runformat import GanFiles
from gan import callbacks as cb
from gan.config import GANConfig
from gan.resume import load_checkpoint
from gan.train import build_gan

EPOCHS, N_IMAGES, BATCH = 3, 64, 16
STEPS = N_IMAGES // BATCH
FAULT_AFTER = 1  # the fault strikes once epoch 1 is saved: epoch 2's saves (or steps) meet it
KEPT = f"The state after epoch {FAULT_AFTER} is kept in run"
NEXT_GRID = f"run/samples/epoch_{FAULT_AFTER + 1:03d}.png"


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.setattr("common.cli._prog_name", lambda: "gan.train")
    for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS"):  # main sets them; put them back afterwards
        monkeypatch.setenv(name, os.environ.get(name, "0" if name == "TF_CPP_MIN_LOG_LEVEL" else ""))
    yield
    keras.backend.clear_session()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_fake_fashion(tmp_path_factory.mktemp("fashion"), n=N_IMAGES)


def _train(args, capsys):
    code = run_cli(gan.train.main, [str(a) for a in args])
    return code, capsys.readouterr().err


def _args(data, out="run"):
    return ["--out", out, "--data-dir", data, "--epochs", EPOCHS, "--batch-size", BATCH, *set_args(TINY_MODEL)]


def _after_epoch(monkeypatch, epoch, action):
    """Calls `action()` once, right after the checkpoint of `epoch` is written."""
    original = cb.Checkpoint.on_epoch_end

    def on_epoch_end(self, e, logs=None):
        original(self, e, logs)
        if self.epochs_saved == epoch and not getattr(self, "_fault_done", False):
            self._fault_done = True
            action()

    monkeypatch.setattr(cb.Checkpoint, "on_epoch_end", on_epoch_end)


def _checkpoint(run):
    config = load_config(GANConfig, run / "config.toml")
    model = build_gan(config, (28, 28, 1))
    load_checkpoint(model, run / GanFiles.CHECKPOINT)
    return int(model.epochs_done.numpy()), int(model.g_optimizer.iterations), int(model.d_optimizer.iterations)


def _assert_stopped(code, err, expected_code, *fragments):
    return assert_stopped("gan.train", code, err, expected_code, *fragments)


def _assert_kept(run, epochs=FAULT_AFTER):
    """The last complete state is the checkpoint of `epochs`; no temporary file is left."""
    assert _checkpoint(run) == (epochs, epochs * STEPS, epochs * STEPS)
    rows = [r["epoch"] for r in cb.read_history(run / "history.csv")]
    assert rows[:epochs] == list(range(1, epochs + 1)) and len(rows) <= epochs + 1
    assert not [p.name for p in run.rglob(".*") if "tmp" in p.name], "no temporary file left"


def _assert_resumed_to_the_end(run):
    """What `test_gan_robustness.py` checks after its kills: the run as an uninterrupted one ends."""
    assert [r["epoch"] for r in cb.read_history(run / "history.csv")] == list(range(1, EPOCHS + 1))
    assert _checkpoint(run) == (EPOCHS, EPOCHS * STEPS, EPOCHS * STEPS)
    assert json.loads((run / "summary.json").read_text())["epochs"] == EPOCHS
    keras.models.load_model(run / GanFiles.GENERATOR)
    assert sorted(p.name for p in (run / "samples").iterdir()) == [f"epoch_{e:03d}.png" for e in range(1, EPOCHS + 1)]
    for image in ["losses.png", "samples.gif", *(f"samples/epoch_{e:03d}.png" for e in range(1, EPOCHS + 1))]:
        with Image.open(run / image) as im:
            im.verify()
    with Image.open(run / "samples.gif") as gif:
        assert gif.n_frames == EPOCHS


def test_a_full_disk_stops_before_the_checkpoint_then_resume(data, tmp_path, monkeypatch, capsys):
    """A real full disk (tmpfs): the space check refuses the HDF5 checkpoint, which could crash the process."""
    disk = tmp_path / "disk"
    with tmpfs(disk, "8m"):
        monkeypatch.chdir(disk)
        run = disk / "run"
        ballast = []

        def fill_up():
            # Room for the next epoch's grid, CSV, plot and generator, not for its checkpoint.
            leave = (needed_bytes(run / GanFiles.GENERATOR) + needed_bytes(run / GanFiles.CHECKPOINT)) // 2
            ballast.append(fill(disk, leave))

        _after_epoch(monkeypatch, FAULT_AFTER, fill_up)
        code, err = _train(_args(data), capsys)
        line = _assert_stopped(
            code,
            err,
            3,
            "cannot write run/checkpoint.weights.h5: not enough space left",
            "needed",
            "free",
            KEPT,
            "free some space on that disk, then continue with: python -m gan.train --resume run",
        )
        assert "kB needed" in line or "MB needed" in line
        _assert_kept(run)
        ballast[0].unlink()  # the user frees space
        code, err = _train(["--out", "run", "--resume"], capsys)
        assert code == 0, err[-3000:]
        _assert_resumed_to_the_end(run)
        os.chdir(tmp_path)  # out of the tmpfs, so that it can be unmounted


def test_a_disk_filling_up_in_the_middle_of_a_write_then_resume(data, tmp_path, monkeypatch, capsys):
    """Simulated: the writer fails with ENOSPC after 300 more bytes (no root needed)."""
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "run"
    run.mkdir()
    disk = DiskBudget(run)
    _after_epoch(monkeypatch, FAULT_AFTER, lambda: disk.arm(monkeypatch, 300))
    code, err = _train(_args(data), capsys)
    _assert_stopped(
        code, err, 3, f"cannot write {NEXT_GRID}: no space left on the device", " B free)", KEPT, "--resume run"
    )
    assert disk.failed, "the simulated disk did refuse a write"
    _assert_kept(run)
    disk.disarm()
    code, err = _train(["--out", "run", "--resume"], capsys)
    assert code == 0, err[-3000:]
    _assert_resumed_to_the_end(run)


def test_the_run_folder_vanishing_between_two_saves_then_resume(data, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "run"
    _after_epoch(monkeypatch, FAULT_AFTER, lambda: run.rename(tmp_path / "elsewhere"))  # deleted, moved, unmounted
    code, err = _train(_args(data), capsys)
    _assert_stopped(
        code,
        err,
        3,
        f"cannot write {NEXT_GRID}: the folder run is gone",
        f"{KEPT}; put the folder back, then continue with: python -m gan.train --resume run",
    )
    assert not run.exists()
    (tmp_path / "elsewhere").rename(run)  # the user puts it back (remounts the disk)
    _assert_kept(run)
    code, err = _train(["--out", "run", "--resume"], capsys)
    assert code == 0, err[-3000:]
    _assert_resumed_to_the_end(run)


def test_the_run_folder_turning_read_only_between_two_saves_then_resume(data, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "run"
    lock = ReadOnlyLater(run)
    _after_epoch(monkeypatch, FAULT_AFTER, lock)
    try:
        code, err = _train(_args(data), capsys)
    finally:
        lock.release()  # the user makes it writable again
    assert lock.kind is not None, "the fault was injected"
    cause = lock.cause
    _assert_stopped(
        code, err, 3, f"cannot write {NEXT_GRID}: {cause}", KEPT, "then continue with: python -m gan.train --resume run"
    )
    _assert_kept(run)
    code, err = _train(["--out", "run", "--resume"], capsys)
    assert code == 0, err[-3000:]
    _assert_resumed_to_the_end(run)


def test_out_of_memory_inside_a_training_step_then_resume(data, tmp_path, monkeypatch, capsys):
    """TensorFlow's own ResourceExhaustedError: a step of epoch 2 asks for a 17.6 TB tensor."""
    import tensorflow as tf

    from gan.gan import GAN

    original = GAN.train_step
    trigger = FAULT_AFTER * STEPS + 2  # the 2nd step of the next epoch

    def greedy_train_step(self, data):
        logs = original(self, data)
        size = tf.where(self.g_optimizer.iterations == trigger, tf.constant(2**42, tf.int64), tf.constant(1, tf.int64))
        zero = tf.minimum(tf.reduce_sum(tf.ones(tf.reshape(size, [1]))), 0.0)  # 0, once the tensor exists
        return {k: v + zero for k, v in logs.items()}  # used, so that graph optimization keeps it

    monkeypatch.setattr(GAN, "train_step", greedy_train_step)
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "run"
    code, err = _train(_args(data), capsys)
    _assert_stopped(
        code,
        err,
        4,
        "out of memory allocating a float tensor of shape [4398046511104] (17.6 TB)",
        "lower --batch-size (now 16)",
        KEPT,
        "continue with: python -m gan.train --resume run --batch-size 8",
    )
    _assert_kept(run)
    monkeypatch.setattr(GAN, "train_step", original)  # memory is back
    code, err = _train(["--out", "run", "--resume"], capsys)
    assert code == 0, err[-3000:]
    _assert_resumed_to_the_end(run)


def test_the_space_check_keeps_hdf5_from_starting_on_a_full_disk(data, tmp_path, monkeypatch):
    """No previous checkpoint yet: the estimate (weights, optimizer state, HDF5 overhead) is at
    least the real file's size, and a disk with less free space stops before h5py is called."""
    from common.errors import WriteError

    config = load_config(GANConfig, None, [*TINY_MODEL, f"train.batch_size={BATCH}"])
    model = build_gan(config, (28, 28, 1))
    cb.save_weights_atomic(model, tmp_path / "real.weights.h5")
    real_size = (tmp_path / "real.weights.h5").stat().st_size
    calls = []
    monkeypatch.setattr(type(model), "save_weights", lambda self, *a, **k: calls.append(a))
    monkeypatch.setattr("common.atomic.free_bytes", lambda folder: real_size)
    with pytest.raises(WriteError, match=r"cannot write .*checkpoint.weights.h5: not enough space") as info:
        cb.save_weights_atomic(model, tmp_path / GanFiles.CHECKPOINT)
    assert calls == [], "h5py never started"
    assert info.value.needed > real_size and info.value.free == real_size and info.value.exit_code == 3
    assert not (tmp_path / GanFiles.CHECKPOINT).exists()
