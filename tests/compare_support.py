"""Shared helpers of the `compare` tests (imported by tests/test_compare_*.py and conftest.py)."""

from __future__ import annotations

TINY_EVALUATOR = dict(train_limit=512, test_limit=500, epochs=1, widths=(8, 16), feature_units=32, batch_size=64)
"""An evaluator config small enough to train in seconds (its accuracy is far below the real one's)."""


def fashion_mnist_present() -> bool:
    """Whether Fashion-MNIST is in Debian's folder or Keras's cache."""
    from gan.data import DEBIAN_DIR, keras_cache_dir

    name = "train-images-idx3-ubyte.gz"
    return (DEBIAN_DIR / name).is_file() or (keras_cache_dir() / name).is_file()


def make_fake_gan_run(folder, seed: int = 0, epochs: int = 3):
    """A GAN run directory with an untrained generator, as `gan.train` lays it out.

    Holds `config.toml`, `generator.keras` (the default model, untrained), `history.csv`,
    `samples/epoch_NNN.png` and `summary.json` with made-up but plausible numbers. Used where a real
    training run is not the point (metrics plumbing, report layout).
    """
    from pathlib import Path

    import keras

    from common.config import save_config
    from gan.config import GANConfig
    from gan.models import build_generator

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = GANConfig()
    keras.utils.set_random_seed(seed)
    generator = build_generator(config.model, (28, 28, 1))
    save_config(config, folder / "config.toml")
    generator.save(folder / "generator.keras")
    import json

    import numpy as np
    from PIL import Image

    (folder / "samples").mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    lines = ["epoch,d_loss,g_loss,d_real,d_fake,seconds"]
    for epoch in range(1, epochs + 1):
        lines.append(f"{epoch},{0.6 + 0.05 * rng.random():.4f},{0.9 + 0.1 * rng.random():.4f},0.4,0.5,1.5")
        grid = rng.integers(0, 256, size=(60, 60), dtype=np.uint8)
        Image.fromarray(grid).save(folder / "samples" / f"epoch_{epoch:03d}.png")
    (folder / "history.csv").write_text("\n".join(lines) + "\n")
    summary = {"epochs": epochs, "epochs_planned": epochs, "images_seen": 512 * epochs, "train_seconds": 1.5 * epochs,
               "generator_params": int(generator.count_params()), "discriminator_params": 396609,
               "peak_rss_mb": 900.0, "seconds_per_image": 0.0004, "training_images": 512, "dataset": "fashion_mnist"}
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


def make_fake_nst_run(folder, content, style, size: int = 48, iterations: tuple[int, ...] = (6, 4)):
    """A minimal style transfer run directory made with `nst.stylize` (random VGG19, tiny size).

    Writes what `python -m nst.transfer` writes and the report reads: `config.toml`, `final.png`,
    `frames/`, `losses.csv`, `summary.json` (naming the content and style images).
    """
    import csv
    import io
    import json
    import time
    from pathlib import Path

    from common.config import load_config, save_config
    from nst.config import NSTConfig
    from nst.images import save_image
    from nst.stylizer import stylize

    folder = Path(folder)
    (folder / "frames").mkdir(parents=True, exist_ok=True)
    config = load_config(NSTConfig, values={"weights": "none", "image.size": size, "image.num_scales": len(iterations),
                                            "image.min_scale_size": 16, "optimizer.iterations": list(iterations),
                                            "output.save_every": 2})  # fmt: skip
    frames = []

    def callback(record):
        if record.image is not None:
            frames.append((record.scale, record.iteration, record.image))

    start = time.perf_counter()
    image, history = stylize(str(content), str(style), config, callback=callback)
    seconds = time.perf_counter() - start
    for scale, iteration, frame in frames:
        save_image(folder / "frames" / f"scale{scale}_iter{iteration:04d}.png", frame)
    save_image(folder / "final.png", image)
    save_config(config, folder / "config.toml")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["scale", "iteration", "content", "style", "tv", "total"])
    for r in history:
        writer.writerow([r.scale, r.iteration, r.content, r.style, r.tv, r.total])
    (folder / "losses.csv").write_text(out.getvalue())
    summary = {"content": str(content), "styles": [str(style)], "seconds": seconds, "iterations": len(history),
               "peak_rss_mb": 1000.0}  # fmt: skip
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder
