"""`python -m compare.metrics RUN_DIR`: measure a trained GAN and write `metrics.json` into its run.

Generates N images (default 10,000) from the run's `generator.keras` with a seeded latent draw and
measures them against the 10,000 Fashion-MNIST test images with the cached evaluator
(`compare.evaluator`): FID, KID, precision/recall (k = 3), classifier score and the class histogram
with its entropy, beside the real-data floor (N real train images against the same test images).
The Inception FID is added when its weights are on disk, else reported as skipped.

Usage:
    python -m compare.metrics RUN_DIR [--n 10000] [--seed 0] [--cache-dir DIR] [--data-dir DIR]
        [--no-floor] [--evaluator KEY=VALUE ...] [--reference-limit N] [--kid-subsets N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from common.atomic import write_json
from common.cli import run_cli
from common.config import load_config
from common.errors import ConfigError, InputError
from common.tfenv import configure_tensorflow, import_tensorflow_quietly
from compare.gan_metrics import DEFAULT_N

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def run_dataset(run_dir: Path) -> tuple[str, str | None]:
    """Returns (dataset, data_dir) from a GAN run's `config.toml` (Fashion-MNIST when it says nothing)."""
    path = run_dir / "config.toml"
    try:
        data = tomllib.loads(path.read_text()).get("data", {}) if path.is_file() else {}
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise InputError(f"cannot read {path}: {e}") from None
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

    Returns:
        The metrics dict (see `compare.gan_metrics.evaluate_generator`), plus `"run"`.

    Raises:
        InputError: no generator there.
    """
    from compare import gan_metrics
    from compare.evaluator import EvaluatorConfig, load_evaluator
    from gan.sample import load_generator
    from gan.data import FASHION_MNIST_CLASSES

    run_dir = Path(run_dir)
    if n < 2:
        raise ConfigError(f"--n must be at least 2 images, got {n}")
    dataset, run_data_dir = run_dataset(run_dir) if run_dir.is_dir() else ("fashion_mnist", None)
    data_dir = data_dir or run_data_dir
    generator = generator if generator is not None else load_generator(run_dir)
    if evaluator is None:
        evaluator = load_evaluator(EvaluatorConfig(dataset=dataset), cache_dir, data_dir)
    if reference is None:
        reference = gan_metrics.load_reference(evaluator, data_dir)
    names = FASHION_MNIST_CLASSES if dataset in ("fashion_mnist", "fashion-mnist") else None
    result = {"run": str(run_dir)}
    result.update(
        gan_metrics.evaluate_generator(
            generator, evaluator, reference, n, seed, data_dir, floor, inception, names, kid_subsets
        )
    )
    from gan.sample import is_conditional

    if is_conditional(generator):  # a conditional run: does each image show the class asked for?
        from compare.class_consistency import class_consistency, load_test_labels

        labels = load_test_labels(dataset, data_dir, len(reference.probabilities))
        result["class_consistency"] = class_consistency(
            generator, evaluator, reference.probabilities, labels, n, seed, names
        )
    if write and run_dir.is_dir():
        write_json(run_dir / "metrics.json", result)
    return result


def metric_rows(result: dict) -> list[tuple[str, str, str, str]]:
    """The metrics as table rows: (metric, generated, real floor, how to read it)."""
    gen, floor = result["generated"], result.get("real_floor")

    def both(fn):
        return fn(gen), (fn(floor) if floor else "-")

    rows = [
        ("FID", *both(lambda m: f"{m['fid']:.3f}"), "lower is better; 0 = same feature Gaussian"),
        ("KID x 1000", *both(lambda m: f"{1000 * m['kid']['mean']:.3f} ± {1000 * m['kid']['std']:.3f}"),
         "lower is better; unbiased, ~0 for real data"),
        ("precision", *both(lambda m: f"{m['precision']:.3f}"), "share of samples that look real"),
        ("recall", *both(lambda m: f"{m['recall']:.3f}"), "share of real variety covered"),
        ("classifier score", *both(lambda m: f"{m['classifier_score']['mean']:.3f} ± {m['classifier_score']['std']:.3f}"),
         "Inception-Score formula, max 10"),
        ("class entropy (nats)", *both(lambda m: f"{m['class_histogram']['entropy']:.3f}"),
         f"max ln 10 = {gen['class_histogram']['max_entropy']:.3f}; low = mode collapse"),
    ]  # fmt: skip
    cc = result.get("class_consistency")
    if cc:
        rows.append(("class consistency", f"{cc['generated']['overall']:.3f}", f"{cc['real_test']['overall']:.3f}",
                     "evaluator accuracy on the class asked for; real: on test images"))
    inc = result.get("inception_fid", {})
    if inc.get("status") == "measured":
        rows.append(("Inception FID", f"{inc['fid']:.3f}", "-", f"299 px, {inc['n_generated']} vs {inc['n_reference']}"))
    else:
        rows.append(("Inception FID", "skipped", "-", inc.get("reason", "not measured")))
    return rows


def format_table(result: dict) -> str:
    """A plain-text table of `metric_rows` for the terminal."""
    rows = [("metric", "generated", "real floor", "reading")] + metric_rows(result)
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3])
    ev = result["evaluator"]
    lines.append(
        f"N = {result['n']} generated vs {result['reference']}; seed {result['seed']}; evaluator "
        f"{ev['sha256'][:12]} (layer {ev['feature_layer']}, test accuracy {ev['test_accuracy']:.2%})"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from compare.evaluator import EvaluatorConfig, load_evaluator

    parser = argparse.ArgumentParser(
        prog="python -m compare.metrics",
        description="Measure a trained GAN run (FID, KID, precision/recall, classifier score, class histogram, "
        "real-data floor) and write RUN_DIR/metrics.json.",
    )
    parser.add_argument("run", metavar="RUN_DIR", help="a GAN run directory (holding generator.keras)")
    parser.add_argument("--n", type=int, default=DEFAULT_N, help=f"images to generate (default: {DEFAULT_N})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latent draw and the metrics (default: 0)")
    parser.add_argument("--cache-dir", metavar="DIR", help="evaluator cache folder (default: env COMPARE_CACHE_DIR or ~/.cache/gen-art-suite/compare)")
    parser.add_argument("--data-dir", metavar="DIR", help="folder with the Fashion-MNIST .gz files")
    parser.add_argument("--no-floor", action="store_true", help="skip the real-data floor")
    parser.add_argument("--no-inception", action="store_true", help="do not try the Inception FID")
    parser.add_argument("--kid-subsets", type=int, default=100, help="KID subsets (default: 100)")
    parser.add_argument("--evaluator", dest="evaluator_overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="evaluator setting (a different, separately cached evaluator), e.g. train_limit=512; repeatable")
    parser.add_argument("--reference-limit", type=int, metavar="N", help="use only the first N test images (quick checks)")
    args = parser.parse_args(argv)
    configure_tensorflow()

    from compare import gan_metrics

    run_dir = Path(args.run)
    if not run_dir.exists():
        raise InputError(f"RUN_DIR {run_dir} does not exist; pass a GAN run directory made by python -m gan.train")
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
    reference = gan_metrics.load_reference(evaluator, data_dir, args.reference_limit)
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
