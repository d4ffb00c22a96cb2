"""Every shipped GAN recipe on the same data with the same metrics, at equal epochs and at equal wall time.

The recipes (`RECIPES`, the table below): every config of `configs/gan/` that trains a full model
(seed, default, kerasio_wgan_gp, conditional; `demo.toml` is the report's one-epoch budget, not a
recipe) and every loss of `gan/losses.py` on the default architecture (`train.loss` over
`configs/gan/default.toml`; its own loss is `reference`; `wgan_gp`'s critic without the dropout, see
`RECIPES`), all in float32 (`recipe_overrides`). All are trained in this one process,
*interleaved one epoch at a time* (`benchmarks/interleaved.py`, as `gan_quality.py` does), so the
load of the machine falls on all alike, and every epoch's generator is kept in the recipe's
`generators/` folder.

Measured afterwards with `compare`'s metric code (`compare.metrics.snapshot_metrics`: N generated
images against the 10,000 test images with the cached evaluator, cached beside each generator file):
images/s, FID, KID, precision, recall, class entropy, and class consistency for the conditional
recipe (`compare/class_consistency.py`),

- at equal epochs: every recipe at each checkpoint (default 5, 10 and 20 epochs);
- at equal wall time: for each checkpoint c, the budget is the reference recipe's (default.toml's)
  cumulative training time at c, and every other recipe is measured at its epoch whose cumulative
  time is closest to that budget (a recipe faster per epoch trains on beyond the last checkpoint, up
  to `--max-epochs`).

Wall time of an epoch is its `history.csv` seconds (the fit time of the epoch, start-up excluded).
Every epoch is its own `gan.train.train` call, so every epoch's time includes tracing the train step
once, which `python -m gan.train` pays once per run; tracing costs more for the gradient-penalty
recipes (a second-order gradient), so it may tilt the equal-time rows against them. How much has not
been measured: on the tiny validation settings (1-4 steps an epoch, load 7-13 on the 2 cores) an
epoch took 10 s for the default, 45 s for wgan_gp and 116 s for kerasio_wgan_gp, tracing and steps
together. The section written into
`benchmarks/RESULTS.md` holds both tables, the figure `benchmarks/gan_recipes_fid_time.png` (FID
against cumulative wall time, one line per recipe), the CPU and the load average of every
invocation, and which recipe has the lowest FID at equal wall time (the input to issue 15's item 8:
this script never changes the default config).

Cost (estimated, not yet measured end to end): on this 2-core AMD EPYC (AVX2 only) an epoch of the
default recipe took 201 s idle and about 250 s with other jobs on the cores (gan_throughput,
gan_quality). By their convolutions' multiply-adds per training image, the seed, loss and
conditional recipes cost about one default epoch each, wgan_gp about 2.7 (5 critic updates per
generator update, each with the gradient penalty's double backward pass) and kerasio_wgan_gp about
3.7 (3 updates of a 4.3M-parameter critic with 5x5 kernels): about 12 default epochs, 40-50 min, per
epoch of all eight recipes. Measured since (2026-11-27, same CPU, load about 2 from this run alone
except during the default's epoch, when short tests and a re-scoring ran beside it for a few minutes;
first epoch of each, tracing included): default 275 s, seed 220 s, non_saturating 264 s, lsgan
247 s, hinge 255 s, wgan_gp 1128 s (4.1x the default), kerasio_wgan_gp more than 2460 s (stopped
unfinished after 41 min: at least 9x, far above the estimate by multiply-adds). Most of that was one
layer, the critic's 2x2-output convolution, whose input gradient TensorFlow computes slowly on CPU;
computed as patches since (`gan/patch_conv.py`, `benchmarks/gan_patch_conv.py`: one train step 1.47x
faster with oneDNN), kerasio_wgan_gp's first epoch took 2431 s and the conditional recipe's 263 s, on
the otherwise idle machine (8.8x and 0.96x the default's 275 s above, from the run's earlier part).
Epoch 2 (2026-11-27, same CPU, idle machine, load about 2): default 312 s (about a minute of tests ran beside
its start), seed 212, non_saturating 248, lsgan 243, hinge 242, wgan_gp 1103, kerasio_wgan_gp 2381,
conditional 252 s; 80 min for all eight, start-ups included.
So one epoch of all eight takes about 85 min here and 20 epochs about 30 hours, plus the faster
recipes' extra epochs for the equal-time rows and about 1-2 min per measurement (N = 10,000; about
40 of them, 1 hour). Run it in parts on one work folder: every invocation continues the epochs
already there (a crash or Ctrl-C costs at most the epoch in progress) and re-uses the metrics
already measured; `--hours H` ends an invocation cleanly at a recipe boundary, before an epoch that
would end after H hours (estimated from that recipe's last epoch), and logs its load:

    python benchmarks/gan_recipes.py --out runs/recipes --checkpoints 5            # 7 h or more
    python benchmarks/gan_recipes.py --out runs/recipes --checkpoints 5 10         # 7 h or more
    python benchmarks/gan_recipes.py --out runs/recipes --checkpoints 5 10 20      # 14 h or more
    python benchmarks/gan_recipes.py --out runs/recipes --checkpoints 5 --hours 2  # a 2-hour part

`--precision` compares instead the default config in float32 against the same config with
`train.precision = "mixed_bfloat16"` (issue 15, item 4: mixed precision becomes the default only if it
is faster at no worse FID), the same way, into the `gan_precision_fid` section and
`benchmarks/gan_precision_fid_time.png`; run it on a CPU with AVX512_BF16 or AMX (elsewhere bfloat16
is emulated, about 9x slower: `gan_throughput.py --precision`):

    python benchmarks/gan_recipes.py --precision --out runs/precision --checkpoints 5 10

`--recipes NAME ...` trains and measures a subset (the reference recipe, default, is always
included: the equal-time budgets are its times); splitting by recipe rather than by epochs puts the
parts under different machine loads, which the equal-time rows then compare, so prefer epochs.
Where a work folder cannot outlive one sitting (all eight to 20 epochs is a day of CPU), train a
part to 20 epochs in a folder of its own, the default beside it as its own reference, and give it
a section of its own with `--section` (each invocation's log names the epochs it trained per recipe):

    python benchmarks/gan_recipes.py --recipes conditional --section gan_recipes_20 --out runs/part1

Validation on tiny settings (does not touch RESULTS.md):

    python benchmarks/gan_recipes.py --checkpoints 1 2 --limit 512 --n 200 --no-write \\
        --evaluator train_limit=512 --evaluator epochs=1 --reference-limit 500
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from benchmarks.interleaved import Trainer, add_interleaved_arguments, checkpoints_of, closest_epoch  # noqa: E402
from common.atomic import write_json  # noqa: E402
from common.cli import ArgumentParser, run_cli  # noqa: E402
from common.errors import ConfigError  # noqa: E402
from common.rundir import create_run_dir  # noqa: E402
from compare.formatting import plural  # noqa: E402


class Recipe(NamedTuple):
    """A recipe: its name, its config file (in configs/gan/) and dotted-key overrides over that file."""

    name: str
    config: str
    overrides: dict


RECIPES = (
    Recipe("default", "default.toml", {}),  # loss "reference", the notebook's BCE
    Recipe("seed", "seed.toml", {}),
    Recipe("non_saturating", "default.toml", {"train.loss": "non_saturating"}),
    Recipe("hinge", "default.toml", {"train.loss": "hinge"}),
    Recipe("lsgan", "default.toml", {"train.loss": "lsgan"}),
    # Gulrajani et al. (2017): n_critic = 5 critic updates per generator update, lambda = 10, and a
    # critic without dropout, as theirs: with the default's Dropout(0.2) before its last layer the
    # critic's scores drifted to a shared constant of more than -13,000 by epoch 5, on two CPUs
    # (`benchmarks/gan_critic_drift.py`, RESULTS.md).
    Recipe(
        "wgan_gp",
        "default.toml",
        {"train.loss": "wgan_gp", "train.critic_steps": 5, "train.gp_weight": 10.0, "model.discriminator.dropout": 0.0},
    ),
    Recipe("kerasio_wgan_gp", "kerasio_wgan_gp.toml", {}),
    Recipe("conditional", "conditional.toml", {}),
)
"""Every recipe the benchmark compares, in table order."""
PRECISION_RECIPES = (
    Recipe("default", "default.toml", {}),  # float32
    Recipe("mixed_bfloat16", "default.toml", {"train.precision": "mixed_bfloat16"}),
)
"""`--precision` (issue 15, item 4): the default config in float32 against the same config in mixed_bfloat16."""
REFERENCE = "default"
"""The recipe whose cumulative training times are the equal-wall-time budgets."""


class Suite(NamedTuple):
    """What one invocation compares and where it writes: the recipes, the RESULTS.md section, the figure."""

    recipes: tuple[Recipe, ...]
    section: str
    title: str
    figure: str
    purpose: str  # the sentence after the verdict: what the table decides


SUITES = {
    "recipes": Suite(RECIPES, "gan_recipes", "GAN recipes side by side (`benchmarks/gan_recipes.py`)",
                     "gan_recipes_fid_time.png",
                     "This table is the input to issue 15's item 8 (the default config is the recipe with the best "
                     "FID at equal wall time); the script does not change the default."),
    "precision": Suite(PRECISION_RECIPES, "gan_precision_fid",
                       "Mixed precision at equal epochs and equal wall time (`benchmarks/gan_recipes.py --precision`)",
                       "gan_precision_fid_time.png",
                       "This table is the input to issue 15's item 4 (mixed_bfloat16 becomes the default only if it "
                       "is faster at no worse FID); the script does not change the default."),
}  # fmt: skip
FIGURE = SUITES["recipes"].figure
SETTINGS = "settings.json"  # in the work folder: what its runs were trained with


def with_section(suite: Suite, name: str | None) -> Suite:
    """`suite` writing the RESULTS.md section `name` and the figure `name`_fid_time.png (itself when None).

    Raises:
        ConfigError: `name` is not lower-case letters, digits and underscores, or is another suite's section.
    """
    if name is None or name == suite.section:
        return suite
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ConfigError(f"--section: use lower-case letters, digits and '_' (starting with a letter), got {name!r}")
    taken = {s.section for s in SUITES.values()} - {suite.section}
    if name in taken:
        raise ConfigError(f"--section: {name!r} is another suite's section; choose another name")
    return suite._replace(section=name, figure=f"{name}_fid_time.png", title=f"{suite.title}: `{name}`")


def recipe_overrides(recipe: Recipe, seed: int, limit: int | None) -> dict:
    """The recipe's overrides plus the benchmark's seed and training-image limit, in float32 unless it names a precision.

    The shipped default precision is "auto" (`gan.precision`: mixed_bfloat16 on CPUs with bfloat16
    arithmetic); pinning float32 keeps the recipes comparable with each other and across machines,
    and `--precision` measures what mixed precision changes.
    """
    return {"train.precision": "float32", **recipe.overrides, "seed": seed, "data.limit": limit}


def select(names: Sequence[str] | None, pool: Sequence[Recipe] = RECIPES) -> list[Recipe]:
    """The recipes of `pool` named (all when None), in table order, the reference recipe always among them.

    Raises:
        ConfigError: a name is not in `pool`.
    """
    known = [r.name for r in pool]
    unknown = [n for n in names or () if n not in known]
    if unknown:
        raise ConfigError(f"--recipes: unknown recipe {', '.join(unknown)}; choose from {', '.join(known)}")
    wanted = set(names or known) | {REFERENCE}
    return [r for r in pool if r.name in wanted]


def check_settings(out: Path, settings: dict) -> None:
    """Records the work folder's training settings on first use; refuses to continue it with others.

    Raises:
        ConfigError: the folder was trained with another seed or image limit.
    """
    import json

    path = out / SETTINGS
    if path.exists():
        old = json.loads(path.read_text())
        if old != settings:
            raise ConfigError(f"{out} was trained with {old}, not {settings}; use a fresh --out or the same settings")
    else:
        write_json(path, settings)


def cpu_line() -> str:
    """The CPU's model, cores and whether it has avx512f / avx512_bf16, from /proc/cpuinfo."""
    from benchmarks.results import machine_description
    from gan.precision import cpu_flags

    flags = cpu_flags()
    features = ", ".join(f"{f} {'yes' if f in flags else 'no'}" for f in ("avx512f", "avx512_bf16"))
    return f"{machine_description()}; {features}" if flags else f"{machine_description()}; CPU flags unknown"


def train_all(
    trainers: dict[str, Trainer],
    checkpoints: list[int],
    max_epochs: int,
    deadline: float | None = None,
    clock=time.perf_counter,
) -> bool:
    """Trains every recipe to the last checkpoint, interleaved, then the faster ones on to the reference's time.

    Args:
        trainers: the recipes' `Trainer`s, the reference among them.
        checkpoints: the epochs compared at (sorted).
        max_epochs: the most epochs a faster recipe trains for the equal-time rows.
        deadline: a `clock()` value; an epoch that would end after it (estimated from the recipe's
            last epoch) is not started and training stops there, at a recipe boundary.
        clock: seconds (a test passes a fake).

    Returns:
        True when all training is done; False when stopped for `deadline` (run again to continue).
    """
    start, rounds_done = clock(), 0
    step_wall: dict[str, float] = {}  # each recipe's last step in this invocation, start-up included

    def fits(trainer: Trainer) -> bool:
        if deadline is None:
            return True
        seconds = trainer.cumulative_seconds()
        last = seconds[-1] - (seconds[-2] if len(seconds) > 1 else 0.0) if seconds else 0.0
        estimate = step_wall.get(trainer.name, 1.1 * last + 60.0)  # start-up (data, networks) about a minute
        if clock() + estimate <= deadline:
            return True
        print(f"gan_recipes: stopping before {trainer.name}'s epoch {trainer.epochs + 1} (about "
              f"{estimate / 60:.0f} min; --hours leaves {max(0.0, deadline - clock()) / 60:.0f}); the same command "
              f"continues", file=sys.stderr, flush=True)  # fmt: skip
        return False

    def step(trainer: Trainer) -> None:
        began = clock()
        trainer.step()
        step_wall[trainer.name] = clock() - began

    last = checkpoints[-1]
    first = min(t.epochs for t in trainers.values())
    for epoch in range(first + 1, last + 1):
        for trainer in trainers.values():  # interleaved: every recipe sees the same machine load
            if trainer.epochs < epoch:
                if not fits(trainer):
                    return False
                step(trainer)
        rounds_done += 1
        spent = clock() - start
        left = spent / rounds_done * (last - epoch)
        print(f"gan_recipes: epoch {epoch}/{last} done for {len(trainers)} recipes ({spent / 60:.0f} min; "
              f"about {left / 60:.0f} min to go before the equal-time epochs)", file=sys.stderr, flush=True)  # fmt: skip
    budget = trainers[REFERENCE].cumulative_seconds()[last - 1]
    while True:  # equal wall time: a recipe faster per epoch trains on to the reference's time
        behind = [t for t in trainers.values() if t.cumulative_seconds()[-1] < budget and t.epochs < max_epochs]
        if not behind:
            return True
        for trainer in behind:
            if not fits(trainer):
                return False
            step(trainer)
            print(f"gan_recipes: {trainer.name} epoch {trainer.epochs} for the equal-time rows (trained "
                  f"{trainer.cumulative_seconds()[-1]:.0f} s; the longest budget: {budget:.0f} s)", file=sys.stderr,
                  flush=True)  # fmt: skip


def plan(trainers: dict[str, Trainer], checkpoints: list[int]) -> list[dict]:
    """The rows to measure: every recipe at every checkpoint, at equal epochs and at equal wall time."""
    reference = trainers[REFERENCE].cumulative_seconds()
    rows = []
    for c in checkpoints:
        for name in trainers:
            rows.append({"comparison": "equal epochs", "checkpoint": c, "recipe": name, "epoch": c})
    for c in checkpoints:
        budget = reference[c - 1]
        for name, trainer in trainers.items():
            epoch = c if name == REFERENCE else closest_epoch(trainer.cumulative_seconds(), budget)
            rows.append({"comparison": "equal wall time", "checkpoint": c, "budget_seconds": budget, "recipe": name,
                         "epoch": epoch})  # fmt: skip
    for row in rows:
        trainer = trainers[row["recipe"]]
        row["seconds"] = trainer.cumulative_seconds()[row["epoch"] - 1]
        row["images_per_second"] = row["epoch"] * trainer.images_per_epoch() / row["seconds"]
    return rows


def cells(row: dict) -> list[str]:
    """A measured row's table cells after the comparison columns."""
    m = row["metrics"]["generated"]
    cc = row["metrics"].get("class_consistency")
    return [f"`{row['recipe']}`", str(row["epoch"]), f"{row['seconds']:.0f} s", f"{row['images_per_second']:.0f}",
            f"{m['fid']:.2f}", f"{1000 * m['kid']['mean']:.2f} ± {1000 * m['kid']['std']:.2f}",
            f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['class_histogram']['entropy']:.2f}",
            f"{cc['generated']['overall']:.1%}" if cc else "n/a"]  # fmt: skip


HEADER = ("| recipe | epochs | training time | images/s | FID | KID x 1000 | precision | recall | "
          "class entropy (nats) | class consistency |")  # fmt: skip


def tables(rows: list[dict]) -> list[str]:
    """The two Markdown tables, one row per recipe x checkpoint each."""
    lines = ["At equal epochs:", "", "| checkpoint " + HEADER, "|---" * 11 + "|"]
    lines += [f"| {plural(r['checkpoint'], 'epoch')} | " + " | ".join(cells(r)) + " |" for r in rows
              if r["comparison"] == "equal epochs"]  # fmt: skip
    lines += ["", f"At equal wall time (the budget: `{REFERENCE}`'s training time at the checkpoint; each recipe "
              "at its epoch closest to it; its training time says how close it came):", "",
              "| checkpoint (budget) " + HEADER, "|---" * 11 + "|"]  # fmt: skip
    lines += [f"| {plural(r['checkpoint'], 'epoch')} ({r['budget_seconds']:.0f} s) | " + " | ".join(cells(r)) + " |"
              for r in rows if r["comparison"] == "equal wall time"]  # fmt: skip
    return lines


OVER_BUDGET = 0.1
"""An equal-time row that trained more than this share longer than the budget (a recipe whose epoch is
long against the budget) is shown but not ranked: it had more time than the reference."""


def rankings_at_equal_time(rows: list[dict], floor_fid: float) -> dict:
    """Per checkpoint, `(compare.ranking.rank of the equal-wall-time FIDs, ties within its FID margin,
    [the recipes left out for training more than OVER_BUDGET longer than the budget])`."""
    from compare.ranking import fid_margin, rank

    out = {}
    for c in sorted({r["checkpoint"] for r in rows}):
        at = [r for r in rows if r["comparison"] == "equal wall time" and r["checkpoint"] == c]
        fair = {r["recipe"]: r["metrics"]["generated"]["fid"] for r in at
                if r["seconds"] <= (1 + OVER_BUDGET) * r["budget_seconds"]}  # fmt: skip
        out[c] = (
            rank(fair, True, fid_margin(min(fair.values()), floor_fid)),
            [r for r in at if r["recipe"] not in fair],
        )
    return out


def verdict_line(rows: list[dict], floor_fid: float) -> str:
    """Which recipe has the lowest FID at equal wall time (ties said as ties), at the largest budget and at each."""
    rankings = rankings_at_equal_time(rows, floor_fid)
    last = max(rankings)
    top, over = rankings[last]
    budget = next(r["budget_seconds"] for r in rows if r["comparison"] == "equal wall time" and r["checkpoint"] == last)
    leaders = [f"`{n}` ({top.values[n]:.2f})" for n in top.leaders]
    if len(leaders) == 1:
        head = f"**Lowest FID at equal wall time: {leaders[0]}**"
    else:
        head = (f"**Lowest FID at equal wall time: a tie between {', '.join(leaders)}** (FIDs within {top.margin:.2f} "
                "of the lowest, the measurement's resolution: `compare.ranking`)")  # fmt: skip
    head += f", with the budget of `{REFERENCE}`'s {plural(last, 'epoch')} ({budget:.0f} s)."
    if REFERENCE in top.leaders:
        item8 = f"`{REFERENCE}` (the default config) {'leads' if len(leaders) == 1 else 'ties for the lead'}."
    else:
        item8 = (f"`{top.leaders[0]}` beats `{REFERENCE}` ({top.values[REFERENCE]:.2f}) by more than the tie margin "
                 f"({top.margin:.2f}).")  # fmt: skip
    if over:
        skipped = ", ".join(f"`{r['recipe']}` ({r['seconds']:.0f} s, FID {r['metrics']['generated']['fid']:.2f})"
                            for r in over)  # fmt: skip
        item8 += f" Not ranked, for training more than {OVER_BUDGET:.0%} longer than the budget: {skipped}."
    each = "; ".join(
        f"{plural(c, 'epoch')}: " + " = ".join(f"`{n}`" for n in r.leaders) for c, (r, _) in rankings.items()
    )
    return f"{head} {item8} Lowest FID (with ties) at the budget of each checkpoint: {each}."


def main(argv: Sequence[str] | None = None) -> int:
    p = ArgumentParser(prog="python benchmarks/gan_recipes.py", description=__doc__.splitlines()[0])
    p.add_argument("--recipes", nargs="+", metavar="NAME",
                   help=f"recipes to train and measure (default: all: {', '.join(r.name for r in RECIPES)}); "
                        f"{REFERENCE} is always included")  # fmt: skip
    p.add_argument("--kid-subsets", type=int, default=100, help="KID subsets (default: 100)")
    p.add_argument("--hours", type=float, metavar="H",
                   help="stop training at the first recipe boundary where the next epoch would end more than H "
                        "hours after the start (estimated from that recipe's last epoch); measures nothing then; "
                        "the same command continues")  # fmt: skip
    p.add_argument("--precision", action="store_true",
                   help="compare instead the default config in float32 and in mixed_bfloat16 (issue 15, item 4) "
                        "into the gan_precision_fid section")  # fmt: skip
    p.add_argument("--section", metavar="NAME",
                   help="write the RESULTS.md section NAME and the figure NAME_fid_time.png instead of the "
                        "suite's own (gan_recipes, or gan_precision_fid with --precision), e.g. for a part of the "
                        "recipes trained to 20 epochs in a work folder of its own")  # fmt: skip
    add_interleaved_arguments(p, [5, 10, 20], "gan-recipes")
    args = p.parse_args(argv)
    if args.hours is not None and not args.hours > 0:
        raise ConfigError(f"--hours must be positive, got {args.hours}")
    checkpoints = checkpoints_of(args)
    suite = with_section(SUITES["precision" if args.precision else "recipes"], args.section)
    recipes = select(args.recipes, suite.recipes)

    from common.tfenv import configure_tensorflow, import_tensorflow_quietly

    configure_tensorflow(onednn=True)  # as `python -m gan.train` trains
    import_tensorflow_quietly()
    from benchmarks.evaluator_options import load_named_evaluator
    from benchmarks.results import publish
    from compare import figures, gan_metrics
    from compare.metrics import snapshot_metrics

    started, load_start = time.strftime("%Y-%m-%d %H:%M %Z"), os.getloadavg()[0]
    start = time.perf_counter()
    out = Path(args.out) if args.out and Path(args.out).is_dir() else create_run_dir(args.out, "gan-recipes")
    check_settings(out, {"seed": args.seed, "limit": args.limit})
    evaluator = load_named_evaluator(args)  # before training: a missing data set fails now, not in hours
    reference = gan_metrics.load_reference(evaluator, limit=args.reference_limit)
    trainers = {r.name: Trainer(r.name, REPO / "configs" / "gan" / r.config, out / r.name,
                                recipe_overrides(r, args.seed, args.limit)) for r in recipes}  # fmt: skip
    deadline = None if args.hours is None else start + 3600 * args.hours
    finished = train_all(trainers, checkpoints, args.max_epochs, deadline)
    trained = sum(t.trained for t in trainers.values())

    def log_invocation() -> list[dict]:
        return _log_invocation(out, {"started": started, "minutes": round((time.perf_counter() - start) / 60, 1),
                                     "epochs_trained": trained, "load_start": load_start,
                                     "trained": {t.name: t.trained for t in trainers.values() if t.trained},
                                     "load_end": os.getloadavg()[0]})  # fmt: skip

    if not finished:  # stopped for --hours: log this invocation's load, measure nothing yet
        log_invocation()
        return 0

    def progress(message: str) -> None:
        print(f"gan_recipes: {message}", file=sys.stderr, flush=True)

    rows = plan(trainers, checkpoints)
    for row in rows:
        row["metrics"] = snapshot_metrics(trainers[row["recipe"]].snapshot(row["epoch"]), evaluator, reference, args.n,
                                          args.seed, args.kid_subsets, progress=progress)  # fmt: skip
    floor = gan_metrics.real_floor(evaluator, reference, args.n, args.seed, collapse=False)

    series = []
    for name in trainers:  # every measured epoch of the recipe, in order
        points = sorted(
            {(r["epoch"], r["seconds"], r["metrics"]["generated"]["fid"]) for r in rows if r["recipe"] == name}
        )
        series.append((name, [s for _, s, _ in points], [f for _, _, f in points]))
    figure = figures.fid_against_time(series, out / suite.figure)
    log_axis = "; log FID axis" if figures.fid_axis_is_log(series) else ""
    if not args.no_write:
        figure = Path(shutil.copy(figure, REPO / "benchmarks" / suite.figure))

    invocations = log_invocation()
    cc_real = next((r["metrics"]["class_consistency"]["real_test"]["overall"] for r in rows
                    if "class_consistency" in r["metrics"]), None)  # fmt: skip
    write_json(out / "gan_recipes.json", {"machine": cpu_line(), "n": args.n, "limit": args.limit, "seed": args.seed,
                                          "evaluator": evaluator.identity(), "floor_fid": floor["fid"],
                                          "recipes": [r._asdict() for r in recipes], "rows": rows,
                                          "invocations": invocations})  # fmt: skip
    loads = "; ".join(f"{i['started']}: {i['minutes']:.0f} min, {plural(i['epochs_trained'], 'epoch')} trained"
                      + _which(i) + f", load {i['load_start']:.1f} at the start, {i['load_end']:.1f} at the end"
                      for i in invocations)  # fmt: skip
    recipe_lines = [f"`{r.name}`: `configs/gan/{r.config}`" + (" with " + ", ".join(f"`{k} = {v}`" for k, v in
                    r.overrides.items()) if r.overrides else "") for r in recipes]  # fmt: skip
    md = "\n".join([
        f"## {suite.title}",
        "",
        f"CPU: {cpu_line()}. The recipes trained interleaved one epoch at a time, those of one invocation side by "
        "side (the invocations, with the epochs each trained, are listed under the figure), on "
        f"{'the first ' + str(args.limit) if args.limit else 'all 60,000'} Fashion-MNIST training images, seed "
        f"{args.seed}; each kept epoch's generator measured on N = {args.n} generated images against {reference.name} "
        f"with the cached evaluator `{evaluator.id}` (layer `{evaluator.feature_layer}`, test accuracy "
        f"{evaluator.test_accuracy:.2%}). Real-data floor (N real train images): FID {floor['fid']:.3f}"
        + (f"; the evaluator's accuracy on the real test images (class consistency's reference): {cc_real:.1%}"
           if cc_real is not None else "") + ". Training time = the sum of the epochs' fit seconds (history.csv), each epoch "
        "a separate training call that traces the train step once (more costly for the gradient-penalty recipes); "
        "images/s = real images trained on / that time. FID, KID: lower is better; precision, recall, class "
        "entropy (at most ln 10 = 2.30), class consistency: higher is better.",
        "",
        "Recipes (each in float32 unless it names another `train.precision`; the shipped default, \"auto\", "
        "picks mixed_bfloat16 on CPUs with bfloat16 arithmetic): " + "; ".join(recipe_lines) + ".",
        "",
        *tables(rows),
        "",
        f"![FID against training wall time, one line per recipe{log_axis}]({suite.figure})",
        "",
        verdict_line(rows, floor['fid']) + " " + suite.purpose,
        "",
        f"Invocations on this work folder (1-minute load average on the 2 cores): {loads}.",
    ])  # fmt: skip
    publish(suite.section, md, write=not args.no_write)
    return 0


def _which(invocation: dict) -> str:
    """' (default 20, conditional 20)': the epochs each recipe trained in an invocation ('' if not logged)."""
    trained = invocation.get("trained")  # logged since 2026-12-07
    return f" ({', '.join(f'{n} {k}' for n, k in trained.items())})" if trained else ""


def _log_invocation(out: Path, entry: dict) -> list[dict]:
    """Appends this invocation to the work folder's log and returns every invocation's entry.

    An invocation that trained no epoch (it only measured, or re-drew the table and figure of a finished
    folder) is not logged: the log lists the invocations whose load the training times share.
    """
    import json

    path = out / "invocations.json"
    entries = json.loads(path.read_text()) if path.exists() else []
    if entry["epochs_trained"]:
        entries.append(entry)
        write_json(path, entries)
    return entries


if __name__ == "__main__":
    sys.exit(run_cli(main))
