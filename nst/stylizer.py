"""`stylize`: neural style transfer by optimizing pixels (Gatys, Ecker and Bethge 2015), coarse to fine.

The loop does no I/O. It reports every iteration as an `nst.records.StepRecord` to a callback and
returns an `nst.records.StylizeResult`; the caller (e.g. `nst.transfer`) prints and saves.

Where this departs from the paper, and why:
- Coarse to fine (`nst.plan`): the image is optimized at increasing sizes (e.g. 128, 256, 512 px);
  the result of each scale, upsampled with Lanczos, starts the next, and the targets are recomputed
  once per scale, the style's from the style image at the size the plan gives for that scale.
- Losses are normalized so that the weights do not depend on the image size (`nst.losses`).
- The optimized variable is the RGB image in [0, 255]; `preprocess` runs inside the graph. L-BFGS-B
  keeps the pixels in that box as bounds; Adam and SGD clip after each step.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Sequence

import numpy as np

from common.errors import ConfigError, InputError
from nst import colors
from nst.config import NSTConfig
from nst.images import load_image, resize
from nst.optimize import run_first_order, run_lbfgs
from nst.plan import Scale, init_image, plan_scales, style_shape
from nst.records import Checkpoint, StepRecord, StylizeResult

Callback = Callable[[StepRecord], None]


def stylize(
    content,
    style,
    config: NSTConfig | None = None,
    callback: Callback | None = None,
    extractor=None,
    *,
    resume: Checkpoint | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> StylizeResult:
    """Renders `content` in the style of `style` (one image or several, blended).

    Args:
        content: float [H, W, 3] RGB in [0, 255] (`nst.images.load_image`), or an image path.
            It is resized to `config.image.size` (long side).
        style: one style image (array or path) or a sequence of them, any sizes.
        config: an `NSTConfig` (default: `NSTConfig()`, i.e. `configs/nst/default.toml`).
        callback: called with a `StepRecord` after every iteration; records carry the image and a
            `Checkpoint` every `config.output.save_every` iterations and at the end of each scale.
        extractor: an `nst.vgg.FeatureExtractor` providing the config's layers; None loads VGG19
            from `config.weights` (`nst.weights.resolve_weights`) once.
        resume: a `Checkpoint` from an earlier, interrupted call with the same inputs and config.
        should_stop: polled after every iteration; when it returns True the loop stops and the
            result carries a checkpoint to resume from (used for Ctrl-C).

    Returns:
        A `StylizeResult` (`image, history = stylize(...)` unpacks it).

    Raises:
        ConfigError: settings that do not fit the inputs (blend weights count, too small a size).
        InputError: unreadable image paths, or a `resume` checkpoint that does not fit this run.
        WeightsError: no VGG19 weights could be loaded (only when `extractor` is None).
    """
    from nst.objective import Objective
    from nst.vgg import min_side

    config = config or NSTConfig()
    content = _as_image(content, config.image.size)
    planned = plan_scales(content.shape[:2], config, min_side(config.loss.layers))
    styles = _style_list(style, max(s.style_side for s in planned))  # paths: loaded at the largest size used
    if extractor is None:
        from nst.vgg import FeatureExtractor
        from nst.weights import load_vgg19, resolve_weights

        vgg = load_vgg19(resolve_weights(config.weights), seed=config.seed)
        extractor = FeatureExtractor(vgg, config.loss.layers, config.loss.pooling)
    _check_extractor(extractor, config)
    blend = _blend_weights(config.image.style_blend_weights, len(styles))
    scales = plan_scales(content.shape[:2], config, extractor.min_side)
    content = resize(content, scales[-1].shape)

    mode = config.image.preserve_colors
    work_content = colors.luminance_image(content) if mode == "luminance" else content
    if mode == "luminance":
        styles = [colors.match_luminance(s, content) for s in styles]
    elif mode == "histogram":
        styles = [colors.match_color_statistics(s, content) for s in styles]

    def to_output(image: np.ndarray) -> np.ndarray:
        if mode != "luminance":
            return np.asarray(image, np.float32)
        return colors.keep_chroma(image, resize(content, image.shape[:2]))

    objective = Objective(extractor, config.loss)
    history: list[StepRecord] = []
    messages: list[str] = []
    start_scale, start_iteration, opt_state, lr_factor, image = 0, 0, None, 1.0, None
    if resume is not None:
        _check_resume(resume, scales)
        history = list(resume.history)
        start_scale, start_iteration = resume.scale, resume.iteration
        opt_state, lr_factor, image = resume.optimizer, resume.lr_factor, resume.image
        if start_iteration >= scales[start_scale].iterations and start_scale < len(scales) - 1:
            start_scale, start_iteration, opt_state = start_scale + 1, 0, None
            image = np.clip(resize(image, scales[start_scale].shape), 0, 255)
    rng = np.random.default_rng(config.seed)
    # The clock starts once the network is ready (loading VGG19 is not part of the optimization)
    # and goes on from a checkpoint's time, so a run stopped and resumed reports its whole time.
    clock_start = time.perf_counter() - (history[-1].seconds if history else 0.0)
    total_steps = scales[-1].first_step + scales[-1].iterations
    stopped = False

    for scale in scales[start_scale:]:
        scaled_styles = [resize(s, style_shape(s.shape[:2], scale.style_side, extractor.min_side)) for s in styles]
        layer_styles = None
        if config.image.shrink_style_layers and scale.shrunk_style_side != scale.style_side:
            shrunk = [resize(s, style_shape(s.shape[:2], scale.shrunk_style_side, extractor.min_side)) for s in styles]
            layer_styles = {k: shrunk for k in config.image.shrink_style_layers}
        objective.set_targets(resize(work_content, scale.shape), scaled_styles, blend, layer_styles)
        if image is None:
            image = init_image(config, resize(work_content, scale.shape), scaled_styles[0], rng)
        elif image.shape[:2] != scale.shape:
            image = np.clip(resize(image, scale.shape), 0, 255)
            start_iteration, opt_state = 0, None

        def report(iteration: int, terms: dict, get_image, get_state, message=None, scale=scale) -> None:
            ask = iteration % config.output.save_every == 0 or iteration == scale.iterations
            record = StepRecord(
                scale=scale.index,
                num_scales=len(scales),
                shape=scale.shape,
                iteration=iteration,
                iterations=scale.iterations,
                step=scale.first_step + iteration,
                total_steps=total_steps,
                content=terms["content"],
                style=terms["style"],
                tv=terms["tv"],
                total=terms["content"] + terms["style"] + terms["tv"],
                seconds=time.perf_counter() - clock_start,
                message=message,
            )
            history.append(record)
            if message:
                messages.append(message)
            if callback is None:
                return
            if ask:
                pixels = get_image()
                state = get_state()
                checkpoint = Checkpoint(
                    scale.index, iteration, pixels.copy(), state["optimizer"], state["lr_factor"], tuple(history)
                )
                record = dataclasses.replace(record, image=to_output(pixels), checkpoint=checkpoint)
            callback(record)

        run = run_lbfgs if config.optimizer.name == "lbfgs" else run_first_order
        outcome = run(
            objective,
            image,
            start_iteration,
            scale,
            config,
            report,
            should_stop or (lambda: False),
            opt_state,
            lr_factor,
        )
        image, lr_factor = outcome.image, outcome.lr_factor
        messages.extend(m for m in outcome.messages if m not in messages)
        start_iteration, opt_state = 0, None
        if outcome.stopped:
            stopped = True
            checkpoint = Checkpoint(
                scale.index, outcome.iteration, image.copy(), outcome.optimizer, lr_factor, tuple(history)
            )
            return StylizeResult(to_output(image), tuple(history), False, checkpoint, tuple(messages))
    assert not stopped
    return StylizeResult(to_output(image), tuple(history), True, None, tuple(messages))


# --- helpers -------------------------------------------------------------------------------------


def _as_image(image, size: int) -> np.ndarray:
    if isinstance(image, (str, os.PathLike)):
        return load_image(image, size)
    array = np.asarray(image, np.float32)
    if array.ndim != 3 or array.shape[-1] != 3 or min(array.shape[:2]) < 1:
        raise InputError(f"an image must be an [H, W, 3] RGB array, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise InputError("an image array holds NaN or infinite values")
    return array


def _style_list(style, size: int) -> list[np.ndarray]:
    if isinstance(style, (str, os.PathLike)) or (isinstance(style, np.ndarray) and style.ndim == 3):
        style = [style]
    styles = [_as_image(s, size) for s in style]
    if not styles:
        raise InputError("no style image given")
    return styles


def _blend_weights(weights: Sequence[float], count: int) -> list[float]:
    if not weights:
        return [1.0 / count] * count
    if len(weights) != count:
        raise ConfigError(
            f"image.style_blend_weights has {len(weights)} values for {count} style images; "
            f"give one weight per style image"
        )
    total = float(sum(weights))
    return [w / total for w in weights]


def _check_extractor(extractor, config: NSTConfig) -> None:
    missing = [k for k in config.loss.layers if k not in extractor.layers]
    if missing:
        raise ConfigError(f"the feature extractor lacks layer(s) {', '.join(missing)} that the config's losses use")
    if extractor.pooling != config.loss.pooling:
        raise ConfigError(
            f"the feature extractor uses {extractor.pooling} pooling, the config asks for {config.loss.pooling}"
        )


def _check_resume(resume: Checkpoint, scales: list[Scale]) -> None:
    if not 0 <= resume.scale < len(scales) or resume.image.shape[:2] != scales[resume.scale].shape:
        raise InputError(
            f"the saved state (scale {resume.scale + 1}, image {resume.image.shape[1]}x{resume.image.shape[0]}) does "
            f"not fit this run's scales ({', '.join(f'{s.shape[1]}x{s.shape[0]}' for s in scales)}); resume with the "
            f"run's own config and images"
        )
