"""The run directory format, as code: the file names of a run and its `summary.json`.

`gan.train` and `nst.transfer` write run directories; `compare/`, `gan.sample`, the benchmarks and
the tests read them. They all spell the file names through `GanFiles` / `NstFiles` and read and
write the summaries through `GanSummary` / `NstSummary`, so the format lives in this one module.

Shared quantities have one spelling in both summaries:

    format            the summary format's version (`FORMAT`); a reader refuses any other
    seconds           wall seconds spent making the result, over every invocation of the run
                      (GAN: the finished epochs' training time; style transfer: the optimization,
                      VGG19 loading excluded)
    invocation_seconds  wall seconds of the invocation that wrote the summary
    seconds_per_image wall seconds to make one new image once the run is done (GAN: one generator
                      forward pass, batched; style transfer: a whole optimization, `seconds`)
    parameters        numbers the run trained (GAN: both networks' weights; style transfer: the
                      pixels of the one image being optimized)
    peak_memory_mb    the peak resident memory of the process that wrote the summary, in MB

Example:
    >>> GanSummary(...).write(run_dir)           # run_dir / GanFiles.SUMMARY, atomically
    >>> summary = NstSummary.read(run_dir)        # InputError if absent or of another format
"""

from __future__ import annotations

import dataclasses
import json
import os
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from common.errors import InputError

FORMAT = 1
"""The version of both summaries. Raise it when a field is renamed, removed or changes meaning."""

T = TypeVar("T", bound="_Summary")

RUN_CONFIG = "config.toml"
"""The resolved config every run directory holds (`common.config.save_config`); its presence marks a run."""


class GanFiles:
    """File names inside a `gan.train` run directory."""

    CONFIG = RUN_CONFIG  # the resolved config
    HISTORY = "history.csv"  # one row per finished epoch (`gan.callbacks.HISTORY_COLUMNS`)
    LOSSES_PNG = "losses.png"  # the loss curves
    SAMPLES_DIR = "samples"  # samples/epoch_NNN.png, grids from fixed latent vectors
    GIF = "samples.gif"  # the grids in order, written when every planned epoch is done
    GENERATOR = "generator.keras"  # the generator (EMA weights when train.ema > 0)
    CHECKPOINT = "checkpoint.weights.h5"  # the resumable state: both networks and optimizers, epochs done
    SUMMARY = "summary.json"  # `GanSummary`
    METRICS = "metrics.json"  # written by `compare.metrics` once measured
    TENSORBOARD_DIR = "tensorboard"  # with --tensorboard

    @staticmethod
    def sample_grid(epochs_done: int) -> str:
        """`samples/`'s file name for the grid after `epochs_done` epochs (`epoch_003.png`)."""
        return f"epoch_{epochs_done:03d}.png"

    SAMPLE_GLOB = "epoch_*.png"

    GENERATORS_DIR = "generators"
    """generators/epoch_NNN.keras: every epoch's generator, when something kept them (benchmarks/gan_quality.py
    copies `generator.keras` after each epoch; `gan.train` itself keeps only the last). `compare.report`
    draws FID against training time from them."""
    GENERATOR_GLOB = "epoch_*.keras"

    @staticmethod
    def generator_snapshot(epochs_done: int) -> str:
        """`generators/`'s file name for the generator after `epochs_done` epochs (`epoch_003.keras`)."""
        return f"epoch_{epochs_done:03d}.keras"


class NstFiles:
    """File names inside an `nst.transfer` run directory."""

    CONFIG = RUN_CONFIG  # the resolved config
    INPUTS_DIR = "inputs"  # the content and style images as loaded (what --resume reads again)
    CONTENT = "content.png"  # in INPUTS_DIR
    SOURCES = "sources.json"  # in INPUTS_DIR: {"content": path, "styles": [paths]} as the user gave them
    FRAMES_DIR = "frames"  # frames/NNNNNN.png, named by global step
    STATE = "state.npz"  # the resumable state (`nst.records.Checkpoint`)
    LOSSES_CSV = "losses.csv"  # one row per iteration (`nst.runfiles.LOSSES_COLUMNS`)
    LOSSES_PNG = "losses.png"  # the loss curves
    CURRENT = "current.png"  # the image when a run is stopped by a signal
    FINAL = "final.png"  # the result
    GIF = "progress.gif"  # the frames, upscaled to the final size
    SUMMARY = "summary.json"  # `NstSummary`

    @staticmethod
    def style(index: int) -> str:
        """INPUTS_DIR's file name of the `index`-th style image, 1-based (`style-1.png`)."""
        return f"style-{index}.png"

    STYLE_GLOB = "style-*.png"

    @staticmethod
    def frame(step: int) -> str:
        """FRAMES_DIR's file name of the image after global step `step` (`000150.png`)."""
        return f"{step:06d}.png"


@dataclasses.dataclass(frozen=True)
class _Summary:
    """Shared reading and writing; subclasses define the fields (all JSON scalars, lists or dicts)."""

    FILE: typing.ClassVar[str] = "summary.json"

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready dict, `format` first."""
        return {"format": FORMAT, **{f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}}

    def to_json(self) -> str:
        """The summary as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls: type[T], data: Any, source: str = "summary") -> T:
        """Builds the summary from a dict as `to_dict` makes it.

        Raises:
            InputError: not a dict, another `format`, missing or unknown keys, or a value of the
                wrong type; the message names `source` and the keys.
        """
        if not isinstance(data, dict):
            raise InputError(f"{source} is not a JSON object but {type(data).__name__}")
        if data.get("format") != FORMAT:
            raise InputError(
                f"{source} has format {data.get('format')!r}, this version reads format {FORMAT}; "
                "it was written by another version of the suite: re-run it"
            )
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [n for n in names if n not in data]
        unknown = sorted(set(data) - set(names) - {"format"})
        if missing or unknown:
            parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
                [f"unknown {', '.join(unknown)}"] if unknown else []
            )
            raise InputError(f"{source} does not fit format {FORMAT}: {'; '.join(parts)}")
        values = {}
        for name in names:
            if not _fits(data[name], hints[name]):
                raise InputError(f"{source}: {name} is {data[name]!r}, expected {_type_name(hints[name])}")
            values[name] = _coerce(data[name], hints[name])
        return cls(**values)

    @classmethod
    def from_json(cls: type[T], text: str, source: str = "summary") -> T:
        """Builds the summary from JSON text (see `from_dict`).

        Raises:
            InputError: not JSON, or see `from_dict`.
        """
        try:
            data = json.loads(text)
        except ValueError as e:
            raise InputError(f"{source} is not JSON: {e}") from None
        return cls.from_dict(data, source)

    def write(self, run_dir: str | os.PathLike) -> Path:
        """Writes `run_dir/summary.json` atomically and returns its path."""
        from common.atomic import write_text

        return write_text(Path(run_dir) / self.FILE, self.to_json())

    @classmethod
    def read(cls: type[T], run_dir: str | os.PathLike) -> T:
        """Reads `run_dir/summary.json`.

        Raises:
            InputError: the file is absent, unreadable, or does not fit the format.
        """
        path = Path(run_dir) / cls.FILE
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise InputError(f"{run_dir} holds no {cls.FILE}; the run did not finish") from None
        except OSError as e:
            raise InputError(f"cannot read {path}: {e.strerror or e}") from None
        return cls.from_json(text, str(path))


@dataclasses.dataclass(frozen=True)
class GanSummary(_Summary):
    """`summary.json` of a `gan.train` run: cost and size figures.

    Attributes:
        epochs: epochs finished.
        epochs_planned: `train.epochs`.
        images_seen: real images the discriminator was trained on, over the finished epochs.
        seconds: the finished epochs' wall time, summed over every invocation (resumes).
        invocation_seconds: the wall time of this invocation's `fit`.
        images_per_second: `images_seen / seconds` (None before any finished epoch).
        seconds_per_image: generating one image, in a batch of 256 after a warm-up.
        parameters: generator + discriminator weights.
        generator_parameters, discriminator_parameters: each network's weights.
        peak_memory_mb: peak resident memory of this invocation's process.
        image_shape: (height, width, channels) of the training images.
        batch_size, dataset, training_images, strategy, replicas: how it was trained.
        last: the last `history.csv` row (None before any finished epoch).
    """

    epochs: int
    epochs_planned: int
    images_seen: int
    seconds: float
    invocation_seconds: float
    images_per_second: float | None
    seconds_per_image: float
    parameters: int
    generator_parameters: int
    discriminator_parameters: int
    peak_memory_mb: float
    image_shape: tuple[int, ...]
    batch_size: int
    dataset: str
    training_images: int
    strategy: str
    replicas: int
    last: dict[str, float] | None

    FILE: typing.ClassVar[str] = GanFiles.SUMMARY


@dataclasses.dataclass(frozen=True)
class NstScale:
    """One scale of a style transfer run in `NstSummary.scales`."""

    height: int
    width: int
    iterations_planned: int
    iterations_run: int


@dataclasses.dataclass(frozen=True)
class NstSummary(_Summary):
    """`summary.json` of an `nst.transfer` run.

    Attributes:
        completed: every scale ran (False: a non-finite loss ended it early).
        content_shape: (height, width) of the content image as loaded.
        scales: the coarse-to-fine scales, planned and run iterations.
        iterations: iterations run over every scale and invocation.
        seconds: the optimization's wall time over every invocation (VGG19 loading excluded).
        invocation_seconds: this invocation's wall time, loading VGG19 and the images included.
        seconds_per_image: one new image costs a whole optimization: equal to `seconds`.
        parameters: the pixels being optimized, height * width * 3 of the final image.
        peak_memory_mb: peak resident memory of this invocation's process.
        resumed: this invocation continued a stopped run.
        final_losses: the last iteration's weighted loss terms (None without iterations).
        weights: the VGG19 weights' source, described.
        messages: the loop's notices (non-finite losses), in order.
        output: the `-o` copy of the result, or None.
    """

    completed: bool
    content_shape: tuple[int, int]
    scales: tuple[NstScale, ...]
    iterations: int
    seconds: float
    invocation_seconds: float
    seconds_per_image: float
    parameters: int
    peak_memory_mb: float
    resumed: bool
    final_losses: dict[str, float] | None
    weights: str
    messages: tuple[str, ...]
    output: str | None

    FILE: typing.ClassVar[str] = NstFiles.SUMMARY


# --- JSON <-> typed values --------------------------------------------------------------------


def _plain(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _split(tp):
    """(origin, args) of a type hint, with `X | None` as origin Union."""
    return typing.get_origin(tp), typing.get_args(tp)


def _fits(value, tp) -> bool:
    origin, args = _split(tp)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in args)
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if origin is tuple:
        if not isinstance(value, list):
            return False
        item_types = [args[0]] * len(value) if len(args) == 2 and args[1] is Ellipsis else list(args)
        return len(item_types) == len(value) and all(_fits(v, t) for v, t in zip(value, item_types))
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(k, str) and _fits(v, args[1]) for k, v in value.items())
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        names = {f.name for f in dataclasses.fields(tp)}
        return isinstance(value, dict) and set(value) == names and all(_fits(value[n], hints[n]) for n in names)
    raise TypeError(f"unsupported summary field type {tp!r}")  # a programming error, not a user's


def _coerce(value, tp):
    """`value` (which `_fits` `tp`) as `tp`: lists to tuples, dicts to dataclasses, ints to floats."""
    origin, args = _split(tp)
    if value is None:
        return None
    if origin in (typing.Union, types.UnionType):
        tp = next(a for a in args if a is not type(None) and _fits(value, a))
        return _coerce(value, tp)
    if tp is float:
        return float(value)
    if origin is tuple:
        item_types = [args[0]] * len(value) if len(args) == 2 and args[1] is Ellipsis else list(args)
        return tuple(_coerce(v, t) for v, t in zip(value, item_types))
    if origin is dict:  # numbers stay as written (an epoch stays an int in a dict[str, float])
        return {k: v if args[1] is float else _coerce(v, args[1]) for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{n: _coerce(value[n], hints[n]) for n in value})
    return value


def _type_name(tp) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")
