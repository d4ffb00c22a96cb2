"""Style and content distances of a stylized image, measured the same way for every tool.

Any image file can be scored against a content and a style image, so results of other tools sit
beside ours. Everything is measured at one fixed evaluation size (the long side `EVAL_SIZE` = 512 px;
the stylized image is resized to the content image's evaluation shape) with VGG19 as trained (max
pooling, ImageNet weights found by `nst.weights`), whatever size and pooling the run itself used
(`pooling="avg"` judges with the average-pooling VGG19 of Gatys et al. instead):

- style distance: the Gram-matrix distance of Gatys et al. (2015) over `block1_conv1` ...
  `block5_conv1`, normalized as `nst/` normalizes (`nst.losses.gram_matrix` divides by positions
  times channels, and each layer's loss is divided by its value for an all-black feature map, the
  `loss.balance` of `nst`): per layer sum (G - A)^2 / sum A^2, then the mean over the 5 layers. 0 is
  a perfect match; 1 is as far as an image whose features are all zero.
- content distance: the `block4_conv2` feature MSE (`nst.losses.content_loss`), also given relative
  to the content features' mean square (the same balance).
- sliced Wasserstein distance (SWD), a second style measure independent of Gram matrices (Heitz et
  al. 2021, "A Sliced Wasserstein Loss for Neural Texture Synthesis"): the features of each style
  layer are treated as a cloud of points (one per position); both clouds are projected on K random
  unit directions (seeded) and the sorted projections (quantiles) compared. Gram matrices only see
  second moments; SWD sees whole marginal distributions, so an image cannot score well on both by
  gaming one statistic. Per layer: RMS quantile difference / RMS of the style's quantiles; mean
  over layers.
- pixel SWD (`compare.pixel_swd`): the same distance on 7x7 pixel patches of the images' Laplacian
  pyramids (Karras et al. 2018), a style measure that looks through no network. The three measures
  above use VGG19, the network style transfer optimizes against, so a run made with the judge's own
  pooling has a head start on them; this one is neutral between recipes.

The per-layer values (`style_layers`, `swd_layers`, in network order `STYLE_LAYERS`) come with the
totals, so a report can show which layers the optimizer matched well: early layers hold colours
and fine strokes, deep ones larger motifs. `NST_METRICS` says how to read each number.

Usage:
    python -m compare.nst_metrics IMAGE [IMAGE ...] --content C --style S [--weights PATH|none]
        [--size 512] [--projections 64] [--seed 0] [--pooling max|avg] [--json FILE]
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from common.atomic import write_json
from common.cli import ArgumentParser, run_cli
from common.errors import ConfigError, InputError
from common.tfenv import configure_tensorflow, import_tensorflow_quietly
from nst.config import GATYS_CONTENT_LAYER, GATYS_STYLE_LAYERS

EVAL_SIZE = 512
STYLE_LAYERS = GATYS_STYLE_LAYERS
CONTENT_LAYER = GATYS_CONTENT_LAYER
SWD_PROJECTIONS = 64


def _metric_info():
    from compare.gan_metrics import MetricInfo

    return {
        "style_distance": MetricInfo(
            "style distance", "relative Gram distance: 0 = the style's statistics, 1 = as far as a black image", "lower",
            "How far the image's textures and colours (the correlations between VGG19 channels in block1_conv1 "
            "... block5_conv1) are from the style image's, averaged over the five layers.",
            "Gram distance to the style, 0 = same, 1 = black image"),
        "style_layers": MetricInfo(
            "style distance per layer", "as the style distance, one layer at a time", "lower",
            "The style distance of one VGG19 layer: early layers hold colours and fine strokes, deep layers "
            "larger motifs, so the bars show which scale of the style was matched well.",
            "Gram distance of one layer"),
        "content_distance": MetricInfo(
            "content distance", "relative feature error: 0 = the photo's own content, 1 = as far as a black image",
            "lower",
            f"How much the layout and objects seen by VGG19 ({CONTENT_LAYER}) differ from the content photo's, as a "
            "share of the photo's own feature energy.",
            "change of the photo's content features, 0 = none"),
        "content_mse": MetricInfo(
            "content MSE", f"mean squared {CONTENT_LAYER} activation difference (VGG19 activation units squared)",
            "lower",
            "The raw number behind the content distance; its size depends on the network's activation scale, so "
            "read the content distance instead.",
            "raw feature error, scale-dependent"),
        "pixel_swd": MetricInfo(
            "pixel SWD", "relative: 0 = the painting's distribution of pixel patches, 1 = a flat image", "lower",
            "A style measure without a neural network: compares small pixel patches at five scales (fine strokes "
            "to large shapes and colours) with the painting's, so no recipe is favoured by sharing the judge's "
            "network.",
            "pixel-patch distance to the style, no network"),
        "swd": MetricInfo(
            "sliced Wasserstein distance", "relative: 0 = the style's feature distribution, 1 = a black image",
            "lower",
            "A second style measure that compares whole distributions of VGG19 features along random directions, "
            "so an image cannot score well by matching only the Gram matrices.",
            "feature-distribution distance to the style"),
    }  # fmt: skip


NST_METRICS = _metric_info()
"""How to read each number of `NSTScorer.score` (a `compare.gan_metrics.MetricInfo` per key)."""


@dataclasses.dataclass
class Targets:
    """What an image is compared with: the content's features and the style's statistics.

    Attributes:
        shape: (height, width) of the content image at the evaluation size; stylized images are
            resized to it.
        content: `CONTENT_LAYER` features of the content image [h, w, C].
        grams: `{layer: [C, C]}` normalized Gram matrices of the style image.
        style_features: `{layer: [M, C]}` style features, flattened over positions (for SWD).
        style_pixels: the style image at the evaluation size [H', W', 3] (for the pixel SWD).
    """

    shape: tuple[int, int]
    content: np.ndarray
    grams: dict
    style_features: dict
    style_pixels: np.ndarray


class NSTScorer:
    """Scores stylized images against content and style images (see the module docstring).

    Args:
        weights: `--weights` as `nst.weights.resolve_weights` takes it (a path, `"none"` for
            random weights in tests, None: `NST_VGG19_WEIGHTS`, then Keras's imagenet).
        size: the evaluation long side in pixels.
        projections: SWD's random directions per layer.
        seed: the seed of SWD's directions (and of random VGG19 weights).
        vgg: an already loaded VGG19 (no top) to share; then `weights` is only recorded.
        pooling: the judge's pooling, `"max"` (VGG19 as trained) or `"avg"`.

    Raises:
        ConfigError: an invalid size, projection count or pooling.
        WeightsError: no VGG19 weights could be found or loaded.
    """

    def __init__(self, weights: str | None = None, size: int = EVAL_SIZE, projections: int = SWD_PROJECTIONS,
                 seed: int = 0, vgg=None, pooling: str = "max"):  # fmt: skip
        from nst.vgg import FeatureExtractor
        from nst.weights import load_vgg19, resolve_weights

        if size < 32:
            raise ConfigError(f"the evaluation size must be at least 32 px, got {size}")
        if projections < 1:
            raise ConfigError(f"SWD projections must be positive, got {projections}")
        if pooling not in ("max", "avg"):
            raise ConfigError(f"the judge's pooling must be 'max' or 'avg', got {pooling!r}")
        self.size, self.projections, self.seed, self.pooling = size, projections, seed, pooling
        source = resolve_weights(weights)
        self.weights = source.describe()
        if vgg is None:
            vgg = load_vgg19(source, seed=seed)
        self.vgg = vgg  # the whole network, for callers that build other extractors on it
        # Max pooling by default: VGG19 as trained, the same judge for runs made with either pooling.
        self.extractor = FeatureExtractor(vgg, (*STYLE_LAYERS, CONTENT_LAYER), pooling=pooling)

    def load(self, image) -> np.ndarray:
        """An image path or a pixel-space array [H, W, 3] -> float32 [H, W, 3] with long side `size`."""
        from nst.images import fit_long_side, load_image, resize

        if isinstance(image, (str, os.PathLike)):
            return load_image(image, self.size, min_side=self.extractor.min_side)
        image = np.asarray(image, np.float32)
        if image.ndim != 3 or image.shape[-1] != 3:
            raise InputError(f"an image must be [H, W, 3] RGB, got shape {image.shape}")
        return resize(image, fit_long_side(image.shape[:2], self.size))

    def features(self, image: np.ndarray) -> dict:
        """`{layer: [h, w, C] float32}` for a pixel-space image [H, W, 3]."""
        from nst.images import preprocess

        out = self.extractor(preprocess(np.asarray(image, np.float32)[None]))
        return {name: np.asarray(value[0]) for name, value in out.items()}

    def targets(self, content, style) -> Targets:
        """Computes the content features and style statistics once, for several `score` calls."""
        from nst.losses import gram_matrix

        content_image = self.load(content)
        style_image = self.load(style)
        style_feats = self.features(style_image)
        return Targets(
            shape=tuple(content_image.shape[:2]),
            content=self.features(content_image)[CONTENT_LAYER],
            grams={k: np.asarray(gram_matrix(style_feats[k], normalize=True)) for k in STYLE_LAYERS},
            style_features={k: style_feats[k].reshape(-1, style_feats[k].shape[-1]) for k in STYLE_LAYERS},
            style_pixels=style_image,
        )

    def score(self, image, targets: Targets) -> dict:
        """Style distance, content distance and SWD of one stylized image.

        Args:
            image: an image path (any format `nst.images.load_image` reads) or a pixel-space
                array [H, W, 3]; it is resized to the content's evaluation shape.
            targets: from `targets(content, style)`.

        Returns:
            `{"style_distance", "style_layers", "content_distance", "content_mse", "swd",
            "swd_layers", "pixel_swd", "pixel_swd_levels", "shape", ...settings}`.
        """
        from compare.pixel_swd import pyramid_swd
        from nst.images import resize
        from nst.losses import content_balance, content_loss, gram_matrix, style_balance, style_layer_loss

        pixels = resize(self.load(image), targets.shape)
        feats = self.features(pixels)
        style_layers = {}
        for k in STYLE_LAYERS:
            a = targets.grams[k]
            loss = float(style_layer_loss(gram_matrix(feats[k], normalize=True), a, normalize=True))
            style_layers[k] = loss * style_balance(a)
        mse = float(content_loss(feats[CONTENT_LAYER], targets.content, normalize=True))
        swd_layers = {
            k: sliced_wasserstein(
                feats[k].reshape(-1, feats[k].shape[-1]), targets.style_features[k], self.projections, self.seed + i
            )  # fmt: skip
            for i, k in enumerate(STYLE_LAYERS)
        }
        return {
            **pyramid_swd(pixels, targets.style_pixels, projections=self.projections, seed=self.seed),
            "style_distance": float(np.mean(list(style_layers.values()))),
            "style_layers": style_layers,
            "content_distance": mse * content_balance(targets.content),
            "content_mse": mse,
            "content_layer": CONTENT_LAYER,
            "swd": float(np.mean(list(swd_layers.values()))),
            "swd_layers": swd_layers,
            "shape": list(targets.shape),
            "eval_size": self.size,
            "pooling": self.pooling,
            "swd_projections": self.projections,
            "seed": self.seed,
            "weights": self.weights,
        }


def sliced_wasserstein(x: np.ndarray, y: np.ndarray, projections: int = SWD_PROJECTIONS, seed: int = 0) -> float:
    """Relative sliced Wasserstein-2 distance between point clouds x [M, C] and y [N, C].

    Both clouds are projected on `projections` random unit directions (seeded); the sorted
    projections are compared at min(M, N) common quantiles (linear interpolation when M != N).

    Returns:
        sqrt(mean squared quantile difference) / sqrt(mean squared quantile of y): 0 for the same
        distribution, 1 for x all zeros.
    """
    x = np.asarray(x, np.float32)
    y = np.asarray(y, np.float32)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"point clouds must be [M, C] and [N, C], got {x.shape} and {y.shape}")
    directions = np.random.default_rng(seed).standard_normal((x.shape[1], projections)).astype(np.float32)
    directions /= np.linalg.norm(directions, axis=0, keepdims=True)
    count = min(len(x), len(y))
    qx = _quantiles(np.sort(x @ directions, axis=0), count)  # [count, K]
    qy = _quantiles(np.sort(y @ directions, axis=0), count)
    scale = float(np.sqrt(np.mean(np.square(qy, dtype=np.float64))))
    distance = float(np.sqrt(np.mean(np.square(qx - qy, dtype=np.float64))))
    return distance / scale if scale > 0 else distance


def _quantiles(sorted_values: np.ndarray, count: int) -> np.ndarray:
    """`count` evenly spaced quantiles (midpoints) of each column of sorted [M, K] values."""
    m = len(sorted_values)
    if m == count:
        return sorted_values
    pos = np.clip((np.arange(count) + 0.5) / count * m - 0.5, 0, m - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, m - 1)
    w = (pos - lo)[:, None].astype(np.float32)
    return sorted_values[lo] * (1 - w) + sorted_values[hi] * w


def score_images(images: Sequence, content, style, scorer: NSTScorer | None = None, **kwargs) -> list[dict]:
    """Scores each image in `images` against one content and style pair (see `NSTScorer.score`)."""
    scorer = scorer or NSTScorer(**kwargs)
    targets = scorer.targets(content, style)
    return [scorer.score(image, targets) for image in images]


def format_scores(names: Sequence[str], scores: Sequence[dict]) -> str:
    """A plain-text table: one row per image."""
    header = ("image", "style distance", "content distance", "content MSE", "SWD", "pixel SWD")
    rows = [header] + [
        (
            str(n),
            f"{s['style_distance']:.4f}",
            f"{s['content_distance']:.4f}",
            f"{s['content_mse']:.2f}",
            f"{s['swd']:.4f}",
            f"{s['pixel_swd']:.4f}",
        )
        for n, s in zip(names, scores)
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    # Which style layers were matched well (lower is closer).
    layer_rows = [("image", *STYLE_LAYERS)] + [(str(n), *(f"{s['style_layers'][k]:.4f}" for k in STYLE_LAYERS))
                                               for n, s in zip(names, scores)]  # fmt: skip
    widths = [max(len(r[i]) for r in layer_rows) for i in range(len(layer_rows[0]))]
    lines += ["", "style distance per layer (lower is closer):"]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in layer_rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(
        prog="python -m compare.nst_metrics",
        description="Score stylized images (from this suite or any other tool) by style distance (Gram), content "
        "distance (block4_conv2) and sliced Wasserstein distance, at a fixed evaluation size.",
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="stylized image files to score")
    parser.add_argument("--content", required=True, metavar="PATH", help="the content image")
    parser.add_argument("--style", required=True, metavar="PATH", help="the style image")
    parser.add_argument(
        "--weights", metavar="PATH|none", help="VGG19 weights (default: env NST_VGG19_WEIGHTS, then Keras's imagenet)"
    )
    parser.add_argument(
        "--size", type=int, default=EVAL_SIZE, help=f"evaluation long side in px (default: {EVAL_SIZE})"
    )
    parser.add_argument(
        "--projections",
        type=int,
        default=SWD_PROJECTIONS,
        help=f"SWD directions per layer (default: {SWD_PROJECTIONS})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the SWD directions (default: 0)")
    parser.add_argument("--pooling", choices=("max", "avg"), default="max",
                        help="the judge VGG19's pooling: max (as trained, default) or avg (Gatys et al.)")  # fmt: skip
    parser.add_argument("--json", metavar="FILE", help="also write the scores as JSON to FILE")
    args = parser.parse_args(argv)
    configure_tensorflow()
    # Cheap checks before TensorFlow and the weights load.
    for label, path in [("image", p) for p in args.images] + [("--content", args.content), ("--style", args.style)]:
        if not Path(path).is_file():
            what = "is a folder" if Path(path).is_dir() else "does not exist"
            raise InputError(f"{label} {path} {what}; pass an image file (PNG, JPEG, WebP, ...)")
    if args.json and not Path(args.json).parent.is_dir():
        raise InputError(f"--json {args.json}: folder {Path(args.json).parent} does not exist")
    import_tensorflow_quietly()
    start = time.perf_counter()
    scorer = NSTScorer(args.weights, args.size, args.projections, args.seed, pooling=args.pooling)
    scores = score_images(args.images, args.content, args.style, scorer)
    print(format_scores(args.images, scores))
    if args.json:
        out = Path(args.json)
        write_json(out, {"content": args.content, "style": args.style, "seconds": round(time.perf_counter() - start, 2),
                         "scores": [{"image": n, **s} for n, s in zip(args.images, scores)]})  # fmt: skip
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
