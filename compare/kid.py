"""Kernel Inception Distance (KID): an unbiased MMD between two feature distributions.

Bińkowski et al. (2018), "Demystifying MMD GANs": the squared maximum mean discrepancy with the
cubic polynomial kernel k(x, y) = (x.y / D + 1)^3, estimated without bias on random subsets of both
sets; the mean and standard deviation over subsets are reported. Unlike FID its estimate does not
depend on N in expectation, and it is about 0 (it can be slightly negative) for two samples of one
distribution.
"""

from __future__ import annotations

import numpy as np


def polynomial_kernel(x: np.ndarray, y: np.ndarray, degree: int = 3, coef0: float = 1.0) -> np.ndarray:
    """k(x, y) = (x.y / D + coef0)^degree for rows of x [N, D] and y [M, D]; returns [N, M]."""
    return (x @ y.T / x.shape[1] + coef0) ** degree


def mmd2_unbiased(x: np.ndarray, y: np.ndarray, degree: int = 3, coef0: float = 1.0) -> float:
    """The unbiased MMD^2 estimate between samples x [m, D] and y [n, D] (diagonals left out)."""
    m, n = len(x), len(y)
    kxx = polynomial_kernel(x, x, degree, coef0)
    kyy = polynomial_kernel(y, y, degree, coef0)
    kxy = polynomial_kernel(x, y, degree, coef0)
    term_xx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    term_yy = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(term_xx + term_yy - 2.0 * kxy.mean())


def kernel_inception_distance(
    features1: np.ndarray,
    features2: np.ndarray,
    subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
) -> dict:
    """KID between two feature sets, as the mean and standard deviation over random subsets.

    Args:
        features1, features2: [N1, D] and [N2, D].
        subsets: how many subset pairs to draw.
        subset_size: images per subset; lowered to the smaller set's size when that is smaller.
        seed: the seed of the subset draws (same seed, same answer).

    Returns:
        `{"mean", "std", "subsets", "subset_size"}`.
    """
    x = np.asarray(features1, np.float64)
    y = np.asarray(features2, np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"features must be [N, D] with the same D, got {x.shape} and {y.shape}")
    size = min(subset_size, len(x), len(y))
    if size < 2:
        raise ValueError(f"KID needs at least 2 samples per set, got {len(x)} and {len(y)}")
    rng = np.random.default_rng(seed)
    values = np.array(
        [
            mmd2_unbiased(x[rng.choice(len(x), size, replace=False)], y[rng.choice(len(y), size, replace=False)])
            for _ in range(subsets)
        ]
    )
    return {"mean": float(values.mean()), "std": float(values.std()), "subsets": subsets, "subset_size": size}
