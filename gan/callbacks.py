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
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import keras
import numpy as np

from common.atomic import atomic_path, write_text
from gan.grid import load_png, make_grid, save_gif, save_png
from gan.sample import grid_images

HISTORY_COLUMNS = ("epoch", "d_loss", "g_loss", "d_real", "d_fake", "seconds")
CHECKPOINT = "checkpoint.weights.h5"
GENERATOR = "generator.keras"


class TrainingGuard(keras.callbacks.Callback):
    """Stops training at a safe point and tells the other callbacks whether an epoch finished.

    - First Ctrl-C (SIGINT): finish the current epoch, save it, stop.
    - Second Ctrl-C, or SIGTERM: stop after the current batch; the unfinished epoch is dropped,
      the last finished one stays saved.
    - A non-finite loss (or weight): stop after the batch; the epoch is not saved.

    Attributes:
        epoch_complete: at `on_epoch_end`, whether the epoch ran all its batches with finite
            losses and weights (the other callbacks record only complete epochs).
        stop_signal: the name of the signal that stopped training ("SIGINT"/"SIGTERM"), or None.
        failure: what went non-finite, or None.
        epochs_done: the number of finished epochs so far.
    """

    def __init__(self, initial_epoch: int = 0, message_stream=None):
        super().__init__()
        self.epochs_done = initial_epoch
        self.epoch_complete = False
        self.stop_signal: str | None = None
        self.failure: str | None = None
        self._stop_after_batch = False
        self._stop_after_epoch = False
        self._batches = 0
        self._epoch = initial_epoch
        self._stream = message_stream

    # --- signals -------------------------------------------------------------------------------

    def request_stop(self, signal_name: str, now: bool) -> str:
        """Asks training to stop after this epoch (`now=False`) or this batch; returns a message."""
        self.stop_signal = signal_name
        if now:
            self._stop_after_batch = True
            return (
                f"{signal_name}: stopping after the current batch; epoch {self._epoch + 1} is dropped "
                f"and the state after epoch {self.epochs_done} is kept"
            )
        self._stop_after_epoch = True
        return (
            f"{signal_name}: finishing epoch {self._epoch + 1} and saving it, then stopping "
            "(press Ctrl-C again to stop after the current batch instead)"
        )

    @contextlib.contextmanager
    def catch_signals(self) -> Iterator[None]:
        """Within the block, SIGINT and SIGTERM call `request_stop` instead of killing Python.

        Only the main thread can install signal handlers; elsewhere this does nothing.
        """
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def on_signal(signum, frame):
            name = signal.Signals(signum).name
            now = signum != signal.SIGINT or self._stop_after_epoch or self._stop_after_batch
            print(f"\n{self.request_stop(name, now)}", file=self._stream or sys.stderr, flush=True)

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

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
        elif self._stop_after_batch:
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
        if self.failure or self._stop_after_epoch or self._stop_after_batch:
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
    has one row per class of n // classes images (`gan.sample.grid_images`), which
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
        self.folder = Path(run_dir) / "samples"
        self.gif = Path(run_dir) / "samples.gif"
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
            make_grid(images, columns=columns, scale=self.scale), self.folder / f"epoch_{epochs_done:03d}.png"
        )

    def on_train_end(self, logs=None):
        if self.guard.epochs_done >= self.params["epochs"]:
            self.write_gif()

    def write_gif(self) -> Path | None:
        """Writes `samples.gif` from every grid up to the finished epochs; returns its path."""
        frames = [
            load_png(p)
            for p in sorted(self.folder.glob("epoch_*.png"))
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
        self.csv_path = Path(run_dir) / "history.csv"
        self.plot_path = Path(run_dir) / "losses.png"
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
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
        write_text(self.csv_path, out.getvalue())
        if self.rows:
            plot_history(self.rows, self.plot_path, **self.plot_labels)


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


def plot_history(
    rows: list[dict],
    path: str | os.PathLike,
    loss_label: str = "binary cross-entropy",
    output_label: str = "mean D output = P(fake)",
    output_range: tuple[float, float] | None = (0.0, 1.0),
) -> Path:
    """Plots losses and discriminator outputs per epoch into a PNG (matplotlib, Agg) atomically.

    `loss_label`, `output_label` and `output_range` say what the loss and the d_real / d_fake
    columns are for the run's `train.loss` (`gan.losses.GANLoss`); the defaults are the reference's.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    epochs = [r["epoch"] for r in rows]
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax_loss, ax_d = fig.subplots(1, 2)
    for key in ("d_loss", "g_loss"):
        ax_loss.plot(epochs, [r[key] for r in rows], marker="o", label=key)
    ax_loss.set(xlabel="epoch", ylabel=loss_label, title="losses")
    for key, label in (("d_real", "on real images"), ("d_fake", "on generated images")):
        ax_d.plot(epochs, [r[key] for r in rows], marker="o", label=label)
    ax_d.set(xlabel="epoch", ylabel=output_label, title="discriminator")
    if output_range is not None:
        ax_d.set_ylim(output_range[0] - 0.02, output_range[1] + 0.02)
    for ax in (ax_loss, ax_d):
        ax.legend()
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    return Path(path)


class Checkpoint(keras.callbacks.Callback):
    """Saves `generator.keras` and then the resumable state after every finished epoch.

    `checkpoint.weights.h5` holds both networks, both optimizers' state, the generator EMA and
    the number of finished epochs (`GAN.epochs_done`), in one file written atomically, so the
    file on disk is always one consistent finished epoch.

    Args:
        run_dir: the run directory.
        guard: the run's `TrainingGuard`.
    """

    def __init__(self, run_dir, guard: TrainingGuard):
        super().__init__()
        self.run_dir = Path(run_dir)
        self.guard = guard

    def on_epoch_end(self, epoch, logs=None):
        if self.guard.epoch_complete:
            self.model.epochs_done.assign(epoch + 1)
            save_model_atomic(self.model.sampler, self.run_dir / GENERATOR)
            save_weights_atomic(self.model, self.run_dir / CHECKPOINT)


def save_model_atomic(model: keras.Model, path: str | os.PathLike) -> Path:
    """`model.save(path)` (a `.keras` file) through a temporary file renamed into place."""
    with atomic_path(path) as tmp:
        model.save(tmp)
    return Path(path)


def save_weights_atomic(model: keras.Model, path: str | os.PathLike) -> Path:
    """`model.save_weights(path)` (a `.weights.h5` file) through a temporary file renamed into place.

    Keras insists on the `.weights.h5` ending, which `atomic_path`'s temporary name lacks, so the
    weights go to a second temporary name first.
    """
    path = Path(path)
    if not path.name.endswith(".weights.h5"):
        raise ValueError(f"a Keras weights file must end in .weights.h5, got {path}")
    with atomic_path(path) as tmp:
        staged = tmp.with_name(tmp.name.removesuffix(".h5") + ".weights.h5")
        try:
            model.save_weights(staged)
            os.replace(staged, tmp)
        finally:
            with contextlib.suppress(FileNotFoundError):
                staged.unlink()
    return path
