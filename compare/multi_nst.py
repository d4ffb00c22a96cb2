"""Several style transfer runs as a gallery: each result beside its photo and painting, with its distances.

Every result is scored by `compare.nst_metrics` (one VGG19, one evaluation size, for all rows) against
its own content and style images, beside the photo's own scores; one sentence per row, chosen by
`compare.ranking` and worded by `compare.explain.multi`, says where it stands among the others.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from compare import figures as F
from compare.document import Block, Figure, Paragraph, Table
from compare.explain import multi as words
from compare.formatting import count, duration
from compare.multi_gan import Section, clip, run_names
from compare.options import ReportOptions


def nst_runs_section(paths: Sequence[str | Path], options: ReportOptions, figures: Path) -> Section:
    """Scores every style transfer run and lays out the gallery.

    Args:
        paths: the run directories.
        options: the report's options (`weights`, `eval_size`, `seed`; `nst_content`/`nst_style`
            name the images of every run whose files do not).
        figures: the folder figures go to.
    """
    from compare.nst_metrics import CONTENT_LAYER, NSTScorer
    from compare.ranking import compare_nsts
    from compare.runs import NstRun
    from nst.images import resize

    names = run_names(paths)
    runs = [NstRun.load(p, options.nst_content, options.nst_style) for p in paths]
    print(f"compare.report: scoring {len(runs)} style transfer results with VGG19 (Gram, content and SWD distances)",
          file=sys.stderr, flush=True)  # fmt: skip
    scorer = NSTScorer(options.weights, options.eval_size, seed=options.seed)
    targets, images, scores = {}, [], []
    for run in runs:
        pair = (str(run.content), str(run.styles[0]))
        if pair not in targets:
            targets[pair] = scorer.targets(run.content, run.styles[0])
        content, style = scorer.load(run.content), scorer.load(run.styles[0])
        final = F.read_png(run.final)
        images.append((content.astype(np.uint8), style.astype(np.uint8), final))
        scores.append({"result": scorer.score(run.final, targets[pair]),
                       "content_image": scorer.score(content, targets[pair]),
                       "style_image": scorer.score(resize(style, targets[pair].shape), targets[pair])})  # fmt: skip
    comparison = compare_nsts([{"name": n, **{k: s["result"][k] for k in ("style_distance", "swd", "content_distance")}}
                               for n, s in zip(names, scores)])  # fmt: skip

    rows, gallery, sentences = [], [], []
    for i, (name, run, (content, style, final), s) in enumerate(zip(names, runs, images, scores)):
        r, photo = s["result"], s["content_image"]
        sentence = words.nst_row_sentence(name, s, comparison)
        sentences.append(sentence)
        rows.append([f"`{name}`", run.content.stem, run.styles[0].stem, f"{final.shape[1]}x{final.shape[0]}",
                     count(run.summary.iterations), duration(run.summary.seconds), f"{r['style_distance']:.3f}",
                     f"{r['content_distance']:.3f}", f"{r['swd']:.3f}", f"{r['pixel_swd']:.3f}",
                     f"{photo['style_distance']:.3f}", f"{photo['swd']:.3f}"])  # fmt: skip
        path = F.image_panel([content, style, final], [f"content: {clip(run.content.stem, 24)}",
                                                       f"style: {clip(run.styles[0].stem, 24)}",
                                                       f"result: {clip(name, 24)}"],
                             figures / f"nst_gallery_{i + 1}.png")  # fmt: skip
        caption = (f"`{name}`: style distance {r['style_distance']:.3f}, content distance {r['content_distance']:.3f}, "
                   f"SWD {r['swd']:.3f} ({count(run.summary.iterations)} iterations in "
                   f"{duration(run.summary.seconds)}). {sentence}")  # fmt: skip
        gallery.append(Figure(path, caption))
    weights = scores[0]["result"]["weights"]
    table = Table(["run", "content", "style", "result size", "iterations", "time", "style distance",
                   "content distance", "SWD", "pixel SWD", "photo's style distance", "photo's SWD"], rows,
                  caption=f"Measured at {options.eval_size} px (long side) with VGG19 ({weights}): style over "
                          f"`block1..5_conv1`, content at `{CONTENT_LAYER}`; the pixel SWD compares pixel patches at "
                          "five scales, with no network; lower is better for all four. The "
                          "photo's own distances from its painting mark where each run started from.")  # fmt: skip
    blocks: list[Block] = [Paragraph(words.nst_gallery_note(len(runs))), table, *gallery]
    numbers = {
        "runs": [{"name": n, "run": str(run.path), "content": str(run.content), "style": str(run.styles[0]),
                  "summary": run.summary.to_dict(), "scores": s, "sentence": sentence}
                 for n, run, s, sentence in zip(names, runs, scores, sentences)],
        "comparison": comparison,
    }  # fmt: skip
    return Section(blocks, numbers)
