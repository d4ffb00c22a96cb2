"""`FrozenConv`: a loaded VGG19 convolution whose input gradient is computed as a forward convolution.

Why: style transfer back-propagates to the image through every convolution. TensorFlow computes
that input gradient with `Conv2DBackpropInput`, which with its default (Eigen) kernels on an AVX2
CPU ran 2.4x slower than the forward convolution of the same size (`block1_conv2` at 512x384 here:
567 ms against 238 ms). For stride 1, 'same' padding and an odd k x k kernel, the input gradient is
exactly a 'same' convolution of the output gradient with the kernel rotated by 180 degrees and its
input and output channels swapped: dx = conv(dy, W'), with W'[i, j, o, c] = W[k-1-i, k-1-j, c, o].
Computed that way it runs at forward speed (1.8x faster for that layer, equal within float32
rounding). The weights are frozen, so no weight gradient is computed.

This module imports TensorFlow; `nst.vgg.FeatureExtractor` imports it when it builds a network,
so that importing `nst.vgg` does not.
"""

from __future__ import annotations

import keras
import tensorflow as tf


@tf.custom_gradient
def conv_same(x, kernel):
    """'same' conv2d, stride 1: x [B, H, W, C_in], kernel [k, k, C_in, C_out] -> [B, H, W, C_out]."""

    def grad(dy):
        rotated = tf.transpose(tf.reverse(kernel, axis=[0, 1]), [0, 1, 3, 2])  # [k, k, C_out, C_in]
        return tf.nn.conv2d(dy, rotated, strides=1, padding="SAME"), None

    return tf.nn.conv2d(x, kernel, strides=1, padding="SAME"), grad


class FrozenConv(keras.layers.Layer):
    """`conv`'s activation(conv2d(x, kernel) + bias), with the input gradient computed as a conv.

    Args:
        conv: a loaded stride-1, 'same', odd-kernel `keras.layers.Conv2D` (`nst.vgg._is_same_conv`);
            its kernel and bias are used (shared, not copied).
    """

    def __init__(self, conv):
        super().__init__(name=conv.name, trainable=False)
        self.conv = conv

    def call(self, x):
        kernel = tf.convert_to_tensor(self.conv.kernel)
        return self.conv.activation(tf.nn.bias_add(conv_same(x, kernel), self.conv.bias))

    def compute_output_shape(self, input_shape):
        return self.conv.compute_output_shape(input_shape)
