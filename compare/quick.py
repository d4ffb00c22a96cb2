"""The report's quick runs: a short GAN training and a style transfer, made when no runs are given.

They run as child processes of `python -m gan.train` and `python -m nst.transfer`, not in this
process, on purpose:

- each run's `summary.json` reports its process's peak memory (`ru_maxrss`, a high-water mark that
  cannot be reset), which in one process would mix the GAN, VGG19, the evaluator and the report;
- the runs are then exactly what a user gets from the same command line (the report prints it),
  with their own progress bars, Ctrl-C handling and run directories;
- TensorFlow's memory for the training graph is returned when the child ends.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from common.errors import ConfigError, TrainingError
from compare.options import ReportOptions, packaged_config


def _run_cli(args: list[str], what: str) -> None:
    print(f"compare.report: {what}: python {' '.join(args[1:])}", file=sys.stderr, flush=True)
    done = subprocess.run(args)
    if done.returncode != 0:
        raise TrainingError(f"the {what} failed (exit code {done.returncode}): python {' '.join(args[1:])}")


def demo_gan_config(options: ReportOptions) -> str:
    """The quick GAN run's config: `options.gan_config`, else the packaged `configs/gan/demo.toml`."""
    if options.gan_config:
        return options.gan_config
    try:
        return str(packaged_config("gan/demo.toml"))
    except FileNotFoundError as e:
        raise ConfigError(f"{e}; reinstall it (pip install -e .) or pass --gan-config PATH") from None


def gan_arguments(folder: Path, options: ReportOptions) -> list[str]:
    """The `python -m gan.train` arguments of the quick run (`--epochs`/`--limit` only when given)."""
    args = ["-m", "gan.train", "--out", str(folder), "--config", demo_gan_config(options), "--seed", str(options.seed)]
    if options.gan_epochs is not None:
        args += ["--epochs", str(options.gan_epochs)]
    if options.gan_limit is not None:
        args += ["--limit", str(options.gan_limit)]
    if options.data_dir:
        args += ["--data-dir", options.data_dir]
    return args + list(options.quick_args_gan)


def quick_gan_run(folder: Path, options: ReportOptions) -> Path:
    """Trains the demo GAN with `python -m gan.train` into `folder`; returns `folder`."""
    _run_cli([sys.executable, *gan_arguments(folder, options)], "quick GAN run")
    return folder


def quick_nst_run(folder: Path, options: ReportOptions) -> Path:
    """Runs style transfer with `python -m nst.transfer` (default config, bundled images unless named) into `folder`."""
    args = [sys.executable, "-m", "nst.transfer"]
    if options.nst_content and options.nst_style:
        args += [options.nst_content, options.nst_style]
    args += ["--out", str(folder), "--size", str(options.nst_size), "--seed", str(options.seed)]
    if options.nst_config:
        args += ["--config", options.nst_config]
    if options.weights:
        args += ["--weights", options.weights]
    _run_cli(args + list(options.quick_args_nst), "quick style transfer run")
    return folder
