"""`python -m cnnlab explain MODEL --layer N --at … [--image …] [--json]`: one value of a trained model
traced, its JSON keys exactly as documented, the value equal to Keras's; bad arguments exit 2 naming the
layer or the coordinate, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnlab.cli.main import main
from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.data import load_mnist
from cnnlab.engine.paths import PROJECT_ROOT
from cnnlab.testing.models import random_weights_model

pytestmark = pytest.mark.keras
KEYS = ["layer", "type", "at", "receptive_field", "patch", "kernel", "bias", "pre_activation", "activation",
        "value", "keras_value"]


@pytest.fixture(scope="module")
def convnet_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference convnet with seeded random weights, saved as Keras saves a run's model."""
    path = tmp_path_factory.mktemp("explain") / "convnet.h5"
    random_weights_model(spec_to_dict(preset_spec("convnet")), 7).save(path)
    return path


def _explain(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """Run the command in this process: (exit status, stdout, stderr)."""
    try:
        status = main(["explain", *args])
    except SystemExit as exit_:  # argparse's own usage errors
        status = int(exit_.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_conv_value_as_json(convnet_file: Path, capsys: pytest.CaptureFixture) -> None:
    status, out, err = _explain(capsys, str(convnet_file), "--layer", "3", "--at", "4,5,7", "--image",
                                "test:0", "--json")
    assert (status, err) == (0, "")
    document = json.loads(out)
    assert list(document)[:len(KEYS)] == KEYS
    assert (document["layer"], document["type"], document["at"]) == (3, "Conv2D", [4, 5, 7])
    assert document["receptive_field"] == [8, 10, 15, 17]  # the table's 8×8 px, placed at row 4, column 5
    patch, kernel = np.asarray(document["patch"]), np.asarray(document["kernel"])
    assert patch.shape == kernel.shape == (3, 3, 16)
    assert document["pre_activation"] == pytest.approx(float(np.sum(patch * kernel)) + document["bias"])
    assert document["activation"] == "relu"
    assert document["value"] == pytest.approx(max(document["pre_activation"], 0.0))
    assert abs(document["value"] - document["keras_value"]) <= 1e-5


def test_pooling_dense_and_flatten_values(convnet_file: Path, capsys: pytest.CaptureFixture) -> None:
    pooled = json.loads(_explain(capsys, str(convnet_file), "--layer", "2", "--at", "12,12,3", "--json")[1])
    assert (pooled["type"], pooled["operation"], pooled["kernel"], pooled["bias"]) == (
        "MaxPooling2D", "max", None, None)
    assert pooled["receptive_field"] == [24, 24, 27, 27]
    assert np.asarray(pooled["patch"]).shape == (2, 2, 1)
    assert pooled["value"] == np.max(pooled["patch"]) == pooled["keras_value"]
    assert 24 <= pooled["winner"][0] <= 25 and 24 <= pooled["winner"][1] <= 25
    dense = json.loads(_explain(capsys, str(convnet_file), "--layer", "8", "--at", "3", "--json")[1])
    assert (dense["type"], dense["activation"], dense["at"]) == ("Dense", "softmax", [3])
    assert np.asarray(dense["patch"]).shape == np.asarray(dense["kernel"]).shape == (64,)
    assert dense["receptive_field"] == [0, 0, 27, 27]  # the table's "whole image"
    assert abs(dense["value"] - dense["keras_value"]) <= 1e-5
    flat = json.loads(_explain(capsys, str(convnet_file), "--layer", "6", "--at", "130", "--json")[1])
    assert (flat["operation"], flat["reads"]) == ("copy", [[0, 1], [2, 3], [2, 3]])  # row 0, col 2, ch 2
    assert flat["value"] == flat["keras_value"]


def test_the_text_trace_and_a_picture_file(convnet_file: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture) -> None:
    picture = tmp_path / "seven.png"
    Image.fromarray(255 - load_mnist().x_test[0]).resize((140, 140)).save(picture)  # dark ink on paper
    status, out, err = _explain(capsys, str(convnet_file), "--layer", "1", "--at", "10,10,0", "--image",
                                str(picture))
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == ("layer 1 (Conv2D), the value at row 10, column 10, channel 0 (counted from 0), for "
                        "seven.png")
    assert lines[1] == "it sees input pixels rows 10–12, columns 10–12 (3×3 px)"
    assert any(line.startswith("Σ input × weight over 9 values = ") for line in lines)
    assert lines[-1].startswith("Keras computed ")


@pytest.mark.parametrize(("args", "message"), [
    (["--layer", "9", "--at", "0"], "--layer 9 --at 0: there is no layer 9: the stack has layers 1–8"),
    (["--layer", "3", "--at", "11,0,0"],
     "--layer 3 --at 11,0,0: layer 3 (Conv2D) has 11 rows (0–10); row 11 is outside it"),
    (["--layer", "3", "--at", "1,2"], "--layer 3 --at 1,2: layer 3 (Conv2D) gives 11×11×32 values per image"),
    (["--layer", "7", "--at", "64"], "--layer 7 --at 64: layer 7 (Dense) has 64 units (0–63); unit 64 is"),
    (["--layer", "3", "--at", "a,b,c"], "--at 'a,b,c': give whole numbers separated by commas"),
    (["--layer", "1", "--at", "0,0,0", "--image", "test:10000"],
     "--image test:10000: the MNIST test images are test:0 to test:9999"),
    (["--layer", "1", "--at", "0,0,0", "--image", "nothing.png"], "--image nothing.png: no such file"),
])
def test_bad_arguments_exit_2_with_a_message(convnet_file: Path, capsys: pytest.CaptureFixture,
                                             args: list[str], message: str) -> None:
    status, out, err = _explain(capsys, str(convnet_file), *args)
    assert (status, out) == (2, "")
    assert err.startswith(f"cnnlab explain: {message}")
    assert "Traceback" not in err


def test_a_missing_layer_number_is_argparses_usage_error(convnet_file: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    status, _, err = _explain(capsys, str(convnet_file), "--layer", "three", "--at", "0,0,0")
    assert status == 2 and "argument --layer: invalid int value: 'three'" in err


def test_from_a_terminal_no_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.h5"
    broken.write_bytes(b"\x89HDF\r\n\x1a\nnot really")
    result = subprocess.run([sys.executable, "-m", "cnnlab", "explain", str(broken), "--layer", "1", "--at",
                             "0,0,0"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT)})
    assert result.returncode == 2
    assert result.stderr.startswith("cnnlab explain: broken.h5: not a readable HDF5 file")
    assert "Traceback" not in result.stderr
