"""A gallery benchmark of style transfer recipes: content x style pairs, side by side, beside neural-style's outputs.

Runs every pair of content {tubingen, boston} x style {starry_night, the_scream, shipwreck,
frida_kahlo} (from ../shared/images, see ../shared/README.md) through each `--config`, at `--size`
px long side, in one process on one VGG19. The configs take turns pair by pair (pair 1 config A,
pair 1 config B, pair 2 config A, ...), so machine load from other jobs falls on all of them alike.

Per result: wall time (`stylize` from the loaded images to the result, targets included; VGG19
loading and scoring excluded), process CPU seconds, the 1-minute load average before and after,
and `compare.nst_metrics`'s Gram style distance, content distance, sliced Wasserstein distance
(SWD) of VGG19 features and pixel SWD (Laplacian-pyramid patches, no network) at `--eval-size` px. jcjohnson/neural-style's published output for the pair
(../shared/reference/neural-style/, `original_color/` with `--preserve-colors`) is scored the same
way where present.

Resumable: every result is written to `OUT/PAIR/CONFIG.png` and then `OUT/PAIR/CONFIG.json`; a
pair whose JSON exists is skipped, so running the same command again after a crash or Ctrl-C costs
at most the run that was under way. `OUT/configs/NAME.toml` holds each config as resolved; a
later invocation with another resolved config under the same name is refused. `--rescore` measures
every result already there again with this version's `compare.nst_metrics` (times kept), for
measures added after the images were made.

At the end it draws a contact sheet (rows: pairs; columns: content, style, each config's result,
neural-style's output) as a downscaled JPEG beside benchmarks/RESULTS.md and writes the table into
RESULTS.md's `nst_gallery` section (`nst_gallery_colors` with `--preserve-colors`). Styles whose
licence forbids bundling (frida_kahlo) are drawn as a labelled grey box in the committed sheet; the
results made from them are shown.

Usage:
    python benchmarks/nst_gallery.py --config configs/nst/default.toml --config configs/nst/fast.toml \\
        --out runs/gallery [--pairs tubingen:starry_night,boston:shipwreck] [--size 512] [--preserve-colors]
    (stopped? the same command again continues; add --report-only for the table and sheet of what is done)
Validation on tiny settings (writes nothing beside RESULTS.md):
    python benchmarks/nst_gallery.py --size 64 --eval-size 64 --weights none --pairs tubingen:shipwreck \\
        --set optimizer.iterations=[2] --out /tmp/g --no-write
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from common.atomic import write_json  # noqa: E402
from common.cli import run_cli  # noqa: E402
from common.errors import ConfigError, InputError  # noqa: E402

SHARED = next((d / "shared" for d in REPO.parents if (d / "shared" / "images").is_dir()), REPO.parent / "shared")
"""`../shared` beside the repository (or beside a folder above it, for a worktree)."""
CONTENTS = ("tubingen", "boston")
STYLES = ("starry_night", "the_scream", "shipwreck", "frida_kahlo")
REFERENCE_NAMES = {"starry_night": "starry", "the_scream": "scream", "shipwreck": "shipwreck"}
"""neural-style's example outputs are named `CONTENT_SHORT.png`."""
NOT_BUNDLED = {"frida_kahlo": "not bundled\n(licence)"}
"""Inputs that ../shared/README.md says must not be bundled: drawn as a grey box in the sheet."""
SHEET_HEIGHT = 150
"""Height in pixels of each image in the contact sheet."""


def parse_pairs(text: str | None) -> list[tuple[str, str]]:
    """`"tubingen:starry_night,boston:shipwreck"` -> pairs; None -> all 8 pairs, contents outer.

    Raises:
        ConfigError: a name is not one of `CONTENTS` / `STYLES`, or an item has no colon.
    """
    if not text:
        return [(c, s) for c in CONTENTS for s in STYLES]
    pairs = []
    for item in text.split(","):
        content, sep, style = item.strip().partition(":")
        if not sep or content not in CONTENTS or style not in STYLES:
            raise ConfigError(
                f"--pairs: {item!r} is not CONTENT:STYLE with CONTENT in {', '.join(CONTENTS)} and STYLE in "
                f"{', '.join(STYLES)}"
            )
        pairs.append((content, style))
    return pairs


def reference_path(folder: Path, content: str, style: str, preserve_colors: bool) -> Path | None:
    """neural-style's output for the pair (`original_color/` with preserve colors), or None."""
    if style not in REFERENCE_NAMES:
        return None
    path = folder / ("original_color" if preserve_colors else "") / f"{content}_{REFERENCE_NAMES[style]}.png"
    return path if path.is_file() else None


def config_name(path: str) -> str:
    """A config's name in the gallery: its file stem (`configs/nst/fast.toml` -> `fast`)."""
    return Path(path).stem


def load_configs(paths: Sequence[str], overrides: Sequence[str], values: dict) -> dict:
    """`{name: NSTConfig}` for each `--config`, in order, with `--set` overrides and the fixed values on top.

    Raises:
        ConfigError: two configs share a name, or a file does not resolve.
    """
    from common.config import load_config
    from nst.config import NSTConfig

    names = [config_name(p) for p in paths]
    if len(set(names)) != len(names):
        raise ConfigError(f"--config files must have different names (file stems), got {', '.join(names)}")
    return {n: load_config(NSTConfig, p, overrides, values) for n, p in zip(names, paths)}


def check_saved_configs(out: Path, configs: dict) -> None:
    """Saves each resolved config under `OUT/configs/`, or checks that an earlier invocation saved the same.

    Raises:
        ConfigError: `out` holds results of another config under the same name.
    """
    from common.config import config_differences, load_config, save_config
    from nst.config import NSTConfig

    folder = out / "configs"
    folder.mkdir(parents=True, exist_ok=True)
    for name, config in configs.items():
        path = folder / f"{name}.toml"
        if path.exists():
            differing = config_differences(load_config(NSTConfig, path), config)
            if differing:
                raise ConfigError(
                    f"{out} holds results of another config named {name!r} (differs in {', '.join(differing)}); "
                    f"use a fresh --out"
                )
        else:
            save_config(config, path)


def cpu_description() -> str:
    """The CPU model and whether lscpu lists avx512f / avx512_bf16."""
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        text = ""
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("Flags")), [])
    marks = ", ".join(f"{f} {'present' if f in flags else 'absent'}" for f in ("avx2", "avx512f", "avx512_bf16"))
    return f"{model}, {os.cpu_count()} cores ({marks}; lscpu)"


def run_one(content_path: Path, style_path: Path, config, extractor) -> dict:
    """One `stylize` run; returns the image and its times and load averages."""
    from nst.stylizer import stylize

    load_before = os.getloadavg()[0]
    cpu, wall = time.process_time(), time.perf_counter()
    result = stylize(str(content_path), str(style_path), config, None, extractor)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if not result.completed:
        raise ConfigError(f"the run stopped early: {'; '.join(result.messages)}")
    return {"image": result.image, "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "optimization_seconds": round(result.history[-1].seconds, 2),
            "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2),
            "iterations": len(result.history)}  # fmt: skip


def scores_of(score: dict) -> dict:
    """The numbers of `NSTScorer.score` that the gallery keeps."""
    keys = ("style_distance", "content_distance", "swd", "style_layers", "swd_layers", "pixel_swd", "pixel_swd_levels")
    return {k: score[k] for k in keys}


def contact_sheet(rows: list[dict], columns: list[str], path: Path, height: int = SHEET_HEIGHT) -> Path:
    """Draws the sheet: one row per pair (content, style, then one image per column or a grey 'none').

    Args:
        rows: `{"label", "content", "style", "style_name", "images": {column: path or None}}`.
        columns: the result columns' names, in order.
        path: the JPEG to write (atomically).
    """
    from PIL import Image, ImageDraw

    from common.atomic import atomic_path

    def cell(source, width=None, text=None):
        if source is None:
            w = width or round(height * 4 / 3)
            box = Image.new("RGB", (w, height), (200, 200, 200))
            ImageDraw.Draw(box).multiline_text((6, height // 2 - 12), text or "none", fill=(60, 60, 60))
            return box
        with Image.open(source) as im:
            im = im.convert("RGB")
            return im.resize((max(1, round(im.width * height / im.height)), height), Image.LANCZOS)

    pad, label_h = 4, 16
    grid = []
    for row in rows:
        content = cell(row["content"])
        hidden = NOT_BUNDLED.get(row["style_name"])
        style = cell(None, round(height * 3 / 4), hidden) if hidden else cell(row["style"])
        found = {c: p for c, p in row["images"].items() if p is not None and Path(p).is_file()}
        results = [cell(found.get(c), content.width, "none" if row["images"].get(c) is None else "not run")
                   for c in columns]  # fmt: skip
        grid.append((row["label"], [content, style, *results]))
    widths = [max(r[1][i].width for r in grid) for i in range(2 + len(columns))]
    sheet = Image.new("RGB", (sum(widths) + pad * (len(widths) + 1), label_h + len(grid) * (height + label_h + pad)),
                      "white")  # fmt: skip
    draw = ImageDraw.Draw(sheet)
    x = pad
    for name, w in zip(["content", "style", *columns], widths):
        draw.text((x, 2), name, fill=(0, 0, 0))
        x += w + pad
    y = label_h
    for label, cells in grid:
        draw.text((pad, y), label, fill=(0, 0, 0))
        x = pad
        for im, w in zip(cells, widths):
            sheet.paste(im, (x, y + label_h - 2))
            x += w + pad
        y += height + label_h + pad
    with atomic_path(path) as tmp:
        sheet.save(tmp, format="JPEG", quality=80, optimize=True)
    return path


def table(records: dict, pairs, names: list[str], reference: dict) -> list[str]:
    """Markdown rows: one per pair and config, then neural-style's output where scored."""

    def cells(s):
        pixel = f"{s['pixel_swd']:.4f}" if "pixel_swd" in s else "not measured"
        return f"{s['style_distance']:.4f} | {s['content_distance']:.4f} | {s['swd']:.4f} | {pixel}"

    lines = ["| pair | run | wall time | CPU time | load (1 min) | style distance | content distance | SWD | pixel SWD |",
             "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for content, style in pairs:
        pair = f"{content} x {style}"
        for name in names:
            r = records.get((content, style, name))
            if r is not None:
                lines.append(f"| {pair} | {name} | {r['wall_seconds']:.0f} s | {r['cpu_seconds']:.0f} s | "
                             f"{r['load_before']:.1f}-{r['load_after']:.1f} | {cells(r['scores'])} |")  # fmt: skip
        if (content, style) in reference:
            lines.append(f"| {pair} | neural-style | | | | {cells(reference[(content, style)])} |")
    return lines


def comparisons(records: dict, pairs, names: list[str], reference: dict) -> list[str]:
    """Sentences comparing the first config with the second (distance ratios) and each with neural-style (SWD)."""
    lines = []
    if len(names) >= 2:
        a, b = names[:2]
        for c, s in pairs:
            if (c, s, a) in records and (c, s, b) in records:
                x, y = records[(c, s, a)]["scores"], records[(c, s, b)]["scores"]
                pixel = (
                    f", pixel SWD {x['pixel_swd'] / y['pixel_swd']:.2f}"
                    if "pixel_swd" in x and "pixel_swd" in y
                    else ""
                )
                lines.append(
                    f"{c} x {s}: {a} / {b} style distance {x['style_distance'] / y['style_distance']:.2f}, content "
                    f"distance {x['content_distance'] / y['content_distance']:.2f}, SWD {x['swd'] / y['swd']:.2f}{pixel}."
                )
    for c, s in pairs:
        if (c, s) in reference:
            ref = reference[(c, s)]["swd"]
            done = [n for n in names if (c, s, n) in records]
            if done:
                lines.append(f"{c} x {s}: SWD / neural-style's " + ", ".join(
                    f"{n} {records[(c, s, n)]['scores']['swd'] / ref:.2f}" for n in done) + ".")  # fmt: skip
            pixel_ref = reference[(c, s)].get("pixel_swd")
            pixel_done = [n for n in done if "pixel_swd" in records[(c, s, n)]["scores"]]
            if pixel_ref and pixel_done:
                lines.append(f"{c} x {s}: pixel SWD / neural-style's " + ", ".join(
                    f"{n} {records[(c, s, n)]['scores']['pixel_swd'] / pixel_ref:.2f}" for n in pixel_done) + ".")  # fmt: skip
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python benchmarks/nst_gallery.py", description=__doc__.splitlines()[0])
    p.add_argument("--config", action="append", metavar="PATH", help="a config file (repeat; default: "
                   "configs/nst/default.toml and configs/nst/fast.toml)")  # fmt: skip
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a value in every config (validation runs)")  # fmt: skip
    p.add_argument("--size", type=int, default=512, help="output long side (default: 512)")
    p.add_argument("--eval-size", type=int, default=512, help="evaluation long side (default: 512)")
    p.add_argument("--pairs", metavar="C:S,...", help="a subset, e.g. tubingen:starry_night,boston:shipwreck")
    p.add_argument("--preserve-colors", action="store_true", help="image.preserve_colors = luminance, and "
                   "neural-style's original_color outputs")  # fmt: skip
    p.add_argument(
        "--weights", metavar="PATH|none", help="VGG19 weights (default: env NST_VGG19_WEIGHTS, then Keras's)"
    )
    p.add_argument(
        "--images", metavar="DIR", default=str(SHARED / "images"), help="the input images (default: %(default)s)"
    )
    p.add_argument("--reference", metavar="DIR", default=str(SHARED / "reference" / "neural-style"),
                   help="neural-style's outputs (default: %(default)s)")  # fmt: skip
    p.add_argument("--out", metavar="DIR", required=True, help="work folder; the same --out again resumes")
    p.add_argument("--sheet", metavar="FILE", help="contact sheet JPEG (default: benchmarks/nst_gallery[_colors].jpg)")
    p.add_argument("--no-write", action="store_true", help="write neither RESULTS.md nor the default sheet")
    p.add_argument("--report-only", action="store_true", help="run nothing: the table and sheet of what OUT holds")
    p.add_argument("--rescore", action="store_true", help="measure the results already in OUT again with this "
                   "version's compare.nst_metrics (times kept)")  # fmt: skip
    args = p.parse_args(argv)
    pairs = parse_pairs(args.pairs)
    images, reference_dir = Path(args.images), Path(args.reference)
    for name in {n for pair in pairs for n in pair}:
        if not (images / f"{name}.jpg").is_file():
            raise InputError(f"{images / (name + '.jpg')} is missing; see ../shared/README.md")
    config_paths = args.config or [str(REPO / "configs/nst/default.toml"), str(REPO / "configs/nst/fast.toml")]
    values = {"image.size": args.size, "image.size_of": "long_side", "weights": args.weights}
    if args.preserve_colors:
        values["image.preserve_colors"] = "luminance"
    configs = load_configs(config_paths, args.overrides, values)
    names = list(configs)
    out = Path(args.out)
    check_saved_configs(out, configs)
    section = "nst_gallery_colors" if args.preserve_colors else "nst_gallery"
    sheet_path = Path(args.sheet) if args.sheet else (None if args.no_write else REPO / "benchmarks" / f"{section}.jpg")

    from common.tfenv import configure_tensorflow, import_tensorflow_quietly

    configure_tensorflow()  # as `python -m nst.transfer` runs (TensorFlow's default kernels)
    import_tensorflow_quietly()
    from benchmarks.results import machine_description, update_section
    from compare.nst_metrics import NSTScorer
    from nst.images import save_image
    from nst.vgg import FeatureExtractor

    scorer = NSTScorer(args.weights, args.eval_size)
    extractors = {}
    for config in configs.values():
        key = (config.loss.layers, config.loss.pooling)
        if key not in extractors:
            extractors[key] = FeatureExtractor(scorer.vgg, *key)
    records, reference, started = {}, {}, time.time()
    for content, style in pairs:
        folder = out / f"{content}x{style}"
        folder.mkdir(parents=True, exist_ok=True)
        content_path, style_path = images / f"{content}.jpg", images / f"{style}.jpg"
        targets = None
        ref = reference_path(reference_dir, content, style, args.preserve_colors)
        ref_json = folder / "neural-style.json"
        if ref is not None:
            if not ref_json.exists() or args.rescore:
                targets = targets or scorer.targets(content_path, style_path)
                write_json(ref_json, {"image": str(ref), "scores": scores_of(scorer.score(ref, targets))})
            reference[(content, style)] = json.loads(ref_json.read_text())["scores"]
        for name, config in configs.items():
            done = folder / f"{name}.json"
            if not done.exists() and args.report_only:
                continue
            if done.exists() and args.rescore:
                targets = targets or scorer.targets(content_path, style_path)
                write_json(done, {**json.loads(done.read_text()), "rescored": time.strftime("%Y-%m-%d"),
                                  "scores": scores_of(scorer.score(folder / f"{name}.png", targets))})  # fmt: skip
            if not done.exists():
                print(f"nst_gallery: {content} x {style}, {name} ...", file=sys.stderr, flush=True)
                run = run_one(content_path, style_path, config, extractors[(config.loss.layers, config.loss.pooling)])
                save_image(folder / f"{name}.png", run.pop("image"))
                targets = targets or scorer.targets(content_path, style_path)
                run["scores"] = scores_of(scorer.score(folder / f"{name}.png", targets))
                write_json(done, run)
                s = run["scores"]
                print(f"nst_gallery: {content} x {style}, {name}: {run['wall_seconds']:.0f} s wall (load "
                      f"{run['load_before']:.1f}-{run['load_after']:.1f}), style {s['style_distance']:.4f}, content "
                      f"{s['content_distance']:.4f}, SWD {s['swd']:.4f}", file=sys.stderr, flush=True)  # fmt: skip
            records[(content, style, name)] = json.loads(done.read_text())
    columns = [*names, "neural-style"]
    rows = [{"label": f"{c} x {s}", "content": images / f"{c}.jpg", "style": images / f"{s}.jpg", "style_name": s,
             "images": {**{n: out / f"{c}x{s}" / f"{n}.png" for n in names},
                        "neural-style": reference_path(reference_dir, c, s, args.preserve_colors)}}
            for c, s in pairs]  # fmt: skip
    contact_sheet(rows, columns, out / "sheet.jpg")
    if sheet_path is not None:
        contact_sheet(rows, columns, sheet_path)
    first = names[0]
    ratio_lines = []
    for other in names[1:]:
        shared = [(c, s) for c, s in pairs if (c, s, first) in records and (c, s, other) in records]
        if shared:
            ratios = [
                records[(c, s, first)]["wall_seconds"] / records[(c, s, other)]["wall_seconds"] for c, s in shared
            ]
            cpu = [records[(c, s, first)]["cpu_seconds"] / records[(c, s, other)]["cpu_seconds"] for c, s in shared]
            ratio_lines.append(f"CPU time {first} / {other} per pair (less sensitive to the load than wall time): "
                               + ", ".join(f"{c} x {s} {r:.2f}" for (c, s), r in zip(shared, cpu)) + ".")  # fmt: skip
            ratio_lines.append(f"Wall time {first} / {other} per pair: "
                               + ", ".join(f"{c} x {s} {r:.2f}" for (c, s), r in zip(shared, ratios)) + ".")  # fmt: skip
    ratio_lines += comparisons(records, pairs, names, reference)
    rescored = sorted({r["rescored"] for r in records.values() if "rescored" in r})
    if rescored:
        ratio_lines.append(f"Distances measured again on {', '.join(rescored)} (`--rescore`, this version's "
                           "`compare.nst_metrics`); times and loads are the runs' own.")  # fmt: skip
    lines = [
        f"## Style transfer gallery{' (--preserve-colors)' if args.preserve_colors else ''} (`benchmarks/nst_gallery.py`)",
        "",
        f"Machine: {machine_description()}; CPU: {cpu_description()}. Each pair at {args.size} px (long side) "
        f"through each config ({', '.join(f'`{_short(p)}`' for p in config_paths)}), taking turns pair by pair in "
        f"one process on one VGG19 ({scorer.weights}); distances by `compare.nst_metrics` at {args.eval_size} px "
        "(lower is closer). Wall time: `nst.stylize` from the loaded images to the result (VGG19 loading and "
        "scoring excluded); CPU time: this process, both cores; load: the 1-minute load average before and after "
        "the run (2 cores: above 2, other jobs were slowing it). neural-style: jcjohnson/neural-style's published "
        f"output{' with -original_colors 1' if args.preserve_colors else ''}, scored the same way.",
        "",
        *table(records, pairs, names, reference),
        "",
        *(f"- {line}" for line in ratio_lines),
        "",
        f"Contact sheet: `{_short(str(sheet_path)) if sheet_path else out / 'sheet.jpg'}`. "
        f"Run {time.strftime('%Y-%m-%d')}.",
    ]
    md = "\n".join(lines)
    print(md)
    if not args.no_write:
        print(f"nst_gallery: wrote {update_section(section, md)}", file=sys.stderr)
    print(f"nst_gallery: {time.time() - started:.0f} s in this invocation", file=sys.stderr)
    return 0


def _short(path: str) -> str:
    try:
        return Path(path).resolve().relative_to(REPO).as_posix()
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(run_cli(main))
