"""Tests for the shipped GAN recipes beyond seed/default: configs/gan/kerasio_wgan_gp.toml is the
keras.io WGAN-GP example's networks, and the architecture keys it needs build what they say."""

import keras
import numpy as np
import pytest
from gan_support import REPO, TINY_MODEL

from common.config import load_config
from common.errors import ConfigError
from gan.config import GANConfig
from gan.models import build_discriminator, build_generator, output_range
from gan.patch_conv import PatchConv2D
from gan.train import build_gan

KERASIO_TOML = REPO / "configs" / "gan" / "kerasio_wgan_gp.toml"

# keras-team/keras-io examples/generative/md/wgan_gp.md: the example's printed `summary()`s
# (layer type, output shape without the batch axis, parameters), Input layers left out.
KERASIO_CRITIC = [
    ("ZeroPadding2D", (32, 32, 1), 0),
    ("Conv2D", (16, 16, 64), 1664),
    ("LeakyReLU", (16, 16, 64), 0),
    ("Conv2D", (8, 8, 128), 204928),
    ("LeakyReLU", (8, 8, 128), 0),
    ("Dropout", (8, 8, 128), 0),
    ("Conv2D", (4, 4, 256), 819456),
    ("LeakyReLU", (4, 4, 256), 0),
    ("Dropout", (4, 4, 256), 0),
    ("Conv2D", (2, 2, 512), 3277312),
    ("LeakyReLU", (2, 2, 512), 0),
    ("Flatten", (2048,), 0),
    ("Dropout", (2048,), 0),
    ("Dense", (1,), 2049),
]
KERASIO_GENERATOR = [
    ("Dense", (4096,), 524288),
    ("BatchNormalization", (4096,), 16384),
    ("LeakyReLU", (4096,), 0),
    ("Reshape", (4, 4, 256), 0),
    ("UpSampling2D", (8, 8, 256), 0),
    ("Conv2D", (8, 8, 128), 294912),
    ("BatchNormalization", (8, 8, 128), 512),
    ("LeakyReLU", (8, 8, 128), 0),
    ("UpSampling2D", (16, 16, 128), 0),
    ("Conv2D", (16, 16, 64), 73728),
    ("BatchNormalization", (16, 16, 64), 256),
    ("LeakyReLU", (16, 16, 64), 0),
    ("UpSampling2D", (32, 32, 64), 0),
    ("Conv2D", (32, 32, 1), 576),
    ("BatchNormalization", (32, 32, 1), 4),
    ("Activation", (32, 32, 1), 0),
    ("Cropping2D", (28, 28, 1), 0),
]


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    yield
    keras.backend.clear_session()


def _layers(model):
    # PatchConv2D is a Conv2D computed another way (gan/patch_conv.py): the example's Conv2D.
    def kind(layer):
        return "Conv2D" if isinstance(layer, PatchConv2D) else type(layer).__name__

    return [(kind(layer), tuple(layer.output.shape[1:]), layer.count_params()) for layer in model.layers]


def test_kerasio_config_builds_the_examples_networks():
    config = load_config(GANConfig, KERASIO_TOML)
    gan = build_gan(config, (28, 28, 1))
    assert _layers(gan.discriminator) == KERASIO_CRITIC
    assert _layers(gan.generator) == KERASIO_GENERATOR
    # The totals the example prints: critic 4,305,409; generator 910,660 of which 902,082 trainable.
    assert gan.discriminator.count_params() == 4_305_409
    assert gan.generator.count_params() == 910_660
    trainable = sum(int(np.prod(w.shape)) for w in gan.generator.trainable_weights)
    assert trainable == 902_082
    # The layer options the summaries do not show: kernel sizes, strides, biases, activations, rates.
    convs = [layer for layer in gan.discriminator.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [(c.kernel_size, c.strides, c.use_bias) for c in convs] == [((5, 5), (2, 2), True)] * 4
    assert [layer.rate for layer in gan.discriminator.layers if isinstance(layer, keras.layers.Dropout)] == [
        0.3,
        0.3,
        0.2,
    ]
    assert gan.discriminator.layers[-1].get_config()["activation"] == "linear"
    assert {
        layer.negative_slope for layer in gan.discriminator.layers if isinstance(layer, keras.layers.LeakyReLU)
    } == {0.2}
    g_convs = [layer for layer in gan.generator.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [(c.kernel_size, c.strides, c.use_bias) for c in g_convs] == [((3, 3), (1, 1), False)] * 3
    assert not gan.generator.layers[0].use_bias
    assert output_range(gan.generator) == (-1.0, 1.0)
    # The example's training recipe.
    t = config.train
    assert (t.loss, t.critic_steps, t.gp_weight, t.gp_interpolation) == ("wgan_gp", 3, 10.0, "normal")
    assert (t.batch_size, t.epochs, t.d_learning_rate, t.g_learning_rate, t.beta_1, t.beta_2) == (
        512, 20, 2e-4, 2e-4, 0.5, 0.9
    )  # fmt: skip
    assert (config.model.latent_dim, config.model.output_activation, t.training_mode, t.ema) == (128, "tanh", True, 0)
    for opt in (gan.d_optimizer, gan.g_optimizer):
        assert isinstance(opt, keras.optimizers.Adam)


def test_kerasio_recipe_takes_a_training_step():
    config = load_config(GANConfig, KERASIO_TOML)
    keras.utils.set_random_seed(0)
    gan = build_gan(config, (28, 28, 1))
    images = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    history = gan.fit(images, batch_size=8, epochs=1, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (3, 1)


@pytest.mark.parametrize("upsample", ["transpose", "resize"])
@pytest.mark.parametrize("output_stride, crop", [(1, 0), (2, 2)])
def test_generator_architecture_keys_make_the_image_shape(upsample, output_stride, crop):
    config = load_config(
        GANConfig,
        None,
        [*TINY_MODEL, f"model.generator.upsample={upsample}", f"model.generator.output_stride={output_stride}",
         f"model.generator.crop={crop}", "model.generator.output_norm=batch"],
    )  # fmt: skip
    g = build_generator(config.model, (28, 28, 1))
    assert g.output_shape == (None, 28, 28, 1)
    kinds = {type(layer).__name__ for layer in g.layers}
    assert ("UpSampling2D" in kinds) == (upsample == "resize")
    assert ("Conv2DTranspose" in kinds) == (upsample == "transpose")
    assert ("Cropping2D" in kinds) == bool(crop)


def test_discriminator_pad_and_block_dropout():
    config = load_config(
        GANConfig, None, [*TINY_MODEL, "model.discriminator.pad=2", "model.discriminator.block_dropout=[0.0, 0.4]"]
    )
    d = build_discriminator(config.model, (28, 28, 1))
    assert type(d.layers[0]).__name__ == "ZeroPadding2D" and d.layers[0].output.shape[1:] == (32, 32, 1)
    assert [layer.rate for layer in d.layers if isinstance(layer, keras.layers.Dropout)] == [
        0.4,
        config.model.discriminator.dropout,
    ]


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("model.generator.output_stride=3", "output_stride must be 1 or 2"),
        ("model.generator.crop=-1", "crop must be 0 or more"),
        ("model.discriminator.pad=-2", "pad must be 0 or more"),
        ("model.discriminator.block_dropout=[0.1]", "one rate per layer"),
        ("model.discriminator.block_dropout=[0.1, 1.0, 0.0]", "block_dropout must be in [0, 1)"),
        ("train.critic_steps=0", "train.critic_steps must be positive"),
        ("train.gp_weight=-1", "gp_weight must be 0 or more"),
        ("train.drift_weight=-0.001", "drift_weight must be 0 or more"),
        ("train.gp_interpolation=beta", "gp_interpolation"),
        ("model.num_classes=1", "num_classes must be at least 2"),
    ],
)
def test_bad_new_keys_are_one_clear_error(override, fragment):
    with pytest.raises(ConfigError, match=None) as info:
        load_config(GANConfig, None, [override])
    assert fragment in str(info.value), str(info.value)


def test_crop_that_does_not_fit_the_strides_says_what_to_change():
    config = load_config(GANConfig, None, ["model.generator.crop=1"])  # 30x30 from strides 2, 2
    with pytest.raises(ConfigError, match="crop"):
        build_generator(config.model, (28, 28, 1))
