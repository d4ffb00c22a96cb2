"""Tests for compare.gan_metrics and the `python -m compare.metrics` CLI on a fabricated GAN run."""

import json
import subprocess
import sys

import numpy as np
import pytest
from compare_support import TINY_EVALUATOR, make_fake_gan_run

from common.runformat import GanFiles
from compare import gan_metrics
from compare.collapse import COLLAPSE_CLASSES
from compare.metrics import format_table, measure_run

pytestmark = pytest.mark.slow  # the tiny evaluator's training, or a command in a subprocess


@pytest.fixture(scope="module")
def gan_run(tmp_path_factory):
    return make_fake_gan_run(tmp_path_factory.mktemp("gan-run"))


@pytest.fixture(scope="module")
def reference(tiny_evaluator):
    return gan_metrics.load_reference(tiny_evaluator, limit=400)


def test_real_images_score_near_the_floor_and_noise_far_from_it(tiny_evaluator, reference):
    from gan.data import load_images

    train, _ = load_images(split="train", limit=400)
    real = gan_metrics.image_metrics(tiny_evaluator, train, reference, kid_subsets=10, kid_subset_size=200)
    noise = np.random.default_rng(0).integers(0, 256, size=(400, 28, 28, 1), dtype=np.uint8)
    fake = gan_metrics.image_metrics(tiny_evaluator, noise, reference, kid_subsets=10, kid_subset_size=200)
    assert real["fid"] < fake["fid"] and real["kid"]["mean"] < fake["kid"]["mean"]
    assert real["precision"] > fake["precision"] and real["recall"] > fake["recall"]
    assert real["n"] == 400 and sum(real["class_histogram"]["counts"]) == 400
    assert len(real["class_histogram"]["counts"]) == 10


def test_measure_run_is_deterministic_and_writes_metrics_json(gan_run, tiny_evaluator, reference):
    kw = dict(n=200, seed=3, evaluator=tiny_evaluator, reference=reference, kid_subsets=5)
    first = measure_run(gan_run, **kw)
    saved = json.loads((gan_run / GanFiles.METRICS).read_text())
    second = measure_run(gan_run, write=False, **kw)
    for result in (first, second):
        result.pop("seconds")
    assert first == second
    assert saved["evaluator"]["sha256"] == tiny_evaluator.sha256
    assert saved["evaluator"]["feature_layer"] == "features" and saved["n"] == 200
    assert saved["inception_fid"]["status"] == "skipped" and saved["inception_fid"]["reason"]
    # An untrained generator is far worse than real data.
    assert saved["generated"]["fid"] > saved["real_floor"]["fid"]
    # Pixel statistics beside the real data's, the collapse references and the verdict.
    for part in ("generated", "real_floor"):
        assert set(saved[part]["pixels"]) >= {"mean_intensity", "pixel_std", "image_contrast", "near_constant_fraction"}
    assert [r["k"] for r in saved["real_floor"]["collapse_references"]] == list(COLLAPSE_CLASSES)
    assert saved["assessment"]["verdict"] != "learned" and not saved["assessment"]["learned"]  # an untrained generator
    table = format_table(first)
    for name in ("FID", "KID", "precision", "recall", "classifier score", "class entropy", "mean pixel",
                 "near-constant", "Inception FID", "verdict:"):  # fmt: skip
        assert name in table
    other_seed = measure_run(gan_run, write=False, **{**kw, "seed": 4})
    assert other_seed["generated"]["fid"] != first["generated"]["fid"]


@pytest.mark.slow
def test_cli_writes_metrics_json(gan_run, compare_cache_dir, tiny_evaluator, tmp_path):
    args = [sys.executable, "-m", "compare.metrics", str(gan_run), "--n", "100", "--seed", "1", "--kid-subsets", "3",
            "--reference-limit", "300", "--cache-dir", str(compare_cache_dir)]  # fmt: skip
    args += [f"--evaluator={k}={list(v) if isinstance(v, tuple) else v}" for k, v in TINY_EVALUATOR.items()]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "real data" in done.stdout and "metrics.json" in done.stdout and "verdict:" in done.stdout
    # A message before each long step, naming the one evaluator id.
    for step in ("generating 100 images", "scoring the 100 generated images", "scoring 100 real training images"):
        assert step in done.stderr
    assert f"evaluator {tiny_evaluator.id}" in done.stderr and tiny_evaluator.id in done.stdout
    result = json.loads((gan_run / GanFiles.METRICS).read_text())
    assert result["evaluator"]["id"] == tiny_evaluator.id and tiny_evaluator.id in tiny_evaluator.path.name
    assert result["n"] == 100 and result["seed"] == 1
    assert result["evaluator"]["sha256"] == tiny_evaluator.sha256  # the cached one, not retrained
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_a_folder_without_generator(tmp_path):
    done = subprocess.run([sys.executable, "-m", "compare.metrics", str(tmp_path)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert "generator" in done.stderr.splitlines()[-1]


def test_pixel_statistics_tell_blank_and_identical_samples_from_real_ones():
    from gan.data import load_images

    real, _ = load_images(split="train", limit=300)
    stats = gan_metrics.pixel_statistics(real)
    assert 50 < stats["mean_intensity"] < 100 and stats["pixel_std"] > 50 and stats["near_constant_fraction"] == 0
    black = np.zeros((300, 28, 28, 1), np.uint8)
    black[:, 10:12, 10:12] = 30  # a faint identical blob
    dark = gan_metrics.pixel_statistics(black)
    assert dark["mean_intensity"] < 1 and dark["pixel_std"] == 0 and dark["near_constant_fraction"] == 1.0
    same = gan_metrics.pixel_statistics(np.repeat(real[:1], 300, axis=0))
    assert same["pixel_std"] == 0 and same["mean_intensity"] == pytest.approx(float(real[0].mean()))
    with pytest.raises(ValueError, match="N >= 2"):
        gan_metrics.pixel_statistics(real[:1])
