"""Train the DCGAN: `train(config, run_dir)` as a library function, `python -m gan.train` on top.

    python -m gan.train                                     # the default recipe, a fresh runs/gan-*/
    python -m gan.train --config configs/gan/seed.toml      # the reference notebook's GAN
    python -m gan.train --epochs 2 --limit 8192 --out runs/quick
    python -m gan.train --resume runs/quick                 # continue a stopped or killed run

A run directory (`common.runformat.GanFiles`) holds `config.toml`, `history.csv`, `losses.png`, `samples/epoch_NNN.png`,
`samples.gif`, `generator.keras`, `checkpoint.weights.h5`, `summary.json` and, with
`--tensorboard`, `tensorboard/` (see `gan.callbacks` for how they are kept consistent).

Radford, Metz and Chintala 2015 (DCGAN); Goodfellow et al. 2014 (GAN).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from common.atomic import remove_temporaries
from common.cli import ArgumentParser, add_config_arguments, resolve_resume, run_cli
from common.config import load_config, save_config
from common.errors import ConfigError, SuiteError, TrainingError
from common.faults import reporting_faults
from common.runformat import GanFiles, GanSummary
from common.tfenv import configure_tensorflow, import_tensorflow_quietly
from gan.config import GANConfig
from gan.precision import AUTO, with_concrete_precision
from gan.resume import check_resumable, load_checkpoint, resumed_config
from gan.summary import write_summary

DEFAULT_CONFIG = "built-in defaults = configs/gan/default.toml"


class TrainingInterrupted(SuiteError):
    """Training stopped on Ctrl-C or SIGTERM; the last finished epoch is saved.

    Attributes:
        exit_code: 130 for SIGINT, 143 for SIGTERM (128 + the signal number, as shells report).
        epochs_done: finished epochs saved in the run directory.
    """

    def __init__(self, message: str, exit_code: int, epochs_done: int):
        super().__init__(message)
        self.exit_code = exit_code
        self.epochs_done = epochs_done


def train(
    config: GANConfig,
    run_dir: str | os.PathLike,
    resume: bool = False,
    callbacks: Sequence = (),
    verbose: int | None = None,
    handle_signals: bool = True,
) -> GanSummary:
    """Trains a GAN and writes everything into `run_dir`.

    The initial weights come from Keras's global seed, which this library function leaves alone:
    call `keras.utils.set_random_seed(config.seed)` first for a reproducible run (`main` does).
    The latent vectors, label noise and shuffling use `config.seed` whatever the global seed.

    Args:
        config: the resolved config.
        run_dir: an existing, writable folder (see `common.rundir.create_run_dir`).
        resume: continue the run in `run_dir` from its last finished epoch (its checkpoint);
            without a checkpoint (killed during the first epoch) it starts at epoch 1.
        callbacks: extra Keras callbacks, run after the run's own.
        verbose: Keras `fit` verbosity; None: a progress bar with ETA on a terminal, one line
            per epoch otherwise.
        handle_signals: turn Ctrl-C / SIGTERM into a clean stop at a safe point (main thread).

    Returns:
        The `GanSummary` also written to `summary.json`.

    Raises:
        DataError: the training images cannot be found or read.
        ConfigError: a value does not fit the data (batch larger than the data set, image size
            the generator cannot make) or, on resume, the model differs from the checkpoint's.
        InputError: on resume, the checkpoint is unreadable.
        TrainingError: a loss became non-finite; the last good epoch stays saved.
        WriteError: a file could not be written (disk full, folder gone or read-only); the last
            saved epoch stays whole.
        OutOfMemoryError: TensorFlow ran out of memory in a step; the last saved epoch stays whole.
        TrainingInterrupted: Ctrl-C or SIGTERM stopped training; the last finished epoch is saved.
    """
    run_dir = Path(run_dir)
    if config.output.tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise ConfigError("--tensorboard (output.tensorboard) needs the tensorboard package: pip install tensorboard")
    from gan.data import load_images

    images, labels = load_images(config.data.dataset, "train", config.data.data_dir, config.data.limit)
    if config.model.conditional:
        _check_labels(labels, config.model.num_classes)
    if len(images) < config.train.batch_size:
        raise ConfigError(
            f"train.batch_size {config.train.batch_size} is larger than the {len(images)} training images; "
            "lower --batch-size or raise --limit"
        )
    from gan.data import make_dataset
    from gan.distribute import get_strategy, is_chief, shard_by_data, write_dir

    strategy = get_strategy(config.strategy)
    chief = is_chief(strategy)  # only the chief writes into run_dir (gan.distribute)
    # "auto" becomes the precision this machine trains best in (or, resumed, the run's own), and the
    # saved config.toml names it.
    config = with_concrete_precision(config, run_dir if resume else None)
    if resume:
        check_resumable(config, run_dir)
        if chief:
            remove_temporaries(run_dir)
    if chief:
        save_config(config, run_dir / GanFiles.CONFIG)

    with strategy.scope():
        gan = build_gan(config, images.shape[1:])
        checkpoint = run_dir / GanFiles.CHECKPOINT  # every worker resumes from the chief's
        if resume and checkpoint.exists():
            load_checkpoint(gan, checkpoint)
    initial_epoch = int(gan.epochs_done.numpy())
    # A different shuffle seed per resumed start, so a resumed run does not replay epoch 1's order.
    dataset = make_dataset(
        images, config.train.batch_size, config.model.value_range, seed=config.seed + initial_epoch,
        labels=labels if config.model.conditional else None,
    )  # fmt: skip
    if config.strategy == "multi_worker":
        dataset = shard_by_data(dataset)
    with write_dir(run_dir, chief) as out:
        return _fit(config, gan, dataset, images, run_dir, out, initial_epoch, callbacks, verbose, handle_signals)


def _fit(config, gan, dataset, images, run_dir: Path, out: Path, initial_epoch, callbacks, verbose, handle_signals):
    """`train`'s fit and summary, writing into `out` (`run_dir`, or a non-chief worker's temporary folder)."""
    import keras

    from gan import callbacks as cb

    epochs = config.train.epochs
    guard = cb.TrainingGuard(initial_epoch)
    checkpointer = cb.Checkpoint(out, guard, initial_epoch)
    callback_list = [
        guard,
        cb.EpochReseed(),
        cb.SampleGrid(
            out,
            guard,
            n=config.output.samples,
            seed=config.seed,
            every=config.output.sample_every,
            scale=config.output.sample_scale,
            frame_ms=config.output.gif_frame_ms,
        ),
        cb.HistoryWriter(out, guard, initial_epoch, plot_labels=_plot_labels(config.train.loss)),
        checkpointer,
    ]
    if config.output.tensorboard:
        callback_list.append(
            keras.callbacks.TensorBoard(log_dir=str(out / GanFiles.TENSORBOARD_DIR), write_graph=False)
        )
    callback_list += list(callbacks)
    if verbose is None:
        verbose = 1 if sys.stdout.isatty() else 2

    start = time.perf_counter()
    # With nothing left to train (a finished run resumed), fit runs no epoch but still calls
    # on_train_end, which rewrites the GIF in case the run was killed just before writing it.
    # A full disk, a vanished or read-only folder, or exhausted memory stops the run at once; the
    # checkpoint of the last saved epoch stays whole (common.faults).
    resume_command = f"python -m gan.train --resume {run_dir}"
    faults = reporting_faults(
        kept=lambda: _kept(run_dir, checkpointer.epochs_saved),
        resume=resume_command,
        lower=f"lower --batch-size (now {config.train.batch_size})",
        resume_after_oom=f"{resume_command} --batch-size {max(1, config.train.batch_size // 2)}",
    )
    with faults, guard.stop.installed() if handle_signals else contextlib.nullcontext():
        gan.fit(
            dataset, epochs=epochs, initial_epoch=initial_epoch, shuffle=False, verbose=verbose, callbacks=callback_list
        )
    fit_seconds = time.perf_counter() - start

    if guard.failure:
        raise TrainingError(
            f"training stopped: {guard.failure}. The last good state (epoch {guard.epochs_done}) is kept in "
            f"{run_dir}. Lower train.d_learning_rate / train.g_learning_rate and start a new run, or "
            f"resume with --resume to retry from there"
        )
    summary = write_summary(config, out, gan, images, guard.epochs_done, fit_seconds)
    if guard.epochs_done < epochs:
        stopped = guard.stop_signal or "a callback"
        raise TrainingInterrupted(
            f"stopped by {stopped} after {guard.epochs_done} of {epochs} epochs; the state is saved in {run_dir}. "
            f"Continue with: python -m gan.train --resume {run_dir}",
            exit_code=guard.stop.exit_code,
            epochs_done=guard.epochs_done,
        )
    return summary


def _kept(run_dir: Path, epochs_saved: int) -> str:
    if epochs_saved == 0:
        return f"no epoch had finished yet, so {run_dir} starts again at epoch 1"
    return f"the state after epoch {epochs_saved} is kept in {run_dir}"


def build_gan(config: GANConfig, image_shape):
    """Builds and compiles the `GAN` for `config` and images of `image_shape` (H, W, C).

    Call it inside the distribution strategy's scope. The optimizers are built, so a checkpoint
    can be loaded into them.
    """
    import keras

    from gan.gan import GAN
    from gan.losses import get_loss
    from gan.models import build_discriminator, build_generator
    from gan.precision import resolve_precision

    t = config.train
    loss = get_loss(t.loss)
    # Layers take Keras's global dtype policy when they are made: set `train.precision` for the
    # two networks only, and put the caller's policy back. (No loss scaling: bfloat16 has float32's
    # exponent range, so small gradients do not underflow as they would in float16.)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(resolve_precision(t.precision, multi_worker=config.strategy == "multi_worker"))
    try:
        # The notebook builds the discriminator first; same order, same initial weights for a seed.
        # Its last activation follows the loss (sigmoid only where the loss wants probabilities).
        discriminator = build_discriminator(config.model, image_shape, activation=loss.activation)
        # Under a strategy, batch norm uses the global batch's statistics, so the replicas keep one
        # set of moving statistics (per-replica statistics would drift apart between workers).
        generator = build_generator(config.model, image_shape, sync_batch_norm=config.strategy != "default")
    finally:
        keras.config.set_dtype_policy(previous)
    gan = GAN(
        generator,
        discriminator,
        label_noise=t.label_noise,
        training_mode=t.training_mode,
        ema=t.ema,
        seed=config.seed,
        critic_steps=t.critic_steps,
        gp_weight=t.gp_weight,
        gp_interpolation=t.gp_interpolation,
        drift_weight=t.drift_weight,
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(t.d_learning_rate, beta_1=t.beta_1, beta_2=t.beta_2),
        g_optimizer=keras.optimizers.Adam(t.g_learning_rate, beta_1=t.beta_1, beta_2=t.beta_2),
        loss_fn=loss,
    )
    gan.build_optimizers()
    return gan


def _check_labels(labels, num_classes: int) -> None:
    """A conditional GAN needs every training label in 0 .. model.num_classes - 1."""
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= num_classes:
        raise ConfigError(
            f"model.conditional needs class labels 0..{num_classes - 1} (model.num_classes = {num_classes}); "
            f"the training labels run from {low} to {high}: set model.num_classes"
        )


def _plot_labels(loss_name: str) -> dict:
    """How `losses.png` names the loss and the discriminator's outputs for `train.loss`."""
    from gan.losses import get_loss

    loss = get_loss(loss_name)
    return {"loss_label": loss.loss_label, "output_label": loss.output_label, "output_range": loss.output_range}


# --- command line --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="python -m gan.train",
        description="Train a DCGAN on Fashion-MNIST (or another image data set) into a run directory.",
        epilog="Config keys for --set: see configs/gan/default.toml. Exit codes: 0 done, 1 training failed, "
        "2 bad input, 3 a file could not be written (disk full, folder gone or read-only), 4 out of memory, "
        "130/143 stopped by Ctrl-C/SIGTERM (after 3, 4, 130 and 143, continue with --resume).",
    )
    add_config_arguments(parser, DEFAULT_CONFIG)
    parser.add_argument("--epochs", type=int, help="epochs to train in total (train.epochs)")
    parser.add_argument("--batch-size", type=int, help="real images per step (train.batch_size)")
    parser.add_argument("--limit", type=int, metavar="N", help="train on the first N images only (data.limit)")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="folder with the four Fashion-MNIST .gz files (data.data_dir)"
    )
    parser.add_argument("--dataset", metavar="NAME", help="fashion_mnist, or a TFDS image data set (data.dataset)")
    parser.add_argument(
        "--strategy", choices=("default", "mirrored", "multi_worker"),
        help="tf.distribute strategy (strategy); multi_worker reads the cluster from TF_CONFIG (see README)",
    )  # fmt: skip
    parser.add_argument("--precision", choices=("auto", "float32", "mixed_bfloat16"),
                        help="dtype policy (train.precision); auto: mixed_bfloat16 on CPUs with AVX512_BF16/AMX")  # fmt: skip
    parser.add_argument(
        "--tensorboard", action="store_true", default=None, help="also write TensorBoard logs (output.tensorboard)"
    )
    parser.add_argument(
        "--resume",
        nargs="?",
        const=True,
        metavar="RUN_DIR",
        help="continue the run in RUN_DIR from its last finished epoch, with its config.toml; repeated flags "
        "must resolve to that config, except that --set and the flags may change train.* keys when --config "
        "is not repeated (`--out RUN_DIR --resume` is the old spelling, still accepted)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    values = {
        "seed": args.seed,
        "strategy": args.strategy,
        "train.epochs": args.epochs,
        "train.batch_size": args.batch_size,
        "train.precision": args.precision,
        "data.limit": args.limit,
        "data.data_dir": args.data_dir,
        "data.dataset": args.dataset,
        "output.tensorboard": args.tensorboard,
    }
    resume_dir = resolve_resume(args.resume, args.out, "gan.train")
    if resume_dir is not None:
        config = resumed_config(resume_dir, args.config, args.overrides, values)
        args.out = resume_dir
    else:
        config = load_config(GANConfig, args.config, args.overrides, values)
    chief = True
    if config.strategy == "multi_worker":
        from gan.distribute import read_tf_config

        chief = read_tf_config().is_chief  # ConfigError (exit 2) for a missing or malformed TF_CONFIG
        if args.out is None:
            raise ConfigError("--strategy multi_worker needs --out RUN_DIR, the same folder on every worker")

    from common.rundir import create_run_dir

    # Folders this call creates, removed again if it fails before writing anything into them.
    planned = [Path("runs")] if args.out is None else [p for p in (Path(args.out), *Path(args.out).parents)]
    created = [p for p in planned if not p.exists()] if chief else []
    # Only the chief makes the run directory; another worker reads the chief's on resume.
    run_dir = create_run_dir(args.out, "gan", resume=resume_dir is not None) if chief else Path(args.out)
    if args.out is None:
        created.append(run_dir)
    configure_tensorflow(onednn=True)
    import_tensorflow_quietly()
    import keras

    if config.strategy == "multi_worker":
        from gan.distribute import multi_worker_strategy

        multi_worker_strategy()  # before any TensorFlow operation; waits for every worker
    keras.utils.set_random_seed(config.seed)  # the initial weights: the process is this run's alone
    print(f"gan.train: run directory {run_dir}" + ("" if chief else " (the chief's; this worker writes nothing there)"),
          file=sys.stderr, flush=True)  # fmt: skip
    if config.train.precision == AUTO:
        config = with_concrete_precision(config, resume_dir)
        print(f'gan.train: precision {config.train.precision} (train.precision "auto" on this machine; see '
              "gan/precision.py)", file=sys.stderr, flush=True)  # fmt: skip
    try:
        summary = train(config, run_dir, resume=resume_dir is not None)
    except TrainingInterrupted as e:
        print(f"gan.train: {e}", file=sys.stderr)
        return e.exit_code
    except SuiteError:
        # Nothing was written: leave no empty run directory behind.
        for folder in sorted(created, key=lambda p: len(p.absolute().parts), reverse=True):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only succeeds when empty
        raise
    where = f"wrote {run_dir}" if chief else f"the chief wrote {run_dir}"
    print(
        f"gan.train: {summary.epochs} epoch{'' if summary.epochs == 1 else 's'}, {summary.images_per_second} images/s; {where}. "
        f"Sample with: python -m gan.sample {run_dir}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
