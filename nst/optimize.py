"""The two optimizer loops of `nst.stylize`, one scale at a time: scipy's L-BFGS-B, and Adam or SGD.

Both take the same arguments: the `nst.objective.Objective` (targets already set for this scale),
the starting pixels [H, W, 3] in [0, 255], the iteration to start from (non-zero on resume), the
`nst.plan.Scale`, the `NSTConfig`, `report(iteration, terms, get_image, get_state, message=None)`
called after every iteration, `should_stop()` polled after every iteration, the saved optimizer
state and learning-rate factor. Neither does I/O; `nst.stylize` turns the reports into records.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

_MAX_NONFINITE = 3


# --- the two optimizer loops ---------------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    """Where one scale's loop ended: the pixels, the iteration reached, whether it stopped early, the
    optimizer state to resume from, the learning-rate factor and any warnings."""

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


def run_lbfgs(objective, image, start, scale, config, report, should_stop, opt_state, lr_factor) -> Outcome:
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
            return Outcome(
                state["x"].reshape(image.shape).astype(np.float32), state["iteration"], True, {}, lr_factor, messages
            )
        if state["iteration"] == before:
            restarts += 1
            if restarts >= 2:
                break  # converged (or the line search cannot progress): this scale is done
    return Outcome(
        state["x"].reshape(image.shape).astype(np.float32), state["iteration"], state["stop"], {}, lr_factor, messages
    )


def run_first_order(objective, image, start, scale, config, report, should_stop, opt_state, lr_factor) -> Outcome:
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
                return Outcome(pixels.numpy()[0], iteration, True, optimizer_state()["optimizer"], lr_factor, messages)
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
            return Outcome(image, iteration, True, optimizer_state()["optimizer"], lr_factor, messages)
    return Outcome(pixels.numpy()[0], iteration, False, {}, lr_factor, messages)
