"""Tests for nst.vgg (the cut, frozen feature extractor) and nst.weights (where weights come from)."""

from __future__ import annotations

import numpy as np
import pytest
from nst_support import random_vgg19, real_vgg19  # noqa: F401 - fixtures

from common.errors import ConfigError, WeightsError
from nst.images import preprocess
from nst.vgg import VGG19_LAYERS, FeatureExtractor, min_side
from nst.weights import ENV_VAR, KERAS_CACHE_NAME, WeightsSource, load_vgg19, resolve_weights


def test_extractor_returns_named_layers_at_any_size(random_vgg19):
    extractor = FeatureExtractor(random_vgg19, ["block4_conv2", "block1_conv1", "block2_conv1"])
    assert extractor.min_side == 8
    for height, width in [(32, 48), (40, 24)]:
        x = preprocess(np.random.default_rng(0).uniform(0, 255, (1, height, width, 3)))
        out = extractor(x)
        assert list(out) == ["block4_conv2", "block1_conv1", "block2_conv1"]
        assert tuple(out["block1_conv1"].shape) == (1, height, width, 64)
        assert tuple(out["block2_conv1"].shape) == (1, height // 2, width // 2, 128)
        assert tuple(out["block4_conv2"].shape) == (1, height // 8, width // 8, 512)


def test_extractor_is_cut_after_deepest_layer_and_frozen(random_vgg19):
    extractor = FeatureExtractor(random_vgg19, ["block2_conv1"])
    names = [layer.name for layer in extractor.model.layers]
    assert "block2_conv1" in names and "block2_conv2" not in names and "block5_conv1" not in names
    assert not extractor.model.trainable_weights
    assert [name for name, _ in extractor.conv_layers] == ["block1_conv1", "block1_conv2", "block2_conv1"]


def test_avg_pooling_shares_the_same_convolutions(random_vgg19):
    import keras

    avg = FeatureExtractor(random_vgg19, ["block3_conv1"], pooling="avg")
    max_ = FeatureExtractor(random_vgg19, ["block3_conv1"], pooling="max")
    kinds = {type(layer).__name__ for layer in avg.model.layers}
    assert "AveragePooling2D" in kinds and "MaxPooling2D" not in kinds
    conv = avg.model.get_layer("block1_conv1").conv
    assert conv is random_vgg19.get_layer("block1_conv1"), "the loaded layer is reused, not copied"
    x = preprocess(np.random.default_rng(1).uniform(0, 255, (1, 32, 32, 3)))
    a, m = avg(x)["block3_conv1"].numpy(), max_(x)["block3_conv1"].numpy()
    assert a.shape == m.shape and not np.allclose(a, m)
    assert isinstance(avg.model.get_layer("block1_avgpool"), keras.layers.AveragePooling2D)


def test_pixel_gradient_is_exactly_autodiff_through_the_loaded_layers(random_vgg19):
    # The extractor computes each convolution's input gradient as a convolution (nst.vgg,
    # `nst.frozen_conv`); it must agree with TensorFlow's own gradient of the plain VGG19 layers.
    import keras
    import tensorflow as tf

    layers = ["block1_conv1", "block2_conv2", "block3_conv1"]
    extractor = FeatureExtractor(random_vgg19, layers, pooling="max")
    plain = keras.Model(random_vgg19.input, {n: random_vgg19.get_layer(n).output for n in layers})
    image = tf.constant(preprocess(np.random.default_rng(2).uniform(0, 255, (1, 20, 28, 3))), tf.float32)

    def loss_and_grad(model):
        with tf.GradientTape() as tape:
            tape.watch(image)
            features = model(image, training=False)
            loss = tf.add_n([tf.reduce_sum(tf.sin(features[n] / 100.0)) for n in layers])
        return loss.numpy(), tape.gradient(loss, image).numpy()

    (loss, grad), (plain_loss, plain_grad) = loss_and_grad(extractor.model), loss_and_grad(plain)
    assert np.abs(plain_grad).max() > 0
    np.testing.assert_allclose(loss, plain_loss, rtol=1e-5)
    np.testing.assert_allclose(grad, plain_grad, rtol=1e-4, atol=1e-5 * np.abs(plain_grad).max())


def test_unknown_layer_is_a_config_error_listing_valid_names(random_vgg19):
    with pytest.raises(ConfigError, match="block4_conv9.*valid names: block1_conv1"):
        FeatureExtractor(random_vgg19, ["block4_conv9"])
    with pytest.raises(ConfigError, match="pooling"):
        FeatureExtractor(random_vgg19, ["block1_conv1"], pooling="min")


def test_min_side_counts_poolings():
    assert min_side(["block1_conv1"]) == 1
    assert min_side(["block5_conv1", "block1_conv1"]) == 16
    assert min_side(["block5_pool"]) == 32
    assert len(VGG19_LAYERS) == 21


# --- weights -------------------------------------------------------------------------------------


def test_resolve_order_argument_environment_imagenet(tmp_path):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    a.write_bytes(b"x")
    b.write_bytes(b"x")
    env = {ENV_VAR: str(b), "KERAS_HOME": str(tmp_path / "kh")}
    assert resolve_weights(str(a), env) == WeightsSource("path", str(a.resolve()), "argument")
    assert resolve_weights(None, env) == WeightsSource("path", str(b.resolve()), "environment")
    assert resolve_weights("none", env).kind == "none"
    assert resolve_weights(None, {"KERAS_HOME": str(tmp_path / "kh")}) == WeightsSource("imagenet", None, "download")
    cache = tmp_path / "kh" / "models"
    cache.mkdir(parents=True)
    (cache / KERAS_CACHE_NAME).write_bytes(b"x")
    assert resolve_weights(None, {"KERAS_HOME": str(tmp_path / "kh")}).origin == "keras-cache"


def test_missing_weights_file_names_the_options(tmp_path):
    with pytest.raises(WeightsError, match="does not exist.*--weights PATH.*NST_VGG19_WEIGHTS.*--weights none"):
        resolve_weights(str(tmp_path / "nope.h5"), {})
    with pytest.raises(WeightsError, match="NST_VGG19_WEIGHTS .* is a folder"):
        resolve_weights(None, {ENV_VAR: str(tmp_path)})


def test_failed_download_is_one_weights_error(monkeypatch, tmp_path):
    from keras.src.applications import vgg19

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: no network")

    monkeypatch.setattr(vgg19.file_utils, "get_file", offline)
    with pytest.raises(WeightsError, match="download failed.*--weights PATH") as info:
        load_vgg19(WeightsSource("imagenet", None, "download"))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("content", ["garbage", "other_model"])
def test_file_that_is_not_vgg19_weights(tmp_path, content):
    path = tmp_path / "w.weights.h5"
    if content == "garbage":
        path.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(range(256)) * 4)
    else:
        import keras

        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        model.save_weights(path)
    with pytest.raises(WeightsError, match="not a VGG19 no-top weights file"):
        load_vgg19(WeightsSource("path", str(path), "argument"))


@pytest.mark.real_weights
def test_real_weights_load_and_give_sensible_features(real_vgg19):
    extractor = FeatureExtractor(real_vgg19, ["block1_conv1"])
    flat = extractor(preprocess(np.full((1, 16, 16, 3), 128.0)))["block1_conv1"].numpy()
    inner = flat[0, 1:-1, 1:-1, :]  # away from the zero padding a flat image gives a flat response
    assert np.isfinite(flat).all() and np.allclose(inner, inner[:1, :1], atol=1e-3) and inner.max() > 1.0
