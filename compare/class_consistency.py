"""Class consistency of a class-conditional GAN: does the evaluator see the class that was asked for?

For every class k the generator makes `n // K` images with label k (latent vectors from `seed`);
the evaluator (`compare.evaluator`) classifies them, and the share it assigns to k is the class's
consistency. Overall consistency is the share over all classes (they are equally many).

The reference is the same accuracy of the same evaluator on the real test images, per class and
overall: no generator can be expected to beat what the evaluator manages on real data (it confuses
shirts, T-shirts, pullovers and coats on real images too), so a class's number reads against its
real counterpart. This is the "classification accuracy" measure of conditional GANs (e.g. Ravuri &
Vinyals 2019 train on generated and test on real; here the fixed evaluator tests the samples).
"""

from __future__ import annotations

import os

import numpy as np


def accuracy_by_class(
    probabilities: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...] | None = None
) -> dict:
    """The evaluator's accuracy per class and overall.

    Args:
        probabilities: softmax [N, K].
        labels: the true (or requested) classes [N].
        class_names: K names for the per-class keys; default "0", "1", ...

    Returns:
        `{"overall": float, "per_class": {name: float or None (no image of that class)}, "n": N}`.

    Raises:
        ValueError: the shapes do not fit.
    """
    probabilities, labels = np.asarray(probabilities), np.asarray(labels).astype(np.int64)
    if probabilities.ndim != 2 or labels.shape != (len(probabilities),) or len(labels) == 0:
        raise ValueError(f"need probabilities [N, K] and labels [N], got {probabilities.shape} and {labels.shape}")
    classes = probabilities.shape[1]
    names = class_names or tuple(str(k) for k in range(classes))
    if len(names) != classes:
        raise ValueError(f"{len(names)} class names for {classes} classes")
    correct = probabilities.argmax(axis=1) == labels
    per_class = {}
    for k, name in enumerate(names):
        mask = labels == k
        per_class[name] = float(correct[mask].mean()) if mask.any() else None
    return {"overall": float(correct.mean()), "per_class": per_class, "n": len(labels)}


def load_test_labels(dataset: str, data_dir: str | os.PathLike | None, n: int) -> np.ndarray:
    """The labels [n] of the first `n` test images (those `compare.gan_metrics.load_reference` scored)."""
    from gan.data import load_images

    return load_images(dataset, "test", data_dir, n)[1]


def class_consistency(
    generator,
    evaluator,
    reference_probabilities: np.ndarray,
    reference_labels: np.ndarray,
    n: int = 10_000,
    seed: int = 0,
    class_names: tuple[str, ...] | None = None,
) -> dict:
    """Class consistency of a conditional generator, beside the evaluator's accuracy on real test images.

    Args:
        generator: a conditional generator (`gan.sample.load_generator`).
        evaluator: a `compare.evaluator.Evaluator` (anything with `probabilities(images)`).
        reference_probabilities: the evaluator's softmax on the real test images [M, K].
        reference_labels: their labels [M].
        n: images in all; n // K per class (at least 1).
        seed: the seed of the latent vectors.
        class_names: K names.

    Returns:
        `{"n_per_class", "seed", "generated": accuracy_by_class(...), "real_test": accuracy_by_class(...)}`.

    Raises:
        InputError: the generator is not conditional.
    """
    from gan.sample import generate, num_classes

    classes = num_classes(generator)
    per_class = max(1, n // classes)
    asked = np.repeat(np.arange(classes, dtype=np.int32), per_class)  # [classes * per_class]
    images = generate(generator, len(asked), seed, labels=asked)
    return {
        "n_per_class": per_class,
        "seed": int(seed),
        "generated": accuracy_by_class(evaluator.probabilities(images), asked, class_names),
        "real_test": accuracy_by_class(reference_probabilities, reference_labels, class_names),
    }
