"""The report's figures: matplotlib (Agg canvas, no pyplot state), each saved atomically as a PNG.

Legibility is a rule, not a hope. The HTML page (`compare.document`) shows a figure at most
`PAGE_WIDTH_PX` wide (a `Row` of two: `HALF_WIDTH_PX` each), scaled down when its PNG is wider. A
figure here is never wider than the width it is shown at (`FULL` or `HALF` inches at `DPI`), so it
is shown at its own size, and no text in it is smaller than `MIN_FONT_PT`: 13 pt at 100 dpi is 18
screen pixels at 100 % zoom, a little above the page's 16 px body text. Every PNG records its
smallest font size and its dpi in its text chunks (`min_font_pt`, `dpi`), so a test can check what a
reader sees without parsing the drawing. The loss curves are drawn by the suite's one loss plotter
(`common.plots`, fed the panels `gan.callbacks` and `nst.transfer` describe) at the report's sizes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from common.atomic import atomic_path
from common.images import evenly_spaced, make_grid
from common.plots import plot_panels

DPI = 100
PAGE_WIDTH_PX = 1060
"""The width a full-width figure is shown at (the page's 1100 px column minus its padding)."""
HALF_WIDTH_PX = 520
"""The width each figure of a two-figure `Row` is shown at."""
FULL = PAGE_WIDTH_PX / DPI
HALF = HALF_WIDTH_PX / DPI
MIN_FONT_PT = 13
_RC = {"font.size": MIN_FONT_PT + 1, "axes.titlesize": MIN_FONT_PT + 2, "axes.labelsize": MIN_FONT_PT + 1,
       "xtick.labelsize": MIN_FONT_PT, "ytick.labelsize": MIN_FONT_PT, "legend.fontsize": MIN_FONT_PT,
       "figure.titlesize": MIN_FONT_PT + 2}  # fmt: skip


@contextlib.contextmanager
def figure(width: float, height: float, path: str | os.PathLike) -> Iterator:
    """Yields a matplotlib Figure `width` x `height` inches; writes it to `path` (PNG) atomically on exit.

    The report's font sizes apply inside the block (a local `rc_context`, no global state).
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(min(width, FULL), height), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        yield fig
        fig.canvas.draw()
        metadata = {"min_font_pt": f"{min_font_size(fig):g}", "dpi": str(DPI)}
        with atomic_path(Path(path)) as tmp:
            fig.savefig(tmp, format="png", dpi=DPI, metadata=metadata)


def min_font_size(fig) -> float:
    """The smallest font size (pt) of any visible, non-empty text in `fig` (inf when it has none)."""
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes, default=math.inf)


def read_png(path: str | os.PathLike) -> np.ndarray:
    """Reads an image file as uint8 RGB [H, W, 3]."""
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def tile(images: np.ndarray, columns: int, pad: int = 1) -> np.ndarray:
    """Tiles uint8 images [N, H, W, C] into one uint8 RGB grid with white gaps (`common.images.make_grid`)."""
    grid = make_grid(images, columns, padding=pad, fill=255, border=False)
    return np.repeat(grid, 3, axis=-1) if grid.shape[-1] == 1 else grid


def split_grid(grid: np.ndarray, count: int, tile_shape: tuple[int, int]) -> np.ndarray:
    """Cuts a sample grid (`common.images.make_grid`: square layout, equal padding) back into its tiles.

    Args:
        grid: uint8 [H, W, C], the grid picture.
        count: how many tiles it holds (laid out in ceil(sqrt(count)) columns).
        tile_shape: (height, width) of one tile in the grid (after its enlargement).

    Returns:
        uint8 [count, h, w, C].

    Raises:
        ValueError: the grid's size does not fit `count` tiles of `tile_shape` with equal padding.
    """
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    h, w = tile_shape
    pad_x, rem_x = divmod(grid.shape[1] - columns * w, columns + 1)
    pad_y, rem_y = divmod(grid.shape[0] - rows * h, rows + 1)
    if rem_x or rem_y or pad_x < 0 or pad_x != pad_y:
        raise ValueError(f"a {grid.shape[1]}x{grid.shape[0]} grid does not hold {count} tiles of {w}x{h}")
    tiles = [grid[pad_y + r * (h + pad_y) : pad_y + r * (h + pad_y) + h, pad_x + c * (w + pad_x) : pad_x + c * (w + pad_x) + w]
             for r, c in (divmod(i, columns) for i in range(count))]  # fmt: skip
    return np.stack(tiles)


def _show(ax, image, title: str | None = None) -> None:
    image = np.asarray(image)
    ax.imshow(image, interpolation="nearest" if min(image.shape[:2]) < 300 else "antialiased")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=MIN_FONT_PT)


def image_panel(images: Sequence[np.ndarray], titles: Sequence[str], path, suptitle: str | None = None,
                width: float = FULL, columns: int | None = None) -> Path:  # fmt: skip
    """Images in a grid of `columns` (default: one row), each with its title; the figure is `width` inches wide.

    Heights follow from the widest row's aspect ratios, so the images fill the width they are shown at.
    """
    columns = columns or len(images)
    rows = math.ceil(len(images) / columns)
    ratios = [np.asarray(im).shape[1] / np.asarray(im).shape[0] for im in images]
    title_lines = max((t.count("\n") + 1 for t in titles if t), default=0)
    cell_w = width / columns
    cell_h = cell_w / max(ratios) + 0.3 * title_lines
    height = rows * cell_h + (0.5 if suptitle else 0.1)
    with figure(width, height, path) as fig:
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for i, ax in enumerate(axes):
            if i < len(images):
                _show(ax, images[i], titles[i])
            else:
                ax.set_axis_off()
        if suptitle:
            fig.suptitle(suptitle)
    return Path(path)


def filmstrip(images: Sequence[np.ndarray], labels: Sequence[str], path, title: str, max_frames: int = 8) -> Path:
    """At most `max_frames` evenly spaced frames (first and last kept), labelled, four to a row."""
    index = evenly_spaced(len(images), max_frames)
    return image_panel([images[i] for i in index], [labels[i] for i in index], path, title,
                       columns=min(4, len(index)))  # fmt: skip


def gan_losses(history: Sequence[dict], path, discriminator_note: str) -> Path:
    """Two panels per epoch (`gan.callbacks.loss_panels`): both losses, and the discriminator's mean outputs.

    Args:
        history: `history.csv` rows (epoch, d_loss, g_loss, d_real, d_fake).
        path: the PNG.
        discriminator_note: what the discriminator's output means (the right panel's y label).
    """
    from gan.callbacks import loss_panels

    losses, outputs = loss_panels(list(history))
    panels = [losses, dataclasses.replace(outputs, ylabel=discriminator_note, title="discriminator's mean output")]
    return plot_panels(panels, path, width=FULL, height=4.4, font_size=MIN_FONT_PT + 2)


def nst_losses(rows: Sequence[dict], path, scale_label) -> Path:
    """The weighted loss terms per iteration on a log scale (`nst.runfiles.loss_panel`), each scale's start named.

    Args:
        rows: `losses.csv` rows (step, scale counted from 1, height, width, content, style, tv, total).
        path: the PNG.
        scale_label: `scale_label(row) -> str`, the name of a row's scale (e.g. "scale 2 of 3, 256 px").
    """
    from nst.runfiles import loss_panel

    panel = loss_panel(list(rows))
    # A zero (content at the first step, when the image starts as the photo) has no logarithm: not drawn.
    series = {k: [v if v > 0 else math.nan for v in values] for k, values in panel.series.items()}
    marks = [
        (r["step"] - 0.5, scale_label(r)) for i, r in enumerate(rows) if i == 0 or r["scale"] != rows[i - 1]["scale"]
    ]
    panel = dataclasses.replace(panel, series=series, marks=marks, whole_x=True, xlabel="iteration (over all scales)",
                                ylabel="weighted loss (log scale)")  # fmt: skip
    return plot_panels([panel], path, width=FULL, height=4.6, font_size=MIN_FONT_PT + 2)


def class_histograms(histograms: Sequence[tuple[str, dict]], path, title: str = "what the evaluator thinks the images are",
                     width: float = FULL) -> Path:  # fmt: skip
    """Bar chart of predicted-class fractions, one bar group per class, one colour per set."""
    with figure(width, 4.6, path) as fig:
        ax = fig.subplots()
        _class_bars(ax, histograms)
        ax.set_title(title)
    return Path(path)


def _class_bars(ax, histograms: Sequence[tuple[str, dict]]) -> None:
    classes = histograms[0][1]["classes"]
    width = 0.8 / len(histograms)
    x = np.arange(len(classes))
    for i, (label, hist) in enumerate(histograms):
        ax.bar(x + (i - (len(histograms) - 1) / 2) * width, hist["fractions"], width,
               label=f"{label} (entropy {hist['entropy']:.2f} nats)")  # fmt: skip
    ax.axhline(1 / len(classes), color="gray", linestyle=":", linewidth=1)
    ax.set_xticks(x, classes, rotation=35, ha="right")
    ax.set(ylabel="fraction of images", ylim=(0, 1))
    ax.legend()


def grids_with_histograms(panels: Sequence[tuple[str, np.ndarray, dict]], path) -> Path:
    """For each (title, grid picture, class histogram): the grid above the histogram of its tiles' classes."""
    with figure(FULL, 9.6, path) as fig:
        axes = fig.subplots(2, len(panels), squeeze=False, height_ratios=[1.1, 1])
        for col, (title, grid, hist) in enumerate(panels):
            _show(axes[0, col], grid, title)
            ax = axes[1, col]
            ax.bar(np.arange(len(hist["classes"])), hist["counts"], color="#4a7ab5")
            ax.set_xticks(np.arange(len(hist["classes"])), hist["classes"], rotation=60, ha="right")
            ax.set(ylabel="tiles", title=f"entropy {hist['entropy']:.2f} of {hist['max_entropy']:.2f} nats")
            ax.yaxis.get_major_locator().set_params(integer=True)
    return Path(path)


def before_after(start: np.ndarray, final: np.ndarray, titles: tuple[str, str], layers: dict[str, float], path,
                 well: float | None = None) -> Path:  # fmt: skip
    """The starting image beside the result, and a bar chart of the result's distance per style layer.

    `well`, when given, is drawn as a dashed line: the distance below which a layer counts as matched well.
    """
    with figure(FULL, 8.4, path) as fig:
        top, bottom = fig.subfigures(2, 1, height_ratios=[1.25, 1])
        for ax, image, title in zip(top.subplots(1, 2), (start, final), titles):
            _show(ax, image, title)
        ax = bottom.subplots()
        names = list(layers)
        values = [layers[n] for n in names]
        ax.bar(names, values, color="#b5654a")
        for i, v in enumerate(values):
            ax.text(i, v, f"{v:.3g}", ha="center", va="bottom")
        if well is not None:
            ax.axhline(well, color="gray", linestyle="--", linewidth=1, label=f"matched well below {well:g}")
            ax.legend(loc="upper left")
        ax.set(ylabel="Gram distance (0 = matched,\n1 = blank image)", title="the result's style distance per VGG19 layer",
               ylim=(0, max(max(values, default=0) * 1.25, 1.5 * (well or 0), 1e-6)))  # fmt: skip
    return Path(path)


FID_LOG_SPAN = 10.0
"""`fid_against_time` draws FID on a logarithmic axis when the largest FID is more than this many
times the smallest: on a linear one a collapsed run at 40 flattens runs at 1-8 into one line."""


def fid_log_scale(fids: Sequence[float]) -> bool:
    """Whether `fid_against_time` draws these FIDs (every run's, together) on a logarithmic axis.

    Args:
        fids: the FIDs the figure shows.

    Returns:
        True when the positive FIDs span more than `FID_LOG_SPAN` times.
    """
    positive = [f for f in fids if f > 0 and math.isfinite(f)]
    return bool(positive) and max(positive) > FID_LOG_SPAN * min(positive)


def fid_axis_is_log(series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
                    threshold: tuple[float, str] | None = None) -> bool:  # fmt: skip
    """Whether `fid_against_time(series, path, threshold)` draws a logarithmic FID axis (for captions)."""
    return fid_log_scale([f for _, _, fids in series for f in fids] + ([threshold[0]] if threshold else []))


def fid_against_time(series: Sequence[tuple[str, Sequence[float], Sequence[float]]], path,
                     threshold: tuple[float, str] | None = None) -> Path:  # fmt: skip
    """FID against training wall time: one line (or one point) per run.

    The FID axis is logarithmic when `fid_log_scale` says so for every FID drawn (threshold included);
    its label says which.

    Args:
        series: per run `(label, seconds, fids)`, in epoch order; a run with one point is drawn as a marker.
        path: the PNG.
        threshold: `(fid, label)` of a horizontal reference line (e.g. the FID at or below which
            `compare.assess` says "learned"), or None.
    """
    import matplotlib.ticker

    log = fid_axis_is_log(series, threshold)
    longest = max((max(s) for _, s, _ in series if len(s)), default=0.0)
    unit, scale = ("min", 60.0) if longest >= 120 else ("s", 1.0)
    markers = "osD^vP*X"
    with figure(FULL, 5.0, path) as fig:
        ax = fig.subplots()
        for i, (label, seconds, fids) in enumerate(series):
            x = [t / scale for t in seconds]
            style = dict(marker=markers[i % len(markers)], markersize=9 if len(x) == 1 else 6, linewidth=2)
            ax.plot(x, fids, label=label + ("" if len(x) > 1 else " (final generator only)"), **style)
        if threshold is not None:
            ax.axhline(threshold[0], color="gray", linestyle="--", linewidth=1, label=threshold[1])
        ylabel = "FID (lower is better; log scale)" if log else "FID (lower is better)"
        ax.set(xlabel=f"training wall time ({unit})", ylabel=ylabel, title="FID against training time")
        ax.set_xlim(left=0)
        if log:
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))  # 0.5, 1, 2, 5, 10
            ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        else:
            ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best")
    return Path(path)
