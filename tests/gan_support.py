"""Shared helpers of the `gan` tests (imported by tests/test_gan_*.py)."""

from __future__ import annotations

import gzip
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SEED_TOML = REPO / "configs" / "gan" / "seed.toml"
DEFAULT_TOML = REPO / "configs" / "gan" / "default.toml"

# A GAN small enough that an epoch on a few hundred images takes well under a second: for tests
# of plumbing (files, resume, signals), not of image quality.
TINY_MODEL = (
    "model.latent_dim=8",
    "model.generator.dense_channels=8",
    "model.generator.filters=[8, 4]",
    "model.discriminator.filters=[8, 8]",
    "model.discriminator.strides=[2, 2]",
    "output.samples=4",
    "output.sample_scale=1",
)


def set_args(overrides) -> list[str]:
    """`["--set", o1, "--set", o2, ...]` for a CLI call."""
    return [a for o in overrides for a in ("--set", o)]


def write_idx(path, array: np.ndarray) -> None:
    """Writes an unsigned-byte IDX file, gzipped (the Fashion-MNIST format)."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_fake_fashion(folder, n: int = 256, seed: int = 0) -> Path:
    """Writes the four Fashion-MNIST files with `n` random 28x28 train images (and 16 test ones)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for split, count in (("train", n), ("t10k", 16)):
        # Blobs rather than pure noise, so the images have some structure to learn.
        yy, xx = np.mgrid[:28, :28]
        centres = rng.uniform(8, 20, (count, 2))
        images = 255 * np.exp(-((yy - centres[:, :1, None]) ** 2 + (xx - centres[:, 1:, None]) ** 2) / 30.0)
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{split}-labels-idx1-ubyte.gz", rng.integers(0, 10, count))
    return folder


def fashion_mnist_present() -> bool:
    """Whether the real Fashion-MNIST is in Debian's folder or Keras's cache."""
    from gan.data import DEBIAN_DIR, keras_cache_dir

    name = "train-images-idx3-ubyte.gz"
    return (DEBIAN_DIR / name).is_file() or (keras_cache_dir() / name).is_file()


def cli_env() -> dict:
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the CLIs choose their own (common.tfenv)
    env["PYTHONUNBUFFERED"] = "1"
    # The CLIs under test are this checkout's (a worktree's), not the editable install's.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def run_module(module: str, *args, cwd, timeout: float = 300) -> subprocess.CompletedProcess:
    """Runs `python -m module args...` in `cwd`; returns the completed process (text output)."""
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        cwd=cwd,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_main(module: str, *args, cwd) -> subprocess.CompletedProcess:
    """Runs `python -m module args...` inside this process, as its `__main__` block would, in `cwd`.

    For the error paths of a CLI: the same `common.cli.run_cli(main, argv)` with the same program
    name, without a new process's seconds of TensorFlow start-up. Every CLI still has its own
    end-to-end subprocess runs (`run_module`). Returns what `run_module` returns (text output).
    """
    import contextlib
    import importlib
    import io
    from unittest import mock

    from common import cli

    entry = importlib.import_module(module)
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.chdir(cwd),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        mock.patch.object(cli, "_prog_name", return_value=module),
    ):
        try:
            code = cli.run_cli(entry.main, [str(a) for a in args])
        except SystemExit as e:  # argparse: usage errors exit 2, --help exits 0
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return subprocess.CompletedProcess([module, *map(str, args)], code, out.getvalue(), err.getvalue())


def start_module(module: str, *args, cwd) -> subprocess.Popen:
    """Starts `python -m module args...` in `cwd` with piped output."""
    return subprocess.Popen(
        [sys.executable, "-m", module, *map(str, args)],
        cwd=cwd,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def suite_lines(stderr: str, prog: str) -> list[str]:
    """The stderr lines the command itself wrote (TensorFlow's start-up chatter left out)."""
    return [line for line in stderr.splitlines() if line.startswith(f"{prog}:")]


def assert_one_error_line(proc: subprocess.CompletedProcess, prog: str, *fragments: str) -> str:
    """Checks exit code 2, no traceback, and exactly one `prog: error: ...` line holding `fragments`."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    errors = [line for line in suite_lines(proc.stderr, prog) if line.startswith(f"{prog}: error:")]
    assert len(errors) == 1, proc.stderr[-2000:]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]
