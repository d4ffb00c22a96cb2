"""What all the report's words share: filling placeholders, the evaluator's name, the advice to train longer."""

from __future__ import annotations

import string
from collections.abc import Mapping

from compare.evaluator import DESCRIPTION as EVALUATOR_NAME  # "the Fashion-MNIST classifier used to score the GAN"

__all__ = ["EVALUATOR_NAME", "INTRO", "TRAIN_LONGER", "fill", "placeholders"]

INTRO = ("A DCGAN *learns a distribution* from tens of thousands of images and then makes new ones instantly; "
         "neural style transfer needs no data set but *optimizes every single image* against a pretrained network. "
         "This report measures both runs below with the same care and shows them side by side.")  # fmt: skip
TRAIN_LONGER = ("train longer: `python -m gan.train` (the default config, 10 epochs on all 60,000 images) and pass "
                "the run with `--gan RUN`")  # fmt: skip


def placeholders(text: str) -> set[str]:
    """The `{names}` a template text needs."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def fill(template: str, facts: Mapping[str, str]) -> str:
    """`template` with its placeholders filled; a missing fact reads "?" rather than failing the report."""
    return template.format_map({name: facts.get(name, "?") for name in placeholders(template)})
