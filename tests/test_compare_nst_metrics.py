"""Tests for compare.nst_metrics: style/content distances and the sliced Wasserstein distance."""

import json
import subprocess
import sys

import numpy as np
import pytest
from nst_support import ASSETS, real_weights_path, smooth_image, stripes_image

from common.errors import ConfigError
from compare.nst_metrics import NST_METRICS, STYLE_LAYERS, NSTScorer, sliced_wasserstein


@pytest.fixture(scope="module")
def scorer():
    return NSTScorer(weights="none", size=64, projections=16, seed=0)


def test_swd_known_values():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 8)).astype(np.float32) + 2
    assert sliced_wasserstein(x, x) == pytest.approx(0.0, abs=1e-6)
    assert sliced_wasserstein(np.zeros_like(x), x) == pytest.approx(1.0, rel=1e-5)
    # A permutation of the points is the same distribution.
    assert sliced_wasserstein(x[::-1], x) == pytest.approx(0.0, abs=1e-6)
    # Different sizes: compared at common quantiles; a sample of the same law is close.
    near = sliced_wasserstein(rng.normal(size=(2000, 8)) + 2, x)
    far = sliced_wasserstein(rng.normal(size=(2000, 8)) + 4, x)
    assert near < 0.1 < far
    assert sliced_wasserstein(x, x[:300], seed=3) == sliced_wasserstein(x, x[:300], seed=3)


def test_an_image_is_at_distance_zero_from_itself(scorer):
    content, style = smooth_image(48, 64), stripes_image(48, 64)
    targets = scorer.targets(content, style)
    as_content = scorer.score(content, targets)
    as_style = scorer.score(style, targets)
    assert as_content["content_distance"] == pytest.approx(0.0, abs=1e-6)
    assert as_style["style_distance"] == pytest.approx(0.0, abs=1e-4)
    assert as_style["swd"] == pytest.approx(0.0, abs=1e-4)
    assert as_style["pixel_swd"] == pytest.approx(0.0, abs=1e-6)
    assert as_content["style_distance"] > 0.01 and as_content["swd"] > 0.01 and as_content["pixel_swd"] > 0.01
    assert len(as_content["pixel_swd_levels"]) == 3  # 48 -> 24 -> 12 px: the levels that fit a 7 px patch
    assert as_style["content_distance"] > 0.01
    assert set(as_style["style_layers"]) == {f"block{i}_conv1" for i in range(1, 6)}
    assert as_style["shape"] == [48, 64]  # long side 64 = the evaluation size


def test_the_style_distance_comes_per_layer_in_network_order(scorer):
    content, style = smooth_image(48, 64), stripes_image(48, 64)
    targets = scorer.targets(content, style)
    blend = scorer.score(0.5 * content + 0.5 * style, targets)
    assert tuple(blend["style_layers"]) == STYLE_LAYERS
    # The total is the mean of the layers, and the layers differ (one bar each in the report).
    assert blend["style_distance"] == pytest.approx(np.mean(list(blend["style_layers"].values())))
    assert len({round(v, 6) for v in blend["style_layers"].values()}) == len(STYLE_LAYERS)
    assert all(v >= 0 for v in blend["style_layers"].values())


def test_every_reported_number_has_a_reading():
    for key in ("style_distance", "style_layers", "content_distance", "content_mse", "swd", "pixel_swd"):
        info = NST_METRICS[key]
        assert info.better == "lower" and info.unit and info.meaning.endswith(".")


def test_the_judge_can_use_average_pooling(scorer):
    content, style = smooth_image(48, 64), stripes_image(48, 64)
    avg = NSTScorer(weights="none", size=64, projections=16, seed=0, vgg=scorer.vgg, pooling="avg")
    by_max = scorer.score(content, scorer.targets(content, style))
    by_avg = avg.score(content, avg.targets(content, style))
    assert (by_max["pooling"], by_avg["pooling"]) == ("max", "avg")
    assert by_avg["style_distance"] != pytest.approx(by_max["style_distance"], rel=1e-3)
    # block1_conv1 comes before any pooling, and the pixel SWD uses no network: both the same.
    assert by_avg["style_layers"]["block1_conv1"] == pytest.approx(by_max["style_layers"]["block1_conv1"], rel=1e-5)
    assert by_avg["pixel_swd"] == by_max["pixel_swd"]
    with pytest.raises(ConfigError, match="'median'"):
        NSTScorer(weights="none", size=64, vgg=scorer.vgg, pooling="median")


def test_any_image_file_is_accepted_and_resized(scorer, tmp_path):
    from PIL import Image

    content, style = smooth_image(48, 64), stripes_image(48, 64)
    Image.fromarray(content.astype(np.uint8)).save(tmp_path / "c.png")
    Image.fromarray(style.astype(np.uint8)).save(tmp_path / "s.jpg", quality=95)
    # A result of another tool, at another size, in another format.
    Image.fromarray(content.astype(np.uint8)).resize((128, 96)).convert("L").save(tmp_path / "other.webp")
    targets = scorer.targets(tmp_path / "c.png", tmp_path / "s.jpg")
    result = scorer.score(tmp_path / "other.webp", targets)
    assert result["shape"] == [48, 64]
    assert np.isfinite(result["style_distance"]) and np.isfinite(result["swd"])


@pytest.mark.slow
def test_cli_scores_files_and_writes_json(tmp_path):
    from PIL import Image

    Image.fromarray(smooth_image(40, 60).astype(np.uint8)).save(tmp_path / "c.png")
    Image.fromarray(stripes_image(40, 60).astype(np.uint8)).save(tmp_path / "s.png")
    args = [sys.executable, "-m", "compare.nst_metrics", "c.png", "s.png", "--content", "c.png", "--style", "s.png",
            "--weights", "none", "--size", "48", "--projections", "8", "--json", "scores.json"]  # fmt: skip
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "style distance" in done.stdout and "SWD" in done.stdout and "pixel SWD" in done.stdout
    assert "style distance per layer" in done.stdout and "block5_conv1" in done.stdout
    scores = json.loads((tmp_path / "scores.json").read_text())["scores"]
    assert [s["image"] for s in scores] == ["c.png", "s.png"]
    assert scores[0]["content_distance"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.slow
def test_cli_refuses_a_missing_image_in_one_line(tmp_path):
    args = [sys.executable, "-m", "compare.nst_metrics", "nope.png", "--content", "nope.png", "--style", "nope.png",
            "--weights", "none", "--size", "48"]  # fmt: skip
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "nope.png" in done.stderr and done.stderr.strip().count("\n") == 0


@pytest.mark.real_weights
def test_with_real_weights_a_blend_lies_between_content_and_style():
    path = real_weights_path()
    if path is None:
        pytest.skip(
            "real VGG19 weights absent: set NST_VGG19_WEIGHTS or provide ../shared/models/vgg19_notop_imagenet_q8.h5"
        )
    images = ASSETS  # the package's own copies, wherever the weights file lives
    scorer = NSTScorer(weights=str(path), size=128, projections=16)
    from nst.images import load_image

    content = load_image(images / "tubingen.jpg", 128)
    style = load_image(images / "starry_night.jpg", 128)
    from nst.images import resize

    style_c = resize(style, content.shape[:2])
    targets = scorer.targets(content, style)
    c, s, mix = (scorer.score(x, targets) for x in (content, style_c, 0.5 * content + 0.5 * style_c))
    assert c["content_distance"] < mix["content_distance"] < s["content_distance"]
    assert s["style_distance"] < c["style_distance"] and s["swd"] < c["swd"]
    assert s["pixel_swd"] < c["pixel_swd"]  # (a blend can be farther than both: averaging two images flattens detail)
