"""Tests for gan.losses and the loss-dependent parts of gan.gan: hand-computed values, the phases
of train_step for every loss, critic steps, and the gradient penalty on tiny critics."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from gan_support import TINY_MODEL

from common.config import load_config
from common.errors import ConfigError
from gan import losses
from gan.config import GANConfig
from gan.train import build_gan

REAL = np.array([[0.5], [-1.0]], np.float32)  # D outputs on two real images
FAKE = np.array([[2.0], [0.0]], np.float32)  # and on two fakes


@pytest.fixture(autouse=True)
def _fresh_keras_session():
    yield
    keras.backend.clear_session()


def _softplus(x):
    return math.log(1 + math.exp(x))


def _value(t):
    return float(np.asarray(t))


# --- hand-computed values -------------------------------------------------------------------------


def test_reference_loss_is_the_notebooks_binary_cross_entropy_on_p_fake():
    real_p = np.array([[0.2], [0.4]], np.float32)  # P(fake) on reals
    fake_p = np.array([[0.7], [0.9]], np.float32)
    # Labels [fakes; reals] = [1, 1, 0, 0].
    expected = -(math.log(0.7) + math.log(0.9) + math.log(0.8) + math.log(0.6)) / 4
    batch = np.concatenate([fake_p, real_p])  # [fakes; reals]
    assert _value(losses.reference_discriminator_loss(batch)) == pytest.approx(expected, rel=1e-5)
    # With label noise, labels [1.1, 1, 0.05, 0]: the cross-entropy of each soft label.
    noise = np.array([[0.1], [0.0], [0.05], [0.0]], np.float32)
    terms = [(1.1, 0.7), (1.0, 0.9), (0.05, 0.2), (0.0, 0.4)]
    expected = -sum(y * math.log(p) + (1 - y) * math.log(1 - p) for y, p in terms) / 4
    got = losses.reference_discriminator_loss(batch, label_noise=noise)
    assert _value(got) == pytest.approx(expected, rel=1e-5)
    # The generator: fakes against "real" (0).
    expected = -(math.log(1 - 0.7) + math.log(1 - 0.9)) / 2
    assert _value(losses.reference_generator_loss(fake_p)) == pytest.approx(expected, rel=1e-5)


def test_non_saturating_loss_by_hand():
    d = (_softplus(-0.5) + _softplus(1.0)) / 2 + (_softplus(2.0) + _softplus(0.0)) / 2
    assert _value(losses.non_saturating_discriminator_loss(REAL, FAKE)) == pytest.approx(d, rel=1e-6)
    g = (_softplus(-2.0) + _softplus(0.0)) / 2  # -mean log sigmoid(l)
    assert _value(losses.non_saturating_generator_loss(FAKE)) == pytest.approx(g, rel=1e-6)
    assert g == pytest.approx(-(math.log(1 / (1 + math.exp(-2))) + math.log(0.5)) / 2)


def test_hinge_loss_by_hand():
    # relu(1 - 0.5) = 0.5, relu(1 + 1) = 2 -> 1.25; relu(1 + 2) = 3, relu(1 + 0) = 1 -> 2.
    assert _value(losses.hinge_discriminator_loss(REAL, FAKE)) == pytest.approx(3.25)
    assert _value(losses.hinge_generator_loss(FAKE)) == pytest.approx(-1.0)


def test_wasserstein_loss_by_hand():
    # mean fake 1.0 - mean real -0.25
    assert _value(losses.wasserstein_critic_loss(REAL, FAKE)) == pytest.approx(1.25)
    assert _value(losses.wasserstein_generator_loss(FAKE)) == pytest.approx(-1.0)


def test_least_squares_loss_by_hand():
    # 1/2 mean((0.5 - 1)^2, (-1 - 1)^2) = 1/2 * 2.125; 1/2 mean(2^2, 0^2) = 1
    assert _value(losses.least_squares_discriminator_loss(REAL, FAKE)) == pytest.approx(1.0625 + 1.0)
    assert _value(losses.least_squares_generator_loss(FAKE)) == pytest.approx(0.5)  # 1/2 mean(1, 1)


def test_drift_penalty_by_hand():
    # mean(0.5^2, (-1)^2) = 0.625: only the real images' scores count.
    assert _value(losses.drift_penalty(REAL)) == pytest.approx(0.625)


def test_unknown_loss_names_the_choices():
    with pytest.raises(ValueError, match="hinge"):
        losses.get_loss("wasserstein")
    with pytest.raises(ConfigError, match="train.loss"):
        load_config(GANConfig, None, ["train.loss=wasserstein"])


# --- the gradient penalty -------------------------------------------------------------------------


def test_gradient_penalty_of_a_linear_critic_is_its_weight_norm_minus_one_squared():
    # D(x) = <w, x> + b has gradient w at every point, so GP = (|w| - 1)^2 whatever the interpolates,
    # and dGP/dw = 2 (|w| - 1) w / |w|.
    w = tf.Variable(np.array([[1.0], [2.0], [-2.0], [0.5]], np.float32))  # |w| = sqrt(9.25)
    critic = lambda x: tf.reshape(x, (-1, 4)) @ w + 3.0  # images [B, 2, 2, 1]
    rng = np.random.default_rng(0)
    real, fake = (rng.normal(size=(3, 2, 2, 1)).astype(np.float32) for _ in range(2))
    alpha = rng.uniform(size=(3, 1, 1, 1)).astype(np.float32)
    with tf.GradientTape() as tape:
        gp = losses.gradient_penalty(critic, real, fake, alpha)
    norm = math.sqrt(1 + 4 + 4 + 0.25)
    assert _value(gp) == pytest.approx((norm - 1) ** 2, rel=1e-6)
    expected_grad = 2 * (norm - 1) * np.array([[1.0], [2.0], [-2.0], [0.5]]) / norm
    np.testing.assert_allclose(np.asarray(tape.gradient(gp, w)), expected_grad, rtol=1e-5)


def test_gradient_penalty_is_taken_at_the_interpolates():
    # D(x) = |x|^2 / 2 has gradient x, so GP = mean_i (|x^_i| - 1)^2 with x^ = x + alpha (x~ - x).
    critic = lambda x: 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2, 3])[:, None]
    real = np.array([[[[1.0]], [[0.0]]], [[[0.0]], [[0.0]]]], np.float32)  # [2, 2, 1, 1]
    fake = np.array([[[[3.0]], [[0.0]]], [[[0.0]], [[4.0]]]], np.float32)
    alpha = np.array([0.5, 0.25], np.float32).reshape(2, 1, 1, 1)
    # Image 0: x^ = (2, 0), |x^| = 2; image 1: x^ = (0, 1), |x^| = 1.
    assert _value(losses.gradient_penalty(critic, real, fake, alpha)) == pytest.approx(((2 - 1) ** 2 + 0) / 2)


def test_interpolation_weights_follow_gp_interpolation():
    config = load_config(GANConfig, None, [*TINY_MODEL, "train.loss=wgan_gp"])
    gan = build_gan(config, (28, 28, 1))
    uniform = np.asarray(gan._interpolation_weights(256))
    assert uniform.shape == (256, 1, 1, 1) and uniform.min() >= 0 and uniform.max() <= 1
    config = load_config(GANConfig, None, [*TINY_MODEL, "train.loss=wgan_gp", "train.gp_interpolation=normal"])
    normal = np.asarray(build_gan(config, (28, 28, 1))._interpolation_weights(256))
    assert normal.min() < 0 and normal.max() > 1  # N(0, 1), as the keras.io example draws


# --- train_step with every loss -------------------------------------------------------------------


def _snapshot(model):
    return [np.array(w) for w in model.weights]


def _changed(before, model):
    return [not np.array_equal(b, np.array(w)) for b, w in zip(before, model.weights)]


def _tiny(loss, *extra):
    config = load_config(GANConfig, None, [*TINY_MODEL, f"train.loss={loss}", *extra])
    keras.utils.set_random_seed(0)
    return build_gan(config, (28, 28, 1))


def _reals(n=8):
    return np.random.default_rng(0).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")


@pytest.mark.parametrize("loss", list(losses.LOSSES))
def test_discriminator_ends_with_the_losss_activation(loss):
    gan = _tiny(loss)
    activation = gan.discriminator.layers[-1].get_config()["activation"]
    assert activation == ("sigmoid" if loss == "reference" else "linear")
    assert gan.loss_fn is losses.LOSSES[loss]


@pytest.mark.parametrize("loss", list(losses.LOSSES))
def test_each_phase_changes_only_its_network(loss):
    gan = _tiny(loss)
    g, d = gan.generator, gan.discriminator
    g0, d0 = _snapshot(g), _snapshot(d)
    d_loss, d_real, d_fake = gan.discriminator_step(_reals())
    assert np.isfinite([_value(d_loss), _value(d_real), _value(d_fake)]).all()
    changed = _changed(d0, d)
    if loss in ("hinge", "wgan_gp"):
        # mean D(G(z)) - mean D(x) (and the hinge inside its margins) does not change when D's
        # output shifts by a constant, so the last bias gets a zero gradient: it alone stays put.
        assert d.weights[-1].path.endswith("bias") and not changed[-1]
        changed = changed[:-1]
    assert all(changed), "every discriminator weight moves in its phase"
    moved = [w.path for c, w in zip(_changed(g0, g), g.weights) if c]
    assert all("moving" in p for p in moved), f"only G's batch-norm statistics may move, not {moved}"
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (1, 0)

    g1, d1 = _snapshot(g), _snapshot(d)
    g_loss = gan.generator_step(8)
    assert np.isfinite(_value(g_loss))
    assert not any(_changed(d1, d)), "the discriminator stays put in the generator's phase"
    changed = _changed(g1, g)
    assert all(c for c, w in zip(changed, g.weights) if w.trainable), "every generator weight moves"
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (1, 1)


@pytest.mark.parametrize("loss, steps", [("wgan_gp", 3), ("hinge", 2), ("reference", 1)])
def test_the_critic_is_updated_critic_steps_times_per_generator_step(loss, steps):
    gan = _tiny(loss, f"train.critic_steps={steps}")
    history = gan.fit(_reals(16), batch_size=8, epochs=1, verbose=0, shuffle=False).history  # 2 batches
    assert (int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)) == (2 * steps, 2)
    assert all(np.isfinite(v).all() for v in history.values())
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake"}


def test_the_drift_penalty_moves_the_critics_last_bias_which_the_wasserstein_loss_cannot():
    # A constant added to every score leaves mean D(G(z)) - mean D(x) and the penalty unchanged, so the
    # last bias has a zero gradient; the drift term's gradient there is 2 drift_weight mean D(x).
    for weight, moves in ((0.0, False), (0.001, True)):
        gan = _tiny("wgan_gp", f"train.drift_weight={weight}")
        bias = gan.discriminator.weights[-1]
        assert bias.path.endswith("bias")
        before = np.array(bias)
        d_loss, d_real, _ = gan.discriminator_step(_reals())
        assert np.isfinite(_value(d_loss))
        assert (not np.array_equal(before, np.array(bias))) is moves, f"drift_weight {weight}"


def test_non_saturating_reports_p_fake_like_the_reference():
    gan = _tiny("non_saturating")
    _, d_real, d_fake = gan.discriminator_step(_reals())
    assert 0 <= _value(d_real) <= 1 and 0 <= _value(d_fake) <= 1


def test_resume_refuses_another_loss(tmp_path):
    from common.config import save_config
    from gan.resume import check_resumable

    save_config(load_config(GANConfig, None, ["train.loss=hinge"]), tmp_path / "config.toml")
    with pytest.raises(ConfigError, match="cannot change the loss"):
        check_resumable(load_config(GANConfig, None, ["train.loss=lsgan"]), tmp_path)


def test_reference_steps_are_the_notebooks_bit_for_bit():
    """The default loss takes exactly the step the notebook's train_step takes (written out here)."""
    config = load_config(GANConfig, None, [*TINY_MODEL])

    def fresh():
        keras.utils.set_random_seed(0)
        gan = build_gan(config, (28, 28, 1))
        gan.reseed(0)
        return gan

    real = tf.constant(_reals(8))
    ours = fresh()
    ours.discriminator_step(real)
    ours.generator_step(8)

    gan = fresh()  # the notebook's two phases (with the suite's seeded draws)
    batch = tf.shape(real)[0]
    fakes = gan.generator(gan.sample_latent(batch), training=True)
    combined = tf.concat([fakes, real], axis=0)
    labels = tf.concat([tf.ones((batch, 1)), tf.zeros((batch, 1))], axis=0)
    labels += gan.label_noise * tf.random.stateless_uniform(tf.shape(labels), seed=gan._draw_seed())
    bce = keras.losses.BinaryCrossentropy()
    with tf.GradientTape() as tape:
        d_loss = bce(labels, gan.discriminator(combined, training=True))
    weights = gan.discriminator.trainable_weights
    gan.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
    latent = gan.sample_latent(batch)
    with tf.GradientTape() as tape:
        g_loss = bce(tf.zeros((batch, 1)), gan.discriminator(gan.generator(latent, training=True), training=True))
    weights = gan.generator.trainable_weights
    gan.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))

    for a, b in zip(ours.weights, gan.weights):
        np.testing.assert_array_equal(np.array(a), np.array(b), err_msg=a.path)
