"""Improved precision and recall of a generative model (k-NN manifolds).

Kynkäänniemi et al. (2019), "Improved Precision and Recall Metric for Assessing Generative Models":
each set's manifold is the union of balls around its points, each ball reaching that point's k-th
nearest neighbour within the set (k = 3). Precision is the fraction of generated samples inside the
real manifold (are the samples realistic?), recall the fraction of real samples inside the generated
manifold (is the variety of the data covered?). A mode-collapsed GAN has high precision, low recall.
"""

from __future__ import annotations

import numpy as np


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances [len(a), len(b)], clipped at 0 against rounding."""
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def knn_radii(features: np.ndarray, k: int = 3, batch_size: int = 1000) -> np.ndarray:
    """Returns each point's squared distance to its k-th nearest other point, [N]."""
    features = np.asarray(features, np.float64)
    if len(features) <= k:
        raise ValueError(f"k-NN radii with k={k} need more than {k} points, got {len(features)}")
    radii = np.empty(len(features))
    for start in range(0, len(features), batch_size):
        d = _squared_distances(features[start : start + batch_size], features)
        # Index k, not k - 1: the smallest distance of each row is the point to itself.
        radii[start : start + batch_size] = np.partition(d, k, axis=1)[:, k]
    return radii


def manifold_coverage(manifold: np.ndarray, radii: np.ndarray, queries: np.ndarray, batch_size: int = 1000) -> float:
    """The fraction of `queries` [M, D] inside the union of balls (manifold [N, D], radii [N])."""
    queries = np.asarray(queries, np.float64)
    manifold = np.asarray(manifold, np.float64)
    inside = 0
    for start in range(0, len(queries), batch_size):
        d = _squared_distances(queries[start : start + batch_size], manifold)
        inside += int((d <= radii[None, :]).any(axis=1).sum())
    return inside / len(queries)


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> dict:
    """Improved precision and recall of `fake` features [M, D] against `real` features [N, D].

    Returns:
        `{"precision", "recall", "k"}`, fractions in [0, 1].
    """
    real = np.asarray(real, np.float64)
    fake = np.asarray(fake, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"features must be [N, D] with the same D, got {real.shape} and {fake.shape}")
    precision = manifold_coverage(real, knn_radii(real, k), fake)
    recall = manifold_coverage(fake, knn_radii(fake, k), real)
    return {"precision": precision, "recall": recall, "k": k}
