"""`python -m compare.metrics RUN_DIR`: measure a trained GAN and write `metrics.json` into its run.

Generates N images (default 10,000) from the run's `generator.keras` with a seeded latent draw and
measures them against the 10,000 Fashion-MNIST test images with the cached evaluator
(`compare.evaluator`, the Fashion-MNIST classifier used to score the GAN): FID, KID, precision/recall
(k = 3), classifier score, the class histogram with its entropy and pixel statistics, beside the same
numbers for real data (N real train images against the same test images) and the FIDs of perfect
generators of only 1-3 classes. The Inception FID is added when its weights are on disk, else
reported as skipped. `compare.assess` turns the numbers into a verdict (degenerate, collapsed, not
learned yet, learned), stored as `assessment` and printed under the table.

Usage:
    python -m compare.metrics RUN_DIR [--n 10000] [--seed 0] [--cache-dir DIR] [--data-dir DIR]
        [--no-floor] [--evaluator KEY=VALUE ...] [--reference-limit N] [--kid-subsets N]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from common.atomic import write_json
from common.cli import ArgumentParser, run_cli
from common.config import load_config, read_toml
from common.errors import ConfigError, InputError
from common.runformat import GanFiles
from common.tfenv import configure_tensorflow, import_tensorflow_quietly
from compare.gan_metrics import DEFAULT_N, MAX_N


def run_dataset(run_dir: Path) -> tuple[str, str | None]:
    """Returns (dataset, data_dir) from a GAN run's `config.toml` (Fashion-MNIST when it says nothing)."""
    path = run_dir / GanFiles.CONFIG
    data = read_toml(path).get("data", {})
    return data.get("dataset", "fashion_mnist"), data.get("data_dir")


def measure_run(
    run_dir: str | Path,
    n: int = DEFAULT_N,
    seed: int = 0,
    evaluator=None,
    reference=None,
    cache_dir=None,
    data_dir=None,
    floor: bool = True,
    inception: bool = True,
    kid_subsets: int = 100,
    write: bool = True,
    generator=None,
    verbose: int = 1,
) -> dict:
    """Measures one GAN run and (with `write`) saves `metrics.json` into it.

    Args:
        run_dir: a GAN run directory holding `generator.keras` (or a `.keras` generator file, in
            which case nothing is written).
        n: images to generate.
        seed: seed of the latent draw, the floor's subset and KID's subsets.
        evaluator: an `Evaluator` (default: `load_evaluator()` for the run's data set).
        reference: a `gan_metrics.Reference` (default: the whole test split).
        cache_dir, data_dir: evaluator cache and data folders.
        floor: also measure the real-data floor.
        inception: try the Inception FID.
        kid_subsets: KID's subset count.
        write: write `metrics.json` into the run directory.
        generator: the run's generator if already loaded.
        verbose: 1 prints a line on stderr before each long step (and the evaluator's lines), 0 is silent.

    Returns:
        The metrics dict (see `compare.gan_metrics.evaluate_generator`), plus `"run"`.

    Raises:
        InputError: no generator there.
    """
    from compare import gan_metrics, reference_cache
    from compare.assess import assess_gan
    from compare.evaluator import EvaluatorConfig, load_evaluator
    from gan.data import FASHION_MNIST_CLASSES
    from gan.sample import load_generator

    run_dir = Path(run_dir)
    if not 2 <= n <= MAX_N:
        raise ConfigError(f"--n must be between 2 and {MAX_N:,} images (the size of the real reference), got {n}")
    dataset, run_data_dir = run_dataset(run_dir) if run_dir.is_dir() else ("fashion_mnist", None)
    data_dir = data_dir or run_data_dir
    generator = generator if generator is not None else load_generator(run_dir)
    if evaluator is None:
        evaluator = load_evaluator(EvaluatorConfig(dataset=dataset), cache_dir, data_dir, verbose=verbose)
    progress = _stderr if verbose else None
    if reference is None:
        if progress:
            progress(f"extracting evaluator {evaluator.id}'s features of the test images (the reference)")
        reference = reference_cache.load_reference(evaluator, data_dir, cache_dir=cache_dir)
    names = FASHION_MNIST_CLASSES if dataset in ("fashion_mnist", "fashion-mnist") else None
    result = {"run": str(run_dir)}
    result.update(
        gan_metrics.evaluate_generator(
            generator,
            evaluator,
            reference,
            n,
            seed,
            data_dir,
            False,  # the real-data row is not the run's: computed once and kept (compare.reference_cache)
            inception,
            names,
            kid_subsets,
            progress=progress,
        )
    )
    if floor:
        result["real_floor"] = reference_cache.real_floor(evaluator, reference, n, seed, data_dir, names,
                                                          kid_subsets=kid_subsets, cache_dir=cache_dir,
                                                          progress=progress)  # fmt: skip
        result["assessment"] = assess_gan(result).as_dict()  # judged again, now against the real data
    from gan.sample import is_conditional

    if is_conditional(generator):  # a conditional run: does each image show the class asked for?
        from compare.class_consistency import class_consistency, load_test_labels

        labels = load_test_labels(dataset, data_dir, len(reference.probabilities))
        result["class_consistency"] = class_consistency(
            generator, evaluator, reference.probabilities, labels, n, seed, names
        )
    if write and run_dir.is_dir():
        write_json(run_dir / GanFiles.METRICS, result)
    return result


SNAPSHOT_METRICS_SUFFIX = ".metrics.json"
"""A kept generator's metrics live beside it: `generators/epoch_003.keras` -> `generators/epoch_003.metrics.json`."""


def snapshot_metrics(
    path: str | Path,
    evaluator,
    reference,
    n: int = DEFAULT_N,
    seed: int = 0,
    kid_subsets: int = 100,
    data_dir=None,
    progress=None,
) -> dict:
    """The metrics of one kept generator file (`generators/epoch_NNN.keras`), cached beside it.

    Measured by `measure_run` without the real-data floor and the Inception FID (the run's own
    `metrics.json` has those), so the generated images' numbers equal those `measure_run` gives the
    same generator; a conditional generator's include its class consistency. The cache answers when
    it was measured with the same N, seed, evaluator, reference and KID subsets.

    Args:
        path: the `.keras` generator file.
        evaluator, reference: as for `measure_run` (a `gan_metrics.Reference`).
        n, seed, kid_subsets, data_dir: as for `measure_run`.
        progress: called with a one-line message when the cache does not answer and the file is measured.

    Returns:
        `{"n", "seed", "reference", "evaluator", "kid_subsets", "generated", "seconds"}` (see
        `compare.gan_metrics.evaluate_generator`), plus `"class_consistency"` for a conditional generator.
    """
    import json

    path = Path(path)
    cache = path.with_suffix(SNAPSHOT_METRICS_SUFFIX)
    wanted = (n, seed, evaluator.sha256, reference.name, kid_subsets)
    try:
        old = json.loads(cache.read_text())
        if (old["n"], old["seed"], old["evaluator"]["sha256"], old["reference"], old.get("kid_subsets")) == wanted:
            return old
    except (OSError, ValueError, KeyError, TypeError):
        pass  # absent, unreadable or measured otherwise: measure again
    if progress:
        progress(f"measuring {path} ({n} images)")
    result = measure_run(path, n, seed, evaluator, reference, data_dir=data_dir, floor=False, inception=False,
                         kid_subsets=kid_subsets, write=False, verbose=0)  # fmt: skip
    keep = ("n", "seed", "reference", "evaluator", "generated", "class_consistency", "seconds")
    record = {"kid_subsets": kid_subsets, **{k: result[k] for k in keep if k in result}}
    write_json(cache, record)
    return record


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


TERMINAL_FORMATS = {
    "fid": "{:.3f}",
    "kid": "{:.3f}",
    "precision": "{:.3f}",
    "recall": "{:.3f}",
    "classifier_score": "{:.3f}",
    "class_entropy": "{:.3f}",
    "mean_intensity": "{:.1f}",
    "pixel_std": "{:.1f}",
    "image_contrast": "{:.1f}",
    "near_constant_fraction": "{:.3f}",
}
"""How the terminal table writes each metric (`compare.metric_table.table_rows`)."""


def metric_rows(result: dict) -> list[tuple[str, str, str, str]]:
    """The metrics as table rows: (metric, generated, real data, how to read it incl. which direction is better).

    The rows and their reading come from `compare.metric_table` (the report's table uses the same
    rows); the pixel statistics are rows too (absent from metrics files written before they existed).
    """
    from compare.metric_table import inception_row, table_rows

    rows = [(r.info.label, r.generated, r.real, r.info.reading()) for r in table_rows(result, TERMINAL_FORMATS)]
    cc = result.get("class_consistency")
    if cc:
        rows.append(
            (
                "class consistency",
                f"{cc['generated']['overall']:.3f}",
                f"{cc['real_test']['overall']:.3f}",
                "higher is better; the evaluator's accuracy on the class asked for (real data: on test images)",
            )
        )
    inception = inception_row(result, "{:.3f}")
    reading = inception.info.reading() if inception.measured else inception.info.short
    rows.append((inception.info.label, inception.generated, inception.real, reading))
    return rows


def format_table(result: dict) -> str:
    """A plain-text table of `metric_rows` for the terminal, then the verdict of `compare.assess`."""
    from compare.assess import assess_gan

    rows = [("metric", "generated", "real data", "reading")] + metric_rows(result)
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3])
    ev = result["evaluator"]
    ev_id = ev.get("id", ev["key"][:16])
    lines.append(
        f"N = {result['n']} generated vs {result['reference']}; seed {result['seed']}; evaluator "
        f"{ev_id} (the Fashion-MNIST classifier used to score the GAN; layer {ev['feature_layer']}, "
        f"test accuracy {ev['test_accuracy']:.2%})"
    )
    verdict = assess_gan(result)
    lines.append(f"verdict: {verdict.verdict} - {verdict.summary}")
    lines += [f"  caveat: {c}" for c in verdict.caveats]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from compare.evaluator import EvaluatorConfig, load_evaluator

    parser = ArgumentParser(
        prog="python -m compare.metrics",
        description="Measure a trained GAN run (FID, KID, precision/recall, classifier score, class histogram, "
        "real-data floor) and write RUN_DIR/metrics.json.",
    )
    parser.add_argument("run", metavar="RUN_DIR", help="a GAN run directory (holding generator.keras)")
    parser.add_argument("--n", type=int, default=DEFAULT_N, help=f"images to generate (default: {DEFAULT_N})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latent draw and the metrics (default: 0)")
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="evaluator cache folder (default: env COMPARE_CACHE_DIR or ~/.cache/gen-art-suite/compare)",
    )
    parser.add_argument("--data-dir", metavar="DIR", help="folder with the Fashion-MNIST .gz files")
    parser.add_argument("--no-floor", action="store_true", help="skip the real-data floor")
    parser.add_argument("--no-inception", action="store_true", help="do not try the Inception FID")
    parser.add_argument("--kid-subsets", type=int, default=100, help="KID subsets (default: 100)")
    parser.add_argument(
        "--evaluator",
        dest="evaluator_overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="evaluator setting (a different, separately cached evaluator), e.g. train_limit=512; repeatable",
    )
    parser.add_argument(
        "--reference-limit", type=int, metavar="N", help="use only the first N test images (quick checks)"
    )
    args = parser.parse_args(argv)
    configure_tensorflow()

    from compare import reference_cache

    run_dir = Path(args.run)
    if not run_dir.exists():
        raise InputError(f"RUN_DIR {run_dir} does not exist; pass a GAN run directory made by python -m gan.train")
    if not 2 <= args.n <= MAX_N:  # before the evaluator's training, not after
        raise ConfigError(f"--n must be between 2 and {MAX_N:,} images (the size of the real reference), got {args.n}")
    if args.kid_subsets < 1:
        raise ConfigError(f"--kid-subsets must be positive, got {args.kid_subsets}")
    if args.reference_limit is not None and args.reference_limit < 4:
        raise ConfigError(f"--reference-limit must be at least 4 images, got {args.reference_limit}")
    dataset, run_data_dir = run_dataset(run_dir) if run_dir.is_dir() else ("fashion_mnist", None)
    data_dir = args.data_dir or run_data_dir
    config = load_config(EvaluatorConfig, None, args.evaluator_overrides, {"dataset": dataset})
    # Check the generator before the (possibly long) evaluator training.
    from gan.sample import load_generator

    import_tensorflow_quietly()
    generator = load_generator(run_dir)
    evaluator = load_evaluator(config, args.cache_dir, data_dir)
    _stderr(f"extracting evaluator {evaluator.id}'s features of the test images (the reference)")
    reference = reference_cache.load_reference(evaluator, data_dir, args.reference_limit)
    result = measure_run(
        run_dir, args.n, args.seed, evaluator, reference, data_dir=data_dir, floor=not args.no_floor,
        inception=not args.no_inception, kid_subsets=args.kid_subsets, generator=generator,
    )  # fmt: skip
    print(format_table(result))
    if run_dir.is_dir():
        print(f"wrote {run_dir / 'metrics.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
