"""`python -m compare.report`: the side-by-side report on the GAN and style transfer, HTML and Markdown.

Given a GAN run (`--gan RUN`) and a style transfer run (`--nst RUN`), or neither (then it makes quick
runs of both, `compare.quick`, which makes it the suite's embedded demo), it measures both and
writes into one folder (`-o DIR`):

- `report.html`: one self-contained page (CSS inline, images as base64 data URIs; opens offline);
- `report.md`: the same content in Markdown, linking the figures;
- `figures/*.png`: every figure;
- `metrics.json`: every number in the report.

Given several runs of a kind (`--gan A B C`, `--nst A B C`, or both), it writes the report on several
runs instead (`compare.multi`): a sample grid per GAN run, one metrics table, FID against training
time and which run leads on what; a gallery of the style transfer results with their distances. A
flag given with no runs (`--gan` alone) asks for a quick run of that kind when the other flag names
runs, and for the demo when no flag names any.

The page is assembled here from the two halves (`compare.gan_section`, `compare.nst_section`, with
the opt-in `compare.sweeps`); every sentence comes from `compare.explain`, chosen from the numbers.
Options are a frozen `compare.options.ReportOptions`: `--config FILE` (TOML) over its defaults,
`--set key=value` over that, the flags on top.

Usage:
    python -m compare.report [--gan [RUN ...]] [--nst [RUN ...]] [-o DIR] [--n 10000] [--seed 0]
        [--content-layer-sweep] [--style-weight-sweep] [--weights PATH|none] [--config FILE] [...]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from common.atomic import write_json, write_text
from common.cli import ArgumentParser, run_cli
from common.config import load_config
from common.errors import InputError, OutputError
from common.rundir import create_run_dir
from common.tfenv import configure_tensorflow, import_tensorflow_quietly
from compare import explain
from compare.document import Block, Figure, Heading, Paragraph, Row, Table, figure_paths, to_html, to_markdown
from compare.formatting import count, duration, plural
from compare.options import ReportOptions

TITLE = "Generative versus optimization-based art: a DCGAN and neural style transfer side by side"
SECTIONS = (
    ("side-by-side", "Side by side"),
    ("how", "How each result came to be"),
    ("losses", "Loss curves"),
    ("cost", "Cost"),
    ("quality", "Quality"),
    ("teaching", "Teaching figures"),
    ("explanation", "What the numbers say"),
)
"""(anchor, title) of every section, in order; every report has all of them."""


def cost_table(gan: dict | None, nst: dict | None) -> Table:
    """The cost table: data, parameters trained, wall time to train, time per new image, memory peak."""

    def col(part, key, fmt):
        return "no run" if part is None else fmt(part["cost"].get(key))

    def params(part):
        return "no run" if part is None else f"{count(part['cost']['parameters'])} ({part['cost']['parameters_note']})"

    def memory(value):
        return f"{value:,.0f} MB" if value else "n/a"

    rows = [
        ["data needed", col(gan, "data", str), col(nst, "data", str)],
        ["parameters trained", params(gan), params(nst)],
        ["wall time to train", col(gan, "train_seconds", duration) + (f" ({gan['cost']['train_note']})" if gan else ""),
         col(nst, "train_note", str)],
        ["time for one new image", col(gan, "seconds_per_image", duration), col(nst, "seconds_per_image", duration)],
        ["memory peak (process RSS)", col(gan, "peak_mb", memory), col(nst, "peak_mb", memory)],
    ]  # fmt: skip
    return Table(["", "GAN (learns a distribution)", "style transfer (optimizes one image)"], rows,
                 caption="Times are wall-clock on this machine, from each run's summary.json.")  # fmt: skip


def assemble(parts: Sequence, cost: Table, explanation: list[Block]) -> list[Block]:
    """Puts the sections in order, each under its heading, with the blocks of both halves.

    Args:
        parts: the halves there are (`compare.gan_section.Part`), GAN first.
        cost: the cost table.
        explanation: the closing section's blocks.
    """
    out: list[Block] = [Paragraph(explain.INTRO)]
    for anchor, title in SECTIONS:
        out.append(Heading(title, 2, anchor))
        if anchor == "cost":
            out.append(cost)
        elif anchor == "explanation":
            out += explanation
        elif anchor == "side-by-side":
            figs = [p.side for p in parts if p.side is not None]
            out.append(Row(figs) if len(figs) > 1 else figs[0] if figs else Paragraph("No runs to show."))
        else:
            out += [b for p in parts for b in p.blocks.get(anchor, [])] or [
                Paragraph("Nothing to show for this section.")
            ]
    return out


def _as_list(runs) -> list | None:
    """None stays None (not asked for); a path becomes `[path]`; a sequence a list ([] = asked for, none named)."""
    if runs is None:
        return None
    return [runs] if isinstance(runs, (str, Path)) else list(runs)


def build_report(out: Path, gan, nst, options: ReportOptions) -> dict:
    """Makes the report in `out` (which must exist and be writable).

    Args:
        out: the report folder.
        gan, nst: a run directory, a list of them, or None. When neither names a run (None or []),
            quick runs of both are made in `out/runs/` (the demo); `[]` beside named runs of the
            other kind makes a quick run of that kind. Several runs of a kind give the report on
            several runs (`compare.multi`); at most one of each, the side-by-side page.
        options: the settings.

    Returns:
        The `metrics.json` content, plus the `"files"` written.
    """
    from compare.quick import quick_gan_run, quick_nst_run

    start = time.perf_counter()
    out = Path(out).resolve()
    (out / "figures").mkdir(exist_ok=True)
    gans, nsts = _as_list(gan), _as_list(nst)
    if not gans and not nsts:  # nothing named: the demo, quick runs of both
        gans, nsts = [], []
    made = {}
    if gans == []:
        (out / "runs").mkdir(exist_ok=True)
        gans = [quick_gan_run(out / "runs" / "gan", options)]
        made["gan"] = str(gans[0])
    if nsts == []:
        (out / "runs").mkdir(exist_ok=True)
        nsts = [quick_nst_run(out / "runs" / "nst", options)]
        made["nst"] = str(nsts[0])
    gans, nsts = gans or [], nsts or []
    if len(gans) > 1 or len(nsts) > 1:
        from compare.multi import build_multi_report

        return build_multi_report(out, gans, nsts, options, made, start)
    return _side_by_side(out, gans[0] if gans else None, nsts[0] if nsts else None, options, made, start)


def _side_by_side(out: Path, gan: str | Path | None, nst: str | Path | None, options: ReportOptions,
                  made: dict, start: float) -> dict:  # fmt: skip
    """The page on one GAN run and one style transfer run (either may be None); `start`: `perf_counter` at the start."""
    from compare.gan_section import gan_part
    from compare.nst_section import nst_part
    from compare.runs import GanRun, NstRun

    figures = out / "figures"
    gan_half = nst_half = None
    if gan is not None:
        gan_half = gan_part(GanRun.load(gan), options, figures)
    if nst is not None:
        nst_half = nst_part(NstRun.load(nst, options.nst_content, options.nst_style), options, figures)
    parts = [p for p in (gan_half, nst_half) if p is not None]
    facts = {k: v for p in parts for k, v in p.facts.items()}
    if gan_half and nst_half:
        g, s = gan_half.numbers["cost"]["seconds_per_image"], nst_half.numbers["cost"]["seconds_per_image"]
        if g and s:
            facts["time_ratio"] = f"{s / g:,.0f} times"
    status = gan_half.numbers["assessment"]["verdict"] if gan_half else None
    blocks = assemble(parts, cost_table(gan_half and gan_half.numbers, nst_half and nst_half.numbers),
                      explain.explanation(facts, status))  # fmt: skip
    config = options.gan_config or "configs/gan/demo.toml"
    if len(made) == 2:
        summary = gan_half.numbers["summary"]
        blocks.insert(1, Paragraph(explain.demo_note(plural(summary.get("epochs"), "epoch"),
                                                     count(summary.get("training_images")), config, options.nst_size,
                                                     status)))  # fmt: skip
    elif made:  # one quick run beside a run the user named
        from compare.explain.multi import quick_note

        which = "GAN" if "gan" in made else "style transfer"
        what = f"`{config}`" if "gan" in made else f"{options.nst_size} px"
        blocks.insert(1, Paragraph(quick_note(which, what)))
    result = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "seconds": round(time.perf_counter() - start, 2),
        "options": dataclasses.asdict(options),
        "quick_runs": made,
        "gan": gan_half and gan_half.numbers,
        "nst": nst_half and nst_half.numbers,
    }
    return write_document(out, TITLE, blocks, result)


def write_document(out: Path, title: str, blocks: list[Block], result: dict) -> dict:
    """Writes `report.md`, `report.html` and `metrics.json` (`result` plus the `"files"` written) into `out`.

    Raises:
        OutputError: a figure the blocks show is not a file (a programming error).
    """
    for path in figure_paths(blocks):  # every figure the document shows must be a file in figures/
        if not Path(path).is_file():  # pragma: no cover - a programming error
            raise OutputError(f"figure {path} was not written")
    write_text(out / "report.md", to_markdown(title, _relative(blocks, out), out))
    write_text(out / "report.html", to_html(title, blocks, out))
    result = {**result, "files": ["report.html", "report.md", "metrics.json"]
              + sorted(f"figures/{p.name}" for p in (out / "figures").glob("*.png"))}  # fmt: skip
    write_json(out / "metrics.json", result)
    return result


def _relative(blocks: list[Block], folder: Path) -> list[Block]:
    def rel(fig: Figure) -> Figure:
        return dataclasses.replace(fig, path=Path(fig.path).relative_to(folder))

    return [rel(b) if isinstance(b, Figure) else Row([rel(f) for f in b.figures]) if isinstance(b, Row) else b
            for b in blocks]  # fmt: skip


# --- command line --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The `compare.report` parser. Flags default to None: an unset flag leaves the config's value."""
    D = ReportOptions()  # the defaults live in the dataclass only; shown in --help
    p = ArgumentParser(
        prog="python -m compare.report",
        description="Measure a GAN run and a style transfer run and write a side-by-side report (report.html, "
        "report.md, figures/, metrics.json); several runs of a kind are compared instead (sample grids, metrics, FID "
        "against time, a style transfer gallery). With no runs given, quick runs of both are made first (the demo).",
    )
    p.add_argument("--gan", metavar="RUN", nargs="*", action="extend",
                   help="GAN run directories (python -m gan.train); several: the report on several runs; none: a "
                   "quick run")  # fmt: skip
    p.add_argument("--nst", metavar="RUN", nargs="*", action="extend",
                   help="style transfer run directories (python -m nst.transfer); several: a gallery; none: a quick "
                   "run")  # fmt: skip
    p.add_argument("-o", "--out", metavar="DIR", help="report folder, new or empty (default: runs/report-TIMESTAMP)")
    p.add_argument("--config", metavar="PATH", help="TOML file of report options over the built-in defaults")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one report option (e.g. n=2000); repeatable",
    )
    p.add_argument("--n", type=int, help=f"GAN images for the metrics and the real-data column (default: {D.n})")
    p.add_argument("--seed", type=int, help=f"seed of samples, metrics and quick runs (default: {D.seed})")
    p.add_argument(
        "--content-layer-sweep",
        action="store_true",
        default=None,
        help="add style transfer with content at block3_conv2, block4_conv2, block5_conv2 (3 extra runs)",
    )
    p.add_argument(
        "--style-weight-sweep",
        action="store_true",
        default=None,
        help="add style transfer at style weight x0.1, x1, x10 (3 extra runs)",
    )
    p.add_argument(
        "--weights",
        metavar="PATH|none",
        help="VGG19 weights for scoring and sweeps (default: env "
        "NST_VGG19_WEIGHTS, then Keras's imagenet); 'none' = random (tests only)",
    )
    p.add_argument("--nst-content", metavar="PATH", help="content image of --nst (when its run does not name it)")
    p.add_argument("--nst-style", metavar="PATH", help="style image of --nst (when its run does not name it)")
    p.add_argument(
        "--eval-size", type=int, help=f"style transfer evaluation size, long side px (default: {D.eval_size})"
    )
    p.add_argument("--sweep-size", type=int, help=f"long side of sweep images (default: {D.sweep_size})")
    p.add_argument(
        "--sweep-iterations",
        type=int,
        nargs="+",
        metavar="N",
        help=f"sweep iterations per scale, coarsest first (default: {' '.join(map(str, D.sweep_iterations))})",
    )
    p.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="evaluator cache (default: env COMPARE_CACHE_DIR or ~/.cache/gen-art-suite/compare)",
    )
    p.add_argument("--data-dir", metavar="DIR", help="folder with the Fashion-MNIST .gz files")
    p.add_argument(
        "--evaluator",
        dest="evaluator_overrides",
        action="append",
        metavar="KEY=VALUE",
        help="evaluator setting (a different cached evaluator), e.g. train_limit=512; repeatable",
    )
    p.add_argument("--reference-limit", type=int, metavar="N", help="only the first N test images (quick checks)")
    p.add_argument("--kid-subsets", type=int, help=f"KID subsets (default: {D.kid_subsets})")
    quick = p.add_argument_group("quick runs (when --gan or --nst names no run)")
    quick.add_argument("--gan-config", metavar="PATH", help="GAN config (default: the packaged configs/gan/demo.toml)")
    quick.add_argument("--gan-epochs", type=int, help="GAN epochs (default: the config's)")
    quick.add_argument("--gan-limit", type=int, help="GAN training images (default: the config's)")
    quick.add_argument("--nst-config", metavar="PATH", help="style transfer config (default: the built-in defaults)")
    quick.add_argument("--nst-size", type=int, help=f"style transfer size, long side px (default: {D.nst_size})")
    quick.add_argument(
        "--gan-arg",
        dest="quick_args_gan",
        action="append",
        metavar="ARG",
        help="extra argument for python -m gan.train, e.g. --gan-arg=--batch-size=64; repeatable",
    )
    quick.add_argument(
        "--nst-arg",
        dest="quick_args_nst",
        action="append",
        metavar="ARG",
        help="extra argument for python -m nst.transfer, e.g. --nst-arg=--iterations=50; repeatable",
    )
    return p


def options_from(args: argparse.Namespace) -> ReportOptions:
    """`ReportOptions` from the parsed flags: `--config` < `--set` < the flags given (unset flags are None)."""
    names = {f.name for f in dataclasses.fields(ReportOptions)}
    values = {k: v for k, v in vars(args).items() if k in names}
    return load_config(ReportOptions, args.config, args.overrides, values)


def main(argv: Sequence[str] | None = None) -> int:
    """Parses the flags, checks every path before any long work, and writes the report."""
    args = build_parser().parse_args(argv)
    configure_tensorflow()
    options = options_from(args)
    for flag, values in (("--gan", args.gan), ("--nst", args.nst)):
        for value in values or []:
            if not Path(value).is_dir():
                raise InputError(f"{flag} {value} is not a run directory")
    for flag, value in (("nst_content", options.nst_content), ("nst_style", options.nst_style),
                        ("gan_config", options.gan_config), ("nst_config", options.nst_config)):  # fmt: skip
        if value is not None and not Path(value).is_file():
            raise InputError(f"--{flag.replace('_', '-')} {value} does not exist")
    if (
        args.out is not None
        and Path(args.out).is_dir()
        and any(p for p in Path(args.out).iterdir() if not p.name.startswith("."))
    ):
        raise OutputError(
            f"-o {args.out} already holds files; name a new or empty folder (a report never overwrites one)"
        )
    out = create_run_dir(args.out, "report")
    import_tensorflow_quietly()
    result = build_report(out, args.gan, args.nst, options)
    print(f"compare.report: wrote {out / 'report.html'}, {out / 'report.md'}, {len(result['files']) - 3} figures and "
          f"{out / 'metrics.json'} in {duration(result['seconds'])}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
