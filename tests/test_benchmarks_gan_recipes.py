"""Tests for benchmarks/gan_recipes.py: its recipe table covers every shipped config and every loss, and a
tiny run measures every recipe at every checkpoint and resumes without training again."""

import dataclasses
import json

import pytest
from compare_support import tiny_evaluator_flags
from gan_support import REPO

from benchmarks import gan_recipes
from common.config import load_config
from common.errors import ConfigError
from common.runformat import GanFiles
from gan.config import GANConfig
from gan.losses import LOSSES


def test_the_recipes_are_every_shipped_config_and_every_loss_on_the_default_architecture():
    shipped = {p.name for p in (REPO / "configs" / "gan").glob("*.toml")} - {"demo.toml"}  # demo: a 1-epoch budget
    recipes = gan_recipes.RECIPES
    assert len({r.name for r in recipes}) == len(recipes) and gan_recipes.REFERENCE in {r.name for r in recipes}
    assert {r.config for r in recipes if not r.overrides} == shipped
    configs = {r.name: load_config(GANConfig, REPO / "configs" / "gan" / r.config, values=r.overrides) for r in recipes}
    default = configs[gan_recipes.REFERENCE]
    on_default = [c for r, c in zip(recipes, configs.values()) if r.config == "default.toml"]
    assert {c.train.loss for c in on_default} == set(LOSSES)
    # The default architecture, only the loss differs; the WGAN-GP critic has no dropout (Gulrajani et al.).
    no_dropout = dataclasses.replace(default.model.discriminator, dropout=0.0)
    assert all(c.model == default.model for c in on_default if c is not configs["wgan_gp"])
    assert configs["wgan_gp"].model == dataclasses.replace(default.model, discriminator=no_dropout)
    assert configs["wgan_gp"].train.critic_steps == 5 and configs["wgan_gp"].train.gp_weight == 10.0


def test_selecting_recipes_keeps_the_reference_and_refuses_unknown_names():
    assert [r.name for r in gan_recipes.select(["hinge"])] == ["default", "hinge"]
    assert [r.name for r in gan_recipes.select(None)] == [r.name for r in gan_recipes.RECIPES]
    with pytest.raises(ConfigError, match="unknown recipe nope"):
        gan_recipes.select(["nope"])


def test_the_precision_suite_differs_from_the_default_only_in_precision():
    suite = gan_recipes.SUITES["precision"]
    configs = [load_config(GANConfig, REPO / "configs" / "gan" / r.config, values=gan_recipes.recipe_overrides(r, 0, None))
               for r in suite.recipes]  # fmt: skip
    assert [r.name for r in suite.recipes][0] == gan_recipes.REFERENCE
    assert [c.train.precision for c in configs] == ["float32", "mixed_bfloat16"]
    assert (
        dataclasses.replace(configs[1], train=dataclasses.replace(configs[1].train, precision="float32")) == configs[0]
    )
    assert [r.name for r in gan_recipes.select(None, suite.recipes)] == ["default", "mixed_bfloat16"]
    with pytest.raises(ConfigError, match="unknown recipe hinge"):
        gan_recipes.select(["hinge"], suite.recipes)
    assert suite.section != gan_recipes.SUITES["recipes"].section and suite.figure != gan_recipes.FIGURE


def _table_rows(markdown: str) -> dict[str, set[tuple[str, str]]]:
    """{table intro: {(checkpoint cell, recipe cell)}} of the section's two tables."""
    tables, current = {}, None
    for line in markdown.splitlines():
        if line.startswith("At equal"):
            current = tables.setdefault(line.split(" (")[0].rstrip(":"), set())
        elif current is not None and line.startswith("| ") and not line.startswith("| checkpoint"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            current.add((cells[0].split(" (")[0], cells[1].strip("`")))
    return tables


@pytest.mark.slow
def test_a_tiny_run_measures_every_recipe_at_every_checkpoint_and_a_second_run_trains_nothing(
    tmp_path, tiny_evaluator, compare_cache_dir, capsys
):
    evaluator_flags = tiny_evaluator_flags()
    out = tmp_path / "work"
    argv = ["--recipes", "conditional", "--checkpoints", "1", "2", "--max-epochs", "2", "--limit", "128",
            "--n", "100", "--no-write", "--cache-dir", str(compare_cache_dir), *evaluator_flags,
            "--reference-limit", "200", "--out", str(out)]  # fmt: skip
    results = (REPO / "benchmarks" / "RESULTS.md").read_bytes()

    # --hours too short for any epoch: trains and measures nothing, exits cleanly.
    assert gan_recipes.main([*argv, "--hours", "0.0001"]) == 0
    stopped = capsys.readouterr()
    assert "stopping before default's epoch 1" in stopped.err and "At equal epochs" not in stopped.out
    assert not list((out / "default" / GanFiles.GENERATORS_DIR).glob(GanFiles.GENERATOR_GLOB))

    assert gan_recipes.main(argv) == 0
    first = capsys.readouterr().out
    expected = {(f"{c} epoch{'s' if c > 1 else ''}", r) for c in (1, 2) for r in ("default", "conditional")}
    assert _table_rows(first) == {"At equal epochs": expected, "At equal wall time": expected}
    assert "class consistency" in first and "**Lowest FID at equal wall time: " in first
    assert (out / gan_recipes.FIGURE).is_file()
    for name in ("default", "conditional"):
        kept = sorted(p.name for p in (out / name / GanFiles.GENERATORS_DIR).glob(GanFiles.GENERATOR_GLOB))
        assert kept == [GanFiles.generator_snapshot(1), GanFiles.generator_snapshot(2)]

    # A run killed after its checkpoint but before the generator's copy loses nothing: the copy is made again.
    history = {name: (out / name / GanFiles.HISTORY).read_bytes() for name in ("default", "conditional")}
    last = out / "conditional" / GanFiles.GENERATORS_DIR / GanFiles.generator_snapshot(2)
    last.unlink()
    assert gan_recipes.main(argv) == 0
    second = capsys.readouterr()
    assert last.is_file()
    assert {name: (out / name / GanFiles.HISTORY).read_bytes() for name in history} == history  # nothing retrained
    assert "measuring" not in second.err  # every generator's metrics came from its cache
    assert second.out.split("![FID")[0] == first.split("![FID")[0]  # the same tables
    # Only the invocation that trained is logged: the others' load fell on no training time.
    assert "0 epochs trained" not in second.out
    invocations = json.loads((out / "invocations.json").read_text())
    assert [i["epochs_trained"] for i in invocations] == [4]
    assert [i["trained"] for i in invocations] == [{"default": 2, "conditional": 2}]
    assert "4 epochs trained (default 2, conditional 2)" in second.out
    assert (REPO / "benchmarks" / "RESULTS.md").read_bytes() == results  # --no-write


def test_a_section_of_its_own_names_the_figure_and_cannot_take_another_suites():
    recipes, precision = gan_recipes.SUITES["recipes"], gan_recipes.SUITES["precision"]
    part = gan_recipes.with_section(recipes, "gan_recipes_20")
    assert (part.section, part.figure) == ("gan_recipes_20", "gan_recipes_20_fid_time.png")
    assert part.recipes == recipes.recipes and "`gan_recipes_20`" in part.title
    assert (
        gan_recipes.with_section(recipes, None) is recipes
        and gan_recipes.with_section(recipes, "gan_recipes") is recipes
    )
    with pytest.raises(ConfigError, match="another suite's section"):
        gan_recipes.with_section(recipes, precision.section)
    for bad in ("Gan", "gan recipes", "../x", "", "9a"):
        with pytest.raises(ConfigError, match="--section"):
            gan_recipes.with_section(recipes, bad)


def _equal_time_rows(fids: dict[str, float], seconds: dict[str, float] | None = None) -> list[dict]:
    return [{"comparison": "equal wall time", "checkpoint": 20, "budget_seconds": 4000.0, "recipe": name, "epoch": 20,
             "seconds": (seconds or {}).get(name, 4000.0), "metrics": {"generated": {"fid": fid}}}
            for name, fid in fids.items()]  # fmt: skip


def test_the_best_recipe_at_equal_wall_time_is_named_and_a_difference_within_the_resolution_is_a_tie():
    clear = gan_recipes.verdict_line(_equal_time_rows({"default": 5.0, "hinge": 3.0, "seed": 30.0}), floor_fid=0.12)
    assert clear.startswith("**Lowest FID at equal wall time: `hinge` (3.00)**")
    assert "`hinge` beats `default` (5.00) by more than the tie margin" in clear
    tie = gan_recipes.verdict_line(_equal_time_rows({"default": 3.1, "hinge": 3.0, "seed": 30.0}), floor_fid=0.12)
    assert "a tie between `hinge` (3.00), `default` (3.10)" in tie and "`default` (the default config) ties" in tie


def test_a_recipe_that_trained_well_past_the_budget_is_shown_but_not_ranked():
    rows = _equal_time_rows({"default": 5.0, "kerasio_wgan_gp": 2.0, "seed": 30.0}, {"kerasio_wgan_gp": 4800.0})
    line = gan_recipes.verdict_line(rows, floor_fid=0.12)
    assert line.startswith("**Lowest FID at equal wall time: `default` (5.00)**")
    assert (
        "Not ranked, for training more than 10% longer than the budget" in line and "`kerasio_wgan_gp` (4800 s" in line
    )


class _FakeTrainer:
    """A recipe whose epochs take fixed seconds on a fake clock (no training)."""

    def __init__(self, name, seconds, clock, epochs=0):
        self.name, self.seconds, self.clock, self.epochs = name, seconds, clock, epochs

    def step(self):
        self.clock[0] += self.seconds + 10  # the fit time plus start-up
        self.epochs += 1

    def cumulative_seconds(self):
        return [self.seconds * (i + 1) for i in range(self.epochs)]


def test_hours_stop_training_at_the_recipe_boundary_before_an_epoch_that_would_not_fit():
    clock = [0.0]
    trainers = {n: _FakeTrainer(n, s, clock, epochs=1) for n, s in [("default", 100), ("slow", 1000), ("fast", 50)]}
    # Epoch 2 of all three fits in 1300 s (estimates from history: 1.1 x the last epoch + 60 s); at
    # epoch 3 default's estimate is its step just measured (110 s: 1290 s), slow's would end at 2300 s.
    assert gan_recipes.train_all(trainers, [3], 10, 1300.0, lambda: clock[0]) is False
    assert [t.epochs for t in trainers.values()] == [3, 2, 2] and clock[0] == 1290
    # Without a deadline the same call finishes the round, then fast trains on to default's 300 s.
    assert gan_recipes.train_all(trainers, [3], 10, None, lambda: clock[0]) is True
    assert [t.epochs for t in trainers.values()] == [3, 3, 6]


def test_hours_must_be_positive():
    with pytest.raises(ConfigError, match="--hours must be positive, got 0.0"):
        gan_recipes.main(["--hours", "0", "--out", "unused"])
