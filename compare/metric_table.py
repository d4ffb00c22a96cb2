"""The rows of a GAN metric table, built once for the terminal and for the report.

`python -m compare.metrics` prints a plain-text table (`compare.metrics.metric_rows`) and the report
shows a wider one (`compare.explain.gan.gan_metric_rows`). Which metrics a table shows, in which
order, where each number sits in a metrics record, when the pixel rows are there and what the
Inception FID's row says are decided here; each caller chooses the number formats and its columns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from compare.gan_metrics import METRICS, MetricInfo

ORDER = (
    "fid",
    "kid",
    "precision",
    "recall",
    "classifier_score",
    "class_entropy",
    "mean_intensity",
    "pixel_std",
    "image_contrast",
    "near_constant_fraction",
)
"""The metrics' order in every table."""
PIXEL_KEYS = ("mean_intensity", "pixel_std", "image_contrast", "near_constant_fraction")
"""The metrics under `"pixels"`: absent from metrics files written before they existed."""


@dataclasses.dataclass(frozen=True)
class MetricRow:
    """One row of a GAN metric table.

    Attributes:
        key: the `METRICS` key, or "inception_fid".
        info: how to read it (label, unit, which direction is better, meaning).
        generated: the generated images' number, formatted.
        real: the real data's number, formatted; "-" without a real-data row (and for the Inception FID).
        measured: False for an Inception FID that was not measured (then `generated` is "skipped" and
            `info.meaning` and `info.short` give the reason).
    """

    key: str
    info: MetricInfo
    generated: str
    real: str
    measured: bool = True


def metric_value(metrics: dict, key: str) -> float | tuple[float, float]:
    """One metric of a generated or real-data row of a metrics record.

    Returns:
        A number, or `(mean, std)` for KID (times 1000, as `METRICS["kid"]` reads it) and the
        classifier score.
    """
    if key == "kid":
        return 1000 * metrics["kid"]["mean"], 1000 * metrics["kid"]["std"]
    if key == "classifier_score":
        return metrics["classifier_score"]["mean"], metrics["classifier_score"]["std"]
    if key == "class_entropy":
        return metrics["class_histogram"]["entropy"]
    if key in PIXEL_KEYS:
        return metrics["pixels"][key]
    return metrics[key]


def cell(value: float | tuple[float, float], template: str) -> str:
    """`value` written with `template` (e.g. "{:.3f}"); a `(mean, std)` pair as "mean ± std"."""
    if isinstance(value, tuple):
        return f"{template.format(value[0])} ± {template.format(value[1])}"
    return template.format(value)


def table_rows(result: dict, templates: Mapping[str, str]) -> list[MetricRow]:
    """The metrics of a record as table rows, in `ORDER`.

    Args:
        result: a metrics record (`compare.gan_metrics.evaluate_generator`); `real_floor` optional.
        templates: the format of each metric to show, by key (e.g. `{"fid": "{:.3f}"}`); metrics
            without one are left out.

    Returns:
        One `MetricRow` per metric; a pixel row only when the generated and the real-data rows both
        have that statistic.
    """
    gen, real = result["generated"], result.get("real_floor")
    rows = []
    for key in ORDER:
        if key not in templates:
            continue
        if key in PIXEL_KEYS and not all(key in m.get("pixels", {}) for m in (gen, real) if m is not None):
            continue
        template = templates[key]
        real_cell = cell(metric_value(real, key), template) if real else "-"
        rows.append(MetricRow(key, METRICS[key], cell(metric_value(gen, key), template), real_cell))
    return rows


def inception_row(result: dict, template: str) -> MetricRow:
    """The Inception FID's row: its number formatted with `template`, or "skipped" with the reason."""
    inc = result.get("inception_fid", {})
    if inc.get("status") != "measured":
        reason = inc.get("reason", "not measured")
        return MetricRow("inception_fid", MetricInfo("Inception FID", "-", "lower", reason, reason), "skipped", "-",
                         measured=False)  # fmt: skip
    images = f"{inc['n_generated']} vs {inc['n_reference']}"
    info = MetricInfo("Inception FID", METRICS["fid"].unit, "lower",
                      f"FID with ImageNet's Inception-v3 at 299 px ({images} images)", f"299 px, {images}")  # fmt: skip
    return MetricRow("inception_fid", info, template.format(inc["fid"]), "-")
