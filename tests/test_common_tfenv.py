"""common.tfenv: a command's TensorFlow environment, never overriding the user's choice."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from common.tfenv import configure_tensorflow


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    return monkeypatch


def test_sets_the_log_level_and_leaves_the_kernels_to_tensorflow_by_default(clean_env):
    configure_tensorflow()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert "TF_ENABLE_ONEDNN_OPTS" not in os.environ


def test_a_users_own_setting_wins(clean_env):
    clean_env.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    clean_env.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    configure_tensorflow(onednn=True)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0" and os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"


def test_onednn_is_asked_for_only_before_tensorflow_is_imported():
    code = (
        "import os, sys\n"
        "from common.tfenv import configure_tensorflow\n"
        "configure_tensorflow(onednn=True)\n"
        "before = os.environ.get('TF_ENABLE_ONEDNN_OPTS')\n"
        "del os.environ['TF_ENABLE_ONEDNN_OPTS']\n"
        "sys.modules['tensorflow'] = object()  # as if imported: setting it now would be a lie\n"
        "configure_tensorflow(onednn=True)\n"
        "print(before, os.environ.get('TF_ENABLE_ONEDNN_OPTS'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["1", "None"]
