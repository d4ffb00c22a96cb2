"""`ReportOptions`: everything `compare.report` can be told, loaded like every other config of the suite.

The defaults live in the frozen dataclass only; a TOML file (`--config`) over them, `--set key=value`
overrides, then the typed flags on top (`common.config.load_config`; unknown keys and wrong types
are one-line errors).
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class ReportOptions:
    """Everything the report can be told.

    Attributes:
        n: GAN images to generate for the metrics (and real images for the real-data column).
        seed: seed of the latent draws, metric subsets, SWD directions and quick runs.
        cache_dir, data_dir: evaluator cache and Fashion-MNIST folders.
        evaluator_overrides: `KEY=VALUE` settings of the evaluator (a different cached evaluator).
        reference_limit: use only the first N test images (quick checks; None = all 10,000).
        kid_subsets: KID's subset count.
        weights: VGG19 weights for the style transfer scores and sweeps (`nst.weights` rules).
        eval_size: the style transfer evaluation size (long side, px).
        nst_content, nst_style: the images of the `--nst` run, when its files do not name them.
        content_layer_sweep, style_weight_sweep: the opt-in teaching figures.
        sweep_size: long side of the sweep images.
        sweep_iterations: iterations per sweep image (per scale, coarsest first).
        gan_config: the quick GAN run's config (None: the packaged `configs/gan/demo.toml`).
        gan_epochs, gan_limit: the quick GAN run's epochs and training images (None: the config's).
        nst_config, nst_size: the quick style transfer run (no `--nst`).
        quick_args_gan, quick_args_nst: extra command-line arguments for the quick runs.
    """

    n: int = 10_000
    seed: int = 0
    cache_dir: str | None = None
    data_dir: str | None = None
    evaluator_overrides: tuple[str, ...] = ()
    reference_limit: int | None = None
    kid_subsets: int = 100
    weights: str | None = None
    eval_size: int = 512
    nst_content: str | None = None
    nst_style: str | None = None
    content_layer_sweep: bool = False
    style_weight_sweep: bool = False
    sweep_size: int = 192
    sweep_iterations: tuple[int, ...] = (60, 40)
    gan_config: str | None = None
    gan_epochs: int | None = None
    gan_limit: int | None = None
    nst_config: str | None = None
    nst_size: int = 256
    quick_args_gan: tuple[str, ...] = ()
    quick_args_nst: tuple[str, ...] = ()

    def __post_init__(self):
        from compare.gan_metrics import MAX_N

        if not 2 <= self.n <= MAX_N:
            raise ValueError(
                f"--n must be between 2 and {MAX_N:,} images (the size of the real reference), got {self.n}"
            )
        for name in ("kid_subsets", "sweep_size", "nst_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} (--{name.replace('_', '-')}) must be positive, got {getattr(self, name)}")
        if self.eval_size < 32:
            raise ValueError(f"eval_size (--eval-size) must be at least 32 px, got {self.eval_size}")
        for name in ("gan_epochs", "gan_limit"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} (--{name.replace('_', '-')}) must be positive, got {value}")
        if self.reference_limit is not None and self.reference_limit < 4:
            raise ValueError(
                f"reference_limit (--reference-limit) must be at least 4 images, got {self.reference_limit}"
            )
        if not self.sweep_iterations or any(i < 1 for i in self.sweep_iterations):
            raise ValueError(
                f"sweep_iterations (--sweep-iterations) must be positive, got {list(self.sweep_iterations)}"
            )


def packaged_config(relative: str) -> Path:
    """A config file shipped in the `configs` package, e.g. `packaged_config("gan/demo.toml")`.

    Resolved from where `configs` is installed (a namespace package of TOML files), so the report
    finds it from any working directory.

    Raises:
        FileNotFoundError: no installed `configs` folder holds it.
    """
    spec = importlib.util.find_spec("configs")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / relative
        if path.is_file():
            return path
    raise FileNotFoundError(f"configs/{relative} is not installed with the suite")
