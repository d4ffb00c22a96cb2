"""`train.precision = "auto"` (the default): mixed_bfloat16 where the CPU computes bfloat16, else float32.

Keras's "mixed_bfloat16" policy computes the layers in bfloat16 and keeps the variables in float32
(`gan.models` keeps the output layers and the losses in float32 too). Whether that pays depends on
the CPU, so the default decides by it (`benchmarks/RESULTS.md`, sections `gan_precision` and
`gan_precision_fid`, default config, 2-core AMD EPYC machines):

- with AVX512_BF16 (bfloat16 dot products in hardware): 1.19x float32's images per second over 10
  epochs, at a FID tied with float32's at 5 and 10 epochs (8.30 / 8.00, 5.09 / 5.00; one seed) and
  lower at equal wall time (4.50 against 5.00);
- without it (AVX2 only), where TensorFlow emulates bfloat16: 0.11x, so float32 there.

Intel's AMX (`amx_bf16`) also computes bfloat16 in hardware and counts as such; it was not
measured here. "auto" stays float32 where a GPU is visible (not measured) and under the multi-worker
strategy (its machines may differ, and the replicas should compute alike). A run records the
precision it chose in its `config.toml`, and `--resume` keeps it.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

AUTO = "auto"
BFLOAT16_FLAGS = ("avx512_bf16", "amx_bf16")
"""/proc/cpuinfo flags of CPUs that compute bfloat16 in hardware."""


def cpu_info(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict[str, str]:
    """The fields of the first CPU's block in `cpuinfo` ("model name", "cpu family", "flags", ...; empty
    where it cannot be read, e.g. macOS)."""
    fields: dict[str, str] = {}
    try:
        text = cpuinfo.read_text()
    except OSError:
        return fields
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break  # a blank line ends the first CPU's block
            continue
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return fields


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The instruction-set flags of the first CPU in `cpuinfo` (empty where it cannot be read, e.g. macOS)."""
    return frozenset(cpu_info(cpuinfo).get("flags", "").split())


def resolve_precision(
    precision: str, flags: Collection[str] | None = None, gpus: int | None = None, multi_worker: bool = False
) -> str:
    """The dtype policy `train.precision` stands for: itself, or for "auto" the one this machine trains best in.

    Args:
        precision: "auto", "float32" or "mixed_bfloat16".
        flags: the CPU's flags (default: `cpu_flags()`).
        gpus: the GPUs TensorFlow sees (default: asks TensorFlow).
        multi_worker: training under the multi-worker strategy.

    Returns:
        "float32" or "mixed_bfloat16".
    """
    if precision != AUTO:
        return precision
    if multi_worker:
        return "float32"
    if gpus is None:
        import tensorflow as tf

        gpus = len(tf.config.list_physical_devices("GPU"))
    if gpus:
        return "float32"
    flags = cpu_flags() if flags is None else flags
    return "mixed_bfloat16" if any(f in flags for f in BFLOAT16_FLAGS) else "float32"


def with_concrete_precision(config, run_dir: Path | None = None):
    """`config` with `train.precision = "auto"` replaced by what it stands for (any other config as is).

    Args:
        config: a `GANConfig`.
        run_dir: the run being resumed, if any: "auto" then means the precision it was trained in
            (its `config.toml`), so a run resumed on another machine keeps its precision.

    Returns:
        A `GANConfig` whose `train.precision` is "float32" or "mixed_bfloat16".
    """
    import dataclasses

    from common.config import load_config
    from common.errors import ConfigError
    from common.runformat import GanFiles
    from gan.config import GANConfig

    if config.train.precision != AUTO:
        return config
    precision = None
    if run_dir is not None and (Path(run_dir) / GanFiles.CONFIG).is_file():
        try:
            precision = load_config(GANConfig, Path(run_dir) / GanFiles.CONFIG).train.precision
        except ConfigError:
            pass  # `gan.resume.check_resumable` says what is wrong with the file
    if precision in (None, AUTO):
        precision = resolve_precision(AUTO, multi_worker=config.strategy == "multi_worker")
    return dataclasses.replace(config, train=dataclasses.replace(config.train, precision=precision))
