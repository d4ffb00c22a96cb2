"""Tests for compare.report: every section and linked image is there, the HTML is self-contained and
renders in a real headless browser, and the demo path (quick runs through the CLIs) works end to end."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from compare_support import TINY_EVALUATOR, make_fake_gan_run, make_fake_nst_run

from common.runformat import GanFiles, GanSummary, NstFiles
from compare.report import SECTIONS, ReportOptions, build_report

ASSETS = Path(__file__).resolve().parents[1] / "nst" / "assets"
TINY_OPTIONS = dict(
    n=200, reference_limit=300, kid_subsets=3, weights="none", eval_size=64, sweep_size=48, sweep_iterations=(3,),
    evaluator_overrides=tuple(f"{k}={list(v) if isinstance(v, tuple) else v}" for k, v in TINY_EVALUATOR.items()),
)  # fmt: skip


def check_report(out: Path) -> dict:
    """Asserts that a report folder is complete and self-contained; returns its metrics.json."""
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    metrics = json.loads((out / GanFiles.METRICS).read_text())
    for anchor, title in SECTIONS:
        assert f'<h2 id="{anchor}">{title}</h2>' in html, title
        assert f"\n## {title}\n" in md, title
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    figures = sorted(p.relative_to(out).as_posix() for p in (out / "figures").glob("*.png"))
    assert links and sorted(set(links)) == figures  # every image linked exists, every figure is linked
    for link in links:
        assert (out / link).is_file()
    sources = re.findall(r'<img src="([^"]*)"', html)
    assert len(sources) == len(links)
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r"<(script|link|iframe)\b", html)  # nothing fetched, nothing run
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert set(metrics["files"]) >= {"report.html", "report.md", "metrics.json", *figures}
    return metrics


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory, tiny_evaluator, compare_cache_dir):
    root = tmp_path_factory.mktemp("report")
    gan = make_fake_gan_run(root / "gan")
    nst = make_fake_nst_run(root / "nst", ASSETS / "tubingen.jpg", ASSETS / "starry_night.jpg")
    out = root / "out"
    out.mkdir()
    options = ReportOptions(cache_dir=str(compare_cache_dir), content_layer_sweep=True, style_weight_sweep=True,
                            **TINY_OPTIONS)  # fmt: skip
    build_report(out, gan, nst, options)
    return out


@pytest.mark.slow
def test_report_has_every_section_and_every_image(tiny_report):
    metrics = check_report(tiny_report)
    names = {p.name for p in (tiny_report / "figures").glob("*.png")}
    assert names == {
        "gan_samples.png", "gan_filmstrip.png", "gan_losses.png", "gan_class_histogram.png", "gan_interpolation.png",
        "nst_triptych.png", "nst_filmstrip.png", "nst_losses.png", "nst_content_layer_sweep.png",
        "nst_style_weight_sweep.png",
    }  # fmt: skip
    assert metrics["gan"]["metrics"]["n"] == 200
    assert [r["label"] for r in metrics["nst"]["sweeps"]["content_layer"]] == ["block3_conv2", "block4_conv2", "block5_conv2"]
    assert len(metrics["nst"]["sweeps"]["style_weight"]) == 3
    html = (tiny_report / "report.html").read_text()
    for phrase in ("data needed", "parameters trained", "wall time to train", "time for one new image", "memory peak",
                   "real-data floor", "FID", "KID", "precision", "recall", "style distance", "sliced Wasserstein",
                   "Learning a distribution versus optimizing one image", "needs no training set",
                   "not normalized to [0, 1]", "How GANs and style transfer are related"):  # fmt: skip
        assert phrase in html, phrase


@pytest.mark.slow
def test_report_numbers_come_from_the_runs(tiny_report):
    metrics = json.loads((tiny_report / GanFiles.METRICS).read_text())
    gan_summary = GanSummary.read(metrics["gan"]["run"])
    md = (tiny_report / "report.md").read_text()
    assert f"{gan_summary.generator_parameters:,}" in md
    fid = metrics["gan"]["metrics"]["generated"]["fid"]
    assert f"{fid:.3f}" in md
    assert metrics["nst"]["scores"]["content_image"]["content_distance"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.slow
def test_a_report_on_one_run_only_still_has_every_section(tiny_report, tmp_path):
    nst_run = shutil.copytree(tiny_report.parent / "nst", tmp_path / "nst")
    # A run that was stopped and resumed: its time is the whole optimization's, not the last invocation's.
    summary = json.loads((nst_run / NstFiles.SUMMARY).read_text())
    summary.update(seconds=4321.0, invocation_seconds=5.0, resumed=True)
    (nst_run / NstFiles.SUMMARY).write_text(json.dumps(summary))
    out = tmp_path / "only-nst"
    out.mkdir()
    build_report(out, None, nst_run, ReportOptions(**TINY_OPTIONS))
    metrics = check_report(out)
    assert metrics["gan"] is None and metrics["nst"]["scores"]["result"]["eval_size"] == 64
    md = (out / "report.md").read_text()
    assert "no run" in md  # the GAN column of the cost table
    assert metrics["nst"]["seconds"] == 4321.0 and "1 h 12 min" in md


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.slow
def test_html_report_renders_in_a_headless_browser(tiny_report, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium on PATH: install Debian's chromium (apt-get install -y chromium)")
    shot = tmp_path / "shot.png"
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,2400", f"--screenshot={shot}",
            (tiny_report / "report.html").as_uri()]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert shot.is_file(), done.stderr[-2000:]
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("RGB"), np.float64)
    assert pixels.shape[:2] == (2400, 1100)
    non_white = (pixels.min(axis=-1) < 240).mean()
    colours = len(np.unique(pixels.reshape(-1, 3).astype(np.uint8), axis=0))
    # A blank or unstyled error page is nearly all one colour; the report has text, tables and pictures.
    assert pixels.std() > 20 and non_white > 0.05 and colours > 1000, (pixels.std(), non_white, colours)


def test_cli_refuses_a_non_empty_output_folder(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.txt").write_text("keep me")
    done = subprocess.run([sys.executable, "-m", "compare.report", "-o", "out"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "already holds files" in done.stderr.splitlines()[-1]
    done = subprocess.run([sys.executable, "-m", "compare.report", "--gan", "nope"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "nope" in done.stderr.splitlines()[-1]


@pytest.mark.slow
def test_demo_makes_quick_runs_through_the_clis(tmp_path, tiny_evaluator, compare_cache_dir):
    args = [sys.executable, "-m", "compare.report", "-o", "demo", "--cache-dir", str(compare_cache_dir),
            "--n", "200", "--reference-limit", "300", "--kid-subsets", "3", "--weights", "none", "--eval-size", "64",
            "--gan-epochs", "1", "--gan-limit", "256", "--gan-arg=--batch-size=64", "--nst-size", "48",
            "--nst-arg=--weights=none", "--nst-arg=--iterations=3"]  # fmt: skip
    args += [f"--evaluator={item}" for item in TINY_OPTIONS["evaluator_overrides"]]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = check_report(tmp_path / "demo")
    assert Path(metrics["quick_runs"]["gan"]).is_dir() and Path(metrics["quick_runs"]["nst"]).is_dir()
    assert "Demo runs" in (tmp_path / "demo" / "report.html").read_text()
    assert metrics["nst"]["iterations"] == 3 and metrics["gan"]["summary"]["epochs"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]  # nothing else in the working directory
