"""Writes a benchmark's figures into its own section of `benchmarks/RESULTS.md`.

Each benchmark script owns one section, delimited by HTML comments, and rewrites only that section,
so scripts can be re-run in any order without touching each other's figures.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from pathlib import Path

from common.atomic import write_text

RESULTS = Path(__file__).with_name("RESULTS.md")
_HEADER = "# Benchmark results\n\nEach section is written by the script it names; re-run the script to refresh it.\n"


def machine_description(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """Returns one line naming the CPU (with its family: "AMD EPYC" alone names CPUs of different families and speeds
    here), core count, Python, TensorFlow and Keras versions; `cpuinfo` is read for the first two."""
    import keras
    import tensorflow as tf

    from gan.precision import cpu_info

    fields, cpu = cpu_info(cpuinfo), platform.processor() or platform.machine()
    if fields.get("model name"):
        cpu = fields["model name"] + (f" (CPU family {fields['cpu family']})" if fields.get("cpu family") else "")
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )


def update_section(name: str, markdown: str, path: Path = RESULTS) -> Path:
    """Replaces (or appends) the section `name` of the results file with `markdown`.

    Args:
        name: the section's key, e.g. the script's file name without `.py`.
        markdown: the section's body, starting with its own `## ` heading.
        path: the results file.

    Returns:
        The results file's path.
    """
    text = path.read_text() if path.exists() else _HEADER
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    return write_text(path, text)


def publish(name: str, markdown: str, write: bool = True, path: Path = RESULTS) -> str:
    """Prints a benchmark's section and, with `write`, replaces its section of the results file.

    The one ending of every benchmark script: the section goes to stdout, then (unless the script's
    `--no-write` was given) into `path`, and a line naming the file goes to stderr.

    Args:
        name: the section's key, the script's file name without `.py`; it also starts the stderr line.
        markdown: the section's body, starting with its own `## ` heading.
        write: update the results file (False: print only).
        path: the results file.

    Returns:
        `markdown`.
    """
    print(markdown)
    if write:
        print(f"{name}: wrote {update_section(name, markdown, path)}", file=sys.stderr)
    return markdown
