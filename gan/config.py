"""The GAN's configuration: frozen dataclasses whose defaults are the recommended DCGAN recipe.

`configs/gan/default.toml` repeats these defaults (so the file documents them); `configs/gan/seed.toml`
reproduces the reference notebook (the Keras DCGAN example, Fashion-MNIST variant) exactly.
Load either with `common.config.load_config(GANConfig, path, overrides)`.

Every key, with the section it lives in:

- `seed`, `strategy`: the run's random seed and `tf.distribute` strategy.
- `data.*`: which images to train on.
- `model.*`, `model.generator.*`, `model.discriminator.*`: the two networks (see `gan.models`).
- `train.*`: optimizers, batch size, epochs, the label-noise trick, the generator EMA.
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
    """

    dense_channels: int = 128
    filters: tuple[int, ...] = (64, 32)
    strides: tuple[int, ...] = (2, 2)
    kernel_size: int = 4
    output_kernel_size: int = 5
    norm: Literal["none", "batch"] = "batch"
    activation: Literal["leaky_relu", "relu"] = "relu"
    leaky_slope: float = 0.2

    def __post_init__(self):
        _check_blocks("model.generator", self.filters, self.strides)
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
    """

    filters: tuple[int, ...] = (64, 128, 128)
    strides: tuple[int, ...] = (2, 2, 2)
    kernel_size: int = 4
    leaky_slope: float = 0.2
    dropout: float = 0.2
    norm: Literal["none", "spectral"] = "none"

    def __post_init__(self):
        _check_blocks("model.discriminator", self.filters, self.strides)
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
        generator: see `GeneratorConfig`.
        discriminator: see `DiscriminatorConfig`.
    """

    latent_dim: int = 64
    output_activation: Literal["sigmoid", "tanh"] = "tanh"
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    discriminator: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)

    def __post_init__(self):
        _positive("model.latent_dim", self.latent_dim)

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
        label_noise: the discriminator's labels (fake = 1, real = 0) get `label_noise * U[0, 1)`
            added, the reference's "important trick".
        training_mode: call the networks with `training=True` inside `train_step`, so Dropout and
            BatchNormalization run in training mode. The reference notebook calls them without
            the flag, which in Keras means inference mode: its Dropout(0.2) never fires.
        ema: decay of an exponential moving average of the generator's weights (Yazici et al.
            2019), which is what samples and `generator.keras` show; 0 turns it off. The decay
            warms up as min(ema, (1 + t) / (10 + t)) over the first generator steps t.
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

    def __post_init__(self):
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
        strategy: "default" (one device) or "mirrored" (`tf.distribute.MirroredStrategy` over
            every visible device; losses are scaled by the global batch size).
    """

    seed: int = 0
    strategy: Literal["default", "mirrored"] = "default"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    output: OutputConfig = field(default_factory=OutputConfig)

    def __post_init__(self):
        if not 0 <= self.seed < 2**31:
            raise ValueError(f"seed must be in [0, 2**31), got {self.seed}")
