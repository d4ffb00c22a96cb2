"""The adversarial losses `train.loss` chooses: a discriminator loss and a generator loss each.

Every loss is a pair of small named functions of the discriminator's outputs, [B, 1] on a batch of
real images (`real`) and on a batch of generated ones (`fake`) (the reference's discriminator
loss takes both in one [2B, 1] tensor, fakes first, as the notebook does); both phases minimize. `LOSSES`
maps each name to a `GANLoss`, which also says what the discriminator's last activation is and
how its outputs are shown in `history.csv` (`d_real`, `d_fake`).

| name             | paper                      | D's last activation | D minimizes                                  | G minimizes            |
|------------------|----------------------------|---------------------|----------------------------------------------|------------------------|
| `reference`      | the notebook (Keras DCGAN) | sigmoid = P(fake)   | BCE(P(fake), fake 1 / real 0 + noise)        | BCE(P(fake), 0)        |
| `non_saturating` | Goodfellow et al. 2014     | none (logit of P(real)) | softplus(-D(x)) + softplus(D(G(z)))      | softplus(-D(G(z)))     |
| `hinge`          | Lim & Ye 2017              | none (score)        | relu(1 - D(x)) + relu(1 + D(G(z)))           | -D(G(z))               |
| `wgan_gp`        | Gulrajani et al. 2017      | none (critic)       | D(G(z)) - D(x) + lambda (|grad D(x^)| - 1)^2 | -D(G(z))               |
| `lsgan`          | Mao et al. 2017            | none (score)        | (D(x) - 1)^2 / 2 + D(G(z))^2 / 2             | (D(G(z)) - 1)^2 / 2    |

(each term is a mean over the batch). Apart from `reference`, which keeps the notebook's labels
(the discriminator outputs P(fake)), a higher output means "more real", as in the papers.

Reduction: like a Keras loss with the default "sum_over_batch_size" reduction, each function
returns the mean over the examples it is given divided by the number of `tf.distribute` replicas,
so the optimizer's sum over replicas is the gradient of the global batch's mean (see `gan.gan`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import keras
import tensorflow as tf


def _batch_mean(values):
    """Mean over all elements, divided by the replicas in sync (Keras's "sum_over_batch_size")."""
    mean = tf.reduce_mean(values)
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return mean / replicas if replicas > 1 else mean


# --- reference: the notebook's binary cross-entropy on P(fake) -----------------------------------


def reference_discriminator_loss(outputs, label_noise=None):
    """The reference notebook's discriminator loss (Keras's DCGAN example).

    The discriminator outputs P(fake) (a sigmoid). Fakes are labelled 1 and reals 0, plus
    `label_noise` (the notebook's "important trick": `0.05 * U[0, 1)` per label), and the loss is
    the binary cross-entropy over the 2B labels of the batch [fakes; reals]:

        L_D = -mean_i [ y_i log p_i + (1 - y_i) log(1 - p_i) ],  y = [1 + n_fake; 0 + n_real]

    Unlike the other losses it takes D's output on the whole batch [fakes; reals], as the notebook
    computes it: the cross-entropy of a re-concatenated copy differs in the last bit.

    Args:
        outputs: P(fake) on the batch [fakes; reals], [2B, 1] (fakes first).
        label_noise: noise added to the labels [fakes; reals], [2B, 1]; None adds none.

    Returns:
        The scalar loss (Keras's `BinaryCrossentropy`, which clips p to [1e-7, 1 - 1e-7]).
    """
    half = tf.shape(outputs)[0] // 2
    # tf.ones/zeros of a shape (not *_like) and labels += noise: the notebook's graph, bit for bit.
    labels = tf.concat([tf.ones((half, 1)), tf.zeros((half, 1))], axis=0)
    if label_noise is not None:
        labels += label_noise
    return keras.losses.BinaryCrossentropy()(labels, outputs)


def reference_generator_loss(fake_output):
    """The reference notebook's generator loss: BCE of P(fake) on fakes against "real" (0).

        L_G = -mean log(1 - D(G(z))),  D = P(fake)

    i.e. the non-saturating loss of Goodfellow et al. (2014) written for a D that outputs P(fake).
    """
    return keras.losses.BinaryCrossentropy()(tf.zeros((tf.shape(fake_output)[0], 1)), fake_output)


# --- non-saturating: Goodfellow et al. 2014, on logits -------------------------------------------


def non_saturating_discriminator_loss(real_output, fake_output):
    """Goodfellow et al., "Generative Adversarial Nets" (2014), eq. 1, on logits.

    D(x) = sigmoid(l(x)) = P(real); the discriminator maximizes log D(x) + log(1 - D(G(z))):

        L_D = mean softplus(-l(x)) + mean softplus(l(G(z)))

    (softplus(-l) = -log sigmoid(l), computed stably on the logit.)
    """
    return _batch_mean(tf.math.softplus(-real_output)) + _batch_mean(tf.math.softplus(fake_output))


def non_saturating_generator_loss(fake_output):
    """Goodfellow et al. (2014), section 3: G maximizes log D(G(z)) instead of minimizing log(1 - D(G(z))).

        L_G = mean softplus(-l(G(z))) = -mean log D(G(z))

    Its gradient is large exactly when D rejects the fakes, where log(1 - D) saturates.
    """
    return _batch_mean(tf.math.softplus(-fake_output))


# --- hinge: Lim & Ye 2017; Miyato et al. 2018 ----------------------------------------------------


def hinge_discriminator_loss(real_output, fake_output):
    """Lim & Ye, "Geometric GAN" (2017); used with spectral normalization by Miyato et al. (2018).

        L_D = mean relu(1 - D(x)) + mean relu(1 + D(G(z)))

    D is a score (no activation); reals scored above 1 and fakes below -1 cost nothing.
    """
    return _batch_mean(tf.nn.relu(1.0 - real_output)) + _batch_mean(tf.nn.relu(1.0 + fake_output))


def hinge_generator_loss(fake_output):
    """The hinge loss's generator side (Lim & Ye 2017; Miyato et al. 2018, eq. 17): L_G = -mean D(G(z))."""
    return -_batch_mean(fake_output)


# --- WGAN-GP: Gulrajani et al. 2017 --------------------------------------------------------------


def wasserstein_critic_loss(real_output, fake_output):
    """Arjovsky et al. (2017), as in Gulrajani et al., "Improved Training of Wasserstein GANs" (2017), Alg. 1.

        L_D = mean D(G(z)) - mean D(x)      (+ gp_weight * `gradient_penalty`, added by the GAN)

    D is a critic (no activation); -L_D estimates the Wasserstein-1 distance when D is 1-Lipschitz,
    which the gradient penalty encourages.
    """
    return _batch_mean(fake_output) - _batch_mean(real_output)


def wasserstein_generator_loss(fake_output):
    """Gulrajani et al. (2017), Alg. 1: L_G = -mean D(G(z))."""
    return -_batch_mean(fake_output)


def drift_penalty(real_output):
    """The drift penalty of Karras et al., "Progressive Growing of GANs" (2018), appendix A.1.

        drift = mean D(x)^2     (the GAN adds `train.drift_weight` times it; the paper: 0.001)

    The Wasserstein loss and the gradient penalty are blind to a constant added to every critic
    score, so nothing holds the scores near 0 and they can wander far from it; this term does,
    without changing which images score higher.
    """
    return _batch_mean(tf.square(real_output))


def interpolates(real_images, fake_images, alpha):
    """Points x^ = x + alpha (x~ - x) between real images x and fakes x~ (Gulrajani et al. 2017, Alg. 1).

    Args:
        real_images, fake_images: [B, H, W, C].
        alpha: [B, 1, 1, 1]; the paper draws U[0, 1] (points on the segment between each pair).
    """
    return real_images + alpha * (fake_images - real_images)


def gradient_penalty(critic: Callable, real_images, fake_images, alpha):
    """The gradient penalty of Gulrajani et al. (2017), eq. 3, on random interpolates.

        GP = mean_i (|| grad_x D(x^_i) ||_2 - 1)^2,   x^ = x + alpha (x~ - x)

    The norm is over each image's pixels and channels. Call it under the discriminator's
    `GradientTape`: the penalty's gradient with respect to the critic's weights is a second
    derivative, which TensorFlow's nested tapes provide. A 1e-12 under the square root keeps that
    gradient finite where the critic's gradient is exactly 0 (the paper's formula otherwise).

    Args:
        critic: maps images [B, H, W, C] to scores [B, 1] (for a conditional GAN, with the labels bound).
        real_images, fake_images: [B, H, W, C].
        alpha: [B, 1, 1, 1] interpolation weights.

    Returns:
        The scalar penalty (without its weight).
    """
    points = tf.convert_to_tensor(interpolates(real_images, fake_images, alpha))
    with tf.GradientTape() as tape:
        tape.watch(points)
        scores = critic(points)
    grads = tape.gradient(scores, points)  # [B, H, W, C]
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)  # [B]
    return _batch_mean(tf.square(norms - 1.0))


# --- LSGAN: Mao et al. 2017 ----------------------------------------------------------------------


def least_squares_discriminator_loss(real_output, fake_output):
    """Mao et al., "Least Squares Generative Adversarial Networks" (2017), eq. 2 with a = 0, b = 1.

        L_D = 1/2 mean (D(x) - 1)^2 + 1/2 mean D(G(z))^2

    D is a score (no activation) pulled to 1 on reals and 0 on fakes (the paper's 0-1 coding).
    """
    return 0.5 * _batch_mean(tf.square(real_output - 1.0)) + 0.5 * _batch_mean(tf.square(fake_output))


def least_squares_generator_loss(fake_output):
    """Mao et al. (2017), eq. 2 with c = 1: L_G = 1/2 mean (D(G(z)) - 1)^2."""
    return 0.5 * _batch_mean(tf.square(fake_output - 1.0))


# --- the registry --------------------------------------------------------------------------------


def _identity(outputs):
    return outputs


def _p_fake_from_logit(logits):
    return tf.sigmoid(-logits)  # the logit is of P(real)


@dataclasses.dataclass(frozen=True)
class GANLoss:
    """One adversarial loss: what each phase minimizes and how the discriminator ends.

    Attributes:
        name: the `train.loss` value.
        discriminator_loss: (real_output [B, 1], fake_output [B, 1]) -> scalar; with
            `whole_batch`, (outputs on [fakes; reals] [2B, 1]) -> scalar.
        generator_loss: fake_output [B, 1] -> scalar.
        activation: the discriminator's last activation, "sigmoid" or None (logits or scores).
        label_noise: the discriminator loss takes `label_noise` ([2B, 1], see `train.label_noise`).
        gradient_penalty: the critic phase adds `train.gp_weight * gradient_penalty(...)`.
        reported: maps outputs to what `d_real` / `d_fake` record.
        output_label: what `d_real` / `d_fake` are, for plots.
        output_range: their range for a plot's axis, or None when unbounded.
        loss_label: what `d_loss` / `g_loss` are, for plots.
        whole_batch: `discriminator_loss` takes D's outputs on the batch [fakes; reals] in one tensor.
    """

    name: str
    discriminator_loss: Callable
    generator_loss: Callable
    activation: str | None
    label_noise: bool = False
    gradient_penalty: bool = False
    reported: Callable = _identity
    output_label: str = "mean D score (higher = real)"
    output_range: tuple[float, float] | None = None
    loss_label: str = "loss"
    whole_batch: bool = False

    def discriminator_value(self, outputs, batch_size, **extra):
        """The discriminator loss from D's outputs on the batch [fakes; reals], [2B, 1]."""
        if self.whole_batch:
            return self.discriminator_loss(outputs, **extra)
        return self.discriminator_loss(outputs[batch_size:], outputs[:batch_size], **extra)


LOSSES: dict[str, GANLoss] = {
    loss.name: loss
    for loss in (
        GANLoss(
            "reference", reference_discriminator_loss, reference_generator_loss, activation="sigmoid",
            label_noise=True, output_label="mean D output = P(fake)", output_range=(0.0, 1.0),
            loss_label="binary cross-entropy", whole_batch=True,
        ),
        GANLoss(
            "non_saturating", non_saturating_discriminator_loss, non_saturating_generator_loss, activation=None,
            reported=_p_fake_from_logit, output_label="mean P(fake) = sigmoid(-D)", output_range=(0.0, 1.0),
            loss_label="binary cross-entropy",
        ),
        GANLoss("hinge", hinge_discriminator_loss, hinge_generator_loss, activation=None, loss_label="hinge loss"),
        GANLoss(
            "wgan_gp", wasserstein_critic_loss, wasserstein_generator_loss, activation=None, gradient_penalty=True,
            output_label="mean critic score (higher = real)", loss_label="d: critic loss + penalty; g: -mean critic",
        ),
        GANLoss(
            "lsgan", least_squares_discriminator_loss, least_squares_generator_loss, activation=None,
            loss_label="least squares",
        ),
    )
}  # fmt: skip


def get_loss(name: str) -> GANLoss:
    """Returns the `GANLoss` called `name`.

    Raises:
        ValueError: no loss has that name (the message lists the names).
    """
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown GAN loss {name!r}; choose one of {', '.join(LOSSES)}") from None
