"""The checks a GAN's metrics must pass, and the measured thresholds behind them.

`compare.assess.assess_gan` turns these checks into a verdict; this module owns the numbers: each
threshold is a module constant whose comment gives its justification, and each check is a `Check`
holding the measured value, the threshold it was compared with and one sentence with both.

- pixel checks (`pixel_checks`): mean gray level, per-pixel spread across samples and the share of
  blank images, against the real images' (no network involved);
- class checks (`class_checks`): class entropy and the number of classes covered;
- `fid_check`: FID against the perfect generators of only a few classes (`collapse_reference`);
- `recall_check`: the share of real images that have a generated sample near them.

Measured reference FIDs (`benchmarks/reference_fids.py`, section "Reference FIDs from real data"
of `benchmarks/RESULTS.md`; default evaluator `06a63189a01c7ea4`, test accuracy 92.59%, N = 10,000
train images against the 10,000 test images):

    real vs real (the floor)                      0.12
    perfect generator of only 1 class (Shirt)     53.46   (median over classes 77.18)
    ... of only 2 classes (Shirt, Sneaker)        37.15   (median over pairs 48.96)
    ... of only 3 classes                         28.39   (median 36.26)
    ... of 5 / 7 / 9 classes                      14.85 / 5.83 / 1.00

For comparison (`benchmarks/RESULTS.md`, same evaluator): the default config scores FID 4.8 and
3.2 after 10 and 20 epochs, the seed notebook's config 30.9 to 43.8 (partly learned by this scale),
and the 3-epoch demo that drew near-black squares 76.9 (worse than a perfect one-class generator).
"""

from __future__ import annotations

import dataclasses
import math

REAL_MEAN_INTENSITY = 72.94
"""Mean gray level (0-255) of all 60,000 Fashion-MNIST training images; used when a metrics record
has no real-data row."""
REAL_PIXEL_STD = 70.10
"""Per-pixel standard deviation across the 60,000 training images, averaged over pixels (0-255)."""

MEAN_INTENSITY_RANGE = (0.4, 1.5)
"""Degenerate when the samples' mean gray level is outside this range times the real data's.

The ten classes of real images average from 34.9 (sandal) to 98.3 (coat) gray levels, 0.48 to 1.35
times the whole set's 72.9, so even a perfect generator of only the darkest or the brightest class
stays inside; near-black samples (the 3-epoch demo's mean of about 12, 0.16 times) do not."""
MIN_PIXEL_STD_RATIO = 0.35
"""Degenerate when the per-pixel standard deviation across samples is below this times the real data's.

Within any single real class it is 33.5 to 67.8 gray levels, at least 0.48 times the whole set's
70.1, so only samples that barely vary (nearly the same image every time) fall below."""
MAX_NEAR_CONSTANT_FRACTION = 0.25
"""Degenerate when more than this share of samples are near-constant images.

An image is near-constant when its own pixel standard deviation is below 15 gray levels
(`compare.gan_metrics.NEAR_CONSTANT_STD`); none of the 60,000 training images is (the lowest has
16.5), so a quarter of blank samples is far outside what real data does."""

MIN_CLASS_ENTROPY = math.log(5)
"""Collapsed when the class histogram's entropy is below ln 5 = 1.61 nats.

An entropy of ln k nats is as varied as k equally frequent classes, so below ln 5 the samples are
less varied than half of the ten kinds of clothing; real data scores about 2.30 (ln 10)."""
MIN_CLASSES_COVERED = 5
"""Collapsed when fewer than this many classes each hold at least `COVERED_SHARE` of the samples."""
COVERED_SHARE = 0.02
"""A class counts as covered when it holds at least 2% of the samples, a fifth of its real 10%."""

FID_LEARNED_K = 3
"""Learned only when FID is at or below that of the best perfect generator of only this many classes."""
FID_STARTED_K = 1
"""Not learned yet when FID is above that of the best perfect generator of only this many classes."""
FID_REFERENCES = {1: 53.46, 2: 37.15, 3: 28.39}
"""Best k-class references measured with the default evaluator (`06a63189a01c7ea4`) at N = 10,000;
used when a metrics record has no `collapse_references` of its own (older files, `--no-floor`)."""

TARGET_FID = 30.0
"""The demo's target FID (issue 12) with the default evaluator at N = 10,000."""
TARGET_ENTROPY = 1.8
"""The demo's target class entropy in nats (issue 12); about ln 6, six equally frequent classes."""

MIN_RECALL = 0.05
"""Below this recall, precision is flagged as meaningless and the verdict is at best "partly learned".

Real data scores 0.84 and a perfect generator of only shirts 0.29 (measured, see the module
docstring); below 0.05 the samples cover less than a fifth of what even that one-class generator
covers, and a high precision only says they sit in some dense corner of the real data."""

PIXEL_CHECKS = ("mean_intensity", "pixel_std", "near_constant_fraction")
CLASS_CHECKS = ("class_entropy", "classes_covered")


@dataclasses.dataclass(frozen=True)
class Check:
    """One test a result must pass.

    Attributes:
        name: e.g. "mean_intensity", "class_entropy", "fid".
        value: the measured number.
        threshold: what it was compared with (for ranges: the violated bound).
        passed: whether the result passed.
        text: one sentence with the numbers, for a report.
    """

    name: str
    value: float
    threshold: float
    passed: bool
    text: str


def lookup(record: dict | None, *path, default=None):
    """`record[path[0]][path[1]]...`, or `default` where a key or a dict is missing (e.g. no real-data row)."""
    for key in path:
        if not isinstance(record, dict) or key not in record:
            return default
        record = record[key]
    return record


def collapse_reference(metrics: dict, k: int = FID_LEARNED_K) -> tuple[float, str]:
    """The FID of the best perfect generator of only `k` classes, and where the number comes from.

    Args:
        metrics: a `metrics.json` record (`compare.gan_metrics.evaluate_generator`).
        k: how many classes.

    Returns:
        `(fid, source)`: measured in the record's real-data row when it is there, else
        `FID_REFERENCES[k]`.
    """
    for ref in lookup(metrics, "real_floor", "collapse_references", default=[]) or []:
        if ref.get("k") == k:
            classes = ", ".join(ref.get("best_classes", []))
            return float(ref["best_fid"]), (f"measured in this run: real images of only {k} classes ({classes}) "
                                            f"against the test set, same evaluator")  # fmt: skip
    return FID_REFERENCES[k], f"the {k}-class reference measured once with the default evaluator at N = 10,000"


def pixel_checks(gen: dict, real: dict | None) -> list[Check]:
    """The `PIXEL_CHECKS` of the generated row `gen` against the real-data row `real` (or the constants).

    Returns:
        One `Check` per pixel statistic; none when `gen` has no `"pixels"` (older metrics files).
    """
    checks = []
    pixels = gen.get("pixels")
    if not pixels:
        return checks
    real_pixels = (real or {}).get("pixels") or {}
    real_mean = real_pixels.get("mean_intensity", REAL_MEAN_INTENSITY)
    real_std = real_pixels.get("pixel_std", REAL_PIXEL_STD)
    mean = pixels["mean_intensity"]
    lo, hi = (r * real_mean for r in MEAN_INTENSITY_RANGE)
    ok = lo <= mean <= hi
    checks.append(Check("mean_intensity", mean, lo if mean < lo else hi, ok,
                        f"the samples' mean gray level is {mean:.1f} of 255 against {real_mean:.1f} for real images"
                        + ("" if ok else f" ({'darker' if mean < lo else 'brighter'} than any class of real "
                                         f"clothing; allowed {lo:.0f} to {hi:.0f})")))  # fmt: skip
    std = pixels["pixel_std"]
    bound = MIN_PIXEL_STD_RATIO * real_std
    checks.append(Check("pixel_std", std, bound, std >= bound,
                        f"each pixel varies across samples by {std:.1f} gray levels against {real_std:.1f} for real "
                        f"images" + ("" if std >= bound else f" (below {bound:.0f}: the samples are nearly all alike)")))  # fmt: skip
    share = pixels["near_constant_fraction"]
    checks.append(Check("near_constant_fraction", share, MAX_NEAR_CONSTANT_FRACTION, share <= MAX_NEAR_CONSTANT_FRACTION,
                        f"{share:.1%} of the samples are near-constant (blank) images; no real training image is"))  # fmt: skip
    return checks


def classes_covered(hist: dict) -> int:
    """How many classes of a class histogram hold at least `COVERED_SHARE` of the samples."""
    return int(sum(f >= COVERED_SHARE for f in hist["fractions"]))


def class_checks(hist: dict, real: dict | None) -> list[Check]:
    """The `CLASS_CHECKS` of a class histogram (`compare.classifier_score.class_histogram`).

    Args:
        hist: the generated images' class histogram.
        real: the real-data row, or None (its entropy is quoted when there).
    """
    entropy = float(hist["entropy"])
    covered = classes_covered(hist)
    real_entropy = lookup(real, "class_histogram", "entropy")
    real_note = f" (real data: {real_entropy:.2f})" if real_entropy is not None else ""
    return [
        Check("class_entropy", entropy, MIN_CLASS_ENTROPY, entropy >= MIN_CLASS_ENTROPY,
              f"the class entropy is {entropy:.2f} nats of at most {hist.get('max_entropy', math.log(10)):.2f}"
              f"{real_note}, as varied as {math.exp(entropy):.1f} equally frequent classes"),
        Check("classes_covered", covered, MIN_CLASSES_COVERED, covered >= MIN_CLASSES_COVERED,
              f"{covered} of {len(hist['fractions'])} classes hold at least {COVERED_SHARE:.0%} of the samples"),
    ]  # fmt: skip


def fid_check(fid: float, threshold: float, one_class: float, fid_real: float | None) -> Check:
    """FID against the `FID_LEARNED_K`-class reference `threshold` (passed at or below it).

    Args:
        fid: the generated samples' FID.
        threshold, one_class: the `FID_LEARNED_K`- and `FID_STARTED_K`-class references (`collapse_reference`).
        fid_real: the real-data FID, or None.
    """
    real_fid_note = f" and {fid_real:.2f} for real data" if fid_real is not None else ""
    return Check("fid", fid, threshold, fid <= threshold,
                 f"FID {fid:.2f}, against {threshold:.2f} for a perfect generator of only {FID_LEARNED_K} classes, "
                 f"{one_class:.2f} for one of only {FID_STARTED_K} class{real_fid_note}")  # fmt: skip


def recall_check(recall: float, real: dict | None) -> Check:
    """Recall against `MIN_RECALL` (the real-data row's recall is quoted when there)."""
    real_recall = lookup(real, "recall")
    text = (f"recall {recall:.3f}: {recall:.1%} of the real images have a generated sample near them"
            + (f" (real data: {real_recall:.2f})" if real_recall is not None else ""))  # fmt: skip
    if recall < MIN_RECALL:
        text += ", fewer than for a perfect generator of only shirts (0.29)"
    return Check("recall", recall, MIN_RECALL, recall >= MIN_RECALL, text)
