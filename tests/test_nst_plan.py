"""Tests for nst.plan: the coarse-to-fine plan's style image size at each scale (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest
from nst_support import random_vgg19, smooth_image, stripes_image  # noqa: F401

from common.config import load_config
from nst.config import NSTConfig
from nst.plan import plan_scales, style_long_side, style_shape


def _config(**sets) -> NSTConfig:
    return load_config(NSTConfig, values={"image.size": 512, "image.num_scales": 3, **sets})


def test_final_coarse_style_keeps_the_style_at_the_output_size_at_every_scale():
    scales = plan_scales((768, 1024), _config())
    assert [max(s.shape) for s in scales] == [128, 256, 512]
    assert [s.style_side for s in scales] == [512, 512, 512]
    larger = plan_scales((768, 1024), _config(**{"image.style_scale": 1.5}))
    assert [s.style_side for s in larger] == [768, 768, 768]


def test_shrink_coarse_style_shrinks_the_style_with_each_scale_as_before_issue_14():
    scales = plan_scales((768, 1024), _config(**{"image.coarse_style": "shrink"}))
    assert [s.style_side for s in scales] == [128, 256, 512]
    half = plan_scales((768, 1024), _config(**{"image.coarse_style": "shrink", "image.style_scale": 0.5}))
    assert [s.style_side for s in half] == [64, 128, 256]


def test_one_scale_is_the_same_either_way_and_the_style_side_never_falls_below_16():
    for mode in ("final", "shrink"):
        cfg = _config(**{"image.num_scales": 1, "image.coarse_style": mode, "optimizer.iterations": [5]})
        assert [s.style_side for s in plan_scales((300, 400), cfg)] == [512]
    tiny = load_config(NSTConfig, values={"image.size": 32, "image.style_scale": 0.1})
    assert style_long_side(tiny.image, (24, 32), (24, 32)) == 16


def test_style_shape_keeps_the_aspect_and_enlarges_a_too_thin_style():
    assert style_shape((500, 384), 512, 16) == (512, 393)
    assert style_shape((10, 400), 64, 16)[0] == 16


def test_fast_config_resolves_to_the_recipe_before_issue_14():
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    fast = load_config(NSTConfig, repo / "configs" / "nst" / "fast.toml")
    default = load_config(NSTConfig, repo / "configs" / "nst" / "default.toml")
    assert fast.image.coarse_style == "shrink" and default.image.coarse_style == "final"
    assert fast.optimizer == default.optimizer and fast.loss == default.loss


@pytest.mark.parametrize("mode, sides", [("final", [128, 128]), ("shrink", [64, 128])])
def test_stylize_computes_each_scales_style_targets_at_the_planned_size(random_vgg19, monkeypatch, mode, sides):
    from nst.objective import Objective
    from nst.stylizer import stylize
    from nst.vgg import FeatureExtractor

    seen = []
    original = Objective.set_targets

    def spy(self, content, styles, blend):
        seen.append(max(styles[0].shape[:2]))
        original(self, content, styles, blend)

    monkeypatch.setattr(Objective, "set_targets", spy)
    cfg = load_config(NSTConfig, values={"image.size": 128, "image.num_scales": 2, "image.min_scale_size": 32,
                                         "image.coarse_style": mode, "optimizer.iterations": [1]})  # fmt: skip
    extractor = FeatureExtractor(random_vgg19, cfg.loss.layers, cfg.loss.pooling)
    result = stylize(smooth_image(48, 64), stripes_image(200, 160), cfg, None, extractor)
    assert result.completed and seen == sides
    assert np.isfinite(result.image).all()
