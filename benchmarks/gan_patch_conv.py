"""What `gan.patch_conv.PatchConv2D` saves: the keras.io WGAN-GP critic's convolutions, Conv2D against patches.

The keras.io WGAN-GP critic (`configs/gan/kerasio_wgan_gp.toml`) has four 5x5, stride-2
convolutions on maps of 32, 16, 8 and 4 pixels. Each is timed two ways on the same weights and
inputs, `keras.layers.Conv2D` and `PatchConv2D` (the same function, computed as patches times the
kernel), for what a gradient-penalty critic update needs of it:

- forward + backward: the layer's output and the gradients of a loss with respect to its input and
  kernel (the critic loss's backward pass);
- penalty: the gradient with respect to the kernel of the squared norm of the output's gradient with
  respect to the input (the gradient penalty: a gradient of a gradient).

Then one whole `train_step` of the recipe (3 critic updates and a generator update) with every
convolution a Conv2D, and as `gan.models` builds it (patches where the output has at most
`gan.patch_conv.MAX_POSITIONS` positions).

TensorFlow fixes its CPU kernels when it is imported, so each kernel setting runs in its own worker
process: oneDNN (`TF_ENABLE_ONEDNN_OPTS=1`, as `python -m gan.train` trains) and TensorFlow's own
choice (oneDNN only on CPUs with AVX-512 VNNI/BF16 or AMX). Within a worker the two forms take turns,
`--repeats` times each after a warm-up call; the median is reported.

Usage:
    python benchmarks/gan_patch_conv.py [--batch 128] [--repeats 5] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# (input map side, input channels, filters) of the critic's four blocks, 5x5 kernels, stride 2.
LAYERS = [(32, 1, 64), (16, 64, 128), (8, 128, 256), (4, 256, 512)]
KERNELS = {"oneDNN": "1", "TensorFlow's default": None}


def _median_ms(fn, repeats: int) -> float:
    fn()  # trace and warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def worker(batch: int, repeats: int) -> dict:
    """Times every layer both ways and the recipe's train step both ways; returns the results."""
    from common.tfenv import import_tensorflow_quietly

    import_tensorflow_quietly()
    import keras
    import numpy as np
    import tensorflow as tf

    import gan.models
    from common.config import load_config
    from gan.config import GANConfig
    from gan.patch_conv import PatchConv2D
    from gan.train import build_gan

    rng = np.random.default_rng(0)
    rows = []
    for size, channels, filters in LAYERS:
        x = tf.constant(rng.standard_normal((batch, size, size, channels), dtype=np.float32))
        plain = keras.layers.Conv2D(filters, 5, strides=2, padding="same")
        patches = PatchConv2D(filters, 5, strides=2, padding="same")
        plain.build(x.shape)
        patches.build(x.shape)
        patches.set_weights(plain.get_weights())
        row = {"input": f"{size}x{size}x{channels}", "output": f"{-(-size // 2)}x{-(-size // 2)}x{filters}"}
        for name, layer in (("conv2d", plain), ("patches", patches)):

            @tf.function
            def forward_backward(layer=layer, x=x):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    loss = tf.reduce_sum(tf.square(layer(x)))
                return tape.gradient(loss, [x, layer.kernel])

            @tf.function
            def penalty(layer=layer, x=x):
                with tf.GradientTape() as outer:
                    with tf.GradientTape() as inner:
                        inner.watch(x)
                        score = tf.reduce_sum(layer(x))
                    norm = tf.reduce_sum(tf.square(inner.gradient(score, x)))
                return outer.gradient(norm, layer.kernel)

            row[f"{name} forward+backward"] = _median_ms(forward_backward, repeats)
            row[f"{name} penalty"] = _median_ms(penalty, repeats)
        rows.append(row)

    config = load_config(GANConfig, Path(__file__).resolve().parents[1] / "configs/gan/kerasio_wgan_gp.toml")
    images = tf.constant(rng.uniform(-1, 1, (batch, 28, 28, 1)).astype(np.float32))
    steps = {}
    for name, limit in (("conv2d", 0), ("patches", gan.models.PATCH_MAX_POSITIONS)):
        saved, gan.models.PATCH_MAX_POSITIONS = gan.models.PATCH_MAX_POSITIONS, limit
        try:
            model = build_gan(config, (28, 28, 1))
        finally:
            gan.models.PATCH_MAX_POSITIONS = saved
        step = tf.function(model.train_step)
        steps[name] = _median_ms(lambda step=step: step(images), max(1, repeats // 2))
    return {"layers": rows, "step": steps}


def _run_worker(onednn: str | None, batch: int, repeats: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    if onednn:
        env["TF_ENABLE_ONEDNN_OPTS"] = onednn
    command = [sys.executable, __file__, "--worker", "--batch", str(batch), "--repeats", str(repeats)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the benchmark's worker failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128, help="images per call (default: 128)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per measurement (default: 5)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.batch, args.repeats)))
        return 0

    from benchmarks.gan_recipes import cpu_line
    from benchmarks.results import publish

    load = [os.getloadavg()[0]]
    results = {}
    for kernels, flag in KERNELS.items():
        print(f"measuring with {kernels} kernels...", flush=True)
        results[kernels] = _run_worker(flag, args.batch, args.repeats)
    load.append(os.getloadavg()[0])

    lines = [
        "## `PatchConv2D` against Conv2D in the keras.io WGAN-GP critic (`benchmarks/gan_patch_conv.py`)",
        "",
        f"Machine: {cpu_line()}. Batch {args.batch}, median of {args.repeats} "
        f"calls after a warm-up (train step: of {max(1, args.repeats // 2)}); load (1 min) "
        f"{load[0]:.1f}-{load[1]:.1f}. Milliseconds; each layer 5x5, stride 2, same weights and inputs both ways.",
        "",
        "| kernels | layer (input -> output) | forward+backward: Conv2D | patches | penalty: Conv2D | patches |",
        "|---|---|---|---|---|---|",
    ]
    for kernels, result in results.items():
        for row in result["layers"]:
            lines.append(
                f"| {kernels} | {row['input']} -> {row['output']} | {row['conv2d forward+backward']:.0f} | "
                f"{row['patches forward+backward']:.0f} | {row['conv2d penalty']:.0f} | {row['patches penalty']:.0f} |"
            )
    lines += ["", "One `train_step` of `configs/gan/kerasio_wgan_gp.toml` (3 critic updates, 1 generator update):", ""]
    for kernels, result in results.items():
        step = result["step"]
        lines.append(
            f"- {kernels}: every convolution a Conv2D {step['conv2d'] / 1000:.2f} s, as `gan.models` builds it "
            f"{step['patches'] / 1000:.2f} s ({step['conv2d'] / step['patches']:.2f}x faster)."
        )
    publish("gan_patch_conv", "\n".join(lines), write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
