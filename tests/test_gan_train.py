"""Tests for gan.train.train and gan.callbacks on a tiny model and tiny synthetic data (in-process)."""

import json
import os
import shutil
import signal

import keras
import numpy as np
import pytest
from gan_support import TINY_MODEL, write_fake_fashion

from common.config import load_config
from common.errors import ConfigError, InputError, TrainingError
from common.images import load_png
from common.runformat import FORMAT, GanFiles, GanSummary
from gan.callbacks import HISTORY_COLUMNS, read_history
from gan.config import GANConfig
from gan.precision import with_concrete_precision
from gan.resume import load_checkpoint
from gan.sample import generate, load_generator
from gan.train import TrainingInterrupted, build_gan, train

N_IMAGES, BATCH = 64, 16
STEPS = N_IMAGES // BATCH


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Each test starts from an empty Keras graph (keeps a long test process light)."""
    yield
    keras.backend.clear_session()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_fake_fashion(tmp_path_factory.mktemp("fashion"), n=N_IMAGES)


def tiny_config(data_dir, *overrides):
    base = [*TINY_MODEL, f"data.data_dir={json.dumps(str(data_dir))}", f"train.batch_size={BATCH}", "train.epochs=2"]
    return load_config(GANConfig, None, [*base, *overrides])


def run(config, run_dir, **kwargs):
    run_dir.mkdir(exist_ok=True)
    keras.utils.set_random_seed(config.seed)  # as gan.train's command line does
    return train(config, run_dir, verbose=0, **kwargs)


def saved_state(config, run_dir):
    """(epochs_done, d_optimizer iterations, g_optimizer iterations) of the run's checkpoint."""
    gan = build_gan(config, (28, 28, 1))
    load_checkpoint(gan, run_dir / GanFiles.CHECKPOINT)
    return int(gan.epochs_done.numpy()), int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)


def epochs_of(run_dir):
    return [row["epoch"] for row in read_history(run_dir / GanFiles.HISTORY)]


@pytest.fixture(scope="module")
def finished(data_dir, tmp_path_factory):
    """A 2-epoch run with TensorBoard logs, shared by the tests that only read it (or copy it)."""
    config = tiny_config(data_dir, "train.epochs=2", "output.tensorboard=true")
    run_dir = tmp_path_factory.mktemp("finished") / "run"
    summary = run(config, run_dir)
    return config, run_dir, summary


def copy_run(finished, tmp_path):
    config, run_dir, _ = finished
    shutil.copytree(run_dir, tmp_path / "run")
    return config, tmp_path / "run"


def test_a_run_writes_every_output(finished):
    config, run_dir, summary = finished

    # The resolved config, "auto" precision named as what it stood for on this machine.
    assert load_config(GANConfig, run_dir / GanFiles.CONFIG) == with_concrete_precision(config)
    header = (run_dir / GanFiles.HISTORY).read_text().splitlines()[0]
    assert header == ",".join(HISTORY_COLUMNS)
    rows = read_history(run_dir / GanFiles.HISTORY)
    assert [r["epoch"] for r in rows] == [1, 2]
    assert all(np.isfinite(list(r.values())).all() and r["seconds"] > 0 for r in rows)
    assert load_png(run_dir / GanFiles.LOSSES_PNG).shape[0] > 100
    assert sorted(p.name for p in (run_dir / GanFiles.SAMPLES_DIR).iterdir()) == ["epoch_001.png", "epoch_002.png"]
    grid = load_png(run_dir / GanFiles.SAMPLES_DIR / "epoch_002.png")
    assert grid.shape == (2 + 2 * (28 + 2), 2 + 2 * (28 + 2), 1)  # 4 samples, 2x2, scale 1
    from PIL import Image

    with Image.open(run_dir / GanFiles.GIF) as gif:
        assert gif.n_frames == 2
    generator = keras.models.load_model(run_dir / GanFiles.GENERATOR)
    assert generator.output_shape == (None, 28, 28, 1)
    # The grid is generate()'s images for the run's seed, so gan.sample can redraw it.
    from common.images import make_grid

    np.testing.assert_array_equal(make_grid(generate(load_generator(run_dir), 4, config.seed), scale=1), grid)
    assert saved_state(config, run_dir) == (2, 2 * STEPS, 2 * STEPS)
    assert GanSummary.read(run_dir) == summary
    assert json.loads((run_dir / GanFiles.SUMMARY).read_text())["format"] == FORMAT
    assert summary.epochs == 2 and summary.images_seen == 2 * STEPS * BATCH
    assert summary.generator_parameters == generator.count_params() > 0
    assert summary.discriminator_parameters > 0 and summary.peak_memory_mb > 0
    assert summary.parameters == summary.generator_parameters + summary.discriminator_parameters
    assert summary.images_per_second > 0 and 0 < summary.seconds_per_image < 1
    assert summary.seconds == pytest.approx(sum(r["seconds"] for r in rows), abs=0.01)
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".")], "no temporary files left"


@pytest.mark.slow
def test_samples_every_k_epochs_and_after_the_last(data_dir, tmp_path):
    run(tiny_config(data_dir, "train.epochs=3", "output.sample_every=2"), tmp_path / "run")
    assert sorted(p.name for p in (tmp_path / "run" / GanFiles.SAMPLES_DIR).iterdir()) == [
        "epoch_002.png",
        "epoch_003.png",
    ]


def test_tensorboard_logs(finished):
    assert list((finished[1] / GanFiles.TENSORBOARD_DIR).rglob("events.out.tfevents.*"))


@pytest.mark.slow
def test_resume_continues_with_the_optimizer_state(data_dir, finished, tmp_path):
    _, run_dir = copy_run(finished, tmp_path)
    longer = tiny_config(data_dir, "train.epochs=4")
    summary = run(longer, run_dir, resume=True)
    assert epochs_of(run_dir) == [1, 2, 3, 4]
    # Restored optimizers count on from 2 epochs' steps; fresh ones would stop at 2 epochs' worth.
    assert saved_state(longer, run_dir) == (4, 4 * STEPS, 4 * STEPS)
    assert summary.epochs == 4 and summary.images_seen == 4 * STEPS * BATCH
    # Resuming a finished run trains nothing more.
    run(longer, run_dir, resume=True)
    assert epochs_of(run_dir) == [1, 2, 3, 4]


class SignalAt(keras.callbacks.Callback):
    """Sends `signum` to this very process after batch `batch` of epoch `epoch` (0-based)."""

    def __init__(self, signum, epoch, batch, times=1):
        super().__init__()
        self.signum, self.epoch, self.batch, self.times = signum, epoch, batch, times
        self._epoch = -1

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self._epoch, batch) == (self.epoch, self.batch):
            for _ in range(self.times):
                os.kill(os.getpid(), self.signum)


@pytest.mark.slow
def test_sigterm_stops_after_the_batch_and_keeps_the_last_finished_epoch(data_dir, tmp_path, capsys):
    config = tiny_config(data_dir, "train.epochs=3")
    run_dir = tmp_path / "run"
    with pytest.raises(TrainingInterrupted) as info:
        run(config, run_dir, callbacks=[SignalAt(signal.SIGTERM, epoch=1, batch=1)])
    assert info.value.exit_code == 143 and info.value.epochs_done == 1
    assert f"--resume {run_dir}" in str(info.value)
    assert "stopping after the current batch" in capsys.readouterr().err
    assert epochs_of(run_dir) == [1]
    assert saved_state(config, run_dir) == (1, STEPS, STEPS)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, "the handler is uninstalled afterwards"

    run(config, run_dir, resume=True)  # resumes at epoch 2
    assert epochs_of(run_dir) == [1, 2, 3]
    assert saved_state(config, run_dir) == (3, 3 * STEPS, 3 * STEPS)


@pytest.mark.slow
def test_first_ctrl_c_finishes_the_epoch_second_stops_now(data_dir, tmp_path, capsys):
    config = tiny_config(data_dir, "train.epochs=3")
    with pytest.raises(TrainingInterrupted) as info:
        run(config, tmp_path / "a", callbacks=[SignalAt(signal.SIGINT, epoch=0, batch=0)])
    assert info.value.exit_code == 130 and info.value.epochs_done == 1
    assert "finishing epoch 1" in capsys.readouterr().err
    assert epochs_of(tmp_path / "a") == [1]

    with pytest.raises(TrainingInterrupted) as info:
        run(config, tmp_path / "b", callbacks=[SignalAt(signal.SIGINT, epoch=1, batch=0, times=2)])
    assert info.value.epochs_done == 1 and epochs_of(tmp_path / "b") == [1]


class StopAt(keras.callbacks.Callback):
    """Stops training after batch `batch` of epoch `epoch` (0-based), as EarlyStopping-like callbacks do."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.epoch, self.batch, self._epoch = epoch, batch, -1

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self._epoch, batch) == (self.epoch, self.batch):
            self.model.stop_training = True


@pytest.mark.slow
def test_an_epoch_cut_short_by_another_callback_is_not_recorded(data_dir, tmp_path):
    config = tiny_config(data_dir, "train.epochs=3")
    with pytest.raises(TrainingInterrupted) as info:
        run(config, tmp_path / "run", callbacks=[StopAt(epoch=1, batch=1)])
    assert info.value.epochs_done == 1 and epochs_of(tmp_path / "run") == [1]
    assert saved_state(config, tmp_path / "run") == (1, STEPS, STEPS)


class PoisonAt(keras.callbacks.Callback):
    """Sets the discriminator's weights to NaN before the first batch of epoch `epoch`."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            for w in self.model.discriminator.weights:
                w.assign(np.full(w.shape, np.nan, "float32"))


@pytest.mark.slow
def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(data_dir, tmp_path):
    config = tiny_config(data_dir, "train.epochs=3")
    run_dir = tmp_path / "run"
    with pytest.raises(TrainingError, match=r"d_loss became nan at epoch 2, batch 1.*last good state \(epoch 1\)"):
        run(config, run_dir, callbacks=[PoisonAt(epoch=1)])
    assert epochs_of(run_dir) == [1]
    gan = build_gan(config, (28, 28, 1))
    load_checkpoint(gan, run_dir / GanFiles.CHECKPOINT)
    assert int(gan.epochs_done.numpy()) == 1
    assert all(np.isfinite(np.array(w)).all() for w in gan.weights if w.dtype.startswith("float"))


@pytest.mark.slow
def test_same_seed_same_first_epoch(data_dir, tmp_path):
    config = tiny_config(data_dir, "train.epochs=1", "seed=5", "output.samples=1")
    losses = []
    for name in ("a", "b"):
        run(config, tmp_path / name)
        losses.append(
            [{k: v for k, v in r.items() if k != "seconds"} for r in read_history(tmp_path / name / GanFiles.HISTORY)]
        )
    assert losses[0] == losses[1]


def test_resume_with_another_latent_size_is_refused(data_dir, finished):
    run_dir = finished[1]
    with pytest.raises(ConfigError, match="model.latent_dim 16 does not match the checkpoint.*latent_dim 8"):
        run(tiny_config(data_dir, "train.epochs=2", "model.latent_dim=16"), run_dir, resume=True)


def test_corrupt_checkpoint_is_an_input_error(data_dir, finished, tmp_path):
    _, run_dir = copy_run(finished, tmp_path)
    data = (run_dir / GanFiles.CHECKPOINT).read_bytes()
    (run_dir / GanFiles.CHECKPOINT).write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cannot resume from .*checkpoint.weights.h5"):
        run(tiny_config(data_dir, "train.epochs=3"), run_dir, resume=True)


def test_batch_larger_than_the_data_is_a_config_error(data_dir, tmp_path):
    with pytest.raises(ConfigError, match="larger than the 64 training images"):
        run(tiny_config(data_dir, "train.batch_size=128"), tmp_path / "run")
