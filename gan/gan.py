"""`GAN`: a `keras.Model` whose `train_step` does discriminator (critic) updates, then one generator update.

The algorithm is Goodfellow et al., "Generative Adversarial Nets" (2014); the loss each phase
minimizes is `train.loss`, one of `gan.losses.LOSSES`. With the default "reference" loss it is the
form of Keras's DCGAN example that the reference notebook uses:

1. Discriminator phase (`discriminator_step`, `critic_steps` times): draw z, make fakes G(z) (no
   gradient to G), and take one optimizer step on D's weights for the loss of D on the batch
   [fakes; reals]. The reference loss labels fakes 1 and reals 0 plus `label_noise * U[0, 1)`;
   "wgan_gp" adds `gp_weight` times the gradient penalty on random interpolates, and `drift_weight` > 0
   adds that times the drift penalty mean D(x)^2 (Karras et al. 2018).
2. Generator phase (`generator_step`): draw a fresh z and take one optimizer step on G's weights
   for the generator loss of D(G(z)); D's weights are not touched.

With the reference loss the discriminator outputs P(fake): a perfect D scores 0 on real images
and 1 on fakes, and the `d_real` / `d_fake` metrics are its mean outputs on each (for the other
losses, see `GANLoss.reported`). A conditional GAN (`model.conditional`) trains on (images,
labels) batches; its fakes are made for the batch's labels and D judges (image, label) pairs.
`train_step` uses `tf.GradientTape`, so this class needs the TensorFlow backend.

Distribution: under `tf.distribute.MirroredStrategy` (or `MultiWorkerMirroredStrategy`, where the
replicas are spread over machines; see `gan.distribute`) each replica sees a slice of the global
batch. A Keras loss with the default "sum_over_batch_size" reduction divides by the replica's
examples and by the number of replicas, i.e. each replica's loss is its sum over the GLOBAL batch;
the optimizer sums the replicas' gradients, which is then the gradient of the global mean. The
metric trackers get the unscaled per-replica mean and average it over replicas.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from gan.losses import GANLoss, drift_penalty, get_loss, gradient_penalty

# Replica r draws from seed (s + r * _REPLICA_SEED_STRIDE, counter): distinct streams, see _draw_seed.
_REPLICA_SEED_STRIDE = 1_000_003
# Epoch e restarts the seed generator's counter at e * _EPOCH_SEED_STRIDE (a few draws per step,
# far fewer than 2**20 steps per epoch), so a resumed epoch draws what it would have drawn.
_EPOCH_SEED_STRIDE = 2**20


class GAN(keras.Model):
    """A generator and a discriminator trained against each other by `fit`.

    Args:
        generator: maps latent [B, latent_dim] to images [B, H, W, C]; a conditional generator
            maps [latent, labels [B]] to images.
        discriminator: maps images [B, H, W, C] (conditional: [images, labels [B]]) to its
            output [B, 1] (P(fake) for the reference loss; see `gan.losses`).
        label_noise: scale of the U[0, 1) noise added to the discriminator's labels (reference loss).
        training_mode: call both networks with `training=True` in `train_step` (Dropout and
            BatchNormalization in training mode). False reproduces the reference notebook, which
            calls them without the flag.
        ema: decay of an exponential moving average of the generator's variables kept in
            `ema_generator` (what `sampler` returns); 0 keeps none.
        seed: seed of the model's `keras.random.SeedGenerator`, which draws every latent vector,
            the label noise and the gradient penalty's interpolation weights.
        critic_steps: discriminator updates per generator update (on the same real batch).
        gp_weight: weight of the gradient penalty, for losses that have one ("wgan_gp").
        gp_interpolation: "uniform" (alpha ~ U[0, 1], Gulrajani et al.) or "normal" (alpha ~ N(0, 1),
            the keras.io WGAN-GP example) for the penalty's interpolates.
        drift_weight: weight of `gan.losses.drift_penalty` on the real images' scores (0: none).
        **kwargs: passed to `keras.Model` (e.g. `name`).
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        label_noise: float = 0.05,
        training_mode: bool = True,
        ema: float = 0.0,
        seed: int = 0,
        critic_steps: int = 1,
        gp_weight: float = 10.0,
        gp_interpolation: str = "uniform",
        drift_weight: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if critic_steps < 1:
            raise ValueError(f"critic_steps must be at least 1, got {critic_steps}")
        if gp_interpolation not in ("uniform", "normal"):
            raise ValueError(f"gp_interpolation must be 'uniform' or 'normal', got {gp_interpolation!r}")
        self.generator = generator
        self.discriminator = discriminator
        self.conditional = len(generator.inputs) == 2  # [latent, labels]
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.critic_steps = int(critic_steps)
        self.gp_weight = float(gp_weight)
        self.gp_interpolation = gp_interpolation
        self.drift_weight = float(drift_weight)
        self.label_noise = float(label_noise)
        self.training_mode = bool(training_mode)
        self.ema = float(ema)
        self.base_seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(seed)
        if self.ema > 0:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
        else:
            self.ema_generator = None
        # Finished epochs, saved with the weights so one checkpoint file says where to resume.
        self.epochs_done = self.add_weight(
            shape=(), initializer="zeros", dtype="int64", trainable=False, name="epochs_done"
        )
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.built = True  # both networks are built; nothing to infer from data

    def compile(self, d_optimizer, g_optimizer, loss_fn: str | GANLoss = "reference", **kwargs):
        """Configures training.

        Args:
            d_optimizer: the discriminator's `keras.optimizers.Optimizer`.
            g_optimizer: the generator's optimizer (a different instance).
            loss_fn: the adversarial loss, a name in `gan.losses.LOSSES` or a `GANLoss`. The
                discriminator's last activation must be the one the loss expects (see `build_gan`).
            **kwargs: passed to `keras.Model.compile` (e.g. `run_eagerly`, `jit_compile`).

        Raises:
            ValueError: the optimizers are one instance, or the loss is unknown.
        """
        super().compile(optimizer=None, **kwargs)
        if d_optimizer is g_optimizer:
            raise ValueError("d_optimizer and g_optimizer must be different optimizer instances")
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn if isinstance(loss_fn, GANLoss) else get_loss(loss_fn)

    @property
    def metrics(self):
        """The trackers `fit` resets each epoch and reports: d_loss, g_loss, d_real, d_fake."""
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    @property
    def sampler(self) -> keras.Model:
        """The generator to show and save: the EMA copy if there is one, else the generator."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def call(self, latent, training=False):
        """Generates images [B, H, W, C] from latent vectors [B, latent_dim] (conditional: [latent, labels])."""
        return self.sampler(latent, training=training)

    def build_optimizers(self) -> None:
        """Creates both optimizers' variables, so `load_weights` can restore their state."""
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def reseed(self, epoch: int) -> None:
        """Restarts the seed generator at a point that depends only on the seed and `epoch`.

        Called at the start of every epoch, so a run resumed at epoch e draws the same latent
        vectors and label noise in epoch e as an uninterrupted run does.
        """
        self.seed_generator.state.assign(np.array([self.base_seed, epoch * _EPOCH_SEED_STRIDE], "int64"))

    # --- one training step -------------------------------------------------------------------

    def train_step(self, data):
        """`critic_steps` discriminator updates, then one generator update, on a batch [B, H, W, C].

        `data` is the batch of real images, or a tuple (images,) or (images, labels [B]); a
        conditional GAN needs the labels.
        """
        real_images, labels = self._unpack(data)
        batch_size = tf.shape(real_images)[0]
        for _ in range(self.critic_steps):  # a Python loop: unrolled when traced
            d_loss, d_real, d_fake = self.discriminator_step(real_images, labels)
        g_loss = self.generator_step(batch_size, labels)
        if self.ema_generator is not None:
            self._update_ema()
        # Per-replica means; Mean trackers average them over replicas.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        self.d_loss_tracker.update_state(d_loss * replicas)
        self.g_loss_tracker.update_state(g_loss * replicas)
        self.d_real_tracker.update_state(d_real)
        self.d_fake_tracker.update_state(d_fake)
        logs = {m.name: m.result() for m in self.metrics}
        if _multi_worker(tf.distribute.get_strategy()):
            # Keras 3 averages each log over the workers with strategy.reduce("MEAN", v, axis=0),
            # which fails on a scalar ("Invalid reduction dimension 0", tensorflow#72388): give it a
            # [1] axis to reduce; the logs fit sees are scalars again.
            logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
        return logs

    def discriminator_step(self, real_images, labels=None):
        """Updates D once; returns (loss, mean reported D output on reals, on fakes).

        Args:
            real_images: [B, H, W, C].
            labels: [B] int class labels (conditional GAN only): the fakes are made for them.
        """
        batch_size = tf.shape(real_images)[0]
        loss = self.loss_fn
        latent = self.sample_latent(batch_size)
        fakes = self._generate(latent, labels)  # [B, H, W, C], no tape: G is fixed here
        real_images = tf.cast(real_images, fakes.dtype)
        combined = tf.concat([fakes, real_images], axis=0)  # [2B, H, W, C]
        both_labels = None if labels is None else tf.concat([labels, labels], axis=0)
        extra = {}
        if loss.label_noise:  # the reference's noisy labels, drawn as the notebook does
            extra["label_noise"] = self.label_noise * tf.random.stateless_uniform(
                (2 * batch_size, 1), seed=self._draw_seed()
            )
        alpha = self._interpolation_weights(batch_size) if loss.gradient_penalty else None
        with tf.GradientTape() as tape:
            outputs = self._judge(combined, both_labels)  # [2B, 1]
            fake_output, real_output = outputs[:batch_size], outputs[batch_size:]
            d_loss = loss.discriminator_value(outputs, batch_size, **extra)
            if alpha is not None:
                critic = lambda images: self._judge(images, labels)
                d_loss += self.gp_weight * gradient_penalty(critic, real_images, fakes, alpha)
            if self.drift_weight > 0:
                d_loss += self.drift_weight * drift_penalty(real_output)
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
        d_real = tf.reduce_mean(loss.reported(real_output))
        d_fake = tf.reduce_mean(loss.reported(fake_output))
        return d_loss, d_real, d_fake

    def generator_step(self, batch_size, labels=None):
        """Updates G once on `batch_size` fresh latent vectors (for `labels`, if conditional); returns its loss."""
        latent = self.sample_latent(batch_size)
        with tf.GradientTape() as tape:
            fake_output = self._judge(self._generate(latent, labels), labels)  # [B, 1]
            g_loss = self.loss_fn.generator_loss(fake_output)
        weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
        return g_loss

    def sample_latent(self, batch_size):
        """Draws latent vectors [batch_size, latent_dim] ~ N(0, 1) from the model's seed generator."""
        return tf.random.stateless_normal((batch_size, self.latent_dim), seed=self._draw_seed())

    def _unpack(self, data):
        """(real images, labels or None) from a batch; labels only for a conditional GAN."""
        images, labels = data, None
        if isinstance(data, (tuple, list)):  # (images,) or (images, labels) from a dataset
            images = data[0]
            labels = data[1] if len(data) > 1 else None
        if not self.conditional:
            return images, None
        if labels is None:
            raise ValueError("a conditional GAN trains on (images, labels) batches; the data has no labels")
        return images, tf.cast(labels, "int32")

    def _generate(self, latent, labels):
        """G(z) or, conditional, G(z, y): images [B, H, W, C]."""
        inputs = latent if labels is None else [latent, labels]
        return self.generator(inputs, training=self._training)

    def _judge(self, images, labels):
        """D(x) or, conditional, D(x, y): [B, 1]."""
        inputs = images if labels is None else [images, labels]
        return self.discriminator(inputs, training=self._training)

    def _interpolation_weights(self, batch_size):
        """The gradient penalty's alpha [B, 1, 1, 1], U[0, 1] or N(0, 1) (see `gp_interpolation`)."""
        draw = tf.random.stateless_uniform if self.gp_interpolation == "uniform" else tf.random.stateless_normal
        return draw((batch_size, 1, 1, 1), seed=self._draw_seed())

    @property
    def _training(self):
        # None (not False) reproduces a call without the flag exactly.
        return True if self.training_mode else None

    def _draw_seed(self):
        """Returns the next int32 [2] seed; each replica of a distribution strategy gets its own."""
        seed = self.seed_generator.next()  # [seed, counter], the same on every replica
        replica = tf.distribute.get_replica_context()
        if replica is not None and replica.num_replicas_in_sync > 1:
            # Without this, every replica would draw the same latent vectors.
            offset = tf.cast(replica.replica_id_in_sync_group, seed.dtype) * _REPLICA_SEED_STRIDE
            seed = seed + tf.stack([offset, tf.zeros_like(offset)])
        # tf.random.stateless_* want int32 seeds; Keras maps its int64 state the same way.
        return tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)

    def _update_ema(self):
        """ema_var <- d * ema_var + (1 - d) * var, for every generator variable.

        d = min(ema, (1 + t) / (10 + t)) after t generator steps: the warm-up of TensorFlow's
        `ExponentialMovingAverage(num_updates=t)`, so the average forgets the random initial
        weights within the first epoch instead of being dominated by them for ~1 / (1 - ema) steps.
        Done through `merge_call` + `extended.update`, as Keras's optimizers update variables,
        so it is right under a distribution strategy (each device's copy updated once).
        """
        t = tf.cast(self.g_optimizer.iterations, tf.float32)
        decay = tf.minimum(self.ema, (1.0 + t) / (10.0 + t))
        pairs = [(e.value, v.value) for e, v in zip(self.ema_generator.variables, self.generator.variables)]

        def update(strategy, pairs):
            for ema_var, var in pairs:
                strategy.extended.update(
                    ema_var, lambda e, v: e.assign(decay * e + (1.0 - decay) * v), args=(var,), group=False
                )

        tf.distribute.get_replica_context().merge_call(update, args=(pairs,))


def _multi_worker(strategy) -> bool:
    """Whether `strategy` spans several workers (the test Keras's `reduce_per_replica` makes)."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return False
    in_multi_worker_mode = getattr(strategy.extended, "_in_multi_worker_mode", None)
    return bool(in_multi_worker_mode and in_multi_worker_mode())
