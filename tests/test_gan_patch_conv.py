"""Tests for gan.patch_conv: PatchConv2D is Conv2D (outputs, gradients, gradients of gradients) and where gan.models uses it."""

import keras
import numpy as np
import tensorflow as tf
from gan_support import DEFAULT_TOML, REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.config import load_config
from gan.config import GANConfig
from gan.models import build_discriminator
from gan.patch_conv import MAX_POSITIONS, PatchConv2D

KERASIO_TOML = REPO / "configs" / "gan" / "kerasio_wgan_gp.toml"


def _pair(filters, kernel, stride, padding, input_shape, **kwargs):
    """A Conv2D and a PatchConv2D with the same random weights (random bias too)."""
    plain = keras.layers.Conv2D(filters, kernel, strides=stride, padding=padding, bias_initializer="normal", **kwargs)
    patches = PatchConv2D(filters, kernel, strides=stride, padding=padding, **kwargs)
    plain.build(input_shape)
    patches.build(input_shape)
    patches.set_weights(plain.get_weights())
    return plain, patches


def _derivatives(layer, x):
    """(output, d loss / d input, d loss / d kernel, d |d score / d input|^2 / d kernel)."""
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = layer(x)
            score = tf.reduce_sum(y * tf.linspace(0.5, 1.5, y.shape[-1]))
        penalty = tf.reduce_sum(tf.square(inner.gradient(score, x)))
        loss = tf.reduce_sum(tf.square(y))
    dx, dk = outer.gradient(loss, [x, layer.kernel])
    return y, dx, dk, outer.gradient(penalty, layer.kernel)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    height=st.integers(1, 9),
    width=st.integers(1, 9),
    channels=st.integers(1, 3),
    filters=st.integers(1, 4),
    kernel=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.sampled_from(["same", "valid"]),
    seed=st.integers(0, 2**16),
)
def test_patch_conv_is_conv2d(height, width, channels, filters, kernel, stride, padding, seed):
    if padding == "valid" and (height < kernel[0] or width < kernel[1]):
        return  # no output position: Conv2D refuses it too
    x = tf.constant(np.random.default_rng(seed).standard_normal((2, height, width, channels), dtype=np.float32))
    plain, patches = _pair(filters, kernel, stride, padding, x.shape)
    for expected, got in zip(_derivatives(plain, x), _derivatives(patches, x)):
        assert got.shape == expected.shape
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-4, atol=1e-4)


def test_unsupported_convolutions_fall_back_to_conv2d():
    x = tf.constant(np.random.default_rng(0).standard_normal((2, 9, 9, 2), dtype=np.float32))
    plain, patches = _pair(3, 3, 1, "same", x.shape, dilation_rate=2)
    np.testing.assert_allclose(patches(x).numpy(), plain(x).numpy(), rtol=1e-5, atol=1e-5)
    # Spatial size unknown when the model is built: Conv2D's own computation, any size later.
    layer = PatchConv2D(4, 3, strides=2, padding="same")
    model = keras.Sequential([keras.Input((None, None, 2)), layer])
    assert model(x).shape == (2, 5, 5, 4)


def test_kerasio_critic_uses_patches_on_its_last_convolution_only(tmp_path):
    kerasio = build_discriminator(load_config(GANConfig, KERASIO_TOML).model, (28, 28, 1), activation=None)
    convs = [layer for layer in kerasio.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [type(c).__name__ for c in convs] == ["Conv2D", "Conv2D", "Conv2D", "PatchConv2D"]
    assert convs[-1].output.shape[1] * convs[-1].output.shape[2] <= MAX_POSITIONS
    # The default critic's smallest map is 4x4: no patches there.
    default = build_discriminator(load_config(GANConfig, DEFAULT_TOML).model, (28, 28, 1))
    assert not any(isinstance(layer, PatchConv2D) for layer in default.layers)
    # A saved model reloads with the same class and outputs.
    path = tmp_path / "critic.keras"
    kerasio.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.layers[-5]).__name__ == "PatchConv2D"
    x = np.random.default_rng(1).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(loaded(x).numpy(), kerasio(x).numpy(), rtol=1e-5, atol=1e-5)
