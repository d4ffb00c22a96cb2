"""Tests for common.config: TOML over dataclass defaults, --set overrides, type checks, round trip."""

import dataclasses
import math
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.config import config_keys, load_config, save_config, to_toml, tomllib
from common.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Train:
    epochs: int = 5
    lr: float = 1e-4
    optimizer: Literal["adam", "sgd"] = "adam"
    layers: tuple[str, ...] = ("a", "b")
    weights: dict[str, float] = dataclasses.field(default_factory=lambda: {"a": 1.0})
    ema: bool = False

    def __post_init__(self):
        if self.epochs <= 0:
            raise ValueError(f"train.epochs must be a positive integer, got {self.epochs}")


@dataclasses.dataclass(frozen=True)
class Config:
    seed: int = 0
    name: str | None = None
    train: Train = Train()


def test_defaults_without_file_or_overrides():
    assert load_config(Config) == Config()


def test_layers_apply_in_order_file_then_set_then_values(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('seed = 1\n[train]\nepochs = 2\nlr = 3e-4\noptimizer = "sgd"\n')
    cfg = load_config(Config, path, ["train.epochs=7", "seed=4"], {"seed": 9, "train.lr": None})
    assert cfg.seed == 9  # typed flag beats --set
    assert cfg.train.epochs == 7  # --set beats the file
    assert cfg.train.lr == pytest.approx(3e-4)  # None flag values are skipped
    assert cfg.train.optimizer == "sgd"


def test_int_is_accepted_for_float_and_lists_become_tuples():
    cfg = load_config(Config, overrides=["train.lr=1", 'train.layers=["x", "y", "z"]'])
    assert cfg.train.lr == 1.0 and isinstance(cfg.train.lr, float)
    assert cfg.train.layers == ("x", "y", "z")


def test_dotted_override_merges_into_a_table():
    cfg = load_config(Config, overrides=["train.weights.b=2"])
    assert cfg.train.weights == {"a": 1.0, "b": 2.0}


def test_a_table_in_a_file_replaces_the_default_table(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[train.weights]\nc = 0.5\n")
    assert load_config(Config, path).train.weights == {"c": 0.5}


def test_bare_words_are_strings():
    assert load_config(Config, overrides=["name=hello"]).name == "hello"


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("train.epochs=many", "'train.epochs' must be an integer, got 'many'"),
        ("train.epochs=1.5", "must be an integer"),
        ("train.ema=1", "must be true or false"),
        ("train.optimizer=rmsprop", "must be one of 'adam' | 'sgd', got 'rmsprop'"),
        ("train.epocs=3", "unknown config key 'train.epocs'"),
        ("nosuch=1", "unknown config key 'nosuch'"),
        ("train=3", "'train' is a section"),
        ("train.epochs=0", "train.epochs must be a positive integer, got 0"),
        ("train.layers=[1, 2]", "'train.layers[0]' must be a string"),
        ("seed", "--set takes key=value"),
        ("train..epochs=1", "empty part"),
    ],
)
def test_bad_overrides_name_the_key_and_the_value(override, fragment):
    with pytest.raises(ConfigError, match=None) as info:
        load_config(Config, overrides=[override])
    assert fragment in str(info.value)


def test_unknown_key_in_file_names_the_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[train]\nepoch = 3\n")
    with pytest.raises(ConfigError, match=r"unknown config key 'train.epoch' from config file .*c.toml"):
        load_config(Config, path)


@pytest.mark.parametrize("content", ["seed = ", "[train\n", "seed = 1\nseed = 2\n"])
def test_invalid_toml_is_a_config_error(tmp_path, content):
    path = tmp_path / "c.toml"
    path.write_text(content)
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(Config, path)


def test_missing_or_directory_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(Config, tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(Config, tmp_path)


def test_saved_config_loads_back_equal(tmp_path):
    cfg = load_config(Config, overrides=["train.epochs=3", "name=x", "train.weights.z=0.25", "train.ema=true"])
    path = save_config(cfg, tmp_path / "config.toml")
    assert load_config(Config, path) == cfg
    assert "epochs = 3" in to_toml(cfg)


def test_config_keys_lists_dotted_keys():
    assert config_keys(Config) == [
        "seed", "name", "train.epochs", "train.lr", "train.optimizer", "train.layers", "train.weights", "train.ema",
    ]  # fmt: skip


# Keys the fuzzer draws from: real ones (so type checks run) and near misses.
_KEYS = st.sampled_from(config_keys(Config) + ["train", "train.weights.a", "seeds", "train.x", "", ".", "a..b"])
_TOML_VALUES = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True).map(repr),
    st.sampled_from(["true", "false", "[]", "[1, 2]", '["a"]', "{a = 1}", '"adam"', "sgd", "1979-05-27"]),
    st.text(max_size=20),
)


@settings(max_examples=300, deadline=None)
@given(overrides=st.lists(st.builds(lambda k, v: f"{k}={v}", _KEYS, _TOML_VALUES), max_size=4))
def test_fuzzed_overrides_give_a_config_or_a_config_error(overrides):
    try:
        cfg = load_config(Config, overrides=overrides)
    except ConfigError as e:
        assert str(e)  # every refusal says something
        return
    # Accepted: every scalar key holds the last value given for it (unless a later `train=...` table
    # set it too), and the config survives a save.
    keys = [o.split("=", 1)[0] for o in overrides]
    last = dict(o.split("=", 1) for o in overrides)
    for key in ("seed", "name", "train.epochs", "train.lr", "train.optimizer", "train.ema"):
        table_later = key.startswith("train.") and "train" in keys[keys.index(key) :] if key in keys else False
        if key in last and not table_later:
            got = cfg.train if key.startswith("train.") else cfg
            got = getattr(got, key.split(".")[-1])
            try:
                expected = tomllib.loads(f"v = {last[key].strip()}")["v"]  # the value is read stripped
            except tomllib.TOMLDecodeError:
                expected = last[key].strip()  # a bare word is taken as a string
            assert got == expected and type(got) is (float if key == "train.lr" else type(expected)), (key, got)
    # The same overrides without the ones a later override of the same key replaces, in their order.
    kept = [o for i, o in enumerate(overrides) if keys[i] not in keys[i + 1 :]]
    assert load_config(Config, overrides=kept) == cfg
    assert all(math.isfinite(v) for v in (cfg.train.lr, *cfg.train.weights.values()))


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan"])
@pytest.mark.parametrize("key", ["train.lr", "train.weights.a", "seed"])
def test_non_finite_numbers_are_refused_naming_the_key(key, value):
    with pytest.raises(ConfigError, match=rf"'{key}' must be a finite number, got"):
        load_config(Config, overrides=[f"{key}={value}"])


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_fuzzed_config_files_give_a_config_or_a_config_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cfg") / "c.toml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        load_config(Config, path)
    except ConfigError as e:
        assert str(e)
