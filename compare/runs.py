"""Reading GAN and style transfer run directories for the report (read only).

The files and the summaries are `common.runformat`'s: a GAN run (`python -m gan.train`, `GanFiles`)
holds `config.toml`, `history.csv`, `samples/epoch_NNN.png`, `samples.gif`, `generator.keras`,
`summary.json` (`GanSummary`) and, once measured, `metrics.json`. A style transfer run
(`python -m nst.transfer`, `NstFiles`) holds `config.toml`, `inputs/`, `final.png`, `frames/`,
`progress.gif`, `losses.csv`, `losses.png` and `summary.json` (`NstSummary`). Optional files that
are missing become None or empty lists, and the report says what it could not show.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from pathlib import Path

from common.config import read_toml
from common.errors import InputError
from common.runformat import GanFiles, GanSummary, NstFiles, NstSummary


def _read_json(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read {path}: {e}") from None


def read_csv(path: Path) -> list[dict]:
    """Reads a CSV file into rows; numeric cells become floats (ints stay exact). [] when absent."""
    if not path.is_file():
        return []
    rows = []
    try:
        with open(path, newline="") as f:
            for record in csv.DictReader(f):
                row = {}
                for key, value in record.items():
                    if key is None:
                        continue
                    try:
                        number = float(value)
                        row[key] = (
                            int(number)
                            if number.is_integer() and "." not in value and "e" not in value.lower()
                            else number
                        )
                    except (TypeError, ValueError):
                        row[key] = value
                rows.append(row)
    except (OSError, csv.Error, UnicodeDecodeError) as e:
        raise InputError(f"cannot read {path}: {e}") from None
    return rows


def _number(name: str) -> int:
    digits = re.findall(r"\d+", name)
    return int(digits[-1]) if digits else -1


@dataclasses.dataclass
class GanRun:
    """What the report uses from a GAN run directory.

    Attributes:
        path: the run directory.
        config: `config.toml` as a dict.
        summary: `summary.json` (None when absent: a run stopped before it wrote one).
        history: `history.csv` rows (epoch, d_loss, g_loss, d_real, d_fake, seconds).
        grids: `samples/epoch_NNN.png` files, by epoch.
        metrics: `metrics.json` (None until `compare.metrics` has run).
    """

    path: Path
    config: dict
    summary: GanSummary | None
    history: list[dict]
    grids: list[tuple[int, Path]]
    metrics: dict | None

    @classmethod
    def load(cls, path: str | Path) -> GanRun:
        """Reads a GAN run directory.

        Raises:
            InputError: not a folder, no `generator.keras` in it, or a `summary.json` of another format.
        """
        path = Path(path)
        if not path.is_dir():
            raise InputError(f"--gan {path} is not a folder; pass a run directory of python -m gan.train")
        if not (path / GanFiles.GENERATOR).is_file():
            raise InputError(f"--gan {path} holds no {GanFiles.GENERATOR}; pass a finished run of python -m gan.train")
        grids = sorted(
            ((_number(p.stem), p) for p in (path / GanFiles.SAMPLES_DIR).glob(GanFiles.SAMPLE_GLOB)),
            key=lambda t: t[0],
        )
        return cls(
            path=path,
            config=read_toml(path / GanFiles.CONFIG),
            summary=GanSummary.read(path) if (path / GanFiles.SUMMARY).is_file() else None,
            history=read_csv(path / GanFiles.HISTORY),
            grids=grids,
            metrics=_read_json(path / GanFiles.METRICS),
        )


@dataclasses.dataclass
class NstRun:
    """What the report uses from a style transfer run directory.

    Attributes:
        path: the run directory.
        config: `config.toml` as a dict.
        summary: `summary.json`.
        losses: `losses.csv` rows (step, scale, height, width, iteration, content, style, tv, total,
            seconds).
        final: `final.png`.
        frames: the images in `frames/`, in the order they were written.
        content, style: the content image and the style image(s) the run used, when known.
    """

    path: Path
    config: dict
    summary: NstSummary
    losses: list[dict]
    final: Path
    frames: list[Path]
    content: Path | None
    styles: list[Path]

    @classmethod
    def load(cls, path: str | Path, content: str | Path | None = None, style: str | Path | None = None) -> NstRun:
        """Reads a style transfer run directory.

        Args:
            path: the run directory.
            content, style: the images the run used, when its files do not say (or to override).

        Raises:
            InputError: not a folder, no `final.png` or `summary.json`, or a summary of another format.
        """
        path = Path(path)
        if not path.is_dir():
            raise InputError(f"--nst {path} is not a folder; pass a run directory of python -m nst.transfer")
        final = path / NstFiles.FINAL
        if not final.is_file():
            raise InputError(f"--nst {path} holds no {NstFiles.FINAL}; pass a finished run of python -m nst.transfer")
        summary = NstSummary.read(path)
        frames = sorted((path / NstFiles.FRAMES_DIR).glob("*.png"), key=lambda p: _number(p.stem))
        found_content, found_styles = _inputs_from(path)
        content_path = Path(content) if content else found_content
        styles = [Path(style)] if style else found_styles
        if content_path is None or not styles:
            raise InputError(
                f"the style transfer run {path} does not name its content and style images; "
                "pass --nst-content PATH and --nst-style PATH"
            )
        for label, p in [("content", content_path)] + [("style", s) for s in styles]:
            if p is not None and not p.is_file():
                raise InputError(
                    f"the {label} image {p} of the run {path} is not there; pass --nst-content/--nst-style to name it"
                )
        return cls(path, read_toml(path / NstFiles.CONFIG), summary, read_csv(path / NstFiles.LOSSES_CSV), final,
                   frames, content_path, styles)  # fmt: skip

    @property
    def num_scales(self) -> int:
        """How many coarse-to-fine scales the run has (`losses.csv` counts them 1 ... num_scales)."""
        return len(self.summary.scales)

    @property
    def saved_content(self) -> Path:
        """The content image as the run loaded it (`inputs/content.png`), else `content`."""
        saved = self.path / NstFiles.INPUTS_DIR / NstFiles.CONTENT
        return saved if saved.is_file() else self.content

    @property
    def saved_styles(self) -> list[Path]:
        """The style images as the run loaded them (`inputs/style-N.png`), else `styles`."""
        saved = sorted((self.path / NstFiles.INPUTS_DIR).glob(NstFiles.STYLE_GLOB), key=lambda p: _number(p.stem))
        return saved or self.styles


def _inputs_from(run: Path) -> tuple[Path | None, list[Path]]:
    """Finds the content and style images of an NST run.

    `nst.transfer` writes `inputs/sources.json` (the original paths) and the images as loaded
    (`inputs/content.png`, `inputs/style-N.png`); the original files are preferred (sharper at the
    evaluation size) when they still exist, else the saved copies.
    """
    inputs = run / NstFiles.INPUTS_DIR
    sources = _read_json(inputs / NstFiles.SOURCES) or {}
    saved_content = inputs / NstFiles.CONTENT
    saved_styles = sorted(inputs.glob(NstFiles.STYLE_GLOB), key=lambda p: _number(p.stem))
    content = Path(sources["content"]) if sources.get("content") else None
    styles = [Path(p) for p in sources.get("styles", [])]
    if (content is None or not content.is_file()) and saved_content.is_file():
        content = saved_content
    if (not styles or not all(s.is_file() for s in styles)) and saved_styles:
        styles = saved_styles
    return content, styles
