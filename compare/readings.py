"""Sentences about one result, each chosen from that result's numbers, for the lessons in `notebooks/`.

A lesson must never tell a student that a GAN learned when its numbers say it did not. So every
sentence a lesson prints about a result comes from a function here: it reads the numbers, picks the
sentence that fits them, and fills in the figures. The thresholds are stated where they are used;
general explanations (what a metric means) stay in the notebooks' text cells.

Each function returns a list of sentences (plain text, one claim each), except `starting_point`,
which returns the one sentence a lesson prints beside its table.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

LN2 = math.log(2.0)
"""The binary cross-entropy of a discriminator that outputs 0.5 for everything."""


def gan_training(rows: Sequence[Mapping]) -> list[str]:
    """Reads a GAN's per-epoch history (`history.csv` rows: d_loss, g_loss, d_real, d_fake).

    Thresholds: the discriminator "wins" when its mean P(fake) on generated images exceeds that on
    real ones by more than 0.8 (it separates them almost perfectly), "cannot tell" below 0.05.
    """
    rows = [r for r in rows if all(_finite(r.get(k)) for k in ("d_loss", "g_loss", "d_real", "d_fake"))]
    if not rows:
        return ["No epoch finished with finite losses, so there is nothing to read yet."]
    first, last = rows[0], rows[-1]
    gap = last["d_fake"] - last["d_real"]
    judge = (
        f"P(fake) {last['d_real']:.2f} on real images and {last['d_fake']:.2f} on generated ones "
        f"after epoch {last['epoch']}"
    )
    if gap > 0.8:
        out = [
            (
                f"The discriminator is winning outright ({judge}): the generator gets little gradient from it, "
                "the classic failure; lowering train.d_learning_rate or adding label noise rebalances the game."
            )
        ]
    elif gap < 0.05:
        out = [
            (
                f"The discriminator cannot tell real from generated ({judge}). That happens both when the generator "
                "fools it and when neither has learned much; the samples and the FID below say which."
            )
        ]
    else:
        out = [
            (
                f"The game is balanced ({judge}): the discriminator separates the two somewhat without winning "
                "outright, which keeps its gradient useful to the generator."
            )
        ]
    d = last["d_loss"]
    side = "near" if abs(d - LN2) < 0.05 else ("below" if d < LN2 else "above")
    out.append(
        f"d_loss ended at {d:.3f}, {side} ln 2 = {LN2:.3f}, the loss of a discriminator that answers 0.5 to everything."
    )
    if len(rows) > 1:
        change = last["g_loss"] - first["g_loss"]
        trend = "stayed about the same" if abs(change) < 0.05 else ("rose" if change > 0 else "fell")
        out.append(
            f"g_loss {trend} from {first['g_loss']:.3f} (epoch {first['epoch']}) to {last['g_loss']:.3f} "
            f"(epoch {last['epoch']}). In a two-player game that is not a score: the generator's loss is "
            "measured against a discriminator that improves too."
        )
    return out


def gan_quality(
    result: Mapping, untrained: Mapping | None = None, evaluator_accuracy: float | None = None
) -> list[str]:
    """Reads GAN metrics (`compare.gan_metrics.evaluate_generator`'s dict).

    Whether the generator learned is not decided here: the verdict, its sentence and its caveats
    come from `compare.assess.assess_gan`, the same judge the report uses, so a lesson and a
    report never read one result two ways. This function adds what only a lesson has (the
    untrained starting point, the weak quick evaluator) and factual sentences with the numbers.

    Args:
        result: the trained generator's metrics, with `generated` and (optionally) `real_floor`.
        untrained: the same metrics for an untrained generator of the same architecture, the
            starting point (its `generated` entry is used), or None.
        evaluator_accuracy: the evaluator's test accuracy; below 0.92 the numbers are flagged as rough.

    Returns:
        Sentences, one claim each: the evaluator caveat (if any), the change from the untrained
        generator (if given), the verdict, its caveats, precision against recall, the class histogram.
    """
    from compare.assess import assess_gan

    gen, floor = result["generated"], result.get("real_floor")
    assessment = assess_gan(dict(result))
    fid = gen["fid"]
    out = []
    if evaluator_accuracy is not None and evaluator_accuracy < 0.92:
        out.append(
            f"The evaluator classifies only {evaluator_accuracy:.1%} of the test images correctly (the full one "
            "reaches at least 92%), so read these numbers as rough."
        )
    if untrained is not None:
        fid0 = untrained["generated"]["fid"]
        if fid > 0.9 * fid0:
            out.append(
                f"Training did not move the FID measurably: {fid:.2f}, against {fid0:.2f} for the untrained "
                "generator it started from."
            )
        elif floor is not None and fid0 > floor["fid"] > 0 and fid > floor["fid"]:
            share = math.log(fid0 / fid) / math.log(fid0 / floor["fid"])
            out.append(
                f"Training brought the FID from {fid0:.2f} (untrained) to {fid:.2f}, against {floor['fid']:.2f} "
                f"for real images: {share:.0%} of the way on a logarithmic scale."
            )
        else:
            out.append(f"Training brought the FID from {fid0:.2f} (untrained) to {fid:.2f}.")
    out.append(assessment.summary)
    out.extend(assessment.caveats)
    if floor is not None and assessment.precision_meaningful:
        p, r = gen["precision"], gen["recall"]
        pf, rf = floor["precision"], floor["recall"]
        if abs(p - r) < 0.1:
            balance = "realism and variety are about equally short of real data"
        elif p > r:
            balance = "the samples are more realistic than varied (some real variety is missing)"
        else:
            balance = "the samples are more varied than realistic (many fall outside the real images)"
        out.append(f"Precision {p:.2f} (real data {pf:.2f}) and recall {r:.2f} (real data {rf:.2f}): {balance}.")
    hist = gen["class_histogram"]
    top = max(range(len(hist["fractions"])), key=lambda i: hist["fractions"][i])
    entropy, max_entropy = hist["entropy"], hist["max_entropy"]
    reference = floor["class_histogram"]["entropy"] if floor is not None else max_entropy
    if assessment.degenerate or not assessment.precision_meaningful:
        verdict = (
            "the samples do not look like real garments yet, so the classes the evaluator assigns them say little."
        )
    elif assessment.collapsed:
        verdict = "a sign of mode collapse, the generator favours a few kinds of clothing."
    else:
        verdict = "no sign of mode collapse."
    out.append(
        f"The class histogram has entropy {entropy:.2f} of at most {max_entropy:.2f} nats (real data "
        f"{reference:.2f}); its largest class is {hist['classes'][top]} with {hist['fractions'][top]:.0%} of the "
        f"samples: {verdict}"
    )
    return out


def starting_point(untrained: Mapping) -> str:
    """One sentence on an untrained generator, the starting line: FID and recall, and precision where it means something.

    An untrained generator draws nearly the same blur every time. Precision asks only whether each
    sample falls inside some real image's k-nearest-neighbour ball, and the balls of unusual real
    images are large, so samples that all sit in one spot can score a high precision (1.000 in
    lesson 1's full run) at a recall of 0. Below `MIN_RECALL` the sentence says so instead of
    quoting the precision as realism.

    Args:
        untrained: `compare.gan_metrics.evaluate_generator`'s dict for the untrained generator.

    Returns:
        The sentence.
    """
    from compare.gan_checks import MIN_RECALL

    gen = untrained["generated"]
    fid, precision, recall = gen["fid"], gen["precision"], gen["recall"]
    line = f"The untrained generator (the starting line): FID {fid:.2f}, recall {recall:.3f}"
    if recall >= MIN_RECALL:
        return f"{line}, precision {precision:.3f}."
    pixels = gen.get("pixels", {})
    spread = f" (pixel std across samples {pixels['pixel_std']:.1f} gray levels)" if "pixel_std" in pixels else ""
    return (
        f"{line}; its precision ({precision:.3f}) is no sign of realism at a recall below {MIN_RECALL}: its samples "
        f"sit close together{spread}, and a spot inside a few real images' neighbourhoods counts as realistic."
    )


def nst_scores(result: Mapping, content: Mapping, style: Mapping | None = None, name: str = "The result") -> list[str]:
    """Reads `compare.nst_metrics` scores of a stylized image against those of its inputs.

    Args:
        result: the stylized image's scores.
        content: the untouched content photo's scores (its content distance is 0).
        style: the style image's own scores, or None.
        name: how to call the stylized image in the sentences.
    """
    rs, cs = result["style_distance"], content["style_distance"]
    if rs < cs:
        out = [
            (
                f"{name} has style distance {rs:.3f} to the painting, against {cs:.3f} for the photo it started from: "
                f"its Gram statistics are {1 - rs / cs:.0%} closer to the painting's."
            )
        ]
    else:
        out = [f"{name} did not move towards the painting: style distance {rs:.3f}, against {cs:.3f} for the photo."]
    rc = result["content_distance"]
    if style is not None:
        sc = style["content_distance"]
        kept = "kept most of" if rc < 0.5 * sc else ("kept some of" if rc < sc else "lost")
        out.append(
            f"Its content distance is {rc:.3f} (0 is the photo itself, {sc:.3f} the painting): it {kept} the "
            "photo's layout at block4_conv2."
        )
    else:
        out.append(f"Its content distance is {rc:.3f} (0 is the photo itself).")
    rw, cw = result["swd"], content["swd"]
    agree = (rw < cw) == (rs < cs)
    out.append(
        f"The sliced Wasserstein distance, which no Gram matrix can game, went from {cw:.3f} (photo) to {rw:.3f}: "
        + (
            "it agrees with the Gram distance."
            if agree
            else "it disagrees with the Gram distance, so the style match is only skin-deep."
        )
    )
    return out


def optimizer_race(runs: Mapping[str, Sequence]) -> list[str]:
    """Compares optimization runs on the same budget by their last records (`nst.records.StepRecord`).

    Args:
        runs: `{name: history}`; every history is the records of one `nst.stylize` run, same
            inputs and iterations, only the optimizer differing.
    """
    finals = {name: history[-1] for name, history in runs.items() if history}
    if len(finals) < 2:
        return ["Fewer than two runs finished, so there is nothing to compare."]
    ranked = sorted(finals.items(), key=lambda item: item[1].total)
    (best, b), (second, s) = ranked[0], ranked[1]
    out = [
        (
            f"After {b.step} iterations each, {best} reached a total loss of {b.total:.4g} in {b.seconds:.1f} s and "
            f"{second} {s.total:.4g} in {s.seconds:.1f} s: {best}'s loss is {s.total / max(b.total, 1e-12):.1f} times lower."
        )
    ]
    if b.seconds > 1.2 * s.seconds:
        out.append(
            f"{best} took {b.seconds / max(s.seconds, 1e-9):.1f} times as long for those iterations (its line "
            "search evaluates the loss more than once per iteration), so compare the curves against seconds too."
        )
    return out


def coarse_to_fine(single: Sequence, multi: Sequence) -> list[str]:
    """Compares a one-scale run with a coarse-to-fine run (histories of `nst.stylize`), same final size."""
    a, b = single[-1], multi[-1]
    lower = "coarse to fine" if b.total < a.total else "one scale"
    faster = "coarse to fine" if b.seconds < a.seconds else "one scale"
    return [
        f"At the final size, one scale reached total loss {a.total:.4g} in {a.seconds:.1f} s ({a.step} iterations); "
        f"coarse to fine {b.total:.4g} in {b.seconds:.1f} s ({b.step} iterations over {b.num_scales} scales). "
        + (
            f"{lower.capitalize()} reached the lower loss in less time."
            if lower == faster
            else f"{lower.capitalize()} reached the lower loss, {faster} took less time."
        )
    ]


def reconstruction_distances(distances: Mapping[str, float]) -> list[str]:
    """Reads how far images reconstructed from each layer's features are from the photo, in pixels.

    Args:
        distances: `{layer: root mean square pixel difference to the photo}`, shallowest layer first.
    """
    layers = list(distances)
    values = [distances[k] for k in layers]
    listing = ", ".join(f"{k} {v:.1f}" for k, v in distances.items())
    if all(b > a for a, b in itertools.pairwise(values)):
        verdict = (
            "the deeper the layer, the further its reconstruction's pixels are from the photo: deeper layers "
            "constrain the exact pixels less."
        )
    else:
        verdict = (
            "the distance does not grow steadily with depth here, so this budget does not show the pattern "
            "Gatys et al. report (raise the iterations)."
        )
    return [f"Root mean square pixel difference to the photo (0..255): {listing}; {verdict}"]


def loss_table(terms: Mapping[str, Mapping[str, float]]) -> list[str]:
    """Reads the weighted loss terms of a few candidate images (`{image: {"content", "style", "tv"}}`)."""
    lowest = {term: min(terms, key=lambda name: terms[name][term]) for term in ("content", "style")}
    roughest = max(terms, key=lambda name: terms[name]["tv"])
    return [
        f"Lowest content loss: {lowest['content']}; lowest style loss: {lowest['style']}; roughest (largest "
        f"tv): {roughest}. "
        + (
            "No candidate is best at both content and style: that is the image the optimization looks for."
            if lowest["content"] != lowest["style"]
            else f"{lowest['content']} is best at both already, so there is little left to optimize."
        )
    ]


def colour_shift(shifts: Mapping[str, float]) -> list[str]:
    """Reads how far each result's colours moved from the content's (mean |chroma| difference, YIQ units).

    Args:
        shifts: `{method: mean absolute I/Q difference to the content photo}`.
    """
    ranked = sorted(shifts.items(), key=lambda item: item[1])
    listing = ", ".join(f"{name} {value:.1f}" for name, value in ranked)
    return [
        (
            f"Mean chroma change from the photo (YIQ units, lower keeps its colours better): {listing}. "
            f"{ranked[0][0]} kept the photo's colours best, {ranked[-1][0]} changed them most."
        )
    ]


def costs(gan_summary: Mapping, nst_seconds: float, nst_pixels: int) -> list[str]:
    """Compares what a new image costs (`gan.train`'s summary.json; a style transfer's optimization seconds).

    Args:
        gan_summary: with `seconds_per_image`, `seconds` (training), `training_images` (`common.runformat.GanSummary`).
        nst_seconds: the optimization seconds of one stylized image.
        nst_pixels: its number of pixels (height times width).
    """
    per_image = gan_summary["seconds_per_image"]
    train = gan_summary["seconds"]
    ratio = nst_seconds / max(per_image, 1e-12)
    out = [
        (
            f"A new GAN image costs {_time(per_image)} (one forward pass); a new stylized image {_time(nst_seconds)} of "
            f"optimization, {ratio:,.0f} times more."
        )
    ]
    out.append(
        f"The GAN paid {_time(train)} of training on {gan_summary['training_images']:,} images first, the "
        f"cost of about {train / max(nst_seconds, 1e-9):.1f} stylized images; after that every sample is almost "
        f"free, while every stylized image optimizes its {nst_pixels * 3:,} pixel values from scratch."
    )
    return out


def pretrained_matters(pretrained: Mapping, random: Mapping) -> list[str]:
    """Compares stylized images made with the ImageNet VGG19 and with a random-weight VGG19, both scored
    by the ImageNet VGG19 (`compare.nst_metrics`)."""
    p, r = pretrained["style_distance"], random["style_distance"]
    if p < r:
        amount = "much less" if p < 0.7 * r else "somewhat less"
        return [
            (
                f"With ImageNet weights the result's style distance is {p:.3f}; with random weights {r:.3f}. The "
                f"pretrained features carry the style; random ones, though the same losses were minimized, "
                f"transfer {amount} of it."
            )
        ]
    return [
        (
            f"Here the random-weight VGG19 matched the style as well ({r:.3f} against {p:.3f} with ImageNet weights): "
            "at this budget the pretrained features made no measurable difference."
        )
    ]


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"
