"""A finished (or stopped) run's `summary.json`: what it cost and what it is, for `compare/` to read.

The figures come from the run's `history.csv` (training seconds, images seen), a timed batch of
the generator (seconds per image), the two networks (parameters) and the process (peak memory);
`common.runformat.GanSummary` defines the fields.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

from common.runformat import GanFiles, GanSummary
from gan.config import GANConfig


def write_summary(config: GANConfig, run_dir: Path, gan, images, epochs_done: int, fit_seconds: float) -> GanSummary:
    """Writes `summary.json` (`common.runformat.GanSummary`), the figures `compare/` reads, and returns it."""
    from gan.callbacks import read_history
    from gan.sample import generate

    rows = [r for r in read_history(run_dir / GanFiles.HISTORY) if r["epoch"] <= epochs_done]
    train_seconds = sum(r["seconds"] for r in rows)
    steps = len(images) // config.train.batch_size
    images_seen = len(rows) * steps * config.train.batch_size
    generate(gan.sampler, 16, seed=1)  # warm-up
    n = 256
    t0 = time.perf_counter()
    generate(gan.sampler, n, seed=2)
    seconds_per_image = (time.perf_counter() - t0) / n
    generator_parameters = int(gan.generator.count_params())
    discriminator_parameters = int(gan.discriminator.count_params())
    summary = GanSummary(
        epochs=epochs_done,
        epochs_planned=config.train.epochs,
        images_seen=images_seen,
        seconds=round(train_seconds, 3),
        invocation_seconds=round(fit_seconds, 3),
        images_per_second=round(images_seen / train_seconds, 2) if train_seconds > 0 else None,
        seconds_per_image=seconds_per_image,
        parameters=generator_parameters + discriminator_parameters,
        generator_parameters=generator_parameters,
        discriminator_parameters=discriminator_parameters,
        peak_memory_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        image_shape=tuple(int(s) for s in images.shape[1:]),
        batch_size=config.train.batch_size,
        dataset=config.data.dataset,
        training_images=len(images),
        strategy=config.strategy,
        replicas=int(gan.distribute_strategy.num_replicas_in_sync),
        last=rows[-1] if rows else None,
    )
    summary.write(run_dir)
    return summary
