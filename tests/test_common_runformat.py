"""Tests for common.runformat: the summaries round-trip and a summary of another format is one clear error."""

import json

import pytest

from common.errors import InputError
from common.runformat import FORMAT, GanFiles, GanSummary, NstFiles, NstScale, NstSummary

GAN = GanSummary(
    epochs=2, epochs_planned=3, images_seen=1024, seconds=3.5, invocation_seconds=2.0, images_per_second=292.57,
    seconds_per_image=0.0004, parameters=30, generator_parameters=10, discriminator_parameters=20,
    peak_memory_mb=900.5, image_shape=(28, 28, 1), batch_size=64, dataset="fashion_mnist", training_images=512,
    strategy="default", replicas=1, last={"epoch": 2, "d_loss": 0.6, "g_loss": 0.9},
)  # fmt: skip
NST = NstSummary(
    completed=True, content_shape=(36, 48), scales=(NstScale(18, 24, 3, 3), NstScale(36, 48, 3, 2)), iterations=5,
    seconds=1.5, invocation_seconds=9.0, seconds_per_image=1.5, parameters=36 * 48 * 3, peak_memory_mb=800.0,
    resumed=False, final_losses={"content": 1.0, "style": 2.0, "tv": 0.5, "total": 3.5}, weights="none",
    messages=("a notice",), output=None,
)  # fmt: skip


@pytest.mark.parametrize("summary", [GAN, NST])
def test_summaries_round_trip_through_their_file(summary, tmp_path):
    path = summary.write(tmp_path)
    assert path == tmp_path / "summary.json" and not list(tmp_path.glob(".*"))
    data = json.loads(path.read_text())
    assert list(data)[0] == "format" and data["format"] == FORMAT
    assert type(summary).read(tmp_path) == summary
    assert type(summary).from_json(summary.to_json()) == summary


def test_shared_quantities_have_one_spelling():
    shared = {"seconds", "invocation_seconds", "seconds_per_image", "parameters", "peak_memory_mb"}
    assert shared <= set(GAN.to_dict()) and shared <= set(NST.to_dict())
    assert GanFiles.SUMMARY == NstFiles.SUMMARY and GanFiles.CONFIG == NstFiles.CONFIG


@pytest.mark.parametrize("change, message", [
    ({"format": 0}, "has format 0, this version reads format 1"),
    ({"format": None}, "has format None"),
    ({"train_seconds": 1.0}, "unknown train_seconds"),
    ({"seconds": "fast"}, "seconds is 'fast', expected float"),
    ({"epochs": 2.5}, "epochs is 2.5, expected int"),
    ({"image_shape": [28, "x"]}, "image_shape"),
])  # fmt: skip
def test_a_summary_of_another_format_is_refused_naming_the_key(change, message, tmp_path):
    data = {**GAN.to_dict(), **change}
    (tmp_path / "summary.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match=message):
        GanSummary.read(tmp_path)


def test_missing_keys_unreadable_and_absent_files_are_input_errors(tmp_path):
    data = NST.to_dict()
    del data["seconds"], data["weights"]
    (tmp_path / "summary.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match="missing seconds, weights"):
        NstSummary.read(tmp_path)
    (tmp_path / "summary.json").write_text("{not json")
    with pytest.raises(InputError, match="is not JSON"):
        NstSummary.read(tmp_path)
    with pytest.raises(InputError, match="holds no summary.json"):
        NstSummary.read(tmp_path / "nothing")
