"""`cnnlab train` stopped with Ctrl-C says so: "stopped after epoch N of M" (--json: "stopped": true)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cnnlab.engine.paths import PROJECT_ROOT

pytestmark = pytest.mark.keras
ENV = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}


def _interrupted(tmp_path: Path) -> tuple[str, str]:
    """Train the convnet for 5 epochs, press Ctrl-C once the first epoch is reported; (stdout, stderr)."""
    command = [sys.executable, "-m", "cnnlab", "train", "--preset", "convnet", "--epochs", "5", "--limit",
               "3000", "--batch-size", "32", "--out", str(tmp_path / "stopped.h5")]
    process = subprocess.Popen(command, cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    for line in process.stderr:
        if line.startswith("epoch 1/5:"):
            process.send_signal(signal.SIGINT)
            break
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return out, err


def test_ctrl_c_says_after_which_epoch_it_stopped(tmp_path: Path) -> None:
    out, _ = _interrupted(tmp_path)
    last = out.strip().splitlines()[-1]
    assert re.match(r"stopped after epoch [12] of 5 · MNIST test accuracy \d+\.\d\d%", last), last
    assert last.endswith(f"saved {tmp_path / 'stopped.h5'}")
