"""Tests for the report on several runs (`compare.report --gan A B C --nst A B`): built from three tiny REAL
`gan.train` runs (two losses, one conditional run that kept every epoch's generator) and two tiny
`nst.transfer` runs; every claim of the paragraph and the gallery is checked against the numbers, the
FID-against-time points against the runs' files, and the page in headless Chromium. The rankings and
their words are also tested on made-up numbers (fast, no training)."""

import dataclasses
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from compare_support import TINY_EVALUATOR, TINY_REPORT_GAN, TINY_REPORT_NST, browser, png_info
from hypothesis import given
from hypothesis import strategies as st

from common.runformat import GanFiles
from compare import figures as F
from compare import ranking
from compare.explain import multi as words
from compare.options import ReportOptions

REPO = Path(__file__).resolve().parents[1]
ASSETS = REPO / "nst" / "assets"
TINY_OPTIONS = dict(
    n=200, reference_limit=300, kid_subsets=3, weights="none", eval_size=64,
    evaluator_overrides=tuple(f"{k}={list(v) if isinstance(v, tuple) else v}" for k, v in TINY_EVALUATOR.items()),
)  # fmt: skip


# --- the rankings and their words, on made-up numbers ---------------------------------------------


def gan_record(name, fid, entropy=2.0, verdict="learned", consistency=None, seconds=10.0, real_fid=0.1):
    return {"name": name, "fid": fid, "real_fid": real_fid, "entropy": entropy, "max_entropy": 2.30,
            "verdict": verdict, "consistency": consistency, "real_consistency": 0.93 if consistency else None,
            "seconds": seconds}  # fmt: skip


def gan_words(records):
    comparison = ranking.compare_gans(records)
    text = words.gan_comparison_text(comparison, {r["name"]: r["verdict"] for r in records},
                                     {r["name"]: r["seconds"] for r in records},
                                     {"fid": 0.1, "entropy": 2.29, "max_entropy": 2.30, "consistency": 0.93})  # fmt: skip
    return comparison, " ".join(text)


@given(st.lists(st.floats(0.0, 500.0), min_size=1, max_size=6), st.floats(0.0, 50.0), st.booleans())
def test_leaders_are_exactly_the_runs_within_the_margin_of_the_best(values, margin, lower):
    named = {f"run{i}": v for i, v in enumerate(values)}
    r = ranking.rank(named, lower, margin)
    best = min(values) if lower else max(values)
    assert r.best == best and named[r.leaders[0]] == best
    assert set(r.leaders) == {k for k, v in named.items() if abs(v - best) <= margin}
    assert r.all_similar == (len(values) > 1 and len(r.leaders) == len(values))
    for k in named:
        assert ranking.position(r.as_dict(), k) in ("best", "middle", "worst")
        assert (ranking.position(r.as_dict(), k) == "best") == (k in r.leaders)


def test_a_clear_leader_is_named_sharpest_only_when_it_draws_clothing():
    comparison, text = gan_words([gan_record("a", 12.0), gan_record("b", 5.0), gan_record("c", 30.0)])
    assert comparison["fid"]["leaders"] == ("b",)
    assert "`b` has the lowest FID (5.00" in text and "the sharpest of these runs by FID." in text
    assert "not learned the whole distribution" not in text
    _, text = gan_words([gan_record("a", 12.0), gan_record("b", 5.0, verdict="partly_learned")])
    assert "the sharpest of these runs by FID" in text and "finds `b` has not learned the whole distribution" in text
    _, text = gan_words([gan_record("a", 120.0, verdict="not_learned"), gan_record("b", 200.0, verdict="degenerate")])
    assert "`a` has the lowest FID" in text and "sharpest" not in text and "not sharp" in text


def test_close_fids_are_a_tie_and_equal_ones_all_similar():
    # 5% of the lowest FID (10.0) is 0.5: 10.3 ties with it, 14 does not.
    comparison, text = gan_words([gan_record("a", 10.0), gan_record("b", 10.3), gan_record("c", 14.0)])
    assert comparison["fid"]["leaders"] == ("a", "b") and not comparison["fid"]["all_similar"]
    assert "`a` and `b` share the lowest FID" in text
    comparison, text = gan_words([gan_record("a", 10.0), gan_record("b", 10.2), gan_record("c", 10.4)])
    assert comparison["fid"]["all_similar"] and "does not single out a sharpest run" in text
    # A large real-data FID (a small N) widens the margin: twice it.
    comparison, _ = gan_words([gan_record("a", 20.0, real_fid=3.0), gan_record("b", 25.0, real_fid=3.0)])
    assert comparison["fid"]["all_similar"] and comparison["fid"]["margin"] == pytest.approx(6.0)


def test_coverage_collapse_and_class_consistency_are_read_from_the_numbers():
    records = [gan_record("a", 8.0, entropy=2.2), gan_record("b", 9.0, entropy=1.1, verdict="collapsed"),
               gan_record("c", 50.0, entropy=2.3, verdict="degenerate"),
               gan_record("d", 10.0, entropy=2.0, consistency=0.91), gan_record("e", 10.1, entropy=2.0, consistency=0.7)]  # fmt: skip
    comparison, text = gan_words(records)
    # The degenerate run has the highest entropy, but its classes are guesses: not ranked.
    assert comparison["coverage"]["leaders"] == ("a",) and "c" not in comparison["coverage"]["values"]
    assert "`a` covers the classes best" in text and "`c` is not ranked on classes" in text
    assert "`b` collapsed onto a few kinds of clothing" in text and "None of the runs" not in text
    assert "`c` does not draw clothing yet" in text
    assert comparison["consistency"]["leaders"] == ("d",) and "`d` draws the class asked for most often" in text
    assert "is conditional: asked for every class" not in text  # d and e are not among the coverage leaders
    _, text = gan_words([gan_record("a", 8.0, entropy=1.9), gan_record("d", 9.0, entropy=2.2, consistency=0.9)])
    assert "`d` covers the classes best" in text and "`d` is conditional: asked for every class equally often" in text
    _, text = gan_words([gan_record("a", 8.0), gan_record("b", 9.0)])
    assert "None of the runs that draw clothing collapsed" in text
    comparison, text = gan_words(
        [gan_record("a", 80.0, verdict="degenerate"), gan_record("b", 90.0, verdict="degenerate")]
    )
    assert comparison["coverage"] is None and "say nothing about which run covers the data" in text
    assert "none of the 2 runs draws clothing yet" in text and "train longer" in text


def nst_scores(style, swd, content, photo_style=0.5, photo_swd=0.4):
    return {"result": {"style_distance": style, "swd": swd, "content_distance": content},
            "content_image": {"style_distance": photo_style, "swd": photo_swd, "content_distance": 0.0}}  # fmt: skip


def test_each_gallery_sentence_says_where_its_result_stands():
    scores = {"a": nst_scores(0.05, 0.10, 0.6), "b": nst_scores(0.20, 0.30, 0.3), "c": nst_scores(0.10, 0.05, 0.4)}
    comparison = ranking.compare_nsts([{"name": k, **v["result"]} for k, v in scores.items()])
    said = {k: words.nst_row_sentence(k, v, comparison) for k, v in scores.items()}
    assert said["a"].startswith("Closest to its painting by Gram distance but not by SWD (`c` closer)")
    assert said["c"].startswith("Closest to its painting by SWD but not by Gram distance (`a` closer)")
    assert said["b"].startswith("Of the 3 results this one is furthest from its painting by both style measures")
    assert "kept the most of its photo's content" in said["b"] and "changed its photo's content the most" in said["a"]
    assert "fell 10-fold from the photo's 0.500 to 0.050" in said["a"]
    same = {k: nst_scores(0.10, 0.10, 0.5) for k in "xy"}
    comparison = ranking.compare_nsts([{"name": k, **v["result"]} for k, v in same.items()])
    assert words.nst_row_sentence("x", same["x"], comparison).startswith("As close to its painting as the other 1")


def test_run_names_are_short_and_unique(tmp_path):
    from common.errors import InputError
    from compare.multi_gan import config_differences, run_names

    assert run_names([tmp_path / "a" / "run", tmp_path / "b" / "run", tmp_path / "c"]) == ["a/run", "b/run", "c"]
    with pytest.raises(InputError, match="named twice"):
        run_names([tmp_path / "a", tmp_path / "b" / ".." / "a"])
    diffs = config_differences([{"train": {"loss": "hinge", "epochs": 2}, "output": {"samples": 4}},
                                {"train": {"loss": "lsgan", "epochs": 2}, "output": {"samples": 9}}])  # fmt: skip
    assert diffs == [{"train.loss": "hinge"}, {"train.loss": "lsgan"}]


@pytest.mark.parametrize(
    "gan, nst, quick, page",
    [
        (None, None, {"gan", "nst"}, "side"),
        ([], None, {"gan", "nst"}, "side"),  # --gan naming no run: the demo
        (["g1"], None, set(), "side"),
        ("g1", "n1", set(), "side"),
        (["g1"], [], {"nst"}, "side"),
        (["g1", "g2"], None, set(), "multi"),
        (["g1", "g2", "g3"], [], {"nst"}, "multi"),
        (None, ["n1", "n2"], set(), "multi"),
    ],
)
def test_which_page_and_which_quick_runs(monkeypatch, tmp_path, gan, nst, quick, page):
    import compare.multi
    import compare.quick
    import compare.report

    calls = {}
    monkeypatch.setattr(compare.quick, "quick_gan_run", lambda folder, options: Path("quick-gan"))
    monkeypatch.setattr(compare.quick, "quick_nst_run", lambda folder, options: Path("quick-nst"))
    monkeypatch.setattr(compare.report, "_side_by_side",
                        lambda out, g, n, options, made, start: calls.update(page="side", gans=[g], nsts=[n], made=made))  # fmt: skip
    monkeypatch.setattr(compare.multi, "build_multi_report",
                        lambda out, g, n, options, made, start: calls.update(page="multi", gans=g, nsts=n, made=made))  # fmt: skip
    compare.report.build_report(tmp_path, gan, nst, ReportOptions())
    assert calls["page"] == page and set(calls["made"]) == quick
    if "gan" in quick:
        assert calls["gans"] == [Path("quick-gan")]
    if page == "multi":
        assert len(calls["gans"]) + len(calls["nsts"]) >= 2


def test_the_cli_takes_several_runs_or_none():
    from compare.report import build_parser

    parser = build_parser()
    assert parser.parse_args(["--gan", "a", "b", "c", "--nst", "x"]).gan == ["a", "b", "c"]
    assert parser.parse_args(["--gan", "a", "--gan", "b"]).gan == ["a", "b"]
    args = parser.parse_args(["--gan", "--nst", "x", "y"])
    assert args.gan == [] and args.nst == ["x", "y"]
    assert parser.parse_args([]).gan is None


@given(st.lists(st.floats(0.01, 1000.0), min_size=1, max_size=20), st.floats(0.01, 100.0))
def test_the_fid_axis_is_logarithmic_exactly_when_the_fids_span_more_than_ten_times(fids, scale):
    assert F.fid_log_scale(fids) == (max(fids) > F.FID_LOG_SPAN * min(fids))
    # Zero, negative or infinite FIDs cannot sit on a log axis and do not count.
    assert F.fid_log_scale(fids + [0.0, -1.0, float("inf")]) == F.fid_log_scale(fids)


@pytest.mark.parametrize("fids, log", [([0.86, 3.4, 40.1], True), ([2.9, 3.4, 8.0], False)])
def test_fid_against_time_draws_the_axis_fid_log_scale_chooses_and_labels_it(tmp_path, monkeypatch, fids, log):
    import matplotlib.axes

    labels, scales = [], []
    monkeypatch.setattr(matplotlib.axes.Axes, "set_yscale", lambda self, value, **kw: scales.append(value))
    set_ylabel = matplotlib.axes.Axes.set_ylabel
    monkeypatch.setattr(matplotlib.axes.Axes, "set_ylabel",
                        lambda self, text, *a, **kw: labels.append(text) or set_ylabel(self, text, *a, **kw))  # fmt: skip
    series = [(f"run {i}", [60.0 * (i + 1), 120.0 * (i + 1)], [fid * 1.5, fid]) for i, fid in enumerate(fids)]
    path = F.fid_against_time(series, tmp_path / "fid.png")
    assert path.is_file()
    assert scales == (["log"] if log else [])
    assert labels == [f"FID (lower is better{'; log scale' if log else ''})"]


# --- the report from real tiny runs ---------------------------------------------------------------


@pytest.fixture(scope="module")
def multi_runs(report_runs, tmp_path_factory):
    """Three 2-epoch `gan.train` runs (reference loss, conftest's `report_runs`; hinge; conditional, every
    epoch's generator kept as `benchmarks/gan_quality.py` keeps them) and two 48 px `nst.transfer` runs (the
    two images swapped; the first is `report_runs`')."""
    from common.config import load_config
    from gan.config import GANConfig
    from gan.train import train
    from nst.transfer import main as nst_main

    root = tmp_path_factory.mktemp("multi-runs")
    gans = [report_runs[0], root / "hinge", root / "conditional"]
    gans[1].mkdir()
    train(load_config(GANConfig, None, [*TINY_REPORT_GAN, "train.loss=hinge"]), gans[1], verbose=0,
          handle_signals=False)  # fmt: skip
    config = load_config(GANConfig, None, [*TINY_REPORT_GAN, "model.conditional=true", "model.embedding_dim=4"])
    (gans[2] / GanFiles.GENERATORS_DIR).mkdir(parents=True)
    for epoch in (1, 2):  # one epoch per call, keeping each epoch's generator
        train(dataclasses.replace(config, train=dataclasses.replace(config.train, epochs=epoch)), gans[2],
              resume=epoch > 1, verbose=0, handle_signals=False)  # fmt: skip
        shutil.copy(
            gans[2] / GanFiles.GENERATOR, gans[2] / GanFiles.GENERATORS_DIR / GanFiles.generator_snapshot(epoch)
        )
    nsts = [report_runs[1], root / "starry-tubingen"]
    assert nst_main([str(ASSETS / "starry_night.jpg"), str(ASSETS / "tubingen.jpg"), "--out", str(nsts[1]),
                     *TINY_REPORT_NST]) == 0  # fmt: skip
    return gans, nsts


@pytest.fixture(scope="module")
def multi_report(multi_runs, tmp_path_factory, tiny_evaluator, compare_cache_dir):
    from compare.report import build_report

    out = tmp_path_factory.mktemp("multi-report")
    build_report(out, *multi_runs, ReportOptions(cache_dir=str(compare_cache_dir), **TINY_OPTIONS))
    return out


@pytest.mark.slow
def test_the_report_holds_every_run_and_is_self_contained(multi_report):
    html, md = (multi_report / "report.html").read_text(), (multi_report / "report.md").read_text()
    metrics = json.loads((multi_report / "metrics.json").read_text())
    assert '<h2 id="gan-runs">GAN runs</h2>' in html and '<h2 id="nst-runs">Style transfer runs</h2>' in html
    figures = sorted(p.relative_to(multi_report).as_posix() for p in (multi_report / "figures").glob("*.png"))
    assert figures == ["figures/gan_fid_time.png", "figures/gan_runs_samples.png", "figures/nst_gallery_1.png",
                       "figures/nst_gallery_2.png"]  # fmt: skip
    assert sorted(set(re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md))) == figures
    assert all(s.startswith("data:image/png;base64,") for s in re.findall(r'<img src="([^"]*)"', html))
    assert not re.search(r"<(script|link|iframe)\b", html)
    assert set(metrics["files"]) >= {"report.html", "report.md", "metrics.json", *figures}
    runs = metrics["gan_runs"]["runs"]
    assert [r["name"] for r in runs] == ["reference", "hinge", "conditional"]
    for run in runs:  # one table row per run, with its own FID and verdict
        gen = run["metrics"]["generated"]
        assert re.search(rf"\| `{run['name']}` \|[^\n]*\| {gen['fid']:.2f} \|[^\n]*\| "
                         rf"{words.VERDICT_TITLE[run['assessment']['verdict']]} \|", md), run["name"]  # fmt: skip
    assert "class_consistency" in runs[2]["metrics"] and "class_consistency" not in runs[0]["metrics"]
    assert runs[1]["config_differences"]["train.loss"] == "hinge"
    assert len(metrics["nst_runs"]["runs"]) == 2


@pytest.mark.slow
def test_the_paragraph_claims_what_the_metrics_show(multi_report):
    metrics = json.loads((multi_report / "metrics.json").read_text())
    runs = {r["name"]: r for r in metrics["gan_runs"]["runs"]}
    comparison = metrics["gan_runs"]["comparison"]
    text = " ".join(metrics["gan_runs"]["paragraphs"])
    md = (multi_report / "report.md").read_text()
    assert all(p in md for p in metrics["gan_runs"]["paragraphs"])
    fids = {k: r["metrics"]["generated"]["fid"] for k, r in runs.items()}
    fid = comparison["fid"]
    assert fids[fid["leaders"][0]] == min(fids.values())
    assert set(fid["leaders"]) == {k for k, v in fids.items() if v - min(fids.values()) <= fid["margin"]}
    if fid["all_similar"]:
        assert "does not single out a sharpest run" in text
    elif len(fid["leaders"]) == 1:
        assert f"`{fid['leaders'][0]}` has the lowest FID ({min(fids.values()):.2f}" in text
    else:
        assert "share the lowest FID" in text
    verdicts = {k: r["assessment"]["verdict"] for k, r in runs.items()}
    if "sharpest of these runs" in text:
        assert all(verdicts[k] in ("learned", "partly_learned", "collapsed") for k in fid["leaders"])
    # Coverage: only runs that draw clothing are ranked, and the leader has the highest entropy among them.
    readable = {k: r["metrics"]["generated"]["class_histogram"]["entropy"] for k, r in runs.items()
                if verdicts[k] != "degenerate"}  # fmt: skip
    if readable:
        assert comparison["coverage"]["values"] == pytest.approx(readable)
        assert readable[comparison["coverage"]["leaders"][0]] == max(readable.values())
    else:
        assert comparison["coverage"] is None and "say nothing about which run covers the data" in text
    for verdict, names in comparison["verdicts"].items():
        assert sorted(names) == sorted(k for k, v in verdicts.items() if v == verdict)
    assert ("collapsed onto a few kinds" in text) == ("collapsed" in verdicts.values())
    consistency = runs["conditional"]["metrics"]["class_consistency"]["generated"]["overall"]
    assert f"`conditional`, the only conditional run, draws the class asked for in {consistency:.0%}" in text


@pytest.mark.slow
def test_fid_against_time_is_one_point_per_final_generator_and_a_line_per_kept_epoch(multi_report, multi_runs):
    from compare.runs import read_csv

    runs = {r["name"]: r for r in json.loads((multi_report / "metrics.json").read_text())["gan_runs"]["runs"]}
    for name in ("reference", "hinge"):  # gan.train keeps only the last generator: one point at its total seconds
        curve = runs[name]["fid_curve"]
        assert curve["kind"] == "final" and curve["seconds"] == [runs[name]["summary"]["seconds"]]
        assert curve["fid"] == [runs[name]["metrics"]["generated"]["fid"]]
    curve = runs["conditional"]["fid_curve"]
    seconds = np.cumsum([row["seconds"] for row in read_csv(multi_runs[0][2] / GanFiles.HISTORY)])
    assert curve["kind"] == "epochs" and curve["epochs"] == [1, 2]
    assert curve["seconds"] == pytest.approx(list(seconds))
    # The last kept epoch is the run's final generator, measured the same way: the table's FID.
    assert curve["fid"][-1] == pytest.approx(runs["conditional"]["metrics"]["generated"]["fid"], rel=1e-6)
    cached = multi_runs[0][2] / GanFiles.GENERATORS_DIR / "epoch_001.metrics.json"
    assert json.loads(cached.read_text())["generated"]["fid"] == pytest.approx(curve["fid"][0])
    caption = (multi_report / "report.md").read_text().split("FID of each run against its training wall time")[1]
    # The caption says whether the axis is logarithmic (the threshold line counts: fid_against_time's rule).
    fids = [f for r in runs.values() for f in r["fid_curve"]["fid"]]
    assert caption.startswith(words.GAN_FID_LOG_AXIS + ". ") or (caption.startswith(". ") and not F.fid_log_scale(fids))
    assert (
        "A single point: the run keeps only its final generator" in caption
        and "Lines: each point is one epoch" in caption
    )


@pytest.mark.slow
def test_each_gallery_row_shows_its_numbers_and_a_sentence_chosen_from_them(multi_report):
    nst = json.loads((multi_report / "metrics.json").read_text())["nst_runs"]
    md = (multi_report / "report.md").read_text()
    style = {r["name"]: r["scores"]["result"]["style_distance"] for r in nst["runs"]}
    swd = {r["name"]: r["scores"]["result"]["swd"] for r in nst["runs"]}
    for row in nst["runs"]:
        r = row["scores"]["result"]
        assert f"*`{row['name']}`: style distance {r['style_distance']:.3f}, content distance " in md
        assert row["sentence"] in md
        closest = "matched its painting most closely" in row["sentence"]
        assert not closest or (style[row["name"]] == min(style.values()) and swd[row["name"]] == min(swd.values()))
        if "furthest from its painting by both" in row["sentence"]:
            assert style[row["name"]] == max(style.values()) and swd[row["name"]] == max(swd.values())


@pytest.mark.slow
def test_the_three_gan_report_is_legible_in_a_headless_browser(multi_report, tmp_path):
    for path in sorted((multi_report / "figures").glob("*.png")):
        width, font_pt, dpi = png_info(path)
        assert width <= F.PAGE_WIDTH_PX and font_pt >= F.MIN_FONT_PT, (path.name, width, font_pt)
    shot = tmp_path / "shot.png"
    done = browser([f"--screenshot={shot}", (multi_report / "report.html").as_uri()], tmp_path)
    assert shot.is_file(), done.stderr[-2000:]
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("RGB"), np.float64)
    assert pixels.std() > 20 and (pixels.min(axis=-1) < 240).mean() > 0.05
    probe = tmp_path / "probe.html"
    script = ("<script>window.addEventListener('load',()=>{const s=[...document.images].map(i=>[i.naturalWidth,"
              "i.clientWidth]);const p=document.createElement('pre');p.id='sizes';p.textContent=JSON.stringify(s);"
              "document.body.appendChild(p);});</script>")  # fmt: skip
    probe.write_text((multi_report / "report.html").read_text().replace("</body>", script + "</body>"))
    done = browser(["--dump-dom", "--virtual-time-budget=5000", probe.as_uri()], tmp_path)
    found = re.search(r'<pre id="sizes">([^<]*)</pre>', done.stdout)
    assert found, done.stderr[-2000:]
    names = [Path(p).name for p in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (multi_report / "report.md").read_text())]
    sizes = json.loads(found.group(1))
    assert len(sizes) == len(names)
    for name, (natural, client) in zip(names, sizes):
        _, font_pt, dpi = png_info(multi_report / "figures" / name)
        assert font_pt * dpi / 72 * min(1.0, client / natural) >= 13, (name, natural, client)
