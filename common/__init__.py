"""Pieces shared by `gan`, `nst` and `compare`: errors, configs, atomic files, run directories.

Each module owns one thing:

- `common.errors`: the project's exception types (a CLI turns them into one line, exit 2).
- `common.config`: frozen-dataclass defaults, a TOML file over them, `--set key=value` on top.
- `common.atomic`: write every output to a temporary name and rename it into place.
- `common.rundir`: make (or reopen) the run directory every command writes into.
- `common.cli`: the wrapper that turns errors and interrupts into one line and an exit code.
"""
