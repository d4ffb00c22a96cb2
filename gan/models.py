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
With the reference loss the discriminator outputs the probability that an image is FAKE (the
reference's labels: fake = 1, real = 0); other losses (`gan.losses`) want a linear last layer.

Keys beyond the DCGAN (all off by default) build the keras.io WGAN-GP example's networks
(`configs/gan/kerasio_wgan_gp.toml`): UpSampling2D + Conv2D blocks (`model.generator.upsample =
"resize"`), an upsampling output layer with batch norm (`output_stride`, `output_norm`), a 32x32
generator cropped to 28x28 (`crop`) and a critic that zero-pads 28x28 to 32x32 (`pad`) with
Dropout inside its blocks (`block_dropout`).

Mixed precision (`train.precision = "mixed_bfloat16"`, set by `gan.train.build_gan` through Keras's
dtype policy): the hidden layers compute in bfloat16, and the layers that make each network's output
are float32 (`FLOAT32`), as Keras's mixed-precision guide advises for a model's last layer.

Class-conditional networks (`model.conditional`) take a second input, int labels [B]:

- the generator joins a learned class embedding [B, embedding_dim] to z (Mirza & Osindero 2014);
- the discriminator is a projection discriminator (Miyato & Koyama, "cGANs with Projection
  Discriminator", 2018): D(x, y) = psi(phi(x)) + <embed(y), phi(x)>, where phi(x) is the flattened
  feature map (after the Dropout) and psi the Dense(1) layer, then the loss's activation.

Why projection rather than the keras.io conditional GAN's label channels (one-hot maps stacked on
the image): Miyato & Koyama found projection better than input concatenation in Inception Score
and intra-class FID on CIFAR-10 and ImageNet, it adds only num_classes x feature-size weights
instead of changing every first-layer filter, and it leaves the image path of D identical to the
unconditional one, so the comparison with the unconditional recipe changes one thing. Which is
better on Fashion-MNIST at 20 epochs is for `benchmarks/gan_recipes.py` to measure; it has not
been measured yet. Departure: the paper also spectrally normalizes the embedding; here it is a
plain `Embedding` even with `model.discriminator.norm = "spectral"`.
"""

from __future__ import annotations

import math

import keras

from common.errors import ConfigError
from gan.config import ModelConfig
from gan.patch_conv import MAX_POSITIONS as PATCH_MAX_POSITIONS
from gan.patch_conv import PatchConv2D

FLOAT32 = "float32"
"""The dtype of the output layers whatever the precision (`train.precision`): see where it is used."""


def build_generator(
    config: ModelConfig, image_shape: tuple[int, int, int], sync_batch_norm: bool = False
) -> keras.Model:
    """Builds the generator: latent [B, latent_dim] -> images [B, H, W, C] in the output range.

    Args:
        config: the `model` section.
        image_shape: (H, W, C) of the training images.
        sync_batch_norm: batch normalization over the global batch of a `tf.distribute` strategy
            (`BatchNormalization(synchronized=True)`) rather than each replica's part: every
            replica then takes the single-device step and keeps the same moving statistics.

    Returns:
        An uncompiled, built model named "generator": a `keras.Sequential`, or for a conditional
        model a functional `keras.Model` with inputs [latent [B, latent_dim], label [B] int32].

    Raises:
        ConfigError: H + 2 crop or W + 2 crop is not a multiple of the product of
            `model.generator.strides` (and `output_stride`).
    """
    layers = _generator_layers(config, image_shape, sync_batch_norm)
    if not config.conditional:
        return keras.Sequential([keras.Input((config.latent_dim,), name="latent"), *layers], name="generator")
    latent = keras.Input((config.latent_dim,), name="latent")
    label = keras.Input((), dtype="int32", name="label")
    embedding = keras.layers.Embedding(config.num_classes, config.embedding_dim, name="label_embedding")(label)
    x = keras.layers.Concatenate(name="latent_and_label")([latent, embedding])  # [B, latent_dim + embedding_dim]
    for layer in layers:
        x = layer(x)
    return keras.Model([latent, label], x, name="generator")


def _generator_layers(config: ModelConfig, image_shape, sync_batch_norm: bool = False) -> list[keras.layers.Layer]:
    """The generator's layers after its input, in order (see `build_generator`)."""
    height, width, channels = _check_image_shape(image_shape)
    g = config.generator
    upscale = math.prod(g.strides) * g.output_stride
    made_h, made_w = height + 2 * g.crop, width + 2 * g.crop  # before cropping
    if made_h % upscale or made_w % upscale:
        raise ConfigError(
            f"images of {height}x{width} (made {made_h}x{made_w}, then cropped by model.generator.crop = "
            f"{g.crop}) cannot be made by a generator whose strides {list(g.strides)} and output_stride "
            f"{g.output_stride} multiply to {upscale}: H + 2 crop and W + 2 crop must be multiples of "
            f"{upscale}; change model.generator.strides or crop"
        )
    height, width = made_h, made_w
    batch_norm = g.norm == "batch"
    layers = [
        # With batch norm the bias is redundant (BN's beta replaces it), as in DCGAN.
        keras.layers.Dense(height // upscale * width // upscale * g.dense_channels, use_bias=not batch_norm),
    ]
    if batch_norm:
        layers += [
            keras.layers.BatchNormalization(synchronized=sync_batch_norm),
            _activation(g.activation, g.leaky_slope),
        ]
    # The reference has no activation between Dense and the first Conv2DTranspose.
    layers.append(keras.layers.Reshape((height // upscale, width // upscale, g.dense_channels)))
    for filters, stride in zip(g.filters, g.strides):
        layers += _upsampling_conv(g.upsample, filters, g.kernel_size, stride, use_bias=not batch_norm)
        if batch_norm:
            layers.append(keras.layers.BatchNormalization(synchronized=sync_batch_norm))
        layers.append(_activation(g.activation, g.leaky_slope))
    # The layer that applies the output activation (and the crop after it) computes in float32
    # under `train.precision = "mixed_bfloat16"` (FLOAT32; a no-op otherwise): bfloat16 keeps 8
    # bits of mantissa, so a bfloat16 tanh could take only ~256 values near +-1 and the images
    # the discriminator and the losses see would be visibly quantized.
    if g.output_norm == "batch":
        # keras.io WGAN-GP: conv (no bias) -> BatchNormalization -> activation.
        layers += _upsampling_conv(g.upsample, channels, g.output_kernel_size, g.output_stride, use_bias=False)
        layers += [
            keras.layers.BatchNormalization(synchronized=sync_batch_norm),
            keras.layers.Activation(config.output_activation, dtype=FLOAT32),
        ]
    elif g.output_stride == 1:
        layers.append(
            keras.layers.Conv2D(
                channels, g.output_kernel_size, padding="same", activation=config.output_activation, dtype=FLOAT32
            )
        )
    else:
        conv = _upsampling_conv(g.upsample, channels, g.output_kernel_size, g.output_stride, use_bias=True)
        layers += [*conv, keras.layers.Activation(config.output_activation, dtype=FLOAT32)]
    if g.crop:
        layers.append(keras.layers.Cropping2D(g.crop, dtype=FLOAT32))  # [H + 2 crop, W + 2 crop, C] -> [H, W, C]
    return layers


def _upsampling_conv(kind: str, filters: int, kernel_size: int, stride: int, use_bias: bool) -> list:
    """A stride-`stride` upsampling convolution: Conv2DTranspose, or UpSampling2D + Conv2D ("resize")."""
    if kind == "transpose":
        return [keras.layers.Conv2DTranspose(filters, kernel_size, strides=stride, padding="same", use_bias=use_bias)]
    upsample = [keras.layers.UpSampling2D(stride)] if stride > 1 else []
    return upsample + [keras.layers.Conv2D(filters, kernel_size, padding="same", use_bias=use_bias)]


def build_discriminator(
    config: ModelConfig, image_shape: tuple[int, int, int], activation: str | None = "sigmoid"
) -> keras.Model:
    """Builds the discriminator: images [B, H, W, C] -> [B, 1] (P(fake) with the reference loss).

    Args:
        config: the `model` section.
        image_shape: (H, W, C) of the training images.
        activation: the last layer's activation, the loss's `GANLoss.activation`: "sigmoid" for
            probabilities, None for logits or critic scores.

    Returns:
        An uncompiled, built model named "discriminator": a `keras.Sequential`, or for a
        conditional model a functional projection discriminator with inputs [image, label [B] int32].
    """
    _check_image_shape(image_shape)
    d = config.discriminator
    spectral = d.norm == "spectral"

    def maybe_sn(layer):
        return keras.layers.SpectralNormalization(layer, dtype=layer.dtype_policy) if spectral else layer

    layers = [keras.layers.ZeroPadding2D(d.pad)] if d.pad else []
    size = (image_shape[0] + 2 * d.pad, image_shape[1] + 2 * d.pad)  # the map each block sees
    for i, (filters, stride) in enumerate(zip(d.filters, d.strides)):
        size = (math.ceil(size[0] / stride), math.ceil(size[1] / stride))  # "same" padding
        # Same layer, same weights; on maps this small TensorFlow's CPU input gradient is slow
        # and the patch form is faster (gan/patch_conv.py, where it was measured).
        conv = PatchConv2D if size[0] * size[1] <= PATCH_MAX_POSITIONS else keras.layers.Conv2D
        layers += [
            maybe_sn(conv(filters, d.kernel_size, strides=stride, padding="same")),
            keras.layers.LeakyReLU(negative_slope=d.leaky_slope),
        ]
        if d.block_dropout and d.block_dropout[i] > 0:
            layers.append(keras.layers.Dropout(d.block_dropout[i]))
    layers += [keras.layers.Flatten(), keras.layers.Dropout(d.dropout)]
    image = keras.Input(tuple(image_shape), name="image")
    # The output layers compute in float32 under mixed precision (FLOAT32): the losses need the
    # score's full precision; in bfloat16, 1 - 1e-7 (BinaryCrossentropy's clip) rounds to 1 and a
    # logit of 100 to a multiple of 0.5.
    if not config.conditional:
        layers.append(maybe_sn(keras.layers.Dense(1, activation=activation, dtype=FLOAT32)))
        return keras.Sequential([image, *layers], name="discriminator")
    # Projection discriminator: psi(phi(x)) + <embed(y), phi(x)>, then the activation.
    label = keras.Input((), dtype="int32", name="label")
    features = image
    for layer in layers:
        features = layer(features)  # phi(x): [B, F]
    score = maybe_sn(keras.layers.Dense(1, name="psi", dtype=FLOAT32))(features)  # [B, 1]
    class_vector = keras.layers.Embedding(config.num_classes, int(features.shape[-1]), name="class_projection")(label)
    projection = keras.layers.Dot(axes=1, name="projection", dtype=FLOAT32)([class_vector, features])  # [B, 1]
    output = keras.layers.Add(name="score", dtype=FLOAT32)([score, projection])
    if activation is not None:
        output = keras.layers.Activation(activation, name="output", dtype=FLOAT32)(output)
    return keras.Model([image, label], output, name="discriminator")


def output_range(generator: keras.Model) -> tuple[float, float]:
    """Returns the value range of a generator's images from its last layer's activation.

    Args:
        generator: a model built by `build_generator` (or loaded from `generator.keras`).

    Returns:
        (0, 1) for sigmoid, (-1, 1) for tanh.

    Raises:
        ValueError: the last layer's activation is neither.
    """
    layers = [layer for layer in generator.layers if not isinstance(layer, keras.layers.Cropping2D)]
    activation = getattr(layers[-1], "activation", None)  # cropping keeps the values: look before it
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
