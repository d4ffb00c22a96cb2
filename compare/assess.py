"""Verdicts from numbers: what a GAN's metrics and a style transfer's distances allow a report to say.

A teaching report must not praise a broken result, so every sentence that interprets a result is
chosen from a verdict computed here, and each verdict names the numbers and thresholds behind it.

GAN (`assess_gan`), checked in this order; the first failing check is the verdict:

1. **degenerate**: the samples' pixel statistics are far from the real images' (near-black,
   washed-out or identical samples). These statistics need no network, so they cannot be fooled the
   way feature-space metrics can (black squares sit in a dense corner of the evaluator's feature
   space and score precision 0.999).
2. **collapsed**: the class histogram is too narrow (low entropy or few classes covered).
3. **not learned yet**: FID above that of a *perfect generator of only one class* (the real images
   of the best single class against the test set, measured with the same evaluator and N;
   `compare.gan_metrics.collapse_references`). A generator worse than one that copies shirts
   flawlessly and never draws anything else has not learned the distribution.
4. **partly learned**: FID between the one-class and the `FID_LEARNED_K`-class reference (worse
   than a perfect generator of only three classes, so not yet the whole distribution), or recall
   below `MIN_RECALL` (few real images have a sample near them: the samples lack the real images'
   variety or detail, even when FID, which compares only means and covariances, is low).
5. **learned**: FID at or below the 3-class reference and recall at least `MIN_RECALL`, with the
   checks above passed.
   `meets_target` says whether it also reaches the demo's target (issue 12: FID <= 30 and class
   entropy >= 1.8 nats); that target FID is about the 3-class reference (28.4).

Independently of the verdict, a caveat is raised when recall is near 0: precision (the share of
samples inside the real data's manifold) then says nothing about realism.

Why recall counts for "learned": a 1-epoch run (24,576 images at batch 64) drew rough, checkered
silhouettes of shirts, bags and shoes and scored FID 26.2 (N = 2,000, below the 3-class reference
of 28.8 at that N) with class entropy 2.13, but recall 0.013 and precision 0.56 (real data: 0.86
and 0.83). The evaluator's features are trained to tell classes apart, so class-shaped blobs get
the feature means and covariances nearly right; recall shows that almost no real image has a
sample that close to it.

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
Every threshold is a module constant whose comment gives its justification.

Style transfer (`assess_nst`): how much the style distance fell from the content photo to the
result (a measured ratio, phrased in words that do not overstate it) and which style layers were
matched well or badly.
"""

from __future__ import annotations

import dataclasses
import math

# --- GAN thresholds ---------------------------------------------------------------------------------

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

VERDICTS = ("degenerate", "collapsed", "not_learned", "partly_learned", "learned")
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


@dataclasses.dataclass(frozen=True)
class GanAssessment:
    """What a GAN's metrics allow a report to say (see the module docstring).

    Attributes:
        verdict: one of `VERDICTS`: "degenerate", "collapsed", "not_learned", "partly_learned" or
            "learned".
        learned: the verdict is "learned" (only then may a text say the GAN learned the distribution).
        degenerate, collapsed: each group of checks on its own (all may fail at once).
        fid_learned: FID <= `fid_threshold` (the 3-class reference).
        fid_started: FID <= `fid_one_class` (the 1-class reference).
        meets_target: FID <= `TARGET_FID` and class entropy >= `TARGET_ENTROPY`.
        precision_meaningful: recall >= `MIN_RECALL`.
        fid: the generated samples' FID.
        fid_real: the real-data FID (floor), or None.
        fid_threshold: the `FID_LEARNED_K`-class reference: learned at or below it.
        fid_one_class: the `FID_STARTED_K`-class reference: not learned yet above it.
        fid_threshold_source: where the references came from (measured in this record, or the constants).
        class_entropy: the samples' class entropy (nats).
        classes_covered: classes holding at least `COVERED_SHARE` of the samples.
        checks: every check, passed or not.
        summary: one sentence for the report, chosen by the verdict, with the numbers.
        advice: what to do next (empty when learned and on target).
        caveats: sentences the report must show beside the numbers (e.g. about precision).
    """

    verdict: str
    learned: bool
    degenerate: bool
    collapsed: bool
    fid_learned: bool
    fid_started: bool
    meets_target: bool
    precision_meaningful: bool
    fid: float
    fid_real: float | None
    fid_threshold: float
    fid_one_class: float
    fid_threshold_source: str
    class_entropy: float
    classes_covered: int
    checks: tuple[Check, ...]
    summary: str
    advice: str
    caveats: tuple[str, ...]

    def failed(self) -> tuple[Check, ...]:
        """The checks that failed."""
        return tuple(c for c in self.checks if not c.passed)

    def as_dict(self) -> dict:
        """A JSON-ready dict (checks as dicts)."""
        return dataclasses.asdict(self)


def _get(record: dict | None, *path, default=None):
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
    for ref in _get(metrics, "real_floor", "collapse_references", default=[]) or []:
        if ref.get("k") == k:
            classes = ", ".join(ref.get("best_classes", []))
            return float(ref["best_fid"]), (f"measured in this run: real images of only {k} classes ({classes}) "
                                            f"against the test set, same evaluator")  # fmt: skip
    return FID_REFERENCES[k], f"the {k}-class reference measured once with the default evaluator at N = 10,000"


def _pixel_checks(gen: dict, real: dict | None) -> list[Check]:
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


def assess_gan(metrics: dict) -> GanAssessment:
    """Decides from a GAN's metrics whether it is degenerate, collapsed, not learned yet or learned.

    Args:
        metrics: a `metrics.json` record: `{"generated": {...}, "real_floor": {...}, ...}` as
            `compare.gan_metrics.evaluate_generator` writes it. `real_floor` and the pixel
            statistics are optional (then the constants of this module stand in for them).

    Returns:
        A `GanAssessment` (thresholds and their justification: the module constants).

    Raises:
        KeyError: `metrics` has no `generated` FID, recall or class histogram.
    """
    gen = metrics["generated"]
    real = metrics.get("real_floor")
    fid = float(gen["fid"])
    recall = float(gen["recall"])
    precision = float(gen["precision"])
    hist = gen["class_histogram"]
    entropy = float(hist["entropy"])
    covered = int(sum(f >= COVERED_SHARE for f in hist["fractions"]))
    fid_real = float(real["fid"]) if real and "fid" in real else None
    threshold, source = collapse_reference(metrics, FID_LEARNED_K)
    one_class, _ = collapse_reference(metrics, FID_STARTED_K)

    pixel_checks = _pixel_checks(gen, real)
    real_entropy = _get(real, "class_histogram", "entropy")
    real_note = f" (real data: {real_entropy:.2f})" if real_entropy is not None else ""
    class_checks = [
        Check("class_entropy", entropy, MIN_CLASS_ENTROPY, entropy >= MIN_CLASS_ENTROPY,
              f"the class entropy is {entropy:.2f} nats of at most {hist.get('max_entropy', math.log(10)):.2f}"
              f"{real_note}, as varied as {math.exp(entropy):.1f} equally frequent classes"),
        Check("classes_covered", covered, MIN_CLASSES_COVERED, covered >= MIN_CLASSES_COVERED,
              f"{covered} of {len(hist['fractions'])} classes hold at least {COVERED_SHARE:.0%} of the samples"),
    ]  # fmt: skip
    fid_ok = fid <= threshold
    fid_started = fid <= one_class
    real_fid_note = f" and {fid_real:.2f} for real data" if fid_real is not None else ""
    fid_check = Check("fid", fid, threshold, fid_ok,
                      f"FID {fid:.2f}, against {threshold:.2f} for a perfect generator of only {FID_LEARNED_K} classes, "
                      f"{one_class:.2f} for one of only {FID_STARTED_K} class{real_fid_note}")  # fmt: skip
    real_recall = _get(real, "recall")
    recall_text = (f"recall {recall:.3f}: {recall:.1%} of the real images have a generated sample near them"
                   + (f" (real data: {real_recall:.2f})" if real_recall is not None else ""))  # fmt: skip
    if recall < MIN_RECALL:
        recall_text += ", fewer than for a perfect generator of only shirts (0.29)"
    recall_check = Check("recall", recall, MIN_RECALL, recall >= MIN_RECALL, recall_text)
    checks = tuple(pixel_checks + class_checks + [fid_check, recall_check])

    degenerate = not all(c.passed for c in pixel_checks)
    collapsed = not all(c.passed for c in class_checks)
    meets_target = fid <= TARGET_FID and entropy >= TARGET_ENTROPY
    if degenerate:
        verdict = "degenerate"
    elif collapsed:
        verdict = "collapsed"
    elif not fid_started:
        verdict = "not_learned"
    elif not (fid_ok and recall_check.passed):
        verdict = "partly_learned"
    else:
        verdict = "learned"
    summary, advice = _gan_words(verdict, checks, meets_target, fid, entropy)

    caveats = []
    if recall < MIN_RECALL:
        caveats.append(f"Recall is {recall:.3f}: the samples cover almost none of the real images, so precision "
                       f"({precision:.3f}) says nothing about realism here; a generator that draws one kind of image "
                       f"can score a precision near 1.")  # fmt: skip
    real_precision = _get(real, "precision")
    if real_precision is not None and precision > real_precision + 0.05:
        caveats.append(f"Precision {precision:.3f} is above the real images' {real_precision:.3f}: samples packed into "
                       f"the densest part of the real data score higher than real data, so this is not better than "
                       f"real; read it with recall.")  # fmt: skip
    if real is None:
        caveats.append("No real-data row was measured: the pixel checks use the training set's statistics and the FID "
                       "threshold the default evaluator's reference.")  # fmt: skip
    return GanAssessment(
        verdict=verdict, learned=verdict == "learned", degenerate=degenerate, collapsed=collapsed, fid_learned=fid_ok,
        fid_started=fid_started,
        meets_target=meets_target, precision_meaningful=recall >= MIN_RECALL, fid=fid, fid_real=fid_real,
        fid_threshold=threshold, fid_one_class=one_class,
        fid_threshold_source=source, class_entropy=entropy, classes_covered=covered,
        checks=checks, summary=summary, advice=advice, caveats=tuple(caveats),
    )  # fmt: skip


def _gan_words(
    verdict: str, checks: tuple[Check, ...], meets_target: bool, fid: float, entropy: float
) -> tuple[str, str]:
    groups = {
        "degenerate": PIXEL_CHECKS,
        "collapsed": CLASS_CHECKS,
        "not_learned": ("fid",),
        "partly_learned": ("fid", "recall"),
    }
    # Only the checks that decided the verdict; `GanAssessment.failed()` lists all.
    failed = "; ".join(c.text for c in checks if not c.passed and c.name in groups.get(verdict, ()))
    more = "Train longer (more epochs or more training images) and look at the sample grids after each epoch."
    if verdict == "degenerate":
        return (f"The generator has not learned to draw clothing yet; its samples are degenerate: {failed}.", more)
    if verdict == "collapsed":
        return (
            f"The generator has collapsed onto a few kinds of clothing: {failed}.",
            "Train longer, and if the histogram stays narrow, lower the learning rates or use a smaller batch.",
        )
    if verdict == "not_learned":
        return (f"The generator has not learned the distribution yet: {failed}; it is worse than a generator that "
                f"copies a single class perfectly and draws nothing else.", more)  # fmt: skip
    if verdict == "partly_learned":
        fid_failed = any(c.name == "fid" and not c.passed for c in checks)
        why = (f"it beats a perfect copy of a single class but not one of {FID_LEARNED_K} classes" if fid_failed else
               "its samples have roughly the right shapes but lack the real images' variety or detail")  # fmt: skip
        return (f"The generator has partly learned the distribution: {failed}; {why}, so it has not learned the whole "
                f"distribution yet.", more)  # fmt: skip
    target = (f"It also meets the demo's target (FID <= {TARGET_FID:g}, class entropy >= {TARGET_ENTROPY:g} nats)."
              if meets_target else
              f"It does not yet meet the demo's target (FID <= {TARGET_FID:g}, class entropy >= {TARGET_ENTROPY:g} "
              f"nats): FID {fid:.1f}, entropy {entropy:.2f}.")  # fmt: skip
    fid_text = next(c.text for c in checks if c.name == "fid")
    recall_text = next(c.text for c in checks if c.name == "recall")
    return (
        f"The generator has learned the distribution to a useful degree: its samples pass the pixel checks, "
        f"cover the classes (entropy {entropy:.2f} nats), reach {fid_text}, and {recall_text}. {target}",
        "" if meets_target else more,
    )


# --- style transfer -----------------------------------------------------------------------------------

WELL_MATCHED = 0.1
"""A style layer counts as matched well when its Gram distance is below 0.1 (10% of an all-zero image's)."""


@dataclasses.dataclass(frozen=True)
class NstAssessment:
    """What a style transfer's distances allow a report to say.

    Attributes:
        style_start: style distance of the starting point (the content photo, scored the same way).
        style_result: style distance of the result.
        style_ratio: `style_start / style_result` (how many times closer the style got).
        style_change: the change in words, e.g. "fell 16-fold" or "fell by 2.3 orders of magnitude"
            (orders only from a 100-fold fall; "rose 1.2-fold" when it got worse).
        content_result: the result's content distance (0 = the content photo's own features).
        layers: `(layer, distance)` per style layer, in network order.
        best_layer, worst_layer: the layers matched best and worst.
        well_matched: the layers below `WELL_MATCHED`.
        summary: one sentence with the numbers.
    """

    style_start: float
    style_result: float
    style_ratio: float
    style_change: str
    content_result: float
    layers: tuple[tuple[str, float], ...]
    best_layer: str
    worst_layer: str
    well_matched: tuple[str, ...]
    summary: str

    def as_dict(self) -> dict:
        """A JSON-ready dict."""
        return dataclasses.asdict(self)


def describe_change(start: float, end: float) -> str:
    """Words for a change from `start` to `end` that do not overstate it.

    Returns:
        "fell 16-fold" (factors below 100), "fell by 2.3 orders of magnitude" (100-fold and more),
        "rose 1.5-fold", or "stayed about the same" (within 5%).

    Raises:
        ValueError: a value is negative or not finite.
    """
    if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end < 0:
        raise ValueError(f"distances must be finite and non-negative, got {start} and {end}")
    if end == 0:
        return "fell to 0" if start > 0 else "stayed at 0"
    ratio = start / end
    if 1 / 1.05 <= ratio <= 1.05:
        return "stayed about the same"
    if ratio < 1:
        return f"rose {1 / ratio:.1f}-fold"
    if ratio >= 100:
        return f"fell by {math.log10(ratio):.1f} orders of magnitude"
    return f"fell {ratio:.1f}-fold" if ratio < 10 else f"fell {ratio:.0f}-fold"


def assess_nst(result: dict, start: dict) -> NstAssessment:
    """How far a style transfer result moved towards the style, from the distances of `compare.nst_metrics`.

    Args:
        result: `NSTScorer.score` of the result.
        start: `NSTScorer.score` of the starting point (the content photo; or the noise image when the
            run started from noise).

    Returns:
        An `NstAssessment`.
    """
    s0, s1 = float(start["style_distance"]), float(result["style_distance"])
    layers = tuple((k, float(v)) for k, v in result["style_layers"].items())
    ratio = s0 / s1 if s1 > 0 else math.inf
    change = describe_change(s0, s1)
    best = min(layers, key=lambda kv: kv[1])[0]
    worst = max(layers, key=lambda kv: kv[1])[0]
    well = tuple(k for k, v in layers if v < WELL_MATCHED)
    content = float(result["content_distance"])
    summary = (f"The style distance {change}, from {s0:.3g} for the starting image to {s1:.3g} for the result; "
               f"{best} was matched best ({dict(layers)[best]:.3g}) and {worst} worst ({dict(layers)[worst]:.3g}), "
               f"while the content distance is {content:.3g} (0 = the content photo's own features).")  # fmt: skip
    return NstAssessment(s0, s1, ratio, change, content, layers, best, worst, well, summary)
