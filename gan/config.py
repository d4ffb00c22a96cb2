"""The GAN's configuration: frozen dataclasses whose defaults are the recommended DCGAN recipe.

`configs/gan/default.toml` repeats these defaults (so the file documents them); `configs/gan/seed.toml`
reproduces the reference notebook (the Keras DCGAN example, Fashion-MNIST variant) exactly.
Load either with `common.config.load_config(GANConfig, path, overrides)`.

Every key, with the section it lives in:

- `seed`, `strategy`: the run's random seed and `tf.distribute` strategy.
- `data.*`: which images to train on.
- `model.*`, `model.generator.*`, `model.discriminator.*`: the two networks (see `gan.models`).
- `train.*`: the loss (`gan.losses`), optimizers, batch size, epochs, critic steps, the gradient
  penalty, the label-noise trick, the generator EMA.
- `output.*`: sample grids, GIF, TensorBoard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


def _positive(name: str, value: float) -> None:
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")


def _in_unit_interval(name: str, value: float, closed_low: bool = True) -> None:
    low_ok = value >= 0 if closed_low else value > 0
    if not (low_ok and value < 1):
        bracket = "[" if closed_low else "("
        raise ValueError(f"{name} must be in {bracket}0, 1), got {value}")


@dataclass(frozen=True)
class DataConfig:
    """Training images.

    Attributes:
        dataset: "fashion_mnist", or a TFDS image data set TFDS has prepared (e.g. "mnist", "cifar10").
        data_dir: for Fashion-MNIST a folder with the four IDX `.gz` files; for TFDS its data_dir.
            Unset: Keras's cache, then /usr/share/datasets/fashion-mnist/ (see `gan.data`).
        limit: train on the first `limit` images only (quick runs and tests); unset: all.
    """

    dataset: str = "fashion_mnist"
    data_dir: str | None = None
    limit: int | None = None

    def __post_init__(self):
        if self.limit is not None:
            _positive("data.limit", self.limit)
        if not self.dataset:
            raise ValueError("data.dataset must name a data set, e.g. fashion_mnist")


@dataclass(frozen=True)
class GeneratorConfig:
    """The generator: Dense -> Reshape -> Conv2DTranspose blocks -> Conv2D to image channels.

    The Dense layer makes a [H / s, W / s, dense_channels] tensor, where s is the product of
    `strides`, so the same recipe fits 28x28 and 32x32 images.

    Attributes:
        dense_channels: channels of the first feature map (the reference: 64).
        filters: output channels of each Conv2DTranspose block.
        strides: stride (1 or 2) of each block; as many as `filters`.
        kernel_size: Conv2DTranspose kernel size.
        output_kernel_size: kernel size of the last Conv2D (image channels, output activation).
        norm: "batch" puts BatchNormalization after the Dense layer and every block (DCGAN,
            Radford et al. 2015); "none" is the reference notebook.
        activation: "leaky_relu" (reference) or "relu" (DCGAN paper's generator).
        leaky_slope: negative slope of LeakyReLU.
        upsample: how a stride-2 block doubles the size: "transpose" is a strided Conv2DTranspose
            (DCGAN); "resize" is UpSampling2D(2) then a stride-1 Conv2D (the keras.io WGAN-GP
            example; Odena et al. 2016 show it avoids checkerboard artefacts).
        output_stride: 2 doubles the size once more in the output layer (with `upsample`'s kind of
            layer); 1 (default) is a plain stride-1 Conv2D.
        output_norm: "batch" puts BatchNormalization between the output convolution (then without
            bias) and the output activation, as the keras.io WGAN-GP generator does; "none" (default).
        crop: pixels cropped from each side of the generator's output (Cropping2D): the network
            makes (H + 2 crop) x (W + 2 crop) images, e.g. 32x32 cropped to 28x28 (keras.io WGAN-GP).
    """

    dense_channels: int = 128
    filters: tuple[int, ...] = (64, 32)
    strides: tuple[int, ...] = (2, 2)
    kernel_size: int = 4
    output_kernel_size: int = 5
    norm: Literal["none", "batch"] = "batch"
    activation: Literal["leaky_relu", "relu"] = "relu"
    leaky_slope: float = 0.2
    upsample: Literal["transpose", "resize"] = "transpose"
    output_stride: int = 1
    output_norm: Literal["none", "batch"] = "none"
    crop: int = 0

    def __post_init__(self):
        _check_blocks("model.generator", self.filters, self.strides)
        if self.output_stride not in (1, 2):
            raise ValueError(f"model.generator.output_stride must be 1 or 2, got {self.output_stride}")
        if self.crop < 0:
            raise ValueError(f"model.generator.crop must be 0 or more pixels, got {self.crop}")
        _positive("model.generator.dense_channels", self.dense_channels)
        _positive("model.generator.kernel_size", self.kernel_size)
        _positive("model.generator.output_kernel_size", self.output_kernel_size)
        _in_unit_interval("model.generator.leaky_slope", self.leaky_slope)


@dataclass(frozen=True)
class DiscriminatorConfig:
    """The discriminator: Conv2D + LeakyReLU blocks -> Flatten -> Dropout -> Dense(1, sigmoid).

    Attributes:
        filters: output channels of each Conv2D block.
        strides: stride (1 or 2) of each block; as many as `filters`.
        kernel_size: Conv2D kernel size.
        leaky_slope: negative slope of LeakyReLU.
        dropout: rate of the Dropout before the last Dense layer.
        norm: "spectral" wraps every Conv2D and the Dense layer in SpectralNormalization
            (Miyato et al. 2018); "none" is the reference notebook.
        pad: zero pixels added on each side of the input image first (ZeroPadding2D), e.g. 28x28
            to 32x32 in the keras.io WGAN-GP critic; 0 (default) adds none.
        block_dropout: a Dropout rate after each block's activation, one per entry of `filters`
            (0 for none); empty (default): no dropout inside the blocks.

    The last layer is Dense(1); its activation follows `train.loss` (see `gan.losses`).
    """

    filters: tuple[int, ...] = (64, 128, 128)
    strides: tuple[int, ...] = (2, 2, 2)
    kernel_size: int = 4
    leaky_slope: float = 0.2
    dropout: float = 0.2
    norm: Literal["none", "spectral"] = "none"
    pad: int = 0
    block_dropout: tuple[float, ...] = ()

    def __post_init__(self):
        _check_blocks("model.discriminator", self.filters, self.strides)
        if self.pad < 0:
            raise ValueError(f"model.discriminator.pad must be 0 or more pixels, got {self.pad}")
        if self.block_dropout and len(self.block_dropout) != len(self.filters):
            raise ValueError(
                "model.discriminator.block_dropout must be empty or have one rate per layer in "
                f"model.discriminator.filters ({len(self.filters)}), got {list(self.block_dropout)}"
            )
        for rate in self.block_dropout:
            _in_unit_interval("every entry of model.discriminator.block_dropout", rate)
        _positive("model.discriminator.kernel_size", self.kernel_size)
        _in_unit_interval("model.discriminator.leaky_slope", self.leaky_slope)
        _in_unit_interval("model.discriminator.dropout", self.dropout)


def _check_blocks(section: str, filters: tuple[int, ...], strides: tuple[int, ...]) -> None:
    if not filters:
        raise ValueError(f"{section}.filters must list at least one layer width, got []")
    for f in filters:
        _positive(f"every entry of {section}.filters", f)
    if len(strides) != len(filters):
        raise ValueError(
            f"{section}.strides must have one entry per layer in {section}.filters "
            f"({len(filters)}), got {list(strides)}"
        )
    if any(s not in (1, 2) for s in strides):
        raise ValueError(f"{section}.strides entries must be 1 or 2, got {list(strides)}")


@dataclass(frozen=True)
class ModelConfig:
    """Both networks.

    Attributes:
        latent_dim: size of the generator's normal latent vector.
        output_activation: "sigmoid" trains on images scaled to [0, 1] (reference), "tanh" on
            [-1, 1] (DCGAN). The data pipeline follows this choice.
        conditional: a class-conditional GAN: the generator takes (latent, class label) and the
            discriminator judges (image, label) pairs (see `gan.models`); trains on labelled data.
        num_classes: the number of classes (labels 0 .. num_classes - 1) when `conditional`.
        embedding_dim: size of the generator's learned class embedding, joined to the latent vector.
        generator: see `GeneratorConfig`.
        discriminator: see `DiscriminatorConfig`.
    """

    latent_dim: int = 64
    output_activation: Literal["sigmoid", "tanh"] = "tanh"
    conditional: bool = False
    num_classes: int = 10
    embedding_dim: int = 16
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    discriminator: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)

    def __post_init__(self):
        _positive("model.latent_dim", self.latent_dim)
        if self.num_classes < 2:
            raise ValueError(f"model.num_classes must be at least 2, got {self.num_classes}")
        _positive("model.embedding_dim", self.embedding_dim)

    @property
    def value_range(self) -> tuple[float, float]:
        """The generator's output range, which the training images are scaled to."""
        return (0.0, 1.0) if self.output_activation == "sigmoid" else (-1.0, 1.0)


@dataclass(frozen=True)
class TrainConfig:
    """The training loop.

    Attributes:
        epochs: passes over the training images.
        batch_size: real images per step (the discriminator also sees as many fakes).
        d_learning_rate: Adam learning rate of the discriminator.
        g_learning_rate: Adam learning rate of the generator.
        beta_1: Adam's first-moment decay, both optimizers (reference: Keras's 0.9; DCGAN: 0.5).
        beta_2: Adam's second-moment decay, both optimizers.
        loss: the adversarial loss, one of `gan.losses.LOSSES`: "reference" (the notebook's binary
            cross-entropy on P(fake)), "non_saturating" (Goodfellow et al. 2014), "hinge" (Lim & Ye
            2017), "wgan_gp" (Gulrajani et al. 2017) or "lsgan" (Mao et al. 2017). The
            discriminator's last activation follows it (sigmoid only for "reference").
        critic_steps: discriminator (critic) updates per generator update, all on the step's batch
            of real images with fresh latent vectors (the keras.io WGAN-GP example's form).
        gp_weight: weight of the gradient penalty (the paper's lambda); used by "wgan_gp" only.
        gp_interpolation: where the penalty's points lie between a real image x and a fake x~:
            x + a (x~ - x) with a ~ U[0, 1] ("uniform", the paper) or a ~ N(0, 1) ("normal", what
            the keras.io WGAN-GP example draws). Used by "wgan_gp" only.
        drift_weight: weight of the drift penalty mean D(x)^2 on the real images' scores (Karras
            et al. 2018, who use 0.001 with WGAN-GP), which keeps a critic's scores near 0; 0 (default)
            adds none. Any loss takes it; it matters for "wgan_gp", whose loss does not see a constant
            added to every score.
        label_noise: the discriminator's labels (fake = 1, real = 0) get `label_noise * U[0, 1)`
            added, the reference's "important trick"; used by the "reference" loss only.
        training_mode: call the networks with `training=True` inside `train_step`, so Dropout and
            BatchNormalization run in training mode. The reference notebook calls them without
            the flag, which in Keras means inference mode: its Dropout(0.2) never fires.
        ema: decay of an exponential moving average of the generator's weights (Yazici et al.
            2019), which is what samples and `generator.keras` show; 0 turns it off. The decay
            warms up as min(ema, (1 + t) / (10 + t)) over the first generator steps t.
        precision: Keras's dtype policy for both networks: "float32", "mixed_bfloat16" (layers
            compute in bfloat16, variables stay float32; the output layers and the losses stay
            float32), or "auto" (default): mixed_bfloat16 on a CPU that computes bfloat16 in
            hardware (AVX512_BF16 or AMX), float32 elsewhere (`gan.precision`, with the
            measurements). A run saves the precision it used; `--resume` keeps it.
    """

    epochs: int = 10
    batch_size: int = 128
    d_learning_rate: float = 2e-4
    g_learning_rate: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    label_noise: float = 0.05
    training_mode: bool = True
    ema: float = 0.99
    loss: Literal["reference", "non_saturating", "hinge", "wgan_gp", "lsgan"] = "reference"
    critic_steps: int = 1
    gp_weight: float = 10.0
    gp_interpolation: Literal["uniform", "normal"] = "uniform"
    drift_weight: float = 0.0
    precision: Literal["auto", "float32", "mixed_bfloat16"] = "auto"

    def __post_init__(self):
        _positive("train.critic_steps", self.critic_steps)
        if self.gp_weight < 0:
            raise ValueError(f"train.gp_weight must be 0 or more, got {self.gp_weight}")
        if self.drift_weight < 0:
            raise ValueError(f"train.drift_weight must be 0 or more, got {self.drift_weight}")
        _positive("train.epochs", self.epochs)
        _positive("train.batch_size", self.batch_size)
        _positive("train.d_learning_rate", self.d_learning_rate)
        _positive("train.g_learning_rate", self.g_learning_rate)
        _in_unit_interval("train.beta_1", self.beta_1)
        _in_unit_interval("train.beta_2", self.beta_2)
        _in_unit_interval("train.ema", self.ema)
        if not 0 <= self.label_noise <= 0.5:
            raise ValueError(f"train.label_noise must be in [0, 0.5] (labels are 0 and 1), got {self.label_noise}")


@dataclass(frozen=True)
class OutputConfig:
    """What the run writes besides checkpoints and history.

    Attributes:
        sample_every: write `samples/epoch_NNN.png` every this many epochs (and after the last).
        samples: images per grid, from fixed latent vectors.
        sample_scale: each pixel becomes a `sample_scale` x `sample_scale` block in the grids.
        gif_frame_ms: how long each epoch's grid shows in `samples.gif`.
        tensorboard: also write TensorBoard logs to `tensorboard/`.
    """

    sample_every: int = 1
    samples: int = 64
    sample_scale: int = 2
    gif_frame_ms: int = 400
    tensorboard: bool = False

    def __post_init__(self):
        _positive("output.sample_every", self.sample_every)
        _positive("output.samples", self.samples)
        _positive("output.sample_scale", self.sample_scale)
        _positive("output.gif_frame_ms", self.gif_frame_ms)


@dataclass(frozen=True)
class GANConfig:
    """Everything a GAN training run depends on; `config.toml` in each run directory is this.

    Attributes:
        seed: seeds weights, data order, latent vectors and label noise; the same seed on the
            same machine gives the same losses.
        strategy: "default" (one device), "mirrored" (`tf.distribute.MirroredStrategy` over
            every visible device; losses are scaled by the global batch size) or "multi_worker"
            (`tf.distribute.MultiWorkerMirroredStrategy`, the cluster from `TF_CONFIG`; see
            `gan.distribute`).
    """

    seed: int = 0
    strategy: Literal["default", "mirrored", "multi_worker"] = "default"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    output: OutputConfig = field(default_factory=OutputConfig)

    def __post_init__(self):
        if not 0 <= self.seed < 2**31:
            raise ValueError(f"seed must be in [0, 2**31), got {self.seed}")
