"""Tests for class-conditional generation: the networks, conditional sampling, a conditional run
that trains and resumes, and `gan.sample --label / --per-class / --class-gif`."""

import json

import keras
import numpy as np
import pytest
from gan_support import REPO, TINY_MODEL, write_fake_fashion

from common.config import load_config
from common.errors import ConfigError, InputError
from common.images import load_png
from gan.classes import class_grid, grid_images, resolve_label
from gan.config import GANConfig
from gan.models import build_discriminator, build_generator
from gan.sample import generate, num_classes
from gan.sample import main as sample_main
from gan.train import build_gan, train

CONDITIONAL_TOML = REPO / "configs" / "gan" / "conditional.toml"
TINY_CONDITIONAL = (*TINY_MODEL, "model.conditional=true", "model.embedding_dim=4")


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    yield
    keras.backend.clear_session()


def _config(*extra):
    return load_config(GANConfig, None, [*TINY_CONDITIONAL, *extra])


def test_conditional_networks_take_labels():
    config = load_config(GANConfig, CONDITIONAL_TOML)
    assert config.model.conditional and config.model.num_classes == 10
    g = build_generator(config.model, (28, 28, 1))
    d = build_discriminator(config.model, (28, 28, 1))
    assert [tuple(t.shape) for t in g.inputs] == [(None, 64), (None,)]
    assert [tuple(t.shape) for t in d.inputs] == [(None, 28, 28, 1), (None,)]
    z = np.random.default_rng(0).standard_normal((4, 64)).astype("float32")
    images = np.asarray(g([z, np.array([0, 1, 2, 3], "int32")]))
    assert images.shape == (4, 28, 28, 1)
    # The projection: the same image judged with another label gets another score.
    same = np.repeat(images[:1], 10, axis=0)
    scores = np.asarray(d([same, np.arange(10, dtype="int32")]))
    assert scores.shape == (10, 1) and len(np.unique(scores.round(7))) > 1
    # Projection adds one row of feature-size weights per class to the unconditional D.
    plain = build_discriminator(load_config(GANConfig, None).model, (28, 28, 1))
    assert d.count_params() - plain.count_params() == 10 * 4 * 4 * 128


def test_conditional_samples_have_the_requested_labels_shapes():
    gan = build_gan(_config(), (28, 28, 1))
    g = gan.sampler
    assert num_classes(g) == 10
    assert generate(g, 7, seed=1).shape == (7, 28, 28, 1)  # classes in turn
    one_class = generate(g, 5, seed=1, labels=3)
    assert one_class.shape == (5, 28, 28, 1)
    np.testing.assert_array_equal(one_class, generate(g, 5, seed=1, labels=[3] * 5))
    assert not np.array_equal(one_class, generate(g, 5, seed=1, labels=4))  # the label matters
    grid = class_grid(g, 3, seed=2)
    assert grid.shape == (30, 28, 28, 1)
    np.testing.assert_array_equal(grid[3 * 7 : 3 * 8], generate(g, 3, seed=2, labels=7))  # row 7 is class 7
    images, columns = grid_images(g, 64, seed=0)
    assert columns == 6 and images.shape == (60, 28, 28, 1)
    with pytest.raises(ConfigError, match="0..9"):
        generate(g, 2, labels=10)


def test_labels_for_an_unconditional_generator_are_refused():
    gan = build_gan(load_config(GANConfig, None, list(TINY_MODEL)), (28, 28, 1))
    with pytest.raises(InputError, match="takes no class label"):
        generate(gan.sampler, 2, labels=1)


def test_resolve_label_by_index_or_name():
    names = ("T-shirt/top", "Trouser", "Bag")
    assert resolve_label("2", names, 3) == 2
    assert resolve_label("bag", names, 3) == 2
    with pytest.raises(ConfigError, match="'Trouser'"):
        resolve_label("Shoe", names, 3)
    with pytest.raises(ConfigError, match="0..2"):
        resolve_label("3", None, 3)


def test_a_conditional_run_trains_resumes_and_samples_per_class(tmp_path):
    data = write_fake_fashion(tmp_path / "data", n=96)
    run = tmp_path / "run"
    run.mkdir()
    base = [f"data.data_dir={json.dumps(str(data))}", "train.batch_size=32", "output.samples=20"]
    config = _config(*base, "train.epochs=1")
    assert train(config, run, verbose=0).epochs == 1
    keras.backend.clear_session()
    summary = train(_config(*base, "train.epochs=2"), run, resume=True, verbose=0)
    assert summary.epochs == 2
    rows = (run / "history.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["1", "2"]
    # The sample grid: one row per class (10 rows of 20 // 10 = 2 images, 28 px + 2 px padding).
    grid = load_png(run / "samples" / "epoch_002.png")
    assert grid.shape[:2] == (10 * 30 + 2, 2 * 30 + 2)
    assert (run / "samples.gif").is_file()

    # gan.sample on the conditional run: a class by name, a grid per class, a class GIF.
    assert sample_main([str(run), "--label", "Bag", "--n", "4", "--scale", "1"]) == 0
    assert load_png(run / "sample_seed0_n4_class8.png").shape[:2] == (62, 62)
    assert sample_main([str(run), "--per-class", "3", "--scale", "1"]) == 0
    assert load_png(run / "classes_seed0_per3.png").shape[:2] == (10 * 30 + 2, 3 * 30 + 2)
    assert sample_main([str(run), "--class-gif", "--seed", "5", "--scale", "1"]) == 0
    from PIL import Image

    with Image.open(run / "classes_seed5.gif") as gif:
        assert gif.n_frames == 10  # one latent vector as each of the ten classes
    assert load_png(run / "classes_seed5.png").shape[:2] == (32, 10 * 30 + 2)


def test_sample_cli_refuses_class_flags_for_an_unconditional_run(tmp_path):
    gan = build_gan(load_config(GANConfig, None, list(TINY_MODEL)), (28, 28, 1))
    gan.sampler.save(tmp_path / "generator.keras")
    for flags in (["--per-class", "2"], ["--class-gif"], ["--label", "1"]):
        with pytest.raises(InputError, match="takes no class label"):
            sample_main([str(tmp_path / "generator.keras"), *flags])
    with pytest.raises(ConfigError, match="cannot be combined"):
        sample_main([str(tmp_path / "generator.keras"), "--per-class", "2", "--class-gif"])


def test_conditional_training_needs_labels_in_range(tmp_path):
    data = write_fake_fashion(tmp_path / "data", n=64)
    config = _config(f"data.data_dir={json.dumps(str(data))}", "model.num_classes=5", "train.batch_size=32")
    with pytest.raises(ConfigError, match="model.num_classes"):
        train(config, tmp_path, verbose=0)
