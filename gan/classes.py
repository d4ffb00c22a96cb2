"""Samples of a class-conditional generator: a row per class, one latent vector across every class, `--label`.

    images = class_grid(generator, per_class=8, seed=0)   # uint8 [classes * 8, H, W, C], class by class
    images, columns = grid_images(generator, n=64)        # what the training callback draws

Column j of a class grid uses the same latent vector in every row, so a row differs from the next
only in the class asked for. The latent vectors are `gan.sample.latent_vectors(n, dim, seed)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from common.errors import ConfigError
from gan.sample import generate, images_from_latent, is_conditional, latent_dim, latent_vectors, num_classes


def class_grid(generator, per_class: int, seed: int = 0) -> np.ndarray:
    """`per_class` images of every class, class by class; column j uses latent vector j in every row.

    Returns:
        uint8 [classes * per_class, H, W, C]; `common.images.make_grid(images, columns=per_class)`
        shows one row per class.

    Raises:
        InputError: the generator is not conditional.
        ConfigError: `per_class` is not positive.
    """
    classes = num_classes(generator)
    if per_class <= 0:
        raise ConfigError(f"--per-class must be a positive number of images, got {per_class}")
    latent = np.tile(latent_vectors(per_class, latent_dim(generator), seed), (classes, 1))
    return images_from_latent(generator, latent, labels=np.repeat(np.arange(classes, dtype=np.int32), per_class))


def grid_images(generator, n: int, seed: int = 0) -> tuple[np.ndarray, int | None]:
    """The images of a training sample grid and its number of columns (None: square).

    Unconditional: `generate(generator, n, seed)`. Conditional: one row per class of
    max(1, n // classes) images (`class_grid`).
    """
    if not is_conditional(generator):
        return generate(generator, n, seed), None
    per_class = max(1, n // num_classes(generator))
    return class_grid(generator, per_class, seed), per_class


def across_classes(generator, seed: int = 0) -> np.ndarray:
    """The first latent vector of `seed` rendered as every class in turn; uint8 [classes, H, W, C]."""
    return class_grid(generator, 1, seed)


def resolve_label(text: str, names: Sequence[str] | None, classes: int) -> int:
    """A class index from `--label`: an index 0..classes-1, or a class name (case-insensitive).

    Raises:
        ConfigError: neither (the message lists the choices).
    """
    text = text.strip()
    if text.isdigit() and int(text) < classes:
        return int(text)
    for i, name in enumerate(names or ()):
        if name.lower() == text.lower():
            return i
    choices = f"0..{classes - 1}" + (f" or one of {', '.join(repr(n) for n in names)}" if names else "")
    raise ConfigError(f"--label {text!r} is not a class of this generator; give {choices}")


def run_class_names(folder: Path, classes: int) -> tuple[str, ...] | None:
    """Class names for a run's generator: Fashion-MNIST's when the run trained on it (and has 10 classes)."""
    import tomllib

    from gan.data import FASHION_MNIST_CLASSES

    dataset = "fashion_mnist"
    config = folder / "config.toml"
    if config.is_file():
        try:
            dataset = tomllib.loads(config.read_text()).get("data", {}).get("dataset", dataset)
        except (OSError, tomllib.TOMLDecodeError):
            return None
    if dataset in ("fashion_mnist", "fashion-mnist") and classes == len(FASHION_MNIST_CLASSES):
        return FASHION_MNIST_CLASSES
    return None
