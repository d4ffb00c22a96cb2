"""End-to-end tests of `python -m gan.train` and `python -m gan.sample` in tmp_path.

Runs that train or sample are subprocesses; most error paths run the same CLI in this process
(`gan_support.run_main`), which checks the same message and exit code without a TensorFlow start-up each.
"""

import json
import re

import keras
import pytest
from gan_support import (
    TINY_MODEL,
    assert_one_error_line,
    fashion_mnist_present,
    run_main,
    run_module,
    set_args,
    suite_lines,
    write_fake_fashion,
)
from PIL import Image

from common.config import load_config
from common.runformat import GanFiles
from gan.callbacks import read_history
from gan.config import GANConfig
from gan.sample import main as sample_main
from gan.train import train

RUN_FILES = {GanFiles.CONFIG, GanFiles.HISTORY, GanFiles.LOSSES_PNG, GanFiles.SAMPLES_DIR, GanFiles.GIF,
             GanFiles.GENERATOR, GanFiles.CHECKPOINT, GanFiles.SUMMARY}  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Each test starts from an empty Keras graph (keeps a long test process light)."""
    yield
    keras.backend.clear_session()


@pytest.mark.slow
@pytest.mark.real_data
@pytest.mark.skipif(not fashion_mnist_present(), reason="Fashion-MNIST absent: apt-get install dataset-fashion-mnist")
def test_one_epoch_on_256_images_writes_every_output_and_samples(tmp_path):
    proc = run_module("gan.train", "--epochs", "1", "--limit", "256", "--out", "run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert not re.search(r"^[IWE]\d{4} ", proc.stderr, re.M), "TensorFlow's C++ log lines reach the user"
    run = tmp_path / "run"
    assert {p.name for p in tmp_path.iterdir()} == {"run"}, "nothing is written outside the run directory"
    assert {p.name for p in run.iterdir()} == RUN_FILES
    assert [r["epoch"] for r in read_history(run / GanFiles.HISTORY)] == [1]
    assert [p.name for p in (run / GanFiles.SAMPLES_DIR).iterdir()] == ["epoch_001.png"]
    for image in (GanFiles.LOSSES_PNG, GanFiles.GIF, f"{GanFiles.SAMPLES_DIR}/{GanFiles.sample_grid(1)}"):
        with Image.open(run / image) as im:
            im.verify()
    assert keras.models.load_model(run / GanFiles.GENERATOR).output_shape == (None, 28, 28, 1)
    summary = json.loads((run / GanFiles.SUMMARY).read_text())
    assert summary["epochs"] == 1 and summary["images_seen"] == 256 and summary["training_images"] == 256
    assert "Sample with: python -m gan.sample" in "\n".join(suite_lines(proc.stderr, "gan.train"))

    proc = run_module("gan.sample", "run", "--n", "9", "--seed", "4", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with Image.open(run / "sample_seed4_n9.png") as im:
        assert im.size == (2 + 3 * (56 + 2),) * 2  # 3x3 grid of 28x28 images at scale 2

    # Interpolation, in-process (the subprocess path is the one above).
    assert sample_main([str(run / GanFiles.GENERATOR), "--interpolate", "5", "--out", str(tmp_path / "walk.gif")]) == 0
    with Image.open(tmp_path / "walk.gif") as gif:
        assert gif.n_frames == 8  # there and back: 5 + 3
    assert sample_main([str(run), "--interpolate", "4", "--seed", "2", "--to-seed", "9"]) == 0
    with Image.open(run / "interpolate_seed2-9.png") as strip:
        assert strip.size == (2 + 4 * 58, 60)


@pytest.fixture
def empty_dir(tmp_path):
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--epochs", "0"], ["train.epochs must be positive, got 0"]),
        (["--batch-size", "-3"], ["train.batch_size must be positive, got -3"]),
        (["--limit", "0"], ["data.limit must be positive"]),
        (["--set", "train.nope=1"], ["unknown config key 'train.nope'"]),
        (["--set", "model.latent_dim=abc"], ["'model.latent_dim' must be an integer, got 'abc'"]),
        (["--config", "missing.toml"], ["config file missing.toml does not exist"]),
        (["--data-dir", "empty"], ["--data-dir empty does not hold train-images-idx3-ubyte.gz"]),
        (["--resume"], ["--resume needs the run directory"]),
        (["--resume", "--out", "empty"], ["holds no run to continue"]),
        (["--out", "full"], ["already holds files", "--resume"]),
        (["--set", "train.d_learning_rate=nan"], ["'train.d_learning_rate' must be a finite number, got nan"]),
        (["--strategy", "nope"], ["argument --strategy: invalid choice: 'nope'"]),
    ],
)
def test_train_usage_errors_are_one_line(tmp_path, empty_dir, args, fragments):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = run_module("gan.train", *args, cwd=tmp_path)
    assert_one_error_line(proc, "gan.train", *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "a failed start leaves no run directory"
    assert list(empty_dir.iterdir()) == []


@pytest.mark.slow
def test_sample_errors_are_one_line(tmp_path):
    (tmp_path / "bad.keras").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "run").mkdir()
    for args, fragment in [
        (["bad.keras"], "bad.keras is not a Keras model file"),
        (["missing"], "missing does not exist"),
        (["run"], "run holds no generator.keras"),
        (["run", "--n", "0"], "--n must be between 1 and 10,000 images"),
        (["run", "--interpolate", "1"], "--interpolate needs between 2 and 1,000 steps, got 1"),
        (["run", "--out", "x.jpg"], "--out must end in .png"),
    ]:
        assert_one_error_line(run_main("gan.sample", *args, cwd=tmp_path), "gan.sample", fragment)


@pytest.mark.slow
def test_resume_with_a_wrong_latent_size_or_a_config_file(tmp_path):
    data = write_fake_fashion(tmp_path / "data", n=64)
    overrides = [*TINY_MODEL, f"data.data_dir={json.dumps(str(data))}", "train.batch_size=16", "train.epochs=1"]
    (tmp_path / "run").mkdir()
    train(load_config(GANConfig, None, overrides), tmp_path / "run", verbose=0)  # in-process: faster
    proc = run_main("gan.train", "--resume", "run", "--set", "model.latent_dim=16", cwd=tmp_path)
    assert_one_error_line(proc, "gan.train", "model.latent_dim 16 does not match the checkpoint", "latent_dim 8")
    # The original command repeated with --resume: accepted when it resolves to the saved config.
    (tmp_path / "x.toml").write_text("\n".join(["[train]", "batch_size = 16", "epochs = 1"]) + "\n")
    original = ["--config", "x.toml", *set_args([o for o in overrides if not o.startswith("train.")])]
    proc = run_main("gan.train", *original, "--epochs", "2", "--resume", "run", cwd=tmp_path)
    assert_one_error_line(proc, "gan.train", "differ from the run's config.toml in train.epochs;", "drop --config")
    proc = run_module("gan.train", *original, "--resume", "run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    proc = run_main("gan.train", "--out", "run", "--resume", cwd=tmp_path)  # the old spelling, with a notice
    assert proc.returncode == 0 and "is the old spelling of `--resume run`" in proc.stderr, proc.stderr[-2000:]
    proc = run_main("gan.train", "--out", "other", "--resume", "run", cwd=tmp_path)
    assert_one_error_line(proc, "gan.train", "name different runs")


def test_help_does_not_import_tensorflow(tmp_path):
    proc = run_module("gan.train", "--help", cwd=tmp_path)
    assert proc.returncode == 0 and "--resume" in proc.stdout and "--strategy" in proc.stdout
    import subprocess
    import sys

    check = "import sys, gan.train, gan.sample, gan.config; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert out.stdout.strip() == "False", out.stderr
