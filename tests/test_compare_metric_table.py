"""Tests for compare.metric_table: one set of GAN metric rows for the terminal and the report."""

from types import SimpleNamespace

from compare.explain.gan import gan_metric_rows
from compare.metric_table import inception_row, table_rows
from compare.metrics import metric_rows


def _row(fid, kid, pixels):
    return {"fid": fid, "kid": {"mean": kid, "std": kid / 10}, "precision": 0.7, "recall": 0.6,
            "classifier_score": {"mean": 8.25, "std": 0.125}, "class_histogram": {"entropy": 2.25},
            "pixels": pixels}  # fmt: skip


PIXELS = {"mean_intensity": 70.0, "pixel_std": 66.0, "image_contrast": 80.0, "near_constant_fraction": 0.25}


def _record(gen_pixels=PIXELS, floor=True, inception=None):
    record = {"generated": _row(8.0, 0.0123, gen_pixels)}
    if floor:
        record["real_floor"] = _row(0.125, 0.0001, PIXELS)
    if inception:
        record["inception_fid"] = inception
    return record


def test_rows_follow_the_record_and_the_templates():
    rows = table_rows(_record(), {"fid": "{:.1f}", "kid": "{:.2f}", "class_entropy": "{:.2f} nats"})
    assert [(r.key, r.generated, r.real) for r in rows] == [
        ("fid", "8.0", "0.1"), ("kid", "12.30 ± 1.23", "0.10 ± 0.01"), ("class_entropy", "2.25 nats", "2.25 nats")
    ]  # fmt: skip
    assert rows[0].info.label == "FID" and rows[0].measured


def test_pixel_rows_only_where_both_rows_have_them_and_a_dash_without_real_data():
    record = _record(gen_pixels={"mean_intensity": 12.0})
    keys = [r.key for r in table_rows(record, {"mean_intensity": "{:.1f}", "pixel_std": "{:.1f}"})]
    assert keys == ["mean_intensity"]
    no_floor = table_rows(_record(floor=False), {"fid": "{:.1f}", "pixel_std": "{:.1f}"})
    assert [(r.key, r.real) for r in no_floor] == [("fid", "-"), ("pixel_std", "-")]


def test_the_inception_row_is_measured_or_skipped_with_the_reason():
    measured = inception_row(_record(inception={"status": "measured", "fid": 12.345, "n_generated": 100,
                                                "n_reference": 200}), "{:.2f}")  # fmt: skip
    assert (measured.generated, measured.real, measured.measured) == ("12.35", "-", True)
    assert "100 vs 200" in measured.info.meaning
    skipped = inception_row(_record(inception={"status": "skipped", "reason": "no weights"}), "{:.2f}")
    assert (skipped.generated, skipped.measured, skipped.info.meaning) == ("skipped", False, "no weights")
    assert inception_row(_record(), "{:.2f}").info.meaning == "not measured"


def test_the_terminal_and_the_report_show_the_same_metrics_in_the_same_order():
    record = _record(inception={"status": "skipped", "reason": "not requested"})
    terminal = [r[0] for r in metric_rows(record)]
    report_rows = gan_metric_rows(record, SimpleNamespace(precision_meaningful=False))
    report = [r[0] for r in report_rows]
    assert [label for label in terminal if label != "contrast within an image"] == report
    assert terminal[-1] == report[-1] == "Inception FID" and metric_rows(record)[-1][3] == "not requested"
    precision = next(r for r in report_rows if r[0] == "precision")
    assert precision[5].endswith("not meaningful here: recall is near 0**")
