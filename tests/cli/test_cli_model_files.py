"""`cnnlab summary model.h5`: the command line reads Keras model files as Build does (no code run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cnnlab.bridge.model import build_model
from cnnlab.core.presets import PRESETS
from cnnlab.engine.paths import PROJECT_ROOT

pytestmark = pytest.mark.keras


def _summary(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnnlab", "summary", *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=60)


@pytest.mark.parametrize("suffix", [".h5", ".keras"])
def test_a_model_file_is_summarised_like_its_spec(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"convnet-98.91{suffix}"
    build_model(PRESETS["convnet"].spec).save(path)
    result = _summary(str(path), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["total_params"] == 60_874
    assert [layer["type"] for layer in document["layers"]][:2] == ["Conv2D", "MaxPooling2D"]
    assert "Total params: 60,874" in _summary(str(path)).stdout


def test_a_binary_file_that_is_no_model_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    result = _summary(str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == "cnnlab summary: model.h5: not a readable HDF5 file (OSError)\n"
