"""What every command line of the suite shares: common flags and the error-to-one-line wrapper."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from common.errors import SuiteError


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line like every other error of the suite.

    argparse prints its whole usage block before the error; a bad choice then takes 7 lines. Here
    `error` prints `PROG: error: MESSAGE (see ... --help)` once on stderr and exits with 2, as
    argparse does. PROG is the module's name (`gan.train` for `prog="python -m gan.train"`), the
    prefix `run_cli` gives the suite's other errors.
    """

    def error(self, message: str):
        name = self.prog.removeprefix("python -m ").split()[0] if self.prog else "suite"
        self.exit(2, f"{name}: error: {message} (see {self.prog} --help)\n")


def add_config_arguments(
    parser: argparse.ArgumentParser, default_config: str, set_example: str = "train.epochs=5"
) -> None:
    """Adds `--config`, `--set`, `--out` and `--seed`, which every training command takes.

    Args:
        parser: the command's parser.
        default_config: what `--config` says it defaults to, for `--help`.
        set_example: a `--set` override that is valid for this command, for `--help`.
    """
    parser.add_argument(
        "--config",
        metavar="PATH",
        help=f"TOML file over the built-in defaults (default: {default_config})",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"override one config key, dotted for sections (e.g. {set_example}); repeatable",
    )
    parser.add_argument("--out", metavar="DIR", help="run directory (default: a fresh folder under runs/)")
    parser.add_argument("--seed", type=int, help="random seed (overrides the config's)")


def resolve_resume(resume: str | bool | None, out: str | None, prog: str) -> str | None:
    """The run directory `--resume RUN_DIR` names, the one spelling of every command.

    `gan.train` also takes its old spelling `--out RUN_DIR --resume` (argparse `nargs="?"`,
    `const=True`), with a one-line notice.

    Args:
        resume: the `--resume` value: None (absent), True (given without a value) or RUN_DIR.
        out: the `--out` value.
        prog: the command, for the notice.

    Returns:
        RUN_DIR, or None without `--resume`.

    Raises:
        InputError: `--resume` without a folder.
        ConfigError: `--out` and `--resume` name different folders.
    """
    from pathlib import Path

    from common.errors import ConfigError, InputError

    if resume is None:
        return None
    if resume is True:
        if out is None:
            raise InputError("--resume needs the run directory to continue: --resume RUN_DIR")
        print(f"{prog}: note: `--out {out} --resume` is the old spelling of `--resume {out}`", file=sys.stderr)
        return out
    if out is not None and Path(out) != Path(resume):
        raise ConfigError(f"--out {out} and --resume {resume} name different runs; drop --out")
    return resume


def run_cli(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None = None) -> int:
    """Calls `main(argv)` and turns the suite's errors into one line on stderr and an exit code.

    The exit codes are listed in `common.errors`: 0 done, 1 training failed, 2 bad input, 3 a
    run's file could not be written, 4 out of memory, 130 Ctrl-C. A full disk, a read-only file
    system or exhausted memory that no loop reported (`common.faults.as_fault`) is one line too.

    Args:
        main: the command's body; returns an exit code or None for 0.
        argv: the arguments (None: `sys.argv[1:]`).

    Returns:
        The exit code: `main`'s, the error's `exit_code`, or 130 on Ctrl-C.
    """
    prog = _prog_name()
    try:
        return main(argv) or 0
    except SuiteError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        from common.faults import as_fault

        fault = as_fault(e)
        if fault is None:
            raise
        print(f"{prog}: error: {fault}", file=sys.stderr)
        return fault.exit_code


def _prog_name() -> str:
    module = getattr(sys.modules.get("__main__"), "__spec__", None)
    return module.name if module is not None else "suite"
