"""End-to-end tests of `python -m nst.transfer`: outputs, Ctrl-C and kill -9 in subprocesses; bad input in this process."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from gan_support import run_main
from PIL import Image

from common.config import load_config
from common.runformat import NstFiles, NstSummary
from nst.config import NSTConfig

TINY = ["--weights", "none", "--size", "48"]


def _run(args, cwd, timeout=300):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("NST_VGG19_WEIGHTS", None)
    return subprocess.run(
        [sys.executable, "-m", "nst.transfer", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def _start(args, cwd):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "nst.transfer", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _rows(run: Path):
    with open(run / NstFiles.LOSSES_CSV) as f:
        return list(csv.DictReader(f))


def _check_complete_run(run: Path, steps: int, sizes):
    """Every output of a finished run exists, is readable, and the history has no gaps."""
    assert load_config(NSTConfig, run / NstFiles.CONFIG)
    with Image.open(run / NstFiles.FINAL) as im:
        assert im.size == sizes[-1]
    rows = _rows(run)
    assert [int(r["step"]) for r in rows] == list(range(1, steps + 1)), "no gaps, no duplicates"
    seconds = [float(r["seconds"]) for r in rows]
    assert all(b >= a for a, b in zip(seconds, seconds[1:])), "one time line over all invocations"
    summary = json.loads((run / NstFiles.SUMMARY).read_text())
    assert summary["seconds"] == pytest.approx(seconds[-1], abs=0.01)
    assert NstSummary.read(run).to_dict() == summary
    assert {(int(r["width"]), int(r["height"])) for r in rows} == set(sizes)
    assert all(np.isfinite(float(r[k])) for r in rows for k in ("content", "style", "tv", "total"))
    with Image.open(run / NstFiles.GIF) as gif:
        assert gif.size == sizes[-1] and gif.n_frames >= len(sizes)
    with Image.open(run / NstFiles.LOSSES_PNG) as im:
        assert im.size[0] > 100
    frames = sorted((run / NstFiles.FRAMES_DIR).glob("*.png"))
    assert frames and all(Image.open(f).size in sizes for f in frames)
    summary = json.loads((run / NstFiles.SUMMARY).read_text())
    assert summary["completed"] and summary["iterations"] == steps
    assert summary["final_losses"]["total"] == pytest.approx(float(rows[-1]["total"]), rel=1e-4)
    assert summary["weights"].startswith("none") and summary["peak_memory_mb"] > 0 and summary["seconds"] > 0
    assert [(s["width"], s["height"]) for s in summary["scales"]] == list(sizes)
    inputs = run / NstFiles.INPUTS_DIR
    assert (inputs / NstFiles.CONTENT).is_file() and (inputs / NstFiles.style(1)).is_file()
    assert not list(run.rglob(".*.tmp*")), "no temporary files left"


@pytest.mark.slow
def test_cli_writes_every_output(tmp_path):
    result = _run(
        [
            *TINY,
            "--iterations",
            "3",
            "--save-every",
            "2",
            "--set",
            "image.min_scale_size=24",
            "--out",
            "run",
            "-o",
            "out.jpg",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    run = tmp_path / "run"
    _check_complete_run(run, 6, [(24, 18), (48, 36)])
    assert (tmp_path / "out.jpg").is_file()
    assert "final.png" in result.stderr and "Traceback" not in result.stderr
    assert "total" in result.stdout  # the progress bar shows the loss terms


def _sizes(run):
    summary = json.loads((run / NstFiles.SUMMARY).read_text())
    return [(s["width"], s["height"]) for s in summary["scales"]]


@pytest.mark.slow
def test_cli_two_scales_and_two_styles_in_a_fresh_run_folder(tmp_path):
    style2 = tmp_path / "s2.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 30, 3), dtype=np.uint8)).save(style2)
    assets = Path(__file__).resolve().parents[1] / "nst" / "assets"
    result = _run(
        [
            str(assets / "tubingen.jpg"),
            str(assets / "starry_night.jpg"),
            "--style",
            str(style2),
            "--style-weights",
            "0.7",
            "0.3",
            "--preserve-colors",
            "--optimizer",
            "adam",
            "--weights",
            "none",
            "--size",
            "64",
            "--iterations",
            "2",
            "--set",
            "image.min_scale_size=32",
            "--seed",
            "3",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    (run,) = (tmp_path / "runs").iterdir()
    assert run.name.startswith("nst-")
    _check_complete_run(run, 4, [(32, 24), (64, 48)])
    cfg = load_config(NSTConfig, run / NstFiles.CONFIG)
    assert cfg.image.style_blend_weights == (0.7, 0.3) and cfg.image.preserve_colors == "luminance" and cfg.seed == 3
    assert (run / NstFiles.INPUTS_DIR / "style-2.png").is_file()


def _bad_inputs(tmp_path: Path) -> dict[str, list[str]]:
    good = str(Path(__file__).resolve().parents[1] / "nst" / "assets" / "starry_night.jpg")
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.png").write_text("not an image")
    data = Path(good).read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 3])
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    return {
        "missing image": ["nope.jpg", good],
        "folder as image": ["folder", good],
        "empty image": ["empty.jpg", good],
        "not an image": [good, "text.png"],
        "truncated image": ["cut.jpg", good],
        "content without style": [good],
        "unknown flag": ["--bogus"],
        "zero size": ["--size", "0"],
        "negative iterations": ["--iterations", "-3"],
        "zero save-every": ["--save-every", "0"],
        "unknown config key": ["--set", "loss.nope=1"],
        "wrong type": ["--set", "image.size=big"],
        "unknown layer": ["--set", "loss.style_layers.block6_conv1=1"],
        "missing config": ["--config", "nope.toml"],
        "missing weights": ["--weights", "nope.h5"],
        "out is a file": ["--weights", "none", "--out", "file"],
        "out holds another run": ["--weights", "none", "--out", "full"],
        "bad -o suffix": ["--weights", "none", "-o", "x.xyz"],
        "-o in a missing folder": ["--weights", "none", "-o", "no/such/x.png"],
        "blend weights count": ["--weights", "none", "--style-weights", "1", "2"],
        "resume nothing": ["--resume", "folder"],
        "resume with images": ["--resume", "folder", good, good],
        "bad optimizer": ["--optimizer", "newton"],
        "NaN style scale": ["--style-scale", "nan"],
        "a size that cannot fit in memory": ["--weights", "none", "--size", "100000"],
    }


@pytest.mark.slow
def test_bad_input_is_one_line_and_exit_2_before_any_work(tmp_path, monkeypatch):
    monkeypatch.delenv("NST_VGG19_WEIGHTS", raising=False)
    cases = _bad_inputs(tmp_path)
    for name, args in cases.items():
        result = run_main("nst.transfer", *args, cwd=tmp_path)  # the CLI in this process: no start-up each
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2, (name, result.returncode, result.stderr)
        assert len(lines) == 1 and lines[0].startswith("nst.transfer: error:"), (name, result.stderr)
        assert not (tmp_path / "runs").exists(), f"{name}: no run folder for a run that never started"
    assert len(cases) >= 20


def test_weights_file_that_is_not_vgg19_is_one_line(tmp_path):
    bad = tmp_path / "w.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(1000))
    result = run_main("nst.transfer", "--weights", str(bad), "--size", "32", "--iterations", "1", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0, result.stderr
    assert "not a VGG19 no-top weights file" in result.stderr and not (tmp_path / "runs").exists()


def _wait_for(path: Path, process, timeout=180):
    deadline = time.time() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.time() < deadline, f"{path} never appeared"
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_saves_state_and_resume_finishes(tmp_path, signum, code):
    args = [*TINY, "--optimizer", "adam", "--iterations", "40", "--save-every", "2", "--out", "run"]
    process = _start(args, tmp_path)
    _wait_for(tmp_path / "run" / NstFiles.STATE, process)
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    assert process.returncode == code, err
    assert "--resume run" in err and "Traceback" not in err
    run = tmp_path / "run"
    assert (run / NstFiles.CURRENT).is_file() and (run / NstFiles.STATE).is_file()
    stopped_at = len(_rows(run))
    assert 2 <= stopped_at < 40
    if signum == signal.SIGTERM:
        return  # the resume path is the same as after SIGINT
    result = run_main("nst.transfer", "--resume", "run", "--set", "optimizer.iterations=[1]", cwd=tmp_path)
    assert result.returncode == 2 and "differ from the run's config.toml in optimizer.iterations;" in result.stderr
    (run / ".state.x1y2z3.tmp.npz").write_bytes(b"half a save")  # as a kill -9 mid-save leaves
    result = _run([*args, "--resume", "run"], tmp_path)  # the original command repeated: accepted
    assert result.returncode == 0, result.stderr
    _check_complete_run(run, 40, [(48, 36)])  # ...which checks that no temporary file is left


@pytest.mark.slow
def test_kill_9_at_random_points_then_resume_loses_nothing(tmp_path):
    rng = random.Random(0)
    args = [*TINY, "--optimizer", "adam", "--iterations", "40", "--save-every", "3", "--out", "run"]
    run = tmp_path / "run"
    kills = 0
    for attempt in range(3):
        process = _start(args if attempt == 0 else ["--resume", "run"], tmp_path)
        _wait_for(run / NstFiles.STATE, process)
        time.sleep(rng.uniform(0.0, 1.0))
        if process.poll() is not None:
            break
        process.kill()
        process.communicate()
        kills += 1
        # The saved state is always whole and readable, whatever moment the kill hit.
        from nst.records import Checkpoint

        checkpoint = Checkpoint.load(run / NstFiles.STATE)
        assert [r.step for r in checkpoint.history] == list(range(1, len(checkpoint.history) + 1))
    result = _run(["--resume", "run"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert kills >= 1
    _check_complete_run(run, 40, [(48, 36)])
