"""Tests for gan.gan.GAN: what each phase of train_step changes, seeding, MirroredStrategy."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
from gan_support import DEFAULT_TOML, SEED_TOML, cli_env, write_fake_fashion

from common.config import load_config
from common.runformat import GanFiles
from gan.config import GANConfig
from gan.train import build_gan


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    """Each test starts from an empty Keras graph (keeps a long test process light)."""
    yield
    keras.backend.clear_session()


def _images(n=16, shape=(28, 28, 1), seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, *shape)).astype("float32")


def _snapshot(model):
    return [np.array(w) for w in model.weights]


def _changed(before, model):
    return [not np.array_equal(b, np.array(w)) for b, w in zip(before, model.weights)]


@pytest.mark.parametrize("toml", [SEED_TOML, DEFAULT_TOML], ids=["seed", "default"])
def test_each_phase_changes_only_its_network(toml):
    config = load_config(GANConfig, toml)
    keras.utils.set_random_seed(0)
    gan = build_gan(config, (28, 28, 1))
    g, d = gan.generator, gan.discriminator
    n_g_trainable = len(g.trainable_weights)
    real = _images(8) * 2 - 1 if config.model.output_activation == "tanh" else _images(8)

    g0, d0 = _snapshot(g), _snapshot(d)
    gan.discriminator_step(real)
    assert all(_changed(d0, d)), "every discriminator weight moves in its phase"
    g_changed = _changed(g0, g)
    trainable_changed = [c for c, w in zip(g_changed, g.weights) if w.trainable]
    assert not any(trainable_changed), "the generator's weights stay put in the discriminator's phase"
    # The only generator state that may move: batch-norm statistics (the fakes are made in training mode).
    assert all("moving" in w.path for c, w in zip(g_changed, g.weights) if c)
    assert int(gan.d_optimizer.iterations) == 1 and int(gan.g_optimizer.iterations) == 0

    g1, d1 = _snapshot(g), _snapshot(d)
    gan.generator_step(8)
    assert not any(_changed(d1, d)), "the discriminator stays put in the generator's phase"
    changed = _changed(g1, g)
    assert sum(c for c, w in zip(changed, g.weights) if w.trainable) == n_g_trainable
    assert int(gan.d_optimizer.iterations) == 1 and int(gan.g_optimizer.iterations) == 1


def test_train_step_reports_the_four_metrics_and_updates_the_ema():
    config = load_config(GANConfig, DEFAULT_TOML)
    keras.utils.set_random_seed(0)
    gan = build_gan(config, (28, 28, 1))
    ema0 = _snapshot(gan.ema_generator)
    history = gan.fit(_images(32) * 2 - 1, batch_size=16, epochs=1, verbose=0, shuffle=False)
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    for values in history.history.values():
        assert np.isfinite(values).all()
    assert 0 <= history.history["d_real"][0] <= 1 and 0 <= history.history["d_fake"][0] <= 1
    assert any(_changed(ema0, gan.ema_generator))
    assert gan.sampler is gan.ema_generator
    # The EMA lags the live generator: after two steps it sits between the start and the live weights.
    live, start, ema = np.array(gan.generator.weights[0]), ema0[0], np.array(gan.ema_generator.weights[0])
    assert np.abs(ema - start).sum() < np.abs(live - start).sum()


def _fit_losses(toml, seed, images):
    config = load_config(GANConfig, toml, [f"seed={seed}"])
    keras.utils.set_random_seed(seed)
    gan = build_gan(config, images.shape[1:])
    gan.reseed(0)
    h = gan.fit(images, batch_size=16, epochs=1, verbose=0, shuffle=False)
    return [h.history[k][0] for k in ("d_loss", "g_loss", "d_real", "d_fake")]


@pytest.mark.slow
def test_same_seed_same_losses():
    # (tests/test_gan_train.py checks the same for whole runs of the default recipe, data order included)
    images = _images(32)
    first, again = _fit_losses(SEED_TOML, 3, images), _fit_losses(SEED_TOML, 3, images)
    assert first == again
    assert _fit_losses(SEED_TOML, 4, images) != first


MIRRORED_SCRIPT = textwrap.dedent(
    """
    import json
    import sys
    import threading
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    from common.config import load_config
    from gan.config import GANConfig
    from gan.gan import GAN
    from gan.distribute import mirrored_strategy
    from gan.train import build_gan
    from gan_support import TINY_MODEL

    # Latent vectors made from the real images by a fixed projection, so a replica that sees half
    # the batch draws exactly the latents the single device draws for those images.
    PROJECTION = np.random.default_rng(1).standard_normal((28 * 28, 8)).astype("float32")

    # MirroredStrategy traces each replica in its own thread: keep each thread's batch apart.
    REAL = {}

    class DataLatentGAN(GAN):
        def train_step(self, real_images):
            REAL[threading.get_ident()] = real_images
            return super().train_step(real_images)

        def sample_latent(self, batch_size):
            return tf.reshape(REAL[threading.get_ident()], (-1, 28 * 28)) @ PROJECTION

    config = load_config(GANConfig, sys.argv[1], ["model.latent_dim=8", "train.label_noise=0.0"])

    def make(strategy):
        with strategy.scope():
            keras.utils.set_random_seed(0)
            gan = build_gan(config, (28, 28, 1))
            model = DataLatentGAN(gan.generator, gan.discriminator, label_noise=0.0, training_mode=False)
            # Plain SGD: an update proportional to the gradient shows a wrongly scaled loss (Adam
            # would hide it, its step hardly depends on the gradient's scale).
            model.compile(keras.optimizers.SGD(0.5), keras.optimizers.SGD(0.5), gan.loss_fn)
        return model

    images = np.random.default_rng(0).uniform(0, 1, (32, 28, 28, 1)).astype("float32")
    mirrored = mirrored_strategy()  # the one train() uses too (one per process)
    assert mirrored.num_replicas_in_sync == 2
    one, two = make(tf.distribute.get_strategy()), make(mirrored)
    for a, b in zip(one.weights, two.weights):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    start = [np.array(w) for w in one.weights]
    h1 = one.fit(images, batch_size=16, epochs=1, verbose=0, shuffle=False).history
    h2 = two.fit(images, batch_size=16, epochs=1, verbose=0, shuffle=False).history
    for key in h1:
        np.testing.assert_allclose(h1[key], h2[key], rtol=1e-4, err_msg=key)
    for a, b in zip(one.weights, two.weights):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-4, atol=1e-6, err_msg=a.path)
    moved = max(np.abs(np.array(a) - np.array(w0)).max() for a, w0 in zip(one.weights, start))
    assert moved > 1e-3, moved  # the step is big enough for a scale error to show
    # With the real sampler, each replica draws its own latent vectors.
    with mirrored.scope():
        gan = build_gan(config, (28, 28, 1))
    z = mirrored.run(lambda: gan.sample_latent(2))
    a, b = (np.array(t) for t in mirrored.experimental_local_results(z))
    assert not np.allclose(a, b)

    # And a whole (tiny) run of gan.train under the strategy: checkpoints, samples, summary.
    from gan.train import train

    tiny = load_config(GANConfig, None, list(TINY_MODEL) + ["strategy=mirrored", "train.epochs=1",
                       "train.batch_size=16", "data.data_dir=" + json.dumps(sys.argv[2])])
    summary = train(tiny, sys.argv[3], verbose=0)
    assert summary.replicas == 2 and summary.epochs == 1, summary
    print("MIRRORED-OK")
    """
)


@pytest.mark.slow
def test_mirrored_strategy_scales_losses_by_the_global_batch(tmp_path):
    """Two replicas on two logical CPUs take the same step as one device on the whole batch."""
    script = tmp_path / "mirrored.py"
    script.write_text(MIRRORED_SCRIPT)
    data = write_fake_fashion(tmp_path / "data", n=64)
    (tmp_path / "run").mkdir()
    env = cli_env()
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, str(script), str(SEED_TOML), str(data), str(tmp_path / "run")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "MIRRORED-OK" in proc.stdout, proc.stderr[-3000:]
    assert (tmp_path / "run" / GanFiles.CHECKPOINT).is_file()
    assert (tmp_path / "run" / GanFiles.GENERATOR).is_file()
