"""Which of several runs is best at what, chosen from their numbers only, with ties said as ties.

A report on several runs names the run with the lowest FID, the one that covers the classes best,
the conditional one that draws the class asked for most often, and the style transfer result closest
to its painting. A difference smaller than the measurement can resolve is a tie, and the words say
so (`compare.explain.multi`); a run whose verdict (`compare.assess`) says its images are not clothing
yet is not ranked on what its classes look like.

Tie margins:

- FID: two FIDs tie when they differ by at most `FID_TIE_FLOOR` times the real-data FID (two samples
  of real images of the same N scored against the test set: what sampling alone gives at this N; 0.12
  at N = 10,000 with the default evaluator, several units at N = 200), or by `FID_TIE_RELATIVE` of
  the smaller FID, whichever is larger.
- class entropy: `ENTROPY_TIE` nats. exp(entropy) is the effective number of equally frequent
  classes, so 0.05 nats is a 5% difference in it.
- class consistency: `CONSISTENCY_TIE` (2 percentage points; at N = 10,000, 1,000 images per class,
  the binomial standard error of an accuracy near 90% is about 0.3 points overall).
- style transfer distances: `NST_TIE_RELATIVE` (5%), a choice rather than a measurement: a smaller
  difference of Gram distance or SWD does not show in the pictures.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

FID_TIE_FLOOR = 2.0
FID_TIE_RELATIVE = 0.05
ENTROPY_TIE = 0.05
CONSISTENCY_TIE = 0.02
NST_TIE_RELATIVE = 0.05

NOT_CLOTHING = ("degenerate",)
"""Verdicts under which the evaluator's classes are guesses on non-clothing: not ranked for coverage."""


@dataclasses.dataclass(frozen=True)
class Ranking:
    """The runs that lead on one number.

    Attributes:
        leaders: names of the runs within `margin` of the best value, the best first.
        best: the best value.
        margin: how far from the best still counts as a tie.
        all_similar: every ranked run is a leader (and there are at least two).
        values: name -> value of every ranked run.
    """

    leaders: tuple[str, ...]
    best: float
    margin: float
    all_similar: bool
    values: dict[str, float]

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def rank(values: dict[str, float], lower_is_better: bool, margin: float) -> Ranking | None:
    """The leaders among `values` (name -> number): every run within `margin` of the best.

    Returns:
        The `Ranking`, or None when `values` is empty.
    """
    if not values:
        return None
    order = sorted(values, key=lambda k: values[k] if lower_is_better else -values[k])
    best = values[order[0]]
    leaders = tuple(k for k in order if abs(values[k] - best) <= margin)
    return Ranking(leaders, best, margin, len(values) > 1 and len(leaders) == len(values), dict(values))


def fid_margin(best_fid: float, real_fid: float | None) -> float:
    """The FID tie margin (see the module docstring)."""
    return max(FID_TIE_FLOOR * (real_fid or 0.0), FID_TIE_RELATIVE * best_fid)


def compare_gans(records: Sequence[dict]) -> dict:
    """Rankings of several measured GAN runs.

    Args:
        records: per run `{"name", "fid", "real_fid" (or None), "entropy", "max_entropy", "verdict",
            "consistency" (None for an unconditional run), "real_consistency", "seconds"}`.

    Returns:
        `{"runs": N, "fid": Ranking dict, "coverage": Ranking dict or None (no run draws clothing),
        "consistency": Ranking dict or None (no conditional run), "verdicts": {verdict: [names]},
        "not_ranked_for_coverage": [names], "conditional": [names of the runs with a class consistency]}`.
    """
    fids = {r["name"]: r["fid"] for r in records}
    real = max((r["real_fid"] for r in records if r.get("real_fid") is not None), default=None)
    fid = rank(fids, True, fid_margin(min(fids.values()), real))
    readable = {r["name"]: r["entropy"] for r in records if r["verdict"] not in NOT_CLOTHING}
    coverage = rank(readable, False, ENTROPY_TIE)
    consistent = {r["name"]: r["consistency"] for r in records if r.get("consistency") is not None}
    consistency = rank(consistent, False, CONSISTENCY_TIE)
    verdicts: dict[str, list[str]] = {}
    for r in records:
        verdicts.setdefault(r["verdict"], []).append(r["name"])
    return {
        "runs": len(records),
        "fid": fid.as_dict(),
        "coverage": coverage and coverage.as_dict(),
        "consistency": consistency and consistency.as_dict(),
        "verdicts": verdicts,
        "not_ranked_for_coverage": [r["name"] for r in records if r["verdict"] in NOT_CLOTHING],
        "conditional": [r["name"] for r in records if r.get("consistency") is not None],
    }


def compare_nsts(records: Sequence[dict]) -> dict:
    """Rankings of several scored style transfer results.

    Args:
        records: per run `{"name", "style_distance", "swd", "content_distance"}` of the result.

    Returns:
        `{"runs": N, "style_distance", "swd", "content_distance": Ranking dicts (lower is better)}`.
    """
    out: dict = {"runs": len(records)}
    for key in ("style_distance", "swd", "content_distance"):
        values = {r["name"]: r[key] for r in records}
        out[key] = rank(values, True, NST_TIE_RELATIVE * min(values.values())).as_dict()
    return out


def position(ranking: dict, name: str) -> str:
    """Where `name` stands in a ranking dict: "best" (a leader), "worst" (within the margin of the value furthest
    from the best, and not a leader), else "middle"."""
    if name in ranking["leaders"]:
        return "best"
    values = ranking["values"]
    worst = max(values.values(), key=lambda v: abs(v - ranking["best"]))
    return "worst" if abs(values[name] - worst) <= ranking["margin"] else "middle"
