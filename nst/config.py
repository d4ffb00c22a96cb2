"""`NSTConfig`: every setting of a style transfer run, as frozen dataclasses.

The defaults here are `configs/nst/default.toml` (a test checks they agree); a TOML file passed
with `--config` sits over them, `--set section.key=value` over that, typed flags on top
(`common.config.load_config`). `configs/nst/kerasio.toml` reproduces the keras.io example.

Sections:
    [image]      sizes and coarse-to-fine scales, style scale and blend, colour preservation
    [loss]       layers, weights, pooling, loss scale (normalized or keras.io)
    [optimizer]  L-BFGS / Adam / SGD, iterations per scale, step sizes
    [init]       where the optimization starts
    [output]     how often frames and resumable state are saved
"""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

from nst.vgg import check_layers

GATYS_STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
"""The style layers of Gatys et al. (2015), conv1 of each block; also `compare.nst_metrics`'s."""
GATYS_CONTENT_LAYER = "block4_conv2"
"""The content layer of Gatys et al. (2015); also `compare.nst_metrics`'s."""


@dataclasses.dataclass(frozen=True)
class ImageConfig:
    """Sizes, scales and what is done to the input images.

    Attributes:
        size: the output's long side in pixels (or its height, see `size_of`).
        size_of: `"long_side"`, or `"height"` (the keras.io example fixes the number of rows).
        num_scales: coarse-to-fine scales; scale k of n has size `size / scale_ratio**(n-1-k)`.
        scale_ratio: size ratio of consecutive scales (2, or sqrt(2) = 1.4142 for gentler steps).
        min_scale_size: coarser scales whose long side would fall below this are skipped.
        style_scale: the style image's long side relative to the output's (larger values transfer
            larger brush strokes).
        coarse_style: where the coarser scales' style targets come from. `"final"`: the style image
            at the size the last scale uses (style_scale x the output size) at every scale;
            `"shrink"`: shrunk with each scale (style_scale x that scale's size), as before issue 14,
            which copies more objects of the style image into the result (see `nst.plan`).
        shrink_style_layers: style layers whose coarser scales' targets come from the style image
            shrunk with each scale whatever `coarse_style` says; the other layers follow
            `coarse_style`. With `"final"` and the shallow layers listed (blocks 1-3, as
            `configs/nst/no_objects.toml`), those keep the painting's middle-sized structure at the
            coarse scales while the deep layers, which would copy its objects from a thumbnail, do
            not see one (see `nst.plan`). Every name must be one of `loss.style_layers`.
        style_blend_weights: one weight per style image (normalized to sum 1); empty = equal.
        preserve_colors: `"none"`; `"luminance"`: transfer on luminance only and keep the content's
            chroma (YIQ), Gatys et al. 2016 "Preserving color in neural artistic style transfer";
            `"histogram"`: match the style images' colour mean and covariance to the content's first.
    """

    size: int = 512
    size_of: Literal["long_side", "height"] = "long_side"
    num_scales: int = 3
    scale_ratio: float = 2.0
    min_scale_size: int = 64
    style_scale: float = 1.0
    coarse_style: Literal["final", "shrink"] = "final"
    shrink_style_layers: tuple[str, ...] = ()
    style_blend_weights: tuple[float, ...] = ()
    preserve_colors: Literal["none", "luminance", "histogram"] = "none"

    def __post_init__(self):
        if self.size < 16:
            raise ValueError(f"image.size must be at least 16 pixels (VGG19's deepest pooling), got {self.size}")
        if self.num_scales < 1:
            raise ValueError(f"image.num_scales must be at least 1, got {self.num_scales}")
        if not self.scale_ratio > 1.0:
            raise ValueError(f"image.scale_ratio must be greater than 1, got {self.scale_ratio}")
        if self.min_scale_size < 16:
            raise ValueError(f"image.min_scale_size must be at least 16, got {self.min_scale_size}")
        if not (0.05 <= self.style_scale <= 8.0):
            raise ValueError(f"image.style_scale must be between 0.05 and 8, got {self.style_scale}")
        if any(not (w >= 0.0 and math.isfinite(w)) for w in self.style_blend_weights) or (
            self.style_blend_weights and sum(self.style_blend_weights) <= 0
        ):
            raise ValueError(
                f"image.style_blend_weights must be non-negative with a positive sum, got {self.style_blend_weights}"
            )


@dataclasses.dataclass(frozen=True)
class LossConfig:
    """Which VGG19 layers count, how much, and on which scale (see `nst.losses`).

    Attributes:
        content_layers: `{layer: weight}` for the content loss (Gatys: `block4_conv2`).
        style_layers: `{layer: weight}` for the style loss (Gatys: conv1_1..conv5_1, 1/5 each).
        content_weight, style_weight, tv_weight: the weights of the three terms of the total.
        tv_exponent: power of (dx^2 + dy^2) in the TV loss (1: squared gradient; keras.io: 1.25).
        pooling: `"avg"` (Gatys et al.) or `"max"` (VGG19 as trained; keras.io).
        normalize: size-independent losses (true) or the keras.io example's sums (false), whose
            weights only suit the one size they were tuned at.
        balance: divide each layer's content loss by the mean squared target feature and each
            layer's style loss by its value for an all-zero image (sum A^2 / 4), so that every layer
            starts near 1 and the layer weights mean what they say. Gatys et al. got the same effect
            by rescaling VGG's weights to unit mean activation; Keras's VGG19 is not rescaled, and
            without this `block4_conv1` outweighs `block1_conv1` by about 1e6. Only with `normalize`.
    """

    content_layers: dict[str, float] = dataclasses.field(default_factory=lambda: {GATYS_CONTENT_LAYER: 1.0})
    style_layers: dict[str, float] = dataclasses.field(
        default_factory=lambda: {name: 0.2 for name in GATYS_STYLE_LAYERS}
    )
    content_weight: float = 1.0
    style_weight: float = 10.0
    tv_weight: float = 1e-4
    tv_exponent: float = 1.0
    pooling: Literal["max", "avg"] = "avg"
    normalize: bool = True
    balance: bool = True

    def __post_init__(self):
        check_layers(list(self.content_layers) + list(self.style_layers))
        for name in ("content_weight", "style_weight", "tv_weight"):
            value = getattr(self, name)
            if not (value >= 0.0 and math.isfinite(value)):
                raise ValueError(f"loss.{name} must be a non-negative number, got {value}")
        for table in ("content_layers", "style_layers"):
            for layer, weight in getattr(self, table).items():
                if not (weight >= 0.0 and math.isfinite(weight)):
                    raise ValueError(f"loss.{table}.{layer} must be a non-negative number, got {weight}")
        if not self.tv_exponent >= 1.0:
            raise ValueError(
                f"loss.tv_exponent must be at least 1 (its gradient is infinite at 0 below 1), got {self.tv_exponent}"
            )
        if self.balance and not self.normalize:
            raise ValueError("loss.balance needs loss.normalize = true (the keras.io scale is not balanced)")

    @property
    def layers(self) -> tuple[str, ...]:
        """Every layer a loss needs, content layers first, without repeats."""
        return tuple(dict.fromkeys([*self.content_layers, *self.style_layers]))


@dataclasses.dataclass(frozen=True)
class OptimizerConfig:
    """How the pixels are optimized.

    Attributes:
        name: `"lbfgs"` (scipy L-BFGS-B with the pixel box [0, 255] as bounds), `"adam"`, `"sgd"`.
        iterations: iterations per scale, coarsest first; one value means the same at every scale.
            When fewer scales are used (small `image.size`), the finest entries are used.
        learning_rate: Adam/SGD step size. Adam: about the change of a pixel value ([0, 255]) per
            step. SGD with normalized losses: applied to the gradient of the loss summed over pixels
            (so it does not depend on the image size); with keras.io losses: to the raw gradient.
        decay_rate, decay_steps: exponential decay lr * decay_rate ** (step / decay_steps)
            (Adam and SGD; keras.io: 0.96 every 100 steps). decay_rate 1 disables it.
        beta_1, beta_2, epsilon: Adam's.
        lbfgs_memory: L-BFGS history size (scipy's `maxcor`).
        clip: clip the pixels to [0, 255] after each Adam/SGD step (L-BFGS-B keeps them in the box).
    """

    name: Literal["lbfgs", "adam", "sgd"] = "lbfgs"
    iterations: tuple[int, ...] = (100, 80, 40)
    learning_rate: float = 2.0
    decay_rate: float = 1.0
    decay_steps: int = 100
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    lbfgs_memory: int = 10
    clip: bool = True

    def __post_init__(self):
        if not self.iterations or any(n < 1 for n in self.iterations):
            raise ValueError(f"optimizer.iterations must be positive integers, got {list(self.iterations)}")
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            raise ValueError(f"optimizer.learning_rate must be positive, got {self.learning_rate}")
        if not (0 < self.decay_rate <= 1):
            raise ValueError(f"optimizer.decay_rate must be in (0, 1], got {self.decay_rate}")
        if self.decay_steps < 1:
            raise ValueError(f"optimizer.decay_steps must be positive, got {self.decay_steps}")
        if not (0.0 <= self.beta_1 < 1.0 and 0.0 <= self.beta_2 < 1.0):
            raise ValueError(f"optimizer.beta_1 and beta_2 must be in [0, 1), got {self.beta_1}, {self.beta_2}")
        if not (self.epsilon > 0 and math.isfinite(self.epsilon)):
            raise ValueError(f"optimizer.epsilon must be positive, got {self.epsilon}")
        if self.lbfgs_memory < 1:
            raise ValueError(f"optimizer.lbfgs_memory must be positive, got {self.lbfgs_memory}")


@dataclasses.dataclass(frozen=True)
class InitConfig:
    """Where the optimization starts (at the coarsest scale; finer scales start from the upsampled result).

    Attributes:
        kind: `"content"`, `"noise"` (uniform in [0, 255], as Gatys's white noise), `"mixed"`
            ((1 - noise_ratio) * content + noise_ratio * noise) or `"style"` (the first style image
            resized to the output's shape).
        noise_ratio: the noise share for `"mixed"`.
    """

    kind: Literal["content", "noise", "mixed", "style"] = "content"
    noise_ratio: float = 0.3

    def __post_init__(self):
        if not (0.0 <= self.noise_ratio <= 1.0):
            raise ValueError(f"init.noise_ratio must be between 0 and 1, got {self.noise_ratio}")


@dataclasses.dataclass(frozen=True)
class OutputConfig:
    """What the loop hands the caller besides losses.

    Attributes:
        save_every: every K iterations (and at the end of each scale) a record carries the image
            and the resumable state; the CLI saves a frame and `state.npz` then.
    """

    save_every: int = 25

    def __post_init__(self):
        if self.save_every < 1:
            raise ValueError(f"output.save_every must be a positive integer, got {self.save_every}")


@dataclasses.dataclass(frozen=True)
class NSTConfig:
    """A whole style transfer run.

    Attributes:
        seed: seeds the noise init and random VGG19 weights (`weights = "none"`).
        weights: `--weights`: a path, `"none"` (random), `"imagenet"`; unset = `NST_VGG19_WEIGHTS`,
            then Keras's imagenet (see `nst.weights`).
    """

    seed: int = 0
    weights: str | None = None
    image: ImageConfig = ImageConfig()
    loss: LossConfig = LossConfig()
    optimizer: OptimizerConfig = OptimizerConfig()
    init: InitConfig = InitConfig()
    output: OutputConfig = OutputConfig()

    def __post_init__(self):
        unknown = [k for k in self.image.shrink_style_layers if k not in self.loss.style_layers]
        if unknown:
            raise ValueError(
                f"image.shrink_style_layers names {', '.join(unknown)}, which loss.style_layers does not have "
                f"({', '.join(self.loss.style_layers)})"
            )
