"""The GAN metrics' run-independent parts, computed once per evaluator and kept in the cache folder.

Two parts of `compare.metrics` do not depend on the GAN run at all and cost most of its time:

- the reference: the evaluator's features and softmax of the test images (`gan_metrics.Reference`),
  kept as `reference-<evaluator id>-<digest>.npz` (float32, exactly what the evaluator outputs);
- the real-data row and the collapse references (`gan_metrics.real_floor`): N real train images
  scored like the generated ones, and perfect generators of only 1, 2, 3 classes, kept as
  `real-data-<evaluator id>-<digest>.json`.

Each is keyed by everything it depends on: the evaluator (its whole key and its file's sha256),
the images (a sha256 of the test images, and of the train images for the real-data row), N, the
seed, KID's subsets, the class names, the constants of the metrics and the code that computes them
(`metrics_fingerprint`). Any difference is a miss and the part is computed again; a file whose
recorded key differs is not used.

The package also ships the real-data row of the shipped evaluator at the demo's settings (N =
10,000, seed 0, the whole test set, 100 KID subsets of 1,000) beside its weights
(`compare/evaluators/evaluator-<id>.real-data.json`, written by `python -m compare.evaluator
--bundle`), used under the same rule: only when every part of the key matches.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np

from common.atomic import atomic_path, write_json
from common.errors import SuiteError

_FORMAT = 1
"""Bump when what these files hold changes."""


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()


def _source_tree(obj) -> str:
    """The syntax tree of a function or module without docstrings (comments and layout do not count)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(obj)))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if ast.get_docstring(node, clean=False) is not None:
                node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree, annotate_fields=False)


def metrics_fingerprint() -> str:
    """A sha256 of the code and constants that compute the real-data row (see the module docstring)."""
    from compare import classifier_score, fid, gan_metrics, kid, precision_recall

    trees = [_source_tree(m) for m in (fid, kid, precision_recall, classifier_score)]
    trees += [_source_tree(f) for f in (gan_metrics.metrics_from_features, gan_metrics.pixel_statistics,
                                         gan_metrics.collapse_references, gan_metrics.real_floor)]  # fmt: skip
    constants = [gan_metrics.PR_K, gan_metrics.NEAR_CONSTANT_STD, list(gan_metrics.COLLAPSE_CLASSES)]
    return _digest(_FORMAT, constants, *[t.encode() for t in trees])


def _evaluator_key(evaluator) -> dict:
    return {"key": evaluator.key, "sha256": evaluator.sha256}


def _cache_dir(evaluator, cache_dir) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    if getattr(evaluator, "cache_dir", None) is not None:
        return Path(evaluator.cache_dir)
    from compare.evaluator_cache import default_cache_dir

    return default_cache_dir()


def _try_write(write: Callable[[], object], path: Path) -> None:
    """Writes a cache file; a cache that cannot be written only costs time later, so it is not an error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write()
    except (OSError, SuiteError) as e:
        print(f"note: could not keep {path.name} in the cache ({e}); it will be computed again next time",
              file=sys.stderr)  # fmt: skip


def reference_key(evaluator, images: np.ndarray, dataset: str) -> str:
    """The cache key of the evaluator's view of `images` (the test set or its first images)."""
    images = np.ascontiguousarray(images)
    return _digest(_FORMAT, "reference", _evaluator_key(evaluator), dataset, list(images.shape), images.tobytes())


def load_reference(
    evaluator,
    data_dir: str | os.PathLike | None = None,
    limit: int | None = None,
    cache_dir: str | os.PathLike | None = None,
):
    """`compare.gan_metrics.load_reference`, with the features kept in the cache folder.

    Args:
        evaluator: a `compare.evaluator.Evaluator`.
        data_dir: the data folder (see `gan.data.load_images`).
        limit: use the first `limit` test images (None = all 10,000).
        cache_dir: the cache folder (default: the evaluator's, else `default_cache_dir()`).

    Returns:
        A `gan_metrics.Reference`, equal to the freshly computed one.
    """
    from compare.gan_metrics import Reference
    from gan.data import load_images

    dataset = evaluator.info.get("dataset", "fashion_mnist")
    images, _ = load_images(dataset, "test", data_dir, limit)
    name = f"{dataset} test ({len(images)} images)"
    key = reference_key(evaluator, images, dataset)
    path = _cache_dir(evaluator, cache_dir) / f"reference-{evaluator.id}-{key[:16]}.npz"
    try:
        with np.load(path) as saved:
            if str(saved["key"]) == key:
                return Reference(images, saved["features"].astype(np.float64),
                                 saved["probabilities"].astype(np.float64), name)  # fmt: skip
    except (OSError, KeyError, ValueError):
        pass  # missing or unreadable: computed below
    features, probs = evaluator.predict(images)
    # The evaluator computes in float32: storing float32 loses nothing of what it said.
    stored = dict(key=np.array(key), features=features.astype(np.float32), probabilities=probs.astype(np.float32))

    def write():
        with atomic_path(path, size_hint=features.nbytes // 2 + probs.nbytes // 2) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, **stored)

    _try_write(write, path)
    return Reference(images, features, probs, name)


def real_floor_key(
    evaluator,
    reference,
    n: int,
    seed: int,
    train_images: np.ndarray,
    class_names: tuple[str, ...] | None,
    collapse: bool,
    kid_subsets: int,
    kid_subset_size: int,
) -> str:
    """The cache key of a real-data row (see the module docstring for what it covers)."""
    ref = np.ascontiguousarray(reference.images)
    train = np.ascontiguousarray(train_images)
    settings = {"n": int(n), "seed": int(seed), "class_names": list(class_names) if class_names else None,
                "collapse": bool(collapse), "kid_subsets": int(kid_subsets), "kid_subset_size": int(kid_subset_size)}  # fmt: skip
    return _digest(_FORMAT, "real_floor", _evaluator_key(evaluator), settings, metrics_fingerprint(),
                   list(ref.shape), ref.tobytes(), list(train.shape), train.tobytes())  # fmt: skip


def real_floor(
    evaluator,
    reference,
    n: int,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    class_names: tuple[str, ...] | None = None,
    collapse: bool = True,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    cache_dir: str | os.PathLike | None = None,
    bundled: str | os.PathLike | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """`compare.gan_metrics.real_floor`, taken from the cache folder or the package when it was computed before.

    Args:
        evaluator, reference, n, seed, data_dir, class_names, collapse: as for `gan_metrics.real_floor`.
        kid_subsets, kid_subset_size: KID's subsets.
        cache_dir: the cache folder (default: the evaluator's, else `default_cache_dir()`).
        bundled: the package folder of precomputed rows (default: `compare.evaluator_cache.bundled_dir()`).
        progress: called with a one-line message saying where the row comes from (None: silent).

    Returns:
        The same dict `gan_metrics.real_floor` returns.
    """
    return _real_floor(evaluator, reference, n, seed, data_dir, class_names, collapse, kid_subsets, kid_subset_size,
                       cache_dir, bundled, progress)[0]  # fmt: skip


def _real_floor(evaluator, reference, n, seed, data_dir, class_names, collapse, kid_subsets, kid_subset_size,
                cache_dir, bundled, progress) -> tuple[dict, str]:  # fmt: skip
    """`real_floor` and the row's key."""
    from compare import gan_metrics
    from compare.evaluator_cache import bundled_dir
    from gan.data import load_images

    say = progress or (lambda message: None)
    dataset = evaluator.info.get("dataset", "fashion_mnist")
    train, _ = load_images(dataset, "train", data_dir)
    key = real_floor_key(evaluator, reference, n, seed, train, class_names, collapse, kid_subsets, kid_subset_size)
    path = _cache_dir(evaluator, cache_dir) / f"real-data-{evaluator.id}-{key[:16]}.json"
    shipped = Path(bundled) if bundled is not None else bundled_dir()
    candidates = (("the cache", path), ("the package", shipped / f"evaluator-{evaluator.id}.real-data.json"))
    for source, candidate in candidates:
        row = _read_row(candidate, key)
        if row is not None:
            say(f"the real-data row and the collapse references (N = {n}, seed {seed}, evaluator {evaluator.id}) "
                f"from {source}: {candidate}")  # fmt: skip
            return row, key
    say(f"scoring {n} real training images the same way (the real-data row) and perfect generators of only "
        f"{', '.join(map(str, gan_metrics.COLLAPSE_CLASSES))} classes (the collapse references); kept in {path.parent} "
        "for later runs")  # fmt: skip
    row = gan_metrics.real_floor(evaluator, reference, n, seed, data_dir, class_names, collapse,
                                 kid_subsets=kid_subsets, kid_subset_size=kid_subset_size)  # fmt: skip
    _try_write(lambda: write_json(path, {"key": key, "evaluator": evaluator.id, "real_floor": row}), path)
    return row, key


def _read_row(path: Path, key: str) -> dict | None:
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return saved.get("real_floor") if isinstance(saved, dict) and saved.get("key") == key else None


def bundle_references(evaluator, data_dir: str | os.PathLike | None = None, folder: str | os.PathLike | None = None):
    """Computes the real-data row at the demo's settings and writes it beside the shipped evaluator.

    The demo's settings are `compare.options.ReportOptions`'s defaults (N, seed, KID subsets, the whole
    test set) and Fashion-MNIST's class names, as `compare.report` uses them.

    Returns:
        The paths written.
    """
    from compare.evaluator_cache import bundled_dir
    from compare.options import ReportOptions
    from gan.data import FASHION_MNIST_CLASSES

    options = ReportOptions()
    folder = Path(folder) if folder is not None else bundled_dir()
    reference = load_reference(evaluator, data_dir, options.reference_limit)
    kid_subset_size = 1000  # gan_metrics.real_floor's default, as the report uses it
    row, key = _real_floor(evaluator, reference, options.n, options.seed, data_dir, FASHION_MNIST_CLASSES, True,
                           options.kid_subsets, kid_subset_size, None, folder, lambda m: print(m, file=sys.stderr))  # fmt: skip
    path = folder / f"evaluator-{evaluator.id}.real-data.json"
    settings = {"n": options.n, "seed": options.seed, "kid_subsets": options.kid_subsets,
                "kid_subset_size": kid_subset_size, "reference": reference.name}  # fmt: skip
    write_json(path, {"key": key, "evaluator": evaluator.id, "settings": settings, "real_floor": row})
    return [path]
