"""Where the VGG19 ImageNet weights come from, and loading them (once) into a VGG19 without its top.

Order of resolution (`resolve_weights`):

1. an explicit choice (`--weights PATH`, or `--weights none` for random initialization);
2. the environment variable `NST_VGG19_WEIGHTS` (a path; the Makefile sets it to
   `../shared/models/vgg19_notop_imagenet_q8.h5` when that file exists);
3. Keras's `imagenet` weights: the cached download in `$KERAS_HOME/models` (default
   `~/.keras/models`), or a download when the machine is online.

Offline use: put the no-top VGG19 weights file anywhere and pass it with `--weights PATH` or
`NST_VGG19_WEIGHTS=PATH`, or copy Keras's own `vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`
into `~/.keras/models/`.

Load the network once per run with `load_vgg19` and share it (`nst.vgg.FeatureExtractor` takes the
loaded model and reuses its layers, also for average pooling), so the file is read only once.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np

from common.errors import WeightsError

ENV_VAR = "NST_VGG19_WEIGHTS"
"""Environment variable naming a VGG19 no-top weights file."""

KERAS_CACHE_NAME = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
"""File name of Keras's `imagenet` no-top VGG19 weights in its cache folder."""

_OPTIONS = (
    f"pass --weights PATH to a VGG19 no-top weights file (.h5), set {ENV_VAR}=PATH, "
    f"put Keras's {KERAS_CACHE_NAME} in ~/.keras/models/, or use --weights none for random weights"
)


@dataclasses.dataclass(frozen=True)
class WeightsSource:
    """Which weights to load.

    Attributes:
        kind: `"path"` (a file), `"imagenet"` (Keras's cache or download) or `"none"` (random).
        path: the file for `"path"` (and the cached file for `"imagenet"` when present), else None.
        origin: how it was chosen: `"argument"`, `"environment"`, `"keras-cache"`, `"download"`,
            `"random"`.
    """

    kind: Literal["path", "imagenet", "none"]
    path: str | None = None
    origin: str = "argument"

    def describe(self) -> str:
        """One line for logs and `summary.json`, e.g. `path /x/vgg19.h5 (environment)`."""
        if self.kind == "none":
            return "none (random initialization)"
        return f"{self.kind} {self.path or ''} ({self.origin})".replace("  ", " ")


def resolve_weights(
    weights: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None
) -> WeightsSource:
    """Decides which VGG19 weights to use, without loading them.

    Args:
        weights: `--weights` as given: a path, `"none"` for random initialization, `"imagenet"`
            for Keras's weights, or None to look at `NST_VGG19_WEIGHTS` and then Keras's imagenet.
        environ: the environment to read (default `os.environ`).

    Returns:
        A `WeightsSource`.

    Raises:
        WeightsError: a named file does not exist or is a folder.
    """
    environ = os.environ if environ is None else environ
    if weights is not None:
        text = str(weights)
        if text.lower() == "none":
            return WeightsSource("none", None, "random")
        if text.lower() == "imagenet":
            return _imagenet(environ)
        return WeightsSource("path", _existing_file(text, "--weights"), "argument")
    env = environ.get(ENV_VAR)
    if env:
        return WeightsSource("path", _existing_file(env, ENV_VAR), "environment")
    return _imagenet(environ)


def load_vgg19(source: WeightsSource, seed: int | None = None):
    """Builds `keras.applications.VGG19(include_top=False)` for any image size and loads the weights.

    Args:
        source: from `resolve_weights`.
        seed: for `kind == "none"`: the seed of the random weights (a local generator; the
            process's global seed is left alone).

    Returns:
        A frozen `keras.Model`, input [batch, None, None, 3] in VGG19's caffe convention.

    Raises:
        WeightsError: the weights cannot be downloaded, or the file is not VGG19 no-top weights.
    """
    import keras

    if source.kind == "none":
        model = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
        if seed is not None:
            _reinitialize(model, seed)
    else:
        target = source.path if source.kind == "path" else "imagenet"
        try:
            with warnings.catch_warnings():
                # Keras only warns when a weights file lacks some layers and leaves them random.
                warnings.simplefilter("error", UserWarning)
                model = keras.applications.VGG19(include_top=False, weights=target, input_shape=(None, None, 3))
        except Exception as e:  # noqa: BLE001 - h5py, Keras and urllib raise many types
            reason = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]
            if source.kind == "imagenet":
                raise WeightsError(
                    f"no VGG19 weights: Keras's imagenet download failed ({reason}); {_OPTIONS}"
                ) from None
            raise WeightsError(
                f"{source.path} is not a VGG19 no-top weights file ({reason}); pass the Keras VGG19 "
                f"weights without the classifier, e.g. ../shared/models/vgg19_notop_imagenet_q8.h5"
            ) from None
    model.trainable = False
    return model


def _existing_file(text: str, what: str) -> str:
    path = Path(text).expanduser()
    if path.is_dir():
        raise WeightsError(f"{what} {text} is a folder; {_OPTIONS}")
    if not path.is_file():
        raise WeightsError(f"{what} {text} does not exist; {_OPTIONS}")
    return str(path.resolve())


def _imagenet(environ: Mapping[str, str]) -> WeightsSource:
    keras_home = Path(environ.get("KERAS_HOME") or Path.home() / ".keras")
    cached = keras_home / "models" / KERAS_CACHE_NAME
    if cached.is_file():
        return WeightsSource("imagenet", str(cached), "keras-cache")
    return WeightsSource("imagenet", None, "download")


def _reinitialize(model, seed: int) -> None:
    """Draws every convolution's kernel anew from NumPy's generator for `seed` (Glorot uniform, as
    Keras's default initializer) and zeroes the biases: reproducible random weights without
    reseeding the whole process."""
    import keras

    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kh, kw, c_in, c_out = layer.kernel.shape
            limit = np.sqrt(6.0 / (kh * kw * (c_in + c_out)))
            layer.kernel.assign(rng.uniform(-limit, limit, (kh, kw, c_in, c_out)).astype(np.float32))
            layer.bias.assign(np.zeros(c_out, np.float32))
