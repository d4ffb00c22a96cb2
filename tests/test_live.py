"""The notebook pictures that redraw in place (common.live, gan.live, nst.live), with a fake display."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from gan_support import TINY_MODEL
from nst_support import random_vgg19, smooth_image, stripes_image  # noqa: F401 - fixture
from PIL import Image

from common.live import LivePicture, render


class FakeDisplay:
    """Records what IPython's `display(..., display_id=True)` and the handle's `update` would show."""

    def __init__(self):
        self.calls = []  # ("display" | "update", bundle)

    def __call__(self, bundle, raw=False, display_id=None):
        assert raw is True and display_id is True
        self.calls.append(("display", bundle))
        return self

    def update(self, bundle, raw=False):
        assert raw is True
        self.calls.append(("update", bundle))

    def png(self, index: int = -1) -> Image.Image:
        return Image.open(io.BytesIO(base64.b64decode(self.calls[index][1]["image/png"])))

    def caption(self, index: int = -1) -> str:
        return self.calls[index][1]["text/plain"]


def test_render_returns_a_png_of_the_image_with_or_without_curves():
    image = np.zeros((20, 30, 3), np.uint8)
    plain = Image.open(io.BytesIO(render(image, "a caption")))
    with_curves = Image.open(io.BytesIO(render(image, "a caption", {"loss": ([1, 2], [3.0, 1.0])}, log_y=True)))
    assert plain.format == with_curves.format == "PNG"
    assert with_curves.size[0] > plain.size[0]  # the curves panel widens the figure


@pytest.mark.parametrize("bad", [np.zeros((4, 4, 3), np.float32), np.zeros((4, 4, 2), np.uint8), np.zeros(4, np.uint8)])
def test_render_refuses_what_is_not_a_uint8_image(bad):
    with pytest.raises(ValueError, match="uint8"):
        render(bad, "x")


def test_live_picture_displays_once_then_updates_in_place():
    fake = FakeDisplay()
    picture = LivePicture(fake)
    for k in range(3):
        picture.show(render(np.full((8, 8), 40 * k, np.uint8), f"frame {k}"), f"frame {k}")
    assert [kind for kind, _ in fake.calls] == ["display", "update", "update"]
    assert fake.caption() == "frame 2" and picture.shown == 3


def test_live_picture_without_a_display_shows_nothing():
    picture = LivePicture(None)
    picture.show(b"not even a png", "nothing")
    assert picture.shown == 1


def test_live_samples_draws_the_untrained_grid_and_one_per_epoch(tmp_path):
    from common.config import load_config
    from gan.config import GANConfig
    from gan.data import make_dataset
    from gan.live import LiveSamples
    from gan.train import build_gan

    config = load_config(GANConfig, overrides=list(TINY_MODEL), values={"train.batch_size": 16})
    gan = build_gan(config, (28, 28, 1))
    images = np.random.default_rng(0).integers(0, 256, (64, 28, 28, 1), dtype=np.uint8)
    fake = FakeDisplay()
    live = LiveSamples(n=4, seed=3, scale=1, display=fake)
    gan.fit(make_dataset(images, 16, config.model.value_range), epochs=2, verbose=0, callbacks=[live])

    assert [epochs for epochs, _ in live.frames] == [0, 1, 2]
    assert [kind for kind, _ in fake.calls] == ["display", "update", "update"]
    assert "untrained" in live.captions[0]
    assert live.captions[-1].startswith("epoch 2/2: d_loss") and "P(fake)" in live.captions[-1]
    assert fake.caption() == live.captions[-1]
    assert fake.png().size[0] > 0
    # The grid is the generator's samples for the fixed seed, as gan.sample draws them.
    from common.images import make_grid
    from gan.sample import generate

    np.testing.assert_array_equal(live.frames[-1][1], make_grid(generate(gan.sampler, 4, 3), scale=1))


def test_live_samples_redraws_every_k_epochs_and_after_the_last(tmp_path):
    from common.config import load_config
    from gan.config import GANConfig
    from gan.data import make_dataset
    from gan.live import LiveSamples
    from gan.train import build_gan

    config = load_config(GANConfig, overrides=list(TINY_MODEL), values={"train.batch_size": 16})
    gan = build_gan(config, (28, 28, 1))
    images = np.zeros((32, 28, 28, 1), np.uint8)
    live = LiveSamples(n=4, every=2, display=None)
    gan.fit(make_dataset(images, 16, config.model.value_range), epochs=3, verbose=0, callbacks=[live])
    assert [epochs for epochs, _ in live.frames] == [0, 2, 3]


def test_live_samples_refuses_bad_settings():
    from gan.live import LiveSamples

    with pytest.raises(ValueError, match="positive"):
        LiveSamples(n=0)


def test_live_stylize_shows_each_image_record_and_keeps_every_loss(random_vgg19):  # noqa: F811
    from common.config import load_config
    from nst import stylize
    from nst.config import NSTConfig
    from nst.live import LiveStylize
    from nst.vgg import FeatureExtractor

    config = load_config(NSTConfig, values={"weights": "none", "image.size": 32, "image.num_scales": 1,
                                            "optimizer.name": "adam", "optimizer.iterations": [5],
                                            "output.save_every": 2})  # fmt: skip
    extractor = FeatureExtractor(random_vgg19, config.loss.layers, config.loss.pooling)
    fake = FakeDisplay()
    passed_on = []
    live = LiveStylize(title="a test", display=fake, then=passed_on.append)
    result = stylize(smooth_image(32, 32), stripes_image(32, 32), config, callback=live, extractor=extractor)

    assert len(live.history) == len(passed_on) == 5
    assert [r.total for r in live.history] == [r.total for r in result.history]
    assert [step for step, _ in live.frames] == [2, 4, 5]  # every save_every, and the end of the scale
    assert [kind for kind, _ in fake.calls] == ["display", "update", "update"]
    assert fake.caption().startswith("a test\niteration 5/5: total")
    np.testing.assert_array_equal(live.frames[-1][1], np.clip(np.rint(result.image), 0, 255).astype(np.uint8))


def test_live_stylize_refuses_unknown_curves():
    from nst.live import LiveStylize

    with pytest.raises(ValueError, match="unknown loss curve"):
        LiveStylize(curves=("total", "beauty"))
