"""Tests for nst.images: every image mode loads as RGB, every bad file is an InputError, pre/deprocess."""

from __future__ import annotations

import io
import os
import struct
import warnings
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from common.errors import InputError, OutputError
from common.images import to_uint8
from nst.images import ImageNotice, deprocess, load_image, preprocess, resize, save_image


def _gradient(width=40, height=30):
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), (x + y) % 256], -1).astype(np.uint8)


def _save(tmp_path, image, name, **kwargs):
    path = tmp_path / name
    image.save(path, **kwargs)
    return path


# --- preprocess / deprocess ----------------------------------------------------------------------


def test_preprocess_is_vgg19_caffe_and_deprocess_its_exact_inverse():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, size=(2, 5, 7, 3)).astype(np.float32)
    before = x.copy()
    y = preprocess(x)
    assert np.array_equal(x, before), "preprocess must not write into its argument"
    # caffe mode: BGR order, ImageNet means subtracted, no scaling.
    assert np.allclose(y[..., 0], x[..., 2] - 103.939, atol=1e-4)
    assert np.allclose(y[..., 2], x[..., 0] - 123.68, atol=1e-4)
    assert np.allclose(deprocess(y), x, atol=1e-4)
    assert np.allclose(preprocess(deprocess(y)), y, atol=1e-4)


def test_preprocess_of_a_tensor_matches_numpy():
    import tensorflow as tf

    x = np.random.default_rng(1).uniform(0, 255, size=(1, 4, 6, 3)).astype(np.float32)
    assert np.allclose(preprocess(tf.constant(x)).numpy(), preprocess(x), atol=1e-4)


def test_to_uint8_rounds_and_clips():
    assert to_uint8(np.array([[[-3.0, 127.6, 300.0]]])).tolist() == [[[0, 128, 255]]]


# --- loading every mode and format ---------------------------------------------------------------


@pytest.mark.parametrize("mode", ["RGB", "L", "1", "P", "CMYK", "I", "F", "LA", "RGBA", "I;16"])
def test_every_mode_loads_as_rgb(tmp_path, mode):
    rgb = Image.fromarray(_gradient())
    if mode == "I;16":
        image = Image.fromarray(np.asarray(rgb.convert("L")).astype(np.uint16) * 257)
    elif mode == "I":
        image = Image.fromarray(np.asarray(rgb.convert("L")).astype(np.int32) * 257, "I")
    else:
        image = rgb.convert(mode)
    suffix = {"CMYK": ".jpg", "I": ".tif", "F": ".tif", "I;16": ".png"}.get(mode, ".png")
    path = _save(tmp_path, image, f"x{suffix}")
    out = load_image(path)
    assert out.shape == (30, 40, 3) and out.dtype == np.float32
    assert 0 <= out.min() and out.max() <= 255
    if mode in ("L", "I", "I;16", "LA"):
        gray = np.asarray(rgb.convert("L"), np.float32)
        assert np.abs(out[..., 0] - gray).max() <= 1.0, "16-bit and grayscale keep their brightness"


def test_transparency_is_composited_on_white(tmp_path):
    rgba = np.zeros((10, 12, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:, 6:, 3] = 255  # left half fully transparent
    path = _save(tmp_path, Image.fromarray(rgba, "RGBA"), "a.png")
    out = load_image(path, min_side=1)
    assert np.all(out[:, :6] == 255)
    assert np.all(out[:, 6:] == [200, 0, 0])
    palette = Image.fromarray(rgba, "RGBA").convert("P")
    palette.info["transparency"] = 0
    assert load_image(_save(tmp_path, palette, "p.png", transparency=0), min_side=1).shape == (10, 12, 3)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".bmp", ".tif", ".gif", ".ppm"])
def test_formats_and_resize_to_long_side(tmp_path, suffix):
    path = _save(tmp_path, Image.fromarray(_gradient(40, 30)), "x" + suffix)
    assert load_image(path).shape == (30, 40, 3)
    assert load_image(path, size=64).shape == (48, 64, 3)
    assert load_image(path, size=24).shape == (18, 24, 3)


def test_exif_orientation_is_honoured(tmp_path):
    image = Image.fromarray(_gradient(40, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = _save(tmp_path, image, "r.jpg", exif=exif.tobytes())
    assert load_image(path).shape == (40, 30, 3)


def test_animated_gif_uses_first_frame_with_notice(tmp_path):
    frames = [Image.fromarray(np.full((16, 20, 3), v, np.uint8)) for v in (10, 250)]
    path = tmp_path / "a.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.warns(ImageNotice, match="2 frames"):
        out = load_image(path)
    assert out.shape == (16, 20, 3) and abs(out.mean() - 10) < 3


def test_tiny_image_is_upscaled_with_notice_and_too_narrow_refused(tmp_path):
    path = _save(tmp_path, Image.fromarray(_gradient(8, 6)), "tiny.png")
    with pytest.warns(ImageNotice, match="upscaled"):
        assert load_image(path, min_side=16).shape == (16, 21, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_image(path, size=64, min_side=16).shape == (48, 64, 3)  # resizing is enough: no notice
    narrow = _save(tmp_path, Image.fromarray(_gradient(2000, 2)), "narrow.png")
    with pytest.raises(InputError, match="too narrow"):
        load_image(narrow, size=512, min_side=16)


# --- refusing bad files --------------------------------------------------------------------------


def _png_header_only(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "case, match",
    [
        ("missing", "does not exist"),
        ("folder", "is a folder"),
        ("empty", "is empty"),
        ("text", "not an image"),
        ("truncated_jpeg", "could not be decoded"),
        ("truncated_png", "could not be decoded"),
        ("bomb", "decompression bomb"),
        ("pillow_bomb", "decompression bomb|pixels"),
    ],
)
def test_bad_files_are_input_errors_naming_the_file(tmp_path, case, match):
    path = tmp_path / f"{case}.img"
    good = io.BytesIO()
    if case == "folder":
        path.mkdir()
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "text":
        path.write_text("hello, I am not an image\n")
    elif case == "truncated_jpeg":
        Image.fromarray(_gradient(64, 64)).save(good, "JPEG")
        path.write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    elif case == "truncated_png":
        Image.fromarray((np.random.default_rng(0).uniform(0, 255, (64, 64, 3))).astype(np.uint8)).save(good, "PNG")
        path.write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    elif case == "bomb":
        path.write_bytes(_png_header_only(20_000, 10_000))  # 200 megapixels announced, never decoded
    elif case == "pillow_bomb":
        path.write_bytes(_png_header_only(60_000, 60_000))  # above Pillow's own hard limit too
    with pytest.raises(InputError, match=match) as info:
        load_image(path)
    assert str(path) in str(info.value)


def test_pixel_limit_is_a_parameter(tmp_path):
    path = _save(tmp_path, Image.fromarray(_gradient(40, 30)), "x.png")
    with pytest.raises(InputError, match="limit"):
        load_image(path, max_pixels=1000)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_an_input_error(tmp_path):
    path = _save(tmp_path, Image.fromarray(_gradient()), "x.png")
    path.chmod(0)
    with pytest.raises(InputError, match="permission"):
        load_image(path)


# --- saving --------------------------------------------------------------------------------------


def test_save_image_round_trip_and_unknown_suffix(tmp_path):
    image = _gradient(32, 20).astype(np.float32)
    path = save_image(tmp_path / "out.png", image)
    assert np.array_equal(load_image(path), image)
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"], "no temporary file left behind"
    with pytest.raises(OutputError, match="unknown suffix"):
        save_image(tmp_path / "out.xyz", image)


def test_resize_keeps_float_values():
    image = np.random.default_rng(0).uniform(0, 255, (8, 10, 3)).astype(np.float32)
    out = resize(image, (16, 20))
    assert out.shape == (16, 20, 3) and out.dtype == np.float32
    assert abs(out.mean() - image.mean()) < 5


# --- fuzzing: every failure is an InputError, never a crash or a hang ----------------------------

_MODES = ["RGB", "RGBA", "L", "LA", "P", "1", "CMYK", "I", "F", "I;16"]
_FORMATS = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "BMP": ".bmp", "TIFF": ".tif", "WEBP": ".webp"}


def _encode(mode, width, height, fmt, seed):
    rng = np.random.default_rng(seed)
    rgb = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
    image = (
        Image.fromarray(np.asarray(rgb.convert("L")).astype(np.uint16) * 257) if mode == "I;16" else rgb.convert(mode)
    )
    buffer = io.BytesIO()
    try:
        image.save(buffer, fmt)
    except (OSError, ValueError, KeyError):
        return None  # this format cannot store this mode; not what is being tested
    return buffer.getvalue()


def _load_or_input_error(path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImageNotice)
            out = load_image(path, size=32)
    except InputError as e:
        assert str(path) in str(e)
        return None
    assert out.ndim == 3 and out.shape[2] == 3 and max(out.shape[:2]) >= 16
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 255
    return out


_FUZZ = settings(max_examples=60, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_FUZZ
@given(data=st.binary(min_size=0, max_size=2048))
def test_fuzz_random_bytes(tmp_path, data):
    path = tmp_path / "random.png"
    path.write_bytes(data)
    _load_or_input_error(path)


@_FUZZ
@given(
    mode=st.sampled_from(_MODES),
    fmt=st.sampled_from(sorted(_FORMATS)),
    width=st.integers(1, 48),
    height=st.integers(1, 48),
    cut=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
)
def test_fuzz_truncated_valid_files(tmp_path, mode, fmt, width, height, cut, seed):
    data = _encode(mode, width, height, fmt, seed)
    if data is None:
        return
    path = tmp_path / ("t" + _FORMATS[fmt])
    path.write_bytes(data[: int(len(data) * cut)])
    _load_or_input_error(path)


@_FUZZ
@given(
    mode=st.sampled_from(_MODES),
    fmt=st.sampled_from(sorted(_FORMATS)),
    width=st.integers(1, 64),
    height=st.integers(1, 64),
    seed=st.integers(0, 2**16),
)
def test_fuzz_valid_files_of_any_mode_and_size_load(tmp_path, mode, fmt, width, height, seed):
    data = _encode(mode, width, height, fmt, seed)
    if data is None:
        return
    path = tmp_path / ("v" + _FORMATS[fmt])
    path.write_bytes(data)
    out = _load_or_input_error(path)
    assert out is not None, f"a valid {mode} {fmt} {width}x{height} image must load"
    assert max(out.shape[:2]) == 32 or min(out.shape[:2]) == 16
