"""`LiveStylize`: a `nst.stylize` callback that shows the image being optimized in a notebook, in place.

`nst.stylize` hands its callback an `nst.records.StepRecord` after every iteration, with the image
every `config.output.save_every` iterations and at the end of each scale. `LiveStylize` keeps every
record's losses and, whenever a record carries an image, redraws one picture in place
(`common.live.LivePicture`): the current image beside the loss curves so far, captioned with the
scale, iteration, losses and seconds. It writes no files.

Example:
    >>> live = LiveStylize()
    >>> result = stylize(content, style, config, callback=live)
    >>> live.frames[-1]  # (step, uint8 image) of the last picture shown
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from common.live import DisplayFn, LivePicture, ipython_display, render
from nst.records import StepRecord

_DEFAULT = object()


class LiveStylize:
    """Shows the current image and the loss curves while `nst.stylize` runs, redrawn in place.

    Args:
        title: a first caption line naming the run (e.g. "L-BFGS, 256 px"); empty: none.
        curves: which loss terms to plot: any of "total", "content", "style", "tv".
        display: a display function (see `common.live.LivePicture`); default: IPython's inside
            IPython, else nothing is shown (records and frames are still kept).
        then: another callback called with every record afterwards (e.g. a CLI's saver).

    Attributes:
        history: every record received, without image and checkpoint.
        frames: `(step, uint8 [H, W, 3])` of every image shown.
    """

    def __init__(
        self,
        title: str = "",
        curves=("total", "content", "style"),
        display: DisplayFn | None = _DEFAULT,
        then: Callable[[StepRecord], None] | None = None,
    ):
        unknown = [c for c in curves if c not in ("total", "content", "style", "tv")]
        if unknown:
            raise ValueError(f"unknown loss curve(s) {unknown}; choose from total, content, style, tv")
        self.title, self.curves, self.then = title, tuple(curves), then
        self.picture = LivePicture(ipython_display() if display is _DEFAULT else display)
        self.history: list[StepRecord] = []
        self.frames: list[tuple[int, np.ndarray]] = []

    def __call__(self, record: StepRecord) -> None:
        self.history.append(
            dataclasses.replace(record, image=None, checkpoint=None)
        )  # keep the numbers, not the pixels
        if record.image is not None:
            image = np.clip(np.rint(record.image), 0, 255).astype(np.uint8)
            self.frames.append((record.step, image))
            caption = self.caption(record)
            curves = {name: ([r.step for r in self.history], [max(getattr(r, name), 1e-12) for r in self.history])
                      for name in self.curves}  # fmt: skip
            self.picture.show(render(image, caption, curves, xlabel="iteration (all scales)", ylabel="weighted loss",
                                     log_y=True), caption)  # fmt: skip
        if self.then is not None:
            self.then(record)

    def caption(self, record: StepRecord) -> str:
        """The text drawn above the picture of `record`."""
        height, width = record.shape
        where = f"scale {record.scale + 1}/{record.num_scales} ({width}x{height} px), " if record.num_scales > 1 else ""
        line = (
            f"{where}iteration {record.iteration}/{record.iterations}: total {record.total:.4g} "
            f"(content {record.content:.3g}, style {record.style:.3g}, tv {record.tv:.2g}), {record.seconds:.0f} s"
        )
        return f"{self.title}\n{line}" if self.title else line
