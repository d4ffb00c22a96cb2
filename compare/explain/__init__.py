"""The report's words: every caption, reading and explanation, chosen from the run's numbers.

Kept apart from the report's plumbing so that teachers can edit the wording. A sentence that
interprets a result is never fixed text: it is picked by the GAN's assessment (`compare.assess`:
learned, not yet, collapsed, degenerate) or computed from the numbers (how many times the style
loss fell, whether recall is near 0), so a caption cannot contradict its picture. Texts are in the
Markdown subset of `compare.document`, with `{placeholders}` filled from a dict of facts; an
explanation paragraph whose facts are missing (no GAN run, say) is left out.

Split by subject: `compare.explain.gan`, `compare.explain.nst`, `compare.explain.closing` (the closing
section), `compare.explain.base` (what they share); every name is re-exported here, so callers write
`explain.X`. The words of the report on several runs are `compare.explain.multi`, used as a module.
"""

from __future__ import annotations

from compare.explain.base import (  # noqa: F401
    EVALUATOR_NAME,
    INTRO,
    TRAIN_LONGER,
    fill,
    placeholders,
)
from compare.explain.closing import (  # noqa: F401
    FILMSTRIP_CONTRAST,
    SECTIONS,
    demo_note,
    explanation,
)
from compare.explain.gan import (  # noqa: F401
    DISCRIMINATOR_AXIS,
    FILMSTRIP_CHANGE,
    GAN_LOSS_CAPTION,
    GAN_LOSS_READING,
    GAN_SUMMARY,
    INTERPOLATION_CAPTION,
    SAMPLES_CAPTION,
    class_histogram_caption,
    first_last_caption,
    gan_filmstrip_caption,
    gan_metric_rows,
    gan_quality_notes,
    gan_samples_caption,
    grid_facts,
    interpolation_caption,
)
from compare.explain.nst import (  # noqa: F401
    NST_FILMSTRIP_CAPTION,
    NST_LOSS_CAPTION,
    SWEEP_CAPTIONS,
    SWEEPS_OPT_IN,
    nst_loss_reading,
    nst_metric_rows,
    nst_result_caption,
    start_final_caption,
    swd_verdict,
)
