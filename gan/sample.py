"""Draw images from a trained generator: a sample grid, or a latent interpolation strip and GIF.

Library (used by `compare/` and by the training callbacks):

    generator = load_generator("runs/gan-20250101-120000")   # or a path to generator.keras
    images = generate(generator, n=64, seed=0)                # uint8 [64, 28, 28, 1]

Command line:

    python -m gan.sample RUN_DIR_OR_MODEL [--n 64] [--seed S] [--out FILE] [--interpolate STEPS]
    python -m gan.sample RUN_DIR --label Bag [--n 16]      # a conditional run: one class
    python -m gan.sample RUN_DIR --per-class 8             # one row per class, columns share z
    python -m gan.sample RUN_DIR --class-gif               # one latent vector across every class

Latent vectors come from NumPy's generator for `seed`, so the same seed gives the same images from
the same weights on any machine, and `--seed` equal to the run's seed redraws its sample grids.
Interpolation walks the great circle between the latent vectors of `--seed` and `--to-seed`
(spherical interpolation, White 2016, "Sampling Generative Networks"), which keeps the norm
typical of a Gaussian latent, unlike a straight line.

A conditional generator (`model.conditional`) takes [latent [B, D], labels [B]]. Without labels,
`generate` draws the classes in turn (0, 1, ..., K - 1, 0, ...), so every class is equally
represented; `gan.classes` draws one row per class and resolves `--label` names.
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
from common.writes import check_writable

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
        in_shapes = [tuple(t.shape) for t in model.inputs]
        in_shape, out_shape = in_shapes[0], tuple(model.output_shape)
    except (AttributeError, ValueError, IndexError, TypeError):
        in_shapes, in_shape, out_shape = [], (), ()
    label_ok = len(in_shapes) == 1 or (len(in_shapes) == 2 and len(in_shapes[1]) == 1)  # conditional: labels [B]
    if len(in_shape) != 2 or not label_ok or len(out_shape) != 4 or out_shape[-1] not in (1, 3):
        raise InputError(
            f"{path} holds a model with inputs {in_shapes} and output {out_shape}, not a generator "
            "(latent [B, D] (and labels [B]) -> images [B, H, W, 1 or 3])"
        )
    try:
        output_range(model)
    except ValueError as e:
        raise InputError(f"{path} is not a gan.train generator: {e}") from None


def is_conditional(generator) -> bool:
    """Whether the generator takes class labels as a second input."""
    return len(generator.inputs) == 2


def latent_dim(generator) -> int:
    """The size of the generator's latent vectors."""
    return int(generator.inputs[0].shape[-1])


def num_classes(generator) -> int:
    """The number of classes a conditional generator knows (its label embedding's rows).

    Raises:
        InputError: the generator is not conditional.
    """
    if not is_conditional(generator):
        raise InputError("this generator takes no class label (it was trained with model.conditional = false)")
    return int(generator.get_layer("label_embedding").input_dim)


def balanced_labels(n: int, classes: int) -> np.ndarray:
    """Labels 0, 1, ..., classes - 1, 0, 1, ... ([n] int32): every class equally often (up to one)."""
    return (np.arange(n) % classes).astype(np.int32)


def latent_vectors(n: int, latent_dim: int, seed: int) -> np.ndarray:
    """Returns the float32 latent vectors [n, latent_dim] ~ N(0, 1) that `seed` stands for."""
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


def generate(generator, n: int, seed: int = 0, batch_size: int = 256, labels=None) -> np.ndarray:
    """Generates `n` images.

    Args:
        generator: a generator from `load_generator` or `GAN.sampler`.
        n: how many images.
        seed: seed of the latent vectors (`latent_vectors(n, latent_dim, seed)`).
        batch_size: images per forward pass (bounds memory for large n).
        labels: for a conditional generator, the class of each image ([n] ints, or one int for
            all); None: `balanced_labels(n, classes)`. Must be None for an unconditional one.

    Returns:
        uint8 [n, H, W, C], 0..255.

    Raises:
        ConfigError: `n` is not positive, or a label is out of range.
        InputError: labels for a generator that takes none.
    """
    if n <= 0:
        raise ConfigError(f"the number of images must be positive, got {n}")
    latent = latent_vectors(n, latent_dim(generator), seed)
    return images_from_latent(generator, latent, batch_size, _labels_for(generator, n, labels))


def _labels_for(generator, n: int, labels) -> np.ndarray | None:
    if not is_conditional(generator):
        if labels is not None:
            num_classes(generator)  # raises: no labels for this generator
        return None
    classes = num_classes(generator)
    if labels is None:
        return balanced_labels(n, classes)
    labels = np.broadcast_to(np.asarray(labels, np.int32), (n,))
    if labels.min() < 0 or labels.max() >= classes:
        raise ConfigError(f"class labels must be in 0..{classes - 1}, got {sorted(set(labels.tolist()))}")
    return labels


def images_from_latent(generator, latent: np.ndarray, batch_size: int = 256, labels=None) -> np.ndarray:
    """Runs the generator (inference mode) on latent vectors [N, D] (and labels [N]); returns uint8 [N, H, W, C]."""
    from common.images import to_uint8
    from gan.models import output_range

    value_range = output_range(generator)
    chunks = []
    for start in range(0, len(latent), batch_size):
        inputs = latent[start : start + batch_size]
        if labels is not None:
            inputs = [inputs, labels[start : start + batch_size]]
        images = generator(inputs, training=False)
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


def interpolate(generator, steps: int, seed: int, to_seed: int, label: int | None = None) -> np.ndarray:
    """Images along the latent path from `seed`'s first vector to `to_seed`'s; uint8 [steps, H, W, C].

    A conditional generator draws class `label` (default 0) all along the path.
    """
    if steps < 2:
        raise ConfigError(f"--interpolate needs at least 2 steps, got {steps}")
    dim = latent_dim(generator)
    path = slerp(latent_vectors(1, dim, seed)[0], latent_vectors(1, dim, to_seed)[0], steps)
    if label is None and is_conditional(generator):
        label = 0
    return images_from_latent(generator, path, labels=_labels_for(generator, steps, label))


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
    parser.add_argument(
        "--label",
        metavar="NAME_OR_INDEX",
        help="conditional runs: draw this class only (an index, or a name such as Bag or 'Ankle boot')",
    )
    parser.add_argument(
        "--per-class",
        type=int,
        metavar="N",
        help="conditional runs: a grid of one row per class, N images each (column j: the same latent vector)",
    )
    parser.add_argument(
        "--class-gif",
        action="store_true",
        help="conditional runs: --seed's first latent vector as every class in turn, a strip .png and a .gif",
    )
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
    if args.per_class is not None and not 0 < args.per_class <= 100:
        raise ConfigError(f"--per-class must be between 1 and 100 images (a row each), got {args.per_class}")
    modes = [f for f, on in (("--interpolate", args.interpolate), ("--per-class", args.per_class),
                             ("--class-gif", args.class_gif)) if on]  # fmt: skip
    if len(modes) > 1:
        raise ConfigError(f"{' and '.join(modes)} cannot be combined; choose one")
    if args.label is not None and (args.per_class or args.class_gif):
        raise ConfigError(f"--label draws one class; {modes[0]} draws every class: choose one")
    out = Path(args.out) if args.out else None
    if out is not None:
        allowed = (".png", ".gif") if (args.interpolate or args.class_gif) else (".png",)
        if out.suffix.lower() not in allowed:
            raise ConfigError(f"--out must end in {' or '.join(allowed)}, got {out}")
        if not out.parent.is_dir():
            raise InputError(f"--out {out}: folder {out.parent} does not exist")
        check_writable(out.parent, f"--out {out}: its folder")
    import_tensorflow_quietly()
    generator = load_generator(args.model)
    folder = Path(args.model) if Path(args.model).is_dir() else Path(args.model).parent
    from common.images import make_grid, save_gif, save_png
    from gan.classes import across_classes, class_grid, resolve_label, run_class_names

    label = None
    if args.label is not None or args.per_class or args.class_gif:
        classes = num_classes(generator)  # InputError for an unconditional generator
        if args.label is not None:
            label = resolve_label(args.label, run_class_names(folder, classes), classes)
    written = []
    if args.class_gif:
        images = across_classes(generator, args.seed)
        stem = out.with_suffix("") if out else folder / f"classes_seed{args.seed}"
        if out is None or out.suffix.lower() == ".png":
            written.append(save_png(make_grid(images, columns=len(images), scale=args.scale), stem.with_suffix(".png")))
        if out is None or out.suffix.lower() == ".gif":
            frames = [make_grid(im[None], padding=0, scale=args.scale) for im in images]
            written.append(save_gif(frames, stem.with_suffix(".gif"), frame_ms=500))
    elif args.per_class:
        images = class_grid(generator, args.per_class, args.seed)
        path = out or folder / f"classes_seed{args.seed}_per{args.per_class}.png"
        written.append(save_png(make_grid(images, columns=args.per_class, scale=args.scale), path))
    elif args.interpolate:
        to_seed = args.seed + 1 if args.to_seed is None else args.to_seed
        images = interpolate(generator, args.interpolate, args.seed, to_seed, label)
        stem = out.with_suffix("") if out else folder / f"interpolate_seed{args.seed}-{to_seed}"
        if out is None or out.suffix.lower() == ".png":
            written.append(save_png(make_grid(images, columns=len(images), scale=args.scale), stem.with_suffix(".png")))
        if out is None or out.suffix.lower() == ".gif":
            frames = [make_grid(im[None], padding=0, scale=args.scale) for im in images]
            written.append(save_gif(frames + frames[-2:0:-1], stem.with_suffix(".gif"), frame_ms=120))
    else:
        images = generate(generator, args.n, args.seed, labels=label)
        suffix = "" if label is None else f"_class{label}"
        path = out or folder / f"sample_seed{args.seed}_n{args.n}{suffix}.png"
        written.append(save_png(make_grid(images, scale=args.scale), path))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
