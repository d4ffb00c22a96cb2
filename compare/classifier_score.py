"""The classifier score (the Inception Score formula) and the class histogram of samples.

Salimans et al. (2016), "Improved Techniques for Training GANs": IS = exp(E_x KL(p(y|x) || p(y))).
It is high when each sample is confidently one class (sharp p(y|x)) and the classes are balanced
(flat p(y)); at most the number of classes (10). We apply the formula with the Fashion-MNIST
evaluator's softmax instead of Inception's (TF-GAN's "MNIST score"). The class histogram of the
samples and its entropy show mode collapse directly: a GAN that draws only trousers has entropy
near 0, a balanced one near ln 10 = 2.303 nats.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-12


def classifier_score(probabilities: np.ndarray, splits: int = 10) -> dict:
    """The Inception-Score formula on softmax outputs [N, K], mean and std over `splits` folds.

    Folds are consecutive slices (no shuffling), so the answer is deterministic.

    Returns:
        `{"mean", "std", "splits"}`.
    """
    p = np.asarray(probabilities, np.float64)
    if p.ndim != 2 or len(p) < splits:
        raise ValueError(f"probabilities must be [N, K] with N >= splits={splits}, got {p.shape}")
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)  # p(y) over this fold, [1, K]
        kl = (part * (np.log(part + _EPS) - np.log(marginal + _EPS))).sum(axis=1)  # [n]
        scores.append(np.exp(kl.mean()))
    return {"mean": float(np.mean(scores)), "std": float(np.std(scores)), "splits": splits}


def class_histogram(probabilities: np.ndarray, class_names: tuple[str, ...] | None = None) -> dict:
    """Counts of the predicted (arg-max) classes and the histogram's entropy.

    Returns:
        `{"counts": [K ints], "fractions": [K], "classes": names, "entropy": nats,
        "max_entropy": ln K, "normalized_entropy": entropy / ln K}`.
    """
    p = np.asarray(probabilities, np.float64)
    k = p.shape[1]
    counts = np.bincount(p.argmax(axis=1), minlength=k)
    fractions = counts / counts.sum()
    nonzero = fractions[fractions > 0]
    entropy = float(-(nonzero * np.log(nonzero)).sum()) + 0.0  # + 0.0 turns -0.0 into 0.0
    return {
        "counts": counts.tolist(),
        "fractions": [round(float(f), 6) for f in fractions],
        "classes": list(class_names) if class_names is not None else [str(i) for i in range(k)],
        "entropy": entropy,
        "max_entropy": float(np.log(k)),
        "normalized_entropy": entropy / float(np.log(k)),
    }
