"""Shared pytest fixtures. Each package's fixtures live in their own clearly marked block."""

from __future__ import annotations

import pytest

# --- compare/ fixtures ---------------------------------------------------------------------------
# A tiny evaluator (a few hundred training images, one epoch), trained once per test session into
# a temporary cache folder, so compare tests never need the full 60,000-image training.
from compare_support import TINY_EVALUATOR, fashion_mnist_present  # noqa: E402


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


# --- end of compare/ fixtures --------------------------------------------------------------------
