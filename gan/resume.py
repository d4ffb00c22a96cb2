"""Continuing a stopped run: its saved config, the checks that it fits, and its checkpoint.

`gan.train --resume RUN_DIR` reads the run's `config.toml` (`resumed_config`), refuses changes the
checkpoint cannot take (`check_resumable`: the networks, the loss, the precision) and restores the
weights, both optimizers' state and the epoch count (`load_checkpoint`); `gan.train` first deletes
the temporary files a killed run left (`common.atomic.remove_temporaries`).
"""

from __future__ import annotations

from pathlib import Path

from common.config import load_config
from common.errors import ConfigError, InputError
from common.runformat import GanFiles
from gan.config import GANConfig
from gan.precision import with_concrete_precision


def resumed_config(run_dir: str, config_path: str | None, overrides, values: dict) -> GANConfig:
    """The config of a resumed run: its saved config.toml, which repeated flags may not contradict.

    Without `--config`, `--set` and the flags apply over the saved config (to train longer, say);
    `check_resumable` refuses changes to model.* keys later. With `--config` (the original command
    repeated), the flags must resolve to the saved config exactly.

    Args:
        run_dir: the run directory named by `--resume`.
        config_path: the `--config` file, or None.
        overrides: the `--set KEY=VALUE` strings.
        values: the flags' values by config key (None: not given).

    Raises:
        InputError: RUN_DIR holds no run.
        ConfigError: the repeated flags resolve to another config; the message names the keys.
    """
    from common.config import config_differences

    saved_path = Path(run_dir) / GanFiles.CONFIG
    if not saved_path.is_file():
        raise InputError(f"--resume: {run_dir} holds no run to continue (no {GanFiles.CONFIG} there)")
    if config_path is None:
        return load_config(GANConfig, saved_path, overrides, values)
    saved = load_config(GANConfig, saved_path)
    # "auto" (the default) means the precision the run was trained in, which its config.toml names.
    repeated = with_concrete_precision(load_config(GANConfig, config_path, overrides, values), Path(run_dir))
    differing = config_differences(saved, repeated)
    if differing:
        raise ConfigError(
            f"--resume {run_dir}: the repeated flags differ from the run's {GanFiles.CONFIG} in "
            f"{', '.join(differing)}; drop --config to continue with the saved config (--set may change train.* keys)"
        )
    return saved


def check_resumable(config: GANConfig, run_dir: Path) -> None:
    """On resume the networks, the loss and the precision must be the ones the checkpoint was trained with.

    Raises:
        InputError: the run directory holds no readable config.toml.
        ConfigError: `config` changes one of those keys; the message names it.
    """
    saved_path = run_dir / GanFiles.CONFIG
    if not saved_path.is_file():
        raise InputError(f"--resume: {run_dir} holds no run to continue (no config.toml there)")
    try:
        saved = load_config(GANConfig, saved_path)
    except ConfigError as e:
        raise InputError(f"--resume: the run's own {saved_path} is unreadable: {e}") from None
    if saved.train.loss != config.train.loss:
        raise ConfigError(
            f"train.loss {config.train.loss!r} does not match the run in {run_dir}, trained with "
            f"{saved.train.loss!r}; --resume cannot change the loss, start a new run instead"
        )
    if saved.train.precision != config.train.precision:
        # The checkpoint would load (variables are float32 either way), but a run that changes
        # precision halfway measures neither: its speed and FID belong to no one setting.
        raise ConfigError(
            f"train.precision {config.train.precision!r} does not match the run in {run_dir}, trained with "
            f"{saved.train.precision!r}; --resume cannot change the precision, start a new run instead"
        )
    if saved.model == config.model:
        return
    if saved.model.latent_dim != config.model.latent_dim:
        raise ConfigError(
            f"model.latent_dim {config.model.latent_dim} does not match the checkpoint in {run_dir}, "
            f"which was trained with latent_dim {saved.model.latent_dim}; drop the override or start a new run"
        )
    raise ConfigError(
        f"the model settings differ from those the run in {run_dir} was trained with "
        f"(see its config.toml); --resume cannot change model.* keys, start a new run instead"
    )


def load_checkpoint(gan, path: Path) -> None:
    """Restores weights, optimizer state and the epoch count from `checkpoint.weights.h5`.

    Raises:
        InputError: the file is unreadable or does not fit the model.
    """
    try:
        gan.load_weights(path)
    except Exception as e:  # noqa: BLE001 - h5py and Keras raise many types for a bad file
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(
            f"cannot resume from {path}: {reason[:300]}. The file is corrupt or from a different model; "
            "start a new run (or delete it to restart this run from epoch 1)"
        ) from None
