"""Quality target of issue 4 for style transfer: the default config against the keras.io recipe.

Target: for tubingen + starry night at 512 px, run `configs/nst/kerasio.toml` (the keras.io recipe,
4000 iterations) through `nst/` and note its wall time T and its final style and content distances
(`compare.nst_metrics`, at 512 px); `configs/nst/default.toml` must reach distances at least as good
on both in at most T / 5.

Both runs happen in this one process on one loaded VGG19, through `nst.stylize`. Times are the
runs' own clocks (`StepRecord.seconds`: wall seconds from the start of the optimization, VGG19
loading excluded for both). The default run reports its image every `--every` iterations (and at
the end of each scale); the images are scored after the run (scoring is not timed). The default
config "reaches" the recipe at its first reported image whose style and content distances are both
at most the recipe's.

The recipe's run takes hours, so it is resumable: it saves its state into `OUT/kerasio/` every
`--checkpoint-every` iterations, Ctrl-C or SIGTERM saves and stops, and running the script again
with the same `--out` continues it (after `kill -9`, from the last saved state). Its clock goes on
from the saved state, so T is the time of the iterations it kept, however many invocations it took;
each invocation is noted in `OUT/kerasio/invocations.json`.

Both are run at 512 px long side (`image.size = 512`, `image.size_of = "long_side"`), whatever size
their files name; the recipe's own file fixes 400 rows.

Usage (the keras.io recipe alone, 4000 steps of about 3 s at 512 px, takes over 3 hours on 2 CPU cores):
    python benchmarks/nst_quality.py [--weights PATH] [--content C] [--style S] --out DIR
    (stopped? the same command again continues)
Validation on tiny settings (does not touch RESULTS.md):
    python benchmarks/nst_quality.py --size 64 --kerasio-iterations 20 --weights none --eval-size 64 --no-write
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from common.atomic import write_json  # noqa: E402
from common.cli import run_cli  # noqa: E402
from common.config import load_config  # noqa: E402
from common.errors import ConfigError, InputError  # noqa: E402
from common.rundir import create_run_dir  # noqa: E402
from common.runformat import NstFiles  # noqa: E402

SHARED_IMAGES = REPO.parent / "shared" / "images"
KERASIO = REPO / "configs" / "nst" / "kerasio.toml"
DEFAULT = REPO / "configs" / "nst" / "default.toml"


def default_images() -> tuple[Path, Path]:
    """tubingen.jpg and starry_night.jpg from ../shared/images (full size), else the bundled copies."""
    for folder in (SHARED_IMAGES, REPO / "nst" / "assets"):
        content, style = folder / "tubingen.jpg", folder / "starry_night.jpg"
        if content.is_file() and style.is_file():
            return content, style
    raise InputError(
        "tubingen.jpg and starry_night.jpg not found in ../shared/images or nst/assets; pass --content and --style"
    )


def run(config, content: Path, style: Path, extractor, every: int | None = None):
    """Runs `nst.stylize` with a shared feature extractor; returns (image, seconds, [(seconds, step, image)])."""
    from nst.stylizer import stylize

    snapshots = []

    def callback(record):
        if every is not None and record.image is not None:
            snapshots.append((record.seconds, record.step, record.image.copy()))

    result = stylize(str(content), str(style), config, callback=callback, extractor=extractor)
    if not result.completed:
        raise ConfigError(f"the run stopped early: {'; '.join(result.messages)}")
    return result.image, result.history[-1].seconds, snapshots


def run_recipe(config, content: Path, style: Path, extractor, folder: Path):
    """Runs the keras.io recipe in `folder`, continuing the state saved there by an earlier invocation.

    The state is saved every `config.output.save_every` iterations and when a signal stops the run.

    Returns:
        The finished `StylizeResult`.

    Raises:
        ConfigError: `folder` holds a run of another config or other images, or the run failed.
    """
    from common.config import save_config
    from common.stop import StopFlag
    from nst.config import NSTConfig
    from nst.records import Checkpoint
    from nst.stylizer import stylize

    folder.mkdir(parents=True, exist_ok=True)
    inputs = {"content": str(content), "style": str(style)}
    log_path, state = folder / "invocations.json", folder / NstFiles.STATE
    if (folder / NstFiles.CONFIG).exists():
        try:
            log = json.loads(log_path.read_text())
            log["inputs"], log["invocations"]
        except (OSError, ValueError, KeyError, TypeError):
            raise ConfigError(
                f"{folder} is not a work folder of this script (no readable {log_path.name}); use a fresh --out"
            ) from None
        if load_config(NSTConfig, folder / NstFiles.CONFIG) != config or log["inputs"] != inputs:
            raise ConfigError(f"{folder} holds the recipe's run for another config or other images; use a fresh --out")
    else:
        save_config(config, folder / NstFiles.CONFIG)
        log = {"inputs": inputs, "invocations": []}
    checkpoint = Checkpoint.load(state) if state.exists() else None
    done = checkpoint.history[-1] if checkpoint and checkpoint.history else None
    log["invocations"].append({"started": time.strftime("%Y-%m-%d %H:%M:%S"), "from_step": done.step if done else 0,
                               "from_seconds": round(done.seconds, 2) if done else 0.0})  # fmt: skip
    write_json(log_path, log)
    print(f"nst_quality: keras.io recipe from step {done.step if done else 0}"
          + (f" ({done.seconds:.0f} s so far)" if done else ""), file=sys.stderr)  # fmt: skip

    def callback(record):
        if record.checkpoint is not None:
            record.checkpoint.save(state)
        if record.step % 100 == 0:
            print(
                f"nst_quality: keras.io recipe step {record.step}/{record.total_steps}, {record.seconds:.0f} s",
                file=sys.stderr,
            )

    stop = StopFlag("nst_quality")
    with stop.installed():
        result = stylize(str(content), str(style), config, callback, extractor, resume=checkpoint, should_stop=stop)
    if not result.completed and stop.signal is not None:
        result.checkpoint.save(state)
        last = result.history[-1]
        print(
            f"nst_quality: stopped at step {last.step} ({last.seconds:.0f} s); the same command continues",
            file=sys.stderr,
        )
        raise SystemExit(128 + stop.signal)
    if not result.completed:
        raise ConfigError(f"the keras.io recipe's run stopped early: {'; '.join(result.messages)}")
    return result


def _short(path: str) -> str:
    """A config path relative to the repository when it lies inside it."""
    try:
        return Path(path).resolve().relative_to(REPO).as_posix()
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python benchmarks/nst_quality.py", description=__doc__.splitlines()[0])
    p.add_argument("--content", metavar="PATH", help="content image (default: tubingen.jpg)")
    p.add_argument("--style", metavar="PATH", help="style image (default: starry_night.jpg)")
    p.add_argument(
        "--weights", metavar="PATH|none", help="VGG19 weights (default: env NST_VGG19_WEIGHTS, then Keras's)"
    )
    p.add_argument("--size", type=int, default=512, help="output long side of both runs (default: 512)")
    p.add_argument("--eval-size", type=int, default=512, help="evaluation long side (default: 512)")
    p.add_argument("--kerasio-iterations", type=int, help="override the recipe's 4000 iterations (validation only)")
    p.add_argument(
        "--checkpoint-every", type=int, default=20, help="recipe: save its state every N iterations (default: 20)"
    )
    p.add_argument(
        "--every", type=int, default=10, help="default run: report an image every N iterations (default: 10)"
    )
    p.add_argument(
        "--kerasio-config", metavar="PATH", default=str(KERASIO), help="the recipe's config (default: %(default)s)"
    )
    p.add_argument(
        "--default-config", metavar="PATH", default=str(DEFAULT), help="the default config (default: %(default)s)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--out",
        metavar="DIR",
        help="work folder; the same --out again continues a stopped run (default: runs/nst-quality-TIMESTAMP)",
    )
    p.add_argument("--no-write", action="store_true", help="do not update benchmarks/RESULTS.md")
    args = p.parse_args(argv)
    content, style = default_images() if not (args.content and args.style) else (Path(args.content), Path(args.style))
    for path in (args.kerasio_config, args.default_config):
        if not Path(path).is_file():
            raise InputError(f"{path} is missing; configs/nst/*.toml come with nst/")

    from common.tfenv import configure_tensorflow, import_tensorflow_quietly

    configure_tensorflow()  # as `python -m nst.transfer` runs (TensorFlow's default kernels)
    import_tensorflow_quietly()
    from benchmarks.results import machine_description, publish
    from compare.nst_metrics import NSTScorer
    from nst.config import NSTConfig
    from nst.images import save_image
    from nst.vgg import FeatureExtractor

    size = {"image.size": args.size, "image.size_of": "long_side", "seed": args.seed, "weights": args.weights}
    recipe_values = {**size, "output.save_every": args.checkpoint_every}
    if args.kerasio_iterations is not None:
        recipe_values["optimizer.iterations"] = [args.kerasio_iterations]
    kerasio = load_config(NSTConfig, args.kerasio_config, values=recipe_values)  # bad values: one line, no folder made
    default = load_config(NSTConfig, args.default_config, values={**size, "output.save_every": args.every})
    # A folder holding the recipe's (stopped) run is continued; any other must be new or empty.
    resuming = args.out is not None and (Path(args.out) / "kerasio" / NstFiles.CONFIG).is_file()
    out = Path(args.out) if resuming else create_run_dir(args.out, "nst-quality")
    scorer = NSTScorer(args.weights, args.eval_size, seed=args.seed)
    targets = scorer.targets(content, style)
    extractor = FeatureExtractor(scorer.vgg, kerasio.loss.layers, kerasio.loss.pooling)

    recipe = run_recipe(kerasio, content, style, extractor, out / "kerasio")
    k_image, t_kerasio = recipe.image, recipe.history[-1].seconds
    invocations = len(json.loads((out / "kerasio" / "invocations.json").read_text())["invocations"])
    save_image(out / "kerasio.png", k_image)
    k_score = scorer.score(k_image, targets)
    print(f"nst_quality: keras.io recipe {t_kerasio:.1f} s: style {k_score['style_distance']:.4f}, content "
          f"{k_score['content_distance']:.4f}", file=sys.stderr)  # fmt: skip
    extractor = FeatureExtractor(scorer.vgg, default.loss.layers, default.loss.pooling)
    d_image, t_default, snapshots = run(default, content, style, extractor, every=args.every)
    save_image(out / "default.png", d_image)
    reached = None
    trace = []
    for seconds, step, image in snapshots:
        score = scorer.score(image, targets)
        trace.append({"seconds": seconds, "step": step, "style_distance": score["style_distance"],
                      "content_distance": score["content_distance"], "swd": score["swd"], "shape": list(image.shape[:2])})  # fmt: skip
        if reached is None and score["style_distance"] <= k_score["style_distance"] and \
                score["content_distance"] <= k_score["content_distance"]:  # fmt: skip
            reached = trace[-1]
            save_image(out / "default_at_reach.png", image)
    d_score = scorer.score(d_image, targets)
    met = reached is not None and reached["seconds"] <= t_kerasio / 5
    record = {"machine": machine_description(), "content": str(content), "style": str(style), "size": args.size,
              "eval_size": args.eval_size, "kerasio": {"seconds": t_kerasio, "invocations": invocations, "iterations": list(kerasio.optimizer.iterations),
              **k_score}, "default": {"seconds": t_default, **d_score}, "reached": reached, "trace": trace, "met": met}  # fmt: skip
    write_json(out / "nst_quality.json", record)

    def row(name, seconds, s, note=""):
        return f"| {name} | {seconds:.1f} s | {s['style_distance']:.4f} | {s['content_distance']:.4f} | {s['swd']:.4f} | {note} |"

    lines = [
        "## Style transfer quality: default config vs the keras.io recipe (`benchmarks/nst_quality.py`)",
        "",
        f"Machine: {machine_description()}. {content.name} + {style.name} at {args.size} px (long side), both through "
        f"`nst.stylize` in one process on one VGG19 ({scorer.weights}); distances by `compare.nst_metrics` at "
        f"{args.eval_size} px (Gram style distance over block1..5_conv1, block4_conv2 content distance, sliced "
        "Wasserstein distance; lower is closer). Wall time is each run's own optimization clock "
        "(`StepRecord.seconds`: VGG19 loading and scoring excluded), so it is shorter than the end-to-end "
        "command that `nst_speed` times.",
        "",
        "| run | wall time | style distance | content distance | SWD | note |",
        "|---|---|---|---|---|---|",
        row(f"keras.io recipe (`{_short(args.kerasio_config)}`)", t_kerasio, k_score,
            f"{sum(kerasio.optimizer.iterations)} iterations = T" + (f", run in {invocations} invocations" if invocations > 1 else "")),
        row(f"default (`{_short(args.default_config)}`), final", t_default, d_score, f"{sum(default.optimizer.iterations)} iterations"),
    ]  # fmt: skip
    if reached:
        lines.append(f"| default, first image at least as good on both | {reached['seconds']:.1f} s | "
                     f"{reached['style_distance']:.4f} | {reached['content_distance']:.4f} | {reached['swd']:.4f} | "
                     f"step {reached['step']}, {reached['seconds'] / t_kerasio:.3f} T |")  # fmt: skip
    lines += ["", f"Target (default at least as good on both distances within T / 5 = {t_kerasio / 5:.1f} s): "
              f"**{'met' if met else 'NOT met'}**" + ("" if reached else " (the default never reached both distances)")
              + f". Run {time.strftime('%Y-%m-%d')}."]  # fmt: skip
    md = "\n".join(lines)
    publish("nst_quality", md, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
