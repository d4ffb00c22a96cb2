"""GAN configs trained in one process, one epoch per call, each epoch's generator kept: the benchmarks' trainer.

`benchmarks/gan_quality.py` and `benchmarks/gan_recipes.py` train several configs *interleaved*
(epoch 1 of every config, then epoch 2 of every config, ...) so that the load of the machine falls on
all alike. A `Trainer` owns one config's run directory: every `step()` resumes the run for one more
epoch with `gan.train.train` and copies its `generator.keras` to
`generators/epoch_NNN.keras` (`common.runformat.GanFiles.GENERATORS_DIR`, the folder `compare.report`
draws FID against training time from). A work folder is resumable: a new `Trainer` on an existing
folder counts the epochs whose generators were kept, so a crash costs at most the epoch in progress.

Wall time of an epoch is its `history.csv` seconds: the fit time of that epoch, without loading data
or building the networks. Every epoch is a fresh `train` call, so it includes tracing the train step.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
from pathlib import Path

from common.config import load_config
from common.errors import ConfigError
from common.runformat import GanFiles, GanSummary


class Trainer:
    """One config's run directory, trained one epoch per `step()`, keeping every epoch's generator.

    Args:
        name: the config's name in messages.
        config_path: its TOML file.
        folder: its run directory (created; an existing one is continued).
        overrides: dotted config keys over the file (`{"train.loss": "hinge", "data.limit": 512}`).

    Raises:
        ConfigError: the config or an override is invalid, or the folder's run was made by another config.
    """

    def __init__(self, name: str, config_path: Path, folder: Path, overrides: dict):
        from gan.config import GANConfig

        self.name = name
        self.folder = Path(folder)
        self.gens = self.folder / GanFiles.GENERATORS_DIR
        self.gens.mkdir(parents=True, exist_ok=True)
        self.base = load_config(GANConfig, config_path, values=overrides)
        # The epochs already trained here (an earlier invocation) are those whose generator was kept;
        # an epoch trained but not yet copied is picked up by the next step() from its checkpoint.
        self.epochs = 0
        self.trained = 0  # epochs this object trained (not those it found done, nor a copy it made again)
        while (self.gens / GanFiles.generator_snapshot(self.epochs + 1)).exists():
            self.epochs += 1

    def snapshot(self, epoch: int) -> Path:
        """The kept generator of `epoch` (1-based)."""
        return self.gens / GanFiles.generator_snapshot(epoch)

    def step(self) -> None:
        """Trains one more epoch and keeps its generator.

        Raises:
            ConfigError: the run directory holds more epochs than its kept generators say (a kept
                generator was deleted); use a fresh folder.
            and whatever `gan.train.train` raises.
        """
        import keras

        from gan.train import train

        epochs = self.epochs + 1
        config = dataclasses.replace(self.base, train=dataclasses.replace(self.base.train, epochs=epochs))
        keras.utils.set_random_seed(config.seed)  # as python -m gan.train does
        # A checkpoint that already holds this epoch (killed before the copy) trains nothing: its
        # generator.keras is that epoch's, because gan.callbacks.Checkpoint writes it first.
        resume = (self.folder / GanFiles.CONFIG).exists()
        rows = len(self.history())
        summary = train(config, self.folder, resume=resume, verbose=0, handle_signals=False)
        self.trained += int(len(self.history()) > rows)
        if summary.epochs != epochs:
            raise ConfigError(
                f"{self.folder} holds {summary.epochs} epochs but kept generators of {self.epochs}; use a fresh folder"
            )
        shutil.copy(self.folder / GanFiles.GENERATOR, self.snapshot(epochs))
        self.epochs = epochs

    def history(self) -> list[dict]:
        """The rows of the run's history.csv, one per finished epoch."""
        from compare.runs import read_csv

        return read_csv(self.folder / GanFiles.HISTORY)

    def cumulative_seconds(self) -> list[float]:
        """Cumulative fit seconds after epochs 1, 2, ..., up to the last kept generator (from history.csv)."""
        total, out = 0.0, []
        for row in self.history()[: self.epochs]:
            total += float(row["seconds"])
            out.append(total)
        return out

    def images_per_epoch(self) -> int:
        """Real images one epoch trains on (whole batches only), from `summary.json`."""
        summary = GanSummary.read(self.folder)
        return summary.images_seen // summary.epochs


def closest_epoch(cumulative: list[float], budget: float) -> int:
    """The epoch (1-based) whose cumulative time is closest to `budget` (ties: the earlier one)."""
    return min(range(len(cumulative)), key=lambda i: (abs(cumulative[i] - budget), i)) + 1


def add_interleaved_arguments(parser: argparse.ArgumentParser, checkpoints: list[int], kind: str) -> None:
    """Adds the options every interleaved benchmark takes: `--checkpoints`, `--max-epochs`, `--limit`, `--n`,
    `--seed`, `--out` (its default folder `runs/KIND-TIMESTAMP`), the evaluator's options and `--no-write`."""
    from benchmarks.evaluator_options import add_evaluator_arguments

    parser.add_argument("--checkpoints", type=int, nargs="+", default=checkpoints,
                        help=f"epochs to compare at (default: {' '.join(map(str, checkpoints))})")  # fmt: skip
    parser.add_argument(
        "--max-epochs", type=int, default=60, help="most epochs a faster config trains to match the time budget"
    )
    parser.add_argument("--limit", type=int, help="train on the first N images (validation only)")
    parser.add_argument("--n", type=int, default=10_000, help="generated images per measurement (default: 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", metavar="DIR",
                        help=f"work folder; an existing one is continued (default: runs/{kind}-TIMESTAMP)")  # fmt: skip
    add_evaluator_arguments(parser)
    parser.add_argument("--no-write", action="store_true", help="do not update benchmarks/RESULTS.md")


def checkpoints_of(args: argparse.Namespace) -> list[int]:
    """`--checkpoints`, sorted and without repeats.

    Raises:
        ConfigError: a checkpoint is not positive, or `--max-epochs` is below the largest.
    """
    checkpoints = sorted(set(args.checkpoints))
    if checkpoints[0] < 1 or args.max_epochs < checkpoints[-1]:
        raise ConfigError("--checkpoints must be positive and --max-epochs at least the largest checkpoint")
    return checkpoints
