"""Interrupted GAN training loses nothing: SIGKILL at random moments, Ctrl-C and SIGTERM (subprocesses).

Kill points exercised: one SIGKILL at a random moment of start-up and `KILLS` at random moments
of training (within a batch, an epoch's saves, or between them; seeded, so a failure can be
replayed), each followed by `--resume`; plus one SIGINT and one SIGTERM.
"""

import json
import random
import signal
import time

import keras
import numpy as np
import pytest
from gan_support import TINY_MODEL, run_module, set_args, start_module, suite_lines, write_fake_fashion
from PIL import Image

from common.config import load_config
from common.runformat import GanFiles
from gan.callbacks import read_history
from gan.config import GANConfig
from gan.resume import load_checkpoint
from gan.train import build_gan

pytestmark = pytest.mark.slow  # every test here kills and resumes training processes

EPOCHS = 5
KILLS = 2


def _args(data, epochs=EPOCHS):
    return ["--out", "run", "--data-dir", data, "--epochs", epochs, "--batch-size", "16", *set_args(TINY_MODEL)]


def _wait_for(path, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def _checkpoint_epochs(run):
    config = load_config(GANConfig, run / GanFiles.CONFIG)
    gan = build_gan(config, (28, 28, 1))
    load_checkpoint(gan, run / GanFiles.CHECKPOINT)
    return int(gan.epochs_done.numpy()), int(gan.g_optimizer.iterations)


def test_sigkill_at_random_moments_then_resume(tmp_path):
    data = write_fake_fashion(tmp_path / "data", n=128)
    rng = random.Random(2024)
    run = tmp_path / "run"
    delays = []
    for attempt in range(1 + KILLS):
        resume = ["--resume", "run"] if attempt else []
        proc = start_module("gan.train", *_args(data), *resume, cwd=tmp_path)
        if attempt == 0:
            # During start-up: data, TensorFlow, building and tracing the model.
            _wait_for(run / GanFiles.CONFIG, proc)
            delay = rng.uniform(0.0, 2.0)
        else:
            # Once this process has finished an epoch, at a random moment within the next
            # 0.6 s: inside a batch, during an epoch's saves, or between them.
            _wait_for_more_epochs(run, len(read_history(run / GanFiles.HISTORY)), proc)
            delay = rng.uniform(0.0, 0.6)
        delays.append(round(delay, 3))
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        rows = [r["epoch"] for r in read_history(run / GanFiles.HISTORY)]
        assert rows == list(range(1, len(rows) + 1)), (delays, rows)
        if (run / GanFiles.CHECKPOINT).exists():
            done, _ = _checkpoint_epochs(run)
            assert rows[:done] == list(range(1, done + 1)), (delays, rows, done)
        if len(rows) == EPOCHS:
            break
    proc = run_module("gan.train", "--out", "run", "--resume", cwd=tmp_path)
    assert proc.returncode == 0, (delays, proc.stderr[-3000:])

    assert [r["epoch"] for r in read_history(run / GanFiles.HISTORY)] == list(range(1, EPOCHS + 1)), delays
    steps = 128 // 16
    assert _checkpoint_epochs(run) == (EPOCHS, EPOCHS * steps), delays
    assert load_config(GANConfig, run / GanFiles.CONFIG).train.epochs == EPOCHS
    assert json.loads((run / GanFiles.SUMMARY).read_text())["epochs"] == EPOCHS
    keras.models.load_model(run / GanFiles.GENERATOR)
    assert sorted(p.name for p in (run / GanFiles.SAMPLES_DIR).iterdir()) == [
        f"epoch_{e:03d}.png" for e in range(1, EPOCHS + 1)
    ]
    grids = [f"{GanFiles.SAMPLES_DIR}/{GanFiles.sample_grid(e)}" for e in range(1, EPOCHS + 1)]
    for image in [GanFiles.LOSSES_PNG, GanFiles.GIF, *grids]:
        with Image.open(run / image) as im:
            im.verify()
    with Image.open(run / GanFiles.GIF) as gif:
        assert gif.n_frames == EPOCHS
    leftovers = [p.name for p in [*run.iterdir(), *(run / GanFiles.SAMPLES_DIR).iterdir()] if p.name.startswith(".")]
    assert leftovers == [], "temporary files of killed runs are cleaned up on resume"


def test_sigint_saves_and_says_how_to_resume_then_sigterm(tmp_path):
    data = write_fake_fashion(tmp_path / "data", n=64)
    run = tmp_path / "run"
    proc = start_module("gan.train", *_args(data, epochs=500), cwd=tmp_path)
    _wait_for(run / GanFiles.CHECKPOINT, proc)  # at least one epoch finished
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr
    lines = suite_lines(stderr, "gan.train")
    assert any("stopped by SIGINT after" in line and "python -m gan.train --resume run" in line for line in lines), (
        stderr
    )
    assert "SIGINT: finishing epoch" in stderr
    rows = [r["epoch"] for r in read_history(run / GanFiles.HISTORY)]
    done, iterations = _checkpoint_epochs(run)
    assert 1 <= done < 500 and rows == list(range(1, done + 1)) and iterations == done * 4
    assert json.loads((run / GanFiles.SUMMARY).read_text())["epochs"] == done

    proc = start_module("gan.train", "--resume", "run", cwd=tmp_path)
    _wait_for_more_epochs(run, done, proc)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143, stderr[-3000:]
    assert "SIGTERM: stopping after the current batch" in stderr
    rows = [r["epoch"] for r in read_history(run / GanFiles.HISTORY)]
    done_after, _ = _checkpoint_epochs(run)
    assert done_after > done and rows == list(range(1, done_after + 1))
    assert np.isfinite([r["g_loss"] for r in read_history(run / GanFiles.HISTORY)]).all()


def _wait_for_more_epochs(run, done, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while len(read_history(run / GanFiles.HISTORY)) <= done:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.monotonic() < deadline
        time.sleep(0.05)
