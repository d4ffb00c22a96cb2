"""Shared helpers of the `compare` tests (imported by tests/test_compare_*.py and conftest.py)."""

from __future__ import annotations

import subprocess

from gan_support import TINY_MODEL

TINY_EVALUATOR = dict(train_limit=512, test_limit=500, epochs=1, widths=(8, 16), feature_units=32, batch_size=64)
"""An evaluator config small enough to train in seconds (its accuracy is far below the real one's)."""


def tiny_evaluator_flags() -> list[str]:
    """`TINY_EVALUATOR` as a benchmark script's `--evaluator KEY=VALUE` flags (tuples as TOML lists)."""
    flags = []
    for key, value in TINY_EVALUATOR.items():
        value = f"[{', '.join(map(str, value))}]" if isinstance(value, tuple) else value
        flags += ["--evaluator", f"{key}={value}"]
    return flags


TINY_REPORT_GAN = [*TINY_MODEL, "output.samples=64", "data.limit=256", "train.epochs=2", "train.batch_size=64"]
"""`gan.train` overrides of the report tests' GAN runs: two epochs of 4 steps, far too little to learn anything
(which is what the report's words must then say)."""
TINY_REPORT_NST = ["--weights", "none", "--size", "48", "--iterations", "4", "--save-every", "2", "--set",
                   "image.num_scales=2", "--set", "image.min_scale_size=24"]  # fmt: skip
"""`nst.transfer` flags of the report tests' style transfer runs (48 px, random VGG19 weights)."""


def fashion_mnist_present() -> bool:
    """Whether Fashion-MNIST is in Debian's folder or Keras's cache."""
    from gan.data import DEBIAN_DIR, keras_cache_dir

    name = "train-images-idx3-ubyte.gz"
    return (DEBIAN_DIR / name).is_file() or (keras_cache_dir() / name).is_file()


def make_fake_gan_run(folder, seed: int = 0, epochs: int = 3):
    """A GAN run directory with an untrained generator, written with `gan.train`'s own writers.

    Holds `config.toml`, `generator.keras` (the default model, untrained), `history.csv`,
    `losses.png`, `samples/epoch_NNN.png` and `summary.json` (`GanSummary`) with made-up but
    plausible numbers. Used where a real training run is not the point (metrics plumbing, report
    layout); the demo test builds a report from real `gan.train` and `nst.transfer` runs.
    """
    from pathlib import Path

    import keras
    import numpy as np

    from common.config import save_config
    from common.images import make_grid, save_png
    from common.runformat import GanFiles, GanSummary
    from gan.callbacks import save_model_atomic, write_history
    from gan.config import GANConfig
    from gan.models import build_discriminator, build_generator

    folder = Path(folder)
    (folder / GanFiles.SAMPLES_DIR).mkdir(parents=True, exist_ok=True)
    config = GANConfig()
    keras.utils.set_random_seed(seed)
    generator = build_generator(config.model, (28, 28, 1))
    discriminator = build_discriminator(config.model, (28, 28, 1))
    save_config(config, folder / GanFiles.CONFIG)
    save_model_atomic(generator, folder / GanFiles.GENERATOR)
    rng = np.random.default_rng(seed)
    rows = []
    for epoch in range(1, epochs + 1):
        rows.append({"epoch": epoch, "d_loss": 0.6 + 0.05 * rng.random(), "g_loss": 0.9 + 0.1 * rng.random(),
                     "d_real": 0.4, "d_fake": 0.5, "seconds": 1.5})  # fmt: skip
        grid = make_grid(rng.integers(0, 256, size=(4, 28, 28, 1), dtype=np.uint8))
        save_png(grid, folder / GanFiles.SAMPLES_DIR / GanFiles.sample_grid(epoch))
    write_history(folder, rows)
    g, d = int(generator.count_params()), int(discriminator.count_params())
    GanSummary(
        epochs=epochs, epochs_planned=epochs, images_seen=512 * epochs, seconds=1.5 * epochs,
        invocation_seconds=1.5 * epochs, images_per_second=512 / 1.5, seconds_per_image=0.0004, parameters=g + d,
        generator_parameters=g, discriminator_parameters=d, peak_memory_mb=900.0, image_shape=(28, 28, 1),
        batch_size=config.train.batch_size, dataset="fashion_mnist", training_images=512, strategy="default",
        replicas=1, last=rows[-1],
    ).write(folder)  # fmt: skip
    return folder


def make_fake_nst_run(folder, content, style, size: int = 48, iterations: tuple[int, ...] = (6, 4)):
    """A style transfer run directory made by `python -m nst.transfer` in-process (random VGG19, tiny size).

    Every file is the real command's: `config.toml`, `inputs/`, `frames/`, `losses.csv`,
    `losses.png`, `final.png`, `progress.gif`, `summary.json` (`NstSummary`).
    """
    from pathlib import Path

    from nst.transfer import main

    iteration_list = ", ".join(str(i) for i in iterations)
    args = [str(content), str(style), "--weights", "none", "--size", str(size), "--save-every", "2",
            "--set", f"image.num_scales={len(iterations)}", "--set", "image.min_scale_size=16",
            "--set", f"optimizer.iterations=[{iteration_list}]", "--out", str(folder)]  # fmt: skip
    if main(args) != 0:
        raise RuntimeError(f"nst.transfer {' '.join(args)} failed")
    return Path(folder)


def png_info(path) -> tuple[int, float, int]:
    """(width px, smallest font pt, dpi) of a report figure (`compare.figures` records the last two)."""
    from PIL import Image

    with Image.open(path) as im:
        return im.size[0], float(im.text["min_font_pt"]), int(im.text["dpi"])


def browser(args_tail: list[str], tmp_path) -> subprocess.CompletedProcess:
    """Runs headless Chromium (1100 x 2400 window) with `args_tail`; skips the test when it is not installed."""
    import shutil

    import pytest

    found = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome",
                                                "google-chrome-stable")) if p), None)  # fmt: skip
    if found is None:
        pytest.skip("no chromium on PATH: install Debian's chromium (apt-get install -y chromium)")
    args = [found, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,2400", *args_tail]  # fmt: skip
    return subprocess.run(args, capture_output=True, text=True, timeout=120)
