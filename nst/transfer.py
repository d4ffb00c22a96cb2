"""Command line: `python -m nst.transfer [CONTENT STYLE...]`, neural style transfer into a run directory.

Parses the flags, loads the config and the images, then calls `nst.stylize` and writes what its
records carry. Everything it writes goes into the run directory, atomically (the names are
`common.runformat.NstFiles`):

    config.toml     the resolved config (`--config` < `--set` < flags)
    inputs/         the content and style images as loaded (what `--resume` reads again)
    frames/         the image every `--save-every` iterations and at the end of each scale
    state.npz       the resumable state, saved with each frame (`--resume RUN_DIR` continues)
    losses.csv      one row per iteration: step, scale (counted from 1, coarsest first), size, iteration,
                    content, style, tv, total, seconds (since the run began, over all its invocations)
    losses.png      the loss curves
    final.png       the result (`-o FILE` writes a copy there too)
    progress.gif    the frames, upscaled to the final size
    summary.json    `common.runformat.NstSummary`: sizes, iterations, seconds (the whole run's
                    optimization; `invocation_seconds`: this invocation), final losses, peak memory,
                    weights source

Ctrl-C or SIGTERM stops at the end of the current iteration, saves `current.png` and the state, and
prints how to resume; `kill -9` leaves the last saved state (at most `--save-every` iterations old).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import warnings
from pathlib import Path

from common.atomic import remove_temporaries
from common.cli import ArgumentParser, add_config_arguments, resolve_resume, run_cli
from common.config import load_config, save_config
from common.errors import ConfigError, InputError, OutputError, TrainingError
from common.faults import reporting_faults
from common.plots import plot_panels
from common.rundir import create_run_dir
from common.runformat import NstFiles, NstScale, NstSummary
from common.stop import StopFlag
from common.tfenv import configure_tensorflow, import_tensorflow_quietly
from common.writes import check_writable
from nst.config import NSTConfig
from nst.runfiles import loss_panel, loss_rows, save_inputs, saved_inputs, write_gif, write_losses_csv

PROG = "nst.transfer"


def build_parser() -> argparse.ArgumentParser:
    """The `nst.transfer` argument parser."""
    parser = ArgumentParser(
        prog=f"python -m {PROG}",
        description="Neural style transfer (Gatys et al. 2015) on VGG19. With no images, uses the bundled "
        "Tuebingen photo and van Gogh's Starry Night.",
    )
    parser.add_argument(
        "images", nargs="*", metavar="CONTENT STYLE", help="the content image, then one or more style images"
    )
    parser.add_argument("--style", nargs="+", default=[], metavar="IMAGE", help="more style images (blended)")
    parser.add_argument(
        "-o", dest="output", metavar="FILE", help="also write the final image to FILE (.png, .jpg, ...)"
    )
    add_config_arguments(parser, "configs/nst/default.toml (the built-in defaults)", "loss.style_weight=100")
    parser.add_argument("--size", type=int, metavar="N", help="output long side in pixels (image.size)")
    parser.add_argument("--iterations", type=int, metavar="N", help="iterations at every scale (optimizer.iterations)")
    parser.add_argument("--optimizer", choices=["lbfgs", "adam", "sgd"], help="optimizer.name")
    parser.add_argument(
        "--weights",
        metavar="PATH|none",
        help="VGG19 weights file, or none for random weights "
        "(default: $NST_VGG19_WEIGHTS, then Keras's imagenet cache/download)",
    )
    parser.add_argument("--save-every", type=int, metavar="K", help="save a frame and the state every K iterations")
    parser.add_argument(
        "--preserve-colors",
        nargs="?",
        const="luminance",
        choices=["none", "luminance", "histogram"],
        help="keep the content's colours (default method: luminance)",
    )
    parser.add_argument(
        "--style-weights", nargs="+", type=float, metavar="W", help="blend weights, one per style image"
    )
    parser.add_argument("--style-scale", type=float, metavar="S", help="style image size relative to the output")
    parser.add_argument("--init", choices=["content", "noise", "mixed", "style"], help="init.kind")
    parser.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="continue an interrupted run in RUN_DIR with its saved "
        "config and images (repeated flags and images must resolve to those)",
    )
    return parser


def main(argv=None) -> int:
    """Runs style transfer as the flags say; returns the exit code."""
    args = build_parser().parse_args(argv)
    configure_tensorflow()  # keeps TensorFlow's kernel choice: oneDNN was slower for VGG19 here
    with warnings.catch_warnings():
        warnings.showwarning = _show_notice
        return _run(args)


def _run(args) -> int:
    from nst.images import load_image
    from nst.memory import check_output_size
    from nst.vgg import min_side

    started = time.time()
    if resolve_resume(args.resume, args.out, PROG):
        run_dir = create_run_dir(args.resume, "nst", resume=True)
        remove_temporaries(run_dir)  # a kill -9 during a save leaves its temporary file
        overrides = {"weights": args.weights} if args.weights else {}
        config = load_config(NSTConfig, run_dir / NstFiles.CONFIG, values=overrides)
        _check_repeated_flags(args, run_dir, config)
        content_path, style_paths = saved_inputs(run_dir)
    else:
        config = load_config(NSTConfig, args.config, args.overrides, _flag_values(args))
        content_path, style_paths = _input_paths(args)
    check_output_size(content_path, config)  # before loading anything at that size
    side = min_side(config.loss.layers)
    load_size = None if config.image.size_of == "height" else config.image.size
    content = load_image(content_path, load_size, min_side=side)
    from nst.plan import plan_scales

    scales = plan_scales(content.shape[:2], config, side)  # ConfigError now rather than after loading VGG19
    style_size = max(side, *(s.style_side for s in scales))  # the largest the plan asks for
    styles = [load_image(p, style_size, min_side=side) for p in style_paths]
    if config.image.style_blend_weights and len(config.image.style_blend_weights) != len(styles):
        raise ConfigError(
            f"--style-weights has {len(config.image.style_blend_weights)} values for {len(styles)} "
            f"style images; give one per style image"
        )
    from nst.weights import resolve_weights

    source = resolve_weights(config.weights)
    output = _check_output_file(args.output)
    if args.out is not None and not args.resume:
        create_run_dir(args.out, "nst")  # an unwritable --out fails before VGG19 is loaded
    import_tensorflow_quietly()
    from nst.vgg import FeatureExtractor
    from nst.weights import load_vgg19

    vgg = load_vgg19(source, seed=config.seed)  # the only time weights are read in this run
    extractor = FeatureExtractor(vgg, config.loss.layers, config.loss.pooling)
    if not args.resume:
        run_dir = create_run_dir(args.out, "nst")
        save_inputs(run_dir, content, styles, content_path, style_paths)
        save_config(config, run_dir / NstFiles.CONFIG)
    # A full disk, a vanished or read-only folder, or exhausted memory ends the run as one line; the
    # last saved state stays whole (common.faults).
    saved = {"step": 0}  # the step state.npz holds, kept up to date by _stylize_into
    faults = reporting_faults(
        kept=lambda: (
            f"the state at step {saved['step']} is kept in {run_dir}"
            if saved["step"]
            else f"no state was saved yet in {run_dir}"
        ),
        resume=f"python -m {PROG} --resume {run_dir}",
        lower=f"lower --size (now {config.image.size}) in a new run, or close other programs",
    )
    with faults:
        return _stylize_into(
            run_dir, config, content, styles, source, extractor, scales, output, started, bool(args.resume), saved
        )


def _stylize_into(
    run_dir, config, content, styles, source, extractor, scales, output, started, resumed, saved=None
) -> int:
    import keras

    from nst.images import save_image
    from nst.records import Checkpoint
    from nst.stylizer import stylize

    state_path = run_dir / NstFiles.STATE
    checkpoint = Checkpoint.load(state_path) if resumed and state_path.exists() else None
    frames = run_dir / NstFiles.FRAMES_DIR
    frames.mkdir(exist_ok=True)
    total_steps = scales[-1].first_step + scales[-1].iterations
    print(
        f"{PROG}: {len(scales)} scale(s) {', '.join(f'{s.shape[1]}x{s.shape[0]}' for s in scales)}, "
        f"{total_steps} iterations, weights {source.describe()}, run dir {run_dir}"
        + (f", resuming at step {checkpoint.history[-1].step if checkpoint.history else 0}" if checkpoint else ""),
        file=sys.stderr,
    )
    bar = keras.utils.Progbar(total_steps, stateful_metrics=["scale", "total", "content", "style", "tv"])
    stop = StopFlag(PROG)
    saved = {} if saved is None else saved
    saved["step"] = checkpoint.history[-1].step if checkpoint and checkpoint.history else 0

    shown_scale = []

    def on_record(record):
        if shown_scale != [record.scale]:  # name each scale as losses.csv and the report do: from 1
            shown_scale[:] = [record.scale]
            print(f"\n{PROG}: scale {record.scale + 1} of {record.num_scales}, {max(record.shape)} px", file=sys.stderr)
        bar.update(
            record.step,
            values=[
                ("scale", record.scale + 1),
                ("total", record.total),
                ("content", record.content),
                ("style", record.style),
                ("tv", record.tv),
            ],
        )
        if record.message:
            print(f"\n{PROG}: warning: {record.message}", file=sys.stderr)
        if record.image is not None:
            save_image(frames / NstFiles.frame(record.step), record.image)
        if record.checkpoint is not None:
            record.checkpoint.save(state_path)
            saved["step"] = record.step
            write_losses_csv(run_dir / NstFiles.LOSSES_CSV, record.checkpoint.history)

    with stop.installed():
        result = stylize(content, styles, config, on_record, extractor, resume=checkpoint, should_stop=stop)
    print(file=sys.stdout, flush=True)
    history = result.history
    write_losses_csv(run_dir / NstFiles.LOSSES_CSV, history)
    if stop.signal is not None and not result.completed:
        result.checkpoint.save(state_path)
        save_image(run_dir / NstFiles.CURRENT, result.image)
        step = history[-1].step if history else 0
        print(
            f"{PROG}: {stop.name} at step {step}/{total_steps}; saved {run_dir / NstFiles.CURRENT} and the state. "
            f"Continue with: python -m {PROG} --resume {run_dir}",
            file=sys.stderr,
        )
        return 128 + stop.signal
    save_image(run_dir / NstFiles.FINAL, result.image)
    if output is not None:
        save_image(output, result.image)
    plot_panels([loss_panel(loss_rows(history))], run_dir / NstFiles.LOSSES_PNG, width=8, height=4)
    write_gif(run_dir / NstFiles.GIF, frames, result.image.shape[:2])
    final = history[-1] if history else None
    seconds = round(final.seconds, 2) if final else 0.0  # all invocations, VGG19 loading excluded
    height, width = result.image.shape[:2]
    summary = NstSummary(
        completed=result.completed,
        content_shape=(int(content.shape[0]), int(content.shape[1])),
        scales=tuple(
            NstScale(
                height=s.shape[0],
                width=s.shape[1],
                iterations_planned=s.iterations,
                iterations_run=sum(1 for r in history if r.scale == s.index),
            )
            for s in scales
        ),
        iterations=len(history),
        seconds=seconds,
        invocation_seconds=round(time.time() - started, 2),  # this invocation, loading VGG19 included
        seconds_per_image=seconds,
        parameters=int(height * width * 3),
        peak_memory_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        resumed=resumed,
        final_losses=final.losses if final else None,
        weights=source.describe(),
        messages=tuple(result.messages),
        output=str(output) if output else None,
    )
    summary.write(run_dir)
    if not result.completed:
        raise TrainingError(f"{'; '.join(result.messages)}; the last good image is {run_dir / NstFiles.FINAL}")
    print(
        f"{PROG}: wrote {run_dir / NstFiles.FINAL}"
        + (f" and {output}" if output else "")
        + f" in {summary.invocation_seconds:.0f} s",
        file=sys.stderr,
    )
    return 0


# --- arguments and inputs ------------------------------------------------------------------------


def _flag_values(args) -> dict:
    return {
        "seed": args.seed,
        "weights": args.weights,
        "image.size": args.size,
        "optimizer.iterations": [args.iterations] if args.iterations is not None else None,
        "optimizer.name": args.optimizer,
        "output.save_every": args.save_every,
        "image.preserve_colors": args.preserve_colors,
        "image.style_blend_weights": args.style_weights,
        "image.style_scale": args.style_scale,
        "init.kind": args.init,
    }


def _check_repeated_flags(args, run_dir: Path, saved: NSTConfig) -> None:
    """`--resume RUN_DIR` with the original command's flags and images: they must be the run's own.

    Raises:
        ConfigError: the flags resolve to another config than the saved one (`--weights` may
            differ: the file may have moved), or other images; the message names what differs.
    """
    from common.config import config_differences

    values = {k: v for k, v in _flag_values(args).items() if k != "weights"}
    if args.config or args.overrides or any(v is not None for v in values.values()):
        # The original command repeated resolves as it did (defaults < --config < --set < flags);
        # without --config, the flags go over the saved config, so only what they change is named.
        base = args.config if args.config else run_dir / NstFiles.CONFIG
        repeated = load_config(NSTConfig, base, args.overrides, {**values, "weights": saved.weights})
        differing = config_differences(saved, repeated)
        if differing:
            raise ConfigError(
                f"--resume {run_dir}: the repeated flags differ from the run's {NstFiles.CONFIG} in "
                f"{', '.join(differing)}; drop them to continue with the saved config"
            )
    images = [Path(p) for p in args.images] + [Path(p) for p in args.style]
    if images:
        try:
            sources = json.loads((run_dir / NstFiles.INPUTS_DIR / NstFiles.SOURCES).read_text())
            saved_images = [Path(sources["content"]), *(Path(p) for p in sources["styles"])]
        except (OSError, ValueError, KeyError, TypeError):
            saved_images = None
        if saved_images is None or [p.resolve() for p in images] != [p.resolve() for p in saved_images]:
            raise ConfigError(
                f"--resume {run_dir}: the images differ from the run's own (its "
                f"{NstFiles.INPUTS_DIR}/{NstFiles.SOURCES}); drop them to continue with the saved ones"
            )


def _input_paths(args) -> tuple[Path, list[Path]]:
    images = [Path(p) for p in args.images] + [Path(p) for p in args.style]
    if not images:
        assets = Path(__file__).with_name("assets")  # package data (pyproject: nst = ["assets/*"])
        return assets / "tubingen.jpg", [assets / "starry_night.jpg"]
    if len(images) < 2:
        raise InputError(f"got only the content image {images[0]}; give CONTENT and at least one STYLE image")
    return images[0], images[1:]


def _check_output_file(output) -> Path | None:
    if output is None:
        return None
    from nst.images import _SAVE_FORMATS

    path = Path(output)
    if path.suffix.lower() not in _SAVE_FORMATS:
        raise OutputError(
            f"-o {path}: unknown image suffix {path.suffix!r}; use one of {', '.join(sorted(_SAVE_FORMATS))}"
        )
    if path.is_dir():
        raise OutputError(f"-o {path} is a folder; name an image file")
    if not path.parent.is_dir():
        raise OutputError(f"-o {path}: folder {path.parent} does not exist")
    check_writable(path.parent, f"-o {path}: its folder")
    return path


def _show_notice(message, category, filename, lineno, file=None, line=None):
    from nst.images import ImageNotice

    if issubclass(category, ImageNotice):
        print(f"{PROG}: note: {message}", file=sys.stderr)
    # Other libraries' warnings (TensorFlow, Keras) are not the user's business here.


if __name__ == "__main__":
    sys.exit(run_cli(main))
