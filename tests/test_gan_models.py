"""Tests for gan.models: shapes of both networks for both configs; the seed config is the reference."""

import keras
import numpy as np
import pytest
from gan_support import DEFAULT_TOML, SEED_TOML

from benchmarks.reference_dcgan import reference_models
from common.config import load_config
from common.errors import ConfigError
from gan.config import GANConfig
from gan.models import build_discriminator, build_generator, output_range


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Each test starts from an empty Keras graph (keeps a long test process light)."""
    yield
    keras.backend.clear_session()


@pytest.fixture(params=["seed", "default"])
def config(request):
    return load_config(GANConfig, SEED_TOML if request.param == "seed" else DEFAULT_TOML)


@pytest.mark.parametrize("image_shape", [(28, 28, 1), (32, 32, 3)])
def test_shapes(config, image_shape):
    g = build_generator(config.model, image_shape)
    d = build_discriminator(config.model, image_shape)
    assert g.input_shape == (None, config.model.latent_dim)
    assert g.output_shape == (None, *image_shape)
    assert d.input_shape == (None, *image_shape)
    assert d.output_shape == (None, 1)
    z = np.random.default_rng(0).standard_normal((3, config.model.latent_dim)).astype("float32")
    images = np.asarray(g(z))
    lo, hi = config.model.value_range
    assert images.shape == (3, *image_shape) and images.min() >= lo and images.max() <= hi
    p = np.asarray(d(images))
    assert p.shape == (3, 1) and ((p >= 0) & (p <= 1)).all()
    assert output_range(g) == config.model.value_range


def _describe(model):
    keys = (
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "activation",
        "units",
        "negative_slope",
        "rate",
        "target_shape",
        "use_bias",
    )
    return [
        (type(layer).__name__, {k: v for k, v in layer.get_config().items() if k in keys}) for layer in model.layers
    ]


def test_seed_config_builds_the_reference_models_exactly():
    config = load_config(GANConfig, SEED_TOML)
    keras.utils.set_random_seed(7)
    d = build_discriminator(config.model, (28, 28, 1))  # the notebook builds D first
    g = build_generator(config.model, (28, 28, 1))
    keras.utils.set_random_seed(7)
    ref_g, ref_d = reference_models(64)
    assert _describe(g) == _describe(ref_g)
    assert _describe(d) == _describe(ref_d)
    assert (g.count_params(), d.count_params()) == (310_849, 396_609)
    # Same layers in the same order draw the same initial weights from the same seed.
    for ours, theirs in ((g, ref_g), (d, ref_d)):
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_array_equal(a, b)


def test_default_generator_uses_batch_norm_and_tanh():
    config = GANConfig()
    names = [type(layer).__name__ for layer in build_generator(config.model, (28, 28, 1)).layers]
    assert names.count("BatchNormalization") == 3 and "LeakyReLU" not in names
    assert output_range(build_generator(config.model, (28, 28, 1))) == (-1.0, 1.0)


def test_spectral_norm_wraps_the_discriminator_layers():
    config = load_config(GANConfig, None, ["model.discriminator.norm=spectral"])
    d = build_discriminator(config.model, (28, 28, 1))
    assert sum(type(layer).__name__ == "SpectralNormalization" for layer in d.layers) == 4
    assert d.output_shape == (None, 1)


def test_image_size_the_generator_cannot_make_is_a_config_error():
    with pytest.raises(ConfigError, match="multiples of 4"):
        build_generator(GANConfig().model, (30, 30, 1))
    with pytest.raises(ConfigError, match=r"\[H, W, C\]"):
        build_generator(GANConfig().model, (28, 28))
