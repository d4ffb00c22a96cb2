"""A Conv2D computed as one matrix product over its patches: same weights, same outputs, faster gradients on tiny maps.

Why it exists: TensorFlow's CPU kernel for a convolution's input gradient (`Conv2DBackpropInput`)
is very slow when the output map has only a few positions and the layer many channels (why was not
traced in TensorFlow's source; the cost fits a kernel that multiplies each image's [positions, out
channels] gradient by the whole transposed kernel separately, rereading it for every image). The
keras.io WGAN-GP critic's last layer is such a layer (Conv2D(512, 5, s2) on a 4x4x256 map ->
2x2x512), and a gradient-penalty critic needs
that input gradient three times per update (the loss's backward pass, the penalty's gradient with
respect to the images, and that gradient's own backward pass).

Written as patches [B, out_h, out_w, kh * kw * C] (strided slices of the padded input) times the
kernel reshaped to [kh * kw * C, F], the forward pass is one large matrix product, and TensorFlow
differentiates slices and a matrix product instead. Measured by `benchmarks/gan_patch_conv.py`
(2-core AMD EPYC, AVX2, no avx512f; batch 128; `benchmarks/RESULTS.md`), that layer's forward +
backward pass:

    TensorFlow's default kernels (Eigen on this CPU)   1809 ms as Conv2D, 193 ms as patches
    oneDNN kernels (as `python -m gan.train` runs)      460 ms as Conv2D, 173 ms as patches

and one train step of the recipe became 3.6x faster with TensorFlow's default kernels, 1.5x with
oneDNN. On larger maps the library kernel is as fast or faster, so
`gan.models` uses this layer only where the output has at most `MAX_POSITIONS` positions.

The layer is a `keras.layers.Conv2D` with the same variables (a checkpoint of either loads into
the other) and the same outputs up to float rounding; only the computation of `convolution_op`
differs. Dilated, grouped or channels-first convolutions, and inputs whose spatial size is not
known when the layer is called, use Conv2D's own computation.
"""

from __future__ import annotations

import math

import keras
from keras import ops

MAX_POSITIONS = 4
"""The most output positions (out_h * out_w) at which `gan.models` uses `PatchConv2D`.

Measured (module docstring's machine and benchmark, 5x5 kernels, stride 2, forward + backward, ms
as Conv2D / as patches, oneDNN kernels; TensorFlow's default kernels in brackets): 2x2 outputs
460 / 173 (1809 / 193); 4x4 outputs 103 / 258 (226 / 241); 8x8 outputs 103 / 408 (163 / 542).
"""


@keras.saving.register_keras_serializable(package="gan")
class PatchConv2D(keras.layers.Conv2D):
    """`keras.layers.Conv2D` computed as patches times the kernel (see the module docstring).

    Takes exactly Conv2D's arguments.
    """

    def convolution_op(self, inputs, kernel):
        """Returns the convolution of `inputs` [B, H, W, C] with `kernel` [kh, kw, C, F]: [B, out_h, out_w, F]."""
        height, width = inputs.shape[1], inputs.shape[2]
        if (
            self.data_format != "channels_last"
            or self.groups != 1
            or any(d != 1 for d in self.dilation_rate)
            or height is None
            or width is None
        ):
            return super().convolution_op(inputs, kernel)
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        (top, bottom, out_h), (left, right, out_w) = (
            _padding(height, kh, sh, self.padding),
            _padding(width, kw, sw, self.padding),
        )
        padded = ops.pad(inputs, [[0, 0], [top, bottom], [left, right], [0, 0]])
        # Patch element (i, j, c) of output (y, x) is padded[y * sh + i, x * sw + j, c]: one strided
        # slice per kernel offset, [B, out_h, out_w, C] each, concatenated in the kernel's
        # (i, j, c) order.
        patches = ops.concatenate(
            [
                padded[:, i : i + sh * (out_h - 1) + 1 : sh, j : j + sw * (out_w - 1) + 1 : sw, :]
                for i in range(kh)
                for j in range(kw)
            ],
            axis=-1,
        )  # [B, out_h, out_w, kh * kw * C]
        return ops.tensordot(patches, ops.reshape(kernel, (-1, kernel.shape[-1])), axes=1)


def _padding(size: int, kernel: int, stride: int, padding: str) -> tuple[int, int, int]:
    """(pad before, pad after, output size) along one axis, as TensorFlow pads "same" and "valid"."""
    if padding == "valid":
        return 0, 0, (size - kernel) // stride + 1
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2, out
