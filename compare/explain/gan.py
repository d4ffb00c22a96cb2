"""The GAN's words: captions, readings and quality notes, picked by `compare.assess`'s verdict."""

from __future__ import annotations

from collections.abc import Mapping

from compare.explain.base import EVALUATOR_NAME, TRAIN_LONGER, fill

GAN_SUMMARY = {
    "learned": "The GAN **learned a distribution**. Its generator saw {gan_images_seen} training images "
    "({gan_training_images} distinct ones, {gan_epochs}) in {gan_train_time} and turned that experience "
    "into {gan_generator_params} weights. Any point of its {gan_latent_dim}-dimensional latent space now "
    "maps to a new piece of clothing in one forward pass: {gan_time_per_image} per image. It cannot make "
    "anything it was not shown, and it does not know which training image a sample resembles.",
    "not_learned": "The GAN **has not learned the distribution yet** ({gan_reason}). Its generator saw "
    "{gan_images_seen} training images ({gan_training_images} distinct ones, {gan_epochs}) in "
    "{gan_train_time}; its {gan_generator_params} weights already make an image in {gan_time_per_image}, "
    "but not yet clothing a classifier recognizes as well as real photos. What a GAN learns appears "
    "over thousands of generator steps: " + TRAIN_LONGER + ".",
    "partly_learned": "The GAN **has partly learned the distribution** ({gan_reason}). Its generator saw "
    "{gan_images_seen} training images ({gan_training_images} distinct ones, {gan_epochs}) in {gan_train_time}; its "
    "{gan_generator_params} weights make recognizable clothing in {gan_time_per_image} per image, but by the "
    "measure in brackets it has not covered the whole distribution yet: " + TRAIN_LONGER + ".",
    "collapsed": "The GAN **collapsed onto a few kinds of clothing** ({gan_reason}): its samples pile into "
    "{gan_top_class} ({gan_top_fraction} of them). It learned part of the distribution, not all of "
    "it; a longer run, a lower learning rate or the generator's EMA (the default config) usually "
    "spreads it out again.",
    "degenerate": "The GAN **does not produce images of clothing yet** ({gan_reason}): its samples fail the "
    "pixel checks that every real garment passes, whatever a metric built for clothing makes of them. Nothing about a distribution "
    "can be read from them: " + TRAIN_LONGER + ".",
}
"""The first paragraph about the GAN, by assessment status."""

SAMPLES_CAPTION = {
    "learned": "GAN: 64 new images drawn from random latent vectors after {gan_epochs}; each took "
    "{gan_time_per_image} to make.",
    "not_learned": "GAN: 64 images from random latent vectors after {gan_epochs}. The generator has not learned the "
    "distribution yet ({gan_reason}); see the quality table.",
    "partly_learned": "GAN: 64 images from random latent vectors after {gan_epochs}. The generator has partly learned "
    "the distribution ({gan_reason}).",
    "collapsed": "GAN: 64 images from random latent vectors after {gan_epochs}: mostly {gan_top_class} "
    "({gan_top_fraction}), a sign of mode collapse.",
    "degenerate": "GAN: 64 images from random latent vectors after {gan_epochs}. They are not clothing yet "
    "({gan_reason}).",
}

FILMSTRIP_CHANGE = {
    "learned": "The images change because the generator's weights change: the classifier puts the tiles in "
    "{grid_first_classes} classes at epoch {grid_first_epoch} and spreads the clothing over "
    "{grid_last_classes} classes at epoch {grid_last_epoch}.",
    "not_learned": "The images change because the generator's weights change, but by epoch {grid_last_epoch} they are "
    "not clothing yet: the classifier puts the last grid's tiles in {grid_last_classes} classes, "
    "{grid_last_top_fraction} of them in {grid_last_top}.",
    "partly_learned": "The images change because the generator's weights change: the classifier puts the tiles in "
    "{grid_first_classes} classes at epoch {grid_first_epoch} and {grid_last_classes} at epoch {grid_last_epoch}, "
    "on the way to the whole distribution but not there yet.",
    "collapsed": "The images change because the generator's weights change; by epoch {grid_last_epoch} they "
    "crowd into few kinds ({grid_last_top_fraction} of the last grid's tiles are {grid_last_top}).",
    "degenerate": "The generator's weights changed across epochs, but the last grid (epoch {grid_last_epoch}) is "
    "still no clothing: {grid_last_top_fraction} of its tiles land in one class, {grid_last_top}.",
}

INTERPOLATION_CAPTION = {
    "learned": "Each row walks on a great circle between two random latent vectors. Smooth morphs from one piece "
    "of clothing to another mean the generator has learned a continuous map from latent space to "
    "clothing rather than memorized single images.",
    "not_learned": "Each row walks on a great circle between two random latent vectors. The generator has not learned "
    "the distribution yet, so the rows show how it maps latent space now, not morphs between clothes; "
    "a trained generator turns one garment smoothly into another here.",
    "partly_learned": "Each row walks on a great circle between two random latent vectors. The generator has partly "
    "learned the distribution: where the rows morph from one garment into another, that part of latent space "
    "already maps continuously to clothing; rows that stay blurred are where it has not.",
    "collapsed": "Each row walks on a great circle between two random latent vectors. A collapsed generator maps "
    "most of latent space to the same few outputs, so rows change little along the way.",
    "degenerate": "Each row walks on a great circle between two random latent vectors. The generator does not make "
    "clothing yet, so there is nothing to morph; a trained generator turns one garment smoothly into "
    "another here.",
}

DISCRIMINATOR_AXIS = "mean P(fake)\n(1 = sure it is generated)"
GAN_LOSS_CAPTION = ("GAN losses and discriminator outputs per epoch. In this code the discriminator outputs "
                    "**P(fake)**, the probability that an image is generated (labels: generated 1, real 0; "
                    "`gan/gan.py`), so the curve *on generated images* sits above the one *on real images* while "
                    "the discriminator can tell them apart.")  # fmt: skip
GAN_LOSS_READING = (
    "**Reading the GAN curves.** The discriminator loss measures how well D tells real from generated images; the "
    "generator loss how well G fools D. They are two players' scores in one game, so neither has to fall: a healthy "
    "run has both roughly level, with D's P(fake) on generated images above its P(fake) on real ones but neither "
    "stuck at 0 or 1. D's loss falling towards 0 while G's climbs means D has won and G gets no useful gradient; "
    "sudden swings are the game oscillating. The loss says little about image quality; that is what the metrics "
    "below are for.")  # fmt: skip


def gan_samples_caption(status: str, facts: Mapping[str, str]) -> str:
    """The caption of the 64 samples, by assessment status."""
    return fill(SAMPLES_CAPTION[status], facts)


def grid_facts(first_last: dict) -> dict[str, str]:
    """Facts about the first and last epoch's sample grids, from the evaluator's histogram of their tiles."""
    facts = {}
    for which in ("first", "last"):
        hist = first_last[which]
        counts = hist["counts"]
        top = max(range(len(counts)), key=counts.__getitem__)
        facts.update({
            f"grid_{which}_epoch": str(first_last[f"{which}_epoch"]),
            f"grid_{which}_classes": str(sum(1 for c in counts if c)),
            f"grid_{which}_top": hist["classes"][top],
            f"grid_{which}_top_fraction": f"{counts[top] / max(1, sum(counts)):.0%}",
            f"grid_{which}_entropy": f"{hist['entropy']:.2f}",
        })  # fmt: skip
    return facts


def gan_filmstrip_caption(status: str, facts: Mapping[str, str]) -> str:
    """The caption of the fixed-noise grids across epochs."""
    return "GAN: the sample grid from *fixed* latent vectors across training. " + fill(FILMSTRIP_CHANGE[status], facts)


def interpolation_caption(status: str) -> str:
    """The caption of the latent interpolation, by assessment status."""
    return INTERPOLATION_CAPTION[status]


def class_histogram_caption(facts: Mapping[str, str]) -> str:
    """The caption of the class histogram of all N samples."""
    return fill("Predicted classes of the generated and real images ({evaluator}'s arg-max). Generated: entropy "
                "{gan_entropy} of at most {gan_max_entropy} nats, most often {gan_top_class} ({gan_top_fraction}); "
                "real images: {gan_entropy_floor} nats. A collapsed GAN piles its samples into few bars.",
                {**facts, "evaluator": EVALUATOR_NAME})  # fmt: skip


def first_last_caption(status: str, facts: Mapping[str, str]) -> str:
    """The caption of the first/last epoch grids with their class histograms."""
    text = ("The same 64 latent vectors after epoch {grid_first_epoch} and after epoch {grid_last_epoch}, each tile "
            "classified by {evaluator}: what the generator learned to cover. Classes seen: {grid_first_classes} at "
            "first (entropy {grid_first_entropy} nats), {grid_last_classes} at the end ({grid_last_entropy} nats; "
            "at most ln 10 = 2.30). ")  # fmt: skip
    verdict = {
        "learned": "A spread over most classes is what a generator of the whole distribution shows.",
        "not_learned": "The generator has not learned the distribution yet; the classes of unfinished images say little.",
        "partly_learned": "More classes at the end than at first is the generator learning to cover the data; it has "
        "not covered all of it yet.",
        "collapsed": "Few classes at the end is mode collapse: the generator covers only part of the data.",
        "degenerate": "The images are not clothing, so these classes are the classifier's guesses on noise.",
    }[status]
    return fill(text, {**facts, "evaluator": EVALUATOR_NAME}) + verdict


REPORT_FORMATS = {
    "fid": "{:.2f}",
    "kid": "{:.2f}",
    "precision": "{:.3f}",
    "recall": "{:.3f}",
    "classifier_score": "{:.2f}",
    "class_entropy": "{:.2f} nats",
    "mean_intensity": "{:.1f}",  # the plausibility rows: no network
    "pixel_std": "{:.1f}",
    "near_constant_fraction": "{:.0%}",
}
"""How the report's GAN quality table writes each metric (`compare.metric_table.table_rows`)."""


def gan_metric_rows(metrics: dict, assessment) -> list[list[str]]:
    """The GAN quality table: metric, generated, real data, which direction is better, unit, what it measures.

    The rows and the reading of each metric come from `compare.metric_table` (the terminal table of
    `python -m compare.metrics` uses the same rows); precision is marked when the assessment finds it
    meaningless (recall near 0).
    """
    from compare.metric_table import inception_row, table_rows

    caveat = "" if assessment.precision_meaningful else " — **not meaningful here: recall is near 0**"
    rows = table_rows(metrics, REPORT_FORMATS) + [inception_row(metrics, "{:.2f}")]
    return [[r.info.label, r.generated, r.real, r.info.better, r.info.unit,
             r.info.meaning + (caveat if r.key == "precision" else "")] for r in rows]  # fmt: skip


def gan_quality_notes(metrics: dict, assessment) -> list[str]:
    """The paragraphs under the GAN quality table: the verdict, the classifier score and every caveat."""
    gen, real = metrics["generated"], metrics["real_floor"]
    title = {"learned": "learned", "not_learned": "not learned yet", "partly_learned": "partly learned",
        "collapsed": "mode collapse",
             "degenerate": "degenerate"}[assessment.verdict]  # fmt: skip
    notes = [f"**Verdict: {title}.** {assessment.summary}" + (f" {assessment.advice}" if assessment.advice else "")]
    cs, cs_real = gen["classifier_score"]["mean"], real["classifier_score"]["mean"]
    n_classes = len(gen["class_histogram"]["counts"])
    notes.append(
        f"**Classifier score {cs:.2f}** (real data {cs_real:.2f}, at most {n_classes}): the score is high when the "
        "classifier is sure what each image shows *and* the images spread over all classes. "
        + ("It is close to 1, so the classifier sees neither: the samples look alike to it, or like no garment."
           if cs < 1.5 else f"This run reaches {cs / cs_real:.0%} of what real images score."))  # fmt: skip
    notes += [f"**Caveat.** {c}" for c in assessment.caveats]
    return notes
