"""The report on several runs (`python -m compare.report --gan A B C`, `--nst A B C`, or both).

With at most one run of each kind, `compare.report` writes its side-by-side page; given several GAN
runs or several style transfer runs, it writes this page instead: a section per kind of run
(`compare.multi_gan`: sample grids, one metrics table, FID against training time, which run leads on
what; `compare.multi_nst`: the gallery), into the same folder layout (`report.html`, `report.md`,
`figures/`, `metrics.json`).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from compare.document import Block, Heading, Paragraph
from compare.explain import multi as words
from compare.formatting import plural
from compare.options import ReportOptions

TITLE = "Several runs side by side"
SECTIONS = (("gan-runs", "GAN runs"), ("nst-runs", "Style transfer runs"))
"""(anchor, title) of the sections, in order; a section is there when runs of its kind are."""


def build_multi_report(out: Path, gans: list, nsts: list, options: ReportOptions, made: dict,
                       start: float | None = None) -> dict:  # fmt: skip
    """Writes the several-runs report into `out` (which must exist and be writable).

    Args:
        out: the report folder.
        gans, nsts: run directories (either list may be empty, not both).
        options: the settings.
        made: `{"gan"|"nst": path}` of the quick runs the report made itself.
        start: `time.perf_counter()` when the report began (None: now).

    Returns:
        The `metrics.json` content, plus the `"files"` written.
    """
    from compare.multi_gan import gan_runs_section
    from compare.multi_nst import nst_runs_section
    from compare.report import write_document

    start = time.perf_counter() if start is None else start
    figures = out / "figures"
    what = " and ".join(p for p in (plural(len(gans), "GAN run") if gans else "",
                                    plural(len(nsts), "style transfer run") if nsts else "") if p)  # fmt: skip
    blocks: list[Block] = [Paragraph(words.MULTI_INTRO.format(what=what))]
    for which, key in (("GAN", "gan"), ("style transfer", "nst")):
        if key in made:
            blocks.append(Paragraph(words.quick_note(which, f"`{made[key]}`")))
    gan = nst = None
    if gans:
        gan = gan_runs_section(gans, options, figures)
        blocks += [Heading(SECTIONS[0][1], 2, SECTIONS[0][0]), *gan.blocks]
    if nsts:
        nst = nst_runs_section(nsts, options, figures)
        blocks += [Heading(SECTIONS[1][1], 2, SECTIONS[1][0]), *nst.blocks]
    result = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "seconds": round(time.perf_counter() - start, 2),
        "options": dataclasses.asdict(options),
        "quick_runs": made,
        "gan_runs": gan and gan.numbers,
        "nst_runs": nst and nst.numbers,
    }
    return write_document(out, TITLE, blocks, result)
