"""The evaluator: a small Fashion-MNIST classifier whose features and softmax the GAN metrics use.

FID, KID and precision/recall compare *feature* distributions, and the Inception Score reads a
classifier's softmax (Heusel et al. 2017; Salimans et al. 2016). The standard features come from
Inception-v3 trained on ImageNet, which is neither available offline here nor a good judge of 28x28
gray clothing. We follow the domain-classifier practice instead (TF-GAN's `mnist_score` and
`mnist_frechet_distance`, often called "Fréchet Classifier Distance"): train a compact CNN on the
Fashion-MNIST train split, freeze it, and use

- its penultimate layer `features` (128 ReLU units) for FID, KID and precision/recall, and
- its softmax over the 10 classes for the classifier score and the class histogram.

Numbers measured with different evaluators are not comparable, so the evaluator is trained once and
cached on disk under a key that hashes its training data, the source of the code that builds and
trains it, and its hyper-parameters. Change any of them and a new evaluator is trained (a few
minutes on 2 CPU cores); otherwise the cached file is loaded. The first 16 hex digits of the key
are the evaluator's *id*, the one hash shown everywhere: in the log, in the cache file's name
(`evaluator-<id>.keras`), in `metrics.json` (`evaluator.id`) and in the report. `metrics.json` also
keeps the whole key and the file's sha256 (an integrity check of the cached file, not a name).

The cache folder is `$COMPARE_CACHE_DIR`, else `$XDG_CACHE_HOME/gen-art-suite/compare`, else
`~/.cache/gen-art-suite/compare`.

Usage:
    python -m compare.evaluator [--cache-dir DIR] [--data-dir DIR] [--limit N] [--epochs N] [--retrain]
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import inspect
import json
import os
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from common.atomic import atomic_path, write_json
from common.cli import ArgumentParser, run_cli
from common.config import load_config, to_toml
from common.errors import InputError
from common.tfenv import configure_tensorflow, import_tensorflow_quietly
from common.writes import check_writable

FEATURE_LAYER = "features"
TARGET_ACCURACY = 0.92
ID_DIGITS = 16
"""Hex digits of the cache key that name the evaluator (see the module docstring)."""
DESCRIPTION = "the Fashion-MNIST classifier used to score the GAN"
"""How the evaluator is introduced to a reader (log lines, report)."""
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


def cache_key(config: EvaluatorConfig, images: np.ndarray, labels: np.ndarray) -> str:
    """Returns the evaluator's cache key: a sha256 of its data, code and hyper-parameters.

    Args:
        config: the evaluator config (every field counts).
        images: the training images exactly as trained on, uint8 [N, H, W, C].
        labels: their labels [N].

    Returns:
        64 hex digits.
    """
    h = hashlib.sha256()
    h.update(code_fingerprint().encode())
    h.update(to_toml(config).encode())
    h.update(f"{images.shape} {images.dtype} {labels.shape} {labels.dtype}".encode())
    h.update(np.ascontiguousarray(images).tobytes())
    h.update(np.ascontiguousarray(labels).tobytes())
    return h.hexdigest()


def default_cache_dir() -> Path:
    """Returns `$COMPARE_CACHE_DIR`, else the XDG cache folder of the suite (see the module doc)."""
    env = os.environ.get("COMPARE_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "gen-art-suite" / "compare"


def file_sha256(path: str | os.PathLike) -> str:
    """Returns the sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclasses.dataclass
class Evaluator:
    """A frozen, trained evaluator and what identifies it.

    Attributes:
        model: images [N, H, W, C] (uint8 values) -> class probabilities [N, K].
        path: the cached `.keras` file.
        key: the cache key (data + code + hyper-parameters).
        sha256: the sha256 of the `.keras` file.
        test_accuracy: accuracy on the test split (or its first `test_limit` images).
        info: everything recorded beside the file (config, timings, parameter count).
        trained: True when this call trained it, False when it came from the cache.
        feature_layer: the name of the layer whose output is `features`.
    """

    model: Any
    path: Path
    key: str
    sha256: str
    test_accuracy: float
    info: dict
    trained: bool
    feature_layer: str = FEATURE_LAYER
    _both: Any = dataclasses.field(default=None, repr=False)

    @property
    def id(self) -> str:
        """The evaluator's name: the first `ID_DIGITS` hex digits of its cache key."""
        return self.key[:ID_DIGITS]

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(H, W, C) of the images the evaluator takes."""
        return tuple(self.model.inputs[0].shape[1:])

    @property
    def feature_dim(self) -> int:
        """The number of features per image."""
        return int(self.model.get_layer(self.feature_layer).output.shape[-1])

    def identity(self) -> dict:
        """Returns what a metrics file must record to say which evaluator made it."""
        return {
            "id": self.id,
            "description": DESCRIPTION,
            "key": self.key,
            "sha256": self.sha256,
            "feature_layer": self.feature_layer,
            "feature_dim": self.feature_dim,
            "test_accuracy": self.test_accuracy,
            "path": str(self.path),
        }

    def predict(self, images: np.ndarray, batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
        """Runs the evaluator once over `images`.

        Args:
            images: uint8 [N, H, W, C] (or [N, H, W] when C is 1), as `gan.sample.generate` returns.
            batch_size: images per forward pass.

        Returns:
            `(features, probabilities)`: float64 [N, feature_dim] and float64 [N, K].

        Raises:
            InputError: the images have the wrong dtype or shape.
        """
        images = self._check(images)
        if self._both is None:
            import keras

            self._both = keras.Model(
                self.model.input, [self.model.get_layer(self.feature_layer).output, self.model.output]
            )
        features, probs = [], []
        for start in range(0, len(images), batch_size):
            # Calling the model (training=False) rather than `predict` keeps it free of Keras's
            # progress output and data-adapter overhead; batch norm uses its moving statistics.
            f, p = self._both(images[start : start + batch_size].astype(np.float32), training=False)
            features.append(np.asarray(f, np.float64))
            probs.append(np.asarray(p, np.float64))
        return np.concatenate(features), np.concatenate(probs)

    def features(self, images: np.ndarray) -> np.ndarray:
        """Returns the `features` layer's output, float64 [N, feature_dim]."""
        return self.predict(images)[0]

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Returns the softmax, float64 [N, K]."""
        return self.predict(images)[1]

    def _check(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images)
        shape = self.input_shape
        if images.ndim == 3 and shape[-1] == 1:
            images = images[..., None]
        if images.dtype != np.uint8:
            raise InputError(
                f"the evaluator takes uint8 images in [0, 255] (as gan.sample.generate returns), got dtype {images.dtype}"
            )
        if images.ndim != 4 or tuple(images.shape[1:]) != shape or len(images) == 0:
            raise InputError(
                f"the evaluator takes images shaped [N, {shape[0]}, {shape[1]}, {shape[2]}], got {images.shape}"
            )
        return images


def load_evaluator(
    config: EvaluatorConfig | None = None,
    cache_dir: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    retrain: bool = False,
    verbose: int = 1,
) -> Evaluator:
    """Loads the evaluator from the cache, training and caching it first when it is missing.

    Args:
        config: the evaluator config (default: `EvaluatorConfig()`).
        cache_dir: the cache folder (default: `default_cache_dir()`).
        data_dir: passed to `gan.data.load_images` (a folder of Fashion-MNIST `.gz` files).
        retrain: train even when the cache holds this evaluator.
        verbose: 0 silent, 1 a Keras progress bar while training and one line on stderr.

    Returns:
        The `Evaluator`.

    Raises:
        DataError: the training data cannot be read.
        OutputError: the cache folder cannot be written.
    """
    from gan.data import load_images

    config = config or EvaluatorConfig()
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    images, labels = load_images(config.dataset, "train", data_dir, config.train_limit)
    key = cache_key(config, images, labels)
    model_path = cache_dir / f"evaluator-{key[:ID_DIGITS]}.keras"
    info_path = model_path.with_suffix(".json")
    if not retrain:
        cached = _load_cached(model_path, info_path, key, verbose)
        if cached is not None:
            if verbose:
                print(f"loaded {DESCRIPTION} (evaluator {cached.id}, test accuracy {cached.test_accuracy:.2%}) "
                      f"from {model_path}", file=sys.stderr)  # fmt: skip
            return cached
    _ensure_writable(cache_dir)
    if verbose:
        print(f"training {DESCRIPTION} (evaluator {key[:ID_DIGITS]}) once: {len(images)} images, {config.epochs} "
              f"epochs (minutes, once: it is cached in {model_path} for later runs)", file=sys.stderr)  # fmt: skip
    model, info = train_evaluator(config, images, labels, data_dir=data_dir, verbose=verbose)
    if verbose:
        print(f"evaluator {key[:ID_DIGITS]} trained in {info['train_seconds']:.0f} s: test accuracy "
              f"{info['test_accuracy']:.2%} on {info['test_images']} test images", file=sys.stderr)  # fmt: skip
    info["key"] = key
    with atomic_path(model_path) as tmp:
        model.save(tmp)
    info["sha256"] = file_sha256(model_path)
    # The info file is written last: a model file without it counts as missing.
    write_json(info_path, info)
    return Evaluator(model, model_path, key, info["sha256"], info["test_accuracy"], info, trained=True)


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


def _load_cached(model_path: Path, info_path: Path, key: str, verbose: int) -> Evaluator | None:
    if not (model_path.is_file() and info_path.is_file()):
        return None
    try:
        info = json.loads(info_path.read_text())
        sha = file_sha256(model_path)
        if info.get("key") != key or info.get("sha256") != sha:
            raise ValueError("its key or sha256 does not match its info file")
        import keras

        model = keras.models.load_model(model_path, compile=False)
        model.trainable = False
    except Exception as e:  # noqa: BLE001 - any broken cache entry is retrained, not fatal
        if verbose:
            print(f"the cached evaluator {model_path} cannot be used ({e}); training it again", file=sys.stderr)
        return None
    return Evaluator(model, model_path, key, sha, float(info["test_accuracy"]), info, trained=False)


def _ensure_writable(folder: Path) -> None:
    check_writable(folder, "the evaluator cache folder", "set COMPARE_CACHE_DIR or pass --cache-dir", create=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python -m compare.evaluator",
        description="Train (or load from the cache) the Fashion-MNIST classifier whose features the GAN metrics use; "
        "print its test accuracy and file hash.",
    )
    parser.add_argument(
        "--cache-dir", metavar="DIR", help=f"cache folder (default: {default_cache_dir()}; env COMPARE_CACHE_DIR)"
    )
    parser.add_argument("--data-dir", metavar="DIR", help="folder with the Fashion-MNIST .gz files")
    parser.add_argument(
        "--limit", type=int, metavar="N", help="train on the first N images (quick runs; a different evaluator)"
    )
    parser.add_argument("--epochs", type=int, metavar="N", help="training epochs (a different evaluator)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override an evaluator setting, e.g. learning_rate=1e-3; repeatable")  # fmt: skip
    parser.add_argument("--retrain", action="store_true", help="train again even if the cache holds it")
    args = parser.parse_args(argv)
    configure_tensorflow()
    import_tensorflow_quietly()
    config = load_config(EvaluatorConfig, None, args.overrides, {"train_limit": args.limit, "epochs": args.epochs})
    evaluator = load_evaluator(config, args.cache_dir, args.data_dir, retrain=args.retrain)
    info = evaluator.info
    status = "trained now" if evaluator.trained else "loaded from cache"
    target = "meets" if evaluator.test_accuracy >= TARGET_ACCURACY else "BELOW"
    print(f"evaluator      {evaluator.id}: {DESCRIPTION}")
    print(f"file           {evaluator.path} ({status})")
    print(f"test accuracy  {evaluator.test_accuracy:.2%} on {info['test_images']} test images "
          f"({target} the {TARGET_ACCURACY:.0%} target)")  # fmt: skip
    print(f"cache key      {evaluator.key} (the id is its first {ID_DIGITS} digits)")
    print(f"file sha256    {evaluator.sha256}")
    print(f"feature layer  {evaluator.feature_layer} ({evaluator.feature_dim} units)")
    print(f"trained on     {info['train_images']} images, {info['config']['epochs']} epochs, {info['train_seconds']} s, "
          f"{info['parameters']} parameters")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
