"""How `compare` reaches a trained generator: `gan.sample`'s API, with a minimal fallback.

`gan.sample` provides `load_generator(run_dir_or_model)` and `generate(generator, n, seed)` ->
uint8 [n, H, W, C]. This module calls them when they exist; when `gan.sample` is not importable
(an older checkout) it loads `generator.keras` itself and draws standard-normal latent vectors,
which is what `gan.sample` does. Either way the images for a seed are the same on one machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from common.errors import InputError


def _sample_module():
    try:
        import gan.sample as sample
    except ImportError:
        return None
    if hasattr(sample, "load_generator") and hasattr(sample, "generate"):
        return sample
    return None


def load_generator(run_dir_or_model: str | os.PathLike):
    """Loads the generator of a GAN run directory (its `generator.keras`) or a `.keras` file.

    Raises:
        InputError: there is no generator there, or it cannot be loaded.
    """
    sample = _sample_module()
    if sample is not None:
        return sample.load_generator(run_dir_or_model)
    path = Path(run_dir_or_model)
    if path.is_dir():
        path = path / "generator.keras"
    if not path.is_file():
        raise InputError(f"{run_dir_or_model} holds no generator (expected a GAN run directory with generator.keras)")
    import keras

    try:
        return keras.models.load_model(path, compile=False)
    except Exception as e:  # noqa: BLE001 - Keras raises many types for a broken file
        raise InputError(f"cannot load the generator {path}: {type(e).__name__}: {e}") from None


def generate(generator, n: int, seed: int = 0, batch_size: int = 500) -> np.ndarray:
    """Draws `n` images from `generator` with latent vectors seeded by `seed`.

    Returns:
        uint8 [n, H, W, C].
    """
    sample = _sample_module()
    if sample is not None:
        return np.asarray(sample.generate(generator, n, seed))
    from gan.models import output_range

    lo, hi = output_range(generator)
    latent_dim = int(generator.inputs[0].shape[-1])
    z = np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)
    out = []
    for start in range(0, n, batch_size):
        x = np.asarray(generator(z[start : start + batch_size], training=False), np.float32)
        out.append(np.clip(np.rint((x - lo) / (hi - lo) * 255.0), 0, 255).astype(np.uint8))
    return np.concatenate(out)


def interpolate(generator, steps: int, seed: int, to_seed: int) -> np.ndarray:
    """Images along the spherical latent path from `seed`'s vector to `to_seed`'s; uint8 [steps, H, W, C]."""
    sample = _sample_module()
    if sample is not None and hasattr(sample, "interpolate"):
        return np.asarray(sample.interpolate(generator, steps, seed, to_seed))
    dim = int(generator.inputs[0].shape[-1])
    a = np.random.default_rng(seed).standard_normal((1, dim))[0]
    b = np.random.default_rng(to_seed).standard_normal((1, dim))[0]
    t = np.linspace(0.0, 1.0, steps)[:, None]
    omega = np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1, 1))
    path = (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega) if omega > 1e-6 else (1 - t) * a + t * b
    from gan.models import output_range

    lo, hi = output_range(generator)
    x = np.asarray(generator(path.astype(np.float32), training=False), np.float32)
    return np.clip(np.rint((x - lo) / (hi - lo) * 255.0), 0, 255).astype(np.uint8)
