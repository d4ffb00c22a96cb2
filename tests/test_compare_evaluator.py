"""Tests for compare.evaluator: training a tiny evaluator, the on-disk cache, predictions, the CLI."""

import json
import subprocess
import sys

import numpy as np
import pytest
from compare_support import TINY_EVALUATOR

from common.config import load_config
from common.errors import ConfigError, InputError
from compare import evaluator as ev


@pytest.mark.slow
def test_cache_is_reused_and_the_hash_is_stable(tiny_evaluator, compare_cache_dir, monkeypatch):
    assert tiny_evaluator.path.parent == compare_cache_dir and tiny_evaluator.path.is_file()
    assert tiny_evaluator.sha256 == ev.file_sha256(tiny_evaluator.path)

    def no_training(*args, **kwargs):
        raise AssertionError("the cached evaluator was trained again")

    monkeypatch.setattr(ev, "train_evaluator", no_training)
    again = ev.load_evaluator(ev.EvaluatorConfig(**TINY_EVALUATOR), compare_cache_dir, verbose=0)
    assert not again.trained
    assert (again.key, again.sha256, again.path) == (tiny_evaluator.key, tiny_evaluator.sha256, tiny_evaluator.path)
    info = json.loads(again.path.with_suffix(".json").read_text())
    assert info["sha256"] == again.sha256 and info["feature_layer"] == ev.FEATURE_LAYER == "features"
    # One hash names the evaluator: the cache file's name, identity() (metrics.json) and the log.
    assert again.id == again.key[: ev.ID_DIGITS] and again.path.name == f"evaluator-{again.id}.keras"
    assert again.identity()["id"] == again.id


def test_the_log_introduces_the_evaluator_and_its_accuracy(tiny_evaluator, compare_cache_dir, tmp_path, capsys):
    import shutil

    ev.load_evaluator(ev.EvaluatorConfig(**TINY_EVALUATOR), compare_cache_dir, verbose=1)
    loaded = capsys.readouterr().err
    assert "the Fashion-MNIST classifier used to score the GAN" in loaded and tiny_evaluator.id in loaded
    assert f"test accuracy {tiny_evaluator.test_accuracy:.2%}" in loaded
    shutil.copy(tiny_evaluator.path, tmp_path / tiny_evaluator.path.name)  # no info file: counts as missing
    ev.load_evaluator(ev.EvaluatorConfig(**TINY_EVALUATOR), tmp_path, verbose=1)
    trained = capsys.readouterr().err
    assert f"training the Fashion-MNIST classifier used to score the GAN (evaluator {tiny_evaluator.id})" in trained
    assert f"evaluator {tiny_evaluator.id} trained in" in trained and "test accuracy" in trained


def test_the_key_depends_on_config_data_and_code(monkeypatch):
    images = np.zeros((4, 28, 28, 1), np.uint8)
    labels = np.arange(4)
    base = ev.cache_key(ev.EvaluatorConfig(), images, labels)
    assert base == ev.cache_key(ev.EvaluatorConfig(), images.copy(), labels.copy())
    assert base != ev.cache_key(ev.EvaluatorConfig(epochs=2), images, labels)
    changed = images.copy()
    changed[0, 0, 0, 0] = 1
    assert base != ev.cache_key(ev.EvaluatorConfig(), changed, labels)
    monkeypatch.setattr(ev, "code_fingerprint", lambda: "other code")
    assert base != ev.cache_key(ev.EvaluatorConfig(), images, labels)


@pytest.mark.slow
def test_a_broken_cache_file_is_trained_again(tiny_evaluator, tmp_path):
    import shutil

    shutil.copy(tiny_evaluator.path, tmp_path / tiny_evaluator.path.name)
    shutil.copy(tiny_evaluator.path.with_suffix(".json"), tmp_path / tiny_evaluator.path.with_suffix(".json").name)
    (tmp_path / tiny_evaluator.path.name).write_bytes(b"not a keras file")
    fresh = ev.load_evaluator(ev.EvaluatorConfig(**TINY_EVALUATOR), tmp_path, verbose=0)
    assert fresh.trained and fresh.key == tiny_evaluator.key
    assert ev.file_sha256(fresh.path) == fresh.sha256


@pytest.mark.slow
def test_predictions_have_the_documented_shapes(tiny_evaluator):
    from gan.data import load_images

    images, labels = load_images(split="test", limit=64)
    features, probs = tiny_evaluator.predict(images)
    assert features.shape == (64, TINY_EVALUATOR["feature_units"]) and features.dtype == np.float64
    assert probs.shape == (64, 10)
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-5)
    assert (features >= 0).all()  # the feature layer is a ReLU
    # [N, H, W] gray images are accepted too, and give the same answer.
    np.testing.assert_allclose(tiny_evaluator.features(images[..., 0]), features)
    assert 0.0 <= tiny_evaluator.test_accuracy <= 1.0


@pytest.mark.slow
def test_bad_images_are_refused(tiny_evaluator):
    with pytest.raises(InputError, match="uint8"):
        tiny_evaluator.predict(np.zeros((2, 28, 28, 1), np.float32))
    with pytest.raises(InputError, match=r"\[N, 28, 28, 1\]"):
        tiny_evaluator.predict(np.zeros((2, 32, 32, 3), np.uint8))


def test_config_checks():
    with pytest.raises(ConfigError):
        load_config(ev.EvaluatorConfig, overrides=["epochs=0"])
    with pytest.raises(ConfigError):
        load_config(ev.EvaluatorConfig, overrides=["widths=[]"])


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPARE_CACHE_DIR", str(tmp_path / "c"))
    assert ev.default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("COMPARE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert ev.default_cache_dir() == tmp_path / "x" / "gen-art-suite" / "compare"


@pytest.mark.slow
def test_cli_trains_then_loads(tiny_evaluator, compare_cache_dir, tmp_path):
    args = [sys.executable, "-m", "compare.evaluator", "--cache-dir", str(compare_cache_dir),
            "--limit", str(TINY_EVALUATOR["train_limit"]), "--epochs", "1"]  # fmt: skip
    args += [f"--set={k}={list(v) if isinstance(v, tuple) else v}" for k, v in TINY_EVALUATOR.items()
             if k not in ("train_limit", "epochs")]  # fmt: skip
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "loaded from cache" in done.stdout
    assert tiny_evaluator.sha256 in done.stdout and "features" in done.stdout
    assert f"evaluator      {tiny_evaluator.id}: the Fashion-MNIST classifier used to score the GAN" in done.stdout
    assert list(tmp_path.iterdir()) == []  # nothing written into the working directory


@pytest.mark.slow
def test_cli_reports_a_bad_flag_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "compare.evaluator", "--set", "epochs=-1", "--cache-dir", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "epochs" in done.stderr


@pytest.mark.slow
def test_training_repeats_exactly_and_leaves_the_global_generators_alone():
    import random

    import keras
    from compare_support import fashion_mnist_present

    from gan.data import load_images

    if not fashion_mnist_present():
        pytest.skip("Fashion-MNIST absent")
    config = ev.EvaluatorConfig(**TINY_EVALUATOR)
    images, labels = load_images(split="train", limit=config.train_limit)

    def draws():  # the next value of each global generator a caller might be using
        return random.random(), float(np.random.rand()), float(keras.random.uniform(()))

    keras.utils.set_random_seed(123)  # the test's own seeding, not the library's
    expected = draws()
    keras.utils.set_random_seed(123)
    first, _ = ev.train_evaluator(config, images, labels, verbose=0)
    assert draws() == expected  # training drew from none of them and reseeded none
    second, _ = ev.train_evaluator(config, images, labels, verbose=0)
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def _shipped_info():
    from compare.evaluator_cache import bundled_dir

    found = sorted(bundled_dir().glob("evaluator-*.weights.h5"))
    assert len(found) == 1, f"the package should ship exactly one evaluator in {bundled_dir()}, found {found}"
    return found[0], json.loads(found[0].with_suffix("").with_suffix(".json").read_text())


REBUNDLE = ("the evaluator's code, config or data changed since it was shipped: run "
            "`python -m compare.evaluator --bundle` (trains it once, minutes) and commit compare/evaluators/")  # fmt: skip


@pytest.mark.real_data
def test_the_shipped_evaluator_is_the_default_one_for_the_current_code():
    from compare_support import fashion_mnist_present

    from gan.data import load_images

    weights, info = _shipped_info()
    assert info["sha256"] == ev.file_sha256(weights), "the shipped weights do not match their recorded sha256"
    default = json.loads(json.dumps(ev.dataclasses.asdict(ev.EvaluatorConfig())))  # tuples as JSON lists
    assert info["test_accuracy"] >= ev.TARGET_ACCURACY and info["config"] == default
    assert weights.stat().st_size < 3e6  # weights only, no optimizer state
    if not fashion_mnist_present():
        pytest.skip("Fashion-MNIST absent: the key hashes the training data")
    images, labels = load_images(split="train")
    assert info["key"] == ev.cache_key(ev.EvaluatorConfig(), images, labels), REBUNDLE
    assert weights.name == f"evaluator-{info['key'][: ev.ID_DIGITS]}.weights.h5"


@pytest.mark.real_data
def test_the_shipped_real_data_row_matches_the_shipped_evaluator_and_the_demo():
    from types import SimpleNamespace

    from compare_support import fashion_mnist_present

    from compare import reference_cache
    from compare.gan_metrics import Reference
    from compare.options import ReportOptions
    from gan.data import FASHION_MNIST_CLASSES, load_images

    weights, info = _shipped_info()
    saved = json.loads(weights.with_suffix("").with_suffix(".real-data.json").read_text())
    options = ReportOptions()
    assert (saved["settings"]["n"], saved["settings"]["seed"], saved["settings"]["kid_subsets"]) == (
        options.n, options.seed, options.kid_subsets)  # fmt: skip
    if not fashion_mnist_present():
        pytest.skip("Fashion-MNIST absent: the key hashes the images")
    shipped = SimpleNamespace(key=info["key"], sha256=info["sha256"], id=info["key"][: ev.ID_DIGITS], info=info)
    test, _ = load_images(split="test", limit=options.reference_limit)
    train, _ = load_images(split="train")
    key = reference_cache.real_floor_key(shipped, Reference(test, None, None, "test"), options.n, options.seed, train,
                                         FASHION_MNIST_CLASSES, True, options.kid_subsets, 1000)  # fmt: skip
    assert saved["key"] == key, "the metrics code changed since the real-data row was shipped: " + REBUNDLE


@pytest.mark.slow
def test_a_shipped_evaluator_is_used_only_when_its_sha256_matches(tiny_evaluator, tmp_path, monkeypatch, capsys):
    from compare import evaluator_cache

    package = tmp_path / "package"
    evaluator_cache.write_bundle(tiny_evaluator.model, tiny_evaluator.info, tiny_evaluator.id, package)
    monkeypatch.setattr(evaluator_cache, "bundled_dir", lambda: package)
    config = ev.EvaluatorConfig(**TINY_EVALUATOR)

    shipped = ev.load_evaluator(config, tmp_path / "empty-cache", verbose=1)
    assert shipped.source == "package" and not shipped.trained and shipped.key == tiny_evaluator.key
    assert "(shipped with the package)" in capsys.readouterr().err
    images = np.zeros((3, 28, 28, 1), np.uint8) + np.arange(3, dtype=np.uint8)[:, None, None, None] * 80
    np.testing.assert_allclose(shipped.probabilities(images), tiny_evaluator.probabilities(images), rtol=1e-6)

    info_path = package / f"evaluator-{tiny_evaluator.id}.json"
    info = json.loads(info_path.read_text())
    info_path.write_text(json.dumps(dict(info, sha256="0" * 64)))
    retrained = ev.load_evaluator(config, tmp_path / "other-cache", verbose=1)
    assert retrained.trained and retrained.source == "trained" and retrained.key == tiny_evaluator.key
    assert "cannot be used" in capsys.readouterr().err
