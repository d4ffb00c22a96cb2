"""Tests for benchmarks/gan_patch_conv.py: a tiny run prints every layer and both train steps, for both kernel settings."""

import re

import pytest

from benchmarks import gan_patch_conv


@pytest.mark.slow
def test_a_tiny_run_prints_the_whole_table(capsys):
    assert gan_patch_conv.main(["--batch", "2", "--repeats", "1", "--no-write"]) == 0
    out = capsys.readouterr().out
    for kernels in gan_patch_conv.KERNELS:
        rows = [line for line in out.splitlines() if line.startswith(f"| {kernels} |")]
        assert len(rows) == len(gan_patch_conv.LAYERS)
        assert "| 4x4x256 -> 2x2x512 |" in rows[-1]
        step = re.search(rf"- {re.escape(kernels)}: every convolution a Conv2D ([0-9.]+) s, .* ([0-9.]+) s \(", out)
        assert step and float(step.group(1)) > 0 and float(step.group(2)) > 0
