"""Tests for nst.stylize and nst.objective on tiny images with random VGG19 weights (real ones at the end)."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
from nst_support import ASSETS, random_vgg19, real_vgg19, smooth_image, stripes_image  # noqa: F401

from common.config import load_config
from common.errors import ConfigError, InputError
from common.runformat import NstFiles
from nst import colors
from nst.config import NSTConfig
from nst.objective import Objective
from nst.records import Checkpoint, StylizeResult
from nst.stylizer import plan_scales, stylize
from nst.vgg import FeatureExtractor

CONTENT = smooth_image(48, 64)
STYLE = stripes_image(40, 40)


def _config(**sets) -> NSTConfig:
    base = {"image.size": 64, "image.num_scales": 1, "optimizer.iterations": [20], "output.save_every": 5}
    base.update(sets)
    return load_config(NSTConfig, values=base)


@pytest.fixture(scope="module")
def extractor(random_vgg19):
    return FeatureExtractor(random_vgg19, NSTConfig().loss.layers, "avg")


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", ["lbfgs", "adam", "sgd"])
def test_twenty_steps_of_each_optimizer_lower_the_total_loss(extractor, optimizer):
    lr = {"lbfgs": 1.0, "adam": 5.0, "sgd": 200.0}[optimizer]
    cfg = _config(**{"optimizer.name": optimizer, "optimizer.learning_rate": lr})
    records = []
    result = stylize(CONTENT, STYLE, cfg, records.append, extractor)
    assert isinstance(result, StylizeResult) and result.completed
    image, history = result  # unpacks as (image, history)
    assert len(history) == 20 and [r.iteration for r in history] == list(range(1, 21))
    assert history[-1].total < 0.8 * history[0].total, [r.total for r in history]
    assert image.shape == (48, 64, 3) and 0 <= image.min() and image.max() <= 255
    assert all(r.total == pytest.approx(r.content + r.style + r.tv) for r in history)
    with_images = [r.iteration for r in records if r.image is not None]
    assert with_images == [5, 10, 15, 20] and all(r.checkpoint is not None for r in records if r.image is not None)


def test_coarse_to_fine_runs_every_scale(extractor):
    cfg = _config(
        **{
            "image.size": 128,
            "image.num_scales": 3,
            "image.min_scale_size": 32,
            "optimizer.iterations": [3, 2, 2],
            "output.save_every": 100,
        }
    )
    assert [s.shape for s in plan_scales(CONTENT.shape[:2], cfg, extractor.min_side)] == [(24, 32), (48, 64), (96, 128)]
    records = []
    result = stylize(CONTENT, STYLE, cfg, records.append, extractor)
    assert [(r.scale, r.iteration, r.shape) for r in result.history] == [
        (0, 1, (24, 32)),
        (0, 2, (24, 32)),
        (0, 3, (24, 32)),
        (1, 1, (48, 64)),
        (1, 2, (48, 64)),
        (2, 1, (96, 128)),
        (2, 2, (96, 128)),
    ]
    assert [r.step for r in result.history] == list(range(1, 8)) and result.history[-1].total_steps == 7
    assert [r.image.shape[:2] for r in records if r.image is not None] == [(24, 32), (48, 64), (96, 128)]
    assert result.image.shape == (96, 128, 3)


def test_scales_too_small_are_skipped_and_iterations_must_fit():
    cfg = _config(
        **{"image.size": 64, "image.num_scales": 3, "image.min_scale_size": 32, "optimizer.iterations": [5, 6, 7]}
    )
    assert [(s.shape, s.iterations) for s in plan_scales((300, 400), cfg)] == [((24, 32), 6), ((48, 64), 7)]
    with pytest.raises(ConfigError, match="iterations has 2 entries"):
        plan_scales((300, 400), _config(**{"image.num_scales": 3, "optimizer.iterations": [1, 2]}))
    with pytest.raises(ConfigError, match="at least 16 px"):
        plan_scales((10, 400), _config(**{"image.size": 64}))


@pytest.mark.slow
def test_objective_never_retraces_across_sizes_and_scales(extractor, monkeypatch):
    objective = Objective(extractor, NSTConfig().loss)
    for shape in [(32, 48), (48, 64), (40, 40)]:
        objective.set_targets(smooth_image(*shape), [STYLE], [1.0])
        for _ in range(2):
            objective(smooth_image(*shape)[None])
    assert objective.traces == 1

    made = []
    original = Objective.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(Objective, "__init__", spy)
    for optimizer in ("lbfgs", "adam"):
        cfg = _config(
            **{
                "image.size": 96,
                "image.num_scales": 2,
                "image.min_scale_size": 32,
                "optimizer.iterations": [3],
                "optimizer.name": optimizer,
            }
        )
        stylize(CONTENT, STYLE, cfg, None, extractor)
    assert [o.traces for o in made] == [1, 1], "one trace per run, whatever the scales and iterations"


def test_gram_targets_are_computed_once_per_scale(extractor, monkeypatch):
    calls = []
    original = Objective.set_targets
    monkeypatch.setattr(Objective, "set_targets", lambda self, *a: (calls.append(a[0].shape), original(self, *a))[1])
    cfg = _config(**{"image.size": 96, "image.num_scales": 2, "image.min_scale_size": 32, "optimizer.iterations": [4]})
    stylize(CONTENT, STYLE, cfg, None, extractor)
    assert calls == [(36, 48, 3), (72, 96, 3)]


@pytest.mark.slow
def test_luminance_transfer_keeps_the_content_chroma(extractor):
    cfg = _config(**{"image.preserve_colors": "luminance", "optimizer.iterations": [10], "loss.style_weight": 100.0})
    result = stylize(CONTENT, STYLE, cfg, None, extractor)
    got, want = colors.rgb_to_yiq(result.image), colors.rgb_to_yiq(CONTENT)
    inside = np.all((result.image > 1) & (result.image < 254), axis=-1)  # clipping may move chroma elsewhere
    assert inside.mean() > 0.5
    assert np.abs(got[..., 1:][inside] - want[..., 1:][inside]).max() < 0.5
    assert np.abs(got[..., 0] - want[..., 0]).mean() > 1.0, "the luminance was stylized"
    plain = stylize(
        CONTENT, STYLE, _config(**{"optimizer.iterations": [10], "loss.style_weight": 100.0}), None, extractor
    )
    assert np.abs(colors.rgb_to_yiq(plain.image)[..., 1:] - want[..., 1:]).mean() > 1.0, "without it chroma changes"


def test_histogram_matching_gives_the_style_the_content_colour_statistics(extractor, monkeypatch):
    style = smooth_image(40, 40, seed=5) * 0.5  # unclipped after matching, so the statistics match exactly
    matched = colors.match_color_statistics(style, CONTENT)
    flat_m, flat_c = matched.reshape(-1, 3).astype(np.float64), CONTENT.reshape(-1, 3).astype(np.float64)
    assert np.allclose(flat_m.mean(0), flat_c.mean(0), atol=1.0)
    assert np.allclose(np.cov(flat_m, rowvar=False), np.cov(flat_c, rowvar=False), rtol=0.02, atol=5)
    seen = []
    original = Objective.set_targets
    monkeypatch.setattr(
        Objective, "set_targets", lambda self, c, s, b, *r: (seen.append(s[0]), original(self, c, s, b, *r))[1]
    )
    stylize(
        CONTENT, style, _config(**{"image.preserve_colors": "histogram", "optimizer.iterations": [1]}), None, extractor
    )
    assert np.allclose(seen[0].reshape(-1, 3).mean(0), flat_c.mean(0), atol=3.0), "the loop used the matched style"


def test_several_styles_blend_their_gram_matrices(extractor):
    objective = Objective(extractor, NSTConfig().loss)
    image = smooth_image(48, 64, seed=3)[None]
    objective.set_targets(CONTENT, [STYLE], [1.0])
    single = float(objective(image)[0])
    objective.set_targets(CONTENT, [STYLE, smooth_image(30, 30, seed=9)], [1.0, 0.0])
    assert float(objective(image)[0]) == pytest.approx(single, rel=1e-5)
    objective.set_targets(CONTENT, [STYLE, smooth_image(30, 30, seed=9)], [0.5, 0.5])
    assert float(objective(image)[0]) != pytest.approx(single, rel=1e-3)
    with pytest.raises(ConfigError, match="3 values for 2 style images"):
        stylize(CONTENT, [STYLE, STYLE], _config(**{"image.style_blend_weights": [1, 1, 1]}), None, extractor)
    result = stylize(
        CONTENT,
        [STYLE, smooth_image(30, 30)],
        _config(**{"image.style_blend_weights": [0.7, 0.3], "optimizer.iterations": [3]}),
        None,
        extractor,
    )
    assert result.completed


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["noise", "mixed", "style"])
def test_inits_are_seeded(extractor, kind):
    cfg = _config(**{"init.kind": kind, "optimizer.iterations": [1], "optimizer.name": "adam"})
    a = stylize(CONTENT, STYLE, cfg, None, extractor).image
    b = stylize(CONTENT, STYLE, cfg, None, extractor).image
    assert np.array_equal(a, b)
    if kind != "style":
        c = stylize(CONTENT, STYLE, dataclasses.replace(cfg, seed=1), None, extractor).image
        assert not np.array_equal(a, c)


def test_style_scale_changes_the_style_targets(extractor, monkeypatch):
    shapes = []
    original = Objective.set_targets
    monkeypatch.setattr(
        Objective, "set_targets", lambda self, c, s, b, *r: (shapes.append(s[0].shape), original(self, c, s, b, *r))[1]
    )
    stylize(CONTENT, STYLE, _config(**{"image.style_scale": 0.5, "optimizer.iterations": [1]}), None, extractor)
    stylize(CONTENT, STYLE, _config(**{"image.style_scale": 2.0, "optimizer.iterations": [1]}), None, extractor)
    assert shapes == [(32, 32, 3), (128, 128, 3)]


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_non_finite_loss_restores_the_last_good_image_and_says_so(extractor, optimizer):
    cfg = _config(
        **{
            "loss.style_weight": 1e38,
            "loss.content_weight": 1e38,
            "optimizer.name": optimizer,
            "optimizer.iterations": [5],
        }
    )
    result = stylize(CONTENT, STYLE, cfg, None, extractor)
    assert not result.completed and result.messages and "non-finite" in result.messages[-1]
    assert np.isfinite(result.image).all()
    assert np.allclose(result.image, CONTENT, atol=1e-3), "the start image is the last good one"


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_stop_and_resume_continue_without_gaps(extractor, optimizer, tmp_path):
    cfg = _config(
        **{
            "optimizer.name": optimizer,
            "image.size": 64,
            "image.num_scales": 2,
            "image.min_scale_size": 32,
            "optimizer.iterations": [6],
            "optimizer.learning_rate": 5.0,
        }
    )
    full = stylize(CONTENT, STYLE, cfg, None, extractor)
    seen = []
    stopped = stylize(CONTENT, STYLE, cfg, seen.append, extractor, should_stop=lambda: len(seen) >= 8)
    assert not stopped.completed and stopped.checkpoint.scale == 1 and stopped.checkpoint.iteration == 2
    path = stopped.checkpoint.save(tmp_path / NstFiles.STATE)
    loaded = Checkpoint.load(path)
    assert loaded.history == stopped.checkpoint.history and np.array_equal(loaded.image, stopped.checkpoint.image)
    assert [r.seconds for r in loaded.history] == [r.seconds for r in stopped.checkpoint.history]
    time.sleep(0.5)  # time between the two calls is not part of the run's time
    start = time.perf_counter()
    resumed = stylize(CONTENT, STYLE, cfg, None, extractor, resume=loaded)
    call = time.perf_counter() - start
    assert resumed.completed and [r.step for r in resumed.history] == list(range(1, 13))
    # The clock goes on from the checkpoint: one time line, the pause not counted.
    seconds = [r.seconds for r in resumed.history]
    assert seconds[0] > 0 and all(b > a for a, b in zip(seconds, seconds[1:])), seconds
    assert 0 < seconds[-1] - seconds[7] <= call, "the resumed call's time, and only it, is added"
    if optimizer == "adam":  # the optimizer state is saved too, so the run is the same as uninterrupted
        assert np.allclose(resumed.image, full.image, atol=1e-2)
        assert resumed.history[-1].total == pytest.approx(full.history[-1].total, rel=1e-4)


def test_checkpoint_load_refuses_other_files(tmp_path):
    bad = tmp_path / NstFiles.STATE
    bad.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(InputError, match="not a readable style transfer state"):
        Checkpoint.load(bad)
    with pytest.raises(InputError, match="no saved state"):
        Checkpoint.load(tmp_path / "missing.npz")


def test_mismatched_resume_is_refused(extractor):
    cfg = _config(**{"optimizer.iterations": [3]})
    wrong = Checkpoint(0, 1, np.zeros((10, 10, 3), np.float32))
    with pytest.raises(InputError, match="does not fit"):
        stylize(CONTENT, STYLE, cfg, None, extractor, resume=wrong)


def test_extractor_must_fit_the_config(random_vgg19):
    with pytest.raises(ConfigError, match="lacks layer"):
        stylize(CONTENT, STYLE, _config(), None, FeatureExtractor(random_vgg19, ["block1_conv1"], "avg"))
    with pytest.raises(ConfigError, match="max pooling"):
        stylize(CONTENT, STYLE, _config(), None, FeatureExtractor(random_vgg19, NSTConfig().loss.layers, "max"))


# --- the normalized losses do not depend on the image size ---------------------------------------
#
# Resizing a photo changes its statistics (fine texture appears or disappears), so the loss of an
# image pair can only agree approximately across sizes, and with random weights even that is not
# meaningful. Two tests therefore: with random weights, the exact invariance the normalization is
# for (the same content and style over 4x the positions: both images tiled 2x2); with the real
# weights, the bundled pair resized to two sizes.


def _periodic(size, seed):
    """A colourful image that tiles without seams (whole sine periods across it), [size, size, 3]."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] * (2 * np.pi / size)
    channels = [
        127.5 + 100 * np.sin(rng.integers(1, 4) * y + rng.integers(1, 4) * x + rng.uniform(0, 6)) for _ in range(3)
    ]
    return np.stack(channels, -1).astype(np.float32)


def _terms(vgg, content, style, generated, sets):
    cfg = load_config(NSTConfig, values=sets)
    objective = Objective(FeatureExtractor(vgg, cfg.loss.layers, cfg.loss.pooling), cfg.loss)
    objective.set_targets(content, [style], [1.0])
    return {k: float(v) for k, v in objective(generated[None])[1].items()}


@pytest.mark.slow
def test_normalized_losses_do_not_change_with_the_number_of_positions(random_vgg19):
    content, style, generated = _periodic(64, 0), stripes_image(64, 64, period=8), _periodic(64, 7)
    tile = lambda x: np.tile(x, (2, 2, 1))  # noqa: E731 - 4x the positions, the same statistics, no seams
    # Layers up to block3: deeper random features at 64 px are mostly zero-padding border effects.
    layers = {
        "loss.content_layers": {"block2_conv2": 1.0},
        "loss.style_layers": {"block1_conv1": 1.0, "block2_conv1": 1.0, "block3_conv1": 1.0},
    }
    for sets, expect_same in [
        ({"loss.balance": False, **layers}, True),
        (layers, True),
        ({"loss.normalize": False, "loss.balance": False, **layers}, False),
    ]:
        small = _terms(random_vgg19, content, style, generated, sets)
        large = _terms(random_vgg19, tile(content), tile(style), tile(generated), sets)
        for name in ("content", "style", "tv"):
            ratio = large[name] / small[name]
            if expect_same:
                assert ratio == pytest.approx(1.0, abs=0.10), (sets, name, ratio)
            elif name != "style":  # the keras.io sums grow with the pixel count (its style term does not)
                assert ratio > 3.0, (name, ratio)


@pytest.mark.real_weights
@pytest.mark.parametrize("balance", [False, True])
def test_normalized_style_loss_of_the_bundled_pair_agrees_across_sizes(real_vgg19, balance):
    # Measured (avg pooling): 192 vs 256 px: 1.04 (balance off), within 0.10 (on); 96 vs 128 px:
    # 0.92 (off) and 0.88 (on): below ~128 px the deepest layers see only a few positions.
    from nst.images import fit_long_side, load_image, resize

    sizes = (192, 256)
    content, style = load_image(ASSETS / "tubingen.jpg"), load_image(ASSETS / "starry_night.jpg")
    losses = []
    for size in sizes:
        c = resize(content, fit_long_side(content.shape[:2], size))
        s = resize(style, fit_long_side(style.shape[:2], size))
        losses.append(_terms(real_vgg19, c, s, c, {"loss.balance": balance})["style"])
    assert losses[1] / losses[0] == pytest.approx(1.0, abs=0.10), losses


# --- with the real weights: the transfer does its job --------------------------------------------


@pytest.mark.real_weights
@pytest.mark.slow
def test_real_transfer_cuts_style_loss_tenfold_and_keeps_content(real_vgg19):
    from nst.images import load_image

    cfg = _config(**{"image.size": 128, "optimizer.iterations": [30]})
    extractor = FeatureExtractor(real_vgg19, cfg.loss.layers, cfg.loss.pooling)
    content, style = load_image(ASSETS / "tubingen.jpg", 128), load_image(ASSETS / "starry_night.jpg", 128)
    both = stylize(content, style, cfg, None, extractor)
    style_only = stylize(
        content,
        style,
        dataclasses.replace(cfg, loss=dataclasses.replace(cfg.loss, content_weight=0.0)),
        None,
        extractor,
    )
    first, last = both.history[0], both.history[-1]
    assert last.style * 10 <= first.style, (first.style, last.style)
    objective = Objective(extractor, cfg.loss)
    objective.set_targets(content, [style], [1.0])
    content_of = lambda image: float(objective(image[None])[1]["content"])  # noqa: E731
    assert content_of(both.image) < content_of(style_only.image)
