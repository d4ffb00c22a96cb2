"""Reference FIDs from real data: the yardsticks behind the thresholds of `compare.gan_checks`.

With the cached evaluator (`compare.evaluator`), against the 10,000 Fashion-MNIST test images:

- real vs real (the floor): N real train images (a seeded subset);
- perfect but collapsed generators: the real train images (of that subset) of only k classes, for
  every combination of k classes (best and median FID per k) - what a generator scores that
  copies k classes flawlessly and never draws the others;
- precision and recall of the best one-class generator (what recall a single class reaches);
- the pixel statistics of the real images, overall and per class (the degenerate-sample checks).

Usage (a few minutes on 2 CPU cores, most of it the evaluator's features and precision/recall):
    python benchmarks/reference_fids.py [--n 10000] [--seed 0] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from common.cli import run_cli  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python benchmarks/reference_fids.py", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000, help="real train images (default: 10000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the subset (default: 0)")
    p.add_argument("--no-write", action="store_true", help="do not update benchmarks/RESULTS.md")
    args = p.parse_args(argv)
    from common.tfenv import configure_tensorflow, import_tensorflow_quietly

    configure_tensorflow()
    import_tensorflow_quietly()
    import numpy as np

    from benchmarks.results import machine_description, publish
    from compare import gan_metrics
    from compare.collapse import collapse_references
    from compare.evaluator import load_evaluator
    from compare.precision_recall import precision_recall
    from gan.data import FASHION_MNIST_CLASSES, load_images

    start = time.perf_counter()
    evaluator = load_evaluator()
    reference = gan_metrics.load_reference(evaluator)
    train, labels = load_images("fashion_mnist", "train")
    index = np.sort(np.random.default_rng(args.seed).choice(len(train), args.n, replace=False))
    images, labels = train[index], labels[index]
    features, probs = evaluator.predict(images)
    floor = gan_metrics.metrics_from_features(features, probs, reference, args.seed, class_names=FASHION_MNIST_CLASSES)
    refs = collapse_references(features, labels, reference, tuple(range(1, 10)), FASHION_MNIST_CLASSES)
    one = refs[0]
    one_class = [FASHION_MNIST_CLASSES.index(c) for c in one["best_classes"]]
    pr_one = precision_recall(reference.features, features[np.isin(labels, one_class)], k=gan_metrics.PR_K)
    pixels = gan_metrics.pixel_statistics(train)
    per_class = [(FASHION_MNIST_CLASSES[c], gan_metrics.pixel_statistics(train[load_images("fashion_mnist", "train")[1] == c]))
                 for c in range(10)]  # fmt: skip
    rows = [f"| {r['k']} | {r['best_fid']:.2f} ({', '.join(r['best_classes'])}) | {r['median_fid']:.2f} | {r['images']} |"
            for r in refs]  # fmt: skip
    class_rows = [f"| {name} | {s['mean_intensity']:.1f} | {s['pixel_std']:.1f} | {s['image_contrast']:.1f} |"
                  for name, s in per_class]  # fmt: skip
    md = "\n".join([
        "## Reference FIDs from real data (`benchmarks/reference_fids.py`)",
        "",
        f"Machine: {machine_description()}. Evaluator `{evaluator.id}` (the Fashion-MNIST classifier used to score "
        f"the GAN; layer `{evaluator.feature_layer}`, test accuracy {evaluator.test_accuracy:.2%}); against "
        f"{reference.name}; N = {args.n} real train images drawn with seed {args.seed}.",
        "",
        f"Real vs real (the floor): FID **{floor['fid']:.3f}**, precision {floor['precision']:.3f}, recall "
        f"{floor['recall']:.3f}, class entropy {floor['class_histogram']['entropy']:.3f} nats.",
        "",
        "A perfect generator of only k classes (the real images of those classes, every combination tried):",
        "",
        "| k classes | best FID (classes) | median FID | images |",
        "|---|---|---|---|",
        *rows,
        "",
        f"The best one-class generator ({', '.join(one['best_classes'])}): precision {pr_one['precision']:.3f}, "
        f"recall {pr_one['recall']:.3f}.",
        "",
        f"Pixel statistics of all 60,000 training images (0-255): mean {pixels['mean_intensity']:.2f}, per-pixel std "
        f"across images {pixels['pixel_std']:.2f}, contrast within an image {pixels['image_contrast']:.2f}, "
        f"near-constant share {pixels['near_constant_fraction']:.4f}. Per class:",
        "",
        "| class | mean | per-pixel std across images | contrast within an image |",
        "|---|---|---|---|",
        *class_rows,
        "",
        f"`compare.assess` uses the 3-class row as its FID threshold ('not learned yet' above it) and these pixel "
        f"statistics for its 'degenerate' checks. Run {time.strftime('%Y-%m-%d')}, "
        f"{time.perf_counter() - start:.0f} s.",
    ])  # fmt: skip
    publish("reference_fids", md, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
