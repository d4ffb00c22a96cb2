"""The coarse-to-fine plan of `nst.stylize`: the size, iteration count and style image size of each scale.

The image is optimized at increasing sizes (e.g. 128, 256, 512 px long side, `image.num_scales`
scales `image.scale_ratio` apart); the result of each scale, upsampled, starts the next, and the
targets are recomputed once per scale. Most iterations then run on small images, which is what
makes a 512 px result take minutes on a CPU (as jcjohnson's multires scripts and crowsonkb's
style-transfer-pytorch do it).

Where the style targets come from at the coarse scales (issue 14). Until then the style image was
shrunk with the output (`image.coarse_style = "shrink"`, now `configs/nst/fast.toml`): at the first
scale of a 512 px run both were 128 px. Results on some paintings then held recognizable objects of
the painting, not only its brushwork (faces with eyes and dark hair from Frida Kahlo's self-portrait
in the Tuebingen photo). The mechanism, and what was measured (VGG19 ImageNet weights, average
pooling; AMD EPYC, 2 cores):

- A Gram matrix is a sum over positions, so its rank is at most the number of positions. At 128 px a
  painting gives `block5_conv1` 40-48 positions (1/16 of the side each way), and 90% of that Gram
  matrix's trace lies in 16-22 eigen-directions (starry_night, the_scream, shipwreck, frida_kahlo);
  the 128 px output has 48 positions there as well. It can then match the target exactly by giving
  its positions the painting's own 48 feature vectors, i.e. by copying the painting's parts, each a
  sixteenth of the picture across: a face, a monkey. At 512 px the
  same painting has 640-800 `block5_conv1` positions and needs 97-141 directions for 90% of the
  trace: no 48 vectors can reproduce it, so the output can only match its statistics (the texture).
- Measured directly on the first scale alone (the 128 px Tuebingen photo, 100 L-BFGS iterations,
  `configs/nst/fast.toml`'s losses), looked at side by side: against frida_kahlo shrunk to 128 px it
  turns into two faces with eyes and black hair, the town gone; against the same painting at 512 px
  the town stays (roofs, the tower, the river bank) in the painting's greens, leaves and colours,
  with no face.
- At 512 px (benchmarks/nst_gallery.py, both recipes side by side; RESULTS.md): on Tuebingen x
  The Starry Night `"shrink"` paints the painting's moon, a large yellow disc with its halo, in the
  sky, `"final"` swirls without it; Gram style and content distances 0.0588 / 0.810 against
  0.0590 / 0.772, SWD 0.1125 against 0.1145, CPU time 1.05x.
- Not a complete fix (the whole gallery, 8 pairs at 512 px, RESULTS.md): `"final"` still paints
  Frida Kahlo's face (an eye under its brow, a nose; smaller than `"shrink"`'s one large face) on
  both photos and The Starry Night's moon over Boston. At the last scale the 512x384 px output has
  32x24 = 768 `block5_conv1` positions, about as many as the 512 px painting (640-800), so the
  copying described above is possible there too. And on 5 of 8 pairs its SWD is 1-21% worse than
  `"shrink"`'s (The Scream on Boston: 1.21x).
- The copied objects are carried by `block5_conv1`'s statistics: with its style weight at 0.02
  instead of 0.2 none of the 8 gallery results holds one (at 0.05 Tuebingen still shows a smaller
  face), but every result moves toward the photo (content distance 0.69-0.83x) and away from the
  painting's Gram matrices (style distance 1.5-1.9x; SWD 0.98-1.17x, the loss almost all in
  `block5_conv1` itself; benchmarks/RESULTS.md). On a portrait the painting's
  deepest features are its face, so matching them and painting no face pull against each other.
  The face is drawn at the last scale: `block5_conv1` x0.1 at the coarse scales only (full weight
  at 512 px) leaves the face and the default's distances as they were.
- What `"final"` costs, by a judge that uses no network (`compare.pixel_swd`, Laplacian-pyramid
  patches): its pixel SWD is 1.11-1.32x `"shrink"`'s on all 8 gallery pairs, the gap mostly in
  detail 8-16 px wide on 6 of them (a likely reading, not measured: the coarse scales, aiming at
  the full-size painting, draw its middle-sized structure at the wrong size, and the last scale's 40
  iterations do not undo it).

- Per layer (`image.shrink_style_layers`, `configs/nst/no_objects.toml`; one-off runs, RESULTS.md
  "block5_conv1 by scale"): `block5_conv1` draws the eye at any scale where it has full weight,
  and `block4_conv1` draws it too when its coarse targets come from the shrunk painting (at 128 px
  the painting is 16 `block4_conv1` positions wide, fewer than `block5_conv1`'s 32 at 512 px). The
  pixel-SWD gap of `"final"` comes from the shallow layers: blocks 1-3 shrunk with `block5_conv1` at
  0.02 left a faint eyelid on Tuebingen x Frida Kahlo and no object on the other 7 pairs, with a
  pixel SWD below neural-style's on its 3 reference pairs (0.78-0.93x) but a Gram style distance
  1.5-1.8x fast.toml's, the painting's deepest statistics left unmatched.

So every scale now takes its style targets from the style image at the output's final style size
(`style_scale` x the output's long side): the coarse scales see the painting's texture statistics,
not a thumbnail of its layout. It costs one forward pass of the larger style image per scale (well
under a second); the iterations run on the same small images as before. Alternatives measured on
the same first scale: the 128 px painting with `block4_conv1` and `block5_conv1` weighted 0.1 brings
the roofs and the tower back but still paints a face (eyes and hair) at the left; fewer first-scale
iterations do not help either: after 25 of the 100 the faces are already there, while with the
512 px painting the town is.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from common.errors import ConfigError
from nst.config import ImageConfig, NSTConfig
from nst.images import fit_long_side


@dataclasses.dataclass(frozen=True)
class Scale:
    """One scale of the coarse-to-fine schedule.

    Attributes:
        index: 0 for the coarsest.
        shape: the optimized image's (height, width).
        iterations: the optimizer's iterations at this scale.
        first_step: the steps of the earlier scales.
        style_side: the long side, in pixels, of the style image(s) whose Gram matrices are this
            scale's style targets (`style_long_side`).
        shrunk_style_side: the style's long side shrunk with this scale (style_scale x this scale's
            long side), for the layers of `image.shrink_style_layers`.
    """

    index: int
    shape: tuple[int, int]
    iterations: int
    first_step: int
    style_side: int = 0
    shrunk_style_side: int = 0


def style_long_side(
    image: ImageConfig, scale_shape: tuple[int, int], final_shape: tuple[int, int], mode: str | None = None
) -> int:
    """The style image's long side at a scale whose image is `scale_shape` (the output is `final_shape`).

    `mode` (default `image.coarse_style`) `"final"`: style_scale x the output's long side at every
    scale (see the module docstring); `"shrink"`: style_scale x this scale's long side.
    """
    shape = final_shape if (mode or image.coarse_style) == "final" else scale_shape
    return max(16, round(image.style_scale * max(shape)))


def plan_scales(shape: tuple[int, int], config: NSTConfig, min_side: int = 16) -> list[Scale]:
    """The coarse-to-fine schedule for a content image of `shape` (H, W).

    Args:
        shape: the content image's (height, width); only its aspect ratio matters.
        config: `image.size`, `image.size_of`, `image.num_scales`, `image.scale_ratio`,
            `image.min_scale_size`, `image.style_scale` and `optimizer.iterations` are used.
        min_side: the smallest side the feature extractor accepts.

    Returns:
        The scales, coarsest first; the last has the output's shape.

    Raises:
        ConfigError: the output would be too small for VGG19, or `optimizer.iterations` does not
            have 1 or `image.num_scales` entries.
    """
    img, iterations = config.image, config.optimizer.iterations
    height, width = shape
    if img.size_of == "height":
        final = (img.size, max(1, round(width * img.size / height)))
    else:
        final = fit_long_side(shape, img.size)
    if min(final) < min_side:
        raise ConfigError(
            f"image.size {img.size} gives a {final[1]}x{final[0]} output; the VGG19 layers used need at "
            f"least {min_side} px on each side; choose a larger --size"
        )
    n = img.num_scales
    if len(iterations) not in (1, n):
        raise ConfigError(
            f"optimizer.iterations has {len(iterations)} entries; give one (used at every scale) or one "
            f"per scale (image.num_scales = {n}), got {list(iterations)}"
        )
    per_scale = list(iterations) * n if len(iterations) == 1 else list(iterations)
    scales, step = [], 0
    for k in range(n):
        factor = img.scale_ratio ** (n - 1 - k)
        scale_shape = final if k == n - 1 else (max(1, round(final[0] / factor)), max(1, round(final[1] / factor)))
        if k < n - 1 and (max(scale_shape) < img.min_scale_size or min(scale_shape) < min_side):
            continue
        side = style_long_side(img, scale_shape, final)
        shrunk = style_long_side(img, scale_shape, final, "shrink")
        scales.append(Scale(len(scales), scale_shape, per_scale[k], step, side, shrunk))
        step += per_scale[k]
    return scales


def style_shape(style_hw: tuple[int, int], long_side: int, min_side: int) -> tuple[int, int]:
    """A style image's (height, width) with `long_side`, enlarged if its short side would be under `min_side`."""
    shape = fit_long_side(style_hw, long_side)
    if min(shape) >= min_side:
        return shape
    factor = min_side / min(shape)
    return max(min_side, round(shape[0] * factor)), max(min_side, round(shape[1] * factor))


def init_image(config: NSTConfig, content: np.ndarray, style: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The image the optimization starts from at the coarsest scale (`init.kind`), shaped as `content`."""
    from nst.images import resize

    kind = config.init.kind
    if kind == "content":
        return content.copy()
    if kind == "style":
        return resize(style, content.shape[:2])
    noise = rng.uniform(0.0, 255.0, size=content.shape).astype(np.float32)
    if kind == "noise":
        return noise
    ratio = config.init.noise_ratio
    return ((1.0 - ratio) * content + ratio * noise).astype(np.float32)
