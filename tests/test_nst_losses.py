"""Tests for nst.losses against NumPy references of Gatys et al.'s formulas and the keras.io scale."""

from __future__ import annotations

import numpy as np
import pytest

from nst import losses


def _features(seed, shape=(2, 5, 7, 4)):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def _raw_gram(f):  # [B, H, W, C] -> [B, C, C], F^T F
    b, h, w, c = f.shape
    flat = f.reshape(b, h * w, c).astype(np.float64)
    return np.einsum("bpi,bpj->bij", flat, flat)


def test_gram_matrix_matches_numpy_normalized_and_raw():
    f = _features(0)
    b, h, w, c = f.shape
    assert np.allclose(losses.gram_matrix(f, normalize=False).numpy(), _raw_gram(f), rtol=1e-5, atol=1e-4)
    assert np.allclose(losses.gram_matrix(f).numpy(), _raw_gram(f) / (h * w * c), rtol=1e-5, atol=1e-6)
    assert np.allclose(losses.gram_matrix(f[0]).numpy(), _raw_gram(f[:1])[0] / (h * w * c), rtol=1e-5, atol=1e-6)


def test_normalized_gram_does_not_change_when_a_texture_is_tiled():
    f = _features(1, (1, 4, 4, 3))
    tiled = np.tile(f, (1, 3, 2, 1))  # the same statistics over 6x the positions
    assert np.allclose(losses.gram_matrix(f).numpy(), losses.gram_matrix(tiled).numpy(), rtol=1e-5)


def test_style_layer_loss_is_gatys_e_l():
    f, a = _features(2, (1, 6, 5, 8)), _features(3, (1, 6, 5, 8))
    n, m = 8, 30
    gatys = np.sum((_raw_gram(f) - _raw_gram(a)) ** 2) / (4 * n**2 * m**2)  # eq. 4 of the paper
    ours = losses.style_layer_loss(losses.gram_matrix(f), losses.gram_matrix(a)[0])
    assert float(ours) == pytest.approx(gatys, rel=1e-4)


def test_style_layer_loss_kerasio_scale():
    f, a = _features(4, (1, 3, 4, 2)), _features(5, (1, 3, 4, 2))
    pixels = 48 * 64
    expected = np.sum((_raw_gram(f) - _raw_gram(a)) ** 2) / (4.0 * 9 * pixels**2)
    got = losses.style_layer_loss(losses.gram_matrix(f, False), losses.gram_matrix(a, False), False, pixels)
    assert float(got) == pytest.approx(expected, rel=1e-4)
    with pytest.raises(ValueError, match="image_pixels"):
        losses.style_layer_loss(losses.gram_matrix(f, False), losses.gram_matrix(a, False), normalize=False)


def test_style_loss_weights_layers():
    grams = {"a": losses.gram_matrix(_features(6)), "b": losses.gram_matrix(_features(7))}
    targets = {"a": losses.gram_matrix(_features(8)), "b": losses.gram_matrix(_features(9))}
    la = float(losses.style_layer_loss(grams["a"], targets["a"]))
    lb = float(losses.style_layer_loss(grams["b"], targets["b"]))
    assert float(losses.style_loss(grams, targets, {"a": 2.0, "b": 0.5})) == pytest.approx(2 * la + 0.5 * lb, rel=1e-5)
    assert float(losses.style_loss(grams, targets, {"b": 1.0})) == pytest.approx(lb, rel=1e-5)


def test_content_loss_mean_or_sum():
    f, p = _features(10), _features(11)
    assert float(losses.content_loss(f, p)) == pytest.approx(np.mean((f - p) ** 2), rel=1e-5)
    assert float(losses.content_loss(f, p, normalize=False)) == pytest.approx(np.sum((f - p) ** 2), rel=1e-5)


@pytest.mark.parametrize("exponent", [1.0, 1.25])
def test_total_variation_matches_kerasio_formula(exponent):
    x = np.random.default_rng(12).uniform(0, 255, (1, 6, 9, 3)).astype(np.float32)
    a = (x[:, :-1, :-1] - x[:, 1:, :-1]) ** 2
    b = (x[:, :-1, :-1] - x[:, :-1, 1:]) ** 2
    ref = np.power(a.astype(np.float64) + b, exponent)
    assert float(losses.total_variation_loss(x, exponent, normalize=False)) == pytest.approx(ref.sum(), rel=1e-4)
    assert float(losses.total_variation_loss(x, exponent)) == pytest.approx(ref.mean(), rel=1e-4)
    assert float(losses.total_variation_loss(np.full((1, 4, 4, 3), 9.0, np.float32))) == 0.0


def test_total_loss_weights_terms():
    assert losses.total_loss(1.0, 2.0, 3.0, 10.0, 100.0, 1000.0) == 10 + 200 + 3000
