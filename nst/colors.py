"""Keeping the content's colours: the two methods of Gatys, Bethge, Hertzmann and Shechtman (2016),
"Preserving Color in Neural Artistic Style Transfer" (arXiv:1606.05897).

- Luminance-only transfer: optimize on luminance images (the style's luminance matched in mean and
  standard deviation to the content's), then combine the result's luminance Y with the content's
  chroma I, Q (YIQ colour space): `luminance_image`, `match_luminance`, `keep_chroma`.
- Colour histogram matching: transform the style image's colours linearly so that their mean and
  covariance equal the content's, then transfer as usual: `match_color_statistics`.

All functions take and return float32 [H, W, 3] RGB arrays in [0, 255].
"""

from __future__ import annotations

import numpy as np

# NTSC YIQ (as `tf.image.rgb_to_yiq`): rows give Y, I, Q from R, G, B.
_RGB_TO_YIQ = np.array(
    [[0.299, 0.587, 0.114], [0.59590059, -0.27455667, -0.32134392], [0.21153661, -0.52273617, 0.31119955]]
)
_YIQ_TO_RGB = np.linalg.inv(_RGB_TO_YIQ)


def rgb_to_yiq(image: np.ndarray) -> np.ndarray:
    """[..., 3] RGB -> [..., 3] YIQ (Y in [0, 255], I and Q signed)."""
    return np.asarray(image, np.float64) @ _RGB_TO_YIQ.T


def yiq_to_rgb(image: np.ndarray) -> np.ndarray:
    """[..., 3] YIQ -> [..., 3] RGB (not clipped)."""
    return np.asarray(image, np.float64) @ _YIQ_TO_RGB.T


def luminance_image(image: np.ndarray) -> np.ndarray:
    """The luminance Y repeated in three channels: a grey RGB image, float32 [H, W, 3]."""
    y = rgb_to_yiq(image)[..., :1]
    return np.repeat(y, 3, axis=-1).astype(np.float32)


def match_luminance(style: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Grey style image whose luminance has the content's mean and standard deviation (Gatys 2016, eq. 1)."""
    ys, yc = rgb_to_yiq(style)[..., 0], rgb_to_yiq(content)[..., 0]
    matched = (ys - ys.mean()) * (yc.std() / max(ys.std(), 1e-6)) + yc.mean()
    return np.repeat(np.clip(matched, 0, 255)[..., None], 3, axis=-1).astype(np.float32)


def keep_chroma(stylized: np.ndarray, content: np.ndarray) -> np.ndarray:
    """The stylized image's luminance with the content's chroma (I, Q), clipped to [0, 255]."""
    y = rgb_to_yiq(stylized)[..., :1]
    iq = rgb_to_yiq(content)[..., 1:]
    return np.clip(yiq_to_rgb(np.concatenate([y, iq], axis=-1)), 0, 255).astype(np.float32)


def match_color_statistics(style: np.ndarray, content: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """The style image with its colours' mean and covariance made equal to the content's.

    x' = A (x - mu_s) + mu_c with A = Sigma_c^(1/2) Sigma_s^(-1/2) (symmetric matrix square roots),
    the "image analogies" colour transfer of Gatys et al. (2016), section 2.2.
    """
    s = np.asarray(style, np.float64).reshape(-1, 3)
    c = np.asarray(content, np.float64).reshape(-1, 3)
    mu_s, mu_c = s.mean(0), c.mean(0)
    cov_s = np.cov(s, rowvar=False) + eps * np.eye(3)
    cov_c = np.cov(c, rowvar=False) + eps * np.eye(3)
    transform = _sqrtm(cov_c) @ np.linalg.inv(_sqrtm(cov_s))
    out = (s - mu_s) @ transform.T + mu_c
    return np.clip(out, 0, 255).reshape(np.shape(style)).astype(np.float32)


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
