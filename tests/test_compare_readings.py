"""compare.readings: each sentence is chosen by the numbers, so opposite numbers give opposite sentences."""

from __future__ import annotations

import math

from compare import readings
from nst.records import StepRecord


def row(epoch, d_loss, g_loss, d_real, d_fake):
    return {"epoch": epoch, "d_loss": d_loss, "g_loss": g_loss, "d_real": d_real, "d_fake": d_fake}


def metrics(fid, precision=0.5, recall=0.5, fractions=None):
    fractions = fractions or [0.1] * 10
    nonzero = [f for f in fractions if f > 0]
    entropy = -sum(f * math.log(f) for f in nonzero)
    return {"fid": fid, "precision": precision, "recall": recall,
            "class_histogram": {"fractions": fractions, "classes": [f"c{i}" for i in range(10)], "entropy": entropy,
                                "max_entropy": math.log(10)}}  # fmt: skip


def test_gan_training_names_who_is_winning():
    winning = readings.gan_training([row(1, 0.2, 3.0, 0.05, 0.95)])
    balanced = readings.gan_training([row(1, 0.6, 0.9, 0.35, 0.6)])
    even = readings.gan_training([row(1, 0.69, 0.7, 0.5, 0.51)])
    assert "winning outright" in winning[0]
    assert "balanced" in balanced[0]
    assert "cannot tell" in even[0]
    assert "below ln 2" in winning[1] and "near ln 2" in even[1]


def test_gan_training_trend_and_empty_history():
    rows = [row(1, 0.6, 0.8, 0.4, 0.6), row(2, 0.6, 1.2, 0.4, 0.6)]
    assert "rose from 0.800 (epoch 1) to 1.200 (epoch 2)" in readings.gan_training(rows)[2]
    assert "nothing to read" in readings.gan_training([])[0]
    assert "nothing to read" in readings.gan_training([row(1, float("nan"), 1, 0.5, 0.5)])[0]


def test_gan_quality_takes_its_verdict_from_the_assessment():
    from compare.assess import assess_gan

    floor = metrics(0.2, 0.7, 0.7)
    good = {"generated": metrics(5.0), "real_floor": floor}
    stuck = {"generated": metrics(190.0), "real_floor": floor}
    learned = readings.gan_quality(good, {"generated": metrics(200.0)})
    not_learned = readings.gan_quality(stuck, {"generated": metrics(200.0)})
    assert learned[0].startswith("Training brought the FID from 200.00 (untrained) to 5.00")
    assert not_learned[0].startswith("Training did not move the FID measurably")
    assert assess_gan(good).verdict == "learned" and learned[1] == assess_gan(good).summary
    assert assess_gan(stuck).verdict == "not_learned" and not_learned[1] == assess_gan(stuck).summary
    assert "learned" not in not_learned[0]


def scores(style, content, swd):
    return {"style_distance": style, "content_distance": content, "swd": swd}


def test_nst_scores_follow_the_distances():
    photo, painting = scores(0.9, 0.0, 0.8), scores(0.0, 1.0, 0.0)
    good = readings.nst_scores(scores(0.3, 0.4, 0.5), photo, painting)
    assert "67% closer" in good[0] and "kept most of" in good[1] and "agrees" in good[2]
    bad = readings.nst_scores(scores(1.0, 1.2, 0.7), photo, painting)
    assert "did not move towards the painting" in bad[0] and "lost" in bad[1] and "disagrees" in bad[2]


def record(step, total, seconds, num_scales=1):
    return StepRecord(scale=num_scales - 1, num_scales=num_scales, shape=(8, 8), iteration=step, iterations=step,
                      step=step, total_steps=step, content=total / 2, style=total / 2, tv=0.0, total=total,
                      seconds=seconds)  # fmt: skip


def test_optimizer_race_ranks_by_final_loss_and_notes_time():
    out = readings.optimizer_race({"L-BFGS": [record(10, 1.0, 5.0)], "Adam": [record(10, 4.0, 2.0)]})
    assert out[0].startswith("After 10 iterations each, L-BFGS reached") and "4.0 times lower" in out[0]
    assert "2.5 times as long" in out[1]
    flipped = readings.optimizer_race({"L-BFGS": [record(10, 5.0, 1.0)], "Adam": [record(10, 1.0, 1.0)]})
    assert "Adam reached" in flipped[0] and len(flipped) == 1
    assert "nothing to compare" in readings.optimizer_race({"L-BFGS": [record(1, 1, 1)], "Adam": []})[0]


def test_coarse_to_fine_and_colour_shift():
    out = readings.coarse_to_fine([record(30, 2.0, 10.0)], [record(30, 1.0, 5.0, num_scales=3)])
    assert "Coarse to fine reached the lower loss in less time." in out[0]
    out = readings.coarse_to_fine([record(30, 1.0, 5.0)], [record(30, 2.0, 3.0, num_scales=3)])
    assert "One scale reached the lower loss, coarse to fine took less time." in out[0]
    out = readings.colour_shift({"none": 20.0, "luminance": 2.0, "histogram": 5.0})
    assert (
        "luminance 2.0, histogram 5.0, none 20.0" in out[0] and "luminance kept" in out[0] and "none changed" in out[0]
    )


def test_costs_and_pretrained():
    out = readings.costs({"seconds_per_image": 0.001, "seconds": 600.0, "training_images": 60000}, 100.0, 10000)
    assert "1.0 ms" in out[0] and "100,000 times more" in out[0]
    assert "10.0 min" in out[1] and "about 6.0 stylized images" in out[1] and "30,000 pixel values" in out[1]
    assert "much less" in readings.pretrained_matters(scores(0.2, 0, 0), scores(0.9, 0, 0))[0]
    assert "no measurable difference" in readings.pretrained_matters(scores(0.5, 0, 0), scores(0.4, 0, 0))[0]


def test_reconstruction_distances_and_loss_table():
    assert "the deeper the layer" in readings.reconstruction_distances({"a": 1.0, "b": 5.0, "c": 9.0})[0]
    assert "does not grow steadily" in readings.reconstruction_distances({"a": 1.0, "b": 9.0, "c": 5.0})[0]
    terms = {
        "photo": {"content": 0.0, "style": 6.0, "tv": 0.1},
        "painting": {"content": 1.5, "style": 0.3, "tv": 0.2},
        "noise": {"content": 1.0, "style": 6.0, "tv": 2.0},
    }
    out = readings.loss_table(terms)[0]
    assert "Lowest content loss: photo; lowest style loss: painting; roughest (largest tv): noise." in out
    assert "No candidate is best at both" in out
    terms["photo"]["style"] = 0.1
    assert "photo is best at both already" in readings.loss_table(terms)[0]


def test_gan_quality_does_not_read_classes_of_samples_that_look_like_nothing():
    floor = metrics(0.2, 0.7, 0.7)
    noise = metrics(30.0, precision=0.0, recall=0.0, fractions=[1.0] + [0.0] * 9)
    out = readings.gan_quality({"generated": noise, "real_floor": floor})
    assert "do not look like real garments yet" in out[-1] and "mode collapse" not in out[-1]


def test_starting_point_quotes_precision_only_where_recall_makes_it_meaningful():
    blur = {"generated": {**metrics(113.7, precision=1.0, recall=0.0), "pixels": {"pixel_std": 3.2}}}
    varied = {"generated": metrics(113.7, precision=0.4, recall=0.3)}
    lone = readings.starting_point(blur)
    assert "FID 113.70, recall 0.000" in lone and "no sign of realism" in lone and "3.2 gray levels" in lone
    assert readings.starting_point(varied).endswith("recall 0.300, precision 0.400.")
