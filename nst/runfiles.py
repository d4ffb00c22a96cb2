"""The files of an `nst.transfer` run directory besides the config and the state: inputs, losses, GIF.

`nst.transfer` writes them; `compare` reads `losses.csv` back and draws it with `loss_panel`. The
names are `common.runformat.NstFiles`; every file is written atomically.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from common.atomic import write_json, write_text
from common.errors import InputError
from common.images import evenly_spaced, save_gif
from common.plots import Panel
from common.runformat import NstFiles
from nst.records import LOSS_NAMES


def save_inputs(run_dir, content, styles, content_path, style_paths) -> None:
    """`inputs/`: the content and style images as loaded, and where they came from (what `--resume` reads)."""
    from nst.images import save_image

    inputs = run_dir / NstFiles.INPUTS_DIR
    inputs.mkdir(exist_ok=True)
    save_image(inputs / NstFiles.CONTENT, content)
    for i, style in enumerate(styles, 1):
        save_image(inputs / NstFiles.style(i), style)
    write_json(inputs / NstFiles.SOURCES, {"content": str(content_path), "styles": [str(p) for p in style_paths]})


def saved_inputs(run_dir: Path) -> tuple[Path, list[Path]]:
    """The saved content and style image paths of a run directory.

    Raises:
        InputError: the run directory lacks them.
    """
    inputs = run_dir / NstFiles.INPUTS_DIR
    styles = sorted(inputs.glob(NstFiles.STYLE_GLOB), key=lambda p: int(p.stem.split("-")[1]))
    if not (inputs / NstFiles.CONTENT).is_file() or not styles:
        raise InputError(
            f"--resume: {run_dir} lacks its saved input images "
            f"({NstFiles.INPUTS_DIR}/{NstFiles.CONTENT}, {NstFiles.INPUTS_DIR}/{NstFiles.style(1)})"
        )
    return inputs / NstFiles.CONTENT, styles


LOSSES_COLUMNS = ("step", "scale", "height", "width", "iteration", "content", "style", "tv", "total", "seconds")
"""The columns of `losses.csv`, one row per iteration."""


def loss_rows(history) -> list[dict]:
    """`StepRecord`s as `losses.csv` rows (dicts keyed by `LOSSES_COLUMNS`); scales counted from 1, as everywhere."""
    return [{"step": r.step, "scale": r.scale + 1, "height": r.shape[0], "width": r.shape[1], "iteration": r.iteration,
             **r.losses, "seconds": r.seconds} for r in history]  # fmt: skip


def loss_panel(rows) -> Panel:
    """The weighted loss terms per iteration (log scale), a dashed line at each scale change (`common.plots`).

    Args:
        rows: `losses.csv` rows (`loss_rows`, or the file read back), in step order.
    """
    steps = [r["step"] for r in rows]
    series = {k: [r[k] for r in rows] for k in ("total", "content", "style", "tv") if rows and k in rows[0]}
    marks = [(b["step"] - 0.5, f"{int(b['width'])}x{int(b['height'])}")
             for a, b in zip(rows, rows[1:]) if a["scale"] != b["scale"]]  # fmt: skip
    return Panel(steps, series, "iteration (all scales; dashed: the next, finer scale)", "weighted loss",
                 "style transfer losses (one image optimized)", log=True, emphasize="total", marks=marks)  # fmt: skip


def write_losses_csv(path: Path, history) -> None:
    """`losses.csv`: one row per `StepRecord` (`LOSSES_COLUMNS`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LOSSES_COLUMNS)
    for r in loss_rows(history):
        writer.writerow([f"{r[k]:.6g}" if k in LOSS_NAMES else f"{r[k]:.2f}" if k == "seconds" else r[k]
                         for k in LOSSES_COLUMNS])  # fmt: skip
    write_text(path, buffer.getvalue())


def write_gif(path: Path, frames_dir: Path, shape, max_frames: int = 60) -> None:
    """`progress.gif`: at most `max_frames` of the frames, evenly spaced, each resized to `shape`."""
    from PIL import Image

    files = sorted(frames_dir.glob("*.png"))
    if not files:
        return
    images = []
    for i in evenly_spaced(len(files), max_frames):
        with Image.open(files[i]) as im:
            images.append(np.asarray(im.convert("RGB").resize((shape[1], shape[0]), Image.LANCZOS)))
    save_gif(images, path, frame_ms=120)
