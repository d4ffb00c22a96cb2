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
import math
import os
import time
from collections.abc import Callable, Sequence

import numpy as np

from common.errors import ConfigError, InputError
from nst import colors
from nst.config import NSTConfig
from nst.images import load_image, resize
from nst.plan import Scale, init_image, plan_scales, style_shape
from nst.records import Checkpoint, StepRecord, StylizeResult

Callback = Callable[[StepRecord], None]

_MAX_NONFINITE = 3


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
        objective.set_targets(resize(work_content, scale.shape), scaled_styles, blend)
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

        run = _run_lbfgs if config.optimizer.name == "lbfgs" else _run_first_order
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


# --- the two optimizer loops ---------------------------------------------------------------------


@dataclasses.dataclass
class _Outcome:
    image: np.ndarray
    iteration: int
    stopped: bool
    optimizer: dict
    lr_factor: float
    messages: list


class _NonFinite(Exception):
    pass


def _terms(values: dict) -> dict:
    return {k: float(v) for k, v in values.items()}


def _run_lbfgs(objective, image, start, scale, config, report, should_stop, opt_state, lr_factor) -> _Outcome:
    """scipy's L-BFGS-B on the flattened pixels with the box [0, 255] as bounds (scipy's default
    line search; tolerances set to 0 so that only the iteration count ends a scale).

    scipy does not expose its curvature pairs, so a resumed run (or a restart after a line search
    failure) starts a fresh L-BFGS memory from the current pixels.
    """
    import scipy.optimize

    shape = (1, *image.shape)
    # Normalized losses are means over pixels: O(1) values whose gradients are O(1 / (H * W)) per
    # pixel (1e-6 at 256 px). L-BFGS-B's line search and stopping tests have absolute thresholds
    # that stall on such gradients, so it minimizes the loss times H * W (the per-pixel sum).
    factor = float(image.shape[0] * image.shape[1]) if config.loss.normalize else 1.0
    evaluations: list = []  # the last few (x, terms), to report an iterate's terms without re-evaluating
    state = {"iteration": start, "x": np.asarray(image, np.float64).ravel().copy(), "stop": False}
    messages: list[str] = []

    def fun(x):
        total, terms, grad = objective(x.reshape(shape).astype(np.float32))
        total, grad = float(total) * factor, grad.numpy().astype(np.float64).ravel() * factor
        if not (math.isfinite(total) and np.isfinite(grad).all()):
            raise _NonFinite(total)
        evaluations.append((x.copy(), _terms(terms)))
        del evaluations[:-4]
        return total, grad

    def terms_at(x):
        for seen, terms in reversed(evaluations):
            if np.array_equal(seen, x):
                return terms
        fun(x)
        return evaluations[-1][1]

    def callback(intermediate_result):
        x = np.array(intermediate_result.x, np.float64)
        state["iteration"] += 1
        state["x"] = x
        report(
            state["iteration"],
            terms_at(x),
            lambda: x.reshape(image.shape).astype(np.float32),
            lambda: {"optimizer": {}, "lr_factor": lr_factor},
        )
        if should_stop():
            state["stop"] = True
            raise StopIteration
        if state["iteration"] >= scale.iterations:
            raise StopIteration

    restarts = 0
    while state["iteration"] < scale.iterations and not state["stop"]:
        before = state["iteration"]
        remaining = scale.iterations - before
        try:
            scipy.optimize.minimize(
                fun,
                state["x"],
                jac=True,
                method="L-BFGS-B",
                bounds=scipy.optimize.Bounds(0.0, 255.0),
                callback=callback,
                options={
                    "maxiter": remaining,
                    "maxfun": 2 * remaining + 20,
                    "maxcor": config.optimizer.lbfgs_memory,
                    "ftol": 0.0,
                    "gtol": 0.0,
                },
            )
        except _NonFinite as e:
            message = (
                f"non-finite loss ({e.args[0]}) at scale {scale.index + 1} iteration {state['iteration'] + 1}; "
                f"restored the last good image and stopped (lower the loss weights or check the inputs)"
            )
            messages.append(message)
            return _Outcome(
                state["x"].reshape(image.shape).astype(np.float32), state["iteration"], True, {}, lr_factor, messages
            )
        if state["iteration"] == before:
            restarts += 1
            if restarts >= 2:
                break  # converged (or the line search cannot progress): this scale is done
    return _Outcome(
        state["x"].reshape(image.shape).astype(np.float32), state["iteration"], state["stop"], {}, lr_factor, messages
    )


def _run_first_order(objective, image, start, scale, config, report, should_stop, opt_state, lr_factor) -> _Outcome:
    """Adam or SGD (Keras optimizers) with exponential learning-rate decay, pixels clipped to [0, 255]."""
    import keras
    import tensorflow as tf

    cfg = config.optimizer
    pixels = tf.Variable(np.asarray(image, np.float32)[None], name="pixels")
    if cfg.name == "adam":
        optimizer = keras.optimizers.Adam(cfg.learning_rate, beta_1=cfg.beta_1, beta_2=cfg.beta_2, epsilon=cfg.epsilon)
    else:
        optimizer = keras.optimizers.SGD(cfg.learning_rate)
    optimizer.build([pixels])
    if opt_state:
        for variable, value in zip(optimizer.variables, opt_state.values()):
            variable.assign(value)
    schedule = keras.optimizers.schedules.ExponentialDecay(cfg.learning_rate, cfg.decay_steps, cfg.decay_rate)
    messages: list[str] = []
    nonfinite = 0

    def optimizer_state():
        return {"optimizer": {v.path: v.numpy() for v in optimizer.variables}, "lr_factor": lr_factor}

    iteration = start
    while iteration < scale.iterations:
        optimizer.learning_rate = float(schedule(iteration)) * lr_factor
        total, terms, grad = objective(pixels)
        if not (math.isfinite(float(total)) and bool(tf.reduce_all(tf.math.is_finite(grad)))):
            nonfinite += 1
            if nonfinite > _MAX_NONFINITE:
                messages.append(
                    f"non-finite loss again at scale {scale.index + 1} iteration {iteration + 1}; "
                    f"stopped with the last good image (lower the weights or the learning rate)"
                )
                return _Outcome(pixels.numpy()[0], iteration, True, optimizer_state()["optimizer"], lr_factor, messages)
            lr_factor *= 0.1
            messages.append(
                f"non-finite loss at scale {scale.index + 1} iteration {iteration + 1}; kept the last good "
                f"image and lowered the learning rate 10x (now x{lr_factor:g})"
            )
            continue  # the pixels were not changed by the failed step
        if cfg.name == "sgd" and config.loss.normalize:
            # Normalized losses are means over pixels, so their gradient shrinks as 1 / (H * W);
            # SGD (unlike Adam and L-BFGS) is not invariant to that, and would need a new learning
            # rate at every size. Stepping along the gradient of the per-pixel sum keeps it fixed.
            grad = grad * float(scale.shape[0] * scale.shape[1])
        optimizer.apply_gradients([(grad, pixels)])
        if cfg.clip:
            pixels.assign(tf.clip_by_value(pixels, 0.0, 255.0))
        if not bool(tf.reduce_all(tf.math.is_finite(pixels))):  # an overflowing step: undo it
            pixels.assign(np.asarray(image, np.float32)[None])
        image = pixels.numpy()[0]
        iteration += 1
        report(
            iteration,
            _terms(terms),
            lambda: image.copy(),  # noqa: B023 - called at once, inside this iteration
            optimizer_state,
            messages[-1] if nonfinite and messages else None,
        )
        nonfinite = 0
        if should_stop():
            return _Outcome(image, iteration, True, optimizer_state()["optimizer"], lr_factor, messages)
    return _Outcome(pixels.numpy()[0], iteration, False, {}, lr_factor, messages)


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
