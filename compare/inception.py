"""The standard Inception FID (Heusel et al. 2017), when the Inception-v3 ImageNet weights are on disk.

FID as usually published uses the 2048-d average-pool features of Inception-v3 trained on ImageNet,
on 299x299 RGB images. For Fashion-MNIST the 28x28 gray images are resized (bilinear) to 299 px and
the gray channel is copied to R, G and B. Keras's `InceptionV3` weights differ slightly from the
TF 2015 graph that TF-GAN and pytorch-fid use, so these values are close to, not identical with,
published numbers.

The weights are looked for in `$COMPARE_INCEPTION_WEIGHTS` (a path to the no-top `.h5`) and in
Keras's cache (`$KERAS_HOME/models/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`). They
are never downloaded: without them the Inception FID is reported as skipped, with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from compare.fid import fid_from_features

ENV_VAR = "COMPARE_INCEPTION_WEIGHTS"
KERAS_CACHE_NAME = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INPUT_SIZE = 299


def find_weights(environ: Mapping[str, str] | None = None) -> tuple[Path | None, str]:
    """Looks for the Inception-v3 no-top weights file without downloading anything.

    Returns:
        `(path, how)`: the file and where it was found, or `(None, reason)` when there is none.
    """
    environ = os.environ if environ is None else environ
    env = environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if path.is_file():
            return path, f"{ENV_VAR}"
        return None, f"{ENV_VAR}={env} is not a file"
    keras_home = Path(environ.get("KERAS_HOME") or Path.home() / ".keras")
    cached = keras_home / "models" / KERAS_CACHE_NAME
    if cached.is_file():
        return cached, "Keras cache"
    return None, f"no Inception-v3 ImageNet weights here (set {ENV_VAR}=PATH or put them in {cached})"


def inception_features(model, images: np.ndarray, batch_size: int = 50) -> np.ndarray:
    """2048-d pool features of uint8 images [N, H, W, 1 or 3], float64 [N, 2048]."""
    import tensorflow as tf
    from keras.applications import inception_v3

    out = []
    for start in range(0, len(images), batch_size):
        batch = tf.convert_to_tensor(images[start : start + batch_size], tf.float32)
        if batch.shape[-1] == 1:
            batch = tf.repeat(batch, 3, axis=-1)  # gray copied to R, G and B
        batch = tf.image.resize(batch, (INPUT_SIZE, INPUT_SIZE), method="bilinear")
        out.append(np.asarray(model(inception_v3.preprocess_input(batch), training=False), np.float64))
    return np.concatenate(out)


def inception_fid(generated: np.ndarray, reference: np.ndarray, environ: Mapping[str, str] | None = None) -> dict:
    """The Inception FID of uint8 `generated` against uint8 `reference` images, or why it was skipped.

    Returns:
        `{"status": "measured", "fid", "n_generated", "n_reference", "weights"}` or
        `{"status": "skipped", "reason"}`.
    """
    path, how = find_weights(environ)
    if path is None:
        return {"status": "skipped", "reason": how}
    import keras

    try:
        model = keras.applications.InceptionV3(
            include_top=False, weights=str(path), pooling="avg", input_shape=(INPUT_SIZE, INPUT_SIZE, 3)
        )
    except Exception as e:  # noqa: BLE001 - a broken file is reported, not fatal
        return {
            "status": "skipped",
            "reason": f"{path} is not Inception-v3 no-top weights ({type(e).__name__}: {e})"[:300],
        }
    fid = fid_from_features(inception_features(model, generated), inception_features(model, reference))
    return {"status": "measured", "fid": fid, "n_generated": len(generated), "n_reference": len(reference),
            "weights": f"{path} ({how})"}  # fmt: skip
