"""The generator and discriminator networks, built from a `ModelConfig` and the data's image shape.

Both follow Radford, Metz and Chintala, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks" (DCGAN, 2015): strided (transposed) convolutions
instead of pooling, LeakyReLU in the discriminator. With `configs/gan/seed.toml` they are exactly
the reference notebook's Sequential models (Keras's DCGAN example, resized for 28x28x1):

    generator:      z[64] -> Dense(7*7*64) -> Reshape(7, 7, 64)
                    -> Conv2DTranspose(64, 4, s2) + LeakyReLU(0.2)    # [14, 14, 64]
                    -> Conv2DTranspose(32, 4, s2) + LeakyReLU(0.2)    # [28, 28, 32]
                    -> Conv2DTranspose(16, 4, s1) + LeakyReLU(0.2)    # [28, 28, 16]
                    -> Conv2D(1, 5, sigmoid)                          # [28, 28, 1]
    discriminator:  [28, 28, 1] -> Conv2D(64, 4, s2) + LeakyReLU(0.2) # [14, 14, 64]
                    -> Conv2D(128, 4, s2) + LeakyReLU(0.2)            # [7, 7, 128]
                    -> Conv2D(128, 4, s2) + LeakyReLU(0.2)            # [4, 4, 128]
                    -> Flatten -> Dropout(0.2) -> Dense(1, sigmoid)   # P(fake)

All convolutions use "same" padding. Sizes come from the image shape: the generator's first map is
the image size divided by the product of its strides, so 32x32x3 (CIFAR-10) works unchanged.
The discriminator outputs the probability that an image is FAKE (the reference's labels: fake = 1,
real = 0).
"""

from __future__ import annotations

import math

import keras

from common.errors import ConfigError
from gan.config import ModelConfig


def build_generator(config: ModelConfig, image_shape: tuple[int, int, int]) -> keras.Sequential:
    """Builds the generator: latent [B, latent_dim] -> images [B, H, W, C] in the output range.

    Args:
        config: the `model` section.
        image_shape: (H, W, C) of the training images.

    Returns:
        An uncompiled, built `keras.Sequential` named "generator".

    Raises:
        ConfigError: H or W is not a multiple of the product of `model.generator.strides`.
    """
    height, width, channels = _check_image_shape(image_shape)
    g = config.generator
    upscale = math.prod(g.strides)
    if height % upscale or width % upscale:
        raise ConfigError(
            f"images of {height}x{width} cannot be made by a generator whose strides "
            f"{list(g.strides)} multiply to {upscale}: H and W must be multiples of {upscale}; "
            "change model.generator.strides"
        )
    batch_norm = g.norm == "batch"
    layers = [
        keras.Input((config.latent_dim,), name="latent"),
        # With batch norm the bias is redundant (BN's beta replaces it), as in DCGAN.
        keras.layers.Dense(height // upscale * width // upscale * g.dense_channels, use_bias=not batch_norm),
    ]
    if batch_norm:
        layers += [keras.layers.BatchNormalization(), _activation(g.activation, g.leaky_slope)]
    # The reference has no activation between Dense and the first Conv2DTranspose.
    layers.append(keras.layers.Reshape((height // upscale, width // upscale, g.dense_channels)))
    for filters, stride in zip(g.filters, g.strides):
        layers.append(
            keras.layers.Conv2DTranspose(
                filters, g.kernel_size, strides=stride, padding="same", use_bias=not batch_norm
            )
        )
        if batch_norm:
            layers.append(keras.layers.BatchNormalization())
        layers.append(_activation(g.activation, g.leaky_slope))
    layers.append(
        keras.layers.Conv2D(channels, g.output_kernel_size, padding="same", activation=config.output_activation)
    )
    return keras.Sequential(layers, name="generator")


def build_discriminator(config: ModelConfig, image_shape: tuple[int, int, int]) -> keras.Sequential:
    """Builds the discriminator: images [B, H, W, C] -> P(fake) [B, 1].

    Args:
        config: the `model` section.
        image_shape: (H, W, C) of the training images.

    Returns:
        An uncompiled, built `keras.Sequential` named "discriminator".
    """
    _check_image_shape(image_shape)
    d = config.discriminator
    spectral = d.norm == "spectral"

    def maybe_sn(layer):
        return keras.layers.SpectralNormalization(layer) if spectral else layer

    layers = [keras.Input(tuple(image_shape), name="image")]
    for filters, stride in zip(d.filters, d.strides):
        layers += [
            maybe_sn(keras.layers.Conv2D(filters, d.kernel_size, strides=stride, padding="same")),
            keras.layers.LeakyReLU(negative_slope=d.leaky_slope),
        ]
    layers += [
        keras.layers.Flatten(),
        keras.layers.Dropout(d.dropout),
        maybe_sn(keras.layers.Dense(1, activation="sigmoid")),
    ]
    return keras.Sequential(layers, name="discriminator")


def output_range(generator: keras.Model) -> tuple[float, float]:
    """Returns the value range of a generator's images from its last layer's activation.

    Args:
        generator: a model built by `build_generator` (or loaded from `generator.keras`).

    Returns:
        (0, 1) for sigmoid, (-1, 1) for tanh.

    Raises:
        ValueError: the last layer's activation is neither.
    """
    activation = getattr(generator.layers[-1], "activation", None)
    name = getattr(activation, "__name__", "")
    if name == "sigmoid":
        return (0.0, 1.0)
    if name == "tanh":
        return (-1.0, 1.0)
    raise ValueError(f"the generator's last layer has activation {name or None!r}; expected sigmoid or tanh")


def _activation(name: str, slope: float) -> keras.layers.Layer:
    return keras.layers.LeakyReLU(negative_slope=slope) if name == "leaky_relu" else keras.layers.ReLU()


def _check_image_shape(image_shape) -> tuple[int, int, int]:
    if len(image_shape) != 3 or any(int(s) <= 0 for s in image_shape):
        raise ConfigError(f"the GAN needs images shaped [H, W, C], got {tuple(image_shape)}")
    return tuple(int(s) for s in image_shape)
