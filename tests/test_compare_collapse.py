"""Tests for compare.collapse: the FIDs of perfect generators of only k classes, on toy features."""

import numpy as np
import pytest

from compare.collapse import collapse_references
from compare.gan_metrics import Reference


def test_collapse_references_match_fid_of_the_chosen_classes():
    from compare.fid import fid_from_features

    rng = np.random.default_rng(0)
    centers = rng.normal(size=(4, 6)) * 3
    labels = np.repeat(np.arange(4), 150)
    features = centers[labels] + rng.normal(size=(600, 6))
    ref = Reference(None, centers[np.repeat(np.arange(4), 100)] + rng.normal(size=(400, 6)), None, "toy")
    refs = collapse_references(features, labels, ref, ks=(1, 2, 4), class_names=("a", "b", "c", "d"))
    assert [r["k"] for r in refs] == [1, 2, 4]
    for r in refs:
        chosen = np.isin(labels, ["abcd".index(c) for c in r["best_classes"]])
        assert r["best_fid"] == pytest.approx(fid_from_features(features[chosen], ref.features), rel=1e-6, abs=1e-6)
        assert r["best_fid"] <= r["median_fid"] and r["images"] == chosen.sum()
    # More classes, closer to the whole distribution.
    assert refs[0]["best_fid"] > refs[1]["best_fid"] > refs[2]["best_fid"]
