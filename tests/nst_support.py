"""Shared fixtures and helpers of the `nst` tests (imported by tests/test_nst_*.py, not a test file)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_WEIGHTS = REPO.parent / "shared" / "models" / "vgg19_notop_imagenet_q8.h5"
ASSETS = REPO / "nst" / "assets"


def real_weights_path() -> Path | None:
    """The real VGG19 weights: env NST_VGG19_WEIGHTS, else ../shared/models/... beside the repo."""
    env = os.environ.get("NST_VGG19_WEIGHTS")
    if env and Path(env).is_file():
        return Path(env)
    return SHARED_WEIGHTS if SHARED_WEIGHTS.is_file() else None


def smooth_image(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A smooth, colourful float32 RGB image in [0, 255] (gradients plus blobs), [H, W, 3]."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = []
    for _ in range(3):
        fy, fx, phase = rng.uniform(0.5, 3.0), rng.uniform(0.5, 3.0), rng.uniform(0, 6.28)
        channels.append(127.5 + 100 * np.sin(fy * y / height * 6.28 + fx * x / width * 6.28 + phase))
    return np.clip(np.stack(channels, -1), 0, 255).astype(np.float32)


def stripes_image(height: int, width: int, period: int = 6, seed: int = 1) -> np.ndarray:
    """A high-frequency, differently coloured texture, a stand-in for a style image, [H, W, 3]."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = (np.sin((x + y) * 6.28 / period) > 0).astype(np.float32)
    colours = rng.uniform(0, 255, size=(2, 3)).astype(np.float32)
    return base[..., None] * colours[0] + (1 - base[..., None]) * colours[1]


@pytest.fixture(scope="session")
def random_vgg19():
    """A VGG19 without top and with seeded random weights (built once per test session)."""
    from nst.weights import WeightsSource, load_vgg19

    return load_vgg19(WeightsSource("none", None, "random"), seed=0)


@pytest.fixture(scope="session")
def real_vgg19():
    """The real VGG19 ImageNet weights, or skip."""
    path = real_weights_path()
    if path is None:
        pytest.skip(
            "real VGG19 weights absent: set NST_VGG19_WEIGHTS or provide ../shared/models/vgg19_notop_imagenet_q8.h5"
        )
    from nst.weights import WeightsSource, load_vgg19

    return load_vgg19(WeightsSource("path", str(path), "argument"))
