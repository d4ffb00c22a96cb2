"""A frozen VGG19 feature extractor that returns named layers, cut after the deepest one needed.

Gatys, Ecker and Bethge (2015) describe images by the responses of VGG19's convolution layers:
content by `conv4_2` (Keras: `block4_conv2`), style by the Gram matrices of `conv1_1` ... `conv5_1`
(`block1_conv1` ... `block5_conv1`). Only the layers up to the deepest requested one are kept, so a
step never pays for `block5_conv2` ... `block5_pool`.

Gatys et al. replaced max pooling by average pooling ("improves the gradient flow and one obtains
slightly more appealing results"); `pooling="avg"` rebuilds the network with `AveragePooling2D`
layers while sharing the very same convolution layers (and so the weights already loaded).

The network is fully convolutional, so one extractor serves every image size (input shape
[batch, None, None, 3]). Input is VGG19's caffe convention: `nst.images.preprocess` of RGB pixels.
Each convolution back-propagates to its input through a forward convolution with the rotated
kernel, exactly the same gradient but faster on CPUs than TensorFlow's own (`nst.frozen_conv`).

Example:
    >>> vgg = load_vgg19(resolve_weights())
    >>> extractor = FeatureExtractor(vgg, ["block4_conv2", "block1_conv1"], pooling="avg")
    >>> features = extractor(preprocess(image)[None])  # {"block4_conv2": [1, H/8, W/8, 512], ...}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from common.errors import ConfigError

VGG19_LAYERS = (
    "block1_conv1", "block1_conv2", "block1_pool",
    "block2_conv1", "block2_conv2", "block2_pool",
    "block3_conv1", "block3_conv2", "block3_conv3", "block3_conv4", "block3_pool",
    "block4_conv1", "block4_conv2", "block4_conv3", "block4_conv4", "block4_pool",
    "block5_conv1", "block5_conv2", "block5_conv3", "block5_conv4", "block5_pool",
)  # fmt: skip
"""Every layer of `keras.applications.VGG19(include_top=False)` after its input, in order."""


def check_layers(layers: Sequence[str]) -> tuple[str, ...]:
    """Returns `layers` as a tuple, or raises ConfigError naming the unknown ones and the valid names."""
    layers = tuple(layers)
    unknown = [name for name in layers if name not in VGG19_LAYERS]
    if unknown:
        raise ConfigError(
            f"unknown VGG19 layer name(s) {', '.join(map(repr, unknown))}; valid names: {', '.join(VGG19_LAYERS)}"
        )
    if not layers:
        raise ConfigError(f"no VGG19 layers requested; valid names: {', '.join(VGG19_LAYERS)}")
    return layers


_BLOCK_CHANNELS = {"block1": 64, "block2": 128, "block3": 256, "block4": 512, "block5": 512}


def activation_values(shape: tuple[int, int], layers: Sequence[str]) -> int:
    """How many float32 values the outputs of the cut network's layers hold for one image.

    Args:
        shape: (height, width) of the image.
        layers: the requested layers; the network runs up to the deepest one.

    Returns:
        The sum over every layer up to the deepest requested one of h * w * channels (h, w halved
        at each pooling), e.g. 63 million for 512x384 up to `block5_conv1`.
    """
    deepest = max(VGG19_LAYERS.index(name) for name in check_layers(layers))
    height, width = shape
    total = 0
    for name in VGG19_LAYERS[: deepest + 1]:
        if name.endswith("_pool"):
            height, width = height // 2, width // 2
        total += height * width * _BLOCK_CHANNELS[name.split("_")[0]]
    return total


def min_side(layers: Sequence[str]) -> int:
    """The smallest image side (pixels) that still gives every layer at least 1x1 positions: 2**poolings."""
    deepest = max(VGG19_LAYERS.index(name) for name in check_layers(layers))
    poolings = sum(1 for name in VGG19_LAYERS[: deepest + 1] if name.endswith("_pool"))
    return 2**poolings


class FeatureExtractor:
    """VGG19 cut after the deepest requested layer; calling it returns `{layer name: features}`.

    Attributes:
        layers: the requested layer names, in the order given.
        pooling: `"max"` (VGG19 as trained) or `"avg"` (as Gatys et al.).
        model: the cut `keras.Model`, frozen; input [B, H, W, 3] preprocessed, output a dict of
            [B, h, w, C] tensors (h = H / 2**poolings before that layer, rounded down).
        min_side: the smallest input side for which the deepest layer has at least 1x1 positions.
        conv_layers: the (name, kernel shape) of every convolution the cut network runs, for FLOP counts.
    """

    def __init__(self, vgg, layers: Sequence[str], pooling: Literal["max", "avg"] = "max"):
        """Builds the extractor from a loaded VGG19.

        Args:
            vgg: `nst.weights.load_vgg19(...)` (any `keras.applications.VGG19(include_top=False)`).
            layers: layer names from `VGG19_LAYERS`, e.g. `["block4_conv2", "block1_conv1"]`.
            pooling: `"max"` or `"avg"`.

        Raises:
            ConfigError: an unknown layer name or pooling kind.
        """
        import keras

        from nst.frozen_conv import FrozenConv  # imports TensorFlow, so not at the top of this module

        self.layers = check_layers(layers)
        if pooling not in ("max", "avg"):
            raise ConfigError(f"pooling must be 'max' or 'avg', got {pooling!r}")
        self.pooling = pooling
        self.min_side = min_side(self.layers)
        deepest = max(VGG19_LAYERS.index(name) for name in self.layers)
        keep = set(VGG19_LAYERS[: deepest + 1])

        inputs = keras.Input(shape=(None, None, 3), name="vgg19_input")
        x = inputs
        outputs = {}
        conv_layers = []
        for layer in vgg.layers:
            if layer.name not in keep:
                continue
            if layer.name.endswith("_pool") and pooling == "avg":
                # Same 2x2 window and stride as VGG19's max pooling (Gatys et al., section 2).
                x = keras.layers.AveragePooling2D(pool_size=2, strides=2, name=layer.name.replace("pool", "avgpool"))(x)
            elif _is_same_conv(layer):
                x = FrozenConv(layer)(x)  # the loaded layer's own weights, not a copy
            else:
                x = layer(x)  # the loaded layer itself: weights are shared, not copied or reloaded
            if layer.name.endswith(tuple(f"conv{i}" for i in range(1, 5))):
                conv_layers.append((layer.name, tuple(layer.kernel.shape)))
            if layer.name in self.layers:
                outputs[layer.name] = x
        missing = [name for name in self.layers if name not in outputs]
        if missing:
            raise ConfigError(f"the VGG19 given has no layer(s) {', '.join(missing)}")
        self.model = keras.Model(inputs, {name: outputs[name] for name in self.layers}, name=f"vgg19_{pooling}_cut")
        self.model.trainable = False
        self.conv_layers = tuple(conv_layers)

    def __call__(self, x):
        """Returns `{layer: [B, h, w, C] features}` for a preprocessed batch `x` [B, H, W, 3]."""
        return self.model(x, training=False)

    def __repr__(self) -> str:
        return f"FeatureExtractor(layers={self.layers}, pooling={self.pooling!r})"


def _is_same_conv(layer) -> bool:
    """Whether `layer` is a stride-1, undilated, 'same'-padded Conv2D with an odd kernel (all of VGG19's)."""
    import keras

    return (
        isinstance(layer, keras.layers.Conv2D)
        and type(layer) is keras.layers.Conv2D
        and tuple(layer.strides) == (1, 1)
        and tuple(layer.dilation_rate) == (1, 1)
        and layer.padding == "same"
        and all(k % 2 == 1 for k in layer.kernel_size)
    )
