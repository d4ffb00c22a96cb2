"""The memory a style transfer run needs at its output size, estimated before any work starts.

The estimate (`working_set_bytes`) counts what grows with the image: VGG19's layer outputs up to
the deepest layer used, kept for the backward pass (`nst.vgg.activation_values`, float32), times
`ACTIVATION_COPIES` for the gradients and TensorFlow's temporaries, plus the optimizer's state
(L-BFGS: `lbfgs_memory` pairs of float64 vectors the size of the image), over `BASE_BYTES` for the
process itself. Calibrated on the default config at 512x384: 63 M activation values give 2.5 GB
against a measured peak RSS of 2.7 GB (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import os

from common.memory import check_fits

BASE_BYTES = 2**30
"""Python, TensorFlow and VGG19's weights (80 MB), before the first step."""
ACTIVATION_COPIES = 6
"""Bytes held per byte of layer output: the outputs, their gradients, pre-activation values, temporaries."""


def working_set_bytes(shape: tuple[int, int], config) -> int:
    """Estimated peak memory of optimizing an image of `shape` (height, width) with `config` (an `NSTConfig`)."""
    from nst.vgg import activation_values

    layers = [*config.loss.content_layers, *config.loss.style_layers]
    activations = 4 * activation_values(shape, layers)
    values = shape[0] * shape[1] * 3
    if config.optimizer.name == "lbfgs":
        optimizer = 8 * values * (2 * config.optimizer.lbfgs_memory + 4)  # scipy works in float64
    else:
        optimizer = 4 * values * 4  # the image, its gradient and two moments (float32)
    return BASE_BYTES + ACTIVATION_COPIES * activations + optimizer


def check_output_size(content_path: str | os.PathLike, config, available: int | None = None) -> None:
    """Refuses an `image.size` whose working set exceeds the memory available now.

    Reads only the content image's header for its aspect ratio; an unreadable file is left to
    `nst.images.load_image` to report.

    Args:
        content_path: the content image.
        config: the resolved `NSTConfig`.
        available: bytes available (default: what the system says now).

    Raises:
        ConfigError: the estimate exceeds the available memory; the message gives both.
    """
    from PIL import Image

    try:
        with Image.open(content_path) as image:
            width, height = image.size
    except Exception:  # noqa: BLE001 - load_image gives the one-line reason
        return
    size = config.image.size
    if config.image.size_of == "height":
        shape = (size, max(1, round(width * size / height)))
    else:
        scale = size / max(width, height)
        shape = (max(1, round(height * scale)), max(1, round(width * scale)))
    check_fits(working_set_bytes(shape, config), f"style transfer at {shape[1]}x{shape[0]} (image.size {size})",
               "lower --size", available)  # fmt: skip
