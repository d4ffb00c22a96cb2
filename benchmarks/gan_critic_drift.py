"""Does the WGAN-GP critic's score drift, and what holds it in place? (issue 15)

The Wasserstein critic loss, mean D(G(z)) - mean D(x), and the gradient penalty are both blind to a
constant added to every score, so nothing in `wgan_gp` holds the scores near 0. In `gan_recipes.py`
both WGAN-GP recipes' critic losses grew from single digits to -758 and -1007 by epoch 5 (2026-11-27,
AVX2 EPYC); a critic whose scores share a large constant turns Dropout before its last layer into
noise far larger than the gap between real and fake scores. This script trains the default
architecture with `train.loss = "wgan_gp"` (5 critic steps, penalty 10: `gan_recipes.py`'s
`wgan_gp` recipe as it was then) in variants (`VARIANTS`) and reads the critic after every epoch:

- `as_is`: the default architecture as it is, with Dropout(0.2) before the critic's last layer;
- `no_dropout`: `model.discriminator.dropout = 0` (Gulrajani et al.'s critics have no dropout;
  `gan_recipes.py`'s `wgan_gp` recipe since this measurement);
- `drift`: `train.drift_weight = 0.001`, the drift penalty of Karras et al. (2018), mean D(x)^2.

Each variant is one run directory trained one epoch per call (`benchmarks.interleaved.Trainer`,
every epoch's generator kept). After each epoch the checkpoint's critic scores 1,024 real training
images and 1,024 images of the (non-averaged) generator in inference mode: their means, the gap
between them (what the loss sees) and the spread over images; and the spread of one image's score
over 16 Dropout masks (training mode). `--report` adds the FID of each variant's last epoch (N
generated images, the cached evaluator, as `gan_recipes.py` measures) and writes the
`gan_critic_drift` section.

Usage (one process per variant, side by side or in turn; an existing --out is continued):
    python benchmarks/gan_critic_drift.py --variant as_is --out runs/drift --epochs 5
    python benchmarks/gan_critic_drift.py --variant no_dropout --out runs/drift --epochs 5
    python benchmarks/gan_critic_drift.py --variant drift --out runs/drift --epochs 5
    python benchmarks/gan_critic_drift.py --report --out runs/drift
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from common.cli import ArgumentParser, run_cli  # noqa: E402
from common.errors import ConfigError  # noqa: E402

CONFIG = "default.toml"
BASE = {"train.loss": "wgan_gp", "train.critic_steps": 5, "train.gp_weight": 10.0, "train.precision": "float32"}
"""The overrides every variant shares over configs/gan/default.toml (float32, as gan_recipes.py trains)."""
VARIANTS = {
    "as_is": {},
    "no_dropout": {"model.discriminator.dropout": 0.0},
    "drift": {"train.drift_weight": 0.001},
}
"""Each variant's overrides over `BASE`."""
STATS = "critic.jsonl"  # in each variant's run directory: one row per epoch
IMAGES = 1024
MASKS = 16


def variant_overrides(name: str, seed: int = 0, limit: int | None = None) -> dict:
    """The dotted config overrides of variant `name` over configs/gan/default.toml."""
    if name not in VARIANTS:
        raise ConfigError(f"--variant: unknown variant {name!r}; choose from {', '.join(VARIANTS)}")
    return {**BASE, **VARIANTS[name], "seed": seed, "data.limit": limit}


def critic_stats(gan, reals, masks: int = MASKS, seed: int = 0) -> dict:
    """What the critic of `gan` makes of real images and of its generator's images.

    Args:
        gan: a built `gan.gan.GAN` (unconditional).
        reals: real images [N, H, W, C] in the generator's value range.
        masks: Dropout masks to score the first 64 real images with (training mode).
        seed: seed of the latent vectors.

    Returns:
        {"real_mean", "fake_mean", "gap" (real - fake), "real_std", "fake_std" (over images),
        "mask_std" (the mean over images of one image's spread over masks)}.
    """
    import numpy as np
    import tensorflow as tf

    n = int(reals.shape[0])
    latent = tf.random.stateless_normal((n, gan.latent_dim), seed=[seed + 1, 2])
    fakes = gan.generator(latent, training=False)
    real = np.asarray(gan.discriminator(reals, training=False)).ravel()
    fake = np.asarray(gan.discriminator(fakes, training=False)).ravel()
    noisy = np.stack([np.asarray(gan.discriminator(reals[:64], training=True)).ravel() for _ in range(masks)])
    return {"real_mean": float(real.mean()), "fake_mean": float(fake.mean()), "gap": float(real.mean() - fake.mean()),
            "real_std": float(real.std()), "fake_std": float(fake.std()),
            "mask_std": float(noisy.std(axis=0).mean())}  # fmt: skip


def train_variant(name: str, out: Path, epochs: int, seed: int, limit: int | None) -> None:
    """Trains variant `name` in `out/name` to `epochs`, appending each epoch's critic statistics to its STATS file."""
    from benchmarks.interleaved import Trainer
    from common.config import load_config
    from common.runformat import GanFiles
    from gan.config import GANConfig
    from gan.data import load_images
    from gan.resume import load_checkpoint
    from gan.train import build_gan

    config_path = REPO / "configs" / "gan" / CONFIG
    overrides = variant_overrides(name, seed, limit)
    trainer = Trainer(name, config_path, out / name, overrides)
    config = load_config(GANConfig, config_path, values=overrides)
    images, _ = load_images(config.data.dataset, "train", config.data.data_dir, IMAGES)
    lo, hi = config.model.value_range
    reals = (lo + (hi - lo) * images.astype("float32") / 255.0)[:IMAGES]
    stats_path = out / name / STATS
    done = len(_rows(stats_path))
    while trainer.epochs < epochs:
        trainer.step()
        if trainer.epochs <= done:  # measured by an earlier invocation
            continue
        gan = build_gan(config, images.shape[1:])
        load_checkpoint(gan, out / name / GanFiles.CHECKPOINT)
        history = trainer.history()[trainer.epochs - 1]
        row = {"variant": name, "epoch": trainer.epochs, "d_loss": float(history["d_loss"]),
               "seconds": float(history["seconds"]), **critic_stats(gan, reals, seed=seed)}  # fmt: skip
        with stats_path.open("a") as fh:  # one line per epoch: a crash loses at most the epoch in progress
            fh.write(json.dumps(row) + "\n")
        print(f"gan_critic_drift: {json.dumps(row)}", file=sys.stderr, flush=True)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def report(args) -> int:
    """Measures each variant's last epoch and writes the `gan_critic_drift` section."""
    from benchmarks.evaluator_options import load_named_evaluator
    from benchmarks.gan_recipes import cpu_line
    from benchmarks.interleaved import Trainer
    from benchmarks.results import publish
    from compare import gan_metrics
    from compare.metrics import snapshot_metrics

    out = Path(args.out)
    rows = {name: _rows(out / name / STATS) for name in VARIANTS}
    rows = {name: r for name, r in rows.items() if r}
    if not rows:
        raise ConfigError(f"--report: no variant has been trained in {out}; run --variant NAME first")
    evaluator = load_named_evaluator(args)
    reference = gan_metrics.load_reference(evaluator, limit=args.reference_limit)
    fids = {}
    for name, r in rows.items():
        trainer = Trainer(name, REPO / "configs" / "gan" / CONFIG, out / name, variant_overrides(name))
        m = snapshot_metrics(trainer.snapshot(r[-1]["epoch"]), evaluator, reference, args.n, args.seed)
        fids[name] = m["generated"]["fid"]
    lines = [
        "## Does the WGAN-GP critic drift? (`benchmarks/gan_critic_drift.py`)",
        "",
        f"CPU: {cpu_line()}; load average {os.getloadavg()[0]:.1f} when this was written "
        f'({time.strftime("%Y-%m-%d %H:%M")}). The default architecture with `train.loss = "wgan_gp"` (5 critic steps per '
        "generator step, penalty 10, float32, seed 0) in each variant, its critic read after every "
        f"epoch: in inference mode on {IMAGES} real training images and {IMAGES} generated ones, and over "
        f"{MASKS} Dropout masks on 64 real images. A constant shared by every score (the means, far from 0) is "
        "invisible to the Wasserstein loss; the gap is what the loss sees; the mask spread is how much Dropout moves "
        "one image's score. Epoch time: `history.csv`'s, which depends on what else ran beside it.",
        "",
        "| variant | epoch | critic loss | mean score, real | mean score, fake | gap | spread over images (real) | "
        "spread over masks | epoch time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        for row in r:
            lines.append(f"| `{name}` | {row['epoch']} | {row['d_loss']:.2f} | {row['real_mean']:.1f} | "
                         f"{row['fake_mean']:.1f} | {row['gap']:.2f} | {row['real_std']:.2f} | {row['mask_std']:.2f} | "
                         f"{row['seconds']:.0f} s |")  # fmt: skip
    lines += ["", f"FID of each variant's last epoch (N = {args.n}, evaluator `{evaluator.id}`; lower is better): "
              + ", ".join(f"`{n}` {fids[n]:.2f} (epoch {rows[n][-1]['epoch']})" for n in rows) + "."]  # fmt: skip
    largest = {n: max(abs(x["real_mean"]) for x in r) for n, r in rows.items()}
    lines += ["", "Largest |mean real score| over the epochs: " + ", ".join(f"`{n}` {v:.1f}" for n, v in largest.items())
              + "; each variant's largest gap: " + ", ".join(f"`{n}` {max(x['gap'] for x in r):.2f}"
                                                             for n, r in rows.items()) + "."]  # fmt: skip
    publish("gan_critic_drift", "\n".join(lines), write=not args.no_write)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from benchmarks.evaluator_options import add_evaluator_arguments

    p = ArgumentParser(prog="python benchmarks/gan_critic_drift.py", description=__doc__.splitlines()[0])
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--variant", choices=tuple(VARIANTS), help="train this variant (its folder in --out)")
    what.add_argument("--report", action="store_true", help="measure every trained variant and write the section")
    p.add_argument("--out", required=True, metavar="DIR", help="work folder, one run directory per variant")
    p.add_argument("--epochs", type=int, default=5, help="epochs to train the variant to (default: 5)")
    p.add_argument("--limit", type=int, help="train on the first N images (validation only)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n", type=int, default=10_000, help="generated images for the FID (default: 10000)")
    add_evaluator_arguments(p)
    p.add_argument("--no-write", action="store_true", help="do not update benchmarks/RESULTS.md")
    args = p.parse_args(argv)
    if args.epochs < 1:
        raise ConfigError(f"--epochs must be positive, got {args.epochs}")

    from common.tfenv import configure_tensorflow, import_tensorflow_quietly

    configure_tensorflow(onednn=True)  # as `python -m gan.train` trains
    import_tensorflow_quietly()
    if args.report:
        return report(args)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    train_variant(args.variant, Path(args.out), args.epochs, args.seed, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
