"""Tests for the GAN metrics against known answers: FID, KID, precision/recall, classifier score."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compare.classifier_score import class_histogram, classifier_score
from compare.fid import feature_statistics, fid_from_features, frechet_distance
from compare.kid import kernel_inception_distance, mmd2_unbiased
from compare.precision_recall import knn_radii, precision_recall


def _random_cov(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def _closed_form_fid(mu1, s1, mu2, s2):
    """d^2 = |mu1-mu2|^2 + Tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2), via symmetric eigendecompositions."""

    def sqrt_psd(m):
        w, v = np.linalg.eigh(m)
        return (v * np.sqrt(np.clip(w, 0, None))) @ v.T

    r1 = sqrt_psd(s1)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * sqrt_psd(r1 @ s2 @ r1)))


def test_fid_of_a_sample_with_itself_is_zero():
    x = np.random.default_rng(0).normal(size=(2000, 16)) * 3 + 1
    assert abs(fid_from_features(x, x)) < 1e-6


def test_fid_of_two_gaussians_matches_the_closed_form():
    rng = np.random.default_rng(1)
    d = 6
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    s1, s2 = _random_cov(rng, d), _random_cov(rng, d)
    expected = _closed_form_fid(mu1, s1, mu2, s2)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-6)
    # The same from samples: the estimate converges to the closed form.
    x = rng.multivariate_normal(mu1, s1, size=40000)
    y = rng.multivariate_normal(mu2, s2, size=40000)
    assert fid_from_features(x, y) == pytest.approx(expected, rel=0.05)


def test_fid_of_one_dimensional_gaussians():
    # d^2 = (m1 - m2)^2 + (s1 - s2)^2 for N(m1, s1^2) and N(m2, s2^2).
    assert frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4 + 1)


def test_fid_handles_singular_covariances():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(size=(500, 4)), np.zeros((500, 4))], axis=1)  # 4 dead units
    y = np.concatenate([rng.normal(size=(500, 4)) + 1, np.zeros((500, 4))], axis=1)
    value = fid_from_features(x, y)
    assert np.isfinite(value) and value > 1.0


def test_feature_statistics_rejects_bad_shapes():
    with pytest.raises(ValueError):
        feature_statistics(np.zeros(5))


def test_mmd_matches_a_direct_double_loop():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(7, 3)), rng.normal(size=(9, 3)) + 0.5
    k = lambda a, b: (a @ b / 3 + 1) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(7) for j in range(7) if i != j) / (7 * 6)
    yy = sum(k(y[i], y[j]) for i in range(9) for j in range(9) if i != j) / (9 * 8)
    xy = sum(k(x[i], y[j]) for i in range(7) for j in range(9)) / (7 * 9)
    assert mmd2_unbiased(x, y) == pytest.approx(xx + yy - 2 * xy)


def test_kid_is_unbiased_around_zero_for_one_distribution():
    rng = np.random.default_rng(4)
    means = []
    for repeat in range(20):
        x, y = rng.normal(size=(400, 8)), rng.normal(size=(400, 8))
        means.append(kernel_inception_distance(x, y, subsets=10, subset_size=200, seed=repeat)["mean"])
    means = np.array(means)
    # Unbiased: the average over independent repeats is within 3 standard errors of 0, and some
    # repeats come out negative (a biased, always-positive estimator would fail this).
    assert abs(means.mean()) < 3 * means.std() / np.sqrt(len(means))
    assert (means < 0).any()
    shifted = kernel_inception_distance(rng.normal(size=(400, 8)), rng.normal(size=(400, 8)) + 0.5, 10, 200)
    assert shifted["mean"] > 10 * means.std()


def test_kid_is_deterministic_given_a_seed():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(300, 4)), rng.normal(size=(300, 4))
    a = kernel_inception_distance(x, y, subsets=5, subset_size=100, seed=7)
    b = kernel_inception_distance(x, y, subsets=5, subset_size=100, seed=7)
    assert a == b and a["subset_size"] == 100


def test_knn_radii_on_a_line():
    points = np.arange(6, dtype=float)[:, None]  # 0, 1, ..., 5
    # k = 2: the 2nd nearest other point of 0 is 2 (squared distance 4); of 2 it is 1 or 3 (1).
    np.testing.assert_allclose(knn_radii(points, k=2), [4, 1, 1, 1, 1, 4])


def test_precision_recall_on_toy_point_clouds():
    rng = np.random.default_rng(6)
    real = rng.normal(size=(1000, 2))
    same = precision_recall(real, rng.normal(size=(1000, 2)))
    assert same["precision"] > 0.85 and same["recall"] > 0.85 and same["k"] == 3
    # Mode collapse: every sample near one real mode -> realistic (high precision), no variety.
    collapsed = precision_recall(real, rng.normal(size=(1000, 2)) * 0.1 + [0.5, 0.0])
    assert collapsed["precision"] > 0.9 and collapsed["recall"] < 0.2
    # Off the data: neither.
    far = precision_recall(real, rng.normal(size=(1000, 2)) + 20)
    assert far["precision"] == 0 and far["recall"] == 0
    # Spread wider than the data: covers it (recall high) but many samples are off it.
    wide = precision_recall(real, rng.normal(size=(1000, 2)) * 4)
    assert wide["recall"] > 0.9 and wide["precision"] < 0.5


def test_classifier_score_known_values():
    k = 10
    confident_balanced = np.eye(k)[np.arange(1000) % k]
    assert classifier_score(confident_balanced)["mean"] == pytest.approx(k, rel=1e-6)
    one_class = np.eye(k)[np.zeros(1000, int)]
    assert classifier_score(one_class)["mean"] == pytest.approx(1.0, rel=1e-6)
    undecided = np.full((1000, k), 1 / k)
    assert classifier_score(undecided)["mean"] == pytest.approx(1.0, rel=1e-6)


def test_class_histogram_entropy():
    k = 4
    balanced = class_histogram(np.eye(k)[np.arange(400) % k], ("a", "b", "c", "d"))
    assert balanced["counts"] == [100] * 4 and balanced["normalized_entropy"] == pytest.approx(1.0)
    collapsed = class_histogram(np.eye(k)[np.full(400, 2)])
    assert collapsed["entropy"] == 0 and collapsed["counts"][2] == 400


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 5), st.integers(0, 2**31 - 1))
def test_fid_is_symmetric_and_non_negative(d, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(50, d)), rng.normal(size=(60, d)) * 2
    a, b = fid_from_features(x, y), fid_from_features(y, x)
    assert a == pytest.approx(b, rel=1e-6, abs=1e-8) and a > -1e-8


def test_inception_weights_are_found_offline_or_skipped_with_a_reason(tmp_path):
    from compare.inception import ENV_VAR, KERAS_CACHE_NAME, find_weights, inception_fid

    path, reason = find_weights({"KERAS_HOME": str(tmp_path)})
    assert path is None and ENV_VAR in reason
    result = inception_fid(np.zeros((2, 28, 28, 1), np.uint8), np.zeros((2, 28, 28, 1), np.uint8),
                           {"KERAS_HOME": str(tmp_path)})  # fmt: skip
    assert result["status"] == "skipped" and result["reason"] == reason
    assert find_weights({ENV_VAR: str(tmp_path / "missing.h5")})[0] is None
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / KERAS_CACHE_NAME).write_bytes(b"")
    assert find_weights({"KERAS_HOME": str(tmp_path)}) == (tmp_path / "models" / KERAS_CACHE_NAME, "Keras cache")
