"""Shared pytest fixtures. Each package's fixtures live in their own clearly marked block."""

from __future__ import annotations

import pytest

# --- compare/ fixtures ---------------------------------------------------------------------------
# A tiny evaluator (a few hundred training images, one epoch), trained once per test session into
# a temporary cache folder, so compare tests never need the full 60,000-image training.
from compare_support import TINY_EVALUATOR, TINY_REPORT_GAN, TINY_REPORT_NST, fashion_mnist_present  # noqa: E402


@pytest.fixture(scope="session")
def compare_cache_dir(tmp_path_factory):
    """A session-wide evaluator cache folder."""
    return tmp_path_factory.mktemp("compare-cache")


@pytest.fixture(scope="session")
def tiny_evaluator(compare_cache_dir):
    """A `compare.evaluator.Evaluator` trained on 512 Fashion-MNIST images (skips without the data)."""
    if not fashion_mnist_present():
        pytest.skip("Fashion-MNIST absent: install dataset-fashion-mnist or fill Keras's cache")
    from compare.evaluator import EvaluatorConfig, load_evaluator

    return load_evaluator(EvaluatorConfig(**TINY_EVALUATOR), compare_cache_dir, verbose=0)


@pytest.fixture(scope="session")
def report_runs(tmp_path_factory):
    """A tiny `gan.train` run `reference` (`TINY_REPORT_GAN`) and a 48 px `nst.transfer` run `tubingen-starry`
    (`TINY_REPORT_NST`), made once for the one-run and the several-run report tests. Tests read them; a test
    that changes a run works on a copy."""
    if not fashion_mnist_present():
        pytest.skip("Fashion-MNIST absent: install dataset-fashion-mnist or fill Keras's cache")
    from pathlib import Path

    from common.config import load_config
    from gan.config import GANConfig
    from gan.train import train
    from nst.transfer import main as nst_main

    assets = Path(__file__).resolve().parents[1] / "nst" / "assets"
    root = tmp_path_factory.mktemp("report-runs")
    gan, nst = root / "reference", root / "tubingen-starry"
    gan.mkdir()
    train(load_config(GANConfig, None, TINY_REPORT_GAN), gan, verbose=0, handle_signals=False)
    args = [str(assets / "tubingen.jpg"), str(assets / "starry_night.jpg"), "--out", str(nst), *TINY_REPORT_NST]
    assert nst_main(args) == 0
    return gan, nst


# --- end of compare/ fixtures --------------------------------------------------------------------
