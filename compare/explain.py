"""The report's explanations: short texts that teach, filled in with this run's numbers.

Kept apart from the report's plumbing so that teachers can edit the wording. Each text is a
Markdown-subset paragraph (see `compare.document`) with `{placeholders}` that `explanation` fills
from a dict of facts; a paragraph whose facts are missing (no GAN run, say) is left out.
"""

from __future__ import annotations

import string
from typing import Mapping

from compare.document import Block, Heading, Paragraph

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Learning a distribution versus optimizing one image",
        (
            "The GAN **learned a distribution**. Its generator saw {gan_images_seen} training images "
            "({gan_training_images} distinct ones, {gan_epochs}) in {gan_train_time} and turned that "
            "experience into {gan_generator_params} weights. Any point of its {gan_latent_dim}-dimensional latent "
            "space now maps to a new piece of clothing in one forward pass: {gan_time_per_image} per image. "
            "It cannot make anything it was not shown, and it does not know which training image a sample resembles.",
            "Style transfer **optimized one image**. Nothing was learned that outlives the run: the "
            "{nst_pixels} pixel values of this one picture were the only thing that changed, over {nst_iterations} "
            "iterations in {nst_time}. The next picture starts from scratch and costs the same again. "
            "Per new image that is about {time_ratio} the GAN's cost, but it needed {nst_data} instead of a data set.",
            "The filmstrips show the difference: the GAN's grid from *fixed* latent vectors sharpens across "
            "epochs because the *network* changes; the style transfer frames change because the *image* does.",
        ),
    ),
    (
        "Why style transfer needs no training set, but a pretrained network",
        (
            "Style transfer needs a way to say *what an image shows* (content) and *how it is painted* (style). "
            "Gatys et al. (2015) borrowed both from VGG19, a classifier trained once on the 1.28 million labelled "
            "photos of ImageNet: deep-layer activations (`{content_layer}`) describe objects and layout, and the "
            "correlations between the channels of each layer (Gram matrices over `block1_conv1` ... `block5_conv1`) "
            "describe textures and strokes regardless of where they are. The {vgg_params} VGG19 weights are the "
            "training set in disguise: with random weights the same losses still run (the tests do this) but "
            "transfer no recognizable style.",
            "This run's result has a style distance of {nst_style_result} from the style image, against "
            "{nst_style_content} for the untouched content photo, while its content distance rose from 0 to "
            "{nst_content_result} (the style image itself scores {nst_content_style}). The sliced Wasserstein "
            "distance, which compares whole feature distributions rather than Gram matrices, moved from "
            "{nst_swd_content} to {nst_swd_result}: {nst_swd_verdict}.",
        ),
    ),
    (
        "Why VGG inputs are not normalized to [0, 1]",
        (
            "VGG19 was trained (in Caffe) on BGR images in [0, 255] with the ImageNet mean pixel subtracted and no "
            "further scaling. Its first filters and every bias after them were fitted to that range. "
            "`keras.applications.vgg19.preprocess_input` reproduces it exactly; feeding [0, 1] images instead "
            "divides every first-layer response by 255 while the biases stay put, so different ReLUs fire, the "
            "features stop meaning what they meant in training, and Gram matrices shrink by about 255^2, upsetting "
            "the balance of the loss weights. The networks this suite trains itself (the GAN and the evaluator) "
            "choose their own convention, [0, 1] or [-1, 1], because they learn their weights for it.",
        ),
    ),
    (
        "How GANs and style transfer are related",
        (
            "Both make images by satisfying a convolutional network that judges them. In the GAN the judge (the "
            "discriminator, {gan_discriminator_params} weights) is *learned* at the same time as the generator, in "
            "a two-player game, which is why its loss curves oscillate instead of falling. In style transfer the "
            "judge is *fixed* (VGG19) and its verdict is a hand-made statistic, so the loss falls steadily.",
            "The statistics are close relatives: matching Gram matrices is the same as minimizing a maximum mean "
            "discrepancy (MMD) between the feature distributions with a quadratic polynomial kernel (Li et al. "
            "2017, *Demystifying Neural Style Transfer*), and KID, used above to grade the GAN, is an MMD with a "
            "cubic polynomial kernel; FID compares feature means and covariances, the same second-order statistics. "
            "Feed-forward style transfer networks (Johnson et al. 2016) and image-to-image GANs (pix2pix, CycleGAN) "
            "bridge the two: they *train* a generator once so that each new stylized image costs one forward pass.",
        ),
    ),
    (
        "Reading this run's GAN numbers",
        (
            "FID {gan_fid} against a floor of {gan_fid_floor}: the floor is what {gan_n} *real* training images score "
            "against the test set with the same evaluator and the same N, so only the gap above it is the "
            "generator's fault. KID tells the same story without FID's small-sample bias.",
            "Precision {gan_precision} and recall {gan_recall} (real data: {gan_precision_floor} and "
            "{gan_recall_floor}) split that gap: precision is the share of samples that land among real images "
            "(realism), recall the share of real images near some sample (variety). The class histogram's entropy "
            "of {gan_entropy} nats out of at most {gan_max_entropy} (real data: {gan_entropy_floor}) shows whether "
            "the generator covers all ten kinds of clothing or has collapsed onto a few; its most frequent class "
            "here is {gan_top_class} ({gan_top_fraction} of the samples).",
        ),
    ),
)
"""(title, paragraphs) pairs; placeholders are filled by `explanation`."""


def placeholders(text: str) -> set[str]:
    """The `{names}` a template text needs."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def explanation(facts: Mapping[str, str]) -> list[Block]:
    """The explanation section: every paragraph whose placeholders `facts` can fill.

    Args:
        facts: placeholder name -> text (numbers already formatted, with units).

    Returns:
        Blocks: a level-3 heading per topic that has at least one paragraph, and its paragraphs.
    """
    blocks: list[Block] = []
    for title, paragraphs in SECTIONS:
        kept = [p.format(**facts) for p in paragraphs if placeholders(p) <= set(facts)]
        if kept:
            blocks.append(Heading(title, level=3))
            blocks += [Paragraph(p) for p in kept]
    return blocks
