"""What a perfect but collapsed generator scores: the FIDs of real images of only k classes.

A generator that draws flawless images of only k of the ten classes is the ideal mode-collapsed
generator, and its FID is that of the real images of those classes against the test set.
`collapse_references` measures it for every combination of k classes on the real-data row's images
(`compare.gan_metrics.real_floor`); `compare.gan_checks.collapse_reference` reads the result as the
yardstick that says whether a GAN's FID means it learned the distribution.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

from compare.fid import feature_statistics

if TYPE_CHECKING:
    from compare.gan_metrics import Reference

COLLAPSE_CLASSES = (1, 2, 3)
"""The k of the collapse references: FID of the best perfect generator of only k classes."""


def collapse_references(
    features: np.ndarray,
    labels: np.ndarray,
    reference: Reference,
    ks: tuple[int, ...] = COLLAPSE_CLASSES,
    class_names: tuple[str, ...] | None = None,
) -> list[dict]:
    """FIDs of perfect but collapsed generators: real images of only k classes against the reference.

    A generator that draws flawless images of only k of the ten classes is the ideal mode-collapsed
    generator; its FID is that of the real images of those classes. For each k every combination of
    k classes is tried and the lowest FID kept (the most favourable collapse), so a generator scoring
    above it is worse than one that copies k classes perfectly and ignores the rest.

    Args:
        features: evaluator features [N, D] of labelled real images (the floor's train subset).
        labels: their class labels [N].
        reference: the test set as the evaluator sees it.
        ks: the k values.
        class_names: names for the classes (default: their numbers).

    Returns:
        One dict per k: `{"k", "best_fid", "best_classes", "median_fid", "images"}` (the images of
        the best combination); k values with fewer than 2 images per combination are left out.
    """
    features = np.asarray(features, np.float64)
    labels = np.asarray(labels)
    classes = sorted(int(c) for c in np.unique(labels))
    names = class_names or tuple(str(c) for c in range(max(classes) + 1))
    mu_ref, sigma_ref = feature_statistics(reference.features)
    # Tr((S_r S)^1/2) = Tr((R S R)^1/2) with R = S_r^1/2 symmetric: one eigh of the reference, then a
    # symmetric eigenvalue problem per combination (much cheaper than scipy's general sqrtm).
    w, v = np.linalg.eigh(sigma_ref)
    root = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    out = []
    for k in ks:
        if k > len(classes):
            continue
        scored = []
        for combo in itertools.combinations(classes, k):
            chosen = features[np.isin(labels, combo)]
            if len(chosen) < 2:
                continue
            mu, sigma = feature_statistics(chosen)
            eig = np.linalg.eigvalsh(root @ sigma @ root)
            fid = float(np.sum((mu - mu_ref) ** 2) + np.trace(sigma) + np.trace(sigma_ref)
                        - 2.0 * np.sum(np.sqrt(np.clip(eig, 0, None))))  # fmt: skip
            scored.append((fid, combo, len(chosen)))
        if not scored:
            continue
        best = min(scored)
        out.append({"k": k, "best_fid": best[0], "best_classes": [names[c] for c in best[1]],
                    "median_fid": float(np.median([f for f, _, _ in scored])), "images": int(best[2])})  # fmt: skip
    return out
