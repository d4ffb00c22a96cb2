"""Keras callbacks that make a GAN run observable and resumable; every file they write is atomic.

`gan.train` passes them to `fit` in this order, which matters at the end of each epoch:

1. `TrainingGuard`: stops at a safe point on Ctrl-C / SIGTERM or a non-finite loss, and decides
   whether the epoch that just ended is complete (only complete epochs are recorded).
2. `EpochReseed`: restarts the model's seed generator at a point fixed by the epoch number.
3. `SampleGrid`: `samples/epoch_NNN.png` from fixed latent vectors; `samples.gif` at the end.
4. `HistoryWriter`: `history.csv` (one row per finished epoch) and `losses.png`.
5. `Checkpoint`: `generator.keras`, then `checkpoint.weights.h5` (the resumable state), last.

The checkpoint is the commit point. A run killed between steps 4 and 5 has a history row (and
maybe a sample grid) for an epoch the checkpoint does not have yet; resuming rewrites
`history.csv` from the rows up to the checkpoint's epoch and re-runs that epoch, so the history
never has gaps or duplicates. Keras's `CSVLogger` (appends in place) and `BackupAndRestore`
(weights and epoch in two separate, non-atomic files) cannot give that guarantee, which is why
these are written here; Keras's `TensorBoard` callback is used as is for the optional logs.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import time
from pathlib import Path

import keras
import numpy as np

from common.atomic import atomic_path, write_text
from common.diskspace import variables_nbytes
from common.images import load_png, make_grid, save_gif, save_png
from common.plots import Panel, plot_panels
from common.runformat import GanFiles
from common.stop import StopFlag
from gan.classes import grid_images

HISTORY_COLUMNS = ("epoch", "d_loss", "g_loss", "d_real", "d_fake", "seconds")


class TrainingGuard(keras.callbacks.Callback):
    """Stops training at a safe point and tells the other callbacks whether an epoch finished.

    - First Ctrl-C (SIGINT): finish the current epoch, save it, stop.
    - Second Ctrl-C, or SIGTERM: stop after the current batch; the unfinished epoch is dropped,
      the last finished one stays saved. One more signal aborts at once.
    - A non-finite loss (or weight): stop after the batch; the epoch is not saved.

    The signals arrive through `stop`, a `common.stop.StopFlag` with epoch granularity; install
    its handlers with `with guard.stop.installed(): model.fit(...)`.

    Attributes:
        stop: the run's `StopFlag`.
        epoch_complete: at `on_epoch_end`, whether the epoch ran all its batches with finite
            losses and weights (the other callbacks record only complete epochs).
        failure: what went non-finite, or None.
        epochs_done: the number of finished epochs so far.
    """

    def __init__(self, initial_epoch: int = 0, prog: str = "gan.train"):
        super().__init__()
        self.stop = StopFlag(prog, epochs=True, describe=self._describe_stop)
        self.epochs_done = initial_epoch
        self.epoch_complete = False
        self.failure: str | None = None
        self._batches = 0
        self._epoch = initial_epoch

    @property
    def stop_signal(self) -> str | None:
        """The name of the signal that stopped training ("SIGINT"/"SIGTERM"), or None."""
        return self.stop.signal_name

    def _describe_stop(self, now: bool) -> str:
        name = self.stop.signal_name
        if now:
            return (
                f"{name}: stopping after the current batch; epoch {self._epoch + 1} is dropped "
                f"and the state after epoch {self.epochs_done} is kept"
            )
        return (
            f"{name}: finishing epoch {self._epoch + 1} and saving it, then stopping "
            "(press Ctrl-C again to stop after the current batch instead)"
        )

    # --- callback hooks ------------------------------------------------------------------------

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._batches = 0
        self.epoch_complete = False

    def on_train_batch_end(self, batch, logs=None):
        self._batches = batch + 1
        bad = _non_finite(logs)
        if bad:
            self.failure = f"{bad} at epoch {self._epoch + 1}, batch {batch + 1}"
            self.model.stop_training = True
        elif self.stop.after_step:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.failure is None:
            bad = _non_finite(logs) or _non_finite_weights(self.model)
            if bad:
                self.failure = f"{bad} at the end of epoch {epoch + 1}"
        # Complete: every batch ran (whoever stopped training, this callback or another one).
        steps = self.params.get("steps")
        ran_all = self._batches >= steps if steps else not self.model.stop_training
        self.epoch_complete = self.failure is None and ran_all
        if self.epoch_complete:
            self.epochs_done = epoch + 1
        if self.failure or self.stop.after_epoch or self.stop.after_step:
            self.model.stop_training = True


def _non_finite(logs) -> str | None:
    logs = logs or {}
    for name in sorted(logs, key=lambda k: (k not in ("d_loss", "g_loss"), k)):  # losses first
        value = logs[name]
        try:
            value = float(value)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(value):
            return f"{name} became {value}"
    return None


def _non_finite_weights(model) -> str | None:
    for network in (model.generator, model.discriminator):
        for weight in network.weights:
            if not np.isfinite(keras.ops.convert_to_numpy(weight)).all():
                return f"weight {weight.path} became non-finite"
    return None


class EpochReseed(keras.callbacks.Callback):
    """Calls `model.reseed(epoch)` at the start of each epoch (see `GAN.reseed`)."""

    def on_epoch_begin(self, epoch, logs=None):
        self.model.reseed(epoch)


class SampleGrid(keras.callbacks.Callback):
    """Writes a grid of samples from fixed latent vectors after every `every` epochs.

    The latent vectors are `gan.sample.generate`'s for `seed`, so
    `python -m gan.sample RUN --n N --seed SEED` redraws the last grid. A conditional model's grid
    has one row per class of n // classes images (`gan.classes.grid_images`), which
    `python -m gan.sample RUN --per-class n//classes --seed SEED` redraws. Files go to
    `run_dir/samples/epoch_NNN.png` (NNN = epochs finished) and, when training ends with every
    planned epoch done, `run_dir/samples.gif` (all grids in order).

    Args:
        run_dir: the run directory.
        guard: the run's `TrainingGuard` (grids only for complete epochs).
        n: images per grid.
        seed: seed of the fixed latent vectors.
        every: write a grid after epochs every, 2 * every, ... and after the last epoch.
        scale: pixel enlargement of the grid.
        frame_ms: GIF frame duration.
    """

    def __init__(self, run_dir, guard: TrainingGuard, n=64, seed=0, every=1, scale=2, frame_ms=400):
        super().__init__()
        self.folder = Path(run_dir) / GanFiles.SAMPLES_DIR
        self.gif = Path(run_dir) / GanFiles.GIF
        self.guard, self.n, self.seed, self.every = guard, n, seed, every
        self.scale, self.frame_ms = scale, frame_ms

    def on_train_begin(self, logs=None):
        self.folder.mkdir(exist_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        if self.guard.epoch_complete and (done % self.every == 0 or done == self.params["epochs"]):
            self.write_grid(done)

    def write_grid(self, epochs_done: int) -> Path:
        """Writes `samples/epoch_NNN.png` for the model as it is now; returns its path."""
        images, columns = grid_images(self.model.sampler, self.n, self.seed)  # conditional: a row per class
        return save_png(
            make_grid(images, columns=columns, scale=self.scale), self.folder / GanFiles.sample_grid(epochs_done)
        )

    def on_train_end(self, logs=None):
        if self.guard.epochs_done >= self.params["epochs"]:
            self.write_gif()

    def write_gif(self) -> Path | None:
        """Writes `samples.gif` from every grid up to the finished epochs; returns its path."""
        frames = [
            load_png(p)
            for p in sorted(self.folder.glob(GanFiles.SAMPLE_GLOB))
            if _epoch_of(p) is not None and _epoch_of(p) <= self.guard.epochs_done
        ]
        if not frames:
            return None
        return save_gif(frames, self.gif, frame_ms=self.frame_ms)


def _epoch_of(path: Path) -> int | None:
    digits = path.stem.removeprefix("epoch_")
    return int(digits) if digits.isdigit() else None


class HistoryWriter(keras.callbacks.Callback):
    """Keeps `history.csv` (a row per finished epoch) and `losses.png` up to date.

    Columns: epoch (1-based), d_loss, g_loss, d_real and d_fake (the discriminator's mean output,
    P(fake), on real and on generated images), seconds (the epoch's wall time).

    Args:
        run_dir: the run directory.
        guard: the run's `TrainingGuard`.
        initial_epoch: epochs already done; rows beyond it (from a killed run) are dropped.
        plot_labels: keyword arguments of `plot_history` naming the loss and D's outputs for
            `train.loss` (default: the reference loss's).
    """

    def __init__(self, run_dir, guard: TrainingGuard, initial_epoch: int = 0, plot_labels: dict | None = None):
        super().__init__()
        self.plot_labels = plot_labels or {}
        self.csv_path = Path(run_dir) / GanFiles.HISTORY
        self.guard = guard
        self.rows = [r for r in read_history(self.csv_path) if r["epoch"] <= initial_epoch]
        self._start = time.perf_counter()

    def on_train_begin(self, logs=None):
        if self.rows or self.csv_path.exists():
            self.write()  # drop rows of an epoch the checkpoint does not have

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if not self.guard.epoch_complete:
            return
        logs = logs or {}
        row = {"epoch": epoch + 1}
        for key in HISTORY_COLUMNS[1:-1]:
            row[key] = float(logs.get(key, float("nan")))
        row["seconds"] = time.perf_counter() - self._start
        self.rows = [r for r in self.rows if r["epoch"] < epoch + 1] + [row]
        self.write()

    def write(self) -> None:
        """Rewrites `history.csv` and `losses.png` from `rows`."""
        write_history(self.csv_path.parent, self.rows, **self.plot_labels)


def write_history(run_dir: str | os.PathLike, rows: list[dict], **plot_labels) -> None:
    """Writes `history.csv` (columns `HISTORY_COLUMNS`) and, with rows, `losses.png` into `run_dir`.

    `plot_labels` are `plot_history`'s keyword arguments naming the loss and D's outputs.
    """
    run_dir = Path(run_dir)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    write_text(run_dir / GanFiles.HISTORY, out.getvalue())
    if rows:
        plot_history(rows, run_dir / GanFiles.LOSSES_PNG, **plot_labels)


def read_history(path: str | os.PathLike) -> list[dict]:
    """Reads `history.csv` into a list of rows (epoch as int, the rest as float); [] if absent."""
    path = Path(path)
    if not path.is_file():
        return []
    rows = []
    with open(path, newline="") as f:
        for record in csv.DictReader(f):
            try:
                row = {"epoch": int(record["epoch"])}
                row.update({k: float(record[k]) for k in HISTORY_COLUMNS[1:]})
            except (KeyError, TypeError, ValueError):
                continue  # a row from another version of the file; it is rewritten anyway
            rows.append(row)
    return rows


def loss_panels(
    rows: list[dict],
    loss_label: str = "binary cross-entropy",
    output_label: str = "mean D output = P(fake)",
    output_range: tuple[float, float] | None = (0.0, 1.0),
) -> list[Panel]:
    """The two panels of a GAN's curves per epoch: both losses, and D's mean outputs (`common.plots`).

    `loss_label`, `output_label` and `output_range` say what the loss and the d_real / d_fake
    columns are for the run's `train.loss` (`gan.losses.GANLoss`); the defaults are the reference's.
    """
    epochs = [r["epoch"] for r in rows]

    def series(names):
        return {label: [r[key] for r in rows] for key, label in names if rows and key in rows[0]}

    ylim = None if output_range is None else (output_range[0] - 0.02, output_range[1] + 0.02)
    return [
        Panel(epochs, series((("d_loss", "discriminator loss"), ("g_loss", "generator loss"))), "epoch",
              loss_label, "GAN losses (a game, not a descent)", whole_x=True, markers=True),
        Panel(epochs, series((("d_real", "D on real images"), ("d_fake", "D on generated images"))), "epoch",
              output_label, "discriminator outputs", whole_x=True, markers=True, ylim=ylim),
    ]  # fmt: skip


def plot_history(rows: list[dict], path: str | os.PathLike, **labels) -> Path:
    """Plots `loss_panels(rows, **labels)` into a PNG atomically."""
    return plot_panels(loss_panels(rows, **labels), path, width=10, height=3.8)


class Checkpoint(keras.callbacks.Callback):
    """Saves `generator.keras` and then the resumable state after every finished epoch.

    `checkpoint.weights.h5` holds both networks, both optimizers' state, the generator EMA and
    the number of finished epochs (`GAN.epochs_done`), in one file written atomically, so the
    file on disk is always one consistent finished epoch.

    Args:
        run_dir: the run directory.
        guard: the run's `TrainingGuard`.
    """

    def __init__(self, run_dir, guard: TrainingGuard, initial_epoch: int = 0):
        super().__init__()
        self.run_dir = Path(run_dir)
        self.guard = guard
        self.epochs_saved = initial_epoch  # the epoch `checkpoint.weights.h5` holds

    def on_epoch_end(self, epoch, logs=None):
        if self.guard.epoch_complete:
            self.model.epochs_done.assign(epoch + 1)
            save_model_atomic(self.model.sampler, self.run_dir / GanFiles.GENERATOR)
            save_weights_atomic(self.model, self.run_dir / GanFiles.CHECKPOINT)
            self.epochs_saved = epoch + 1


def save_model_atomic(model: keras.Model, path: str | os.PathLike) -> Path:
    """`model.save(path)` (a `.keras` file) through a temporary file renamed into place.

    Raises:
        WriteError: it will not fit in the free space (checked first: HDF5 can crash the process
            on a full disk), or the write failed.
    """
    with atomic_path(path, size_hint=variables_nbytes(model.weights)) as tmp:
        model.save(tmp)
    return Path(path)


def save_weights_atomic(model: keras.Model, path: str | os.PathLike) -> Path:
    """`model.save_weights(path)` (a `.weights.h5` file) through a temporary file renamed into place.

    Keras insists on the `.weights.h5` ending, which `atomic_path`'s temporary name lacks, so the
    weights go to a second temporary name first.

    Raises:
        WriteError: it will not fit in the free space (checked first: HDF5 can crash the process
            on a full disk), or the write failed.
    """
    path = Path(path)
    if not path.name.endswith(".weights.h5"):
        raise ValueError(f"a Keras weights file must end in .weights.h5, got {path}")
    # What save_weights writes: the model's variables and those of its optimizers (a GAN has two).
    optimizers = [v for v in vars(model).values() if isinstance(v, keras.optimizers.Optimizer)]
    variables = [*model.weights, *(v for optimizer in optimizers for v in optimizer.variables)]
    with atomic_path(path, size_hint=variables_nbytes(variables)) as tmp:
        staged = tmp.with_name(tmp.name.removesuffix(".h5") + ".weights.h5")
        try:
            model.save_weights(staged)
            os.replace(staged, tmp)
        finally:
            with contextlib.suppress(FileNotFoundError):
                staged.unlink()
    return path
