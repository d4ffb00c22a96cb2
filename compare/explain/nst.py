"""The style transfer's words: captions, the loss reading and the quality table, computed from the scores."""

from __future__ import annotations

from collections.abc import Mapping

from compare.explain.base import fill

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
    from compare.nst_assess import describe_change

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
    return text + (
        "Jumps at a scale change come from upsampling the image and recomputing the targets at the larger size."
    )


def nst_metric_rows(scores: dict) -> list[list[str]]:
    """The style transfer quality table: measure, result, content photo, painting, better, unit, meaning.

    The reading of each measure is `compare.nst_metrics.NST_METRICS`'s.
    """
    from compare.nst_metrics import NST_METRICS

    r, c, s = scores["result"], scores["content_image"], scores["style_image"]
    rows = []
    for key in ("style_distance", "content_distance", "swd", "pixel_swd"):
        info = NST_METRICS[key]
        rows.append(
            [info.label, f"{r[key]:.3f}", f"{c[key]:.3f}", f"{s[key]:.3f}", info.better, info.unit, info.meaning]
        )
    return rows


def nst_result_caption(facts: Mapping[str, str]) -> str:
    """The caption of the style transfer result in the side-by-side row."""
    return fill(
        "Style transfer: one image, optimized for {nst_iterations} iterations in {nst_time}. Its style "
        "distance from the painting is {nst_style_result} (the photo itself: {nst_style_content}).",
        facts,
    )


def start_final_caption(nst_assessment, start_label: str) -> str:
    """The caption of the start/result figure with the per-layer Gram distances."""
    a = nst_assessment
    layers = dict(a.layers)
    from compare.nst_assess import WELL_MATCHED

    well = (f"Matched well (below {WELL_MATCHED:g}): " + ", ".join(f"`{k}`" for k in a.well_matched) + "."
            if a.well_matched else f"No layer came below {WELL_MATCHED:g}, the mark of a close match.")  # fmt: skip
    return (
        f"Left, the image the optimizer started from ({start_label}); right, where it ended. The style "
        f"distance {a.style_change} (from {a.style_start:.3g} to {a.style_result:.3g}). Below, the result's Gram "
        f"distance at each style layer: `{a.best_layer}` was matched best ({layers[a.best_layer]:.3g}) and "
        f"`{a.worst_layer}` worst ({layers[a.worst_layer]:.3g}). {well} Shallow layers hold colours and fine "
        "strokes, deep ones larger motifs."
    )


def swd_verdict(scores: dict) -> str:
    """Whether the Gram distance and SWD moved the same way from the content image to the result."""
    gram = scores["result"]["style_distance"] - scores["content_image"]["style_distance"]
    swd = scores["result"]["swd"] - scores["content_image"]["swd"]
    if gram < 0 and swd < 0:
        return "both style measures agree that the result moved towards the painting"
    if gram > 0 and swd > 0:
        return (
            "both style measures agree that the result did not move towards the painting (too few iterations, "
            "or random weights)"
        )
    return "the two style measures disagree, a sign that one statistic was matched without the other"
