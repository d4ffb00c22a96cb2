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

    def spy(self, content, styles, blend, layer_styles=None):
        seen.append(max(styles[0].shape[:2]))
        original(self, content, styles, blend, layer_styles)

    monkeypatch.setattr(Objective, "set_targets", spy)
    cfg = load_config(NSTConfig, values={"image.size": 128, "image.num_scales": 2, "image.min_scale_size": 32,
                                         "image.coarse_style": mode, "optimizer.iterations": [1]})  # fmt: skip
    extractor = FeatureExtractor(random_vgg19, cfg.loss.layers, cfg.loss.pooling)
    result = stylize(smooth_image(48, 64), stripes_image(200, 160), cfg, None, extractor)
    assert result.completed and seen == sides
    assert np.isfinite(result.image).all()


SHALLOW = ["block1_conv1", "block2_conv1", "block3_conv1"]


def test_every_scale_also_knows_the_style_side_shrunk_with_it():
    scales = plan_scales((768, 1024), _config(**{"image.style_scale": 0.5}))
    assert [s.style_side for s in scales] == [256, 256, 256]
    assert [s.shrunk_style_side for s in scales] == [64, 128, 256]


def test_shrink_style_layers_must_be_style_layers():
    from common.errors import ConfigError

    assert _config(**{"image.shrink_style_layers": SHALLOW}).image.shrink_style_layers == tuple(SHALLOW)
    with pytest.raises(ConfigError, match="block4_conv2, which loss.style_layers does not have"):
        _config(**{"image.shrink_style_layers": ["block1_conv1", "block4_conv2"]})


def test_no_objects_config_is_the_default_with_weak_block5_and_shrunk_shallow_targets():
    import dataclasses
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    default = load_config(NSTConfig, repo / "configs" / "nst" / "default.toml")
    recipe = load_config(NSTConfig, repo / "configs" / "nst" / "no_objects.toml")
    assert recipe.image.shrink_style_layers == tuple(SHALLOW) and recipe.image.coarse_style == "final"
    assert recipe.loss.style_layers == {**default.loss.style_layers, "block5_conv1": 0.02}
    same_image = dataclasses.replace(recipe.image, shrink_style_layers=())
    assert same_image == default.image and recipe.optimizer == default.optimizer


def test_layer_styles_replace_the_style_targets_of_the_named_layers_only(random_vgg19):
    from nst.objective import Objective
    from nst.vgg import FeatureExtractor

    cfg = NSTConfig().loss
    objective = Objective(FeatureExtractor(random_vgg19, cfg.layers, cfg.pooling), cfg)
    content, big, small = smooth_image(48, 64), stripes_image(96, 80), stripes_image(48, 40, period=3)
    objective.set_targets(content, [big], [1.0])
    from_big = {k: np.asarray(v) for k, v in objective._targets[1].items()}
    objective.set_targets(content, [small], [1.0])
    from_small = {k: np.asarray(v) for k, v in objective._targets[1].items()}
    objective.set_targets(content, [big], [1.0], {k: [small] for k in SHALLOW})
    mixed = {k: np.asarray(v) for k, v in objective._targets[1].items()}
    for k in cfg.style_layers:
        want = from_small[k] if k in SHALLOW else from_big[k]
        other = from_big[k] if k in SHALLOW else from_small[k]
        np.testing.assert_allclose(mixed[k], want, rtol=1e-5, atol=1e-8)
        assert not np.allclose(mixed[k], other, rtol=1e-3), k
    with pytest.raises(ValueError, match="got 1 image.s. for 'block4_conv2'"):
        objective.set_targets(content, [big], [1.0], {"block4_conv2": [small]})
    with pytest.raises(ValueError, match="with 1 image.s. each .one per blend weight., got 2"):
        objective.set_targets(content, [big], [1.0], {"block1_conv1": [small, small]})


@pytest.mark.parametrize("mode, listed", [("final", [[64], []]), ("shrink", [[], []])])
def test_stylize_takes_the_listed_layers_targets_from_the_shrunk_style_at_coarse_scales(
    random_vgg19, monkeypatch, mode, listed
):
    from nst.objective import Objective
    from nst.stylizer import stylize
    from nst.vgg import FeatureExtractor

    seen = []
    original = Objective.set_targets

    def spy(self, content, styles, blend, layer_styles=None):
        layer_styles = layer_styles or {}
        assert sorted(layer_styles) in ([], SHALLOW[:2])
        seen.append(sorted({max(s[0].shape[:2]) for s in layer_styles.values()}))
        original(self, content, styles, blend, layer_styles)

    monkeypatch.setattr(Objective, "set_targets", spy)
    cfg = load_config(NSTConfig, values={"image.size": 128, "image.num_scales": 2, "image.min_scale_size": 32,
                                         "image.coarse_style": mode, "image.shrink_style_layers": SHALLOW[:2],
                                         "optimizer.iterations": [1]})  # fmt: skip
    extractor = FeatureExtractor(random_vgg19, cfg.loss.layers, cfg.loss.pooling)
    result = stylize(smooth_image(48, 64), stripes_image(200, 160), cfg, None, extractor)
    assert result.completed and seen == listed
