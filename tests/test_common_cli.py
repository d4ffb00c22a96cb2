"""Every command's argument errors are one line and exit 2; memory and sample-count checks come before any work."""

import importlib
from pathlib import Path

import pytest

from common.errors import ConfigError
from common.memory import available_bytes, check_fits

# (module, bad arguments): an unknown flag, a bad choice, a missing argument or a wrong type.
BAD_ARGUMENTS = [
    ("gan.train", ["--strategy", "nope"]),
    ("gan.train", ["--epochs", "many"]),
    ("gan.sample", []),
    ("gan.sample", ["run", "--n", "1e3"]),
    ("nst.transfer", ["--optimizer", "newton"]),
    ("nst.transfer", ["--bogus"]),
    ("compare.report", ["--n", "x"]),
    ("compare.metrics", []),
    ("compare.nst_metrics", ["x.png"]),
    ("compare.evaluator", ["--bogus"]),
]


@pytest.mark.parametrize("module, args", BAD_ARGUMENTS)
def test_argument_errors_are_one_line_and_exit_2(module, args, capsys):
    main = importlib.import_module(module).main
    with pytest.raises(SystemExit) as info:
        main(args)
    err = capsys.readouterr().err
    assert info.value.code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{module}: error: ") and "--help" in lines[0], err


@pytest.mark.parametrize("args, fragment", [
    (["run", "--n", "10001"], "--n must be between 1 and 10,000"),
    (["run", "--n", "0"], "--n must be between 1 and 10,000"),
    (["run", "--interpolate", "1001"], "--interpolate needs between 2 and 1,000 steps"),
    (["run", "--scale", "100"], "--scale must be between 1 and 16"),
])  # fmt: skip
def test_sample_counts_are_bounded_before_loading_anything(args, fragment, tmp_path, monkeypatch):
    from gan.sample import main

    monkeypatch.chdir(tmp_path)  # "run" does not exist: the bound must be checked before the path is
    with pytest.raises(ConfigError, match=fragment):
        main(args)


@pytest.mark.parametrize("module, args", [("compare.metrics", ["run", "--n", "60001"]),
                                          ("compare.report", ["--n", "1000000"])])  # fmt: skip
def test_metric_sample_counts_are_bounded(module, args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run").mkdir()
    with pytest.raises(ConfigError, match="--n must be between 2 and 60,000 images"):
        importlib.import_module(module).main(args)


def test_check_fits_gives_the_estimate_and_the_limit():
    check_fits(2**30, "x", "do less", available=2**31)
    with pytest.raises(
        ConfigError, match=r"^style at 9x9 needs about 3\.0 GB of memory, but 2\.0 GB is available; lower"
    ):
        check_fits(3 * 2**30, "style at 9x9", "lower --size", available=2 * 2**30)
    assert available_bytes() is None or available_bytes() > 0


def test_nst_memory_estimate_grows_with_the_size_and_refuses_what_cannot_fit():
    from common.config import load_config
    from nst.config import NSTConfig
    from nst.memory import check_output_size, working_set_bytes

    config = NSTConfig()
    small, large = working_set_bytes((96, 128), config), working_set_bytes((384, 512), config)
    assert 2**30 < small < large and 2.0 * 2**30 < large < 3.5 * 2**30  # measured peak at 512x384: 2.7 GB
    content = Path(__file__).resolve().parents[1] / "nst" / "assets" / "tubingen.jpg"
    huge = load_config(NSTConfig, values={"image.size": 20_000})
    check_output_size(content, config, available=3 * 2**30)
    with pytest.raises(ConfigError, match=r"style transfer at 20000x15000 .* needs about [\d.]+ GB of memory, but"):
        check_output_size(content, huge, available=24 * 2**30)
