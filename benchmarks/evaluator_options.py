"""The evaluator options the GAN quality benchmarks share: which cached evaluator scores the samples.

`benchmarks/gan_quality.py` and `benchmarks/demo_budget.py` measure FID and friends with
`compare.evaluator`; on tiny validation settings they train a smaller evaluator and score against
fewer test images. These are their common options and the evaluator they name.
"""

from __future__ import annotations

import argparse


def add_evaluator_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds `--cache-dir`, `--evaluator KEY=VALUE` (repeatable) and `--reference-limit N` to `parser`."""
    parser.add_argument("--cache-dir", metavar="DIR", help="evaluator cache folder")
    parser.add_argument(
        "--evaluator", action="append", default=[], metavar="KEY=VALUE", help="evaluator setting (validation)"
    )
    parser.add_argument("--reference-limit", type=int, help="first N test images only (validation)")


def load_named_evaluator(args: argparse.Namespace):
    """The evaluator that `args.evaluator` and `args.cache_dir` name, trained and cached on first use.

    Returns:
        A `compare.evaluator.Evaluator`.
    """
    from common.config import load_config
    from compare.evaluator import EvaluatorConfig, load_evaluator

    return load_evaluator(load_config(EvaluatorConfig, None, args.evaluator), args.cache_dir)
