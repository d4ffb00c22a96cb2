"""The losses of Gatys, Ecker and Bethge (2015), as small functions of TensorFlow tensors.

Notation: a layer's features F have shape [B, H, W, C]; M = H * W positions, N = C channels.

Two scales are offered, chosen by `normalize`:

- `normalize=True` (this package's default) makes every loss independent of the image size, so
  the same weights work at 128 px and at 1024 px and across coarse-to-fine scales:
    * `gram_matrix`: G = F^T F / (M * N), the mean of F_i * F_j over positions, divided by N;
    * `content_loss`: mean over positions and channels of (F - P)^2 (a feature MSE);
    * `style_layer_loss`: sum over the N x N entries of (G - A)^2 / 4. With G normalized by M * N
      this equals Gatys et al.'s E_l = 1 / (4 N^2 M^2) * sum (G_raw - A_raw)^2 (their eq. 4) exactly;
    * `total_variation_loss`: mean over positions and channels of (dx^2 + dy^2) ** exponent.
  Magnitudes with the ImageNet weights and [0, 255] pixels: content ~1e1..1e3 (block4_conv2),
  style ~1e1..1e5 per layer (block1_conv1 largest), TV ~1e1..1e3 (exponent 1). `configs/nst/default.toml`
  balances them with its weights.
- `normalize=False` reproduces the keras.io "Neural style transfer" example, whose scales depend on
  the image size (which is why its weights must be retuned when the size changes):
    * `gram_matrix`: G = F^T F (no division);
    * `content_loss`: sum of (F - P)^2;
    * `style_layer_loss`: sum (G - A)^2 / (4 * 3^2 * (H_img * W_img)^2), with the *image's* pixel
      count and 3 channels, as that example writes it;
    * `total_variation_loss`: sum of (dx^2 + dy^2) ** exponent (keras.io: exponent 1.25).

Total = content_weight * content + style_weight * style + tv_weight * tv (`total_loss`), where
content and style are sums over layers with per-layer weights.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def gram_matrix(features, normalize: bool = True):
    """Gram matrix of each feature map: channel-by-channel inner products over positions.

    Args:
        features: [B, H, W, C] or [H, W, C] tensor or array.
        normalize: divide by positions times channels (M * N; size-independent) or not (keras.io).

    Returns:
        float32 tensor [B, C, C] (or [C, C] for a 3-D input).
    """
    import tensorflow as tf

    features = tf.convert_to_tensor(features, tf.float32)
    unbatched = features.shape.rank == 3
    if unbatched:
        features = features[None]
    shape = tf.shape(features)
    flat = tf.reshape(features, [shape[0], shape[1] * shape[2], shape[3]])  # [B, M, N]
    gram = tf.linalg.matmul(flat, flat, transpose_a=True)  # [B, N, N]
    if normalize:
        gram = gram / tf.cast(shape[1] * shape[2] * shape[3], tf.float32)
    return gram[0] if unbatched else gram


def content_loss(features, target, normalize: bool = True):
    """Squared feature difference at one layer: mean (normalized) or sum (keras.io).

    Args:
        features: [B, H, W, C] features of the generated image.
        target: the content image's features, same shape (or broadcastable).
        normalize: mean (size-independent) or sum.

    Returns:
        A scalar tensor.
    """
    import tensorflow as tf

    squared = tf.square(features - target)
    return tf.reduce_mean(squared) if normalize else tf.reduce_sum(squared)


def style_layer_loss(gram, target_gram, normalize: bool = True, image_pixels=None):
    """One layer's style loss from Gram matrices (see the module docstring for both scales).

    Args:
        gram: [B, N, N] Gram matrix of the generated image (`gram_matrix` with the same `normalize`).
        target_gram: [N, N] or [B, N, N] target Gram matrix.
        normalize: Gatys's E_l (size-independent) or the keras.io scale.
        image_pixels: H_img * W_img of the generated image; required when `normalize` is False.

    Returns:
        A scalar tensor.
    """
    import tensorflow as tf

    squared = tf.reduce_sum(tf.square(gram - target_gram))
    if normalize:
        return squared / 4.0
    if image_pixels is None:
        raise ValueError("style_layer_loss(normalize=False) needs image_pixels (H * W of the image)")
    pixels = tf.cast(image_pixels, tf.float32)
    return squared / (4.0 * 3.0**2 * pixels**2)


def content_balance(target) -> float:
    """The balance factor of a content layer: 1 / its normalized content loss for all-zero features.

    That loss is mean(P^2), so the balanced loss of the layer starts near 1 (`loss.balance`; also
    `compare.nst_metrics`'s relative content distance).

    Args:
        target: the layer's target features P, any shape (array or eager tensor).

    Returns:
        1 / mean(P^2), or 1 when P is all zero.
    """
    energy = float(np.mean(np.square(np.asarray(target, np.float64))))
    return 1.0 / energy if energy > 0 else 1.0


def style_balance(target_gram) -> float:
    """The balance factor of a style layer: 1 / its normalized style loss for all-zero features.

    That loss is sum(A^2) / 4 (`style_layer_loss` with G = 0), so every balanced layer starts near
    1 and the layer weights mean what they say (`loss.balance`; also `compare.nst_metrics`).

    Args:
        target_gram: the layer's normalized target Gram matrix A [N, N] (array or eager tensor).

    Returns:
        4 / sum(A^2), or 1 when A is all zero.
    """
    energy = float(np.sum(np.square(np.asarray(target_gram, np.float64)))) / 4.0
    return 1.0 / energy if energy > 0 else 1.0


def style_loss(
    grams: Mapping, targets: Mapping, layer_weights: Mapping[str, float], normalize: bool = True, image_pixels=None
):
    """Weighted sum over layers of `style_layer_loss`.

    Args:
        grams: `{layer: [B, N, N]}` Gram matrices of the generated image.
        targets: `{layer: [N, N]}` target Gram matrices (a blend of several styles is fine).
        layer_weights: `{layer: weight}`; only these layers count.
        normalize, image_pixels: as for `style_layer_loss`.

    Returns:
        A scalar tensor.
    """
    total = 0.0
    for layer, weight in layer_weights.items():
        total += weight * style_layer_loss(grams[layer], targets[layer], normalize, image_pixels)
    return total


def total_variation_loss(image, exponent: float = 1.0, normalize: bool = True):
    """Smoothness penalty: (dx^2 + dy^2) ** exponent summed (keras.io) or averaged (normalized).

    dx and dy are differences to the right and lower neighbour at each of the (H-1) x (W-1)
    positions, per channel. An exponent of 1 is the squared-gradient penalty of jcjohnson's
    neural-style; keras.io uses 1.25.

    Args:
        image: [B, H, W, C] tensor, pixel space or preprocessed (the differences are the same).
        exponent: the power applied to dx^2 + dy^2; at least 1 keeps the gradient finite at 0.
        normalize: mean over positions and channels, or sum.

    Returns:
        A scalar tensor.
    """
    import tensorflow as tf

    a = tf.square(image[:, :-1, :-1, :] - image[:, 1:, :-1, :])
    b = tf.square(image[:, :-1, :-1, :] - image[:, :-1, 1:, :])
    tv = a + b if exponent == 1.0 else tf.pow(a + b, exponent)
    return tf.reduce_mean(tv) if normalize else tf.reduce_sum(tv)


def total_loss(content, style, tv, content_weight: float, style_weight: float, tv_weight: float):
    """content_weight * content + style_weight * style + tv_weight * tv."""
    return content_weight * content + style_weight * style + tv_weight * tv
