"""The words of a report on several runs: which run leads on what, each sentence chosen from the rankings.

The rankings come from `compare.ranking` (ties within a stated margin are ties), the verdicts from
`compare.assess`; nothing here decides a result, it only words one. A run whose samples are not
clothing yet is never called sharp, and its classes are never read as coverage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from compare.explain.base import TRAIN_LONGER
from compare.formatting import duration

__all__ = ["GAN_FID_TIME_CAPTION", "MULTI_INTRO", "VERDICT_TITLE", "gan_comparison_text", "names", "nst_gallery_note",
           "nst_row_sentence", "quick_note"]  # fmt: skip

MULTI_INTRO = ("This report puts {what} side by side. Every number is measured the same way for every run, and "
               "every sentence that says which run leads is chosen from those numbers; where runs differ by less "
               "than the measurement can resolve, it says so.")  # fmt: skip

VERDICT_TITLE = {"learned": "learned", "partly_learned": "partly learned", "not_learned": "not learned yet",
                 "collapsed": "mode collapse", "degenerate": "not clothing yet"}  # fmt: skip
"""The verdict of `compare.assess`, as the table's last column shows it."""

_VERDICT_VERB = {  # (one run, several runs)
    "collapsed": ("collapsed onto a few kinds of clothing", "collapsed onto a few kinds of clothing"),
    "degenerate": ("does not draw clothing yet", "do not draw clothing yet"),
    "not_learned": ("has not learned the distribution yet", "have not learned the distribution yet"),
    "partly_learned": ("has partly learned the distribution", "have partly learned the distribution"),
    "learned": ("learned the distribution", "learned the distribution"),
}
_ALL_VERDICT = {  # every run has the same verdict
    "collapsed": "all {n} runs collapsed onto a few kinds of clothing",
    "degenerate": "none of the {n} runs draws clothing yet",
    "not_learned": "none of the {n} runs has learned the distribution yet",
    "partly_learned": "all {n} runs have partly learned the distribution",
    "learned": "all {n} runs learned the distribution",
}
_VERDICT_ORDER = ("collapsed", "degenerate", "not_learned", "partly_learned", "learned")
_DRAWS_CLOTHING = ("learned", "partly_learned", "collapsed")

GAN_FID_LOG_AXIS = (
    " (on a logarithmic FID axis: the runs' FIDs span more than ten times, and a linear one would flatten the "
    "lower ones into one line)"
)
GAN_FID_TIME_CAPTION = {
    "epochs": "Lines: each point is one epoch's generator (`generators/epoch_NNN.keras`, kept beside the run), "
    "measured like the table (same N, seed and evaluator), at the run's training time up to that epoch "
    "(the sum of `history.csv`'s epoch seconds).",
    "final": "A single point: the run keeps only its final generator (`python -m gan.train` keeps no per-epoch "
    "generators), measured as in the table, at its total training time (`summary.json`, start-up excluded).",
}


def names(items: Sequence[str]) -> str:
    """`a`, `a` and `b`, `a`, `b` and `c` (run names as code)."""
    quoted = [f"`{n}`" for n in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _values(ranking: dict, keys: Sequence[str], fmt: str) -> str:
    return ", ".join(f"`{k}` {ranking['values'][k]:{fmt}}" for k in keys)


def _rest(ranking: dict, lower_is_better: bool) -> list[str]:
    values = ranking["values"]
    return sorted((k for k in values if k not in ranking["leaders"]), key=lambda k: values[k] * (1 if lower_is_better
                                                                                                else -1))  # fmt: skip


def gan_comparison_text(comparison: dict, verdict_of: Mapping[str, str], seconds: Mapping[str, float],
                        real: Mapping[str, float | None]) -> list[str]:  # fmt: skip
    """The paragraphs that say which GAN run leads on what.

    Args:
        comparison: `compare.ranking.compare_gans`'s result.
        verdict_of: run name -> `compare.assess` verdict.
        seconds: run name -> training seconds.
        real: `{"fid", "entropy", "max_entropy", "consistency"}` of real data (None where not measured).

    Returns:
        Paragraphs (Markdown subset), in order: FID, coverage, class consistency, verdicts, time.
    """
    out = []
    n = comparison["runs"]
    fid = comparison["fid"]
    if n == 1:
        (only,) = fid["values"]
        out.append(f"Only one GAN run, `{only}`, so nothing is ranked: it scores FID {fid['best']:.2f}"
                   + (f" (real data {real['fid']:.2f})." if real.get("fid") is not None else "."))  # fmt: skip
    elif fid["all_similar"]:
        lo, hi = min(fid["values"].values()), max(fid["values"].values())
        out.append(f"**FID.** All {n} runs score about the same FID ({lo:.2f} to {hi:.2f}): differences up to "
                   f"{fid['margin']:.2f} are a tie here (twice the FID two samples of real images score at this N, or "
                   "5% of the lowest, whichever is larger), so FID does not single out a sharpest run.")  # fmt: skip
    else:
        leaders, rest = list(fid["leaders"]), _rest(fid, True)
        clothing = [k for k in leaders if verdict_of[k] in _DRAWS_CLOTHING]
        if len(leaders) == 1:
            text = f"**FID.** `{leaders[0]}` has the lowest FID ({fid['best']:.2f}; {_values(fid, rest, '.2f')})"
        else:
            text = (f"**FID.** {names(leaders)} share the lowest FID ({_values(fid, leaders, '.2f')}: within the tie "
                    f"margin of {fid['margin']:.2f}, so this N cannot tell them apart; {_values(fid, rest, '.2f')})")  # fmt: skip
        if len(clothing) == len(leaders):
            text += ": the sharpest of these runs by FID" + ("." if len(leaders) == 1 else ", about equally.")
            partly = [k for k in leaders if verdict_of[k] != "learned"]
            if partly:
                text += (f" FID compares only feature means and covariances: `compare.assess` finds {names(partly)} "
                         f"{'has' if len(partly) == 1 else 'have'} not learned the whole distribution yet (see the "
                         "verdicts).")  # fmt: skip
        else:
            text += (": the least far from the data, but not sharp, because " +
                     ("it does not" if len(leaders) == 1 else "not all of them") + " draw clothing yet (see the "
                     "verdicts).")  # fmt: skip
        out.append(text)

    coverage = comparison["coverage"]
    unranked = comparison["not_ranked_for_coverage"]
    of_max = f"of at most {real['max_entropy']:.2f} nats" if real.get("max_entropy") else "nats"
    real_entropy = f"; real data {real['entropy']:.2f}" if real.get("entropy") is not None else ""
    if coverage is None:
        out.append("**Classes.** No run draws clothing yet, so the classes the evaluator sees in their samples are "
                   "guesses and say nothing about which run covers the data.")  # fmt: skip
    else:
        leaders, rest = list(coverage["leaders"]), _rest(coverage, False)
        ranked = len(coverage["values"])
        if n == 1:
            text = f"**Classes.** Class entropy {coverage['best']:.2f} {of_max}{real_entropy}."
        elif ranked == 1:
            text = (f"**Classes.** `{leaders[0]}` is the only run that draws clothing: class entropy "
                    f"{coverage['best']:.2f} {of_max}{real_entropy}.")  # fmt: skip
        elif coverage["all_similar"]:
            lo, hi = min(coverage["values"].values()), max(coverage["values"].values())
            text = (f"**Classes.** The runs cover the classes about equally: class entropy {lo:.2f} to {hi:.2f} "
                    f"{of_max}{real_entropy}; differences up to {coverage['margin']:.2f} nats are a tie.")  # fmt: skip
        elif len(leaders) == 1:
            text = (f"**Classes.** `{leaders[0]}` covers the classes best: class entropy {coverage['best']:.2f} "
                    f"{of_max} ({_values(coverage, rest, '.2f')}{real_entropy}).")  # fmt: skip
        else:
            text = (f"**Classes.** {names(leaders)} cover the classes best, about equally (class entropy "
                    f"{_values(coverage, leaders, '.2f')} {of_max}; {_values(coverage, rest, '.2f')}{real_entropy}).")  # fmt: skip
        asked = [k for k in comparison.get("conditional", []) if k in leaders]
        if asked and ranked > 1:
            text += (f" {names(asked)} {'is' if len(asked) == 1 else 'are'} conditional: asked for every class equally "
                     "often, so there the entropy shows how well the class asked for is drawn, not which classes the "
                     "generator would choose.")  # fmt: skip
        if unranked and n > 1:
            text += (f" {names(unranked)} {'is' if len(unranked) == 1 else 'are'} not ranked on classes: "
                     f"{'its' if len(unranked) == 1 else 'their'} samples are not clothing, so their classes are the "
                     "evaluator's guesses.")  # fmt: skip
        out.append(text)

    consistency = comparison["consistency"]
    if consistency is not None:
        ref = f" (the evaluator on real test images: {real['consistency']:.0%})" if real.get("consistency") else ""
        leaders, rest = list(consistency["leaders"]), _rest(consistency, False)
        if len(consistency["values"]) == 1:
            text = (f"**Class asked for.** `{leaders[0]}`, the only conditional run, draws the class asked for in "
                    f"{consistency['best']:.0%} of its samples{ref}.")  # fmt: skip
        elif consistency["all_similar"]:
            text = (f"**Class asked for.** The conditional runs draw the class asked for about equally often "
                    f"({_values(consistency, leaders, '.0%')}){ref}.")  # fmt: skip
        else:
            who = f"`{leaders[0]}` draws" if len(leaders) == 1 else f"{names(leaders)} draw"
            text = (f"**Class asked for.** Of the conditional runs, {who} the class asked for most often "
                    f"({_values(consistency, leaders, '.0%')}; {_values(consistency, rest, '.0%')}){ref}.")  # fmt: skip
        out.append(text)

    verdicts = comparison["verdicts"]
    parts = []
    for verdict in _VERDICT_ORDER:
        who = verdicts.get(verdict, [])
        if who and len(who) == n and n > 1:
            parts.append(_ALL_VERDICT[verdict].format(n=n))
        elif who:
            parts.append(f"{names(who)} {_VERDICT_VERB[verdict][0 if len(who) == 1 else 1]}")
    text = "**Verdicts** (`compare.assess`, the table's last column): " + "; ".join(parts) + "."
    drawing = [k for k, v in verdict_of.items() if v in _DRAWS_CLOTHING]
    if drawing and "collapsed" not in verdicts and n > 1:
        text += " None of the runs that draw clothing collapsed onto a few classes."
    if not drawing:
        text += " To compare recipes that have learned something, " + TRAIN_LONGER + "."
    out.append(text)

    if n > 1:
        fastest, slowest = min(seconds, key=seconds.get), max(seconds, key=seconds.get)
        if seconds[fastest] > 0 and seconds[slowest] / seconds[fastest] > 1.2:
            out.append(f"**Cost.** Training took from {duration(seconds[fastest])} (`{fastest}`) to "
                       f"{duration(seconds[slowest])} (`{slowest}`): a lower FID bought with more training time "
                       "is not the same win as one at equal time; the figure shows each run's FID at its time.")  # fmt: skip
    return out


def nst_row_sentence(name: str, scores: dict, comparison: dict) -> str:
    """One sentence on one style transfer result, chosen from its scores and its place among the others.

    Args:
        name: the run's name.
        scores: `{"result", "content_image"}` score dicts (`compare.nst_metrics.NSTScorer.score`).
        comparison: `compare.ranking.compare_nsts`'s result over every row.
    """
    from compare.nst_assess import describe_change
    from compare.ranking import position

    r, photo = scores["result"], scores["content_image"]
    change = (f"its Gram distance {describe_change(photo['style_distance'], r['style_distance'])} from the photo's "
              f"{photo['style_distance']:.3f} to {r['style_distance']:.3f}")  # fmt: skip
    n = comparison["runs"]
    if n == 1:
        from compare.explain.nst import swd_verdict

        return f"The only style transfer run: {change}; {swd_verdict(scores)}."
    gram, swd = comparison["style_distance"], comparison["swd"]
    if gram["all_similar"] and swd["all_similar"]:
        style = f"As close to its painting as the other {n - 1} results by both style measures (all within 5%)"
    else:
        g, s = position(gram, name), position(swd, name)
        tied = (
            " (tied)" if (g == "best" and len(gram["leaders"]) > 1) or (s == "best" and len(swd["leaders"]) > 1) else ""
        )
        if g == "best" and s == "best":
            style = (
                f"Of the {n} results this one matched its painting most closely{tied}, by both Gram distance and SWD"
            )
        elif g == "best":
            style = (f"Closest to its painting by Gram distance{tied} but not by SWD ({names(swd['leaders'])} "
                     "closer): one statistic was matched without the other")  # fmt: skip
        elif s == "best":
            style = (f"Closest to its painting by SWD{tied} but not by Gram distance ({names(gram['leaders'])} "
                     "closer): one statistic was matched without the other")  # fmt: skip
        elif g == "worst" and s == "worst":
            style = f"Of the {n} results this one is furthest from its painting by both style measures"
        else:
            style = f"Not the closest to its painting of the {n} results by either style measure"
    content = {"best": "it kept the most of its photo's content", "worst": "it changed its photo's content the most",
               "middle": "its content distance lies between the others'"}[position(comparison["content_distance"], name)]  # fmt: skip
    if comparison["content_distance"]["all_similar"]:
        content = "all results kept about as much of their photos' content"
    return f"{style}; {change}; {content}."


def nst_gallery_note(count: int) -> str:
    """The paragraph above the gallery."""
    return (f"{count} style transfer results, each beside the photo and the painting it was made from. Distances "
            "are measured against each row's own photo and painting at one evaluation size, 0 being the painting's "
            "own statistics (style) or the photo's own features (content), so rows with different paintings compare "
            "how closely each result came to *its* painting. Differences under 5% count as ties.")  # fmt: skip


def quick_note(which: str, what: str) -> str:
    """The note on one quick run the report made itself (`which`: "GAN" or "style transfer")."""
    flag = "--gan" if which == "GAN" else "--nst"
    return (f"**Quick run.** `{flag}` named no run, so this report made a short {which} run itself ({what}). Pass "
            f"run directories with `{flag} RUN [RUN ...]` to compare runs of your own.")  # fmt: skip
