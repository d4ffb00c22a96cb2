"""The report's GAN half: measure a `gan.train` run, draw its figures, choose its sentences from its numbers.

`gan_part` returns a `Part`: the blocks it adds to each section of the page, the facts the
explanation fills in (`compare.explain`), and the numbers `metrics.json` records. What the text
says about the run (learned, not yet, collapsed, degenerate) comes from `compare.assess` on the
run's own metrics; the wording lives in `compare.explain`.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

from compare import explain
from compare import figures as F
from compare.document import Block, Figure, Heading, Paragraph, Table
from compare.formatting import count, duration, plural
from compare.options import ReportOptions
from compare.runs import GanRun


@dataclasses.dataclass
class Part:
    """One half of the report.

    Attributes:
        blocks: section anchor -> blocks to show there (in order).
        facts: explanation placeholder -> formatted text.
        numbers: what `metrics.json` records for this half.
        side: the figure for the side-by-side row.
    """

    blocks: dict[str, list[Block]]
    facts: dict[str, str]
    numbers: dict
    side: Figure | None = None


def measured_as_asked(metrics: dict | None, options: ReportOptions, evaluator) -> bool:
    """Whether a run's `metrics.json` was measured as the report asks (same N, seed, evaluator, whole test set)."""
    wanted = (options.n, options.seed, evaluator.sha256)
    return (metrics is not None and options.reference_limit is None and "pixels" in metrics.get("real_floor", {})
            and (metrics.get("n"), metrics.get("seed"), metrics["evaluator"].get("sha256")) == wanted)  # fmt: skip


def _measure(run: GanRun, options: ReportOptions, evaluator, data_dir, generator, reference=None) -> dict:
    """The run's `metrics.json` when it was measured as asked (same N, seed, evaluator), else fresh metrics.

    `reference`, when given, is the evaluator's view of the test images (`reference_cache.load_reference`),
    shared by several runs measured with one evaluator.
    """
    from compare import reference_cache
    from compare.metrics import measure_run

    if measured_as_asked(run.metrics, options, evaluator):
        return run.metrics  # measured as asked, by `compare.metrics` or an earlier report
    if reference is None:
        print(f"compare.report: extracting evaluator {evaluator.id}'s features of the test images (the reference)",
              file=sys.stderr, flush=True)  # fmt: skip
        reference = reference_cache.load_reference(evaluator, data_dir, options.reference_limit)  # kept in the cache
    return measure_run(run.path, options.n, options.seed, evaluator, reference, data_dir=data_dir,
                       kid_subsets=options.kid_subsets, generator=generator)  # fmt: skip


@dataclasses.dataclass
class Measured:
    """A GAN run measured for the report (`measure_gan`).

    Attributes:
        run: the run.
        dataset, data_dir: its data set and data folder.
        generator: its loaded `generator.keras`.
        evaluator: the evaluator it was measured with.
        metrics: its metrics (`compare.metrics.measure_run`'s record).
        assessment: `compare.assess.assess_gan` of them.
    """

    run: GanRun
    dataset: str
    data_dir: str | None
    generator: object
    evaluator: object
    metrics: dict
    assessment: object


def measure_gan(run: GanRun, options: ReportOptions, shared: dict | None = None) -> Measured:
    """Loads the run's generator and its evaluator and measures it (cached in the run's `metrics.json`).

    Args:
        run: the run.
        options: the report's options (N, seed, evaluator settings, cache).
        shared: a dict several runs share, so that one evaluator and its view of the test images
            are loaded once (None: nothing shared).

    Raises:
        InputError: the run has no `summary.json` (it did not finish an epoch).
    """
    from common.config import load_config
    from common.errors import InputError
    from common.runformat import GanFiles
    from compare.assess import assess_gan
    from compare.evaluator import EvaluatorConfig, load_evaluator
    from compare.metrics import run_dataset
    from gan import sample as gan_sample

    if run.summary is None:
        raise InputError(
            f"--gan {run.path} holds no {GanFiles.SUMMARY}: the run did not finish an epoch; "
            "resume it or pass a finished run"
        )
    shared = {} if shared is None else shared
    dataset, run_data_dir = run_dataset(run.path)
    data_dir = options.data_dir or run_data_dir
    generator = gan_sample.load_generator(run.path)
    config = load_config(EvaluatorConfig, None, options.evaluator_overrides, {"dataset": dataset})
    key = (config, data_dir)
    if key not in shared:
        shared[key] = load_evaluator(config, options.cache_dir, data_dir)
    evaluator = shared[key]
    reference = None
    if not measured_as_asked(run.metrics, options, evaluator):
        reference = shared_reference(evaluator, data_dir, options, shared)
    metrics = _measure(run, options, evaluator, data_dir, generator, reference)
    return Measured(run, dataset, data_dir, generator, evaluator, metrics, assess_gan(metrics))


def shared_reference(evaluator, data_dir, options: ReportOptions, shared: dict):
    """The evaluator's view of the test images (`reference_cache.load_reference`), loaded once per `shared` dict."""
    from compare import reference_cache

    key = ("reference", evaluator.sha256, data_dir, options.reference_limit)
    if key not in shared:
        print(f"compare.report: extracting evaluator {evaluator.id}'s features of the test images (the reference)",
              file=sys.stderr, flush=True)  # fmt: skip
        shared[key] = reference_cache.load_reference(evaluator, data_dir, options.reference_limit)
    return shared[key]


def grid_histogram(path: Path, run: GanRun, evaluator, class_names) -> dict:
    """The evaluator's class histogram of the tiles of one `samples/epoch_NNN.png` grid."""
    from common.config import load_config
    from common.runformat import GanFiles
    from compare.classifier_score import class_histogram
    from gan.config import GANConfig

    output = load_config(GANConfig, run.path / GanFiles.CONFIG).output  # the run's own grid layout
    n, scale = output.samples, output.sample_scale
    h, w, c = run.summary.image_shape
    grid = F.read_png(path)
    tiles = F.split_grid(grid, n, (h * scale, w * scale))[:, ::scale, ::scale, :c]  # [n, h, w, c] back to 28x28
    _, probs = evaluator.predict(tiles)
    return class_histogram(probs, class_names)


def gan_part(run: GanRun, options: ReportOptions, figures: Path) -> Part:
    """Measures the GAN run and draws its figures (see the module docstring)."""
    from gan import sample as gan_sample
    from gan.data import FASHION_MNIST_CLASSES

    measured = measure_gan(run, options)
    dataset, generator, evaluator, metrics = measured.dataset, measured.generator, measured.evaluator, measured.metrics
    assessment = measured.assessment  # what the words may claim: learned, not_learned, collapsed, degenerate
    status = assessment.verdict
    summary = run.summary
    gen, real = metrics["generated"], metrics["real_floor"]
    blocks: dict[str, list[Block]] = {}

    def add(section: str, *items: Block) -> None:
        blocks.setdefault(section, []).extend(items)

    samples = gan_sample.generate(generator, 64, options.seed)
    grid = F.image_panel([F.tile(samples, 8)], [f"64 new samples (seed {options.seed})"], figures / "gan_samples.png",
                         width=F.HALF)  # fmt: skip
    facts = _facts(run, metrics, generator, assessment)
    side = Figure(grid, explain.gan_samples_caption(status, facts))

    first_last = None
    if run.grids:
        strip = F.filmstrip([F.read_png(p) for _, p in run.grids], [f"epoch {e}" for e, _ in run.grids],
                            figures / "gan_filmstrip.png", "the same fixed latent vectors after each epoch")  # fmt: skip
        names = FASHION_MNIST_CLASSES if dataset in ("fashion_mnist", "fashion-mnist") else None
        (e0, p0), (e1, p1) = run.grids[0], run.grids[-1]
        first_last = {"first_epoch": e0, "last_epoch": e1, "first": grid_histogram(p0, run, evaluator, names),
                      "last": grid_histogram(p1, run, evaluator, names)}  # fmt: skip
        facts.update(explain.grid_facts(first_last))
        add("how", Figure(strip, explain.gan_filmstrip_caption(status, facts)))
    else:
        add("how", Paragraph(f"The GAN run {run.path} has no `samples/epoch_NNN.png` grids to show."))

    if run.history:
        curves = F.gan_losses(run.history, figures / "gan_losses.png", explain.DISCRIMINATOR_AXIS)
        add("losses", Figure(curves, explain.GAN_LOSS_CAPTION), Paragraph(explain.GAN_LOSS_READING))
    else:
        add("losses", Paragraph(f"The GAN run {run.path} has no `history.csv`."))

    ev = metrics["evaluator"]
    add("quality", Heading("GAN", level=3),
        Table(["metric", f"generated (N = {metrics['n']:,})", "real data", "better", "unit", "what it measures"],
              explain.gan_metric_rows(metrics, assessment),
              caption=f"Against {metrics['reference']}; the *real data* column is {real['source']} scored the same "
                      f"way: what a perfect generator would get. Evaluator: {explain.EVALUATOR_NAME}, {ev['id']} "
                      f"(test accuracy {ev['test_accuracy']:.1%}); seed {metrics['seed']}."),
        *[Paragraph(p) for p in explain.gan_quality_notes(metrics, assessment)])  # fmt: skip

    histogram = F.class_histograms([("generated", gen["class_histogram"]), ("real train images", real["class_histogram"])],
                                   figures / "gan_class_histogram.png")  # fmt: skip
    pairs = [(options.seed + 1 + 2 * i, options.seed + 2 + 2 * i) for i in range(3)]
    strips = [gan_sample.interpolate(generator, 10, a, b) for a, b in pairs]
    interp = F.image_panel([F.tile(np.concatenate(strips), 10)], ["3 latent paths of 10 steps each"],
                           figures / "gan_interpolation.png")  # fmt: skip
    add("teaching", Heading("GAN: walking through the latent space", level=3),
        Figure(interp, explain.interpolation_caption(status)),
        Figure(histogram, explain.class_histogram_caption(facts)))  # fmt: skip
    # A run with one grid (a one-epoch demo) has nothing to compare: the figure would show one grid twice.
    if first_last and first_last["first_epoch"] != first_last["last_epoch"]:
        panels = [(f"epoch {first_last['first_epoch']}", F.read_png(run.grids[0][1]), first_last["first"]),
                  (f"epoch {first_last['last_epoch']}", F.read_png(run.grids[-1][1]), first_last["last"])]  # fmt: skip
        fig = F.grids_with_histograms(panels, figures / "gan_first_last.png")
        add("teaching", Heading("GAN: what training changed", level=3),
            Figure(fig, explain.first_last_caption(status, facts)))  # fmt: skip

    cost = {
        "data": f"{count(summary.training_images)} training images ({dataset})",
        "parameters": summary.parameters,
        "parameters_note": f"generator {count(summary.generator_parameters)} + discriminator "
                           f"{count(summary.discriminator_parameters)}",
        "train_seconds": summary.seconds,
        "train_note": plural(summary.epochs, "epoch"),
        "seconds_per_image": summary.seconds_per_image,
        "peak_mb": summary.peak_memory_mb,
    }  # fmt: skip
    numbers = {"run": str(run.path), "summary": summary.to_dict(), "metrics": metrics, "cost": cost,
               "assessment": assessment.as_dict(), "first_last_grids": first_last}  # fmt: skip
    return Part(blocks, facts, numbers, side)


def _facts(run: GanRun, metrics: dict, generator, assessment) -> dict[str, str]:
    """The explanation's placeholders for the GAN, formatted with units."""
    s = run.summary
    gen, real = metrics["generated"], metrics["real_floor"]
    hist = gen["class_histogram"]
    top = int(np.argmax(hist["counts"]))
    facts = {
        "gan_images_seen": count(s.images_seen),
        "gan_training_images": count(s.training_images),
        "gan_epochs": plural(s.epochs, "epoch"),
        "gan_train_time": duration(s.seconds),
        "gan_generator_params": count(s.generator_parameters),
        "gan_discriminator_params": count(s.discriminator_parameters),
        "gan_latent_dim": str(int(generator.inputs[0].shape[-1])),
        "gan_time_per_image": duration(s.seconds_per_image),
        "gan_n": count(metrics["n"]),
        "gan_fid": f"{gen['fid']:.2f}",
        "gan_fid_floor": f"{real['fid']:.2f}",
        "gan_precision": f"{gen['precision']:.2f}",
        "gan_recall": f"{gen['recall']:.2f}",
        "gan_precision_floor": f"{real['precision']:.2f}",
        "gan_recall_floor": f"{real['recall']:.2f}",
        "gan_entropy": f"{hist['entropy']:.2f}",
        "gan_max_entropy": f"{hist['max_entropy']:.2f}",
        "gan_entropy_floor": f"{real['class_histogram']['entropy']:.2f}",
        "gan_top_class": hist["classes"][top],
        "gan_top_fraction": f"{hist['fractions'][top]:.0%}",
        "gan_reason": next((c.text for c in assessment.failed()), ""),  # the first failed check, for captions
    }
    return {k: v for k, v in facts.items() if v not in ("n/a", "? epochs", "")}
