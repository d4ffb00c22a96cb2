"""Tests for compare.reference_cache: the kept reference features and real-data rows equal fresh ones, and miss on any change."""

import numpy as np
import pytest

from compare import gan_metrics, reference_cache

pytestmark = pytest.mark.slow  # the tiny evaluator's training

SMALL = dict(kid_subsets=4, kid_subset_size=30)


def test_the_kept_reference_equals_a_fresh_one(tiny_evaluator, tmp_path, monkeypatch):
    fresh = gan_metrics.load_reference(tiny_evaluator, limit=200)
    first = reference_cache.load_reference(tiny_evaluator, limit=200, cache_dir=tmp_path)
    assert len(list(tmp_path.glob(f"reference-{tiny_evaluator.id}-*.npz"))) == 1

    def no_features(*args, **kwargs):
        raise AssertionError("the kept reference was computed again")

    monkeypatch.setattr(type(tiny_evaluator), "predict", no_features)
    again = reference_cache.load_reference(tiny_evaluator, limit=200, cache_dir=tmp_path)
    for ref in (first, again):
        np.testing.assert_array_equal(ref.features, fresh.features)
        np.testing.assert_array_equal(ref.probabilities, fresh.probabilities)
        np.testing.assert_array_equal(ref.images, fresh.images)
        assert ref.name == fresh.name and ref.features.dtype == np.float64
    with pytest.raises(AssertionError, match="computed again"):  # other test images: a miss
        reference_cache.load_reference(tiny_evaluator, limit=100, cache_dir=tmp_path)


def test_the_kept_real_data_row_equals_a_fresh_one_and_any_change_misses(tiny_evaluator, tmp_path, monkeypatch):
    reference = gan_metrics.load_reference(tiny_evaluator, limit=200)
    fresh = gan_metrics.real_floor(tiny_evaluator, reference, 60, 1, **SMALL)
    calls = []
    predict = type(tiny_evaluator).predict

    def counted(self, images, *args, **kwargs):  # the row's only network pass: counts the computations
        calls.append(len(images))
        return predict(self, images, *args, **kwargs)

    # Spied on through the evaluator: the key hashes gan_metrics' code, so patching it would be a miss.
    monkeypatch.setattr(type(tiny_evaluator), "predict", counted)
    messages = []
    first = reference_cache.real_floor(tiny_evaluator, reference, 60, 1, cache_dir=tmp_path, bundled=tmp_path / "none",
                                       progress=messages.append, **SMALL)  # fmt: skip
    again = reference_cache.real_floor(tiny_evaluator, reference, 60, 1, cache_dir=tmp_path, bundled=tmp_path / "none",
                                       progress=messages.append, **SMALL)  # fmt: skip
    assert first == fresh and again == fresh and calls == [60]
    assert "scoring 60 real training images" in messages[0] and "from the cache" in messages[1]
    for n, seed in ((61, 1), (60, 2)):  # another N, another seed: computed, not taken
        reference_cache.real_floor(tiny_evaluator, reference, n, seed, cache_dir=tmp_path, bundled=tmp_path / "none",
                                   **SMALL)  # fmt: skip
    assert calls == [60, 61, 60]
    other = type(tiny_evaluator)(**{**vars(tiny_evaluator), "key": "f" * 64})  # another evaluator, same network
    reference_cache.real_floor(other, reference, 60, 1, cache_dir=tmp_path, bundled=tmp_path / "none", **SMALL)
    assert len(calls) == 4
    reference_cache.real_floor(tiny_evaluator, reference, 60, 1, cache_dir=tmp_path, kid_subsets=5,
                               kid_subset_size=30, bundled=tmp_path / "none")  # fmt: skip
    assert len(calls) == 5


def test_a_shipped_row_is_used_only_when_its_key_matches(tiny_evaluator, tmp_path, monkeypatch):
    import json

    from common.atomic import write_json

    reference = gan_metrics.load_reference(tiny_evaluator, limit=200)
    package = tmp_path / "package"
    package.mkdir()
    row, key = reference_cache._real_floor(tiny_evaluator, reference, 50, 0, None, None, True, 4, 30,
                                           tmp_path / "cache", package, None)  # fmt: skip
    shipped = package / f"evaluator-{tiny_evaluator.id}.real-data.json"
    write_json(shipped, {"key": key, "real_floor": dict(row, marker="shipped")})

    def no_floor(*args, **kwargs):
        raise AssertionError("computed although the package holds it")

    monkeypatch.setattr(type(tiny_evaluator), "predict", no_floor)
    got = reference_cache.real_floor(tiny_evaluator, reference, 50, 0, kid_subsets=4, kid_subset_size=30,
                                     cache_dir=tmp_path / "empty", bundled=package)  # fmt: skip
    assert got["marker"] == "shipped"
    shipped.write_text(json.dumps({"key": "0" * 64, "real_floor": row}))
    with pytest.raises(AssertionError, match="computed although"):
        reference_cache.real_floor(tiny_evaluator, reference, 50, 0, kid_subsets=4, kid_subset_size=30,
                                   cache_dir=tmp_path / "empty2", bundled=package)  # fmt: skip
