"""`python -m cnnlab export`: a CNN Lab model file to ONNX or Keras 2; anything else exits 2 with a message.

The files' own numbers are checked against Keras in tests/bridge/test_export.py; here: the command line, the
safe reading of the file, and the messages.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from cnnlab.cli.main import main
from cnnlab.engine.paths import PROJECT_ROOT

SOFTMAX_10 = {"class_name": "Dense", "config": {"units": 10, "activation": "softmax"}}


def _config_only_h5(path: Path, *layers: dict, input_shape: tuple[int, ...] = (28, 28, 1)) -> Path:
    """An HDF5 file holding a Keras Sequential architecture and no weights."""
    config = {"class_name": "Sequential", "config": {"name": "handmade", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, *input_shape]}}, *layers]}}
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = json.dumps(config)
    return path


def _export(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str]:
    """Run the command in this process: (exit status, stderr)."""
    try:
        status = main(["export", *args])
    except SystemExit as exit_:  # argparse's own usage errors
        status = int(exit_.code or 0)
    return status, capsys.readouterr().err


def test_missing_and_non_model_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = str(tmp_path / "m.onnx")
    assert _export(capsys, str(tmp_path / "nothing.h5"), "--to", "onnx", "--out", out) == (
        2, f"cnnlab export: {tmp_path / 'nothing.h5'}: no such file\n")
    notes = tmp_path / "notes.h5"
    notes.write_text("not a model")
    assert _export(capsys, str(notes), "--to", "onnx", "--out", out) == (
        2, "cnnlab export: notes.h5: not a Keras model file (expected an .h5 or .keras file saved by "
           "model.save)\n")
    assert _export(capsys, str(tmp_path), "--to", "onnx", "--out", out)[0] == 2


def test_unknown_format_and_wrong_out_name_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    model = _config_only_h5(tmp_path / "m.h5", {"class_name": "Flatten", "config": {}}, SOFTMAX_10)
    status, err = _export(capsys, str(model), "--to", "tflite", "--out", "m.tflite")
    assert status == 2 and "argument --to: invalid choice: 'tflite' (choose from 'onnx', 'keras2-h5')" in err
    assert _export(capsys, str(model), "--to", "onnx", "--out", str(tmp_path / "m.h5x")) == (
        2, f"cnnlab export: --out {tmp_path / 'm.h5x'}: the ONNX file's name must end in .onnx\n")
    assert _export(capsys, str(model), "--to", "keras2-h5", "--out", str(tmp_path / "no" / "m.h5")) == (
        2, f"cnnlab export: --out {tmp_path / 'no' / 'm.h5'}: not a file in an existing folder\n")


def test_lambda_layers_are_refused_without_running(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    model = _config_only_h5(tmp_path / "lambda.h5", {"class_name": "Lambda", "config": {"function": "x"}},
                            SOFTMAX_10)
    status, err = _export(capsys, str(model), "--to", "onnx", "--out", str(tmp_path / "m.onnx"))
    assert status == 2
    assert err.startswith("cnnlab export: lambda.h5: layer 1 (Lambda): Lambda layers contain Python code")
    assert "Traceback" not in err


def test_a_stack_that_is_no_digit_reader_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    model = _config_only_h5(tmp_path / "rgb.h5", {"class_name": "Flatten", "config": {}}, SOFTMAX_10,
                            input_shape=(32, 32, 3))
    assert _export(capsys, str(model), "--to", "onnx", "--out", str(tmp_path / "m.onnx")) == (
        2, "cnnlab export: rgb.h5 cannot be exported as ONNX:\ninput_shape: MNIST images are 28×28×1 but "
           "this stack expects 32×32×3; set input_shape to [28, 28, 1] (a ZeroPadding2D layer can then "
           "enlarge them)\n")


def test_keras2_names_the_layer_whose_activation_it_lacks(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    celu = {"class_name": "Dense", "config": {"units": 32, "activation": "celu"}}
    model = _config_only_h5(tmp_path / "celu.h5", {"class_name": "Flatten", "config": {}}, celu, SOFTMAX_10)
    status, err = _export(capsys, str(model), "--to", "keras2-h5", "--out", str(tmp_path / "m.h5"))
    assert status == 2
    assert err.startswith('cnnlab export: celu.h5 cannot be exported as Keras 2 .h5:\nlayer 2 (Dense): '
                          'activation "celu" does not exist in Keras 2 (tf_keras); use one of ')
    assert not (tmp_path / "m.h5").exists()


@pytest.mark.keras
def test_a_file_without_weights_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    model = _config_only_h5(tmp_path / "bare.h5", {"class_name": "Flatten", "config": {}}, SOFTMAX_10)
    status, err = _export(capsys, str(model), "--to", "onnx", "--out", str(tmp_path / "m.onnx"))
    assert status == 2
    assert err.startswith("cnnlab export: bare.h5: its weights could not be read into the stack it describes")


def _cnnlab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnnlab", "export", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT),
                               "TF_CPP_MIN_LOG_LEVEL": "3"})


@pytest.mark.keras
def test_exports_a_keras_file_whatever_its_name(tmp_path: Path) -> None:
    import onnxruntime as ort

    from cnnlab.testing.models import random_weights_model

    raw = {"name": "tiny", "input_shape": [28, 28, 1], "layers": [
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
        {"type": "GlobalAveragePooling2D"}, {"type": "Dense", "units": 10, "activation": "softmax"}]}
    model = random_weights_model(raw, seed=1)
    model.save(tmp_path / "tiny.keras")
    (tmp_path / "tiny.bin").write_bytes((tmp_path / "tiny.keras").read_bytes())
    done = _cnnlab(str(tmp_path / "tiny.bin"), "--to", "onnx", "--out", str(tmp_path / "tiny.onnx"), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {key: report[key] for key in ("format", "out", "input", "output")} == {
        "format": "onnx", "out": str(tmp_path / "tiny.onnx"),
        "input": {"name": "image", "shape": [None, 28, 28, 1]},
        "output": {"name": "probabilities", "shape": [None, 10]}}
    assert report["bytes"] == (tmp_path / "tiny.onnx").stat().st_size and report["seconds"] > 0
    images = np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)
    got = ort.InferenceSession(tmp_path / "tiny.onnx").run(None, {"image": images})[0]
    assert np.abs(got - np.asarray(model(images, training=False))).max() <= 1e-5


@pytest.mark.keras
def test_exports_keras2_h5_and_says_where(tmp_path: Path) -> None:
    from cnnlab.testing.models import random_weights_model

    raw = {"name": "mlp", "input_shape": [28, 28, 1], "layers": [
        {"type": "Flatten"}, {"type": "Dense", "units": 10, "activation": "softmax"}]}
    random_weights_model(raw, seed=2).save(tmp_path / "mlp.h5")
    out = tmp_path / "mlp-keras2.h5"
    done = _cnnlab(str(tmp_path / "mlp.h5"), "--to", "keras2-h5", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {out} (Keras 2 .h5, {out.stat().st_size:,} bytes, ")
    with h5py.File(out, "r") as handle:
        assert handle.attrs["keras_version"] == "2.21.0"
        first = json.loads(handle.attrs["model_config"])["config"]["layers"][0]
    assert first["config"]["batch_input_shape"] == [None, 28, 28, 1]
