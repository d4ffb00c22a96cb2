"""Tests for common.stop: a first signal sets the flag, a second aborts, the old handlers come back."""

import os
import signal

import pytest

from common.stop import StopFlag


@pytest.mark.parametrize("signum, name", [(signal.SIGINT, "interrupted (Ctrl-C)"), (signal.SIGTERM, "terminated (SIGTERM)")])
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
