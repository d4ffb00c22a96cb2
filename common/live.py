"""A picture that redraws itself in place in a Jupyter notebook, for progress shown while code runs.

A training loop that displayed a new picture every epoch would bury the notebook in pictures.
`LivePicture` shows one PNG output and replaces it on each `show` through IPython's display ids
(`display(..., display_id=True)` returns a handle whose `update` rewrites that same output; Jupyter,
Colab, papermill and nbconvert all honour it). The picture and its caption are drawn into one PNG
by `render`, so an executed notebook's HTML shows them together and they can never disagree.

The display function is injected: `gan.live.LiveSamples` and `nst.live.LiveStylize` default to
IPython's when running inside IPython and show nothing elsewhere, and the tests pass a fake.

Example:
    >>> picture = LivePicture()
    >>> for step in range(3):
    ...     picture.show(render(image, f"step {step}"), f"step {step}")
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Callable, Mapping, Sequence

import numpy as np

DisplayFn = Callable[..., object]


def ipython_display() -> DisplayFn | None:
    """Returns `IPython.display.display` inside an IPython kernel or shell, else None."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    return display if get_ipython() is not None else None


class LivePicture:
    """One notebook output showing a PNG, replaced in place on every `show`.

    Args:
        display: a function like `IPython.display.display`: called as
            `display(bundle, raw=True, display_id=True)` it shows a MIME bundle and returns a
            handle with `update(bundle, raw=True)`. None: nothing is shown (a script, a test).

    Attributes:
        shown: how many times `show` has drawn a picture (0 before the first).
    """

    def __init__(self, display: DisplayFn | None = None):
        self._display = display
        self._handle = None
        self.shown = 0

    def show(self, png: bytes, caption: str) -> None:
        """Shows `png` (its `text/plain` alternative is `caption`) in place of the previous picture.

        Args:
            png: the bytes of a PNG file.
            caption: the text a text-only front end shows instead (and what the picture says).
        """
        self.shown += 1
        if self._display is None:
            return
        # Raw MIME bundle: the PNG travels base64-encoded, as in an .ipynb file.
        bundle = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": caption}
        if self._handle is None:
            self._handle = self._display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)


def render(
    image: np.ndarray,
    caption: str,
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
    xlabel: str = "",
    ylabel: str = "",
    log_y: bool = False,
    height_inches: float = 3.6,
) -> bytes:
    """Draws an image, optionally beside line plots, with a caption above; returns PNG bytes.

    Args:
        image: uint8 [H, W, C] with C = 1 or 3 (or [H, W]), shown pixel for pixel (no smoothing).
        caption: the title drawn above (one or two lines).
        curves: `{label: (xs, ys)}` drawn in a second panel, e.g. the losses so far; None or empty: no panel.
        xlabel, ylabel: the second panel's axis labels.
        log_y: a logarithmic y axis for the curves (losses spanning orders of magnitude).
        height_inches: the figure's height; its width follows the image's aspect ratio.

    Returns:
        The PNG file's bytes.

    Raises:
        ValueError: `image` is not a uint8 [H, W], [H, W, 1] or [H, W, 3] array.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] not in (1, 3)):
        raise ValueError(f"render needs a uint8 [H, W] or [H, W, 1 or 3] image, got {image.dtype} {image.shape}")
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    plots = [c for c in (curves or {}).items() if len(c[1][0])]
    aspect = image.shape[1] / image.shape[0]
    image_width = max(2.5, height_inches * aspect)
    width = image_width + (height_inches * 1.4 if curves else 0.0)
    fig = Figure(figsize=(width, height_inches + 0.5), layout="constrained")
    FigureCanvasAgg(fig)
    if curves:
        ax_image, ax_plot = fig.subplots(1, 2, width_ratios=[image_width, height_inches * 1.4])
    else:
        ax_image, ax_plot = fig.subplots(1, 1), None
    ax_image.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255, interpolation="nearest")
    ax_image.set_axis_off()
    if ax_plot is not None:
        for label, (xs, ys) in plots:
            ax_plot.plot(xs, ys, label=label)
        if log_y and plots:
            ax_plot.set_yscale("log")
        ax_plot.set(xlabel=xlabel, ylabel=ylabel)
        ax_plot.grid(alpha=0.3)
        if plots:
            ax_plot.legend(fontsize="small")
    # Wrapped to the figure's width (about 12 characters per inch at this font size), so no line is cut off.
    columns = max(20, int(width * 12))
    fig.suptitle("\n".join(textwrap.fill(line, columns) for line in caption.splitlines()), fontsize="medium")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()
