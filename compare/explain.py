"""The report's words: every caption, reading and explanation, chosen from the run's numbers.

Kept apart from the report's plumbing so that teachers can edit the wording. A sentence that
interprets a result is never fixed text: it is picked by the GAN's assessment (`compare.assess`:
learned, not yet, collapsed, degenerate) or computed from the numbers (how many times the style
loss fell, whether recall is near 0), so a caption cannot contradict its picture. Texts are in the
Markdown subset of `compare.document`, with `{placeholders}` filled from a dict of facts; an
explanation paragraph whose facts are missing (no GAN run, say) is left out.
"""

from __future__ import annotations

import math
import string
from typing import Mapping

from compare.document import Block, Heading, Paragraph
from compare.evaluator import DESCRIPTION as EVALUATOR_NAME  # "the Fashion-MNIST classifier used to score the GAN"


INTRO = ("A DCGAN *learns a distribution* from tens of thousands of images and then makes new ones instantly; "
         "neural style transfer needs no data set but *optimizes every single image* against a pretrained network. "
         "This report measures both runs below with the same care and shows them side by side.")  # fmt: skip
TRAIN_LONGER = ("train longer: `python -m gan.train` (the default config, 10 epochs on all 60,000 images) and pass "
                "the run with `--gan RUN`")  # fmt: skip

# --- the GAN -------------------------------------------------------------------------------------

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


def fill(template: str, facts: Mapping[str, str]) -> str:
    """`template` with its placeholders filled; a missing fact reads "?" rather than failing the report."""
    return template.format_map({name: facts.get(name, "?") for name in placeholders(template)})


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
        "collapsed": "Few classes at the end is mode collapse: the generator covers only part of the data.",
        "degenerate": "The images are not clothing, so these classes are the classifier's guesses on noise.",
    }[status]
    return fill(text, {**facts, "evaluator": EVALUATOR_NAME}) + verdict


def gan_metric_rows(metrics: dict, assessment) -> list[list[str]]:
    """The GAN quality table: metric, generated, real data, which direction is better, unit, what it measures.

    The reading of each metric is `compare.gan_metrics.METRICS`'s; precision is marked when the
    assessment finds it meaningless (recall near 0).
    """
    from compare.gan_metrics import METRICS

    gen, real = metrics["generated"], metrics["real_floor"]

    def row(key, value, fmt, note=""):
        info = METRICS[key]
        return [info.label, fmt(value(gen)), fmt(value(real)), info.better, info.unit, f"{info.meaning}{note}"]

    def pm(d):
        return f"{d['mean']:.2f} ± {d['std']:.2f}"

    caveat = "" if assessment.precision_meaningful else " — **not meaningful here: recall is near 0**"
    rows = [
        row("fid", lambda m: m["fid"], "{:.2f}".format),
        row("kid", lambda m: {"mean": 1000 * m["kid"]["mean"], "std": 1000 * m["kid"]["std"]}, pm),
        row("precision", lambda m: m["precision"], "{:.3f}".format, caveat),
        row("recall", lambda m: m["recall"], "{:.3f}".format),
        row("classifier_score", lambda m: m["classifier_score"], pm),
        row("class_entropy", lambda m: m["class_histogram"]["entropy"], "{:.2f} nats".format),
    ]
    for key in ("mean_intensity", "pixel_std", "near_constant_fraction"):  # the plausibility rows: no network
        if key in gen.get("pixels", {}) and key in real.get("pixels", {}):
            rows.append(row(key, lambda m, key=key: m["pixels"][key], "{:.1f}".format if key != "near_constant_fraction"
                            else "{:.0%}".format))  # fmt: skip
    inc = metrics.get("inception_fid", {})
    if inc.get("status") == "measured":
        rows.append(["Inception FID", f"{inc['fid']:.2f}", "-", "lower", METRICS["fid"].unit,
                     f"FID with ImageNet's Inception-v3 at 299 px ({inc['n_generated']} vs {inc['n_reference']} images)"])
    else:
        rows.append(["Inception FID", "skipped", "-", "lower", "-", inc.get("reason", "not measured")])
    return rows


def gan_quality_notes(metrics: dict, assessment) -> list[str]:
    """The paragraphs under the GAN quality table: the verdict, the classifier score and every caveat."""
    gen, real = metrics["generated"], metrics["real_floor"]
    title = {"learned": "learned", "not_learned": "not learned yet", "collapsed": "mode collapse",
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


# --- style transfer ------------------------------------------------------------------------------

NST_FILMSTRIP_CAPTION = ("Style transfer: the image itself across iterations and coarse-to-fine scales (counted from "
                         "1, coarsest first). Nothing else changes: VGG19's weights stay fixed.")  # fmt: skip
NST_LOSS_CAPTION = ("Style transfer: weighted loss terms per iteration (log scale); dashed lines mark the start of the "
                    "next, finer scale, named as in the filmstrip and `losses.csv`.")  # fmt: skip
SWEEPS_OPT_IN = ("Two more style transfer figures are opt-in because each costs a few style transfer runs: "
                 "`--content-layer-sweep` (content matched at `block3_conv2`, `block4_conv2` or `block5_conv2`) and "
                 "`--style-weight-sweep` (style weight x0.1, x1, x10).")  # fmt: skip
SWEEP_CAPTIONS = {
    "content_layer": "The layer at which content is matched. Shallow `block3_conv2` keeps edges and fine detail of "
                     "the photo; `block4_conv2` (Gatys et al.) keeps objects and layout; deep `block5_conv2` keeps "
                     "only the rough arrangement and lets the style repaint everything else.",
    "style_weight": "The style weight against the content weight. Low: a lightly tinted photo. High: the painting's "
                    "textures take over and the buildings dissolve. The default sits between.",
}  # fmt: skip


def nst_loss_reading(scales: list[dict]) -> str:
    """The reading of the style transfer curves, with this run's own values at each scale.

    Args:
        scales: per scale, `{"name", "style_first", "style_last", "total_first", "total_last", "iterations"}`
            (see `compare.nst_section.curve_facts`).
    """
    from compare.assess import describe_change

    text = ("**Reading the style transfer curves.** *content* is the squared difference of `block4_conv2` features "
            "from the content photo's, *style* the difference of Gram matrices (feature correlations) from the "
            "painting's over five layers, *tv* a smoothness penalty, *total* their weighted sum, the one number the "
            "optimizer lowers. The judge (VGG19) is fixed, so within a scale nothing but the image moves the total. ")  # fmt: skip
    if scales:
        style = "; ".join(f"at {s['name']} the style term {describe_change(s['style_first'], s['style_last'])} (from "
                          f"{s['style_first']:.3g} to {s['style_last']:.3g} in {s['iterations']} iterations)"
                          for s in scales)  # fmt: skip
        fell = [s for s in scales if s["total_last"] < s["total_first"]]
        total = ("the total fell within every scale" if len(fell) == len(scales) else
                 f"the total fell within {len(fell)} of {len(scales)} scales (too few iterations, or a step size "
                 "that overshoots)")  # fmt: skip
        text += f"In this run {style}; {total}. "
    return text + ("Jumps at a scale change come from upsampling the image and recomputing the targets at the "
                   "larger size.")


def nst_metric_rows(scores: dict) -> list[list[str]]:
    """The style transfer quality table: measure, result, content photo, painting, better, unit, meaning.

    The reading of each measure is `compare.nst_metrics.NST_METRICS`'s.
    """
    from compare.nst_metrics import NST_METRICS

    r, c, s = scores["result"], scores["content_image"], scores["style_image"]
    rows = []
    for key in ("style_distance", "content_distance", "swd"):
        info = NST_METRICS[key]
        rows.append([info.label, f"{r[key]:.3f}", f"{c[key]:.3f}", f"{s[key]:.3f}", info.better, info.unit, info.meaning])
    return rows


def nst_result_caption(facts: Mapping[str, str]) -> str:
    """The caption of the style transfer result in the side-by-side row."""
    return fill("Style transfer: one image, optimized for {nst_iterations} iterations in {nst_time}. Its style "
                "distance from the painting is {nst_style_result} (the photo itself: {nst_style_content}).", facts)


def start_final_caption(nst_assessment, start_label: str) -> str:
    """The caption of the start/result figure with the per-layer Gram distances."""
    a = nst_assessment
    layers = dict(a.layers)
    from compare.assess import WELL_MATCHED

    well = (f"Matched well (below {WELL_MATCHED:g}): " + ", ".join(f"`{k}`" for k in a.well_matched) + "."
            if a.well_matched else f"No layer came below {WELL_MATCHED:g}, the mark of a close match.")  # fmt: skip
    return (f"Left, the image the optimizer started from ({start_label}); right, where it ended. The style "
            f"distance {a.style_change} (from {a.style_start:.3g} to {a.style_result:.3g}). Below, the result's Gram "
            f"distance at each style layer: `{a.best_layer}` was matched best ({layers[a.best_layer]:.3g}) and "
            f"`{a.worst_layer}` worst ({layers[a.worst_layer]:.3g}). {well} Shallow layers hold colours and fine "
            "strokes, deep ones larger motifs.")


def swd_verdict(scores: dict) -> str:
    """Whether the Gram distance and SWD moved the same way from the content image to the result."""
    gram = scores["result"]["style_distance"] - scores["content_image"]["style_distance"]
    swd = scores["result"]["swd"] - scores["content_image"]["swd"]
    if gram < 0 and swd < 0:
        return "both style measures agree that the result moved towards the painting"
    if gram > 0 and swd > 0:
        return ("both style measures agree that the result did not move towards the painting (too few iterations, "
                "or random weights)")
    return "the two style measures disagree, a sign that one statistic was matched without the other"


# --- the closing explanation ---------------------------------------------------------------------

FILMSTRIP_CONTRAST = {
    "learned": "The filmstrips show the difference: the GAN's grid from *fixed* latent vectors turns into clothing "
               "across epochs because the *network* changes; the style transfer frames change because the *image* "
               "does.",
    "other": "The filmstrips show the difference: the GAN's grid from *fixed* latent vectors changes across epochs "
             "because the *network* changes (here it has not reached clothing yet); the style transfer frames change "
             "because the *image* does.",
}

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Learning a distribution versus optimizing one image", (
        "{gan_summary}",
        "Style transfer **optimized one image**. Nothing was learned that outlives the run: the {nst_pixels} pixel "
        "values of this one picture were the only thing that changed, over {nst_iterations} iterations in "
        "{nst_time}. The next picture starts from scratch and costs the same again. Per new image that is about "
        "{time_ratio} the GAN's cost, but it needed {nst_data} instead of a data set.",
        "{filmstrip_contrast}",
    )),
    ("Why style transfer needs no training set, but a pretrained network", (
        "Style transfer needs a way to say *what an image shows* (content) and *how it is painted* (style). Gatys et "
        "al. (2015) borrowed both from VGG19, a classifier trained once on the 1.28 million labelled photos of "
        "ImageNet: deep-layer activations (`{content_layer}`) describe objects and layout, and the correlations "
        "between the channels of each layer (Gram matrices over `block1_conv1` ... `block5_conv1`) describe textures "
        "and strokes regardless of where they are. The {vgg_params} VGG19 weights are the training set in disguise: "
        "with random weights the same losses still run (the tests do this) but transfer no recognizable style.",
        "In this run the style distance {nst_style_change} from the photo ({nst_style_content}) to the result "
        "({nst_style_result}), while its content distance "
        "rose from 0 to {nst_content_result} (the painting itself scores {nst_content_style}). The sliced Wasserstein "
        "distance, which compares whole feature distributions rather than Gram matrices, moved from "
        "{nst_swd_content} to {nst_swd_result}: {nst_swd_verdict}.",
    )),
    ("Why VGG inputs are not normalized to [0, 1]", (
        "VGG19 was trained (in Caffe) on BGR images in [0, 255] with the ImageNet mean pixel subtracted and no "
        "further scaling. Its first filters and every bias after them were fitted to that range. "
        "`keras.applications.vgg19.preprocess_input` reproduces it exactly; feeding [0, 1] images instead divides "
        "every first-layer response by 255 while the biases stay put, so different ReLUs fire, the features stop "
        "meaning what they meant in training, and Gram matrices shrink by about 255^2, upsetting the balance of the "
        "loss weights. The networks this suite trains itself (the GAN and the evaluator) choose their own "
        "convention, [0, 1] or [-1, 1], because they learn their weights for it.",
    )),
    ("How GANs and style transfer are related", (
        "Both make images by satisfying a convolutional network that judges them. In the GAN the judge (the "
        "discriminator, {gan_discriminator_params} weights) is *learned* at the same time as the generator, in a "
        "two-player game, which is why its loss curves oscillate instead of falling. In style transfer the judge is "
        "*fixed* (VGG19) and its verdict is a hand-made statistic, so the loss falls steadily.",
        "The statistics are close relatives: matching Gram matrices is the same as minimizing a maximum mean "
        "discrepancy (MMD) between the feature distributions with a quadratic polynomial kernel (Li et al. 2017, "
        "*Demystifying Neural Style Transfer*), and KID, used above to grade the GAN, is an MMD with a cubic "
        "polynomial kernel; FID compares feature means and covariances, the same second-order statistics. "
        "Feed-forward style transfer networks (Johnson et al. 2016) and image-to-image GANs (pix2pix, CycleGAN) "
        "bridge the two: they *train* a generator once so that each new stylized image costs one forward pass.",
    )),
    ("Reading this run's GAN numbers", (
        "FID {gan_fid} against {gan_fid_floor} for real data: that is what {gan_n} *real* training images score "
        "against the test set with the same classifier and the same N, so only the gap above it is the generator's "
        "fault. KID tells the same story without FID's small-sample bias.",
        "Precision {gan_precision} and recall {gan_recall} (real data: {gan_precision_floor} and "
        "{gan_recall_floor}) split that gap: precision is the share of samples that land among real images "
        "(realism), recall the share of real images near some sample (variety); both are higher-is-better, and "
        "precision means little when recall is near 0. The class histogram's entropy of {gan_entropy} nats out of "
        "at most {gan_max_entropy} (real data: {gan_entropy_floor}) shows whether the generator covers all ten kinds "
        "of clothing or has collapsed onto a few; its most frequent class here is {gan_top_class} "
        "({gan_top_fraction} of the samples).",
    )),
)
"""(title, paragraphs) pairs; placeholders are filled by `explanation`."""


def placeholders(text: str) -> set[str]:
    """The `{names}` a template text needs."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def explanation(facts: Mapping[str, str], gan_status: str | None = None) -> list[Block]:
    """The explanation section: every paragraph whose placeholders `facts` can fill.

    Args:
        facts: placeholder name -> text (numbers already formatted, with units).
        gan_status: the GAN's assessment status (None without a GAN run); it picks the GAN's sentences.

    Returns:
        Blocks: a level-3 heading per topic that has at least one paragraph, and its paragraphs.
    """
    facts = dict(facts)
    if gan_status is not None:
        facts["gan_summary"] = fill(GAN_SUMMARY[gan_status], facts)
        facts["filmstrip_contrast"] = FILMSTRIP_CONTRAST["learned" if gan_status == "learned" else "other"]
    blocks: list[Block] = []
    for title, paragraphs in SECTIONS:
        kept = [p.format(**facts) for p in paragraphs if placeholders(p) <= set(facts)]
        if kept:
            blocks.append(Heading(title, level=3))
            blocks += [Paragraph(p) for p in kept]
    return blocks


def demo_note(gan_epochs: str, gan_images: str, nst_size: int, gan_status: str | None) -> str:
    """The note on the quick runs the report made itself."""
    state = {"learned": "has learned to draw clothing", "not_learned": "has not learned the distribution yet",
             "collapsed": "collapsed onto a few kinds of clothing", "degenerate": "does not draw clothing yet",
             None: "was not measured"}[gan_status]  # fmt: skip
    return (f"**Demo runs.** No runs were given, so this report made two short ones itself: the GAN trained "
            f"{gan_epochs} on {gan_images} images with the demo config and {state}; style transfer ran at "
            f"{nst_size} px. For a fuller picture, {TRAIN_LONGER}, run `python -m nst.transfer`, and pass both runs "
            "with `--gan RUN --nst RUN`.")  # fmt: skip
