"""A style distance that uses no neural network: sliced Wasserstein distance of Laplacian-pyramid patches.

Every other style measure of `compare.nst_metrics` looks through VGG19, the network that style
transfer itself optimizes against, so a recipe can score well partly because it was optimized in the
judge's own features (a max-pooling run judged by max-pooling VGG19, say). This judge shares nothing
with any optimizer. It follows the multi-scale SWD of Karras et al. (2018), "Progressive Growing of
GANs for Improved Quality, Stability, and Variation", appendix D:

1. Both images (pixel values 0-255, [H, W, 3]) are split into a Laplacian pyramid (Burt & Adelson
   1983): `levels` images, each half the size of the one before (5-tap binomial filter), band-pass
   details first and the low-pass residual, which holds the colours, last. Level i holds detail about 2^i px wide
   at the evaluation size: fine strokes at level 0, larger shapes at the deepest levels.
2. At each level every `patch` x `patch` neighbourhood is one point of 3 * patch^2 numbers (up to
   `max_patches` of them, drawn with a fixed seed).
3. The two point clouds are compared with `compare.nst_metrics.sliced_wasserstein` (random unit
   directions, sorted projections), relative to the style's: 0 = the same distribution of patches,
   1 = as far as all zeros (at a band-pass level: an image without detail at that scale; at the
   residual: a black image). The distance is the mean over the levels.

Departures from Karras et al.: one image against one image rather than two sets of 16,384 images;
no per-channel standardisation of the patches (each level is instead made relative to the style's
own spread, as the VGG19 SWD is); five levels at most (all five at the 512 px evaluation size),
fewer when an image is too small for a 7 px patch at the last one.
"""

from __future__ import annotations

import numpy as np

PYRAMID_LEVELS = 5
PATCH_SIZE = 7
MAX_PATCHES = 16384
_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0], np.float32) / 16.0


def pyramid_swd(image: np.ndarray, style: np.ndarray, levels: int | None = None, patch: int = PATCH_SIZE,
                projections: int = 64, max_patches: int = MAX_PATCHES, seed: int = 0) -> dict:  # fmt: skip
    """The relative patch SWD of `image` to `style` at each level of their Laplacian pyramids.

    Args:
        image: the image to judge, pixel values [H, W, 3].
        style: the reference (the painting), pixel values [H', W', 3]; its size may differ.
        levels: pyramid levels (band-pass levels plus the low-pass residual); None: as many as
            `levels_that_fit` both images, at most `PYRAMID_LEVELS`.
        patch: the side of the square neighbourhoods in pixels.
        projections: random directions per level.
        max_patches: at most this many patches per image and level (seeded draw).
        seed: the seed of the draws and of the directions.

    Returns:
        `{"pixel_swd": mean over levels, "pixel_swd_levels": [one value per level, finest first]}`.

    Raises:
        ValueError: an image is not [H, W, 3], or too small for `levels` levels of `patch` px patches.
    """
    from compare.nst_metrics import sliced_wasserstein

    if levels is None:
        levels = min(levels_that_fit(np.shape(image)[:2], patch), levels_that_fit(np.shape(style)[:2], patch))
    if levels < 1 or patch < 1 or max_patches < 1:
        raise ValueError(f"levels, patch and max_patches must be positive, got {levels}, {patch}, {max_patches}")
    pyramids = [laplacian_pyramid(x, levels) for x in (image, style)]
    smallest = min(min(p[-1].shape[:2]) for p in pyramids)
    if smallest < patch:
        raise ValueError(
            f"{levels} pyramid levels leave a {smallest} px side, smaller than a {patch} px patch; "
            "use fewer levels or larger images"
        )
    values = []
    for i, (a, b) in enumerate(zip(*pyramids)):
        rng = np.random.default_rng(seed + 1000 * i)
        pa, pb = (_patches(x, patch, max_patches, rng) for x in (a, b))
        values.append(sliced_wasserstein(pa, pb, projections, seed + i))
    return {"pixel_swd": float(np.mean(values)), "pixel_swd_levels": values}


def levels_that_fit(shape: tuple[int, int], patch: int = PATCH_SIZE, most: int = PYRAMID_LEVELS) -> int:
    """How many pyramid levels (at most `most`) keep the smallest level's short side at least `patch` px.

    Each level halves the size, rounding up: 512x384 -> 5 levels (24 px at the last), 64x48 -> 3.
    """
    side, levels = min(shape), 1
    while levels < most and -(-side // 2) >= patch:
        side, levels = -(-side // 2), levels + 1
    return levels


def laplacian_pyramid(image: np.ndarray, levels: int) -> list[np.ndarray]:
    """`levels` images [h_i, w_i, 3]: band-pass details finest first, then the low-pass residual.

    Raises:
        ValueError: `image` is not [H, W, 3].
    """
    image = np.asarray(image, np.float32)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"an image must be [H, W, 3], got shape {image.shape}")
    out, current = [], image
    for _ in range(levels - 1):
        smaller = _blur(current)[::2, ::2]
        out.append(current - _upsample(smaller, current.shape[:2]))
        current = smaller
    return out + [current]


def _blur(x: np.ndarray) -> np.ndarray:
    """Separable 5-tap binomial blur, edges reflected: [h, w, 3] -> [h, w, 3]."""
    from scipy.ndimage import convolve1d

    return convolve1d(convolve1d(x, _BINOMIAL, axis=0, mode="reflect"), _BINOMIAL, axis=1, mode="reflect")


def _upsample(x: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The pyramid's EXPAND: zero-insertion upsampling to `shape`, then the blur, normalized.

    Dividing by the blurred sampling mask (1/4 inside the image) rather than multiplying by 4 keeps a
    flat image flat up to its borders, where the reflected zeros would otherwise leave a seam.
    """
    up = np.zeros((*shape, x.shape[-1]), np.float32)
    mask = np.zeros((*shape, 1), np.float32)
    up[::2, ::2] = x[: (shape[0] + 1) // 2, : (shape[1] + 1) // 2]
    mask[::2, ::2] = 1.0
    return _blur(up) / _blur(mask)


def _patches(x: np.ndarray, patch: int, limit: int, rng: np.random.Generator) -> np.ndarray:
    """Up to `limit` patches of x [h, w, 3] at random positions (all when fewer), flattened: [n, 3 * patch^2]."""
    windows = np.lib.stride_tricks.sliding_window_view(x, (patch, patch), axis=(0, 1))  # [h', w', 3, p, p]
    rows, cols = windows.shape[:2]
    count = rows * cols
    # Gather only the chosen windows: all of them at 512 px would be ~190k x 147 floats.
    index = np.arange(count) if count <= limit else np.sort(rng.choice(count, limit, replace=False))
    return windows[index // cols, index % cols].reshape(len(index), 3 * patch * patch)
