"""The demo's GAN budget (issue 12): which quick GAN run draws clothing within the demo's time.

`make demo` (`python -m compare.report` without `--gan`) trains a quick GAN with
`configs/gan/demo.toml` over the built-in defaults. This script trains candidate budgets (each a set
of `--set` overrides over the built-in defaults, or `demo.toml` itself) with `python -m gan.train`
exactly as the demo does, one subprocess each, and measures every run as `python -m compare.metrics`
does: N generated images against the 10,000 Fashion-MNIST test images with the cached evaluator
(FID, KID, precision/recall, class entropy), plus the pixel statistics that a degenerate generator
cannot fake (mean intensity, per-pixel standard deviation across samples) beside the test images'.

Cost is recorded three ways, because other jobs may share the cores: the subprocess's wall time
(what the demo pays: start-up, data, training, sample grids, saving), its CPU seconds (user + sys;
much less sensitive to load than wall time), and the fit seconds per generator step (history.csv);
plus the 1-minute load average before and after each run. Targets (issue 12): FID <= 30 and class
entropy >= 1.8 nats, with a GAN that leaves the whole demo under about 4.5 minutes.

The work folder is resumable: a candidate whose `result.json` exists is not trained again, and a run
killed before its `summary.json` is started afresh. Add candidates to CANDIDATES and run again.

Usage:
    python benchmarks/demo_budget.py [--out DIR] [--only NAME ...] [--n 10000] [--chosen NAME] [--no-write]
    python benchmarks/demo_budget.py --list
Validation on tiny settings (does not touch RESULTS.md):
    python benchmarks/demo_budget.py --only tiny --n 200 --no-write --evaluator train_limit=512 \\
        --evaluator epochs=1 --reference-limit 500
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from benchmarks.evaluator_options import add_evaluator_arguments  # noqa: E402
from common.atomic import write_json  # noqa: E402
from common.cli import run_cli  # noqa: E402
from common.errors import ConfigError, TrainingError  # noqa: E402
from common.rundir import create_run_dir  # noqa: E402

DEMO_TOML = REPO / "configs" / "gan" / "demo.toml"

# name -> `--set` overrides over the built-in defaults (gan/config.py); "demo.toml" trains the file.
# Defaults: batch 128, lr 2e-4 / 2e-4, beta_1 0.5, ema 0.99, G dense 128 -> (64, 32), D (64, 128, 128).
# fmt: off
CANDIDATES: dict[str, tuple[str, ...]] = {
    "tiny": ("data.limit=256", "train.epochs=1", "train.batch_size=64"),  # validation only
    "old-demo": ("data.limit=4096", "train.epochs=3"),  # the demo before issue 12: 96 steps
    "demo.toml": (),
    # The default recipe with the budget cut to a quarter epoch or so: how many steps does it need?
    "b128-24k": ("data.limit=24576", "train.epochs=1"),
    "b128-24k-ema0": ("data.limit=24576", "train.epochs=1", "train.ema=0"),
    # Smaller batches: more generator steps for the same images.
    "b64-24k-ema0": ("data.limit=24576", "train.epochs=1", "train.batch_size=64", "train.ema=0"),
    "b64-24k-ema0.9": ("data.limit=24576", "train.epochs=1", "train.batch_size=64", "train.ema=0.9"),
    "b32-12k-ema0": ("data.limit=12288", "train.epochs=1", "train.batch_size=32", "train.ema=0"),
    # Faster learning.
    "b64-24k-lr5e4-ema0": ("data.limit=24576", "train.epochs=1", "train.batch_size=64", "train.ema=0",
                           "train.d_learning_rate=5e-4", "train.g_learning_rate=5e-4"),
    "b32-16k-lr5e4-ema0": ("data.limit=16384", "train.epochs=1", "train.batch_size=32", "train.ema=0",
                           "train.d_learning_rate=5e-4", "train.g_learning_rate=5e-4"),
    "b32-16k-lr5e4": ("data.limit=16384", "train.epochs=1", "train.batch_size=32",
                      "train.d_learning_rate=5e-4", "train.g_learning_rate=5e-4"),
    "b32-12k-lr5e4": ("data.limit=12288", "train.epochs=1", "train.batch_size=32",
                      "train.d_learning_rate=5e-4", "train.g_learning_rate=5e-4"),
    # Narrower networks: cheaper steps.
    "b64-24k-ema0-narrow": ("data.limit=24576", "train.epochs=1", "train.batch_size=64", "train.ema=0",
                            "model.discriminator.filters=[32, 64, 64]", "model.generator.dense_channels=64",
                            "model.generator.filters=[32, 16]"),
}
# fmt: on


def candidate_args(name: str) -> list[str]:
    """`gan.train` arguments of a candidate (besides --out and --seed)."""
    if name == "demo.toml":
        return ["--config", str(DEMO_TOML)]
    args = []
    for item in CANDIDATES[name]:
        args += ["--set", item]
    return args


def load_average() -> float:
    return os.getloadavg()[0]


def train_candidate(name: str, run: Path, seed: int) -> dict:
    """Trains one candidate in a `python -m gan.train` subprocess; returns its cost record."""
    if run.exists():  # killed before summary.json: start afresh (the cost must be one clean run)
        shutil.rmtree(run)
    args = [sys.executable, "-m", "gan.train", "--out", str(run), "--seed", str(seed)] + candidate_args(name)
    print(f"demo_budget: {name}: {' '.join(args[1:])}", file=sys.stderr, flush=True)
    load_before = load_average()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, cwd=REPO, stdout=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise TrainingError(f"candidate {name} failed (exit code {done.returncode}): {' '.join(args[1:])}")
    cost = {
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2),
        "load_before": load_before,
        "load_after": load_average(),
    }
    write_json(run.parent / "cost.json", cost)
    return cost


def pixel_stats(images) -> dict:
    """Mean intensity (0..1) and the per-pixel standard deviation across images, averaged over pixels."""
    import numpy as np

    x = images.astype(np.float64) / 255.0
    return {"mean": float(x.mean()), "per_pixel_std": float(x.std(axis=0).mean())}


def measure_candidate(name: str, folder: Path, evaluator, reference, n: int, seed: int) -> dict:
    """Trains (unless done) and measures one candidate; writes and returns `folder/result.json`."""
    import json

    import tomllib

    from compare import gan_metrics
    from gan.data import FASHION_MNIST_CLASSES
    from gan.sample import generate, load_generator

    run = folder / "run"
    if (run / "summary.json").exists() and (folder / "cost.json").exists():
        cost = json.loads((folder / "cost.json").read_text())
    else:
        cost = train_candidate(name, run, seed)
    summary = json.loads((run / "summary.json").read_text())
    config = tomllib.loads((run / "config.toml").read_text())
    steps = summary["images_seen"] // summary["batch_size"]
    start = time.perf_counter()
    images = generate(load_generator(run), n, seed)
    metrics = gan_metrics.image_metrics(evaluator, images, reference, seed, class_names=FASHION_MNIST_CLASSES)
    result = {
        "name": name,
        "args": candidate_args(name),
        "config": config,
        "steps": steps,
        "images_seen": summary["images_seen"],
        "batch_size": summary["batch_size"],
        "train_seconds": summary["train_seconds"],
        "seconds_per_step": summary["train_seconds"] / steps,
        "images_per_second": summary["images_per_second"],
        **cost,
        "evaluator": evaluator.sha256[:12],
        "metrics": metrics,
        "pixels": pixel_stats(images),
        "metrics_seconds": round(time.perf_counter() - start, 2),
        "n": n,
    }
    write_json(folder / "result.json", result)
    return result


def row(r: dict, real: dict, chosen: str | None) -> str:
    m, h = r["metrics"], r["metrics"]["class_histogram"]
    name = f"**{r['name']}**" if r["name"] == chosen else r["name"]
    changes = " ".join(a.removeprefix("--set ") for a in _pairs(r["args"])) or "-"
    return (
        f"| {name} | {changes} | {r['steps']} | {r['train_seconds']:.0f} s | {r['seconds_per_step'] * 1000:.0f} ms | "
        f"{r['images_per_second']:.0f} | {r['wall_seconds']:.0f} s | {r['cpu_seconds']:.0f} s | "
        f"{r['load_before']:.1f}-{r['load_after']:.1f} | {m['fid']:.1f} | {h['entropy']:.2f} | "
        f"{1000 * m['kid']['mean']:.1f} | {m['precision']:.2f} / {m['recall']:.2f} | "
        f"{255 * r['pixels']['mean']:.0f} ({255 * real['mean']:.0f}) | "
        f"{255 * r['pixels']['per_pixel_std']:.0f} ({255 * real['per_pixel_std']:.0f}) | `{r.get('evaluator', '?')}` |"
    )


def _pairs(args: list[str]) -> list[str]:
    """`["--set", "a=1", "--config", "p"]` -> `["a=1", "--config p"]`."""
    out, it = [], iter(args)
    for a in it:
        value = next(it)
        out.append(value if a == "--set" else f"{a} {Path(value).name}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python benchmarks/demo_budget.py", description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", metavar="NAME", help="these candidates (default: all but 'tiny')")
    p.add_argument("--list", action="store_true", help="list the candidates and exit")
    p.add_argument("--n", type=int, default=10_000, help="generated images per candidate (default: 10000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", metavar="DIR", help="work folder (default: runs/demo-budget-TIMESTAMP); reuse to resume")
    p.add_argument("--chosen", metavar="NAME", help="the candidate the demo uses (bold in the table)")
    add_evaluator_arguments(p)
    p.add_argument("--no-write", action="store_true", help="do not update benchmarks/RESULTS.md")
    p.add_argument(
        "--note",
        action="append",
        default=[],
        metavar="TEXT",
        help="a paragraph to add under the table (e.g. why the chosen budget); repeatable",
    )
    p.add_argument(
        "--train-only",
        action="store_true",
        help="train the candidates not trained yet and stop (no evaluator needed; measure later)",
    )
    args = p.parse_args(argv)
    if args.list:
        for name in CANDIDATES:
            print(f"{name}: {' '.join(candidate_args(name))}")
        return 0
    names = args.only or [n for n in CANDIDATES if n != "tiny"]
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        raise ConfigError(f"unknown candidates {unknown}; known: {', '.join(CANDIDATES)}")

    out = Path(args.out) if args.out and Path(args.out).is_dir() else create_run_dir(args.out, "demo-budget")
    if args.train_only:
        for name in names:
            folder = out / name.replace("/", "_")
            if not ((folder / "run" / "summary.json").exists() and (folder / "cost.json").exists()):
                folder.mkdir(parents=True, exist_ok=True)
                cost = train_candidate(name, folder / "run", args.seed)
                print(f"demo_budget: {name}: trained, {cost}", file=sys.stderr, flush=True)
        return 0

    from common.tfenv import configure_tensorflow, import_tensorflow_quietly

    configure_tensorflow()  # as `python -m compare.metrics` measures
    import_tensorflow_quietly()
    from benchmarks.evaluator_options import load_named_evaluator
    from benchmarks.results import machine_description, publish
    from compare import gan_metrics
    from gan.data import load_images

    evaluator = load_named_evaluator(args)
    test_images, _ = load_images("fashion_mnist", "test", None, args.reference_limit)
    real = pixel_stats(test_images)
    reference_name = f"fashion_mnist test ({len(test_images)} images)"
    reference = None  # the evaluator's pass over the test images, only when a candidate needs measuring
    results = []
    for name in names:
        folder = out / name.replace("/", "_")
        done = folder / "result.json"
        if done.exists():
            import json

            r = json.loads(done.read_text())
            if r["n"] == args.n:
                results.append(r)
                continue
        folder.mkdir(parents=True, exist_ok=True)
        if reference is None:
            reference = gan_metrics.load_reference(evaluator, limit=args.reference_limit)
        r = measure_candidate(name, folder, evaluator, reference, args.n, args.seed)
        m = r["metrics"]
        print(f"demo_budget: {name}: {r['steps']} steps, {r['train_seconds']:.0f} s fit, {r['wall_seconds']:.0f} s wall, "
              f"FID {m['fid']:.2f}, entropy {m['class_histogram']['entropy']:.3f}, "
              f"pixel mean {255 * r['pixels']['mean']:.0f} (real {255 * real['mean']:.0f})", file=sys.stderr, flush=True)  # fmt: skip
        results.append(r)
    write_json(out / "demo_budget.json", {"machine": machine_description(), "real_pixels": real, "results": results})
    md = "\n".join([
        "## The demo's GAN budget (`benchmarks/demo_budget.py`)",
        "",
        f"Machine: {machine_description()}. Measured {time.strftime('%Y-%m-%d %H:%M')}; other jobs shared the "
        "cores, so wall times are inflated by the 1-minute load average shown (a load L above 2 on 2 cores makes "
        "wall times up to L/2 times longer); CPU seconds (user + sys of the training process, start-up included) "
        "are much less sensitive to it. Fit and per step: history.csv's epoch seconds (first-step tracing "
        "included). Each candidate is "
        "`python -m gan.train` with these `--set` overrides over the built-in defaults, seed "
        f"{args.seed}, measured on N = {args.n} generated images against {reference_name} with the cached evaluator "
        f"named in each row (now `{evaluator.sha256[:12]}`, layer `{evaluator.feature_layer}`, test accuracy "
        f"{evaluator.test_accuracy:.2%}). "
        "Pixel columns (0-255): mean intensity of the samples and per-pixel std across samples, the test images' "
        "in brackets. Targets (issue 12): FID <= 30, class entropy >= 1.8 nats (max ln 10 = 2.30).",
        "",
        "| candidate | overrides | G steps | fit | per step | images/s | wall | CPU | load | FID | entropy (nats) | "
        "KID x 1000 | precision / recall | pixel mean | pixel std | evaluator |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *[row(r, real, args.chosen) for r in results],
        *[line for note in args.note for line in ("", note)],
    ])  # fmt: skip
    publish("demo_budget", md, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
