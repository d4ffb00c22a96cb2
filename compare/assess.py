"""The verdict on a GAN: what its metrics allow a report to say.

A teaching report must not praise a broken result, so every sentence that interprets a result is
chosen from a verdict computed here, and each verdict names the numbers and thresholds behind it
(the checks and their thresholds: `compare.gan_checks`; the style transfer's wording:
`compare.nst_assess`).

`assess_gan` runs the checks in this order; the first failing check is the verdict:

1. **degenerate**: the samples' pixel statistics are far from the real images' (near-black,
   washed-out or identical samples). These statistics need no network, so they cannot be fooled the
   way feature-space metrics can (black squares sit in a dense corner of the evaluator's feature
   space and score precision 0.999).
2. **collapsed**: the class histogram is too narrow (low entropy or few classes covered).
3. **not learned yet**: FID above that of a *perfect generator of only one class* (the real images
   of the best single class against the test set, measured with the same evaluator and N;
   `compare.collapse.collapse_references`). A generator worse than one that copies shirts
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
"""

from __future__ import annotations

import dataclasses

from compare.gan_checks import (
    CLASS_CHECKS,
    FID_LEARNED_K,
    FID_STARTED_K,
    MIN_RECALL,
    PIXEL_CHECKS,
    TARGET_ENTROPY,
    TARGET_FID,
    Check,
    class_checks,
    classes_covered,
    collapse_reference,
    fid_check,
    lookup,
    pixel_checks,
    recall_check,
)

VERDICTS = ("degenerate", "collapsed", "not_learned", "partly_learned", "learned")


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


def assess_gan(metrics: dict) -> GanAssessment:
    """Decides from a GAN's metrics whether it is degenerate, collapsed, not learned yet or learned.

    Args:
        metrics: a `metrics.json` record: `{"generated": {...}, "real_floor": {...}, ...}` as
            `compare.gan_metrics.evaluate_generator` writes it. `real_floor` and the pixel
            statistics are optional (then the constants of `compare.gan_checks` stand in for them).

    Returns:
        A `GanAssessment` (thresholds and their justification: the constants of `compare.gan_checks`).

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
    fid_real = float(real["fid"]) if real and "fid" in real else None
    threshold, source = collapse_reference(metrics, FID_LEARNED_K)
    one_class, _ = collapse_reference(metrics, FID_STARTED_K)

    pixels = pixel_checks(gen, real)
    classes = class_checks(hist, real)
    fid_ok = fid <= threshold
    fid_started = fid <= one_class
    checks = tuple(pixels + classes + [fid_check(fid, threshold, one_class, fid_real), recall_check(recall, real)])

    degenerate = not all(c.passed for c in pixels)
    collapsed = not all(c.passed for c in classes)
    meets_target = fid <= TARGET_FID and entropy >= TARGET_ENTROPY
    if degenerate:
        verdict = "degenerate"
    elif collapsed:
        verdict = "collapsed"
    elif not fid_started:
        verdict = "not_learned"
    elif not (fid_ok and recall >= MIN_RECALL):
        verdict = "partly_learned"
    else:
        verdict = "learned"
    summary, advice = _gan_words(verdict, checks, meets_target, fid, entropy)

    caveats = []
    if recall < MIN_RECALL:
        caveats.append(f"Recall is {recall:.3f}: the samples cover almost none of the real images, so precision "
                       f"({precision:.3f}) says nothing about realism here; a generator that draws one kind of image "
                       f"can score a precision near 1.")  # fmt: skip
    real_precision = lookup(real, "precision")
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
        fid_threshold_source=source, class_entropy=entropy, classes_covered=classes_covered(hist),
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
