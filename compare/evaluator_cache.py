"""Where trained evaluators are kept: the cache folder, the evaluator shipped with the package, their checks.

`compare.evaluator.load_evaluator` looks for the evaluator its key names in three places, in order:

1. the cache folder (`default_cache_dir()`): `evaluator-<id>.keras`, the whole model, beside
   `evaluator-<id>.json`, its info (written last: a model file without it counts as missing);
2. the package's `compare/evaluators/` folder: the default evaluator (`EvaluatorConfig()` on the
   full Fashion-MNIST train split) trained once with the committed code and shipped as
   `evaluator-<id>.weights.h5` (float32 weights, no optimizer state) beside its info JSON, as TF-GAN
   ships its MNIST classifier. It is used only when its recorded key equals the key computed from
   the data, the code and the config, and its file's sha256 equals the recorded one;
3. neither: the evaluator is trained (minutes) and written to the cache folder.

The key hashes the evaluator's code (`compare.evaluator.code_fingerprint`), so a change to the
network or its training retires the shipped file; `python -m compare.evaluator --bundle` trains (or
loads) the default evaluator and writes it, and the precomputed metrics that go with it
(`compare.reference_cache`), into `compare/evaluators/` again.

The cache folder is `$COMPARE_CACHE_DIR`, else `$XDG_CACHE_HOME/gen-art-suite/compare`, else
`~/.cache/gen-art-suite/compare`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common.atomic import atomic_path, write_json
from common.writes import check_writable

PREFIX = "evaluator-"
CACHE_SUFFIX = ".keras"
BUNDLE_SUFFIX = ".weights.h5"


def default_cache_dir() -> Path:
    """Returns `$COMPARE_CACHE_DIR`, else the XDG cache folder of the suite (see the module doc)."""
    env = os.environ.get("COMPARE_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "gen-art-suite" / "compare"


def bundled_dir() -> Path:
    """Returns the package folder of the shipped evaluator (`compare/evaluators/`, installed as package data)."""
    return Path(__file__).with_name("evaluators")


def file_sha256(path: str | os.PathLike) -> str:
    """Returns the sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclasses.dataclass
class Stored:
    """A trained evaluator model as found on disk.

    Attributes:
        model: the frozen `keras.Model`.
        path: its file.
        sha256: the sha256 of that file.
        info: its info JSON (config, key, test accuracy, ...).
        source: "cache" or "package".
    """

    model: Any
    path: Path
    sha256: str
    info: dict
    source: str


def cache_path(cache_dir: str | os.PathLike, evaluator_id: str) -> Path:
    """The cache file of an evaluator (its info file has the same name ending in `.json`)."""
    return Path(cache_dir) / f"{PREFIX}{evaluator_id}{CACHE_SUFFIX}"


def read_cached(cache_dir: str | os.PathLike, evaluator_id: str, key: str, verbose: int = 1) -> Stored | None:
    """Loads an evaluator from the cache folder, or returns None when it is missing or unusable.

    A file whose info is missing, whose recorded key differs from `key` or whose sha256 differs from
    the recorded one is not used (with one line on stderr when `verbose`).
    """
    model_path = cache_path(cache_dir, evaluator_id)

    def load(info: dict):
        import keras

        return keras.models.load_model(model_path, compile=False)

    # Any broken cache entry is retrained, not fatal.
    what = f"the cached evaluator {model_path}"
    return _read_verified(
        model_path, model_path.with_suffix(".json"), key, load, "cache", what, "training it again", verbose
    )


def write_cached(model, info: dict, cache_dir: str | os.PathLike, evaluator_id: str) -> Stored:
    """Saves a trained evaluator into the cache folder; records its sha256 in `info` (updated in place)."""
    model_path = cache_path(cache_dir, evaluator_id)
    with atomic_path(model_path) as tmp:
        model.save(tmp)
    info["sha256"] = file_sha256(model_path)
    # The info file is written last: a model file without it counts as missing.
    write_json(model_path.with_suffix(".json"), info)
    return Stored(model, model_path, info["sha256"], info, "cache")


def read_bundled(
    evaluator_id: str,
    key: str,
    build: Callable[[dict], Any],
    folder: str | os.PathLike | None = None,
    verbose: int = 1,
) -> Stored | None:
    """Loads the evaluator shipped with the package when it is exactly the one `key` names.

    Args:
        evaluator_id: the evaluator's id (names the files).
        key: its full cache key; the shipped info must record exactly this key.
        build: makes the untrained network from the shipped info (its weights are then loaded).
        folder: where to look (default: `bundled_dir()`).
        verbose: 1 says on stderr why a shipped file that is there cannot be used.

    Returns:
        The `Stored` evaluator, or None when nothing usable is shipped for this key.
    """
    folder = Path(folder) if folder is not None else bundled_dir()
    weights = folder / f"{PREFIX}{evaluator_id}{BUNDLE_SUFFIX}"

    def load(info: dict):
        model = build(info)
        model.load_weights(weights)
        return model

    # A damaged package file means training, not a crash.
    what = f"the evaluator shipped in {weights}"
    info_path = folder / f"{PREFIX}{evaluator_id}.json"
    return _read_verified(weights, info_path, key, load, "package", what, "training it instead", verbose)


def _read_verified(
    path: Path, info_path: Path, key: str, load: Callable[[dict], Any], source: str, what: str, then: str, verbose: int
) -> Stored | None:
    """Loads `path` with `load(info)` when it and its info file exist and the info records `key` and the file's
    sha256; otherwise None, saying on stderr (when `verbose`) that `what` cannot be used, why, and `then`."""
    if not (path.is_file() and info_path.is_file()):
        return None
    try:
        info = json.loads(info_path.read_text())
        sha = file_sha256(path)
        if info.get("key") != key or info.get("sha256") != sha:
            raise ValueError("its key or sha256 does not match its info file")
        model = load(info)
        model.trainable = False
    except Exception as e:  # noqa: BLE001 - an unusable file means training again, not a crash
        if verbose:
            print(f"{what} cannot be used ({e}); {then}", file=sys.stderr)
        return None
    return Stored(model, path, sha, info, source)


def write_bundle(model, info: dict, evaluator_id: str, folder: str | os.PathLike | None = None) -> Path:
    """Writes an evaluator's float32 weights and info into the package folder (`--bundle`).

    Returns:
        The weights file; its sha256 is recorded in the info JSON beside it.
    """
    folder = Path(folder) if folder is not None else bundled_dir()
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / f"{PREFIX}{evaluator_id}{BUNDLE_SUFFIX}"
    # save_weights wants a name ending in .weights.h5, so the temporary file gets one too.
    fd, tmp = tempfile.mkstemp(prefix=f".{evaluator_id}.", suffix=BUNDLE_SUFFIX, dir=folder)
    os.close(fd)
    try:
        model.save_weights(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, weights)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    info = dict(info, sha256=file_sha256(weights), file=weights.name)
    write_json(weights.with_suffix("").with_suffix(".json"), info)
    return weights


def ensure_writable(folder: Path) -> None:
    """Refuses (OutputError) a cache folder that cannot be created or written."""
    check_writable(folder, "the evaluator cache folder", "set COMPARE_CACHE_DIR or pass --cache-dir", create=True)
