"""Tests for compare.pixel_swd: the Laplacian-pyramid patch SWD, a style measure without a network."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compare.pixel_swd import _upsample, laplacian_pyramid, levels_that_fit, pyramid_swd


def texture(rng, h, w, period):
    """Stationary stripes of one period with noise: the same law in every window."""
    x = np.arange(w)[None, :, None] + np.arange(h)[:, None, None]
    base = 128 + 60 * np.sin(2 * np.pi * x / period)
    return (base + rng.normal(0, 10, (h, w, 3))).astype(np.float32)


@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 40), w=st.integers(1, 40), levels=st.integers(1, 5))
def test_the_pyramid_collapses_back_to_the_image(h, w, levels):
    image = np.random.default_rng(h * 41 + w).uniform(0, 255, (h, w, 3)).astype(np.float32)
    pyramid = laplacian_pyramid(image, levels)
    assert len(pyramid) == levels
    assert pyramid[0].shape == image.shape
    # Each level halves the size, rounding up (odd sides included).
    for finer, coarser in zip(pyramid, pyramid[1:]):
        assert coarser.shape[:2] == tuple(-(-n // 2) for n in finer.shape[:2])
    image_again = pyramid[-1]
    for band in reversed(pyramid[:-1]):
        image_again = band + _upsample(image_again, band.shape[:2])
    np.testing.assert_allclose(image_again, image, atol=1e-3)


def test_known_values():
    rng = np.random.default_rng(0)
    style = texture(rng, 96, 128, 8)
    same = pyramid_swd(style, style)
    assert same["pixel_swd"] == pytest.approx(0.0, abs=1e-6)
    assert len(same["pixel_swd_levels"]) == levels_that_fit((96, 128)) == 4
    # A flat image has no detail: every band-pass level is as far as zeros, 1 by definition.
    flat = pyramid_swd(np.full_like(style, 128.0), style)
    np.testing.assert_allclose(flat["pixel_swd_levels"][:-1], 1.0, rtol=1e-4)
    # Another window of the same texture is close; a texture of another period is far at its scales.
    other_window = texture(np.random.default_rng(1), 96, 128, 8)
    coarser = texture(np.random.default_rng(1), 96, 128, 32)
    near, far = pyramid_swd(other_window, style)["pixel_swd"], pyramid_swd(coarser, style)["pixel_swd"]
    assert near < 0.1 < far


def test_it_ignores_the_layout_but_not_the_direction_of_strokes_or_the_colours():
    rng = np.random.default_rng(2)
    style = texture(rng, 64, 64, 8)
    # The same patches in another arrangement (halves swapped: only a seam is new) stay close; the
    # same pixels mirrored, so the stripes run the other way, are far at every band-pass level.
    swapped = np.concatenate([style[:, 32:], style[:, :32]], axis=1)
    mirrored = np.ascontiguousarray(style[:, ::-1])
    assert pyramid_swd(swapped, style)["pixel_swd"] < 0.1
    assert min(pyramid_swd(mirrored, style)["pixel_swd_levels"][:-1]) > 0.5
    # Colours shifted: the low-pass level sees it, the band-pass levels do not.
    tinted = pyramid_swd(style + np.array([40.0, 0.0, -40.0], np.float32), style)["pixel_swd_levels"]
    assert tinted[-1] > 0.2
    np.testing.assert_allclose(tinted[:-1], 0.0, atol=1e-3)


def test_images_of_different_sizes_and_the_seed():
    rng = np.random.default_rng(3)
    style, image = texture(rng, 80, 120, 8), texture(rng, 60, 50, 8)
    a, b = pyramid_swd(image, style, seed=5), pyramid_swd(image, style, seed=5)
    assert a == b
    # 50 -> 25 -> 13 -> 7 px: 4 levels fit the smaller image (the style's 80 px side would allow 4 too).
    assert len(a["pixel_swd_levels"]) == levels_that_fit((60, 50)) == 4


@pytest.mark.parametrize(
    ("image", "message"),
    [(np.zeros((32, 32)), "H, W, 3"), (np.zeros((5, 5, 3)), "smaller than a 7 px patch")],
)
def test_bad_inputs_say_what_was_received(image, message):
    with pytest.raises(ValueError, match=message):
        pyramid_swd(image, np.zeros((32, 32, 3)))


def test_levels_that_fit():
    assert levels_that_fit((384, 512)) == 5
    assert levels_that_fit((48, 64)) == 3
    assert levels_that_fit((13, 100)) == 2  # 13 -> 7 px
    assert levels_that_fit((12, 100)) == 1  # 12 -> 6 px, smaller than a patch
    assert levels_that_fit((384, 512), most=2) == 2
