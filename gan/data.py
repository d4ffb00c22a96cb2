"""Training data: Fashion-MNIST (or another TFDS image set) as arrays and as a `tf.data` pipeline.

Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017) is 70,000 grayscale 28x28 images of clothing in 10
classes, stored as four gzipped IDX files. They are looked for, in order, in:

1. `data_dir` (`--data-dir DIR`): the four original `.gz` files;
2. Keras's cache, `~/.keras/datasets/fashion-mnist/` (what `keras.datasets.fashion_mnist` writes);
3. `/usr/share/datasets/fashion-mnist/` (Debian's `dataset-fashion-mnist` package);
4. a Keras download into its cache (needs the internet).

The Keras cache and the download are one source in the issue's wording; the download is tried last
because the Debian copy holds the same images and needs no network.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from common.errors import ConfigError, DataError

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_IDX_DTYPES = {0x08: np.uint8}


def keras_cache_dir() -> Path:
    """Returns the folder `keras.datasets.fashion_mnist` caches its files in."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "fashion-mnist"


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Reads one gzipped IDX file (the format of MNIST and Fashion-MNIST).

    Args:
        path: a `.gz` file holding unsigned-byte IDX data.

    Returns:
        A uint8 array shaped as the file's header says, e.g. [60000, 28, 28] for images.

    Raises:
        DataError: the file is missing, truncated, or not IDX.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise DataError(f"{path} does not exist") from None
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path} is truncated or not a gzip file ({e}); download or reinstall it") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise DataError(f"{path} is not an unsigned-byte IDX file (header {data[:4].hex()})")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{path} is truncated: {len(data)} bytes, the header alone needs {header}")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    count = int(np.prod(shape))
    if len(data) - header != count:
        raise DataError(f"{path} is truncated or padded: shape {shape} needs {count} bytes, got {len(data) - header}")
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)


def load_fashion_mnist(
    split: str = "train", data_dir: str | os.PathLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Loads one split of Fashion-MNIST from the first source that has it (see the module doc).

    Args:
        split: "train" (60,000 images) or "test" (10,000).
        data_dir: a folder with the four original `.gz` files; if given, only it is used.

    Returns:
        `(images, labels)`: uint8 arrays [N, 28, 28] and [N].

    Raises:
        DataError: no source has the files, or a file is truncated or corrupt.
    """
    if split not in _FILES:
        raise ConfigError(f"split must be 'train' or 'test', got {split!r}")
    images_name, labels_name = _FILES[split]
    if data_dir is not None:
        folders = [Path(data_dir)]
    else:
        folders = [keras_cache_dir(), DEBIAN_DIR]
    for folder in folders:
        if (folder / images_name).is_file() and (folder / labels_name).is_file():
            return _read_pair(folder / images_name, folder / labels_name)
    if data_dir is not None:
        raise DataError(f"--data-dir {data_dir} does not hold {images_name} and {labels_name}")
    try:
        import keras

        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except Exception:  # noqa: BLE001 - any failure to download means: no network source
        raise DataError(
            "Fashion-MNIST not found. Either pass --data-dir DIR holding the four .gz files, "
            f"let Keras download it into {keras_cache_dir()} (needs the internet), "
            f"or install Debian's copy into {DEBIAN_DIR} with: sudo apt-get install dataset-fashion-mnist"
        ) from None
    return (x_train, y_train) if split == "train" else (x_test, y_test)


def _read_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(
            f"{images_path} and {labels_path} do not fit together: shapes {images.shape} and {labels.shape}"
        )
    return images, labels


def load_images(
    dataset: str = "fashion_mnist",
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    limit: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Loads an image data set as uint8 arrays with a channel axis.

    Args:
        dataset: "fashion_mnist", or the name of a TFDS image data set with `image` and `label`
            features (e.g. "mnist", "cifar10") that TFDS has prepared or can download.
        split: "train" or "test".
        data_dir: for Fashion-MNIST, the folder of `.gz` files; for TFDS, its `data_dir`.
        limit: keep only the first `limit` images.

    Returns:
        `(images, labels)`: uint8 [N, H, W, C] and int64 [N].

    Raises:
        DataError: the data cannot be found or read.
        ConfigError: `limit` is not positive.
    """
    if limit is not None and limit <= 0:
        raise ConfigError(f"--limit must be a positive number of images, got {limit}")
    if dataset in ("fashion_mnist", "fashion-mnist"):
        images, labels = load_fashion_mnist(split, data_dir)
        images = images[..., None]
    else:
        images, labels = _load_tfds(dataset, split, data_dir)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return images, labels.astype(np.int64)


def _load_tfds(name: str, split: str, data_dir: str | os.PathLike | None) -> tuple[np.ndarray, np.ndarray]:
    try:
        import tensorflow_datasets as tfds

        if not tfds.builder(name, data_dir=data_dir).is_prepared() and not _tfds_reachable():
            # Fail now: offline, TFDS would retry every download for minutes before giving up.
            raise DataError(
                f"TFDS dataset {name!r} is not prepared in {data_dir or 'the TFDS data folder'} and "
                f"{TFDS_HOST} cannot be reached (offline?): run `tfds build {name}` on a connected machine "
                "and pass its data folder with --data-dir"
            )
        dataset = tfds.load(name, split=split, data_dir=data_dir)
        features = dataset.element_spec
        if "image" not in features or "label" not in features:
            raise DataError(f"TFDS dataset {name!r} has no 'image' and 'label' features: {sorted(features)}")
        # Gathered in chunks rather than with `batch_size=-1`, which also works on TFDS's mock data.
        chunks = list(tfds.as_numpy(dataset.map(lambda e: (e["image"], e["label"])).batch(8192)))
    except DataError:
        raise
    except Exception as e:  # noqa: BLE001 - TFDS raises many types for "not available"
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DataError(f"TFDS cannot provide dataset {name!r} split {split!r}: {first_line}") from None
    if not chunks:
        raise DataError(f"TFDS dataset {name!r} split {split!r} is empty")
    return np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks])


TFDS_HOST = "storage.googleapis.com"


def _tfds_reachable(timeout: float = 3.0) -> bool:
    """Whether TFDS's download host answers within `timeout` seconds."""
    import socket

    try:
        socket.create_connection((TFDS_HOST, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def make_dataset(
    images: np.ndarray,
    batch_size: int,
    value_range: tuple[float, float] = (0.0, 1.0),
    seed: int = 0,
    labels: np.ndarray | None = None,
):
    """Builds the training pipeline: scale once, cache, shuffle every epoch, batch, prefetch.

    Args:
        images: uint8 [N, H, W, C].
        batch_size: images per batch; the last partial batch is dropped so every step has one
            shape (no retracing, and even splits under `MirroredStrategy`).
        value_range: the generator's output range, (0, 1) for sigmoid or (-1, 1) for tanh.
        seed: the shuffle seed; the same seed gives the same order of batches.
        labels: int class labels [N] to pair with the images (a conditional GAN); None: images only.

    Returns:
        A `tf.data.Dataset` of float32 [batch_size, H, W, C] batches, or with `labels` of
        (images, int32 labels [batch_size]) pairs.

    Raises:
        ConfigError: fewer images than one batch.
    """
    import tensorflow as tf

    if len(images) < batch_size:
        raise ConfigError(
            f"batch size {batch_size} is larger than the {len(images)} training images; "
            "lower train.batch_size or raise --limit"
        )
    lo, hi = value_range
    scaled = images.astype(np.float32) * np.float32((hi - lo) / 255.0) + np.float32(lo)
    # Scaling in NumPy once (not in a per-batch map) and holding the result in memory is the
    # "decode once, cache" step: 60,000 x 28 x 28 float32 is 188 MB.
    ds = tf.data.Dataset.from_tensor_slices(scaled if labels is None else (scaled, np.asarray(labels, np.int32)))
    ds = ds.cache().shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
