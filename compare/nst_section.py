"""The report's style transfer half: score an `nst.transfer` run, draw its figures, word what its numbers say.

Scores come from `compare.nst_metrics` (Gram, content and sliced Wasserstein distances at one
evaluation size); the sentences are chosen in `compare.explain` from those scores and from the run's
own `losses.csv` (how far the style term fell, whether content rose).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from compare import explain
from compare import figures as F
from compare.document import Block, Figure, Heading, Paragraph, Table
from compare.formatting import count, duration, factor, scale_name
from compare.gan_section import Part
from compare.options import ReportOptions
from compare.runs import NstRun

VGG19_NOTOP_PARAMS = 20_024_384


def frame_label(path: Path, run: NstRun) -> str:
    """A frame's label, `scale 2 of 3, 256 px` over `it. 50`, from the `losses.csv` row of its step.

    `nst.transfer` names frames by global step (`frames/000150.png`).
    """
    numbers = [int(n) for n in re.findall(r"\d+", path.stem)]
    row = next((r for r in run.losses if numbers and r.get("step") == numbers[-1]), None)
    if row is None:
        return path.stem
    return f"{row_scale(row, run)}\nit. {int(row['iteration'])}"


def row_scale(row: dict, run: NstRun) -> str:
    """`scale 2 of 3, 256 px` for a `losses.csv` row (scales counted from 1, as the CSV counts them)."""
    return scale_name(int(row["scale"]), run.num_scales, int(row.get("height", 0)), int(row.get("width", 0)))


def starting_image(run: NstRun, shape: tuple[int, int]) -> tuple[np.ndarray, str]:
    """The image the optimization started from, as `nst.stylize` made it, enlarged to `shape`.

    Rebuilt from the run's config (`init.kind`, `seed`) and its saved inputs: the content photo, the
    painting, seeded noise or a mix, at the coarsest scale.

    Returns:
        `(uint8 [H, W, 3], what it is)`.
    """
    from common.config import load_config
    from nst import colors
    from nst.config import NSTConfig
    from nst.images import load_image, resize
    from nst.plan import init_image, plan_scales  # the loop's own initialisation, not a copy of it
    from nst.vgg import min_side

    config = load_config(NSTConfig, run.path / "config.toml")
    side = min_side(config.loss.layers)
    content = load_image(
        run.saved_content, config.image.size if config.image.size_of != "height" else None, min_side=side
    )
    scales = plan_scales(content.shape[:2], config, side)
    content = resize(content, scales[-1].shape)
    if config.image.preserve_colors == "luminance":
        content = colors.luminance_image(content)
    first = scales[0].shape
    style = load_image(run.saved_styles[0], None, min_side=side)
    image = init_image(config, resize(content, first), resize(style, first), np.random.default_rng(config.seed))
    what = {"content": "the content photo", "style": "the painting", "noise": "uniform noise",
            "mixed": f"the photo mixed with {config.init.noise_ratio:.0%} noise"}[config.init.kind]  # fmt: skip
    start = np.clip(np.rint(resize(np.clip(image, 0, 255), shape)), 0, 255).astype(np.uint8)
    return start, f"start: {what} ({first[1]}x{first[0]})"


def nst_part(run: NstRun, options: ReportOptions, figures: Path, vgg=None) -> Part:
    """Scores the style transfer run, draws its figures and (opt-in) runs the sweeps.

    Args:
        run: the run.
        options: the report's options.
        figures: the folder figures go to.
        vgg: an already loaded VGG19 to score with (else loaded per `options.weights`).
    """
    from compare.nst_assess import WELL_MATCHED, assess_nst
    from compare.nst_metrics import CONTENT_LAYER, NSTScorer
    from nst.images import resize

    content_path, style_path = run.content, run.styles[0]
    print(
        "compare.report: scoring the style transfer result with VGG19 (Gram, content and SWD distances)",
        file=sys.stderr,
        flush=True,
    )
    scorer = NSTScorer(options.weights, options.eval_size, seed=options.seed, vgg=vgg)
    targets = scorer.targets(content_path, style_path)
    style_image = scorer.load(style_path)
    content_image = scorer.load(content_path)
    final = F.read_png(run.final)
    start, start_label = starting_image(run, final.shape[:2])
    scores = {
        "result": scorer.score(run.final, targets),
        "start": scorer.score(start, targets),
        "content_image": scorer.score(content_image, targets),
        "style_image": scorer.score(resize(style_image, targets.shape), targets),
    }
    nst_assessment = assess_nst(scores["result"], scores["start"])
    summary = run.summary
    seconds, iterations = summary.seconds, summary.iterations
    curve = curve_facts(run)
    facts = _facts(run, scores, final, curve)
    blocks: dict[str, list[Block]] = {}

    def add(section: str, *items: Block) -> None:
        blocks.setdefault(section, []).extend(items)

    result = F.image_panel([final], [f"result ({final.shape[1]}x{final.shape[0]})"], figures / "nst_result.png",
                           width=F.HALF)  # fmt: skip
    side = Figure(result, explain.nst_result_caption(facts))
    triptych = F.image_panel([content_image.astype(np.uint8), style_image.astype(np.uint8), final],
                             ["content", "style", "result"], figures / "nst_triptych.png")  # fmt: skip
    add(
        "how",
        Figure(triptych, "Style transfer: the result beside the content photo and the painting it was made from."),
    )
    if run.frames:
        strip = F.filmstrip([F.read_png(p) for p in run.frames] + [final],
                            [frame_label(p, run) for p in run.frames] + ["final"],
                            figures / "nst_filmstrip.png", "the one image being optimized")  # fmt: skip
        add("how", Figure(strip, explain.NST_FILMSTRIP_CAPTION))
    else:
        add("how", Paragraph(f"The style transfer run {run.path} has no `frames/` to show."))

    if run.losses:
        curves = F.nst_losses(run.losses, figures / "nst_losses.png", lambda row: row_scale(row, run))
        add("losses", Figure(curves, explain.NST_LOSS_CAPTION), Paragraph(explain.nst_loss_reading(curve["scales"])))
    else:
        add("losses", Paragraph(f"The style transfer run {run.path} has no `losses.csv`."))

    add("quality", Heading("Style transfer", level=3),
        Table(["measure", "result", "content photo itself", "painting itself", "better", "unit", "what it measures"],
              explain.nst_metric_rows(scores),
              caption=f"Measured at {options.eval_size} px (long side) with VGG19 ({scores['result']['weights']}), "
                      f"max pooling: style over `block1..5_conv1`, content at `{CONTENT_LAYER}`; the pixel SWD "
                      "uses no network (pixel patches at five scales). The photo and the painting themselves mark "
                      "the two ends."))  # fmt: skip

    layers = scores["result"]["style_layers"]
    fig = F.before_after(start, final, (start_label, "result"), layers, figures / "nst_start_final.png", WELL_MATCHED)
    add("teaching", Heading("Style transfer: where it started and which layers it matched", level=3),
        Figure(fig, explain.start_final_caption(nst_assessment, start_label.removeprefix("start: "))))  # fmt: skip

    sweeps = {}
    if options.content_layer_sweep or options.style_weight_sweep:
        from compare.sweeps import run_sweeps

        sweep_blocks, sweeps = run_sweeps(content_path, style_path, options, scorer, targets, figures)
        add("teaching", *sweep_blocks)
    else:
        add("teaching", Paragraph(explain.SWEEPS_OPT_IN))

    height, width = final.shape[:2]
    cost = {
        "data": "1 content + 1 style image (plus VGG19, pretrained once on 1.28M ImageNet photos)",
        "parameters": height * width * 3,
        "parameters_note": f"0 network weights; the {width}x{height}x3 pixels of one image",
        "train_seconds": 0.0,
        "train_note": "none: VGG19 is used as downloaded",
        "seconds_per_image": seconds,
        "peak_mb": summary.peak_memory_mb,
    }
    numbers = {"run": str(run.path), "content": str(content_path), "style": str(style_path),
               "summary": summary.to_dict(), "seconds": seconds, "iterations": iterations, "scores": scores,
               "assessment": nst_assessment.as_dict(), "losses": curve, "sweeps": sweeps, "cost": cost}  # fmt: skip
    return Part(blocks, facts, numbers, side)


def curve_facts(run: NstRun) -> dict:
    """The style and total terms at the first and last iteration of each scale in `losses.csv`.

    Returns:
        `{"iterations": rows, "scales": [{"scale", "name", "iterations", "style_first", "style_last",
        "style_factor", "total_first", "total_last"}]}`.
    """
    scales = []
    for number in sorted({int(r["scale"]) for r in run.losses}):
        rows = [r for r in run.losses if int(r["scale"]) == number]
        first, last = rows[0], rows[-1]
        scales.append({"scale": number, "name": row_scale(first, run), "iterations": len(rows),
                       "style_first": float(first["style"]), "style_last": float(last["style"]),
                       "style_factor": factor(float(first["style"]), float(last["style"])),
                       "total_first": float(first["total"]), "total_last": float(last["total"])})  # fmt: skip
    return {"iterations": len(run.losses), "scales": scales}


def _facts(run: NstRun, scores: dict, final: np.ndarray, curve: dict) -> dict[str, str]:
    from compare.nst_assess import describe_change
    from compare.nst_metrics import CONTENT_LAYER

    s = run.summary
    height, width = final.shape[:2]
    facts = {
        "nst_pixels": count(height * width * 3),
        "nst_iterations": count(s.iterations),
        "nst_time": duration(s.seconds),
        "nst_data": "one content photo, one painting and a pretrained VGG19",
        "vgg_params": count(VGG19_NOTOP_PARAMS),
        "content_layer": CONTENT_LAYER,
        "nst_style_result": f"{scores['result']['style_distance']:.3f}",
        "nst_style_content": f"{scores['content_image']['style_distance']:.3f}",
        "nst_content_result": f"{scores['result']['content_distance']:.3f}",
        "nst_content_style": f"{scores['style_image']['content_distance']:.3f}",
        "nst_swd_content": f"{scores['content_image']['swd']:.3f}",
        "nst_swd_result": f"{scores['result']['swd']:.3f}",
        "nst_swd_verdict": explain.swd_verdict(scores),
        "nst_style_change": describe_change(
            scores["content_image"]["style_distance"], scores["result"]["style_distance"]
        ),
    }
    return {k: v for k, v in facts.items() if v not in ("n/a", "?", None)}
