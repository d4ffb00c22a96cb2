"""The report's figures: matplotlib (Agg canvas, no pyplot state), each saved atomically as a PNG."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from common.atomic import atomic_path
from common.images import evenly_spaced, make_grid
from common.plots import plot_panels

DPI = 100


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig, path: str | os.PathLike) -> Path:
    """Writes a matplotlib figure to `path` (PNG) atomically and returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI)
    return path


def read_png(path: str | os.PathLike) -> np.ndarray:
    """Reads an image file as uint8 RGB [H, W, 3]."""
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def tile(images: np.ndarray, columns: int, pad: int = 1) -> np.ndarray:
    """Tiles uint8 images [N, H, W, C] into one uint8 RGB grid with white gaps (`common.images.make_grid`)."""
    grid = make_grid(images, columns, padding=pad, fill=255, border=False)
    return np.repeat(grid, 3, axis=-1) if grid.shape[-1] == 1 else grid


def _show(ax, image, title: str | None = None) -> None:
    ax.imshow(np.asarray(image), interpolation="nearest" if min(np.asarray(image).shape[:2]) < 300 else "antialiased")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)


def image_panel(images: Sequence[np.ndarray], titles: Sequence[str], path, suptitle: str | None = None,
                height: float = 3.2) -> Path:  # fmt: skip
    """Images in one row, each with its title, heights equal, widths by aspect ratio."""
    ratios = [np.asarray(im).shape[1] / np.asarray(im).shape[0] for im in images]
    fig = _figure(max(4.0, height * sum(ratios) + 0.3 * len(images)), height + (0.5 if suptitle else 0.3))
    axes = fig.subplots(1, len(images), gridspec_kw={"width_ratios": ratios}, squeeze=False)[0]
    for ax, image, title in zip(axes, images, titles):
        _show(ax, image, title)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return save(fig, path)


def filmstrip(images: Sequence[np.ndarray], labels: Sequence[str], path, title: str, max_frames: int = 8,
              height: float = 2.2) -> Path:  # fmt: skip
    """A strip of at most `max_frames` evenly spaced frames (first and last kept), labelled."""
    index = evenly_spaced(len(images), max_frames)
    return image_panel([images[i] for i in index], [labels[i] for i in index], path, title, height)


def gan_losses(history: Sequence[dict], path) -> Path:
    """Two panels per epoch: both losses, and the discriminator's mean output on real and generated images."""
    from gan.callbacks import loss_panels

    return plot_panels(loss_panels(list(history)), path, width=10, height=3.6)


def nst_losses(rows: Sequence[dict], path) -> Path:
    """The weighted loss terms per iteration on a log scale, with the scale changes marked."""
    from nst.transfer import loss_panel

    return plot_panels([loss_panel(list(rows))], path, width=10, height=3.8)


def class_histograms(histograms: Sequence[tuple[str, dict]], path) -> Path:
    """Bar chart of predicted-class fractions, one bar group per class, one colour per set."""
    fig = _figure(10, 3.6)
    ax = fig.subplots()
    classes = histograms[0][1]["classes"]
    width = 0.8 / len(histograms)
    x = np.arange(len(classes))
    for i, (label, hist) in enumerate(histograms):
        ax.bar(x + (i - (len(histograms) - 1) / 2) * width, hist["fractions"], width,
               label=f"{label} (entropy {hist['entropy']:.2f} nats)")  # fmt: skip
    ax.axhline(1 / len(classes), color="gray", linestyle=":", linewidth=1)
    ax.set_xticks(x, classes, rotation=20, fontsize=8)
    ax.set(ylabel="fraction of images", title="what the evaluator thinks the images are")
    ax.legend(fontsize=8)
    return save(fig, path)
