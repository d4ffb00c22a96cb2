"""Every GAN metric of one set of images against the test set, in one JSON-ready record.

On N generated images (default 10,000) against the 10,000 Fashion-MNIST test images, with the
features and softmax of `compare.evaluator`:

- FID (`compare.fid`): Fréchet distance of the feature Gaussians; lower is better; biased by N.
- KID (`compare.kid`): unbiased polynomial-kernel MMD^2, mean and std over 100 subsets of 1000.
- precision and recall (`compare.precision_recall`): k-NN manifolds, k = 3.
- class histogram and its entropy, and the classifier score (`compare.classifier_score`).
- pixel statistics (`pixel_statistics`): mean intensity, the per-pixel standard deviation across
  samples, the mean contrast of each image and the share of near-constant images. They need no
  network, so a degenerate generator (near-black or identical samples) cannot pass them, whereas a
  feature-space metric can flatter it: black squares sit in a dense corner of the classifier's
  feature space and score precision 0.999.

The *real data* row (`real_floor`, the "floor" of FID and KID) is the same metrics for N real train
images (a seeded random subset) against the same test images: what a perfect generator would score
with this evaluator and this N. Beside it, `compare.collapse.collapse_references` measures what a
perfect generator of only k classes would score (the real train images of the k classes whose FID is
lowest), the yardstick `compare.assess` uses to say whether a FID means the distribution was
learned. The Inception FID (`compare.inception`) is added when its weights are on disk, else marked
skipped.

`METRICS` describes every number for readers: label, unit, which direction is better and what it
means.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable

import numpy as np

from compare.classifier_score import class_histogram, classifier_score
from compare.collapse import COLLAPSE_CLASSES, collapse_references
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
NEAR_CONSTANT_STD = 15.0
"""An image whose own pixel standard deviation is below this (0-255 levels) counts as near-constant.

The least contrasted of the 60,000 Fashion-MNIST training images has 16.5 (its 0.1st percentile is
25.3), so no real image is near-constant; a blank or washed-out sample is."""


@dataclasses.dataclass(frozen=True)
class MetricInfo:
    """How to read one metric.

    Attributes:
        label: its name in tables.
        unit: unit and scale, e.g. "nats, 0 to ln 10 = 2.30".
        better: "lower", "higher", or "closer to real data" (descriptive statistics).
        meaning: one sentence a student understands.
        short: a few words for a table cell.
    """

    label: str
    unit: str
    better: str
    meaning: str
    short: str

    def reading(self) -> str:
        """'lower is better: ...' or 'closer to real data is better: ...', for a table's last column."""
        return f"{self.better} is better; {self.short}"


METRICS: dict[str, MetricInfo] = {
    "fid": MetricInfo(
        "FID", "squared feature distance, 0 and up (on the evaluator's 128 features)", "lower",
        "How far the samples' feature distribution (mean and covariance) is from the real test images'; "
        "real images score near 0, and only numbers measured with the same evaluator and N compare.",
        "feature distance to the test images"),
    "kid": MetricInfo(
        "KID x 1000", "squared kernel distance x 1000, about 0 for real data", "lower",
        "The same question as FID asked with a kernel (MMD), unbiased for small N, so it can dip just below 0.",
        "FID's question without its small-N bias"),
    "precision": MetricInfo(
        "precision", "share of samples, 0 to 1", "higher",
        "The share of generated samples that fall inside the real data's manifold (near some real image's "
        "features); meaningless when recall is near 0, because a generator that draws one kind of image well "
        "can score 1.",
        "share of samples inside the real data's manifold"),
    "recall": MetricInfo(
        "recall", "share of real images, 0 to 1", "higher",
        "The share of real images that the samples cover (that lie near some sample): the variety captured.",
        "share of real images the samples cover"),
    "classifier_score": MetricInfo(
        "classifier score", "1 (one class) to 10 (ten classes, each confidently)", "higher",
        "The Inception-Score formula on the Fashion-MNIST classifier: high when every sample is clearly one "
        "kind of clothing and all ten kinds are drawn equally often.",
        "1 = one class, 10 = ten classes, each confidently"),
    "class_entropy": MetricInfo(
        "class entropy", "nats, 0 (one class) to ln 10 = 2.30 (ten classes equally often)", "higher",
        "How evenly the samples spread over the ten classes the classifier sees in them; ln k means as "
        "varied as k equally frequent classes, so a low value is mode collapse.",
        "nats, 0 = one class, ln 10 = 2.30 = all ten equally"),
    "mean_intensity": MetricInfo(
        "mean pixel", "gray level, 0 (black) to 255 (white)", "closer to real data",
        "The average brightness of all pixels; near-black samples sit far below the real images'.",
        "gray level 0-255"),
    "pixel_std": MetricInfo(
        "pixel std across samples", "gray levels, 0 and up", "closer to real data",
        "How much each pixel varies from sample to sample, averaged over pixels; 0 means every sample is "
        "the same image.",
        "gray levels; 0 = all samples identical"),
    "image_contrast": MetricInfo(
        "contrast within an image", "gray levels, 0 and up", "closer to real data",
        "The standard deviation of each image's own pixels, averaged over images; 0 means flat images.",
        "gray levels; 0 = flat images"),
    "near_constant_fraction": MetricInfo(
        "near-constant images", f"share of images, 0 to 1 (own pixel std below {NEAR_CONSTANT_STD:g} levels)", "lower",
        "The share of blank or washed-out images; no real Fashion-MNIST training image is one.",
        f"share with own pixel std < {NEAR_CONSTANT_STD:g} levels"),
}  # fmt: skip
"""Reading guide per metric key (`class_entropy` is `class_histogram["entropy"]`; the last four are
under `"pixels"`)."""


def pixel_statistics(images: np.ndarray) -> dict:
    """Cheap pixel-space statistics of a set of images, independent of any network.

    Args:
        images: uint8 [N, H, W, C] (or [N, H, W]), N >= 2.

    Returns:
        `{"mean_intensity", "pixel_std", "image_contrast", "near_constant_fraction",
        "near_constant_std"}`, gray levels on the 0-255 scale (see `METRICS`).

    Raises:
        ValueError: fewer than 2 images.
    """
    images = np.asarray(images)
    if images.ndim < 3 or len(images) < 2:
        raise ValueError(f"pixel statistics need [N, H, W(, C)] images with N >= 2, got shape {images.shape}")
    flat = images.reshape(len(images), -1).astype(np.float64)  # [N, H*W*C] in 0..255
    contrast = flat.std(axis=1)  # [N], each image's own spread
    return {
        "mean_intensity": float(flat.mean()),
        "pixel_std": float(flat.std(axis=0).mean()),  # per pixel across samples, then averaged
        "image_contrast": float(contrast.mean()),
        "near_constant_fraction": float(np.mean(contrast < NEAR_CONSTANT_STD)),
        "near_constant_std": NEAR_CONSTANT_STD,
    }


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


def image_metrics(evaluator, images: np.ndarray, reference: Reference, seed: int = 0, **options) -> dict:
    """FID, KID, precision/recall, classifier score, class histogram and pixel statistics of `images` vs `reference`.

    Args:
        evaluator: the `Evaluator` whose features and softmax are used.
        images: uint8 [N, H, W, C].
        reference: from `load_reference`.
        seed: the seed of KID's subset draws.
        **options: `kid_subsets`, `kid_subset_size` and `class_names`, as for `metrics_from_features`.

    Returns:
        `metrics_from_features`'s dict plus `"pixels"` (`pixel_statistics`).
    """
    features, probs = evaluator.predict(images)
    result = metrics_from_features(features, probs, reference, seed, **options)
    result["pixels"] = pixel_statistics(images)
    return result


def metrics_from_features(
    features: np.ndarray,
    probs: np.ndarray,
    reference: Reference,
    seed: int = 0,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    class_names: tuple[str, ...] | None = None,
) -> dict:
    """FID, KID, precision/recall, classifier score and class histogram of features already computed.

    Args:
        features: the evaluator's features of the images [N, D].
        probs: its class probabilities of the images [N, K].
        reference: from `load_reference`.
        seed: the seed of KID's subset draws.
        kid_subsets, kid_subset_size: KID's subsets.
        class_names: names for the histogram's bins.

    Returns:
        A JSON-ready dict (see the module docstring and `METRICS` for what each entry means):
        `{"n", "fid", "kid", "precision", "recall", "pr_k", "classifier_score", "class_histogram"}`.
    """
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
    class_names: tuple[str, ...] | None = None,
    collapse: bool = True,
    **kwargs,
) -> dict:
    """The metrics of `n` real train images (seeded random subset) against the reference.

    Args:
        evaluator, reference: as for `image_metrics`.
        n: how many train images (the same N as the generated images, for FID's bias).
        seed: the seed of the subset and of KID's subsets.
        data_dir: the data folder.
        class_names: histogram bin names.
        collapse: also measure `collapse_references` on these images.
        **kwargs: KID's `kid_subsets` and `kid_subset_size`.

    Returns:
        The `image_metrics` dict plus `"source"` naming the images and `"collapse_references"`.
    """
    from gan.data import load_images

    dataset = evaluator.info.get("dataset", "fashion_mnist")
    train, labels = load_images(dataset, "train", data_dir)
    n = min(n, len(train))
    index = np.sort(np.random.default_rng(seed).choice(len(train), n, replace=False))
    images, labels = train[index], labels[index]
    features, probs = evaluator.predict(images)
    result = metrics_from_features(features, probs, reference, seed, class_names=class_names, **kwargs)
    result["pixels"] = pixel_statistics(images)
    result["source"] = f"{dataset} train, {n} images drawn with seed {seed}"
    if collapse:
        result["collapse_references"] = collapse_references(features, labels, reference, class_names=class_names)
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
    progress: Callable[[str], None] | None = None,
) -> dict:
    """All metrics of a generator: its samples, the real-data floor, the Inception FID and a verdict.

    Args:
        generator: a loaded generator (see `gan.sample.load_generator`).
        evaluator: the `Evaluator`.
        reference: the test set as the evaluator sees it (`load_reference`).
        n: how many images to generate (and to draw for the floor).
        seed: the seed of the latent vectors, the floor's subset and KID's subsets.
        data_dir: the data folder for the floor's train images.
        floor: also compute the real-data floor (and the collapse references).
        inception: try the Inception FID (skipped when its weights are absent).
        class_names: histogram bin names.
        kid_subsets, kid_subset_size: KID's subsets.
        progress: called with a one-line message before each step that takes a while (the caller
            decides where it goes; None: silent).

    Returns:
        `{"n", "seed", "reference", "evaluator", "generated", "real_floor", "inception_fid",
        "assessment", "seconds"}`; `assessment` is `compare.assess.assess_gan` of the rest, as a dict.
    """
    from compare.assess import assess_gan
    from compare.inception import find_weights, inception_fid
    from gan.sample import generate

    say = progress or (lambda message: None)
    start = time.perf_counter()
    kw = dict(kid_subsets=kid_subsets, kid_subset_size=kid_subset_size, class_names=class_names)
    say(f"generating {n} images with the GAN's generator (seed {seed})")
    images = generate(generator, n, seed)
    say(f"scoring the {n} generated images with evaluator {evaluator.id}: features, FID, KID, precision/recall "
        f"against {reference.name}")  # fmt: skip
    result = {
        "n": int(n),
        "seed": int(seed),
        "reference": reference.name,
        "evaluator": evaluator.identity(),
        "generated": image_metrics(evaluator, images, reference, seed, **kw),
    }
    if floor:
        say(f"scoring {n} real training images the same way (the real-data row) and perfect generators of "
            f"only {', '.join(map(str, COLLAPSE_CLASSES))} classes (the collapse references)")  # fmt: skip
        result["real_floor"] = real_floor(evaluator, reference, n, seed, data_dir, **kw)
    if inception:
        if find_weights()[0] is not None:
            say(f"computing the Inception-v3 FID: {n} generated and {len(reference.images)} test images at 299 px")
        result["inception_fid"] = inception_fid(images, reference.images)
    else:
        result["inception_fid"] = {"status": "skipped", "reason": "not requested"}
    result["assessment"] = assess_gan(result).as_dict()
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result
