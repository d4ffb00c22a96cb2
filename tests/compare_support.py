"""Shared helpers of the `compare` tests (imported by tests/test_compare_*.py and conftest.py)."""

from __future__ import annotations

TINY_EVALUATOR = dict(train_limit=512, test_limit=500, epochs=1, widths=(8, 16), feature_units=32, batch_size=64)
"""An evaluator config small enough to train in seconds (its accuracy is far below the real one's)."""


def fashion_mnist_present() -> bool:
    """Whether Fashion-MNIST is in Debian's folder or Keras's cache."""
    from gan.data import DEBIAN_DIR, keras_cache_dir

    name = "train-images-idx3-ubyte.gz"
    return (DEBIAN_DIR / name).is_file() or (keras_cache_dir() / name).is_file()


def make_fake_gan_run(folder, seed: int = 0):
    """A minimal GAN run directory: `config.toml` and an untrained `generator.keras` (default model).

    Used where a real training run is not the point (metrics plumbing, report layout).
    """
    from pathlib import Path

    import keras

    from common.config import save_config
    from gan.config import GANConfig
    from gan.models import build_generator

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = GANConfig()
    keras.utils.set_random_seed(seed)
    generator = build_generator(config.model, (28, 28, 1))
    save_config(config, folder / "config.toml")
    generator.save(folder / "generator.keras")
    return folder
