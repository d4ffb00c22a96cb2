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
kept under a key that hashes its training data, the code that builds and trains it and its
hyper-parameters (`compare.evaluator_net`). Change any of them and a new evaluator is trained (minutes
on 2 CPU cores); otherwise it is loaded: from the cache folder, else from the package, which ships
the default evaluator (`compare.evaluator_cache` says where and how). The first 16 hex digits of the
key are the evaluator's *id*, the one hash shown everywhere: in the log, in the file names
(`evaluator-<id>.keras` in the cache, `evaluator-<id>.weights.h5` in the package), in `metrics.json`
(`evaluator.id`) and in the report. `metrics.json` also keeps the whole key and the file's sha256
(an integrity check of the file, not a name).

Usage:
    python -m compare.evaluator [--cache-dir DIR] [--data-dir DIR] [--limit N] [--epochs N] [--retrain]
    python -m compare.evaluator --bundle    # after changing the evaluator's code: ship it again
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from common.cli import ArgumentParser, run_cli
from common.config import load_config, to_toml
from common.errors import InputError
from common.tfenv import configure_tensorflow, import_tensorflow_quietly
from compare import evaluator_cache as store
from compare.evaluator_cache import default_cache_dir, file_sha256  # noqa: F401 - part of this module's API
from compare.evaluator_net import (  # noqa: F401 - part of this module's API
    _CACHE_FORMAT,
    FEATURE_LAYER,
    EvaluatorConfig,
    _fit,
    build_classifier,
    code_fingerprint,
    train_evaluator,
)

TARGET_ACCURACY = 0.92
ID_DIGITS = 16
"""Hex digits of the cache key that name the evaluator (see the module docstring)."""
DESCRIPTION = "the Fashion-MNIST classifier used to score the GAN"
"""How the evaluator is introduced to a reader (log lines, report)."""


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


@dataclasses.dataclass
class Evaluator:
    """A frozen, trained evaluator and what identifies it.

    Attributes:
        model: images [N, H, W, C] (uint8 values) -> class probabilities [N, K].
        path: its file: the cached `.keras` model or the package's `.weights.h5`.
        key: the cache key (data + code + hyper-parameters).
        sha256: the sha256 of that file.
        test_accuracy: accuracy on the test split (or its first `test_limit` images).
        info: everything recorded beside the file (config, timings, parameter count).
        trained: True when this call trained it, False when it came from the cache or the package.
        source: where it came from: "trained", "cache" or "package" (shipped, `compare.evaluator_cache`).
        cache_dir: the cache folder it was looked up in, where the metrics keep what they can reuse
            (`compare.reference_cache`).
        feature_layer: the name of the layer whose output is `features`.
    """

    model: Any
    path: Path
    key: str
    sha256: str
    test_accuracy: float
    info: dict
    trained: bool
    source: str = "cache"
    cache_dir: Path | None = None
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
    """Loads the evaluator from the cache, else from the package, else trains and caches it.

    The package's evaluator (`compare.evaluator_cache.read_bundled`) is used only when its recorded
    key is exactly this one and its file's sha256 is the recorded one.

    Args:
        config: the evaluator config (default: `EvaluatorConfig()`).
        cache_dir: the cache folder (default: `default_cache_dir()`).
        data_dir: passed to `gan.data.load_images` (a folder of Fashion-MNIST `.gz` files).
        retrain: train even when the cache or the package holds this evaluator.
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
    evaluator_id = key[:ID_DIGITS]
    if not retrain:
        found = store.read_cached(cache_dir, evaluator_id, key, verbose) or store.read_bundled(
            evaluator_id, key, lambda info: build_classifier(tuple(info["input_shape"]), info["num_classes"], config),
            verbose=verbose,
        )  # fmt: skip
        if found is not None:
            where = " (shipped with the package)" if found.source == "package" else ""
            if verbose:
                print(f"loaded {DESCRIPTION} (evaluator {evaluator_id}, test accuracy "
                      f"{found.info['test_accuracy']:.2%}) from {found.path}{where}", file=sys.stderr)  # fmt: skip
            return Evaluator(found.model, found.path, key, found.sha256, float(found.info["test_accuracy"]), found.info,
                             trained=False, source=found.source, cache_dir=cache_dir)  # fmt: skip
    store.ensure_writable(cache_dir)
    if verbose:
        print(f"training {DESCRIPTION} (evaluator {evaluator_id}) once: {len(images)} images, {config.epochs} epochs "
              f"(minutes, once: it is cached in {store.cache_path(cache_dir, evaluator_id)} for later runs)",
              file=sys.stderr)  # fmt: skip
    model, info = train_evaluator(config, images, labels, data_dir=data_dir, verbose=verbose)
    if verbose:
        print(f"evaluator {evaluator_id} trained in {info['train_seconds']:.0f} s: test accuracy "
              f"{info['test_accuracy']:.2%} on {info['test_images']} test images", file=sys.stderr)  # fmt: skip
    info["key"] = key
    saved = store.write_cached(model, info, cache_dir, evaluator_id)
    return Evaluator(model, saved.path, key, saved.sha256, info["test_accuracy"], info, trained=True, source="trained",
                     cache_dir=cache_dir)  # fmt: skip


def bundle(evaluator: Evaluator, config: EvaluatorConfig, data_dir: str | os.PathLike | None = None) -> Evaluator:
    """Ships `evaluator` in the package: its weights and info, and the real-data metrics the demo needs.

    Older shipped evaluators are removed (only one is shipped). The precomputed metrics
    (`compare.reference_cache.bundle_references`: the demo's N, seed and KID subsets) are computed
    with the evaluator as loaded back from the package, since they are keyed by its file's sha256.

    Returns:
        The evaluator loaded from the package.
    """
    import tempfile

    from compare.reference_cache import bundle_references

    folder = store.bundled_dir()
    for old in folder.glob(f"{store.PREFIX}*"):
        if not old.name.startswith(f"{store.PREFIX}{evaluator.id}"):
            old.unlink()
    if evaluator.source != "package":
        weights = store.write_bundle(evaluator.model, evaluator.info, evaluator.id, folder)
        print(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB) and its info", file=sys.stderr)
        cache_dir = evaluator.cache_dir
        with tempfile.TemporaryDirectory() as empty:  # an empty cache: the package's copy is found
            evaluator = load_evaluator(config, empty, data_dir, verbose=0)
        evaluator.cache_dir = cache_dir  # where the metrics below keep what they compute
        if evaluator.source != "package":
            raise RuntimeError(f"the evaluator just written to {folder} is not found there")
    for path in bundle_references(evaluator, data_dir, folder):
        print(f"wrote {path}", file=sys.stderr)
    return evaluator


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
    parser.add_argument("--bundle", action="store_true",
                        help="write the default evaluator and its precomputed real-data metrics into the package "
                        f"({store.bundled_dir()}), to ship them; only with the default settings")  # fmt: skip
    args = parser.parse_args(argv)
    if args.bundle and (args.overrides or args.limit or args.epochs):
        parser.error("--bundle ships the default evaluator: leave out --set, --limit and --epochs")
    configure_tensorflow()
    import_tensorflow_quietly()
    config = load_config(EvaluatorConfig, None, args.overrides, {"train_limit": args.limit, "epochs": args.epochs})
    evaluator = load_evaluator(config, args.cache_dir, args.data_dir, retrain=args.retrain)
    if args.bundle:
        evaluator = bundle(evaluator, config, args.data_dir)
    info = evaluator.info
    sources = {"trained": "trained now", "cache": "loaded from cache", "package": "shipped with the package"}
    status = sources[evaluator.source]
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
