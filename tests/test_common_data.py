"""Tests for gan.data: the IDX reader, the sources of Fashion-MNIST and the tf.data pipeline."""

import gzip
import struct

import numpy as np
import pytest

from common.errors import ConfigError, DataError
from gan import data


def _write_idx(path, array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def tiny_fashion_dir(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in (("train", 40), ("t10k", 10)):
        _write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz", rng.integers(0, 10, n))
    return tmp_path


def test_data_dir_is_used_first(tiny_fashion_dir):
    x, y = data.load_images(data_dir=tiny_fashion_dir)
    assert x.shape == (40, 28, 28, 1) and x.dtype == np.uint8 and y.shape == (40,)
    x, y = data.load_images(split="test", data_dir=tiny_fashion_dir, limit=3)
    assert x.shape == (3, 28, 28, 1)


def test_empty_data_dir_names_the_missing_files(tmp_path):
    with pytest.raises(DataError, match="does not hold train-images-idx3-ubyte.gz"):
        data.load_images(data_dir=tmp_path)


def test_truncated_file_is_a_data_error(tiny_fashion_dir):
    path = tiny_fashion_dir / "train-images-idx3-ubyte.gz"
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match="truncated"):
        data.load_images(data_dir=tiny_fashion_dir)


def test_short_payload_is_a_data_error(tmp_path):
    path = tmp_path / "x.gz"
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">BBBBI", 0, 0, 8, 1, 100) + b"\0" * 10)
    with pytest.raises(DataError, match="needs 100 bytes, got 10"):
        data.read_idx(path)


def test_not_idx_is_a_data_error(tmp_path):
    path = tmp_path / "x.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"hello world")
    with pytest.raises(DataError, match="not an unsigned-byte IDX"):
        data.read_idx(path)


def test_nothing_found_names_all_three_ways(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "none")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr("keras.datasets.fashion_mnist.load_data", lambda: (_ for _ in ()).throw(OSError("offline")))
    with pytest.raises(DataError) as info:
        data.load_fashion_mnist()
    message = str(info.value)
    assert "--data-dir" in message and "Keras" in message and "apt-get install dataset-fashion-mnist" in message


def test_bad_limit_and_split():
    with pytest.raises(ConfigError, match="--limit must be a positive"):
        data.load_images(limit=0)
    with pytest.raises(ConfigError, match="split must be"):
        data.load_fashion_mnist("valid")


def test_pipeline_scales_batches_and_repeats_with_a_seed():
    images = (np.arange(10 * 4 * 4) % 256).astype(np.uint8).reshape(10, 4, 4, 1)
    images[0] = 255
    ds = data.make_dataset(images, batch_size=4, value_range=(-1.0, 1.0), seed=3)
    batches = [b.numpy() for b in ds]
    assert [b.shape for b in batches] == [(4, 4, 4, 1)] * 2  # the partial batch is dropped
    assert batches[0].dtype == np.float32 and batches[0].min() >= -1 and batches[0].max() <= 1
    again = [b.numpy() for b in data.make_dataset(images, batch_size=4, value_range=(-1.0, 1.0), seed=3)]
    np.testing.assert_array_equal(np.concatenate(batches), np.concatenate(again))


def test_batch_larger_than_data_is_a_config_error():
    with pytest.raises(ConfigError, match="batch size 8 is larger than the 4 training images"):
        data.make_dataset(np.zeros((4, 2, 2, 1), np.uint8), batch_size=8)


@pytest.mark.skipif(not (data.DEBIAN_DIR / "t10k-images-idx3-ubyte.gz").exists(), reason="Fashion-MNIST not installed")
def test_real_fashion_mnist_test_split():
    x, y = data.load_fashion_mnist("test")
    assert x.shape == (10000, 28, 28) and set(np.unique(y)) == set(range(10))


def test_other_datasets_come_from_tfds(monkeypatch):
    # TFDS's mock data (offline): the images and labels of `mnist`'s own feature spec.
    tfds = pytest.importorskip("tensorflow_datasets")
    monkeypatch.setattr(data, "_tfds_reachable", lambda: True)  # as if online: the mock stands in for the download
    with tfds.testing.mock_data(num_examples=24, policy=tfds.testing.MockPolicy.USE_CODE):
        images, labels = data.load_images("mnist", "train", limit=16)
    assert images.shape == (16, 28, 28, 1) and images.dtype == np.uint8
    assert labels.shape == (16,) and labels.dtype == np.int64


def test_an_unprepared_dataset_offline_fails_at_once_in_one_line(monkeypatch, tmp_path):
    pytest.importorskip("tensorflow_datasets")
    monkeypatch.setattr(data, "_tfds_reachable", lambda: False)
    with pytest.raises(DataError, match=r"'mnist' is not prepared in .* cannot be reached .*tfds build mnist") as info:
        data.load_images("mnist", "train", data_dir=tmp_path)
    assert "\n" not in str(info.value)


def test_a_dataset_tfds_cannot_provide_is_one_data_error(monkeypatch):
    tfds = pytest.importorskip("tensorflow_datasets")

    def offline(*args, **kwargs):
        raise ConnectionError("Failed to resolve 'storage.googleapis.com'\nmore detail")

    monkeypatch.setattr(data, "_tfds_reachable", lambda: True)  # the host answers, the download then fails
    monkeypatch.setattr(tfds, "load", offline)
    with pytest.raises(
        DataError, match=r"TFDS cannot provide dataset 'cifar10' split 'train': .*storage.googleapis"
    ) as info:
        data.load_images("cifar10", "train")
    assert "\n" not in str(info.value)
