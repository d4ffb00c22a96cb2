"""Draw images from a trained generator: a sample grid, or a latent interpolation strip and GIF.

Library (used by `compare/` and by the training callbacks):

    generator = load_generator("runs/gan-20250101-120000")   # or a path to generator.keras
    images = generate(generator, n=64, seed=0)                # uint8 [64, 28, 28, 1]

Command line:

    python -m gan.sample RUN_DIR_OR_MODEL [--n 64] [--seed S] [--out FILE] [--interpolate STEPS]

Latent vectors come from NumPy's generator for `seed`, so the same seed gives the same images from
the same weights on any machine, and `--seed` equal to the run's seed redraws its sample grids.
Interpolation walks the great circle between the latent vectors of `--seed` and `--to-seed`
(spherical interpolation, White 2016, "Sampling Generative Networks"), which keeps the norm
typical of a Gaussian latent, unlike a straight line.
"""

from __future__ import annotations

import argparse
import os
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from common.cli import ArgumentParser, run_cli
from common.errors import ConfigError, InputError
from common.runformat import GanFiles
from common.tfenv import configure_tensorflow, import_tensorflow_quietly

MAX_GRID = 10_000
"""The most images `--n` draws into one grid: 100 x 100 images, already 5,800 px square at `--scale 2`;
a larger grid cannot be looked at, and a mistyped count would otherwise run for minutes."""
MAX_STEPS = 1_000
"""The most `--interpolate` steps: a longer walk is no smoother to the eye, only slower to make."""


def load_generator(path: str | os.PathLike):
    """Loads a generator saved by `gan.train`.

    Args:
        path: a run directory (its `generator.keras` is used) or a `.keras` file.

    Returns:
        The generator, a `keras.Model` mapping latent [B, latent_dim] to images [B, H, W, C].

    Raises:
        InputError: the path does not exist, holds no generator, or is not a readable Keras
            generator (corrupt, truncated, or some other model).
    """
    path = Path(path)
    if path.is_dir():
        model_path = path / GanFiles.GENERATOR
        if not model_path.is_file():
            raise InputError(
                f"{path} holds no {GanFiles.GENERATOR}; name a run directory of gan.train that finished "
                "at least one epoch, or the .keras file itself"
            )
    elif path.is_file():
        model_path = path
    else:
        raise InputError(f"{path} does not exist; name a gan.train run directory or a generator .keras file")
    if model_path.suffix != ".keras":
        raise InputError(f"{model_path} is not a .keras file; name a run directory or a generator .keras file")
    if not zipfile.is_zipfile(model_path):
        raise InputError(
            f"{model_path} is not a Keras model file (a .keras file is a zip archive; this one is truncated, "
            "corrupt or something else): re-run training or pick another file"
        )
    import keras

    try:
        model = keras.models.load_model(model_path, compile=False)
    except Exception as e:  # noqa: BLE001 - Keras raises many types for a bad file
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(
            f"{model_path} is not a readable Keras model ({reason[:200]}); it may be truncated or "
            "corrupt: re-run training or pick another file"
        ) from None
    _check_generator(model, model_path)
    return model


def _check_generator(model, path: Path) -> None:
    from gan.models import output_range

    try:
        in_shape, out_shape = tuple(model.input_shape), tuple(model.output_shape)
    except (AttributeError, ValueError):
        in_shape = out_shape = ()
    if len(in_shape) != 2 or len(out_shape) != 4 or out_shape[-1] not in (1, 3):
        raise InputError(
            f"{path} holds a model with input {in_shape} and output {out_shape}, not a generator "
            "(latent [B, D] -> images [B, H, W, 1 or 3])"
        )
    try:
        output_range(model)
    except ValueError as e:
        raise InputError(f"{path} is not a gan.train generator: {e}") from None


def latent_vectors(n: int, latent_dim: int, seed: int) -> np.ndarray:
    """Returns the float32 latent vectors [n, latent_dim] ~ N(0, 1) that `seed` stands for."""
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


def generate(generator, n: int, seed: int = 0, batch_size: int = 256) -> np.ndarray:
    """Generates `n` images.

    Args:
        generator: a generator from `load_generator` or `GAN.sampler`.
        n: how many images.
        seed: seed of the latent vectors (`latent_vectors(n, latent_dim, seed)`).
        batch_size: images per forward pass (bounds memory for large n).

    Returns:
        uint8 [n, H, W, C], 0..255.

    Raises:
        ConfigError: `n` is not positive.
    """
    if n <= 0:
        raise ConfigError(f"the number of images must be positive, got {n}")
    latent = latent_vectors(n, int(generator.input_shape[-1]), seed)
    return images_from_latent(generator, latent, batch_size)


def images_from_latent(generator, latent: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Runs the generator (inference mode) on latent vectors [N, D]; returns uint8 [N, H, W, C]."""
    from common.images import to_uint8
    from gan.models import output_range

    value_range = output_range(generator)
    chunks = []
    for start in range(0, len(latent), batch_size):
        images = generator(latent[start : start + batch_size], training=False)
        chunks.append(to_uint8(np.asarray(images), value_range))
    return np.concatenate(chunks)


def slerp(a: np.ndarray, b: np.ndarray, steps: int) -> np.ndarray:
    """Spherical interpolation from `a` to `b` ([D] each) in `steps` points, ends included; [steps, D]."""
    t = np.linspace(0.0, 1.0, steps)[:, None]
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if omega < 1e-6:  # (nearly) the same direction: a straight line is the same path
        return ((1 - t) * a + t * b).astype(np.float32)
    return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype(np.float32)


def interpolate(generator, steps: int, seed: int, to_seed: int) -> np.ndarray:
    """Images along the latent path from `seed`'s first vector to `to_seed`'s; uint8 [steps, H, W, C]."""
    if steps < 2:
        raise ConfigError(f"--interpolate needs at least 2 steps, got {steps}")
    dim = int(generator.input_shape[-1])
    path = slerp(latent_vectors(1, dim, seed)[0], latent_vectors(1, dim, to_seed)[0], steps)
    return images_from_latent(generator, path)


# --- command line --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="python -m gan.sample",
        description="Draw a grid of images from a trained generator, or interpolate between two latent vectors.",
    )
    parser.add_argument("model", metavar="RUN_DIR_OR_MODEL", help="a gan.train run directory or a .keras generator")
    parser.add_argument("--n", type=int, default=64, help="images in the grid (default: 64)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latent vectors (default: 0)")
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="output .png (or .gif with --interpolate); default: a file in the run directory "
        "(or beside the .keras file) named after the seed",
    )
    parser.add_argument(
        "--interpolate",
        type=int,
        metavar="STEPS",
        help="instead of a grid, STEPS images on the path from --seed's latent vector to --to-seed's, "
        "written as a strip .png and a back-and-forth .gif",
    )
    parser.add_argument("--to-seed", type=int, help="the interpolation's end (default: --seed + 1)")
    parser.add_argument("--scale", type=int, default=2, help="pixel enlargement (default: 2)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_tensorflow()
    if not 0 < args.n <= MAX_GRID:
        raise ConfigError(f"--n must be between 1 and {MAX_GRID:,} images (100 x 100, the most a grid can show), "
                          f"got {args.n}")  # fmt: skip
    if not 0 < args.scale <= 16:
        raise ConfigError(f"--scale must be between 1 and 16, got {args.scale}")
    if args.interpolate is not None and not 2 <= args.interpolate <= MAX_STEPS:
        raise ConfigError(f"--interpolate needs between 2 and {MAX_STEPS:,} steps, got {args.interpolate}")
    out = Path(args.out) if args.out else None
    if out is not None:
        allowed = (".png", ".gif") if args.interpolate else (".png",)
        if out.suffix.lower() not in allowed:
            raise ConfigError(f"--out must end in {' or '.join(allowed)}, got {out}")
        if not out.parent.is_dir():
            raise InputError(f"--out {out}: folder {out.parent} does not exist")
        if not os.access(out.parent, os.W_OK):
            raise InputError(f"--out {out}: folder {out.parent} is not writable")
    import_tensorflow_quietly()
    generator = load_generator(args.model)
    folder = Path(args.model) if Path(args.model).is_dir() else Path(args.model).parent
    from common.images import make_grid, save_gif, save_png

    written = []
    if args.interpolate:
        to_seed = args.seed + 1 if args.to_seed is None else args.to_seed
        images = interpolate(generator, args.interpolate, args.seed, to_seed)
        stem = out.with_suffix("") if out else folder / f"interpolate_seed{args.seed}-{to_seed}"
        if out is None or out.suffix.lower() == ".png":
            written.append(save_png(make_grid(images, columns=len(images), scale=args.scale), stem.with_suffix(".png")))
        if out is None or out.suffix.lower() == ".gif":
            frames = [make_grid(im[None], padding=0, scale=args.scale) for im in images]
            written.append(save_gif(frames + frames[-2:0:-1], stem.with_suffix(".gif"), frame_ms=120))
    else:
        images = generate(generator, args.n, args.seed)
        path = out or folder / f"sample_seed{args.seed}_n{args.n}.png"
        written.append(save_png(make_grid(images, scale=args.scale), path))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
