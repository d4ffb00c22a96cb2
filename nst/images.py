"""Images in and out of style transfer: load any image file as RGB, save atomically, VGG19 pre/deprocess.

Images travel through the package as float32 NumPy arrays of shape [H, W, 3], RGB, values in
[0, 255] ("pixel space"). VGG19 sees them after `preprocess` (Keras's caffe convention: RGB -> BGR,
ImageNet mean subtracted, no scaling), as Gatys et al. (2015) and the Keras VGG19 weights expect.

Loading policy (what `load_image` accepts and refuses):

- Formats: JPEG (and MPO), PNG, WebP, BMP, TIFF, GIF, PPM/PGM. Any mode Pillow decodes: RGB, RGBA,
  L, LA, 1, P (palette, with or without transparency), CMYK, YCbCr, I;16 / I (16-bit, scaled to 8-bit
  range), F. Transparent pixels are composited on white.
- EXIF orientation is applied (a phone photo stands the right way up).
- Animated GIFs and multi-page TIFFs: the first frame is used and an `ImageNotice` warning says so.
- Decompression bombs: an image with more than `MAX_PIXELS` (50 megapixels, e.g. 8660 x 5773) is
  refused before it is decoded.
- Tiny images: VGG19 halves the image at each pooling layer, so a layer after k poolings needs at
  least 2**k pixels on each side (16 for `block5_conv1`). An image whose short side would be smaller
  than `min_side` after resizing is upscaled to `min_side` with an `ImageNotice`; one so narrow that
  this would make it more than `MAX_ASPECT` times longer than wide is refused.
- Every failure (missing, a folder, unreadable, empty, not an image, truncated or corrupt) is an
  `InputError` naming the file and what was wrong.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from common.atomic import atomic_path
from common.errors import InputError, OutputError
from common.images import to_uint8  # pixel space [0, 255] is its default range

MAX_PIXELS = 50_000_000
"""Largest image (width x height, before resizing) `load_image` decodes; larger is refused as a bomb."""

MAX_ASPECT = 64
"""Largest long-to-short side ratio accepted once a tiny side has been upscaled to `min_side`."""

FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF", "PPM")
"""Pillow format names `load_image` opens (JPEG covers MPO, PPM covers PGM/PBM)."""

_SAVE_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".webp": "WEBP",
    ".bmp": "BMP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".gif": "GIF",
}


class ImageNotice(UserWarning):
    """A loaded image was changed in a way the user should hear about (first frame, upscaled)."""


def load_image(
    path: str | os.PathLike,
    size: int | None = None,
    *,
    min_side: int = 16,
    max_pixels: int = MAX_PIXELS,
) -> np.ndarray:
    """Reads an image file as an RGB float32 array, optionally resized so its long side is `size`.

    Args:
        path: the image file.
        size: the long side of the result in pixels (up- or downscaled with Lanczos, keeping the
            aspect ratio); None keeps the file's size.
        min_side: the smallest short side the result may have; smaller results are upscaled to it
            with an `ImageNotice` (`nst.vgg.FeatureExtractor.min_side` gives the network's minimum).
        max_pixels: refuse images with more pixels than this before decoding them.

    Returns:
        float32 array [H, W, 3], RGB, values in [0, 255].

    Raises:
        InputError: the file is missing, a folder, unreadable, empty, not an image, too large,
            truncated or corrupt, or too narrow to upscale.
    """
    path = Path(path)
    _check_file(path)
    Image.init()  # registers every plugin (WebP, TIFF, MPO), so `formats=` can name them
    try:
        with open(path, "rb") as f, warnings.catch_warnings():
            # Pillow's own bomb check warns below its hard limit; make that an error too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                image = Image.open(f, formats=FORMATS)
            except UnidentifiedImageError:
                raise InputError(
                    f"image {path} is not an image file this tool reads "
                    f"(JPEG, PNG, WebP, BMP, TIFF, GIF, PPM); convert it to PNG or JPEG"
                ) from None
            with image:
                width, height = image.size
                if width * height > max_pixels:
                    raise InputError(
                        f"image {path} has {width}x{height} = {width * height:,} pixels, more than the "
                        f"limit of {max_pixels:,} (a decompression bomb, or simply too large); "
                        f"shrink it first"
                    )
                if width < 1 or height < 1:
                    raise InputError(f"image {path} has no pixels ({width}x{height})")
                frames = getattr(image, "n_frames", 1)
                if frames > 1:
                    image.seek(0)
                    warnings.warn(
                        f"{path} has {frames} frames ({image.format}); using the first one",
                        ImageNotice,
                        stacklevel=2,
                    )
                image.load()
                rgb = _to_rgb(_exif_transpose(image, path))
    except InputError:
        raise
    except PermissionError as e:
        raise InputError(f"image {path} cannot be read: {e.strerror}; check its permissions") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InputError(f"image {path} is refused as a decompression bomb: {e}") from None
    except MemoryError:
        raise InputError(f"image {path} is too large to decode in memory") from None
    except Exception as e:  # noqa: BLE001 - Pillow's decoders raise many types on corrupt data
        raise InputError(
            f"image {path} could not be decoded (truncated or corrupt?): {type(e).__name__}: {e}"
        ) from None
    return _resize_to(rgb, size, min_side, path)


def save_image(path: str | os.PathLike, image: np.ndarray, quality: int = 95) -> Path:
    """Writes an RGB image (float [0, 255] or uint8, [H, W, 3]) atomically; format from the suffix.

    Args:
        path: the output file (`.png`, `.jpg`, `.webp`, `.bmp`, `.tif`, `.gif`); its folder must exist.
        image: the pixels; floats are rounded and clipped to [0, 255].
        quality: JPEG/WebP quality.

    Returns:
        `path`.

    Raises:
        OutputError: unknown suffix.
        WriteError: the file cannot be written (disk full, folder gone, read-only; `common.atomic`).
    """
    path = Path(path)
    fmt = _SAVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise OutputError(
            f"cannot save an image as {path}: unknown suffix {path.suffix!r}; "
            f"use one of {', '.join(sorted(_SAVE_FORMATS))}"
        )
    pil = Image.fromarray(to_uint8(image), "RGB")
    options = {"quality": quality} if fmt in ("JPEG", "WEBP") else {}
    with atomic_path(path) as tmp:
        pil.save(tmp, format=fmt, **options)
    return path


def resize(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resizes a float pixel-space image [H, W, C] to `shape` = (height, width) with Lanczos.

    Used between the scales of coarse-to-fine optimization; works channel by channel in Pillow's
    32-bit float mode, so no rounding to 8 bits happens. The result is clipped to [0, 255]
    (Lanczos overshoots at edges; the optimizers keep pixels in that box).
    """
    height, width = shape
    image = np.asarray(image, np.float32)
    if image.shape[:2] == (height, width):
        return np.clip(image, 0.0, 255.0)
    channels = [
        np.asarray(Image.fromarray(np.ascontiguousarray(image[..., c]), "F").resize((width, height), Image.LANCZOS))
        for c in range(image.shape[-1])
    ]
    return np.clip(np.stack(channels, axis=-1), 0.0, 255.0).astype(np.float32)


def fit_long_side(shape: tuple[int, int], size: int) -> tuple[int, int]:
    """Returns (height, width) with the long side `size` and the aspect ratio of `shape` (H, W)."""
    height, width = shape
    scale = size / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def preprocess(image):
    """VGG19 input from pixel-space RGB: `keras.applications.vgg19.preprocess_input` (caffe mode).

    RGB -> BGR, then the ImageNet channel means are subtracted; no scaling. Works on NumPy arrays
    (copied first: Keras's NumPy path writes into its argument) and on tensors (inside a graph).

    Args:
        image: [..., H, W, 3] RGB in [0, 255], NumPy array or tensor.

    Returns:
        [..., H, W, 3] BGR, mean-subtracted, float32.
    """
    from keras.applications import vgg19

    if isinstance(image, np.ndarray) or np.isscalar(image) or isinstance(image, (list, tuple)):
        return vgg19.preprocess_input(np.array(image, dtype=np.float32, copy=True))
    return vgg19.preprocess_input(image)


def deprocess(x) -> np.ndarray:
    """The exact inverse of `preprocess`: BGR mean-subtracted VGG19 input back to RGB pixel space.

    The mean is not copied here: `preprocess` of a black pixel is `-mean` (BGR), so
    `deprocess(x) = (x - preprocess(0))[..., ::-1]` and the two stay one pair. Values are not
    clipped; use `to_uint8` for display.

    Args:
        x: [..., H, W, 3] as `preprocess` returns (NumPy array or tensor).

    Returns:
        float32 NumPy array [..., H, W, 3], RGB.
    """
    x = np.asarray(x, dtype=np.float32)
    minus_mean_bgr = preprocess(np.zeros((3,), np.float32))
    return (x - minus_mean_bgr)[..., ::-1].copy()


# --- loading helpers -----------------------------------------------------------------------------


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"image {path} does not exist; check the path")
    if path.is_dir():
        raise InputError(f"image {path} is a folder; pass an image file (JPEG, PNG, ...)")
    if not os.access(path, os.R_OK):
        raise InputError(f"image {path} cannot be read (permission denied); check its permissions")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InputError(f"image {path} cannot be read: {e.strerror or e}") from None
    if size == 0:
        raise InputError(f"image {path} is empty (0 bytes)")


def _exif_transpose(image: Image.Image, path: Path) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except Exception as e:  # noqa: BLE001 - a broken EXIF block should not lose a good picture
        warnings.warn(
            f"{path}: EXIF orientation unreadable ({e}); using the pixels as stored", ImageNotice, stacklevel=3
        )
        return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode -> RGB; transparency composited on white; 16/32-bit scaled to 8-bit."""
    mode = image.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        values = np.asarray(image, dtype=np.float64)
        # 16-bit files hold 0..65535; 32-bit integer and float images have no fixed range, so those
        # whose values exceed 8 bits are scaled by their maximum.
        if mode.startswith("I;16"):
            values = values / 257.0
        elif values.size and values.max() > 255:
            values = values * (255.0 / (65535.0 if values.max() <= 65535 else values.max()))
        elif mode == "F" and values.size and values.max() <= 1.0:
            values = values * 255.0
        gray = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        return Image.fromarray(gray, "L").convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if mode == "RGB":
        return image.copy()
    return image.convert("RGB")


def _resize_to(image: Image.Image, size: int | None, min_side: int, path: Path) -> np.ndarray:
    width, height = image.size
    if size is not None:
        if size < 1:
            raise InputError(f"image size must be a positive number of pixels, got {size}")
        new_h, new_w = fit_long_side((height, width), size)
    else:
        new_h, new_w = height, width
    if min(new_h, new_w) < min_side:
        short = min(new_h, new_w)
        scale = min_side / short
        new_h, new_w = max(min_side, round(new_h * scale)), max(min_side, round(new_w * scale))
        if max(new_h, new_w) > MAX_ASPECT * min_side:
            raise InputError(
                f"image {path} ({width}x{height}) is too narrow: VGG19 needs at least {min_side} px on "
                f"each side, and upscaling to that would make it {new_w}x{new_h}; crop it first"
            )
        warnings.warn(
            f"{path} ({width}x{height}) would have a short side of {short} px, below VGG19's minimum of "
            f"{min_side} px at the layers used; upscaled to {new_w}x{new_h}",
            ImageNotice,
            stacklevel=3,
        )
    if (new_w, new_h) != (width, height):
        image = image.resize((new_w, new_h), Image.LANCZOS)
    return np.asarray(image, dtype=np.float32)
