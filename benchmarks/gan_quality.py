"""Quality target of issue 4 for the GAN: the default config against the seed config, by FID.

Target: `configs/gan/default.toml` reaches a lower FID than `configs/gan/seed.toml` at equal epochs
(10 and 20) and at equal wall time.

Both configs are trained in this one process, *interleaved one epoch at a time* (each call of
`gan.train.train` resumes its run for one more epoch), so that the load of the machine (other jobs,
thermal state) falls on both alike; the wall time of an epoch is its `history.csv` seconds (the fit
time of that epoch, without start-up). The generator of every epoch is kept, so FID can be measured
at any epoch afterwards with `compare` (N generated images against the 10,000 test images, the cached
evaluator). Equal wall time: for each checkpoint epoch c, the budget is the default config's
cumulative training time at c; the seed config is measured at the epoch whose cumulative time is
closest to that budget (trained on beyond 20 epochs when it is faster, up to `--max-epochs`).

Training runs as `python -m gan.train` runs it (`common.tfenv`: oneDNN kernels). The work folder
is resumable: run again with the same `--out` and more checkpoints, and the epochs (and their
generators) already there are kept, so 10 epochs can be measured first and extended to 20 later.

Usage (the real measurement takes about two hours on 2 CPU cores; 10 epochs about one):
    python benchmarks/gan_quality.py [--checkpoints 10 20] [--n 10000] [--out DIR]
Validation on tiny settings (does not touch RESULTS.md):
    python benchmarks/gan_quality.py --checkpoints 1 2 --limit 512 --n 200 --no-write \\
        --evaluator train_limit=512 --evaluator epochs=1 --reference-limit 500
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

from benchmarks.interleaved import Trainer, add_interleaved_arguments, checkpoints_of, closest_epoch  # noqa: E402
from common.atomic import write_json  # noqa: E402
from common.cli import run_cli  # noqa: E402
from common.rundir import create_run_dir  # noqa: E402

CONFIGS = {"default": REPO / "configs" / "gan" / "default.toml", "seed": REPO / "configs" / "gan" / "seed.toml"}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python benchmarks/gan_quality.py", description=__doc__.splitlines()[0])
    add_interleaved_arguments(p, [10, 20], "gan-quality")
    args = p.parse_args(argv)
    checkpoints = checkpoints_of(args)

    from common.tfenv import configure_tensorflow, import_tensorflow_quietly

    configure_tensorflow(onednn=True)  # as `python -m gan.train` trains
    import_tensorflow_quietly()
    from benchmarks.evaluator_options import load_named_evaluator
    from benchmarks.results import machine_description, publish
    from compare import gan_metrics
    from gan import sample as gan_sample

    # An existing --out is an earlier invocation's work folder: continue it.
    out = Path(args.out) if args.out and Path(args.out).is_dir() else create_run_dir(args.out, "gan-quality")
    evaluator = load_named_evaluator(args)
    reference = gan_metrics.load_reference(evaluator, limit=args.reference_limit)
    # float32 for both, as when this target was set: the default's "auto" precision would differ by CPU.
    overrides = {"seed": args.seed, "data.limit": args.limit, "train.precision": "float32"}
    trainers = {name: Trainer(name, path, out / name, overrides) for name, path in CONFIGS.items()}
    start = time.perf_counter()
    for epoch in range(1, checkpoints[-1] + 1):
        for trainer in trainers.values():  # interleaved: both see the same machine load
            if trainer.epochs < epoch:
                trainer.step()
        print(
            f"gan_quality: epoch {epoch} done for both configs ({time.perf_counter() - start:.0f} s)", file=sys.stderr
        )
    default_t = trainers["default"].cumulative_seconds()
    seed = trainers["seed"]
    budgets = {c: default_t[c - 1] for c in checkpoints}
    while seed.cumulative_seconds()[-1] < max(budgets.values()) and seed.epochs < args.max_epochs:
        seed.step()  # the seed config is faster per epoch: give it the same time
    seed_t = seed.cumulative_seconds()

    measured: dict[tuple[str, int], dict] = {}

    def fid_at(name: str, epoch: int) -> dict:
        if (name, epoch) not in measured:
            generator = gan_sample.load_generator(trainers[name].snapshot(epoch))
            m = gan_metrics.evaluate_generator(generator, evaluator, reference, args.n, args.seed, floor=False,
                                               inception=False)  # fmt: skip
            measured[(name, epoch)] = m["generated"]
            print(f"gan_quality: {name} epoch {epoch}: FID {m['generated']['fid']:.3f}", file=sys.stderr)
        return measured[(name, epoch)]

    rows, verdicts, record = [], [], {"equal_epochs": [], "equal_time": []}
    for c in checkpoints:
        d, s = fid_at("default", c), fid_at("seed", c)
        rows.append(f"| equal epochs | {c} | {default_t[c - 1]:.0f} s | {d['fid']:.3f} | {c} | {seed_t[c - 1]:.0f} s | "
                    f"{s['fid']:.3f} | {'yes' if d['fid'] < s['fid'] else '**no**'} |")  # fmt: skip
        verdicts.append(d["fid"] < s["fid"])
        record["equal_epochs"].append({"epochs": c, "default": d, "seed": s, "default_seconds": default_t[c - 1],
                                       "seed_seconds": seed_t[c - 1]})  # fmt: skip
    for c, budget in budgets.items():
        e = closest_epoch(seed_t, budget)
        d, s = fid_at("default", c), fid_at("seed", e)
        rows.append(f"| equal wall time ({budget:.0f} s) | {c} | {default_t[c - 1]:.0f} s | {d['fid']:.3f} | {e} | "
                    f"{seed_t[e - 1]:.0f} s | {s['fid']:.3f} | {'yes' if d['fid'] < s['fid'] else '**no**'} |")  # fmt: skip
        verdicts.append(d["fid"] < s["fid"])
        record["equal_time"].append({"budget_seconds": budget, "default_epochs": c, "seed_epochs": e, "default": d,
                                     "seed": s, "seed_seconds": seed_t[e - 1]})  # fmt: skip
    floor = gan_metrics.real_floor(evaluator, reference, args.n, args.seed)
    record.update({"machine": machine_description(), "n": args.n, "limit": args.limit, "floor_fid": floor["fid"],
                   "evaluator": evaluator.identity(), "default_seconds": default_t, "seed_seconds": seed_t,
                   "seconds": time.perf_counter() - start})  # fmt: skip
    write_json(out / "gan_quality.json", record)
    md = "\n".join([
        "## GAN quality: default vs seed config (`benchmarks/gan_quality.py`)",
        "",
        f"Machine: {machine_description()}. Both configs trained in one process, interleaved one epoch at a time, "
        f"on {'the first ' + str(args.limit) if args.limit else 'all 60,000'} Fashion-MNIST training images; FID of "
        f"N = {args.n} generated images against {reference.name} with the cached evaluator "
        f"`{evaluator.id}` (layer `{evaluator.feature_layer}`, test accuracy {evaluator.test_accuracy:.2%}). "
        f"Real-data floor (N real train images): FID {floor['fid']:.3f}. Wall time = sum of the epochs' fit seconds "
        "(history.csv).",
        "",
        "| comparison | default epochs | default time | default FID | seed epochs | seed time | seed FID | default lower? |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Target (default FID lower in every row): **{'met' if all(verdicts) else 'NOT met'}**. "
        f"Run {time.strftime('%Y-%m-%d')}, {record['seconds'] / 60:.0f} min in all.",
    ])  # fmt: skip
    publish("gan_quality", md, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
