"""Every GAN metric of one set of images against the test set, in one JSON-ready record.

On N generated images (default 10,000) against the 10,000 Fashion-MNIST test images, with the
features and softmax of `compare.evaluator`:

- FID (`compare.fid`): Fréchet distance of the feature Gaussians; lower is better; biased by N.
- KID (`compare.kid`): unbiased polynomial-kernel MMD^2, mean and std over 100 subsets of 1000.
- precision and recall (`compare.precision_recall`): k-NN manifolds, k = 3.
- class histogram and its entropy, and the classifier score (`compare.classifier_score`).

The *real-data floor* is the same metrics for N real train images (a seeded random subset) against
the same test images: what a perfect generator would score with this evaluator and this N. The
Inception FID (`compare.inception`) is added when its weights are on disk, else marked skipped.
"""

from __future__ import annotations

import dataclasses
import os
import time

import numpy as np

from compare.classifier_score import class_histogram, classifier_score
from compare.fid import fid_from_features
from compare.kid import kernel_inception_distance
from compare.precision_recall import precision_recall

DEFAULT_N = 10_000
MAX_N = 60_000
"""The most generated images the metrics take: as many as Fashion-MNIST's training set, the largest
reference the floor is measured on. More do not make FID/KID against that reference more accurate
(their error is then dominated by the reference's size) and cost time linearly: 60,000 is already
several minutes of generation and evaluator features on a CPU."""
PR_K = 3


@dataclasses.dataclass
class Reference:
    """The evaluator's view of the reference (test) images.

    Attributes:
        images: uint8 [N, H, W, C] (kept for the Inception FID).
        features: float64 [N, D].
        probabilities: float64 [N, K].
        name: what they are, e.g. "fashion_mnist test (10000 images)".
    """

    images: np.ndarray
    features: np.ndarray
    probabilities: np.ndarray
    name: str


def load_reference(evaluator, data_dir: str | os.PathLike | None = None, limit: int | None = None) -> Reference:
    """Runs the evaluator over the test split of its data set.

    Args:
        evaluator: a `compare.evaluator.Evaluator`.
        data_dir: the data folder (see `gan.data.load_images`).
        limit: use the first `limit` test images (tests; None = all 10,000).
    """
    from gan.data import load_images

    dataset = evaluator.info.get("dataset", "fashion_mnist")
    images, _ = load_images(dataset, "test", data_dir, limit)
    features, probs = evaluator.predict(images)
    return Reference(images, features, probs, f"{dataset} test ({len(images)} images)")


def image_metrics(
    evaluator,
    images: np.ndarray,
    reference: Reference,
    seed: int = 0,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    class_names: tuple[str, ...] | None = None,
) -> dict:
    """FID, KID, precision/recall, classifier score and class histogram of `images` vs `reference`.

    Args:
        evaluator: the `Evaluator` whose features and softmax are used.
        images: uint8 [N, H, W, C].
        reference: from `load_reference`.
        seed: the seed of KID's subset draws.
        kid_subsets, kid_subset_size: KID's subsets.
        class_names: names for the histogram's bins.

    Returns:
        A JSON-ready dict (see the module docstring for what each entry means).
    """
    features, probs = evaluator.predict(images)
    return metrics_from_features(features, probs, reference, seed, kid_subsets, kid_subset_size, class_names)


def metrics_from_features(
    features: np.ndarray,
    probs: np.ndarray,
    reference: Reference,
    seed: int = 0,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    class_names: tuple[str, ...] | None = None,
) -> dict:
    """`image_metrics` on features [N, D] and probabilities [N, K] already computed."""
    pr = precision_recall(reference.features, features, k=PR_K)
    splits = min(10, len(probs))
    return {
        "n": int(len(features)),
        "fid": fid_from_features(features, reference.features),
        "kid": kernel_inception_distance(features, reference.features, kid_subsets, kid_subset_size, seed),
        "precision": pr["precision"],
        "recall": pr["recall"],
        "pr_k": pr["k"],
        "classifier_score": classifier_score(probs, splits),
        "class_histogram": class_histogram(probs, class_names),
    }


def real_floor(
    evaluator,
    reference: Reference,
    n: int,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    **kwargs,
) -> dict:
    """The metrics of `n` real train images (seeded random subset) against the reference.

    Returns:
        The `image_metrics` dict plus `"source"` naming the images.
    """
    from gan.data import load_images

    dataset = evaluator.info.get("dataset", "fashion_mnist")
    train, _ = load_images(dataset, "train", data_dir)
    n = min(n, len(train))
    index = np.sort(np.random.default_rng(seed).choice(len(train), n, replace=False))
    result = image_metrics(evaluator, train[index], reference, seed, **kwargs)
    result["source"] = f"{dataset} train, {n} images drawn with seed {seed}"
    return result


def evaluate_generator(
    generator,
    evaluator,
    reference: Reference,
    n: int = DEFAULT_N,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    floor: bool = True,
    inception: bool = True,
    class_names: tuple[str, ...] | None = None,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
) -> dict:
    """All metrics of a generator: its samples, the real-data floor and the Inception FID.

    Args:
        generator: a loaded generator (see `gan.sample.load_generator`).
        evaluator: the `Evaluator`.
        reference: the test set as the evaluator sees it (`load_reference`).
        n: how many images to generate (and to draw for the floor).
        seed: the seed of the latent vectors, the floor's subset and KID's subsets.
        data_dir: the data folder for the floor's train images.
        floor: also compute the real-data floor.
        inception: try the Inception FID (skipped when its weights are absent).
        class_names: histogram bin names.
        kid_subsets, kid_subset_size: KID's subsets.

    Returns:
        `{"n", "seed", "reference", "evaluator", "generated", "real_floor", "inception_fid", "seconds"}`.
    """
    from gan.sample import generate
    from compare.inception import inception_fid

    start = time.perf_counter()
    kw = dict(kid_subsets=kid_subsets, kid_subset_size=kid_subset_size, class_names=class_names)
    images = generate(generator, n, seed)
    result = {
        "n": int(n),
        "seed": int(seed),
        "reference": reference.name,
        "evaluator": evaluator.identity(),
        "generated": image_metrics(evaluator, images, reference, seed, **kw),
    }
    if floor:
        result["real_floor"] = real_floor(evaluator, reference, n, seed, data_dir, **kw)
    if inception:
        result["inception_fid"] = inception_fid(images, reference.images)
    else:
        result["inception_fid"] = {"status": "skipped", "reason": "not requested"}
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result
