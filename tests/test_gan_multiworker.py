"""`--strategy multi_worker`: TF_CONFIG checks, and two worker processes on localhost training one run."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import pytest
from gan_support import TINY_MODEL, cli_env, run_module, set_args, write_fake_fashion

from common.errors import ConfigError
from common.runformat import GanFiles, GanSummary
from gan.callbacks import read_history
from gan.distribute import WorkerRole, read_tf_config

CLUSTER = {"worker": ["localhost:1111", "localhost:2222"]}

# Runs `python -m gan.train ARGS` with one more callback that prints a checksum of the generator's
# weights (and of its EMA copy) when training ends: the workers must end with identical ones.
CHECKSUM_SCRIPT = textwrap.dedent(
    """
    import hashlib
    import sys

    import gan.train as gt
    from common.cli import run_cli

    original = gt.train

    def train(config, run_dir, **kwargs):
        import keras
        import numpy as np

        class Checksum(keras.callbacks.Callback):
            def on_train_end(self, logs=None):
                digest = hashlib.sha256()
                for w in self.model.generator.weights + self.model.sampler.weights:
                    digest.update(np.ascontiguousarray(np.array(w)).tobytes())
                print("CHECKSUM", digest.hexdigest(), flush=True)

        return original(config, run_dir, callbacks=[Checksum()], **kwargs)

    gt.train = train
    sys.exit(run_cli(gt.main))
    """
)


WITH_CHIEF = {**CLUSTER, "chief": ["localhost:3333"]}


@pytest.mark.parametrize(
    ("cluster", "task", "role", "chief"),
    [
        (CLUSTER, ("worker", 0), WorkerRole("worker", 0, 2, False), True),
        (CLUSTER, ("worker", 1), WorkerRole("worker", 1, 2, False), False),
        (WITH_CHIEF, ("worker", 0), WorkerRole("worker", 0, 3, True), False),
        (WITH_CHIEF, ("chief", 0), WorkerRole("chief", 0, 3, True), True),
    ],
)
def test_tf_config_gives_the_role_and_who_writes(cluster, task, role, chief):
    spec = {"cluster": cluster, "task": {"type": task[0], "index": task[1]}}
    assert read_tf_config({"TF_CONFIG": json.dumps(spec)}) == role
    assert role.is_chief == chief


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "needs the cluster in the TF_CONFIG environment variable"),
        ("{cluster", "TF_CONFIG is not valid JSON"),
        ('["worker"]', 'needs a "cluster" and a "task"'),
        (json.dumps({"cluster": {"worker": []}, "task": {"type": "worker", "index": 0}}), "lists of"),
        (json.dumps({"cluster": {"worker": ["localhost"]}, "task": {"type": "worker", "index": 0}}), "host:port"),
        (json.dumps({"cluster": {"ps": ["h:1"]}, "task": {"type": "ps", "index": 0}}), "lists of"),
        (json.dumps({"cluster": CLUSTER, "task": {"type": "worker", "index": 2}}), "is not in its cluster"),
        (json.dumps({"cluster": CLUSTER, "task": {"type": "chief", "index": 0}}), "is not in its cluster"),
        (json.dumps({"cluster": CLUSTER, "task": {"type": ["worker"], "index": 0}}), "is not in its cluster"),
        ('{\n  "cluster": [],\n  "task": {}\n}', 'needs a "cluster" and a "task"'),
    ],
)
def test_a_missing_or_malformed_tf_config_is_a_config_error(text, message):
    with pytest.raises(ConfigError, match=message) as info:
        read_tf_config({"TF_CONFIG": text} if text else {})
    assert "\n" not in str(info.value)


def test_the_cli_refuses_multi_worker_without_tf_config_in_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    proc = run_module("gan.train", "--strategy", "multi_worker", "--out", "run", cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "TF_CONFIG" in lines[0], proc.stderr
    assert not (tmp_path / "run").exists()


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _run_workers(tmp_path, args, timeout=240):
    """Starts one `gan.train` worker process per port and waits; returns [(returncode, stdout, stderr)]."""
    script = tmp_path / "checksum_train.py"
    script.write_text(CHECKSUM_SCRIPT)
    workers = [f"localhost:{p}" for p in _free_ports(2)]
    processes = []
    for index in range(2):
        env = cli_env()
        env["TF_CONFIG"] = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})
        env["CUDA_VISIBLE_DEVICES"] = ""
        env["TMPDIR"] = str(tmp_path / f"tmp{index}")  # where a non-chief worker's files go (then vanish)
        os.makedirs(env["TMPDIR"], exist_ok=True)
        processes.append(
            subprocess.Popen(
                [sys.executable, str(script), *map(str, args)],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = []
    try:
        for p in processes:
            out, err = p.communicate(timeout=timeout)
            results.append((p.returncode, out, err))
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.wait()
    return results


def _checksums(results):
    for code, _, err in results:
        assert code == 0, err[-3000:]
    return [next(line.split()[1] for line in out.splitlines() if line.startswith("CHECKSUM")) for _, out, _ in results]


def _assert_complete(run, epochs):
    for name in (GanFiles.CONFIG, GanFiles.HISTORY, GanFiles.LOSSES_PNG, GanFiles.GIF, GanFiles.GENERATOR,
                 GanFiles.CHECKPOINT, GanFiles.SUMMARY):  # fmt: skip
        assert (run / name).is_file(), name
    grids = sorted(p.name for p in (run / GanFiles.SAMPLES_DIR).glob(GanFiles.SAMPLE_GLOB))
    assert grids == [GanFiles.sample_grid(e) for e in range(1, epochs + 1)]
    assert [r["epoch"] for r in read_history(run / GanFiles.HISTORY)] == list(range(1, epochs + 1))
    summary = GanSummary.read(run)
    assert summary.epochs == epochs and summary.strategy == "multi_worker" and summary.replicas == 2
    assert not [p.name for p in run.iterdir() if p.name.startswith(".")], "no temporary file is left"


@pytest.mark.slow
def test_two_workers_on_localhost_train_one_run_and_resume_it(tmp_path):
    data = write_fake_fashion(tmp_path / "data", n=48)
    run = tmp_path / "run"
    args = [*set_args(TINY_MODEL), "--strategy", "multi_worker", "--batch-size", "8", "--data-dir", data]

    first = _run_workers(tmp_path, [*args, "--out", "run", "--epochs", "1"])
    a, b = _checksums(first)
    assert a == b, "both workers end with the same generator weights"
    _assert_complete(run, epochs=1)
    assert "the chief's; this worker writes nothing there" in first[1][2] and "the chief wrote" in first[1][2]
    assert not list((tmp_path / "tmp1").glob("gan-worker-*")), "the worker's temporary folder is gone"

    # Resume both from the chief's checkpoint for one more epoch.
    second = _run_workers(tmp_path, [*args, "--resume", "run", "--epochs", "2"])
    c, d = _checksums(second)
    assert c == d and c != a
    _assert_complete(run, epochs=2)
