"""Tests for benchmarks/nst_gallery.py: a tiny gallery run, its resume, and re-scoring with newer measures."""

import json

import pytest

from benchmarks import nst_gallery
from common.errors import ConfigError

TINY = ["--size", "64", "--eval-size", "64", "--weights", "none", "--set", "optimizer.iterations=[2]", "--no-write"]


def test_pairs_are_checked():
    assert nst_gallery.parse_pairs("tubingen:shipwreck") == [("tubingen", "shipwreck")]
    assert len(nst_gallery.parse_pairs(None)) == 8
    with pytest.raises(ConfigError, match="'tubingen-shipwreck'"):
        nst_gallery.parse_pairs("tubingen-shipwreck")


@pytest.mark.slow
def test_a_tiny_gallery_runs_resumes_and_rescores(tmp_path, capsys):
    if not (nst_gallery.SHARED / "images" / "tubingen.jpg").is_file():
        pytest.skip(f"the gallery's images are absent: {nst_gallery.SHARED / 'images'} (see ../shared/README.md)")
    out = tmp_path / "gallery"
    args = [*TINY, "--pairs", "tubingen:shipwreck", "--out", str(out)]
    assert nst_gallery.main(args) == 0
    table = capsys.readouterr().out
    assert "| tubingen x shipwreck | default |" in table and "| tubingen x shipwreck | fast |" in table
    assert "pixel SWD" in table and (out / "sheet.jpg").is_file()
    record = json.loads((out / "tubingenxshipwreck" / "default.json").read_text())
    assert record["scores"]["pixel_swd"] > 0 and len(record["scores"]["pixel_swd_levels"]) == 3
    # An older record without the pixel SWD: the table says so; --rescore measures it again, times kept.
    old = {**record, "scores": {k: v for k, v in record["scores"].items() if not k.startswith("pixel")}}
    (out / "tubingenxshipwreck" / "default.json").write_text(json.dumps(old))
    assert nst_gallery.main([*args, "--report-only"]) == 0
    assert "not measured" in capsys.readouterr().out
    assert nst_gallery.main([*args, "--report-only", "--rescore"]) == 0
    again = json.loads((out / "tubingenxshipwreck" / "default.json").read_text())
    assert again["wall_seconds"] == record["wall_seconds"]
    assert again["scores"]["pixel_swd"] == pytest.approx(record["scores"]["pixel_swd"])
    table = capsys.readouterr().out
    assert "not measured" not in table and "Distances measured again on" in table
    # Another config under a used name is refused.
    with pytest.raises(ConfigError, match="another config named 'default'"):
        nst_gallery.main([*args, "--set", "loss.tv_weight=0.5"])
