"""Image grids, PNGs and GIFs (Pillow), written atomically; the suite's one copy of each.

Everything here takes uint8 images [N, H, W, C] with C = 1 or 3, as `gan.sample.generate` returns
(`to_uint8` makes them from floats). `gan` writes its sample grids and GIFs with these, `nst.transfer`
its progress GIF, `compare.figures` its image tiles.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from common.atomic import atomic_path


def to_uint8(images: np.ndarray, value_range: tuple[float, float] = (0.0, 255.0)) -> np.ndarray:
    """Maps float images in `value_range` to uint8 0..255, rounding and clipping anything outside.

    Args:
        images: float array [..., H, W, C] (uint8 arrays are returned as they are).
        value_range: (low, high) that map to 0 and 255; the default is pixel space (style transfer).

    Returns:
        A uint8 array of the same shape.
    """
    if np.asarray(images).dtype == np.uint8:
        return np.asarray(images)
    lo, hi = value_range
    scaled = (np.asarray(images, np.float32) - lo) * (255.0 / (hi - lo))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def make_grid(
    images: np.ndarray,
    columns: int | None = None,
    padding: int = 2,
    scale: int = 1,
    fill: int = 0,
    border: bool = True,
) -> np.ndarray:
    """Tiles images into one picture with `padding` pixels of `fill` between them.

    Args:
        images: uint8 [N, H, W, C].
        columns: images per row; default: the smallest square that fits N.
        padding: pixels between images (and around them with `border`).
        scale: each pixel becomes a `scale` x `scale` block (nearest neighbour), so 28x28
            images are visible without zooming.
        fill: the gap's grey level (0 black, 255 white).
        border: also pad around the outside.

    Returns:
        uint8 [rows * (H*scale + padding) + padding, columns * (W*scale + padding) + padding, C]
        (without `border`, 2 * padding less in both directions).

    Raises:
        ValueError: `images` is not a non-empty uint8 [N, H, W, C] array.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.dtype != np.uint8 or len(images) == 0:
        raise ValueError(f"make_grid needs uint8 images [N, H, W, C], got {images.dtype} {images.shape}")
    if scale > 1:
        images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    outer = padding if border else 0
    shape = (rows * (h + padding) - padding + 2 * outer, columns * (w + padding) - padding + 2 * outer, c)
    grid = np.full(shape, fill, np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        y, x = outer + r * (h + padding), outer + col * (w + padding)
        grid[y : y + h, x : x + w] = image
    return grid


def evenly_spaced(count: int, most: int) -> list[int]:
    """At most `most` indices into range(count), evenly spaced, first and last included."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


def to_pil(image: np.ndarray):
    """Returns a Pillow image ("L" for one channel, "RGB" for three) from uint8 [H, W, C]."""
    from PIL import Image

    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    return Image.fromarray(image)


def save_png(image: np.ndarray, path: str | os.PathLike) -> Path:
    """Writes uint8 [H, W, C] as a PNG atomically (the file appears whole or not at all)."""
    with atomic_path(path) as tmp:
        to_pil(image).save(tmp, format="PNG")
    return Path(path)


def save_gif(frames: Sequence[np.ndarray], path: str | os.PathLike, frame_ms: int = 400, loop: bool = True) -> Path:
    """Writes frames (uint8 [H, W, C], all the same shape) as an animated GIF atomically.

    Args:
        frames: the pictures in order.
        path: the `.gif` file.
        frame_ms: how long each frame shows.
        loop: repeat forever (else play once).

    Returns:
        `path`.
    """
    if not frames:
        raise ValueError("save_gif needs at least one frame")
    pictures = [to_pil(f) for f in frames]
    with atomic_path(path) as tmp:
        pictures[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=pictures[1:],
            duration=frame_ms,
            **({"loop": 0} if loop else {}),
        )
    return Path(path)


def load_png(path: str | os.PathLike) -> np.ndarray:
    """Reads a PNG written by `save_png` back as uint8 [H, W, C]."""
    from PIL import Image

    with Image.open(path) as im:
        array = np.asarray(im)
    return array[..., None] if array.ndim == 2 else array
