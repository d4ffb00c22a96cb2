"""Neural style transfer after Gatys, Ecker and Bethge, "A Neural Algorithm of Artistic Style" (2015).

The pixels of one image are optimized so that its VGG19 features match a content image and its
Gram matrices match one or more style images. Each module owns one thing:

- `nst.images`: load any image file as RGB, save atomically, VGG19 `preprocess`/`deprocess`.
- `nst.weights`: find the VGG19 ImageNet weights (`--weights`, `NST_VGG19_WEIGHTS`, Keras cache).
- `nst.vgg`: a frozen VGG19 feature extractor cut after the deepest layer a loss needs.
- `nst.frozen_conv`: the VGG19 convolution whose input gradient runs as a forward convolution.
- `nst.objective`: the total loss and its gradient with respect to the pixels.
- `nst.colors`: keeping the content's colours (luminance transfer, histogram matching).
- `nst.memory`: the memory a run needs at its output size, checked before any work.
- `nst.losses`: Gram matrix, content, style and total-variation losses, with documented scales.
- `nst.config`: the frozen `NSTConfig` dataclass (`configs/nst/*.toml` sit over it).
- `nst.stylizer`: `stylize`, the optimization loop (no I/O; reports typed records to a callback).
- `nst.plan`: the coarse-to-fine plan: each scale's size, iterations and style image size.
- `nst.optimize`: the two optimizer loops of one scale (L-BFGS-B; Adam or SGD).
- `nst.records`: the typed records the loop reports, its result and its resumable state.
- `nst.transfer`: the command line, `python -m nst.transfer`.
- `nst.runfiles`: a run directory's saved inputs, `losses.csv`, loss plot panel and progress GIF.

`nst.stylize` (the function from `nst.stylizer`) is re-exported here lazily, so `import nst` (and
`--help`) does not import TensorFlow. The loop's module is not named `stylize` because importing a
submodule would then replace the function with the module on the package.
"""

from __future__ import annotations

__all__ = ["stylize"]


def __getattr__(name):
    if name == "stylize":
        from nst.stylizer import stylize

        return stylize
    raise AttributeError(f"module 'nst' has no attribute {name!r}")
