"""`LiveSamples`: a Keras callback that shows the GAN's fixed-noise grid in a notebook, redrawn in place.

Pass it to `gan.train.train(config, run_dir, callbacks=[LiveSamples()])` (or to `fit` of a
`gan.gan.GAN`). Before the first epoch and after every `every` epochs it draws a grid from the same
latent vectors (`gan.sample.generate` with a fixed seed, through the model's `sampler`, the EMA
generator when there is one) with a caption holding the epoch's losses and the time left, and shows
it in place of the previous one (`common.live.LivePicture`). It writes no files: the run directory's
`samples/` already holds the grids.
"""

from __future__ import annotations

import time

import keras
import numpy as np

from common.images import make_grid
from common.live import DisplayFn, LivePicture, ipython_display, render
from gan.sample import generate

_DEFAULT = object()


class LiveSamples(keras.callbacks.Callback):
    """Shows a sample grid from fixed latent vectors, redrawn in place every `every` epochs.

    Args:
        n: images in the grid.
        seed: seed of the latent vectors (`gan.sample.generate`'s; the run's own seed gives the
            grids of `samples/`).
        every: redraw after epochs every, 2 * every, ... and after the last one.
        scale: each pixel becomes a `scale` x `scale` block.
        display: a display function (see `common.live.LivePicture`); default: IPython's inside
            IPython, else nothing is shown (the frames are still kept).

    Attributes:
        frames: `(epochs done, grid uint8 [H, W, C])` for every grid drawn, the untrained one first.
        captions: the caption of each frame.
    """

    def __init__(
        self, n: int = 36, seed: int = 0, every: int = 1, scale: int = 2, display: DisplayFn | None = _DEFAULT
    ):
        super().__init__()
        if n < 1 or every < 1 or scale < 1:
            raise ValueError(f"n, every and scale must be positive, got n={n}, every={every}, scale={scale}")
        self.n, self.seed, self.every, self.scale = n, seed, every, scale
        self.picture = LivePicture(ipython_display() if display is _DEFAULT else display)
        self.frames: list[tuple[int, np.ndarray]] = []
        self.captions: list[str] = []
        self._start = 0.0
        self._first_epoch = 0

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()
        done = getattr(self.model, "epochs_done", None)  # a resumed GAN starts after its checkpoint
        self._first_epoch = int(keras.ops.convert_to_numpy(done)) if done is not None else 0
        what = "untrained generator" if self._first_epoch == 0 else f"after epoch {self._first_epoch} (resumed)"
        self._draw(self._first_epoch, f"{what}: {self.n} samples from fixed latent vectors (seed {self.seed})")

    def on_epoch_end(self, epoch, logs=None):
        done, total = epoch + 1, self.params.get("epochs") or epoch + 1
        if done % self.every and done != total:
            return
        logs = logs or {}
        elapsed = time.perf_counter() - self._start
        left = elapsed / max(1, done - self._first_epoch) * (total - done)
        losses = ", ".join(f"{k} {float(logs[k]):.3f}" for k in ("d_loss", "g_loss") if k in logs)
        judge = ""
        if "d_real" in logs and "d_fake" in logs:
            judge = f"\nD says P(fake) = {float(logs['d_real']):.2f} on real, {float(logs['d_fake']):.2f} on generated"
        timing = f"{_duration(elapsed)} elapsed" + (f", about {_duration(left)} left" if done < total else "")
        self._draw(done, f"epoch {done}/{total}: {losses}{judge}\n{timing}")

    def _draw(self, epochs_done: int, caption: str) -> None:
        grid = make_grid(generate(self.model.sampler, self.n, self.seed), scale=self.scale)
        self.frames.append((epochs_done, grid))
        self.captions.append(caption)
        self.picture.show(render(grid, caption), caption)


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"
