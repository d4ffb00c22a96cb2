"""What the style transfer loop reports and returns: typed, immutable records.

`nst.stylize` does no I/O. After every iteration it hands the caller a `StepRecord` (the losses,
and every `output.save_every` iterations the image and a resumable `Checkpoint`); at the end it
returns a `StylizeResult`. The command line (`nst.transfer`) decides what to print and save.
`Checkpoint.save`/`Checkpoint.load` turn the resumable state into one `.npz` file, written atomically.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import numpy as np

from common.atomic import atomic_path
from common.errors import InputError

LOSS_NAMES = ("content", "style", "tv", "total")
"""The loss components every record carries; content + style + tv = total (each already weighted)."""

_FLOAT_FIELDS = (*LOSS_NAMES, "seconds")  # the other numeric fields of a `StepRecord` are ints


@dataclasses.dataclass(frozen=True)
class StepRecord:
    """One iteration of the optimization.

    Attributes:
        scale: index of the coarse-to-fine scale, 0 = coarsest.
        num_scales: how many scales the run has.
        shape: (height, width) of the image at this scale.
        iteration: 1-based iteration within this scale.
        iterations: the iterations planned at this scale.
        step: 1-based iteration over all scales (earlier scales count with their planned iterations).
        total_steps: the iterations planned over all scales.
        content, style, tv: the weighted loss terms (content_weight * content loss, ...).
        total: content + style + tv, the value being minimized.
        seconds: wall seconds since the run began, when this iteration ended; a resumed run goes on
            from its checkpoint's last value, so it is the time the kept iterations took in all.
        image: float32 [H, W, 3] RGB in [0, 255] (colours as the output will have them), only on
            iterations where the caller asked for images (every `output.save_every` and at the end
            of each scale); else None.
        checkpoint: the resumable state after this iteration, on the same iterations as `image`.
        message: a notice from the loop (a non-finite loss and what was done about it), else None.
    """

    scale: int
    num_scales: int
    shape: tuple[int, int]
    iteration: int
    iterations: int
    step: int
    total_steps: int
    content: float
    style: float
    tv: float
    total: float
    seconds: float = dataclasses.field(default=0.0, compare=False)
    image: np.ndarray | None = dataclasses.field(default=None, repr=False, compare=False)
    checkpoint: Checkpoint | None = dataclasses.field(default=None, repr=False, compare=False)
    message: str | None = None

    @property
    def losses(self) -> dict[str, float]:
        """`{"content": ..., "style": ..., "tv": ..., "total": ...}`."""
        return {name: getattr(self, name) for name in LOSS_NAMES}


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """Everything needed to continue an interrupted optimization.

    Attributes:
        scale: the scale being optimized (index into the run's scales).
        iteration: iterations finished at that scale.
        image: float32 [H, W, 3], the optimized pixels at that scale (in `preserve_colors =
            "luminance"` mode: the luminance image being optimized, before the content's chroma
            is put back).
        optimizer: the optimizer's state arrays by name (Adam: iteration, moments; L-BFGS: none,
            since scipy does not expose its curvature pairs: a resumed L-BFGS rebuilds them over
            its next `lbfgs_memory` iterations).
        lr_factor: the step-size multiplier after non-finite losses lowered it (1 otherwise).
        history: the records so far, without images.
    """

    scale: int
    iteration: int
    image: np.ndarray = dataclasses.field(repr=False)
    optimizer: dict[str, np.ndarray] = dataclasses.field(default_factory=dict, repr=False)
    lr_factor: float = 1.0
    history: tuple[StepRecord, ...] = dataclasses.field(default=(), repr=False)

    def save(self, path: str | os.PathLike) -> Path:
        """Writes the checkpoint to one `.npz` file atomically (a `kill -9` leaves the old one whole).

        Raises:
            WriteError: it will not fit in the free space, or the write failed; the old file stays whole.
        """
        fields = [
            f.name for f in dataclasses.fields(StepRecord) if f.name not in ("image", "checkpoint", "message", "shape")
        ]
        table = np.array([[getattr(r, f) for f in fields] + list(r.shape) for r in self.history], np.float64)
        meta = {
            "scale": self.scale,
            "iteration": self.iteration,
            "lr_factor": self.lr_factor,
            "history_fields": fields + ["height", "width"],
            "messages": [r.message for r in self.history],
            "optimizer_keys": list(self.optimizer),
        }
        arrays = {f"opt_{i}": np.asarray(v) for i, v in enumerate(self.optimizer.values())}
        path = Path(path)
        size = 4 * np.size(self.image) + table.nbytes + sum(a.nbytes for a in arrays.values())  # for the space check
        with atomic_path(path, size_hint=size) as tmp:
            with open(tmp, "wb") as f:
                np.savez(
                    f,
                    image=np.asarray(self.image, np.float32),
                    history=table.reshape(-1, len(fields) + 2),
                    meta=np.array(json.dumps(meta)),
                    **arrays,
                )
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Checkpoint:
        """Reads a checkpoint written by `save`.

        Raises:
            InputError: the file is missing or not a checkpoint of this tool.
        """
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                image = data["image"].astype(np.float32)
                table = data["history"]
                optimizer = {key: data[f"opt_{i}"] for i, key in enumerate(meta["optimizer_keys"])}
            fields = meta["history_fields"]
            history = []
            for row, message in zip(table, meta["messages"]):
                values = dict(zip(fields, row.tolist()))
                shape = (int(values.pop("height")), int(values.pop("width")))
                ints = {k: int(v) for k, v in values.items() if k not in _FLOAT_FIELDS}
                floats = {k: float(v) for k, v in values.items() if k in _FLOAT_FIELDS}
                history.append(StepRecord(shape=shape, message=message, **ints, **floats))
            return cls(
                int(meta["scale"]), int(meta["iteration"]), image, optimizer, float(meta["lr_factor"]), tuple(history)
            )
        except FileNotFoundError:
            raise InputError(f"no saved state at {path}") from None
        except Exception as e:  # noqa: BLE001 - zip, JSON and key errors all mean the same to a user
            raise InputError(f"{path} is not a readable style transfer state ({type(e).__name__}: {e})") from None


@dataclasses.dataclass(frozen=True)
class StylizeResult:
    """What `nst.stylize` returns.

    Attributes:
        image: float32 [H, W, 3] RGB in [0, 255], the last iterate at the finest scale reached.
        history: one `StepRecord` (without image) per iteration, in order.
        completed: True when every scale ran; False when `should_stop` or a non-finite loss ended it.
        checkpoint: the state to resume from when not completed, else None.
        messages: the notices of the run (non-finite losses, stops), in order.
    """

    image: np.ndarray = dataclasses.field(repr=False)
    history: tuple[StepRecord, ...] = dataclasses.field(repr=False)
    completed: bool = True
    checkpoint: Checkpoint | None = dataclasses.field(default=None, repr=False)
    messages: tuple[str, ...] = ()

    def __iter__(self):
        """Unpacks as `image, history = stylize(...)`."""
        return iter((self.image, self.history))
