"""Where a GAN trains: one device, every local device, or several machines (`strategy` in the config).

- "default": TensorFlow's default strategy, one device.
- "mirrored": `tf.distribute.MirroredStrategy` over every visible device of this machine.
- "multi_worker": `tf.distribute.MultiWorkerMirroredStrategy`, one process per machine, the
  cluster read from the `TF_CONFIG` environment variable (TensorFlow's standard way):

      TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'

  Every worker runs the same command; `task.index` differs. Each step's global batch is split
  between the workers (the data set is sharded by element, `AutoShardPolicy.DATA`, since it comes
  from tensors, not files), their gradients are summed by collective all-reduce, and every worker
  ends each step with the same weights.

The chief (task "chief", or "worker" 0 when the cluster names no chief) writes the run directory;
the other workers write their checkpoints, grids and history into a temporary folder deleted when
training ends (`write_dir`), the pattern of TensorFlow's multi-worker tutorial, so no worker
writes into the chief's run directory. On resume every worker loads the chief's checkpoint from
the run directory, which must therefore be on a shared filesystem or copied to every machine.

How the losses are scaled, the per-replica seeds and the EMA update under a strategy: see `gan.gan`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from common.errors import ConfigError

TF_CONFIG_EXAMPLE = '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'


@dataclasses.dataclass(frozen=True)
class WorkerRole:
    """This process's place in a multi-worker cluster, from `TF_CONFIG`.

    Attributes:
        task_type: "worker" or "chief".
        task_id: the index of this task among those of its type.
        workers: tasks in the cluster (chief and workers).
        has_chief: the cluster names a "chief" task (else worker 0 is the chief).
    """

    task_type: str
    task_id: int
    workers: int
    has_chief: bool

    @property
    def is_chief(self) -> bool:
        """The chief writes the run directory: task "chief", or worker 0 when there is no chief."""
        return self.task_type == "chief" or (self.task_type == "worker" and self.task_id == 0 and not self.has_chief)


def read_tf_config(environ: Mapping[str, str] | None = None) -> WorkerRole:
    """Reads and checks the cluster a multi-worker run needs from `TF_CONFIG`.

    Args:
        environ: the environment (default: `os.environ`).

    Returns:
        This process's `WorkerRole`.

    Raises:
        ConfigError: `TF_CONFIG` is missing, not JSON, or does not name a cluster of "host:port"
            workers and this process's task in it; the message shows the expected form.
    """
    environ = os.environ if environ is None else environ
    text = environ.get("TF_CONFIG", "").strip()
    expected = f"set it on each machine, e.g. TF_CONFIG='{TF_CONFIG_EXAMPLE}' (index 0, 1, ... per machine)"
    if not text:
        raise ConfigError(
            f"--strategy multi_worker needs the cluster in the TF_CONFIG environment variable; {expected}"
        )
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"TF_CONFIG is not valid JSON ({e.msg} at character {e.pos}); {expected}") from None
    cluster = spec.get("cluster") if isinstance(spec, dict) else None
    task = spec.get("task") if isinstance(spec, dict) else None
    if not isinstance(cluster, dict) or not isinstance(task, dict):
        shown = " ".join(text.split())[:200]  # one line, however the JSON was laid out
        raise ConfigError(f'TF_CONFIG needs a "cluster" and a "task" object, got {shown}; {expected}')
    for kind, addresses in cluster.items():
        if (
            kind not in ("chief", "worker")
            or not isinstance(addresses, list)
            or not addresses
            or not all(isinstance(a, str) and a.rpartition(":")[2].isdigit() for a in addresses)
        ):
            raise ConfigError(
                f'TF_CONFIG\'s cluster must map "worker" (and optionally "chief") to lists of "host:port" '
                f"addresses, got {kind!r}: {addresses!r}; {expected}"
            )
    task_type, task_id = task.get("type"), task.get("index")
    known = isinstance(task_type, str) and task_type in cluster
    if not known or not isinstance(task_id, int) or not 0 <= task_id < len(cluster[task_type]):
        sizes = ", ".join(f"{k}: {len(v)}" for k, v in cluster.items())
        raise ConfigError(
            f"TF_CONFIG's task {json.dumps(task)} is not in its cluster ({sizes} tasks); "
            f'"type" must be one of {sorted(cluster)} and "index" a position in its list'
        )
    workers = sum(len(v) for v in cluster.values())
    return WorkerRole(task_type, task_id, workers, has_chief="chief" in cluster)


@functools.lru_cache(maxsize=1)
def mirrored_strategy():
    """The process's one `tf.distribute.MirroredStrategy` over every visible device.

    One per process: two strategies over the same devices number their collective all-reduce
    operations alike, and the second one's training fails with "Shape mismatch in the
    collective instance". Create models for it under `mirrored_strategy().scope()`.
    """
    import tensorflow as tf

    return tf.distribute.MirroredStrategy()


@functools.lru_cache(maxsize=1)
def multi_worker_strategy():
    """The process's one `tf.distribute.MultiWorkerMirroredStrategy`, for the cluster in `TF_CONFIG`.

    Create it first, before TensorFlow runs any operation (TensorFlow configures its collective
    operations when the strategy is made and refuses to once its runtime has started); `gan.train`'s
    `main` does. It waits until every worker of the cluster has started.

    Raises:
        ConfigError: `TF_CONFIG` is missing or malformed (`read_tf_config`), or TensorFlow had
            already started.
    """
    read_tf_config()
    import tensorflow as tf

    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    except RuntimeError as e:  # "Collective ops must be configured at program startup"
        raise ConfigError(
            f"--strategy multi_worker: {e}; create the strategy (gan.distribute.multi_worker_strategy()) "
            "before running any TensorFlow operation"
        ) from None


def get_strategy(name: str):
    """The `tf.distribute` strategy for the config's `strategy` key ("default", "mirrored" or "multi_worker")."""
    if name == "mirrored":
        return mirrored_strategy()
    if name == "multi_worker":
        return multi_worker_strategy()
    import tensorflow as tf

    return tf.distribute.get_strategy()


def is_chief(strategy) -> bool:
    """Whether this process writes the run directory: always, except on a multi-worker cluster's other workers."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    cluster = resolver.cluster_spec().as_dict()
    workers = sum(len(tasks) for tasks in cluster.values())
    return WorkerRole(resolver.task_type, int(resolver.task_id or 0), workers, "chief" in cluster).is_chief


@contextlib.contextmanager
def write_dir(run_dir: Path, chief: bool) -> Iterator[Path]:
    """The folder this process writes its run files into: `run_dir` on the chief, else a temporary one.

    A non-chief worker still saves its checkpoint and grids (the code path is the chief's), but
    into a folder deleted on exit, so it never writes into the chief's run directory.
    """
    if chief:
        yield Path(run_dir)
        return
    folder = Path(tempfile.mkdtemp(prefix="gan-worker-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def shard_by_data(dataset):
    """Tells a multi-worker strategy to split `dataset` by element (it comes from tensors, not files).

    Every worker builds the same pipeline with the same shuffle seed; `AutoShardPolicy.DATA` then
    gives each worker its own part of every global batch. (The default, AUTO, tries to shard by
    file first and warns before falling back to DATA.)
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)
