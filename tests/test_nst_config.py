"""Tests for nst.config: default.toml is the dataclass defaults, kerasio.toml loads, bad values are ConfigErrors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.config import config_keys, load_config, save_config
from common.errors import ConfigError
from nst.config import NSTConfig

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "nst"


def test_default_toml_equals_the_dataclass_defaults():
    assert load_config(NSTConfig, CONFIGS / "default.toml") == NSTConfig()


def test_kerasio_toml_is_the_kerasio_recipe():
    cfg = load_config(NSTConfig, CONFIGS / "kerasio.toml")
    assert cfg.loss.content_layers == {"block5_conv2": 1.0}
    assert cfg.loss.content_weight == 2.5e-8 and cfg.loss.style_weight == 1e-6 and cfg.loss.tv_weight == 1e-6
    assert cfg.loss.tv_exponent == 1.25 and not cfg.loss.normalize and cfg.loss.pooling == "max"
    assert cfg.optimizer.name == "sgd" and cfg.optimizer.learning_rate == 100.0
    assert (cfg.optimizer.decay_rate, cfg.optimizer.decay_steps, cfg.optimizer.iterations) == (0.96, 100, (4000,))
    assert cfg.image.size == 400 and cfg.image.size_of == "height"


def test_saved_config_loads_back(tmp_path):
    cfg = load_config(NSTConfig, CONFIGS / "kerasio.toml", ["image.preserve_colors=luminance", "weights=none"])
    save_config(cfg, tmp_path / "config.toml")
    assert load_config(NSTConfig, tmp_path / "config.toml") == cfg


@pytest.mark.parametrize(
    "override, match",
    [
        ("image.size=0", "image.size"),
        ("image.size=-5", "image.size"),
        ("optimizer.iterations=[0]", "iterations"),
        ("optimizer.iterations=[]", "iterations"),
        ("optimizer.name=newton", "optimizer.name"),
        ("loss.style_layers.block9_conv1=1.0", "block9_conv1.*valid names"),
        ("loss.content_layers={conv4_2 = 1.0}", "conv4_2"),
        ("loss.style_weight=-1", "style_weight"),
        ("loss.tv_exponent=0.5", "tv_exponent"),
        ("loss.normalize=false", "balance"),
        ("image.scale_ratio=1", "scale_ratio"),
        ("image.style_blend_weights=[0, 0]", "style_blend_weights"),
        ("output.save_every=0", "save_every"),
        ("init.noise_ratio=2", "noise_ratio"),
        ("image.sizes=3", "unknown config key"),
        ("image.size=big", "image.size"),
    ],
)
def test_bad_values_are_config_errors(override, match):
    with pytest.raises(ConfigError, match=match):
        load_config(NSTConfig, overrides=[override])


_VALUES = st.one_of(
    st.integers(-10, 10**6),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=8),
    st.lists(st.integers(-3, 5), max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(key=st.sampled_from(config_keys(NSTConfig)), value=_VALUES)
def test_fuzz_any_value_for_any_key_is_accepted_or_a_config_error(key, value):
    try:
        cfg = load_config(NSTConfig, values={key: value})
    except ConfigError as e:
        assert key.split(".")[-1] in str(e) or "must" in str(e) or "needs" in str(e), e  # names what is wrong
        return
    # Accepted: the value is the one given (ints may become floats, lists tuples) and survives a save.
    got = cfg
    for part in key.split("."):
        got = getattr(got, part)
    expected = tuple(value) if isinstance(value, list) else value
    assert got == expected or (isinstance(got, tuple) and len(got) == 1 and got[0] == expected), (key, value, got)
    assert load_config(NSTConfig, values={key: value}) == cfg
    if isinstance(value, float):
        assert math.isfinite(value), "a NaN or infinite value must be refused"
