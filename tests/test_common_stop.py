"""Tests for common.stop: a first signal sets the flag, a second aborts, the old handlers come back."""

import os
import signal

import pytest

from common.stop import StopFlag


@pytest.mark.parametrize(
    "signum, name", [(signal.SIGINT, "interrupted (Ctrl-C)"), (signal.SIGTERM, "terminated (SIGTERM)")]
)
def test_first_signal_sets_the_flag_and_says_so(signum, name, capsys):
    flag = StopFlag("prog")
    before = signal.getsignal(signum)
    with flag.installed():
        assert not flag() and flag.name == "stopped"
        os.kill(os.getpid(), signum)  # handled synchronously by the main thread at the next bytecode
        assert flag() and flag.signal == signum and flag.name == name
    assert signal.getsignal(signum) is before, "the previous handler is back"
    assert "prog: stopping after this step" in capsys.readouterr().err


def test_second_signal_aborts_at_once():
    flag = StopFlag("prog")
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        with flag.installed():
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is before


def test_handlers_are_restored_when_the_block_raises():
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(ValueError):
        with StopFlag("prog").installed():
            raise ValueError("boom")
    assert signal.getsignal(signal.SIGINT) is before


def test_an_epoch_loop_finishes_the_epoch_on_a_first_ctrl_c_then_stops_now_then_aborts(capsys):
    flag = StopFlag("prog", epochs=True, describe=lambda now: "after the step" if now else "after the epoch")
    with pytest.raises(KeyboardInterrupt):
        with flag.installed():
            os.kill(os.getpid(), signal.SIGINT)
            assert flag() and flag.after_epoch and not flag.after_step
            os.kill(os.getpid(), signal.SIGINT)
            assert flag.after_step and flag.signal == signal.SIGINT and flag.exit_code == 130
            os.kill(os.getpid(), signal.SIGINT)
    assert capsys.readouterr().err.split() == ["prog:", "after", "the", "epoch", "prog:", "after", "the", "step"]


def test_sigterm_stops_an_epoch_loop_after_the_step():
    flag = StopFlag("prog", epochs=True)
    with flag.installed():
        os.kill(os.getpid(), signal.SIGTERM)
    assert flag.after_step and not flag.after_epoch and flag.exit_code == 143 and flag.signal_name == "SIGTERM"
