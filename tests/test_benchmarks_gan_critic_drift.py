"""Tests for benchmarks/gan_critic_drift.py: its variants, the critic statistics it reads, and a tiny run."""

import json

import keras
import numpy as np
import pytest
from compare_support import tiny_evaluator_flags
from gan_support import REPO, TINY_MODEL

from benchmarks import gan_critic_drift
from common.config import load_config
from common.errors import ConfigError
from gan.config import GANConfig
from gan.train import build_gan


def test_each_variant_is_the_default_architecture_with_wgan_gp_and_one_change():
    default = load_config(GANConfig, REPO / "configs" / "gan" / "default.toml")
    base = load_config(GANConfig, None, values=gan_critic_drift.variant_overrides("as_is"))
    assert (base.train.loss, base.train.critic_steps, base.train.precision) == ("wgan_gp", 5, "float32")
    assert base.model == default.model and base.model.discriminator.dropout == 0.2
    no_dropout = load_config(GANConfig, None, values=gan_critic_drift.variant_overrides("no_dropout"))
    drift = load_config(GANConfig, None, values=gan_critic_drift.variant_overrides("drift"))
    assert (no_dropout.model.discriminator.dropout, no_dropout.train) == (0.0, base.train)
    assert (drift.train.drift_weight, drift.model) == (0.001, base.model)
    with pytest.raises(ConfigError, match="unknown variant 'nope'"):
        gan_critic_drift.variant_overrides("nope")


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_a_constant_added_to_every_score_moves_the_means_not_the_gap(dropout):
    config = load_config(GANConfig, None, [*TINY_MODEL, "train.loss=wgan_gp", f"model.discriminator.dropout={dropout}"])
    keras.utils.set_random_seed(0)
    gan = build_gan(config, (28, 28, 1))
    reals = np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
    before = gan_critic_drift.critic_stats(gan, reals, masks=4)
    bias = gan.discriminator.weights[-1]
    bias.assign(bias + 100.0)  # every score + 100: the loss cannot tell
    after = gan_critic_drift.critic_stats(gan, reals, masks=4)
    assert after["real_mean"] == pytest.approx(before["real_mean"] + 100, abs=1e-3)
    assert after["fake_mean"] == pytest.approx(before["fake_mean"] + 100, abs=1e-3)
    assert after["gap"] == pytest.approx(before["gap"], abs=1e-3)
    assert after["real_std"] == pytest.approx(before["real_std"], abs=1e-3)
    assert (after["mask_std"] > 0) is (dropout > 0)


@pytest.mark.slow
def test_a_tiny_variant_run_reads_its_critic_every_epoch_and_reports_it(
    tmp_path, tiny_evaluator, compare_cache_dir, capsys
):
    evaluator_flags = tiny_evaluator_flags()
    out = tmp_path / "drift"
    assert gan_critic_drift.main(["--variant", "drift", "--out", str(out), "--epochs", "2", "--limit", "128"]) == 0
    rows = [json.loads(line) for line in (out / "drift" / gan_critic_drift.STATS).read_text().splitlines()]
    assert [r["epoch"] for r in rows] == [1, 2]
    assert all(np.isfinite([r["d_loss"], r["real_mean"], r["gap"], r["mask_std"]]).all() for r in rows)
    capsys.readouterr()
    argv = ["--report", "--out", str(out), "--n", "100", "--no-write", "--cache-dir", str(compare_cache_dir),
            *evaluator_flags, "--reference-limit", "200"]  # fmt: skip
    results = (REPO / "benchmarks" / "RESULTS.md").read_bytes()
    assert gan_critic_drift.main(argv) == 0
    section = capsys.readouterr().out
    assert "| `drift` | 1 |" in section and "| `drift` | 2 |" in section and "`drift`" in section.split("FID")[-1]
    assert (REPO / "benchmarks" / "RESULTS.md").read_bytes() == results  # --no-write
