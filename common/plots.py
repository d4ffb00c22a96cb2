"""The one loss-curve plotter of the suite: panels of named series, drawn with matplotlib's Figure API.

`gan.callbacks` (`losses.png` of a GAN run), `nst.transfer` (`losses.png` of a style transfer run)
and `compare.figures` (the report's curves) describe what to draw as `Panel`s and call
`plot_panels`, so every loss plot has the same fonts, grid and ticks. No pyplot: a `Figure` with its
own Agg canvas holds no global state and needs no `matplotlib.use`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from common.atomic import atomic_path

DPI = 100
FONT_SIZE = 11  # matplotlib's 10 is small once a 9-inch figure is scaled into a page


@dataclasses.dataclass(frozen=True)
class Panel:
    """One set of axes.

    Attributes:
        x: the x values shared by every series (epochs, iterations).
        series: label -> y values, one per x, drawn in order.
        xlabel, ylabel, title: the axes' texts.
        whole_x: x counts whole units (epochs): ticks only at integers.
        log: a logarithmic y axis (values are clipped to 1e-12 from below).
        markers: a dot at every point (for short series such as a few epochs).
        emphasize: the label of a series drawn thicker (the quantity being minimized).
        ylim: fixed y limits, or None.
        marks: (x, label) pairs drawn as dashed vertical lines (scale changes).
    """

    x: Sequence[float]
    series: Mapping[str, Sequence[float]]
    xlabel: str
    ylabel: str
    title: str
    whole_x: bool = False
    log: bool = False
    markers: bool = False
    emphasize: str | None = None
    ylim: tuple[float, float] | None = None
    marks: Sequence[tuple[float, str]] = ()


def plot_panels(panels: Sequence[Panel], path: str | os.PathLike, width: float = 10.0, height: float = 3.8,
                font_size: float = FONT_SIZE) -> Path:  # fmt: skip
    """Draws the panels side by side into a PNG, atomically.

    Args:
        panels: one or more `Panel`s.
        path: the PNG to write; its folder must exist.
        width, height: the figure's size in inches (at `DPI`).
        font_size: the axis labels' size in points; titles are 1 pt larger, ticks, legends and marks
            1-2 pt smaller. The PNG records its smallest text size as `min_font_pt` (with `dpi`).

    Returns:
        `path`.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels):
        for label, values in panel.series.items():
            values = [max(float(v), 1e-12) for v in values] if panel.log else list(values)
            ax.plot(panel.x, values, label=label, marker="o" if panel.markers else None, markersize=4,
                    linewidth=2.0 if label == panel.emphasize else 1.3)  # fmt: skip
        if panel.log:
            ax.set_yscale("log")
        for x, label in panel.marks:
            ax.axvline(x, color="gray", linestyle="--", linewidth=0.8)
            ax.annotate(f" {label}", (x, 1), xycoords=("data", "axes fraction"), va="top", fontsize=font_size - 2,
                        color="gray")  # fmt: skip
        if panel.whole_x:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(panel.xlabel, fontsize=font_size)
        ax.set_ylabel(panel.ylabel, fontsize=font_size)
        ax.set_title(panel.title, fontsize=font_size + 1)
        ax.tick_params(labelsize=font_size - 1)
        if panel.ylim is not None:
            ax.set_ylim(*panel.ylim)
        ax.grid(alpha=0.3, which="both" if panel.log else "major")
        if ax.lines:
            ax.legend(fontsize=font_size - 1)
    path = Path(path)
    fig.canvas.draw()
    from matplotlib.text import Text

    smallest = min((t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()), default=0)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, metadata={"min_font_pt": f"{smallest:g}", "dpi": str(DPI)})
    return path
