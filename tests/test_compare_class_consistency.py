"""Tests for compare.class_consistency and its place in compare.metrics (no trained evaluator needed)."""

import json

import keras
import numpy as np
import pytest
from gan_support import write_fake_fashion

from compare.class_consistency import accuracy_by_class, class_consistency
from compare.gan_metrics import Reference


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    yield
    keras.backend.clear_session()


def test_accuracy_by_class_by_hand():
    # Predicted classes 0, 1, 1, 2, 0 for true classes 0, 1, 0, 2, 2.
    probs = np.eye(3)[[0, 1, 1, 2, 0]] * 0.8 + 0.2 / 3
    result = accuracy_by_class(probs, np.array([0, 1, 0, 2, 2]), ("a", "b", "c"))
    assert result == {"overall": pytest.approx(3 / 5), "per_class": {"a": 0.5, "b": 1.0, "c": 0.5}, "n": 5}
    no_c = accuracy_by_class(probs[:2], np.array([0, 1]))
    assert no_c["per_class"] == {"0": 1.0, "1": 1.0, "2": None}  # no image of class 2
    with pytest.raises(ValueError):
        accuracy_by_class(probs, np.array([0, 1]))


def _labelled_generator():
    """A conditional 'generator' that paints class k as a bright band in rows 2k..2k+1 (latent ignored)."""
    latent = keras.Input((4,), name="latent")
    label = keras.Input((), dtype="int32", name="label")
    bands = np.full((10, 28, 28), -10.0, np.float32)
    for k in range(10):
        bands[k, 2 * k : 2 * k + 2] = 10.0
    embedding = keras.layers.Embedding(10, 28 * 28, name="label_embedding", weights=[bands.reshape(10, -1)])
    x = keras.layers.Reshape((28, 28, 1))(embedding(label))
    x = keras.layers.Add()([x, keras.layers.Reshape((28, 28, 1))(keras.layers.Dense(28 * 28)(latent)) * 0.0])
    return keras.Model([latent, label], keras.layers.Activation("sigmoid")(x), name="generator")


class BandEvaluator:
    """Reads the class from the brightest band, but takes every 9 for an 8 (a known confusion)."""

    id = "band"
    test_accuracy = 0.9

    def probabilities(self, images):
        rows = np.asarray(images, np.float64)[..., 0].mean(axis=2)  # [N, 28]
        predicted = np.minimum(rows[:, :20].reshape(-1, 10, 2).mean(axis=2).argmax(axis=1), 8)
        return np.eye(10)[predicted]

    def predict(self, images):
        probs = self.probabilities(images)
        features = np.asarray(images, np.float64).reshape(len(images), -1)[:, ::49] + probs @ np.ones((10, 16))
        return features, probs

    def identity(self):
        return {"key": "band", "sha256": "0" * 64, "feature_layer": "none", "feature_dim": 16, "test_accuracy": 0.9}


def test_class_consistency_scores_each_class_against_the_class_asked_for():
    real_labels = np.arange(20) % 10
    real_probs = np.eye(10)[real_labels]  # the evaluator is right on every real image here
    result = class_consistency(_labelled_generator(), BandEvaluator(), real_probs, real_labels, n=40, seed=3)
    assert result["n_per_class"] == 4 and result["generated"]["n"] == 40
    per_class = result["generated"]["per_class"]
    assert per_class["9"] == 0.0 and all(per_class[str(k)] == 1.0 for k in range(9))
    assert result["generated"]["overall"] == pytest.approx(0.9)
    assert result["real_test"]["overall"] == 1.0


def test_metrics_adds_class_consistency_for_a_conditional_run(tmp_path):
    from compare.metrics import format_table, measure_run

    data = write_fake_fashion(tmp_path / "data", n=32)  # 16 test images with labels
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.toml").write_text(f"[data]\ndata_dir = {json.dumps(str(data))}\n")
    generator = _labelled_generator()
    from gan.data import load_images

    test_images, _ = load_images("fashion_mnist", "test", data)
    evaluator = BandEvaluator()
    features, probs = evaluator.predict(test_images)
    reference = Reference(test_images, features, probs, "fake test (16 images)")
    result = measure_run(
        run, n=40, seed=0, evaluator=evaluator, reference=reference, floor=False, inception=False,
        kid_subsets=2, generator=generator,
    )  # fmt: skip
    cc = result["class_consistency"]
    assert cc["generated"]["overall"] == pytest.approx(0.9)
    assert set(cc["generated"]["per_class"]) == {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                                 "Shirt", "Sneaker", "Bag", "Ankle boot"}  # fmt: skip
    assert cc["generated"]["per_class"]["Ankle boot"] == 0.0
    assert cc["real_test"]["n"] == 16
    assert "class consistency" in format_table(result)
    assert json.loads((run / "metrics.json").read_text())["class_consistency"] == cc
