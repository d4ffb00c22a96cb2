"""The closing section, "What the numbers say", and the note on the demo's quick runs."""

from __future__ import annotations

from collections.abc import Mapping

from compare.document import Block, Heading, Paragraph
from compare.explain.base import TRAIN_LONGER, fill, placeholders
from compare.explain.gan import GAN_SUMMARY

FILMSTRIP_CONTRAST = {
    "learned": "The filmstrips show the difference: the GAN's grid from *fixed* latent vectors turns into clothing "
    "across epochs because the *network* changes; the style transfer frames change because the *image* "
    "does.",
    "other": "The filmstrips show the difference: the GAN's grid from *fixed* latent vectors changes across epochs "
    "because the *network* changes (here it has not reached clothing yet); the style transfer frames change "
    "because the *image* does.",
}

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Learning a distribution versus optimizing one image",
        (
            "{gan_summary}",
            "Style transfer **optimized one image**. Nothing was learned that outlives the run: the {nst_pixels} pixel "
            "values of this one picture were the only thing that changed, over {nst_iterations} iterations in "
            "{nst_time}. The next picture starts from scratch and costs the same again. Per new image that is about "
            "{time_ratio} the GAN's cost, but it needed {nst_data} instead of a data set.",
            "{filmstrip_contrast}",
        ),
    ),
    (
        "Why style transfer needs no training set, but a pretrained network",
        (
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
        ),
    ),
    (
        "Why VGG inputs are not normalized to [0, 1]",
        (
            "VGG19 was trained (in Caffe) on BGR images in [0, 255] with the ImageNet mean pixel subtracted and no "
            "further scaling. Its first filters and every bias after them were fitted to that range. "
            "`keras.applications.vgg19.preprocess_input` reproduces it exactly; feeding [0, 1] images instead divides "
            "every first-layer response by 255 while the biases stay put, so different ReLUs fire, the features stop "
            "meaning what they meant in training, and Gram matrices shrink by about 255^2, upsetting the balance of the "
            "loss weights. The networks this suite trains itself (the GAN and the evaluator) choose their own "
            "convention, [0, 1] or [-1, 1], because they learn their weights for it.",
        ),
    ),
    (
        "How GANs and style transfer are related",
        (
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
        ),
    ),
    (
        "Reading this run's GAN numbers",
        (
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
        ),
    ),
)
"""(title, paragraphs) pairs; placeholders are filled by `explanation`."""


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


def demo_note(gan_epochs: str, gan_images: str, gan_config: str, nst_size: int, gan_status: str | None) -> str:
    """The note on the quick runs the report made itself (`gan_config`: the GAN config they used)."""
    state = {"learned": "has learned to draw clothing", "not_learned": "has not learned the distribution yet",
             "partly_learned": "has partly learned the distribution",
        "collapsed": "collapsed onto a few kinds of clothing", "degenerate": "does not draw clothing yet",
             None: "was not measured"}[gan_status]  # fmt: skip
    return (f"**Demo runs.** No runs were given, so this report made two short ones itself: the GAN trained "
            f"{gan_epochs} on {gan_images} images with `{gan_config}` and {state}; style transfer ran at "
            f"{nst_size} px. For a fuller picture, {TRAIN_LONGER}, run `python -m nst.transfer`, and pass both runs "
            "with `--gan RUN --nst RUN`.")  # fmt: skip
