"""Tests for gan.config and the TOML files configs/gan/*.toml (no TensorFlow needed)."""

import dataclasses

import pytest
from gan_support import DEFAULT_TOML, SEED_TOML
from hypothesis import given
from hypothesis import strategies as st

from common.config import config_keys, load_config, to_toml
from common.errors import ConfigError
from gan.config import GANConfig


def test_default_toml_equals_the_built_in_defaults():
    assert load_config(GANConfig, DEFAULT_TOML) == GANConfig()


def test_default_toml_names_every_key():
    text = DEFAULT_TOML.read_text()
    for key in config_keys(GANConfig):
        assert f"{key.rsplit('.', 1)[-1]} =" in text, key  # unset keys appear commented out


def test_seed_toml_is_the_reference_notebook():
    c = load_config(GANConfig, SEED_TOML)
    assert c.model.latent_dim == 64 and c.model.output_activation == "sigmoid"
    assert c.model.value_range == (0.0, 1.0)
    g, d = c.model.generator, c.model.discriminator
    assert (g.dense_channels, g.filters, g.strides, g.kernel_size, g.output_kernel_size) == (
        64,
        (64, 32, 16),
        (2, 2, 1),
        4,
        5,
    )
    assert (g.norm, g.activation, g.leaky_slope) == ("none", "leaky_relu", 0.2)
    assert (d.filters, d.strides, d.kernel_size, d.leaky_slope, d.dropout, d.norm) == (
        (64, 128, 128), (2, 2, 2), 4, 0.2, 0.2, "none"
    )  # fmt: skip
    t = c.train
    assert (t.batch_size, t.d_learning_rate, t.g_learning_rate, t.beta_1, t.beta_2) == (512, 1e-4, 1e-4, 0.9, 0.999)
    assert (t.label_noise, t.training_mode, t.ema) == (0.05, False, 0.0)


def test_resolved_config_round_trips_through_toml(tmp_path):
    c = load_config(GANConfig, SEED_TOML, ["train.epochs=3", "data.limit=100"])
    path = tmp_path / "config.toml"
    path.write_text(to_toml(c))
    assert load_config(GANConfig, path) == c


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("train.epochs=0", "train.epochs must be positive, got 0"),
        ("train.batch_size=-4", "train.batch_size must be positive, got -4"),
        ("model.latent_dim=0", "model.latent_dim must be positive"),
        ("model.generator.strides=[2]", "one entry per layer"),
        ("model.generator.strides=[2, 3]", "must be 1 or 2"),
        ("model.discriminator.dropout=1.0", "model.discriminator.dropout must be in [0, 1)"),
        ("train.ema=1.0", "train.ema must be in [0, 1)"),
        ("train.label_noise=0.7", "train.label_noise must be in [0, 0.5]"),
        ("model.generator.filters=[]", "at least one"),
        ("data.limit=0", "data.limit must be positive"),
        ("train.epochs=2.5", "'train.epochs' must be an integer"),
        ("model.generator.norm=layer", "one of 'none' | 'batch'"),
        ("train.epoch=3", "unknown config key 'train.epoch'"),
    ],
)
def test_bad_values_are_config_errors(override, fragment):
    with pytest.raises(ConfigError, match=None) as info:
        load_config(GANConfig, None, [override])
    assert fragment in str(info.value)


@given(epochs=st.integers(-5, 5), batch=st.integers(-5, 5), latent=st.integers(-3, 3))
def test_positive_counts_are_required(epochs, batch, latent):
    values = {"train.epochs": epochs, "train.batch_size": batch, "model.latent_dim": latent}
    if min(epochs, batch, latent) > 0:
        c = load_config(GANConfig, None, values=values)
        assert (c.train.epochs, c.train.batch_size, c.model.latent_dim) == (epochs, batch, latent)
    else:
        with pytest.raises(ConfigError, match="must be positive"):
            load_config(GANConfig, None, values=values)


def test_configs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        GANConfig().train.epochs = 3
