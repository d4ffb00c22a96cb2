"""`train.precision`: "mixed_bfloat16" (bfloat16 layers, float32 variables, outputs and losses) and "auto"."""

import keras
import numpy as np
import pytest
from gan_support import REPO, TINY_MODEL, write_fake_fashion
from hypothesis import given, settings
from hypothesis import strategies as st

from common.config import load_config, save_config
from common.errors import ConfigError
from gan.config import GANConfig
from gan.precision import cpu_flags, resolve_precision, with_concrete_precision
from gan.resume import check_resumable, resumed_config
from gan.train import build_gan, train

MIXED = "train.precision=mixed_bfloat16"
# The keras.io WGAN-GP networks: a cropped, batch-normalized upsampling output layer.
KERASIO_OUTPUT = (
    "model.generator.upsample=resize",
    "model.generator.output_stride=2",
    "model.generator.output_norm=batch",
    "model.generator.filters=[8]",
    "model.generator.strides=[2]",
    "model.generator.crop=2",
    "model.discriminator.pad=2",
)


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    yield
    keras.backend.clear_session()


def _reals(n=8):
    return np.random.default_rng(0).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")


@pytest.mark.parametrize(
    "extra",
    [
        ["train.loss=reference"],
        ["train.loss=wgan_gp", "train.critic_steps=2"],
        ["train.loss=hinge", "model.conditional=true", "model.discriminator.norm=spectral"],
        ["train.loss=non_saturating", *KERASIO_OUTPUT],
    ],
    ids=["reference", "wgan_gp", "conditional-spectral", "kerasio-output"],
)
def test_one_mixed_step_computes_in_bfloat16_and_keeps_float32_where_it_matters(extra):
    config = load_config(GANConfig, None, [*TINY_MODEL, MIXED, *extra])
    keras.utils.set_random_seed(0)
    gan = build_gan(config, (28, 28, 1))
    assert keras.config.dtype_policy().name == "float32", "build_gan puts the caller's policy back"
    hidden = [layer for layer in gan.generator.layers + gan.discriminator.layers if layer.weights]
    assert any(layer.compute_dtype == "bfloat16" for layer in hidden), "the hidden layers compute in bfloat16"
    for model in (gan.generator, gan.discriminator, gan.ema_generator):
        for w in model.weights:
            assert w.dtype == "float32", f"{w.path} is {w.dtype}"
    data = _reals()
    labels = keras.ops.convert_to_tensor(np.arange(8, dtype="int32"))
    batch = (data, labels) if config.model.conditional else data
    before = [np.array(w) for w in gan.generator.trainable_weights]

    logs = gan.train_step(batch)
    for name, value in logs.items():
        assert value.dtype == "float32", f"{name} is {value.dtype}"
        assert np.isfinite(float(value)), name
    assert any(not np.array_equal(b, np.array(w)) for b, w in zip(before, gan.generator.trainable_weights))

    latent = gan.sample_latent(8)
    fakes = gan.generator([latent, labels] if config.model.conditional else latent, training=True)
    assert fakes.dtype == "float32" and tuple(fakes.shape) == (8, 28, 28, 1)
    outputs = gan.discriminator([fakes, labels] if config.model.conditional else fakes, training=True)
    assert outputs.dtype == "float32"
    assert gan.loss_fn.generator_loss(outputs).dtype == "float32"
    # The images are not quantized to bfloat16's 8 mantissa bits: many distinct values near +-1.
    assert len(np.unique(np.array(fakes))) > 256


def test_float32_builds_no_bfloat16_layer():
    config = load_config(GANConfig, None, [*TINY_MODEL, "train.precision=float32"])
    gan = build_gan(config, (28, 28, 1))
    assert all(layer.compute_dtype == "float32" for layer in gan.generator.layers + gan.discriminator.layers)


@given(st.sets(st.sampled_from(["avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "fma"])),
       st.integers(0, 2), st.booleans())  # fmt: skip
@settings(max_examples=50, deadline=None)
def test_auto_is_mixed_bfloat16_only_on_a_cpu_with_bfloat16_arithmetic_alone(flags, gpus, multi_worker):
    native = bool(flags & {"avx512_bf16", "amx_bf16"})
    expected = "mixed_bfloat16" if native and not gpus and not multi_worker else "float32"
    assert resolve_precision("auto", flags, gpus, multi_worker) == expected
    for name in ("float32", "mixed_bfloat16"):  # a named precision is kept whatever the machine
        assert resolve_precision(name, flags, gpus, multi_worker) == name


def test_cpu_flags_are_read_from_the_first_flags_line(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    assert cpu_flags(cpuinfo) == {"fpu", "avx2", "avx512_bf16"}
    assert cpu_flags(tmp_path / "missing") == frozenset()


def test_auto_is_the_default_and_a_run_saves_what_it_stood_for(tmp_path):
    assert GANConfig().train.precision == "auto"
    assert load_config(GANConfig, REPO / "configs" / "gan" / "seed.toml").train.precision == "float32"  # the notebook
    data = write_fake_fashion(tmp_path / "data", n=32)
    config = load_config(
        GANConfig, None, [*TINY_MODEL, "train.epochs=1", "train.batch_size=16", f"data.data_dir={data}"]
    )
    (tmp_path / "run").mkdir()
    train(config, tmp_path / "run", verbose=0)
    saved = load_config(GANConfig, tmp_path / "run" / "config.toml")
    assert saved.train.precision == resolve_precision("auto")  # this machine's choice, named
    assert with_concrete_precision(config) == saved


def test_auto_on_resume_is_the_runs_own_precision(tmp_path):
    # A run trained in mixed_bfloat16 (on a CPU with bfloat16 arithmetic, say) and resumed with the
    # default "auto" on any machine continues in mixed_bfloat16; the repeated --config is accepted.
    save_config(load_config(GANConfig, None, [MIXED]), tmp_path / "config.toml")
    resumed = with_concrete_precision(load_config(GANConfig, None, []), tmp_path)
    assert resumed.train.precision == "mixed_bfloat16"
    check_resumable(resumed, tmp_path)
    assert resumed_config(str(tmp_path), str(REPO / "configs" / "gan" / "default.toml"), [], {}).train.precision == (
        "mixed_bfloat16"
    )


def test_resume_refuses_another_precision(tmp_path):
    save_config(load_config(GANConfig, None, [MIXED]), tmp_path / "config.toml")
    with pytest.raises(ConfigError, match="cannot change the precision"):
        check_resumable(load_config(GANConfig, None, ["train.precision=float32"]), tmp_path)


def test_a_mixed_run_saves_its_precision_and_a_loadable_generator(tmp_path):
    from gan.sample import generate, load_generator

    data = write_fake_fashion(tmp_path / "data", n=32)
    config = load_config(
        GANConfig, None, [*TINY_MODEL, MIXED, "train.epochs=1", "train.batch_size=16", f"data.data_dir={data}"]
    )
    (tmp_path / "run").mkdir()
    train(config, tmp_path / "run", verbose=0)
    assert load_config(GANConfig, tmp_path / "run" / "config.toml").train.precision == "mixed_bfloat16"
    images = generate(load_generator(tmp_path / "run"), 4, seed=0)
    assert images.dtype == np.uint8 and images.shape == (4, 28, 28, 1)
