"""Pieces shared by `gan`, `nst` and `compare`: errors, configs, atomic files, run directories.

Each module owns one thing:

- `common.errors`: the project's exception types (a CLI turns them into one line, exit 2).
- `common.config`: frozen-dataclass defaults, a TOML file over them, `--set key=value` on top.
- `common.atomic`: write every output to a temporary name and rename it into place.
- `common.rundir`: make (or reopen) the run directory every command writes into.
- `common.runformat`: the run directory format: file names (`GanFiles`, `NstFiles`) and the
  summaries (`GanSummary`, `NstSummary`) the trainers write and `compare` reads.
- `common.cli`: the argument parser with one-line errors, `--resume RUN_DIR`, and the wrapper that
  turns errors and interrupts into one line and an exit code.
- `common.stop`: Ctrl-C and SIGTERM as a request to stop at the end of a step or of an epoch.
- `common.images`: `to_uint8`, image grids, PNG and GIF files.
- `common.plots`: the one loss-curve plotter (matplotlib's Figure API).
- `common.memory`: the memory available now, and refusing work that cannot fit.
- `common.tfenv`: how a command starts TensorFlow.
"""
