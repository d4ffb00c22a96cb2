"""`python -m compare.report`: the side-by-side report on the GAN and style transfer, HTML and Markdown.

Given a GAN run (`--gan RUN`) and a style transfer run (`--nst RUN`), or neither (then it makes quick
runs of both with the default configs, which makes it the suite's embedded demo), it measures both
(`compare.metrics`, `compare.nst_metrics`) and writes into one folder (`-o DIR`):

- `report.html`: one self-contained page (CSS inline, images as base64 data URIs; opens offline);
- `report.md`: the same content in Markdown, linking the figures;
- `figures/*.png`: every figure;
- `metrics.json`: every number in the report.

Sections: side by side; how each result came to be (filmstrips); loss curves and what they mean;
cost; quality (with the real-data floor); teaching figures (latent interpolation, class histogram,
and the opt-in `--content-layer-sweep` and `--style-weight-sweep`); what the numbers say.

Usage:
    python -m compare.report [--gan RUN] [--nst RUN] [-o DIR] [--n 10000] [--seed 0]
        [--content-layer-sweep] [--style-weight-sweep] [--weights PATH|none] [...]
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from common.atomic import write_json, write_text
from common.cli import ArgumentParser, run_cli
from common.errors import ConfigError, InputError, OutputError, TrainingError
from common.rundir import create_run_dir
from common.tfenv import configure_tensorflow, import_tensorflow_quietly
from compare.document import Block, Figure, Heading, Paragraph, Row, Table, figure_paths, to_html, to_markdown
from compare.runs import GanRun, NstRun

TITLE = "Generative versus optimization-based art: a DCGAN and neural style transfer side by side"
SECTIONS = (
    ("side-by-side", "Side by side"),
    ("how", "How each result came to be"),
    ("losses", "Loss curves"),
    ("cost", "Cost"),
    ("quality", "Quality"),
    ("teaching", "Teaching figures"),
    ("explanation", "What the numbers say"),
)
"""(anchor, title) of every section, in order; every report has all of them."""

CONTENT_SWEEP_LAYERS = ("block3_conv2", "block4_conv2", "block5_conv2")
STYLE_SWEEP_FACTORS = (0.1, 1.0, 10.0)
VGG19_NOTOP_PARAMS = 20_024_384


@dataclasses.dataclass(frozen=True)
class ReportOptions:
    """Everything the report can be told (the command line's flags).

    Attributes:
        n: GAN images to generate for the metrics (and real images for the floor).
        seed: seed of the latent draws, metric subsets, SWD directions and quick runs.
        cache_dir, data_dir: evaluator cache and Fashion-MNIST folders.
        evaluator_overrides: `KEY=VALUE` settings of the evaluator (a different cached evaluator).
        reference_limit: use only the first N test images (quick checks; None = all 10,000).
        kid_subsets: KID's subset count.
        weights: VGG19 weights for the style transfer scores and sweeps (`nst.weights` rules).
        eval_size: the style transfer evaluation size (long side, px).
        nst_content, nst_style: the images of the `--nst` run, when its files do not name them.
        content_layer_sweep, style_weight_sweep: the opt-in teaching figures.
        sweep_size: long side of the sweep images.
        sweep_iterations: iterations per sweep image (per scale, coarsest first).
        gan_config, gan_epochs, gan_limit: the quick GAN run (no `--gan`).
        nst_config, nst_size: the quick style transfer run (no `--nst`).
        quick_args_gan, quick_args_nst: extra command-line arguments for the quick runs.
    """

    n: int = 10_000
    seed: int = 0
    cache_dir: str | None = None
    data_dir: str | None = None
    evaluator_overrides: tuple[str, ...] = ()
    reference_limit: int | None = None
    kid_subsets: int = 100
    weights: str | None = None
    eval_size: int = 512
    nst_content: str | None = None
    nst_style: str | None = None
    content_layer_sweep: bool = False
    style_weight_sweep: bool = False
    sweep_size: int = 192
    sweep_iterations: tuple[int, ...] = (60, 40)
    gan_config: str | None = None
    gan_epochs: int = 3
    gan_limit: int | None = 4096
    nst_config: str | None = None
    nst_size: int = 256
    quick_args_gan: tuple[str, ...] = ()
    quick_args_nst: tuple[str, ...] = ()


# --- quick runs ----------------------------------------------------------------------------------


def _run_cli(args: list[str], what: str) -> None:
    print(f"compare.report: {what}: {' '.join(args[1:])}", file=sys.stderr, flush=True)
    done = subprocess.run(args)
    if done.returncode != 0:
        raise TrainingError(f"the {what} failed (exit code {done.returncode}): {' '.join(args[1:])}")


def quick_gan_run(folder: Path, options: ReportOptions) -> Path:
    """Trains a short GAN run with `python -m gan.train` (default config) into `folder`."""
    args = [sys.executable, "-m", "gan.train", "--out", str(folder), "--epochs", str(options.gan_epochs),
            "--seed", str(options.seed)]  # fmt: skip
    if options.gan_limit:
        args += ["--limit", str(options.gan_limit)]
    if options.gan_config:
        args += ["--config", options.gan_config]
    if options.data_dir:
        args += ["--data-dir", options.data_dir]
    _run_cli(args + list(options.quick_args_gan), "quick GAN run")
    return folder


def quick_nst_run(folder: Path, options: ReportOptions) -> Path:
    """Runs style transfer with `python -m nst.transfer` (default config, bundled images) into `folder`."""
    args = [sys.executable, "-m", "nst.transfer"]
    if options.nst_content and options.nst_style:
        args += [options.nst_content, options.nst_style]
    args += ["--out", str(folder), "--size", str(options.nst_size), "--seed", str(options.seed)]
    if options.nst_config:
        args += ["--config", options.nst_config]
    if options.weights:
        args += ["--weights", options.weights]
    _run_cli(args + list(options.quick_args_nst), "quick style transfer run")
    return folder


def bundled_images() -> tuple[Path, Path]:
    """The content and style images bundled with `nst` (what `nst.transfer` uses with no image arguments)."""
    import nst

    assets = Path(nst.__file__).parent / "assets"
    return assets / "tubingen.jpg", assets / "starry_night.jpg"


# --- formatting ----------------------------------------------------------------------------------


def duration(seconds: float | None) -> str:
    """`0.41 ms`, `2.3 s`, `4 min 05 s`, `1 h 02 min`; `n/a` for None."""
    if seconds is None:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2g} ms" if seconds < 0.01 else f"{seconds * 1e3:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def plural(value, noun: str) -> str:
    """`1 epoch`, `3 epochs`, `? epochs` for None."""
    if value is None:
        return f"? {noun}s"
    return f"{value} {noun}" + ("" if value == 1 else "s")


def count(value) -> str:
    """`1,234,567` with thin separators; `n/a` for None."""
    return "n/a" if value is None else f"{int(value):,}"


def _get(mapping: dict | None, *names, default=None):
    """The first of `names` present in `mapping` (dotted names walk into nested dicts)."""
    for name in names:
        node = mapping or {}
        for part in name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            return node
    return default


# --- the GAN half --------------------------------------------------------------------------------


def gan_part(run: GanRun, options: ReportOptions, figures: Path) -> tuple[dict, dict, dict]:
    """Measures the GAN run and draws its figures.

    Returns:
        `(blocks by section, facts for the explanation, numbers for metrics.json)`.
    """
    from common.config import load_config
    from compare import figures as F
    from compare import gan_metrics
    from gan import sample as gan_sample
    from compare.evaluator import EvaluatorConfig, load_evaluator
    from compare.metrics import measure_run, metric_rows, run_dataset

    dataset, run_data_dir = run_dataset(run.path)
    data_dir = options.data_dir or run_data_dir
    generator = gan_sample.load_generator(run.path)
    evaluator = load_evaluator(load_config(EvaluatorConfig, None, options.evaluator_overrides, {"dataset": dataset}),
                               options.cache_dir, data_dir)  # fmt: skip
    metrics = run.metrics
    wanted = (options.n, options.seed, evaluator.sha256)
    have = (_get(metrics, "n"), _get(metrics, "seed"), _get(metrics, "evaluator.sha256"))
    reference = None
    if metrics is None or have != wanted or "real_floor" not in metrics or options.reference_limit is not None:
        reference = gan_metrics.load_reference(evaluator, data_dir, options.reference_limit)
        metrics = measure_run(run.path, options.n, options.seed, evaluator, reference, data_dir=data_dir,
                              kid_subsets=options.kid_subsets, generator=generator)  # fmt: skip
    summary = run.summary.to_dict() if run.summary else {}
    blocks: dict[str, list[Block]] = {key: [] for key, _ in SECTIONS}

    samples = gan_sample.generate(generator, 64, options.seed)
    grid = F.image_panel([F.tile(samples, 8)], [f"64 new samples (seed {options.seed})"], figures / "gan_samples.png",
                         height=4.2)  # fmt: skip
    blocks["side-by-side"].append(
        Figure(grid, f"GAN: 64 images drawn from random latent vectors after {plural(summary.get('epochs'), 'epoch')}; "
                     f"each took {duration(summary.get('seconds_per_image'))} to make.")  # fmt: skip
    )

    if run.grids:
        strip = F.filmstrip([F.read_png(p) for _, p in run.grids], [f"epoch {e}" for e, _ in run.grids],
                            figures / "gan_filmstrip.png", "the same fixed latent vectors after each epoch")  # fmt: skip
        blocks["how"].append(Figure(strip, "GAN: the sample grid from *fixed* latent vectors across training. "
                                           "The images change because the generator's weights change."))  # fmt: skip
    else:
        blocks["how"].append(Paragraph(f"The GAN run {run.path} has no `samples/epoch_NNN.png` grids to show."))

    if run.history:
        curves = F.gan_losses(run.history, figures / "gan_losses.png")
        blocks["losses"].append(Figure(curves, "GAN losses and discriminator outputs per epoch."))
        blocks["losses"].append(Paragraph(
            "**Reading the GAN curves.** The discriminator loss measures how well D tells real from generated "
            "images; the generator loss how well G fools D. They are two players' scores in one game, so neither "
            "has to fall: a healthy run has both roughly level with D's outputs on real and generated images "
            "staying apart but not saturating. D's loss falling towards 0 while G's climbs means D has won and G "
            "gets no useful gradient; sudden swings are the game oscillating. The loss says little about image "
            "quality; that is what the metrics below are for."))  # fmt: skip
    else:
        blocks["losses"].append(Paragraph(f"The GAN run {run.path} has no `history.csv`."))

    gen, floor = metrics["generated"], metrics.get("real_floor")
    rows = [[name, g, f, reading] for name, g, f, reading in metric_rows(metrics)]
    ev = metrics["evaluator"]
    blocks["quality"].append(Heading("GAN", level=3))
    blocks["quality"].append(Table(
        ["metric", f"generated (N = {metrics['n']})", "real-data floor", "how to read it"], rows,
        caption=f"Against {metrics['reference']}; evaluator {ev['sha256'][:12]} (layer `{ev['feature_layer']}`, "
                f"test accuracy {ev['test_accuracy']:.2%}); seed {metrics['seed']}."))  # fmt: skip

    hist = [("generated", gen["class_histogram"])] + ([("real train (floor)", floor["class_histogram"])] if floor else [])
    histogram = F.class_histograms(hist, figures / "gan_class_histogram.png")
    pairs = [(options.seed + 1 + 2 * i, options.seed + 2 + 2 * i) for i in range(3)]
    strips = [gan_sample.interpolate(generator, 10, a, b) for a, b in pairs]
    interp = F.image_panel([F.tile(np.concatenate(strips), 10)], ["latent interpolation: 3 paths of 10 steps"],
                           figures / "gan_interpolation.png", height=2.6)  # fmt: skip
    blocks["teaching"].append(Heading("GAN: walking through the latent space", level=3))
    blocks["teaching"].append(Figure(interp, "Each row walks on a great circle between two random latent vectors. "
                                             "Smooth morphs mean the generator has learned a continuous map from "
                                             "latent space to clothing rather than memorized single images."))  # fmt: skip
    blocks["teaching"].append(Figure(histogram, "Predicted classes of the generated and real images (the evaluator's "
                                                "arg-max). A collapsed GAN piles its samples into few bars."))  # fmt: skip

    top = int(np.argmax(gen["class_histogram"]["counts"]))
    facts = {
        "gan_images_seen": count(summary.get("images_seen")),
        "gan_training_images": count(summary.get("training_images")),
        "gan_epochs": plural(summary.get("epochs"), "epoch") if summary.get("epochs") is not None else None,
        "gan_train_time": duration(summary.get("seconds")),
        "gan_generator_params": count(summary.get("generator_parameters")),
        "gan_discriminator_params": count(summary.get("discriminator_parameters")),
        "gan_latent_dim": str(int(generator.inputs[0].shape[-1])),
        "gan_time_per_image": duration(summary.get("seconds_per_image")),
        "gan_n": count(metrics["n"]),
        "gan_fid": f"{gen['fid']:.2f}",
        "gan_precision": f"{gen['precision']:.2f}",
        "gan_recall": f"{gen['recall']:.2f}",
        "gan_entropy": f"{gen['class_histogram']['entropy']:.2f}",
        "gan_max_entropy": f"{gen['class_histogram']['max_entropy']:.2f}",
        "gan_top_class": gen["class_histogram"]["classes"][top],
        "gan_top_fraction": f"{gen['class_histogram']['fractions'][top]:.0%}",
    }
    facts = {k: v for k, v in facts.items() if v not in ("n/a", "?", None)}
    if floor:
        facts.update({
            "gan_fid_floor": f"{floor['fid']:.2f}",
            "gan_precision_floor": f"{floor['precision']:.2f}",
            "gan_recall_floor": f"{floor['recall']:.2f}",
            "gan_entropy_floor": f"{floor['class_histogram']['entropy']:.2f}",
        })  # fmt: skip
    cost = {
        "data": f"{count(summary.get('training_images'))} training images ({dataset})",
        "parameters": summary.get("parameters"),
        "parameters_note": f"generator {count(summary.get('generator_parameters'))} + discriminator "
                           f"{count(summary.get('discriminator_parameters'))}",
        "train_seconds": summary.get("seconds"),
        "train_note": plural(summary.get("epochs"), "epoch"),
        "seconds_per_image": summary.get("seconds_per_image"),
        "peak_mb": summary.get("peak_memory_mb"),
    }  # fmt: skip
    return blocks, facts, {"run": str(run.path), "summary": summary, "metrics": metrics, "cost": cost}


# --- the style transfer half ---------------------------------------------------------------------


def _nst_label(path: Path, run: NstRun) -> str:
    """A frame's label: `scale 2 (256 px), it. 50` from `losses.csv` when the file name is a step number
    (as `nst.transfer` writes `frames/000150.png`), else from the numbers in the name."""
    import re

    numbers = [int(n) for n in re.findall(r"\d+", path.stem)]
    if len(numbers) == 1:
        row = next((r for r in run.losses if r.get("step") == numbers[0]), None)
        if row is not None and "scale" in row and "iteration" in row:
            size = max(int(row.get("height", 0)), int(row.get("width", 0)))
            return f"scale {int(row['scale']) + 1}" + (f" ({size} px)" if size else "") + f", it. {int(row['iteration'])}"
        return f"step {numbers[0]}"
    if len(numbers) >= 2:
        return f"scale {numbers[0] + 1}, it. {numbers[1]}"
    return path.stem


def nst_part(run: NstRun, options: ReportOptions, figures: Path, vgg=None) -> tuple[dict, dict, dict]:
    """Scores the style transfer run, draws its figures and (opt-in) runs the sweeps.

    Returns:
        `(blocks by section, facts for the explanation, numbers for metrics.json)`.
    """
    from compare import figures as F
    from compare.nst_metrics import CONTENT_LAYER, NSTScorer
    from nst.images import resize

    if run.content is None or not run.styles:
        raise InputError(
            f"the style transfer run {run.path} does not name its content and style images; "
            "pass --nst-content PATH and --nst-style PATH"
        )
    content_path, style_path = run.content, run.styles[0]
    scorer = NSTScorer(options.weights, options.eval_size, seed=options.seed, vgg=vgg)
    targets = scorer.targets(content_path, style_path)
    style_image = scorer.load(style_path)
    content_image = scorer.load(content_path)
    scores = {
        "result": scorer.score(run.final, targets),
        "content_image": scorer.score(content_image, targets),
        "style_image": scorer.score(resize(style_image, targets.shape), targets),
    }
    summary = run.summary
    seconds, iterations = summary.seconds, summary.iterations  # over every invocation of the run
    final = F.read_png(run.final)
    blocks: dict[str, list[Block]] = {key: [] for key, _ in SECTIONS}
    triptych = F.image_panel(
        [content_image.astype(np.uint8), style_image.astype(np.uint8), final],
        ["content", "style", f"result ({final.shape[1]}x{final.shape[0]})"],
        figures / "nst_triptych.png", height=3.6)  # fmt: skip
    blocks["side-by-side"].append(
        Figure(triptych, f"Style transfer: the result beside its content and style images; it took "
                         f"{duration(seconds)} and {iterations if iterations is not None else '?'} iterations.")  # fmt: skip
    )

    if run.frames:
        strip = F.filmstrip([F.read_png(p) for p in run.frames] + [final],
                            [_nst_label(p, run) for p in run.frames] + ["final"],
                            figures / "nst_filmstrip.png", "the one image being optimized, across iterations and scales")  # fmt: skip
        blocks["how"].append(Figure(strip, "Style transfer: the image itself across iterations and coarse-to-fine "
                                           "scales. Nothing else changes: VGG19's weights stay fixed."))  # fmt: skip
    else:
        blocks["how"].append(Paragraph(f"The style transfer run {run.path} has no `frames/` to show."))

    if run.losses and "total" in run.losses[0]:
        curves = F.nst_losses(run.losses, figures / "nst_losses.png")
        blocks["losses"].append(Figure(curves, "Style transfer: weighted loss terms per iteration (log scale); "
                                               "dashed lines mark a move to the next, finer scale."))  # fmt: skip
        blocks["losses"].append(Paragraph(
            "**Reading the style transfer curves.** *content* is the squared difference of `block4_conv2` features "
            "from the content photo's, *style* the difference of Gram matrices (feature correlations) from the "
            "painting's over five layers, *tv* a smoothness penalty, *total* their weighted sum, the one number the "
            "optimizer lowers. It falls steadily because the judge (VGG19) is fixed; content usually *rises* from 0 "
            "at the start (the image starts as the photo) while style falls by orders of magnitude. Jumps at a "
            "scale change come from upsampling the image and recomputing the targets at the larger size."))  # fmt: skip
    else:
        blocks["losses"].append(Paragraph(f"The style transfer run {run.path} has no `losses.csv`."))

    rows = []
    for key, label in (("result", "**result**"), ("content_image", "content image itself"),
                       ("style_image", "style image itself")):  # fmt: skip
        s = scores[key]
        rows.append([label, f"{s['style_distance']:.4f}", f"{s['content_distance']:.4f}", f"{s['content_mse']:.4g}",
                     f"{s['swd']:.4f}"])  # fmt: skip
    blocks["quality"].append(Heading("Style transfer", level=3))
    blocks["quality"].append(Table(
        ["image", "style distance (Gram)", "content distance", "content MSE", "sliced Wasserstein"], rows,
        caption=f"Measured at {options.eval_size} px (long side) with VGG19 ({scores['result']['weights']}), max "
                f"pooling: style over `block1..5_conv1`, content at `{CONTENT_LAYER}`. Lower is closer; the content "
                "and style images themselves mark the two ends."))  # fmt: skip

    sweeps = {}
    if options.content_layer_sweep or options.style_weight_sweep:
        sweeps = run_sweeps(content_path, style_path, options, scorer, targets, figures, blocks)
    else:
        blocks["teaching"].append(Paragraph(
            "Two more style transfer figures are opt-in because each costs a few style transfer runs: "
            "`--content-layer-sweep` (content matched at `block3_conv2`, `block4_conv2` or `block5_conv2`) and "
            "`--style-weight-sweep` (style weight x0.1, x1, x10)."))  # fmt: skip

    height, width = final.shape[:2]
    peak = summary.peak_memory_mb
    facts = {
        "nst_pixels": count(height * width * 3),
        "nst_iterations": str(iterations if iterations is not None else "?"),
        "nst_time": duration(seconds),
        "nst_data": "one content photo, one painting and a pretrained VGG19",
        "vgg_params": count(VGG19_NOTOP_PARAMS),
        "content_layer": CONTENT_LAYER,
        "nst_style_result": f"{scores['result']['style_distance']:.3f}",
        "nst_style_content": f"{scores['content_image']['style_distance']:.3f}",
        "nst_content_result": f"{scores['result']['content_distance']:.3f}",
        "nst_content_style": f"{scores['style_image']['content_distance']:.3f}",
        "nst_swd_content": f"{scores['content_image']['swd']:.3f}",
        "nst_swd_result": f"{scores['result']['swd']:.3f}",
        "nst_swd_verdict": _verdict(scores),
    }
    facts = {k: v for k, v in facts.items() if v not in ("n/a", "?", None)}
    cost = {
        "data": "1 content + 1 style image (plus VGG19, pretrained once on 1.28M ImageNet photos)",
        "parameters": height * width * 3,
        "parameters_note": f"0 network weights; the {width}x{height}x3 pixels of one image",
        "train_seconds": 0.0,
        "train_note": "none: VGG19 is used as downloaded",
        "seconds_per_image": seconds,
        "peak_mb": peak,
    }
    numbers = {"run": str(run.path), "content": str(content_path), "style": str(style_path), "summary": summary.to_dict(),
               "seconds": seconds, "iterations": iterations, "scores": scores, "sweeps": sweeps, "cost": cost}  # fmt: skip
    return blocks, facts, numbers


def _verdict(scores: dict) -> str:
    """Whether the Gram distance and SWD moved the same way from the content image to the result."""
    gram = scores["result"]["style_distance"] - scores["content_image"]["style_distance"]
    swd = scores["result"]["swd"] - scores["content_image"]["swd"]
    if gram < 0 and swd < 0:
        return "both style measures agree that the result moved towards the painting"
    if gram > 0 and swd > 0:
        return "both style measures agree that the result did not move towards the painting (too few iterations, or random weights)"
    return "the two style measures disagree, a sign that one statistic was matched without the other"


def run_sweeps(content_path, style_path, options: ReportOptions, scorer, targets, figures: Path, blocks) -> dict:
    """The opt-in style transfer sweeps, run in this process on the scorer's VGG19 (loaded once)."""
    from common.config import load_config
    from compare import figures as F
    from nst.config import NSTConfig
    from nst.stylizer import stylize
    from nst.vgg import FeatureExtractor

    base_values = {"image.size": options.sweep_size, "optimizer.iterations": list(options.sweep_iterations),
                   "image.num_scales": len(options.sweep_iterations), "seed": options.seed}  # fmt: skip
    base = load_config(NSTConfig, options.nst_config, values=base_values)
    if options.weights is not None:
        base = dataclasses.replace(base, weights=options.weights)
    vgg = scorer.vgg  # loaded once, shared with the scorer
    results = {}
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
    for key, name, points in plans:
        images, labels, rows, record = [], [], [], []
        for label, config in points:
            start = time.perf_counter()
            extractor = FeatureExtractor(vgg, config.loss.layers, config.loss.pooling)
            image, _ = stylize(str(content_path), str(style_path), config, extractor=extractor)
            seconds = time.perf_counter() - start
            score = scorer.score(image, targets)
            images.append(np.clip(np.rint(image), 0, 255).astype(np.uint8))
            labels.append(label)
            rows.append([label, f"{score['style_distance']:.4f}", f"{score['content_distance']:.4f}",
                         f"{score['swd']:.4f}", duration(seconds)])  # fmt: skip
            record.append({"label": label, "seconds": seconds, **score})
        fig = F.image_panel(images, labels, figures / f"nst_{key}_sweep.png", f"{name} sweep", height=3.0)
        blocks["teaching"].append(Heading(f"Style transfer: {name} sweep", level=3))
        blocks["teaching"].append(Figure(fig, SWEEP_CAPTIONS[key]))
        blocks["teaching"].append(Table([name, "style distance", "content distance", "SWD", "time"], rows,
                                        caption=f"{options.sweep_size} px, iterations {list(options.sweep_iterations)} "
                                                "per scale; scored as above."))  # fmt: skip
        results[key] = record
    return results


SWEEP_CAPTIONS = {
    "content_layer": "The layer at which content is matched. Shallow `block3_conv2` keeps edges and fine detail of "
                     "the photo; `block4_conv2` (Gatys et al.) keeps objects and layout; deep `block5_conv2` keeps "
                     "only the rough arrangement and lets the style repaint everything else.",
    "style_weight": "The style weight against the content weight. Low: a lightly tinted photo. High: the painting's "
                    "textures take over and the buildings dissolve. The default sits between.",
}  # fmt: skip


# --- cost and assembly ---------------------------------------------------------------------------


def cost_table(gan: dict | None, nst: dict | None) -> Table:
    """The cost table: data, parameters trained, wall time to train, time per new image, memory peak."""

    def col(part, key, fmt):
        if part is None:
            return "no run"
        value = part["cost"].get(key)
        return fmt(value)

    def params(part):
        if part is None:
            return "no run"
        return f"{count(part['cost']['parameters'])} ({part['cost']['parameters_note']})"

    rows = [
        ["data needed", col(gan, "data", str), col(nst, "data", str)],
        ["parameters trained", params(gan), params(nst)],
        ["wall time to train", col(gan, "train_seconds", duration) + (f" ({gan['cost']['train_note']})" if gan else ""),
         col(nst, "train_seconds", lambda _: nst["cost"]["train_note"]) if nst else "no run"],
        ["time for one new image", col(gan, "seconds_per_image", duration), col(nst, "seconds_per_image", duration)],
        ["memory peak (process RSS)", col(gan, "peak_mb", lambda v: f"{v:,.0f} MB" if v else "n/a"),
         col(nst, "peak_mb", lambda v: f"{v:,.0f} MB" if v else "n/a")],
    ]  # fmt: skip
    return Table(["", "GAN (learns a distribution)", "style transfer (optimizes one image)"], rows,
                 caption="Times are wall-clock on this machine, from each run's summary.json.")  # fmt: skip


def assemble(gan_blocks: dict | None, nst_blocks: dict | None, cost: Table, explanation: list[Block]) -> list[Block]:
    """Puts the sections in order, each under its heading, with the parts of both halves."""
    from compare.document import Paragraph as P

    out: list[Block] = [P(
        "A DCGAN *learns a distribution* from tens of thousands of images and then makes new ones instantly; "
        "neural style transfer needs no data set but *optimizes every single image* against a pretrained network. "
        "This report measures both runs below with the same care and shows them side by side.")]  # fmt: skip
    for anchor, title in SECTIONS:
        out.append(Heading(title, 2, anchor))
        if anchor == "cost":
            out.append(cost)
            continue
        if anchor == "explanation":
            out += explanation
            continue
        side = [b for part in (gan_blocks, nst_blocks) if part for b in part[anchor]]
        if anchor == "side-by-side":
            figs = [b for b in side if isinstance(b, Figure)]
            out.append(Row(figs) if len(figs) > 1 else figs[0] if figs else P("No runs to show."))
            out += [b for b in side if not isinstance(b, Figure)]
        else:
            out += side or [P("Nothing to show for this section.")]
    return out


def build_report(out: Path, gan: str | Path | None, nst: str | Path | None, options: ReportOptions) -> dict:
    """Makes the report in `out` (which must exist and be writable).

    Args:
        out: the report folder.
        gan, nst: run directories; when both are None, quick runs of both are made in `out/runs/`.
        options: the settings.

    Returns:
        The `metrics.json` content, plus the `"files"` written.
    """
    start = time.perf_counter()
    out = Path(out).resolve()
    figures = out / "figures"
    figures.mkdir(exist_ok=True)
    made = {}
    if gan is None and nst is None:
        (out / "runs").mkdir(exist_ok=True)
        gan = quick_gan_run(out / "runs" / "gan", options)
        content, style = bundled_images()
        if not (options.nst_content and options.nst_style):
            options = dataclasses.replace(options, nst_content=str(content), nst_style=str(style))
        nst = quick_nst_run(out / "runs" / "nst", options)
        made = {"gan": str(gan), "nst": str(nst)}
    gan_blocks = nst_blocks = gan_numbers = nst_numbers = None
    facts: dict[str, str] = {}
    if gan is not None:
        gan_blocks, gan_facts, gan_numbers = gan_part(GanRun.load(gan), options, figures)
        facts.update(gan_facts)
    if nst is not None:
        run = NstRun.load(nst, options.nst_content, options.nst_style)
        nst_blocks, nst_facts, nst_numbers = nst_part(run, options, figures)
        facts.update(nst_facts)
    if gan_numbers and nst_numbers:
        g, s = gan_numbers["cost"]["seconds_per_image"], nst_numbers["cost"]["seconds_per_image"]
        if g and s:
            facts["time_ratio"] = f"{s / g:,.0f} times"
    from compare.explain import explanation

    blocks = assemble(gan_blocks, nst_blocks, cost_table(gan_numbers, nst_numbers), explanation(facts))
    if made:
        blocks.insert(1, Paragraph(
            f"**Demo runs.** No runs were given, so this report made two short ones itself with the default configs: "
            f"the GAN trained {plural(options.gan_epochs, 'epoch')} on "
            f"{count(options.gan_limit) if options.gan_limit else 'all'} images and has barely started to learn; style "
            f"transfer ran at {options.nst_size} px. For a fair picture train longer (`python -m gan.train --epochs 20`, "
            "`python -m nst.transfer`) and pass the runs with `--gan RUN --nst RUN`."))  # fmt: skip
    # Every figure the document shows must be a file in figures/.
    for path in figure_paths(blocks):
        if not Path(path).is_file():  # pragma: no cover - a programming error
            raise OutputError(f"figure {path} was not written")
    write_text(out / "report.md", to_markdown(TITLE, _relative(blocks, out), out))
    write_text(out / "report.html", to_html(TITLE, blocks, out))
    result = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "seconds": round(time.perf_counter() - start, 2),
        "options": dataclasses.asdict(options),
        "quick_runs": made,
        "gan": gan_numbers,
        "nst": nst_numbers,
        "files": ["report.html", "report.md", "metrics.json"] + sorted(f"figures/{p.name}" for p in figures.glob("*.png")),
    }
    write_json(out / "metrics.json", result)
    return result


def _relative(blocks: list[Block], folder: Path) -> list[Block]:
    out = []
    for b in blocks:
        if isinstance(b, Figure):
            out.append(dataclasses.replace(b, path=Path(b.path).relative_to(folder)))
        elif isinstance(b, Row):
            out.append(Row([dataclasses.replace(f, path=Path(f.path).relative_to(folder)) for f in b.figures]))
        else:
            out.append(b)
    return out


# --- command line --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    D = ReportOptions()  # the defaults live in the dataclass only
    p = ArgumentParser(
        prog="python -m compare.report",
        description="Measure a GAN run and a style transfer run and write a side-by-side report (report.html, "
        "report.md, figures/, metrics.json). With no runs given, quick runs of both are made first (the demo).",
    )
    p.add_argument("--gan", metavar="RUN", help="a GAN run directory (python -m gan.train)")
    p.add_argument("--nst", metavar="RUN", help="a style transfer run directory (python -m nst.transfer)")
    p.add_argument("-o", "--out", metavar="DIR", help="report folder, new or empty (default: runs/report-TIMESTAMP)")
    p.add_argument("--n", type=int, default=D.n, help=f"GAN images for the metrics and the real-data floor (default: {D.n})")
    p.add_argument("--seed", type=int, default=D.seed, help=f"seed of samples, metrics and quick runs (default: {D.seed})")
    p.add_argument("--content-layer-sweep", action="store_true",
                   help="add style transfer with content at block3_conv2, block4_conv2, block5_conv2 (3 extra runs)")
    p.add_argument("--style-weight-sweep", action="store_true", help="add style transfer at style weight x0.1, x1, x10 (3 extra runs)")
    p.add_argument("--weights", metavar="PATH|none", help="VGG19 weights for scoring and sweeps (default: env NST_VGG19_WEIGHTS, "
                   "then Keras's imagenet); 'none' = random (tests only)")
    p.add_argument("--nst-content", metavar="PATH", help="content image of --nst (when its summary does not name it)")
    p.add_argument("--nst-style", metavar="PATH", help="style image of --nst (when its summary does not name it)")
    p.add_argument("--eval-size", type=int, default=D.eval_size, help=f"style transfer evaluation size, long side px (default: {D.eval_size})")
    p.add_argument("--sweep-size", type=int, default=D.sweep_size, help=f"long side of sweep images (default: {D.sweep_size})")
    p.add_argument("--sweep-iterations", type=int, nargs="+", metavar="N", default=list(D.sweep_iterations),
                   help=f"sweep iterations per scale, coarsest first (default: {' '.join(map(str, D.sweep_iterations))})")
    p.add_argument("--cache-dir", metavar="DIR", help="evaluator cache (default: env COMPARE_CACHE_DIR or ~/.cache/gen-art-suite/compare)")
    p.add_argument("--data-dir", metavar="DIR", help="folder with the Fashion-MNIST .gz files")
    p.add_argument("--evaluator", dest="evaluator_overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="evaluator setting (a different cached evaluator), e.g. train_limit=512; repeatable")
    p.add_argument("--reference-limit", type=int, metavar="N", help="only the first N test images (quick checks)")
    p.add_argument("--kid-subsets", type=int, default=D.kid_subsets, help=f"KID subsets (default: {D.kid_subsets})")
    quick = p.add_argument_group("quick runs (when neither --gan nor --nst is given)")
    quick.add_argument("--gan-config", metavar="PATH", help="GAN config (default: the built-in defaults)")
    quick.add_argument("--gan-epochs", type=int, default=D.gan_epochs, help=f"GAN epochs (default: {D.gan_epochs})")
    quick.add_argument("--gan-limit", type=int, default=D.gan_limit, help=f"GAN training images, 0 = all (default: {D.gan_limit})")
    quick.add_argument("--nst-config", metavar="PATH", help="style transfer config (default: the built-in defaults)")
    quick.add_argument("--nst-size", type=int, default=D.nst_size, help=f"style transfer size, long side px (default: {D.nst_size})")
    quick.add_argument("--gan-arg", dest="quick_args_gan", action="append", default=[], metavar="ARG",
                       help="extra argument for python -m gan.train, e.g. --gan-arg=--batch-size=64; repeatable")
    quick.add_argument("--nst-arg", dest="quick_args_nst", action="append", default=[], metavar="ARG",
                       help="extra argument for python -m nst.transfer, e.g. --nst-arg=--iterations=50; repeatable")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_tensorflow()
    for flag in ("n", "eval_size", "sweep_size", "gan_epochs", "nst_size", "kid_subsets"):
        if getattr(args, flag) < 1:
            raise ConfigError(f"--{flag.replace('_', '-')} must be positive, got {getattr(args, flag)}")
    from compare.gan_metrics import MAX_N

    if not 2 <= args.n <= MAX_N:
        raise ConfigError(f"--n must be between 2 and {MAX_N:,} images (the size of the real reference), got {args.n}")
    if args.gan_limit < 0 or any(i < 1 for i in args.sweep_iterations):
        raise ConfigError("--gan-limit must be >= 0 and --sweep-iterations positive")
    for flag, value in (("--gan", args.gan), ("--nst", args.nst)):
        if value is not None and not Path(value).is_dir():
            raise InputError(f"{flag} {value} is not a run directory")
    for flag, value in (("--nst-content", args.nst_content), ("--nst-style", args.nst_style),
                        ("--gan-config", args.gan_config), ("--nst-config", args.nst_config)):  # fmt: skip
        if value is not None and not Path(value).is_file():
            raise InputError(f"{flag} {value} does not exist")
    if args.out is not None and Path(args.out).is_dir() and any(p for p in Path(args.out).iterdir() if not p.name.startswith(".")):
        raise OutputError(f"-o {args.out} already holds files; name a new or empty folder (a report never overwrites one)")
    options = ReportOptions(
        n=args.n, seed=args.seed, cache_dir=args.cache_dir, data_dir=args.data_dir,
        evaluator_overrides=tuple(args.evaluator_overrides), reference_limit=args.reference_limit,
        kid_subsets=args.kid_subsets, weights=args.weights, eval_size=args.eval_size,
        nst_content=args.nst_content, nst_style=args.nst_style, content_layer_sweep=args.content_layer_sweep,
        style_weight_sweep=args.style_weight_sweep, sweep_size=args.sweep_size,
        sweep_iterations=tuple(args.sweep_iterations), gan_config=args.gan_config, gan_epochs=args.gan_epochs,
        gan_limit=args.gan_limit or None, nst_config=args.nst_config, nst_size=args.nst_size,
        quick_args_gan=tuple(args.quick_args_gan), quick_args_nst=tuple(args.quick_args_nst),
    )  # fmt: skip
    out = create_run_dir(args.out, "report")
    import_tensorflow_quietly()
    result = build_report(out, args.gan, args.nst, options)
    print(f"compare.report: wrote {out / 'report.html'}, {out / 'report.md'}, {len(result['files']) - 3} figures and "
          f"{out / 'metrics.json'} in {duration(result['seconds'])}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
