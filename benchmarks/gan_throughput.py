"""Training throughput of the GAN: images per second for both configs and for the plain notebook port.

Target (issue 2): the seed config, trained as `python -m gan.train` trains it, processes at least
1.5x as many images per second as a plain port of the reference notebook.

- plain port: `benchmarks/reference_dcgan.py` - the notebook's Sequential models and `train_step`, `fit` on an
  uncached `from_tensor_slices(x).shuffle(60000).batch(512)` pipeline of all 60,000 images, in
  a process that imports TensorFlow the plain way (TensorFlow's default kernels).
- seed config: `configs/gan/seed.toml` (the same networks and hyper-parameters) as `gan.train`
  runs it: `gan.gan.GAN`, the cached, prefetched `gan.data.make_dataset` pipeline, the per-batch
  `TrainingGuard` callback, and the environment `gan.train` sets before importing TensorFlow
  (`common.tfenv`: oneDNN kernels, which TensorFlow leaves off on AVX2-only CPUs).
- default config: `configs/gan/default.toml` the same way, in float32 (its "auto" precision picks
  mixed_bfloat16 on CPUs with bfloat16 arithmetic; `--precision` measures that).

The kernel choice is fixed when TensorFlow is imported, so each trainer lives in its own worker
process. The workers are started once, warmed up (tracing, the first batches), and then told in
turn to measure (port, seed, default, port, seed, default, ...): only one computes at a time, and
load from other processes falls on all of them alike. The figure of merit is the ratio
seed / port within each round; its median is reported.

Each measurement is one `fit` call of `--steps` batches of 512 images (4x as many of 128 for the
default config); images/second are counted from the end of its first batch to the end of its
last (steady state). What the first batch costs (starting the iterator, e.g. filling the port's
60,000-image shuffle buffer, which a real epoch pays once per 117 steps) is reported beside it.

`--precision` measures instead the default config in float32 against the same config with
`train.precision = "mixed_bfloat16"`, interleaved the same way, into the `gan_precision` section,
with the CPU's bfloat16 support (AVX512_BF16, AMX) read from /proc/cpuinfo.

Usage:
    python benchmarks/gan_throughput.py [--rounds 3] [--steps 6] [--no-write]
    python benchmarks/gan_throughput.py --precision [--rounds 3] [--steps 6] [--no-write]
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

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

TRAINERS = ("plain port", "seed config", "default config")
PRECISION_TRAINERS = ("default config", "default config, mixed_bfloat16")


# --- worker side -----------------------------------------------------------------------------------


def _build(name: str, images):
    """Returns (model, dataset, batch_size, callbacks) for the trainer `name`."""
    import keras

    keras.utils.set_random_seed(0)
    if name == "plain port":
        from benchmarks.reference_dcgan import reference_dataset, reference_gan

        return reference_gan(), reference_dataset(images), 512, []
    from common.config import load_config
    from gan.callbacks import TrainingGuard
    from gan.config import GANConfig
    from gan.data import make_dataset
    from gan.train import build_gan

    overrides = [f"train.precision={'mixed_bfloat16' if name.endswith('mixed_bfloat16') else 'float32'}"]
    config = load_config(GANConfig, REPO / "configs" / "gan" / f"{name.split()[0]}.toml", overrides)
    gan = build_gan(config, images.shape[1:])
    dataset = make_dataset(images, config.train.batch_size, config.model.value_range, seed=0)
    return gan, dataset, config.train.batch_size, [TrainingGuard()]


def _clock():
    """A Keras callback recording the time at the end of every batch."""
    import keras

    class Clock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []

        def on_train_batch_end(self, batch, logs=None):
            if logs:  # fetch a value: the step has really finished
                float(next(iter(logs.values())))
            self.times.append(time.perf_counter())

    return Clock()


def _measure(trainer, images_per_measurement: int) -> dict:
    """One `fit` over enough batches; returns steady-state images/s and the first batch's seconds."""
    model, dataset, batch_size, callbacks = trainer
    steps = max(3, round(images_per_measurement / batch_size))
    clock = _clock()
    start = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False, callbacks=[*callbacks, clock])
    times = clock.times
    steady = (times[-1] - times[0]) / (len(times) - 1)
    return {"images_per_second": batch_size / steady, "first_batch_extra": (times[0] - start) - steady}


def _step_seconds(model, dataset, steps: int = 3) -> float:
    """Seconds per `train_step` called directly on one fixed batch: the computation alone."""
    import tensorflow as tf

    batch = next(iter(dataset))
    step = tf.function(model.train_step)
    float(step(batch)["d_loss"])  # trace
    start = time.perf_counter()
    for _ in range(steps):
        out = step(batch)
    float(out["d_loss"])
    return (time.perf_counter() - start) / steps


def _pipeline_seconds(dataset, batches: int = 20) -> float:
    """Seconds per batch of iterating `dataset` alone (after its first batch)."""
    iterator = iter(dataset)
    next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return (time.perf_counter() - start) / batches


def worker(name: str) -> int:
    """Serves one trainer: reads commands from stdin, answers one JSON line each on stdout.

    Commands: `measure N` (a measurement of about N images), `breakdown`, `quit`.
    """
    from common.tfenv import configure_tensorflow, import_tensorflow_quietly

    # The port keeps TensorFlow's default kernels, as the notebook does; the configs get what
    # `python -m gan.train` sets up.
    configure_tensorflow(onednn=name != "plain port")
    import_tensorflow_quietly()
    from gan.data import load_images

    images, _ = load_images()
    trainer = _build(name, images)
    _measure(trainer, 2 * trainer[2])  # warm-up: tracing and the first batches
    print(json.dumps({"ready": name, "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS")}), flush=True)
    for line in sys.stdin:
        command = line.split()
        if command[0] == "measure":
            answer = _measure(trainer, int(command[1]))
        elif command[0] == "breakdown":
            answer = {"step": _step_seconds(trainer[0], trainer[1]), "pipeline": _pipeline_seconds(trainer[1])}
        else:
            break
        print(json.dumps(answer), flush=True)
    return 0


# --- driver side -----------------------------------------------------------------------------------


class Worker:
    """A worker process for one trainer, driven line by line."""

    def __init__(self, name: str):
        env = dict(os.environ)
        env.pop("TF_ENABLE_ONEDNN_OPTS", None)  # each worker makes its own choice, as its program would
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.ready = self._read()

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.name} worker died (exit code {self.process.wait()})")
        return json.loads(line)

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
            self.process.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default: 3)")
    parser.add_argument("--steps", type=int, default=6, help="batches of 512 per measurement (default: 6)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--precision", action="store_true", help="float32 against mixed_bfloat16 instead")
    parser.add_argument("--worker", choices=TRAINERS + PRECISION_TRAINERS[1:], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker)
    if args.precision:
        return precision(args)

    print("starting and warming up the workers...", flush=True)
    workers = {}
    try:
        for name in TRAINERS:  # one at a time: a starting worker would slow a measuring one
            workers[name] = Worker(name)
        images = args.steps * 512
        results = {name: [] for name in TRAINERS}
        for r in range(args.rounds):
            for name, w in workers.items():
                results[name].append(w.ask(f"measure {images}"))
                print(f"round {r + 1}: {name}: {results[name][-1]['images_per_second']:.1f} images/s", flush=True)
        breakdown = {name: workers[name].ask("breakdown") for name in ("plain port", "seed config")}
    finally:
        for w in workers.values():
            w.close()

    from benchmarks.results import machine_description, publish

    speed = {name: [m["images_per_second"] for m in results[name]] for name in TRAINERS}
    ratio = {name: statistics.median(s / p for s, p in zip(speed[name], speed["plain port"])) for name in TRAINERS}
    first = {name: statistics.median(m["first_batch_extra"] for m in results[name]) for name in TRAINERS}
    kernels = {name: "oneDNN" if workers[name].ready["onednn"] == "1" else "TensorFlow's default" for name in TRAINERS}
    load = os.getloadavg()[0]

    def cell(values):
        return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"

    def epoch_seconds(name, batch):
        steps = -(-60000 // batch)
        return steps * batch / statistics.median(speed[name]) + first[name]

    batches = {"plain port": 512, "seed config": 512, "default config": 128}
    met = ratio["seed config"] >= 1.5
    lines = [
        "## gan_throughput (benchmarks/gan_throughput.py)",
        "",
        f"Machine: {machine_description()}. Measured {time.strftime('%Y-%m-%d %H:%M')}; "
        f"1-minute load average at the end: {load:.1f}.",
        "",
        f"Training images per second, steady state: {args.rounds} interleaved rounds of {images} images "
        "per trainer, each trainer in its own warmed-up worker process; median (min-max).",
        "",
        "| trainer | batch | kernels | images/s | ratio to the plain port | first-batch extra (s) | one 60,000-image epoch |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in TRAINERS:
        lines.append(
            f"| {name} | {batches[name]} | {kernels[name]} | {cell(speed[name])} | **{ratio[name]:.2f}** | "
            f"{first[name]:.2f} | {epoch_seconds(name, batches[name]):.0f} s |"
        )
    lines += [
        "",
        f"Target: seed config / plain port >= 1.5; measured **{ratio['seed config']:.2f}** "
        f"({'met' if met else 'not met'}). The epoch column is 60,000 images at the median rate plus the "
        "first batch's extra cost (once per epoch).",
        "",
        "Where a batch of 512 goes (each worker, after the rounds):",
        "",
        "| part | plain port | seed config |",
        "|---|---|---|",
        f"| `train_step` alone on a fixed batch | {breakdown['plain port']['step']:.3f} s | "
        f"{breakdown['seed config']['step']:.3f} s |",
        f"| input pipeline alone, per batch | {breakdown['plain port']['pipeline']:.4f} s | "
        f"{breakdown['seed config']['pipeline']:.4f} s |",
        "",
        "The speed-up is the kernels: the two run the same computation, and neither input pipeline "
        "costs more than a millisecond per batch once started. TensorFlow enables its oneDNN CPU "
        "kernels by default only on CPUs with AVX-512 VNNI/BF16 or AMX; on this AVX2-only CPU "
        "`gan.train` asks for them (`TF_ENABLE_ONEDNN_OPTS=1`, see `common/tfenv.py`), which roughly "
        "halves the time of the backward convolutions.",
    ]
    markdown = "\n".join(lines)
    publish("gan_throughput", markdown, write=not args.no_write)
    return 0


def _interleaved(names, rounds: int, images: int) -> dict[str, list[float]]:
    """Images/s of each trainer, `rounds` times in turn, each in its own warmed-up worker process."""
    print("starting and warming up the workers...", flush=True)
    workers = {}
    try:
        for name in names:  # one at a time: a starting worker would slow a measuring one
            workers[name] = Worker(name)
        speed = {name: [] for name in names}
        for r in range(rounds):
            for name, w in workers.items():
                speed[name].append(w.ask(f"measure {images}")["images_per_second"])
                print(f"round {r + 1}: {name}: {speed[name][-1]:.1f} images/s", flush=True)
    finally:
        for w in workers.values():
            w.close()
    return speed


def cpu_bfloat16_flags() -> dict[str, bool]:
    """Which bfloat16-related instruction sets /proc/cpuinfo lists (False where it cannot be read)."""
    from gan.precision import cpu_flags

    flags = cpu_flags()
    return {name: name in flags for name in ("avx512f", "avx512_bf16", "amx_bf16", "amx_tile")}


def precision(args) -> int:
    """Measures float32 against mixed_bfloat16 on the default config; writes the `gan_precision` section."""
    from benchmarks.results import machine_description, update_section

    images = args.steps * 512
    speed = _interleaved(PRECISION_TRAINERS, args.rounds, images)
    f32, bf16 = (speed[name] for name in PRECISION_TRAINERS)
    ratio = statistics.median(b / f for b, f in zip(bf16, f32))
    flags = cpu_bfloat16_flags()
    native = flags["avx512_bf16"] or flags["amx_bf16"]
    has = ", ".join(f"{name} {'yes' if on else 'no'}" for name, on in flags.items())

    def cell(values):
        return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"

    verdict = (
        "This CPU computes bfloat16 natively, so the FID comparison at equal epochs can be run here."
        if native
        else "This CPU has neither AVX512_BF16 nor AMX, so it has no bfloat16 arithmetic: the figure says "
        "what mixed precision costs on such a CPU, not what it gains where bfloat16 is native. The FID "
        "comparison at equal epochs and the choice of default need a CPU with AVX512_BF16 or AMX; until "
        "then the default stays float32."
    )
    lines = [
        "## gan_precision (benchmarks/gan_throughput.py --precision)",
        "",
        f"Machine: {machine_description()}; CPU flags: {has}. Measured {time.strftime('%Y-%m-%d %H:%M')}; "
        f"1-minute load average at the end: {os.getloadavg()[0]:.1f}.",
        "",
        f"The default config (batch 128, oneDNN kernels) in float32 and with `train.precision = "
        f'"mixed_bfloat16"`: training images per second, steady state, {args.rounds} interleaved rounds of '
        f"{images} images each, each in its own warmed-up worker process; median (min-max).",
        "",
        "| precision | images/s | ratio to float32 |",
        "|---|---|---|",
        f"| float32 | {cell(f32)} | **1.00** |",
        f"| mixed_bfloat16 | {cell(bf16)} | **{ratio:.2f}** |",
        "",
        verdict,
    ]
    markdown = "\n".join(lines)
    print(markdown)
    if not args.no_write:
        print(f"wrote {update_section('gan_precision', markdown)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
