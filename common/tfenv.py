"""How a command starts TensorFlow: environment variables first, then a quiet import.

TensorFlow reads these variables once, when it is imported, so only a command's `main` sets them;
library code never does. A variable the user has set is left alone.

- `TF_CPP_MIN_LOG_LEVEL=3`: TensorFlow's C++ log lines (CUDA probing on a CPU machine, graph
  optimizer notes such as "remapper failed") would bury the progress bar and the one-line errors.
  Real failures still surface as Python exceptions. Set it to 0 to see everything.
- `TF_ENABLE_ONEDNN_OPTS=1` (GAN training only): TensorFlow turns its oneDNN CPU kernels on by
  default only on CPUs with AVX-512 VNNI/BF16 or AMX. On AVX2-only CPUs it uses Eigen, whose
  backward convolutions are slow: on the 2-core AMD EPYC this suite is measured on, one DCGAN
  train step at batch 512 took 3.2 s with Eigen and 1.5 s with oneDNN (`benchmarks/RESULTS.md`,
  gan_throughput). A VGG19 style-transfer step was about 15% slower with oneDNN, so `nst` keeps
  TensorFlow's choice.
"""

from __future__ import annotations

import os
import sys
import tempfile


def configure_tensorflow(onednn: bool = False) -> None:
    """Sets TensorFlow's environment variables for a command, unless the user already set them.

    Args:
        onednn: also ask for the oneDNN CPU kernels (`TF_ENABLE_ONEDNN_OPTS=1`).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if onednn and "tensorflow" not in sys.modules:  # too late once TensorFlow is imported
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


def import_tensorflow_quietly() -> None:
    """Imports TensorFlow with its C++ start-up lines (CUDA probing on a CPU machine) hidden.

    TensorFlow 2.21 writes them to file descriptor 2 before its own log level applies, so they are
    captured and shown only if the import fails.
    """
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()
        except BaseException:
            os.dup2(saved, 2)
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
