"""What a style transfer's distances allow a report to say.

How much the style distance fell from the starting image (the content photo) to the result, as a
measured ratio phrased in words that do not overstate it (`describe_change`), and which style layers
were matched well or badly (`assess_nst`). The distances are those of `compare.nst_metrics`; the
GAN's verdicts are `compare.assess`'s.
"""

from __future__ import annotations

import dataclasses
import math

WELL_MATCHED = 0.1
"""A style layer counts as matched well when its Gram distance is below 0.1 (10% of an all-zero image's)."""


@dataclasses.dataclass(frozen=True)
class NstAssessment:
    """What a style transfer's distances allow a report to say.

    Attributes:
        style_start: style distance of the starting point (the content photo, scored the same way).
        style_result: style distance of the result.
        style_ratio: `style_start / style_result` (how many times closer the style got).
        style_change: the change in words, e.g. "fell 16-fold" or "fell by 2.3 orders of magnitude"
            (orders only from a 100-fold fall; "rose 1.2-fold" when it got worse).
        content_result: the result's content distance (0 = the content photo's own features).
        layers: `(layer, distance)` per style layer, in network order.
        best_layer, worst_layer: the layers matched best and worst.
        well_matched: the layers below `WELL_MATCHED`.
        summary: one sentence with the numbers.
    """

    style_start: float
    style_result: float
    style_ratio: float
    style_change: str
    content_result: float
    layers: tuple[tuple[str, float], ...]
    best_layer: str
    worst_layer: str
    well_matched: tuple[str, ...]
    summary: str

    def as_dict(self) -> dict:
        """A JSON-ready dict."""
        return dataclasses.asdict(self)


def describe_change(start: float, end: float) -> str:
    """Words for a change from `start` to `end` that do not overstate it.

    Returns:
        "fell 16-fold" (factors below 100), "fell by 2.3 orders of magnitude" (100-fold and more),
        "rose 1.5-fold", or "stayed about the same" (within 5%).

    Raises:
        ValueError: a value is negative or not finite.
    """
    if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end < 0:
        raise ValueError(f"distances must be finite and non-negative, got {start} and {end}")
    if end == 0:
        return "fell to 0" if start > 0 else "stayed at 0"
    ratio = start / end
    if 1 / 1.05 <= ratio <= 1.05:
        return "stayed about the same"
    if ratio < 1:
        return f"rose {1 / ratio:.1f}-fold"
    if ratio >= 100:
        return f"fell by {math.log10(ratio):.1f} orders of magnitude"
    return f"fell {ratio:.1f}-fold" if ratio < 10 else f"fell {ratio:.0f}-fold"


def assess_nst(result: dict, start: dict) -> NstAssessment:
    """How far a style transfer result moved towards the style, from the distances of `compare.nst_metrics`.

    Args:
        result: `NSTScorer.score` of the result.
        start: `NSTScorer.score` of the starting point (the content photo; or the noise image when the
            run started from noise).

    Returns:
        An `NstAssessment`.
    """
    s0, s1 = float(start["style_distance"]), float(result["style_distance"])
    layers = tuple((k, float(v)) for k, v in result["style_layers"].items())
    ratio = s0 / s1 if s1 > 0 else math.inf
    change = describe_change(s0, s1)
    best = min(layers, key=lambda kv: kv[1])[0]
    worst = max(layers, key=lambda kv: kv[1])[0]
    well = tuple(k for k, v in layers if v < WELL_MATCHED)
    content = float(result["content_distance"])
    summary = (f"The style distance {change}, from {s0:.3g} for the starting image to {s1:.3g} for the result; "
               f"{best} was matched best ({dict(layers)[best]:.3g}) and {worst} worst ({dict(layers)[worst]:.3g}), "
               f"while the content distance is {content:.3g} (0 = the content photo's own features).")  # fmt: skip
    return NstAssessment(s0, s1, ratio, change, content, layers, best, worst, well, summary)
