"""The report's figures: matplotlib (Agg canvas, no pyplot state), each saved atomically as a PNG."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from common.atomic import atomic_path

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
    """Tiles uint8 images [N, H, W, C] into one uint8 [rows*H, columns*W, 3] grid with white gaps."""
    images = np.asarray(images)
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    n, h, w, _ = images.shape
    rows = math.ceil(n / columns)
    grid = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad, 3), 255, np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        grid[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = image
    return grid


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


def evenly_spaced(count: int, most: int) -> list[int]:
    """At most `most` indices into range(count), evenly spaced, first and last included."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


def gan_losses(history: Sequence[dict], path) -> Path:
    """Two panels per epoch: both losses, and the discriminator's mean output on real and generated images."""
    fig = _figure(10, 3.6)
    ax_loss, ax_d = fig.subplots(1, 2)
    epochs = [r["epoch"] for r in history]
    for key, label in (("d_loss", "discriminator loss"), ("g_loss", "generator loss")):
        if history and key in history[0]:
            ax_loss.plot(epochs, [r[key] for r in history], marker="o", label=label)
    ax_loss.set(xlabel="epoch", ylabel="binary cross-entropy", title="GAN losses (a game, not a descent)")
    ax_loss.legend()
    for key, label in (("d_real", "D on real images"), ("d_fake", "D on generated images")):
        if history and key in history[0]:
            ax_d.plot(epochs, [r[key] for r in history], marker="o", label=label)
    ax_d.set(xlabel="epoch", ylabel="mean D output", title="discriminator outputs")
    ax_d.legend()
    for ax in (ax_loss, ax_d):
        ax.grid(alpha=0.3)
    return save(fig, path)


def nst_losses(rows: Sequence[dict], path) -> Path:
    """The weighted loss terms per iteration on a log scale, with the scale changes marked."""
    fig = _figure(10, 3.8)
    ax = fig.subplots()
    steps = list(range(1, len(rows) + 1))
    for key in ("total", "content", "style", "tv"):
        values = [max(float(r[key]), 1e-12) for r in rows if key in r]
        if len(values) == len(rows) and rows:
            ax.plot(steps, values, label=key, linewidth=2.0 if key == "total" else 1.2)
    scales = [r.get("scale") for r in rows]
    for i in range(1, len(scales)):
        if scales[i] != scales[i - 1]:
            ax.axvline(i + 0.5, color="gray", linestyle="--", linewidth=0.8)
            ax.text(i + 1, ax.get_ylim()[1] if ax.lines else 1, f" scale {scales[i]}", va="top", fontsize=8, color="gray")
    ax.set_yscale("log")
    ax.set(xlabel="iteration (all scales)", ylabel="weighted loss", title="style transfer losses (one image optimized)")
    ax.grid(alpha=0.3, which="both")
    if ax.lines:
        ax.legend()
    return save(fig, path)


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


def bar_metric(labels: Sequence[str], values: Sequence[float], path, title: str, ylabel: str) -> Path:
    """A small bar chart (e.g. FID of generated images beside the real-data floor)."""
    fig = _figure(4.5, 3.2)
    ax = fig.subplots()
    ax.bar(labels, values, color=["#c44", "#4a4", "#44c"][: len(values)])
    for i, v in enumerate(values):
        ax.text(i, v, f"{v:.3g}", ha="center", va="bottom", fontsize=9)
    ax.set(title=title, ylabel=ylabel)
    return save(fig, path)
