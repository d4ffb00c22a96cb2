"""Fréchet distance between two feature distributions modelled as Gaussians (FID).

Heusel et al. (2017), "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
Equilibrium": fit a Gaussian to each set of features and report

    d^2 = |mu_1 - mu_2|^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2)),

the squared 2-Wasserstein distance between the Gaussians. With Inception-v3 pool features it is
"FID"; here the features come from `compare.evaluator` (a Fashion-MNIST classifier), so the numbers
are on that network's scale and comparable only with the same evaluator (its hash is recorded).
FID is biased upwards for small N: compare values measured with the same N.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Returns the mean [D] and covariance [D, D] (float64, N-1 normalized) of features [N, D]."""
    features = np.asarray(features, np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"features must be [N, D] with N >= 2, got shape {features.shape}")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray, eps: float = 1e-6
) -> float:
    """The Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2).

    Args:
        mu1, mu2: means [D].
        sigma1, sigma2: covariances [D, D].
        eps: added to both diagonals when the product is singular (as pytorch-fid and TF-GAN do).

    Returns:
        The squared distance d^2 above (>= 0 up to rounding).

    Raises:
        ValueError: shapes disagree, or the square root has a large imaginary part (which means
            the covariances are not positive semi-definite, i.e. the features are broken).
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (len(mu1), len(mu1)):
        raise ValueError(f"shapes disagree: mu {mu1.shape} {mu2.shape}, sigma {sigma1.shape} {sigma2.shape}")
    diff = mu1 - mu2
    with warnings.catch_warnings():
        # A singular product warns; it is handled below (or is harmless: its root is still exact
        # on the non-singular part).
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        # A singular product (e.g. dead ReLU units in both sets) has no finite square root:
        # regularize both covariances a little, as the reference implementations do.
        offset = np.eye(len(mu1)) * eps
        covmean = scipy.linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        # sqrtm of a product of PSD matrices is real in exact arithmetic; rounding leaves tiny
        # imaginary parts, which are dropped. Large ones mean the input is not PSD.
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"sqrtm has imaginary component {np.max(np.abs(covmean.imag)):.3g}")
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


def fid_from_features(features1: np.ndarray, features2: np.ndarray) -> float:
    """FID between two feature sets [N1, D] and [N2, D]."""
    return frechet_distance(*feature_statistics(features1), *feature_statistics(features2))
