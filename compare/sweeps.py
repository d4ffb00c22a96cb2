"""The report's opt-in style transfer sweeps: one setting varied, everything else as the run's config.

`--content-layer-sweep` matches content at `block3_conv2`, `block4_conv2` or `block5_conv2`;
`--style-weight-sweep` multiplies the style weight by 0.1, 1 and 10. They run in this process on the
scorer's VGG19 (loaded once) through `nst.stylize`, the library the command line wraps, and each
image is scored like the main result.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

from compare import explain
from compare import figures as F
from compare.document import Block, Figure, Heading, Table
from compare.formatting import duration
from compare.options import ReportOptions

CONTENT_SWEEP_LAYERS = ("block3_conv2", "block4_conv2", "block5_conv2")
STYLE_SWEEP_FACTORS = (0.1, 1.0, 10.0)


def sweep_plans(options: ReportOptions) -> list[tuple[str, str, list]]:
    """`[(key, name, [(label, NSTConfig), ...])]` for the sweeps `options` asks for."""
    from common.config import load_config
    from nst.config import NSTConfig

    base_values = {"image.size": options.sweep_size, "optimizer.iterations": list(options.sweep_iterations),
                   "image.num_scales": len(options.sweep_iterations), "seed": options.seed,
                   "weights": options.weights}  # fmt: skip
    base = load_config(NSTConfig, options.nst_config, values=base_values)
    plans = []
    if options.content_layer_sweep:
        plans.append(("content_layer", "content layer", [
            (layer, dataclasses.replace(base, loss=dataclasses.replace(base.loss, content_layers={layer: 1.0})))
            for layer in CONTENT_SWEEP_LAYERS]))  # fmt: skip
    if options.style_weight_sweep:
        plans.append(("style_weight", "style weight", [
            (f"x{f:g} ({base.loss.style_weight * f:g})",
             dataclasses.replace(base, loss=dataclasses.replace(base.loss, style_weight=base.loss.style_weight * f)))
            for f in STYLE_SWEEP_FACTORS]))  # fmt: skip
    return plans


def run_sweeps(
    content_path, style_path, options: ReportOptions, scorer, targets, figures: Path
) -> tuple[list[Block], dict]:
    """Runs the sweeps `options` asks for.

    Returns:
        `(blocks for the teaching section, {sweep key: [{"label", "seconds", **scores}]})`.
    """
    from nst.stylizer import stylize
    from nst.vgg import FeatureExtractor

    blocks: list[Block] = []
    results = {}
    for key, name, points in sweep_plans(options):
        print(
            f"compare.report: {name} sweep ({len(points)} style transfer runs at {options.sweep_size} px)",
            file=sys.stderr,
            flush=True,
        )
        images, labels, rows, record = [], [], [], []
        for label, config in points:
            start = time.perf_counter()
            extractor = FeatureExtractor(scorer.vgg, config.loss.layers, config.loss.pooling)
            image, _ = stylize(str(content_path), str(style_path), config, extractor=extractor)
            seconds = time.perf_counter() - start
            score = scorer.score(image, targets)
            images.append(np.clip(np.rint(image), 0, 255).astype(np.uint8))
            labels.append(label)
            rows.append([label, f"{score['style_distance']:.3f}", f"{score['content_distance']:.3f}",
                         f"{score['swd']:.3f}", duration(seconds)])  # fmt: skip
            record.append({"label": label, "seconds": seconds, **score})
        fig = F.image_panel(images, labels, figures / f"nst_{key}_sweep.png", f"{name} sweep")
        blocks += [Heading(f"Style transfer: {name} sweep", level=3), Figure(fig, explain.SWEEP_CAPTIONS[key]),
                   Table([name, "style distance (lower = closer to the painting)",
                          "content distance (lower = closer to the photo)", "sliced Wasserstein (lower = closer)",
                          "time"], rows,
                         caption=f"{options.sweep_size} px, iterations {list(options.sweep_iterations)} per scale "
                                 "(coarsest first); scored as in the quality table.")]  # fmt: skip
        results[key] = record
    return blocks, results
