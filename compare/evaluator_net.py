"""The evaluator's network and how it is trained: a compact CNN on Fashion-MNIST (see `compare.evaluator`).

Everything here is part of the evaluator's identity: `EvaluatorConfig`'s fields and the code of
`build_classifier` and `_fit` (through `code_fingerprint`) go into its cache key, so changing any
of them names a new evaluator and retires the cached and the shipped ones.

Reproducible without global state: every random part has its own seed derived from
`EvaluatorConfig.seed` (the initializers, the dropout layers, the `tf.data` shuffle), so training
neither reads nor resets Python's, NumPy's or TensorFlow's global generators (a library that calls
`keras.utils.set_random_seed` changes what the caller's next random draw is).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import inspect
import os
import textwrap
import time
from typing import Any

import numpy as np

FEATURE_LAYER = "features"
# Bump when the cache file layout changes (the model code is hashed separately).
_CACHE_FORMAT = 1


@dataclasses.dataclass(frozen=True)
class EvaluatorConfig:
    """How the evaluator is built and trained; every field is part of its cache key.

    Attributes:
        dataset: the data set it classifies (`gan.data.load_images` names).
        epochs: passes over the training images.
        batch_size: images per step.
        learning_rate: Adam's peak rate, reached after `warmup_steps` and then cosine-decayed to 0.
        warmup_steps: linear warm-up steps (batch norm statistics settle first).
        widths: filters of the conv blocks; each block is conv 3x3, batch norm, ReLU, 2x2 max pool.
        feature_units: width of the penultimate (feature) layer.
        dropout: dropout rate before the feature layer and before the softmax.
        train_limit: train on the first N training images only (tests; None = all).
        test_limit: measure accuracy on the first N test images only (tests; None = all).
        seed: the seed of weights, shuffling and dropout.
    """

    dataset: str = "fashion_mnist"
    epochs: int = 5
    batch_size: int = 128
    learning_rate: float = 3e-3
    warmup_steps: int = 100
    widths: tuple[int, ...] = (32, 64)
    feature_units: int = 128
    dropout: float = 0.3
    train_limit: int | None = None
    test_limit: int | None = None
    seed: int = 0

    def __post_init__(self):
        for name in ("epochs", "batch_size", "feature_units"):
            if getattr(self, name) <= 0:
                raise ValueError(f"evaluator {name} must be positive, got {getattr(self, name)}")
        if not self.widths or any(w <= 0 for w in self.widths):
            raise ValueError(f"evaluator widths must be positive filter counts, got {self.widths}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"evaluator dropout must be in [0, 1), got {self.dropout}")
        for name in ("train_limit", "test_limit"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"evaluator {name} must be a positive number of images, got {value}")


def build_classifier(input_shape: tuple[int, int, int], num_classes: int, config: EvaluatorConfig):
    """Builds the (untrained) evaluator network, its random parts seeded from `config.seed` alone.

    Every initializer and dropout layer gets its own seed (`config.seed` + a layer offset), so the
    network is the same on every call without reseeding the process (`keras.utils.set_random_seed`
    would reset Python's, NumPy's and TensorFlow's global generators under the caller's feet).

    Args:
        input_shape: (H, W, C) of the images; uint8 values in [0, 255] go in unscaled.
        num_classes: size of the softmax.
        config: widths, feature units, dropout and seed.

    Returns:
        A functional `keras.Model` from images [N, H, W, C] to class probabilities [N, num_classes],
        with a layer named `FEATURE_LAYER` giving the features [N, feature_units].
    """
    import keras
    from keras import layers

    seeds = iter(range(config.seed * 100, config.seed * 100 + 100))  # one per random part, in build order

    def glorot():
        return keras.initializers.GlorotUniform(seed=next(seeds))

    inputs = keras.Input(input_shape, name="images")
    x = layers.Rescaling(1.0 / 255.0, name="scale")(inputs)  # [N, 28, 28, 1] in [0, 1]
    for i, width in enumerate(config.widths):
        # Batch norm makes a few epochs enough; the conv needs no bias in front of it.
        x = layers.Conv2D(width, 3, padding="same", use_bias=False, kernel_initializer=glorot(), name=f"conv{i + 1}")(x)
        x = layers.BatchNormalization(name=f"bn{i + 1}")(x)
        x = layers.ReLU(name=f"relu{i + 1}")(x)
        x = layers.MaxPooling2D(name=f"pool{i + 1}")(x)  # 28 -> 14 -> 7
    # Flatten keeps where in the image a pattern is (a collar vs a hem), which global pooling
    # would throw away; at 7x7x64 it is a cheap 3136 -> 128 dense layer.
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(config.dropout / 2, seed=next(seeds), name="dropout1")(x)
    x = layers.Dense(config.feature_units, use_bias=False, kernel_initializer=glorot(), name="dense")(x)
    x = layers.BatchNormalization(name="bn_dense")(x)
    features = layers.ReLU(name=FEATURE_LAYER)(x)  # [N, 128], what FID/KID/PR compare
    x = layers.Dropout(config.dropout, seed=next(seeds), name="dropout2")(features)
    outputs = layers.Dense(num_classes, activation="softmax", kernel_initializer=glorot(), name="probabilities")(x)
    return keras.Model(inputs, outputs, name="evaluator")


def _fit(model, images: np.ndarray, labels: np.ndarray, config: EvaluatorConfig, verbose: int) -> None:
    """Trains `model` in place: Adam with linear warm-up and cosine decay, cross-entropy.

    The batches come from a `tf.data` pipeline shuffled with its own seed (a different order each
    epoch, the same orders on every run), not from `fit(shuffle=True)`, which draws from the global
    generator.
    """
    import keras
    import tensorflow as tf

    steps = config.epochs * max(1, len(images) // config.batch_size)
    warmup = min(config.warmup_steps, steps // 2)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, max(1, steps - warmup), warmup_target=config.learning_rate, warmup_steps=warmup
    )
    model.compile(keras.optimizers.Adam(schedule), "sparse_categorical_crossentropy", metrics=["accuracy"])
    batches = (
        tf.data.Dataset.from_tensor_slices((images, labels))  # uint8 [N, H, W, C], int [N]
        .shuffle(len(images), seed=config.seed, reshuffle_each_iteration=True)
        .batch(config.batch_size, drop_remainder=True)  # `steps` counts whole batches
        .map(lambda x, y: (tf.cast(x, tf.float32), y))
        .prefetch(2)
    )
    model.fit(batches, epochs=config.epochs, shuffle=False, verbose=verbose)


def code_fingerprint() -> str:
    """Returns a sha256 of the code that builds and trains the evaluator.

    It hashes the syntax tree of `build_classifier` and `_fit` without their docstrings, so comments,
    docstrings and formatting can change without retiring the cached and the shipped evaluators;
    any change to what the code does retires them.
    """
    trees = []
    for function in (build_classifier, _fit):
        tree = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
        if ast.get_docstring(tree) is not None:
            tree.body = tree.body[1:]
        trees.append(ast.dump(tree, annotate_fields=False))
    return hashlib.sha256(f"{_CACHE_FORMAT}\n".encode() + "\n".join(trees).encode()).hexdigest()


def train_evaluator(
    config: EvaluatorConfig,
    images: np.ndarray,
    labels: np.ndarray,
    data_dir: str | os.PathLike | None = None,
    verbose: int = 1,
) -> tuple[Any, dict]:
    """Trains a fresh evaluator and measures its test accuracy (no caching; see `load_evaluator`).

    Args:
        config: the evaluator config.
        images: training images, uint8 [N, H, W, C].
        labels: training labels [N].
        data_dir: where the test split is read from.
        verbose: Keras's verbosity during `fit`.

    Returns:
        `(model, info)`: the trained `keras.Model` and a JSON-ready dict (accuracy, timings, config).
    """
    import keras

    from gan.data import load_images

    num_classes = int(labels.max()) + 1
    model = build_classifier(tuple(images.shape[1:]), num_classes, config)
    start = time.perf_counter()
    _fit(model, images, labels, config, verbose)
    seconds = time.perf_counter() - start
    test_images, test_labels = load_images(config.dataset, "test", data_dir, config.test_limit)
    model.trainable = False  # frozen from here on
    probs = np.concatenate(
        [
            np.asarray(model(test_images[i : i + 500].astype(np.float32), training=False))
            for i in range(0, len(test_images), 500)
        ]
    )
    accuracy = float(np.mean(probs.argmax(-1) == test_labels))
    info = {
        "format": _CACHE_FORMAT,
        "dataset": config.dataset,
        "feature_layer": FEATURE_LAYER,
        "feature_dim": config.feature_units,
        "num_classes": num_classes,
        "input_shape": list(images.shape[1:]),
        "train_images": int(len(images)),
        "test_images": int(len(test_images)),
        "test_accuracy": accuracy,
        "train_seconds": round(seconds, 2),
        "parameters": int(model.count_params()),
        "code_sha256": code_fingerprint(),
        "config": dataclasses.asdict(config),
        "keras_version": keras.__version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    return model, info
