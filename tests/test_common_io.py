"""Tests for common.atomic, common.rundir and common.cli."""

import os

import pytest

from common.atomic import atomic_path, remove_temporaries, write_json, write_text
from common.cli import run_cli
from common.errors import ConfigError, InputError, OutputError
from common.rundir import create_run_dir


def test_atomic_write_replaces_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "old")
    write_text(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_atomic_path_keeps_the_suffix_and_cleans_up_on_error(tmp_path):
    target = tmp_path / "model.keras"
    write_text(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            assert tmp.suffix == ".keras" and tmp.parent == tmp_path
            tmp.write_text("half")
            raise RuntimeError("killed halfway")
    assert target.read_text() == "old"  # the old file stays whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]


def test_write_json(tmp_path):
    path = write_json(tmp_path / "a.json", {"x": [1, 2]})
    assert path.read_text().startswith("{")


def test_fresh_run_dirs_are_distinct(tmp_path):
    a = create_run_dir(None, "gan", root=tmp_path)
    b = create_run_dir(None, "gan", root=tmp_path)
    assert a != b and a.is_dir() and b.is_dir() and a.name.startswith("gan-")


def test_run_dir_refuses_a_used_folder_unless_resuming(tmp_path):
    run = create_run_dir(tmp_path / "run", "gan")
    (run / "config.toml").write_text("")
    with pytest.raises(OutputError, match="already holds files; pass --resume"):
        create_run_dir(run, "gan")
    assert create_run_dir(run, "gan", resume=True) == run


def test_resume_needs_a_run(tmp_path):
    with pytest.raises(InputError, match="holds no run"):
        create_run_dir(tmp_path, "gan", resume=True)
    with pytest.raises(InputError, match="needs --out"):
        create_run_dir(None, "gan", resume=True)


def test_run_dir_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(OutputError, match="is a file"):
        create_run_dir(tmp_path / "f", "gan")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_unwritable_run_dir_fails_before_work(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="cannot write"):
            create_run_dir(locked / "run", "gan")
    finally:
        locked.chmod(0o700)


def test_unwritable_run_dir_under_a_file_fails_before_work(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(OutputError, match="cannot write"):
        create_run_dir(tmp_path / "f" / "run", "gan")


def test_run_cli_turns_errors_into_one_line(capsys):
    def main(argv):
        raise ConfigError("'train.epochs' must be an integer, got 'x'")

    assert run_cli(main, []) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error: 'train.epochs' must be an integer" in err


def test_run_cli_passes_exit_codes_and_interrupts(capsys):
    assert run_cli(lambda argv: None, []) == 0
    assert run_cli(lambda argv: 3, []) == 3

    def interrupted(argv):
        raise KeyboardInterrupt

    assert run_cli(interrupted, []) == 130
    assert "interrupted" in capsys.readouterr().err


def test_remove_temporaries_deletes_only_atomic_paths_leftovers(tmp_path):
    (tmp_path / "samples").mkdir()
    for name in (".state.ab12.tmp.npz", "samples/.epoch_001.cd34.tmp.png"):
        (tmp_path / name).write_bytes(b"half a save")  # what a kill -9 during a save leaves
    for name in ("state.npz", "samples/epoch_001.png", ".hidden", "notes.tmp.txt"):
        (tmp_path / name).write_bytes(b"kept")
    remove_temporaries(tmp_path)
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left == [".hidden", "notes.tmp.txt", "samples/epoch_001.png", "state.npz"]
