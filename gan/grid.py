"""Image grids, strips and GIFs for generated samples (Pillow), written atomically.

Everything here takes uint8 images [N, H, W, C] with C = 1 or 3, as `gan.sample.generate` returns.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from common.atomic import atomic_path


def to_uint8(images: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    """Maps float images in `value_range` to uint8 0..255 (clipping anything outside).

    Args:
        images: float array [..., H, W, C].
        value_range: (low, high) that map to 0 and 255.

    Returns:
        A uint8 array of the same shape.
    """
    lo, hi = value_range
    scaled = (np.asarray(images, np.float32) - lo) * (255.0 / (hi - lo))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def make_grid(images: np.ndarray, columns: int | None = None, padding: int = 2, scale: int = 1) -> np.ndarray:
    """Tiles images into one picture with `padding` pixels of black between them.

    Args:
        images: uint8 [N, H, W, C].
        columns: images per row; default: the smallest square that fits N.
        padding: pixels between images and around the border.
        scale: each pixel becomes a `scale` x `scale` block (nearest neighbour), so 28x28
            images are visible without zooming.

    Returns:
        uint8 [rows * (H*scale + padding) + padding, columns * (W*scale + padding) + padding, C].

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
    grid = np.zeros((rows * (h + padding) + padding, columns * (w + padding) + padding, c), np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y : y + h, x : x + w] = image
    return grid


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
