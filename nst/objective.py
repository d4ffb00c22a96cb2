"""The function style transfer minimizes: total loss and its gradient with respect to the pixels.

Gatys et al. (2015), eq. 7: L_total = alpha * L_content + beta * L_style (+ a total-variation term,
which the paper does not have; jcjohnson's neural-style and keras.io add it against high-frequency
noise). The targets (content features P, style Gram matrices A) are computed once per scale by
`set_targets`; each call then runs exactly one forward and one backward pass of the cut VGG19 on the
generated image alone, inside one `tf.function` whose input signature has free height and width, so
it is traced once per `Objective` and never again, whatever the scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from nst import losses
from nst.config import LossConfig
from nst.images import preprocess
from nst.vgg import FeatureExtractor


class Objective:
    """Loss and pixel gradient of a generated image against fixed targets.

    Attributes:
        extractor: the `FeatureExtractor` (must provide every layer the config names).
        config: the `LossConfig`.
        traces: how many times the step function has been traced (1 after the first call).
    """

    def __init__(self, extractor: FeatureExtractor, config: LossConfig):
        import tensorflow as tf

        self.extractor = extractor
        self.config = config
        self.content_layers = {k: v for k, v in config.content_layers.items()}
        self.style_layers = {k: v for k, v in config.style_layers.items()}
        self.traces = 0
        probe = extractor(np.zeros((1, extractor.min_side, extractor.min_side, 3), np.float32))
        channels = {name: int(probe[name].shape[-1]) for name in extractor.layers}
        signature = [
            tf.TensorSpec([1, None, None, 3], tf.float32, name="image"),
            {k: tf.TensorSpec([1, None, None, channels[k]], tf.float32) for k in self.content_layers},
            {k: tf.TensorSpec([channels[k], channels[k]], tf.float32) for k in self.style_layers},
            {k: tf.TensorSpec([], tf.float32) for k in self.content_layers},
            {k: tf.TensorSpec([], tf.float32) for k in self.style_layers},
        ]
        self._step = tf.function(self._loss_and_grad, input_signature=signature)
        self._targets = None

    def set_targets(
        self,
        content: np.ndarray,
        styles: Sequence[np.ndarray],
        blend: Sequence[float],
        layer_styles: Mapping[str, Sequence[np.ndarray]] | None = None,
    ) -> None:
        """Computes the content features and the blended style Gram matrices for the next calls.

        Args:
            content: float32 [H, W, 3] pixel-space RGB at the size being optimized.
            styles: style images, each [H_i, W_i, 3] pixel-space RGB (any size).
            blend: one weight per style image, summing to 1; the target Gram matrix of each layer
                is the weighted mean of the styles' (as jcjohnson's `-style_blend_weights`).
            layer_styles: `{style layer: style images}` in place of `styles` for those layers
                (one image per blend weight), e.g. the style shrunk with the scale for
                `image.shrink_style_layers`.

        Raises:
            ValueError: `layer_styles` names a layer that is not a style layer, or gives a number
                of images other than `len(blend)`.
        """
        import tensorflow as tf

        normalize, balance = self.config.normalize, self.config.balance
        layer_styles = dict(layer_styles or {})
        for k, images in layer_styles.items():
            if k not in self.style_layers or len(images) != len(blend):
                raise ValueError(
                    f"layer_styles needs style layers ({', '.join(self.style_layers)}) with {len(blend)} image(s) "
                    f"each (one per blend weight), got {len(images)} image(s) for {k!r}"
                )
        features = self.extractor(preprocess(np.asarray(content, np.float32)[None]))
        content_targets = {k: features[k] for k in self.content_layers}
        style_targets = {k: 0.0 for k in self.style_layers}
        style_features = {}  # id of an image list -> its features, so each image is run once
        for k in self.style_layers:
            images = layer_styles.get(k, styles)
            if id(images) not in style_features:
                style_features[id(images)] = [
                    self.extractor(preprocess(np.asarray(s, np.float32)[None])) for s in images
                ]
            for feats, weight in zip(style_features[id(images)], blend):
                style_targets[k] = style_targets[k] + weight * losses.gram_matrix(feats[k], normalize)[0]
        one = tf.constant(1.0)
        content_factors = {k: one for k in self.content_layers}
        style_factors = {k: one for k in self.style_layers}
        if balance:
            # Each layer's loss divided by its value for an all-zero generated feature map.
            content_factors = {k: tf.constant(losses.content_balance(t)) for k, t in content_targets.items()}
            style_factors = {k: tf.constant(losses.style_balance(g)) for k, g in style_targets.items()}
        self._targets = (
            content_targets,
            {k: tf.convert_to_tensor(v, tf.float32) for k, v in style_targets.items()},
            content_factors,
            style_factors,
        )

    def __call__(self, image):
        """Loss terms and gradient at `image`.

        Args:
            image: float32 [1, H, W, 3] pixel-space RGB (array, tensor or variable), the same H, W
                as the content image given to `set_targets`.

        Returns:
            (total, {"content", "style", "tv"} weighted terms, gradient [1, H, W, 3]) as tensors.
        """
        if self._targets is None:
            raise RuntimeError("Objective.set_targets must be called before the objective is evaluated")
        return self._step(image, *self._targets)

    def _loss_and_grad(self, image, content_targets, style_targets, content_factors, style_factors):
        import tensorflow as tf

        self.traces += 1  # runs only while tracing
        cfg = self.config
        with tf.GradientTape() as tape:
            tape.watch(image)
            features = self.extractor(preprocess(image))
            content = 0.0
            for k, w in self.content_layers.items():
                content += w * content_factors[k] * losses.content_loss(features[k], content_targets[k], cfg.normalize)
            shape = tf.shape(image)
            pixels = shape[1] * shape[2]
            style = 0.0
            for k, w in self.style_layers.items():
                gram = losses.gram_matrix(features[k], cfg.normalize)
                style += w * style_factors[k] * losses.style_layer_loss(gram, style_targets[k], cfg.normalize, pixels)
            tv = losses.total_variation_loss(image, cfg.tv_exponent, cfg.normalize)
            terms = {
                "content": cfg.content_weight * content,
                "style": cfg.style_weight * style,
                "tv": cfg.tv_weight * tv,
            }
            total = losses.total_loss(content, style, tv, cfg.content_weight, cfg.style_weight, cfg.tv_weight)
        grad = tape.gradient(total, image)
        return total, {k: tf.convert_to_tensor(v, tf.float32) for k, v in terms.items()}, grad
