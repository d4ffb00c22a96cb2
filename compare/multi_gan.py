"""Several GAN runs side by side: a sample grid each, one metrics table, FID against training time, and the
paragraph that says which run leads on what.

Every run is measured by the single-run report's own code (`compare.gan_section.measure_gan`, which
caches its `metrics.json` in the run as `compare.metrics` does), with one evaluator and one view of
the test images shared by all runs. FID against time: `python -m gan.train` keeps only the last
generator, so such a run is one point at its total training seconds; a run that also holds
`generators/epoch_NNN.keras` (`common.runformat.GanFiles.GENERATORS_DIR`, kept by
`benchmarks/gan_quality.py`) is a line through every kept epoch, each measured with the same N, seed
and evaluator and cached beside its file (`epoch_NNN.metrics.json`). The paragraph is chosen by
`compare.ranking` and worded by `compare.explain.multi`.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from compare import figures as F
from compare.document import Block, Figure, Heading, Paragraph, Table
from compare.explain import EVALUATOR_NAME
from compare.explain import multi as words
from compare.formatting import duration
from compare.options import ReportOptions

IGNORED_CONFIG_KEYS = ("data.data_dir", "output.")
"""Config keys (prefixes) that do not make one recipe differ from another."""


@dataclasses.dataclass
class Section:
    """Blocks to show and numbers for `metrics.json`."""

    blocks: list[Block]
    numbers: dict


def run_names(paths: Sequence[str | Path]) -> list[str]:
    """Short unique names: each run's folder name, with as many parent folders as it takes to tell it apart.

    Raises:
        InputError: a folder is named twice.
    """
    from common.errors import InputError

    parts = [Path(p).resolve().parts for p in paths]
    twice = sorted({str(Path(*p)) for p in parts if parts.count(p) > 1})
    if twice:
        raise InputError(f"the run {twice[0]} is named twice; name each run once")

    def name(i: int) -> str:
        for depth in range(1, len(parts[i]) + 1):
            mine = parts[i][-depth:]
            if all(parts[j][-depth:] != mine for j in range(len(parts)) if j != i):
                return "/".join(mine)
        return str(Path(*parts[i]))  # pragma: no cover - distinct paths differ at some depth

    return [name(i) for i in range(len(parts))]


def flatten(config: dict, prefix: str = "") -> dict[str, object]:
    """`{"train": {"loss": "hinge"}}` -> `{"train.loss": "hinge"}`."""
    out = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def config_differences(configs: Sequence[dict]) -> list[dict[str, str]]:
    """Per run, the config keys (flattened) whose values differ between the runs, and its value of each."""
    flat = [flatten(c) for c in configs]
    keys = sorted({k for f in flat for k in f if not any(k.startswith(p) for p in IGNORED_CONFIG_KEYS)})
    differing = [k for k in keys if len({json.dumps(f.get(k), sort_keys=True) for f in flat}) > 1]
    return [{k: _value(f.get(k)) for k in differing} for f in flat]


def _value(value) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if not isinstance(value, list) else "[" + ", ".join(map(str, value)) + "]"


def _short(diff: dict[str, str], width: int = 30, lines: int = 3) -> str:
    """The differing values as `loss=hinge, epochs=3`, wrapped for a grid's title."""
    text = ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in diff.items()) or "same config"
    wrapped = textwrap.wrap(text, width)
    return "\n".join(wrapped[:lines]) + (" ..." if len(wrapped) > lines else "")


def snapshots(run_dir: Path) -> list[tuple[int, Path]]:
    """The per-epoch generators a run holds (`generators/epoch_NNN.keras`), by epoch."""
    from common.runformat import GanFiles

    found = []
    for path in (run_dir / GanFiles.GENERATORS_DIR).glob(GanFiles.GENERATOR_GLOB):
        digits = path.stem.removeprefix("epoch_")
        if digits.isdigit():
            found.append((int(digits), path))
    return sorted(found)


def snapshot_fid(path: Path, measured, options: ReportOptions, shared: dict) -> float:
    """FID of one kept epoch's generator, measured like the run's own (cached in `epoch_NNN.metrics.json`
    by `compare.metrics.snapshot_metrics`)."""
    from compare.gan_section import shared_reference
    from compare.metrics import snapshot_metrics

    reference = shared_reference(measured.evaluator, measured.data_dir, options, shared)
    metrics = snapshot_metrics(path, measured.evaluator, reference, options.n, options.seed, options.kid_subsets,
                               measured.data_dir, progress=_report_progress)  # fmt: skip
    return float(metrics["generated"]["fid"])


def _report_progress(message: str) -> None:
    print(f"compare.report: {message} (FID against training time)", file=sys.stderr, flush=True)


def fid_curve(measured, options: ReportOptions, shared: dict) -> dict:
    """The run's points of FID against training time.

    Returns:
        `{"kind": "epochs" | "final", "epochs": [...], "seconds": [...], "fid": [...]}`: every kept
        epoch's generator at the cumulative `history.csv` seconds of that epoch, or the final
        generator alone at `summary.json`'s seconds.
    """
    run = measured.run
    elapsed, total = {}, 0.0
    for row in run.history:
        total += float(row.get("seconds", 0.0))
        elapsed[int(row["epoch"])] = total
    kept = [(e, p) for e, p in snapshots(run.path) if e in elapsed and e <= run.summary.epochs]
    if kept:
        return {"kind": "epochs", "epochs": [e for e, _ in kept], "seconds": [elapsed[e] for e, _ in kept],
                "fid": [snapshot_fid(p, measured, options, shared) for _, p in kept]}  # fmt: skip
    return {"kind": "final", "epochs": [run.summary.epochs], "seconds": [run.summary.seconds],
            "fid": [measured.metrics["generated"]["fid"]]}  # fmt: skip


def sample_grid(generator, seed: int) -> tuple:
    """(the grid picture, whether it is a conditional run's): 64 samples in 8 columns; a conditional
    generator: one row per class, 8 samples each."""
    from gan import sample as gan_sample
    from gan.classes import class_grid

    if gan_sample.is_conditional(generator):
        return F.tile(class_grid(generator, 8, seed), 8), True
    return F.tile(gan_sample.generate(generator, 64, seed), 8), False


def gan_runs_section(paths: Sequence[str | Path], options: ReportOptions, figures: Path,
                     shared: dict | None = None) -> Section:  # fmt: skip
    """Measures every GAN run and lays out the comparison (see the module docstring).

    Args:
        paths: the run directories.
        options: the report's options.
        figures: the folder figures go to.
        shared: the evaluator cache several callers share (None: a new one).
    """
    from compare.gan_section import measure_gan
    from compare.ranking import compare_gans
    from compare.runs import GanRun

    shared = {} if shared is None else shared
    names = run_names(paths)
    runs = [GanRun.load(p) for p in paths]
    measured = [measure_gan(run, options, shared) for run in runs]
    diffs = config_differences([run.config for run in runs])
    curves = [fid_curve(m, options, shared) for m in measured]
    samples, conditional = _samples_figure(names, measured, diffs, options.seed, figures)
    records = [_record(name, m) for name, m in zip(names, measured)]
    comparison = compare_gans(records)
    real = measured[0].metrics.get("real_floor")
    cc_real = next((r["real_consistency"] for r in records if r["real_consistency"] is not None), None)
    real_facts = {"fid": real and real["fid"], "entropy": real and real["class_histogram"]["entropy"],
                  "max_entropy": records[0]["max_entropy"], "consistency": cc_real}  # fmt: skip
    paragraphs = words.gan_comparison_text(comparison, {r["name"]: r["verdict"] for r in records},
                                           {r["name"]: r["seconds"] for r in records}, real_facts)  # fmt: skip
    blocks: list[Block] = [
        Heading("Samples", 3), samples,
        Heading("Metrics", 3), _metrics_table(names, measured, diffs, conditional, cc_real),
        Heading("FID against training time", 3), _fid_figure(names, measured, curves, figures),
        Heading("Which run leads on what", 3), *[Paragraph(p) for p in paragraphs],
        Paragraph("**Why each verdict** (`compare.assess`, from the numbers in the table):"),
        *[Paragraph(f"`{name}`: {m.assessment.summary}") for name, m in zip(names, measured)],
    ]  # fmt: skip
    numbers = {
        "runs": [{"name": name, "run": str(m.run.path), "config_differences": diff,
                  "summary": m.run.summary.to_dict(), "metrics": m.metrics, "assessment": m.assessment.as_dict(),
                  "fid_curve": curve} for name, m, diff, curve in zip(names, measured, diffs, curves)],
        "comparison": comparison,
        "paragraphs": paragraphs,
    }  # fmt: skip
    return Section(blocks, numbers)


def _samples_figure(names, measured, diffs, seed: int, figures: Path) -> tuple[Figure, list[str]]:
    """The sample grid of every run in one figure, and the names of the conditional runs."""
    grids, titles, conditional = [], [], []
    for name, m, diff in zip(names, measured, diffs):
        grid, is_conditional = sample_grid(m.generator, seed)
        grids.append(grid)
        conditional += [name] if is_conditional else []
        titles.append(f"{clip(name, 30)}\n{_short(diff)}")
    panel = F.image_panel(grids, titles, figures / "gan_runs_samples.png", columns=min(3, len(grids)))
    unconditional = len(names) - len(conditional)
    kinds = (
        [f"64 new samples of {'each unconditional run' if conditional else 'each run'}"] if unconditional else []
    ) + ([f"one row per class, 8 samples each, for {words.names(conditional)} (conditional)"] if conditional else [])
    kinds = " and ".join(kinds)
    caption = (kinds[0].upper() + kinds[1:] + f" (seed {seed}), each titled with the run's folder and the config "
               "values in which the runs differ."
               + (" Unconditional runs of the same latent size get the same latent vectors." if unconditional > 1
                  else ""))  # fmt: skip
    return Figure(panel, caption), conditional


def _record(name: str, m) -> dict:
    """What `compare.ranking.compare_gans` ranks, from one measured run."""
    gen, cc = m.metrics["generated"], m.metrics.get("class_consistency")
    return {"name": name, "fid": gen["fid"], "real_fid": m.metrics.get("real_floor", {}).get("fid"),
            "entropy": gen["class_histogram"]["entropy"], "max_entropy": gen["class_histogram"]["max_entropy"],
            "verdict": m.assessment.verdict, "consistency": cc["generated"]["overall"] if cc else None,
            "real_consistency": cc["real_test"]["overall"] if cc else None, "seconds": m.run.summary.seconds}  # fmt: skip


def _metrics_table(names, measured, diffs, conditional: list[str], cc_real: float | None) -> Table:
    """One row per run and a real-data row: FID, KID, precision/recall, class entropy and consistency, verdict."""

    def cells(m: dict) -> list[str]:
        return [f"{m['fid']:.2f}", f"{1000 * m['kid']['mean']:.2f} ± {1000 * m['kid']['std']:.2f}",
                f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['class_histogram']['entropy']:.2f}"]  # fmt: skip

    rows = []
    for name, m, diff in zip(names, measured, diffs):
        cc = m.metrics.get("class_consistency")
        consistency = (f"{cc['generated']['overall']:.1%}" if cc else "not measured" if name in conditional
                       else "n/a (unconditional)")  # fmt: skip
        rows.append([f"`{name}`", ", ".join(f"{k} = {v}" for k, v in diff.items()) or "same config",
                     str(m.run.summary.epochs), duration(m.run.summary.seconds), *cells(m.metrics["generated"]),
                     consistency, words.VERDICT_TITLE[m.assessment.verdict]])  # fmt: skip
    first = measured[0].metrics
    real = first.get("real_floor")
    if real:
        rows.append(["real data", f"{first['n']:,} training images", "", "", *cells(real),
                     f"{cc_real:.1%} (test images)" if cc_real is not None else "", "(reference)"])  # fmt: skip
    ev = first["evaluator"]
    same = all((m.metrics["n"], m.metrics["seed"], m.metrics["evaluator"].get("sha256")) ==
               (first["n"], first["seed"], ev.get("sha256")) for m in measured)  # fmt: skip
    max_entropy = first["generated"]["class_histogram"]["max_entropy"]
    return Table(["run", "differs in (config.toml)", "epochs", "training time", "FID", "KID x 1000", "precision",
                  "recall", "class entropy (nats)", "class consistency", "verdict"], rows,
                 caption=f"Every run measured on N = {first['n']:,} samples (seed {first['seed']}) against "
                         f"{first['reference']} with {EVALUATOR_NAME}, {ev['id']} (test accuracy "
                         f"{ev['test_accuracy']:.1%})" + ("" if same else " (**not all runs were measured alike**)")
                         + f". FID, KID: lower is better; precision, recall, class entropy (at most {max_entropy:.2f}), "
                         "class consistency: higher is better. Training time: `summary.json`'s seconds (the epochs' "
                         "fit time, start-up excluded). The verdict is `compare.assess`'s.")  # fmt: skip


def _fid_figure(names, measured, curves, figures: Path) -> Figure:
    """FID against training time, with the 3-class reference FID `compare.assess` judges by, when the runs share it."""
    from compare.gan_checks import MIN_RECALL

    thresholds = {round(m.assessment.fid_threshold, 6) for m in measured}
    threshold = None
    if len(thresholds) == 1:
        value = measured[0].assessment.fid_threshold
        threshold = (value, f"a perfect generator of only 3 classes ({value:.3g})")
    series = [(name, c["seconds"], c["fid"]) for name, c in zip(names, curves)]
    path = F.fid_against_time(series, figures / "gan_fid_time.png", threshold)
    kinds = sorted({c["kind"] for c in curves}, reverse=True)
    log = F.fid_axis_is_log(series, threshold)
    caption = ("FID of each run against its training wall time" + (words.GAN_FID_LOG_AXIS if log else "") + ". "
               + " ".join(words.GAN_FID_TIME_CAPTION[k] for k in kinds)
               + (" The dashed line is the FID of a perfect generator of only three classes: `compare.assess` calls a "
                  f"run learned only at or below it, and only with recall of at least {MIN_RECALL:g} and its pixel and "
                  "class checks passed." if threshold else ""))  # fmt: skip
    return Figure(path, caption)


def clip(text: str, width: int) -> str:
    """`text`, or its last `width` characters after "..." when it is longer (a figure title's width)."""
    return text if len(text) <= width else "..." + text[-(width - 3) :]
