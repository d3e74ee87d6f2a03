"""ONNX and Keras 2 exports compute what the Keras 3 model computes: presets and random digit readers (with
BatchNormalization, Dropout, GlobalAveragePooling2D, ZeroPadding2D), run in onnxruntime and in tf_keras in
fresh interpreters that have no CNN Lab code on their path, to 1e-5 on 100 MNIST test images. And making a
Keras 2 file never touches this process's Keras 3."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from cnnlab.bridge.export import ExportFailed, export_bytes, trained_model
from cnnlab.core.arithmetic import analyze
from cnnlab.core.export_rules import KERAS2_ACTIVATIONS, ExportFormat
from cnnlab.core.layer_types.settings import Activation
from cnnlab.core.presets import PRESETS
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.data import load_mnist
from cnnlab.insight.digit import scale_pixels
from cnnlab.testing.models import random_weights_model
from cnnlab.testing.stacks import random_digit_reader

pytestmark = pytest.mark.keras

TOLERANCE = 1e-5
EVERY_LAYER = {"name": "every layer", "input_shape": [28, 28, 1], "layers": [
    {"type": "ZeroPadding2D", "padding": [[1, 2], [0, 3]]},
    {"type": "Conv2D", "filters": 6, "kernel_size": [3, 5], "strides": 2, "activation": "elu"},
    {"type": "BatchNormalization"},
    {"type": "AveragePooling2D", "pool_size": 3, "strides": 1, "padding": "same"},
    {"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same", "use_bias": False,
     "activation": "gelu"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Dropout", "rate": 0.5},
    {"type": "GlobalAveragePooling2D"},
    {"type": "Dense", "units": 12, "activation": "swish"},
    {"type": "BatchNormalization"},
    {"type": "Dense", "units": 10, "activation": "softmax"},
]}
# Activations Keras 2 lacks, or whose TensorFlow ops have no ONNX operator of their own (celu: Expm1).
KERAS3_ONLY = {"name": "keras 3 activations", "input_shape": [28, 28, 1], "layers": [
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "celu"},
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "hard_sigmoid"},
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "squareplus"},
    {"type": "Flatten"},
    {"type": "Dense", "units": 16, "activation": "sparsemax"},
    {"type": "Dense", "units": 16, "activation": "log_sigmoid"},
    {"type": "Dense", "units": 10, "activation": "softmax"},
]}


def _keras2_ready(spec: dict) -> dict:
    """`spec` with every activation Keras 2 lacks replaced by relu (so random stacks export to both)."""
    layers = [layer | {"activation": "relu"} if layer.get("activation", "linear") not in KERAS2_ACTIVATIONS
              else layer for layer in spec["layers"]]
    return spec | {"layers": layers}


def _stacks() -> dict[str, dict]:
    rng = random.Random(16)
    stacks = {name: spec_to_dict(preset.spec) for name, preset in PRESETS.items()}
    stacks |= {f"random {n}": _keras2_ready(random_digit_reader(rng)) for n in range(3)}
    return stacks | {"every layer": EVERY_LAYER, "keras 3 activations": KERAS3_ONLY}


STACKS = _stacks()

ORT_CHECK = """
import json, sys
import numpy as np
import onnxruntime as ort
images = np.load("images.npy")
answers = {}
for name, path in json.loads(sys.argv[1]).items():
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    inputs = [(i.name, i.type, i.shape) for i in session.get_inputs()]
    outputs = [(o.name, o.shape) for o in session.get_outputs()]
    answers[name] = {"inputs": inputs, "outputs": outputs,
                     "probabilities": session.run(["probabilities"], {"image": images})[0].tolist()}
print(json.dumps({"cnnlab": [m for m in sys.modules if m.startswith("cnnlab")], "path": sys.path,
                  "answers": answers}))
"""
KERAS2_CHECK = """
import json, os, sys
os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
import numpy as np
import tensorflow as tf
images = np.load("images.npy")
answers = {}
for name, path in json.loads(sys.argv[1]).items():
    model = tf.keras.models.load_model(path)
    answers[name] = {"module": type(model).__module__,
                     "probabilities": model.predict(images, verbose=0).tolist()}
print(json.dumps({"cnnlab": [m for m in sys.modules if m.startswith("cnnlab")], "path": sys.path,
                  "answers": answers}))
"""


def run_fresh(script: str, folder: Path, *args: str) -> dict:
    """Run `script` in a fresh, isolated interpreter (-I: no PYTHONPATH, no script directory) inside
    `folder`, which holds no project code; its last stdout line is JSON."""
    done = subprocess.run([sys.executable, "-I", "-c", script, *args], cwd=folder, capture_output=True,
                          text=True, timeout=600, env=os.environ | {"TF_CPP_MIN_LOG_LEVEL": "2"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class Exports:
    expected: dict[str, np.ndarray]  # Keras 3's probabilities per stack, (100, 10)
    onnx: dict  # the onnxruntime process's report
    keras2: dict  # the tf_keras process's report
    refused: dict[str, str]  # stack → why Keras 2 refused it


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Exports:
    """Every stack with random weights saved as Keras 3 files, reloaded the way the CLI does (spec + weights),
    exported to both formats, and run by onnxruntime and tf_keras in two fresh interpreters."""
    folder = tmp_path_factory.mktemp("exports")
    images = scale_pixels(load_mnist().x_test[:100])[..., None]
    np.save(folder / "images.npy", images)
    expected, onnx_files, keras2_files, refused = {}, {}, {}, {}
    for index, (name, raw) in enumerate(STACKS.items()):
        spec = analyze(raw).spec
        random_weights_model(raw, seed=index).save(folder / f"{index}.keras")
        model = trained_model(spec, folder / f"{index}.keras")
        expected[name] = np.asarray(model(images, training=False))
        (folder / f"{index}.onnx").write_bytes(export_bytes(model, spec, ExportFormat.ONNX))
        onnx_files[name] = f"{index}.onnx"
        try:
            (folder / f"{index}-keras2.h5").write_bytes(export_bytes(model, spec, ExportFormat.KERAS2_H5))
            keras2_files[name] = f"{index}-keras2.h5"
        except ExportFailed as error:
            refused[name] = str(error)
    return Exports(expected, run_fresh(ORT_CHECK, folder, json.dumps(onnx_files)),
                   run_fresh(KERAS2_CHECK, folder, json.dumps(keras2_files)), refused)


@pytest.mark.parametrize("name", list(STACKS))
def test_onnx_in_onnxruntime_predicts_as_keras_3(exports: Exports, name: str) -> None:
    answer = exports.onnx["answers"][name]
    assert answer["inputs"] == [["image", "tensor(float)", [answer["inputs"][0][2][0], 28, 28, 1]]]
    assert answer["outputs"] == [["probabilities", [answer["outputs"][0][1][0], 10]]]
    got = np.asarray(answer["probabilities"])
    assert got.shape == (100, 10)
    assert np.abs(got - exports.expected[name]).max() <= TOLERANCE
    assert (got.argmax(axis=1) == exports.expected[name].argmax(axis=1)).all()


@pytest.mark.parametrize("name", [name for name in STACKS if name != "keras 3 activations"])
def test_keras2_h5_in_tf_keras_predicts_as_keras_3(exports: Exports, name: str) -> None:
    answer = exports.keras2["answers"][name]
    assert answer["module"].startswith("tf_keras.")
    got = np.asarray(answer["probabilities"])
    assert got.shape == (100, 10)
    assert np.abs(got - exports.expected[name]).max() <= TOLERANCE


def test_checking_processes_ran_without_project_code(exports: Exports) -> None:
    root = str(Path(__file__).resolve().parents[2])
    for report in (exports.onnx, exports.keras2):
        assert report["cnnlab"] == []
        assert root not in report["path"] and "" not in report["path"]


def test_keras2_refuses_activations_it_lacks_naming_each_layer(exports: Exports) -> None:
    assert list(exports.refused) == ["keras 3 activations"]
    lines = exports.refused["keras 3 activations"].splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "layer 1 (Conv2D)", "layer 2 (Conv2D)", "layer 3 (Conv2D)", "layer 5 (Dense)", "layer 6 (Dense)"]
    assert lines[0].startswith('layer 1 (Conv2D): activation "celu" does not exist in Keras 2 (tf_keras)')
    assert lines[1].startswith('layer 2 (Conv2D): activation "hard_sigmoid" is computed differently in '
                               "Keras 2 (tf_keras)")


def test_keras2_export_leaves_this_process_keras_3(tmp_path: Path) -> None:
    import keras
    import tensorflow as tf

    spec = analyze(STACKS["batchnorm"]).spec
    model = random_weights_model(STACKS["batchnorm"], seed=3)
    images = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    before = np.asarray(model(images, training=False))
    data = export_bytes(model, spec, ExportFormat.KERAS2_H5)
    assert data.startswith(b"\x89HDF\r\n\x1a\n")
    assert "tf_keras" not in sys.modules and "TF_USE_LEGACY_KERAS" not in os.environ
    assert keras.__version__.startswith("3.") and tf.keras.__version__.startswith("3.")
    again = random_weights_model(STACKS["batchnorm"], seed=3)
    assert type(again).__module__.startswith("keras.")
    np.testing.assert_array_equal(np.asarray(again(images, training=False)), before)


def test_keras2_activation_set_is_what_tf_keras_computes_like_keras_3(tmp_path: Path) -> None:
    """The allowed set, asked of tf_keras itself: same name, same values as Keras 3 on [-6, 6]."""
    import keras

    x = np.linspace(-6, 6, 241, dtype=np.float32).reshape(1, -1)
    np.save(tmp_path / "x.npy", x)
    reference = {str(a): np.asarray(keras.activations.get(str(a))(x)).tolist() for a in Activation}
    (tmp_path / "keras3.json").write_text(json.dumps(reference))
    script = """
import json, os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
import numpy as np
import tensorflow as tf
import tf_keras
x = tf.constant(np.load("x.npy"))
same = []
for name, values in json.load(open("keras3.json")).items():
    try:
        got = np.asarray(tf_keras.activations.get(name)(x))
    except ValueError:
        continue
    if np.abs(got - np.asarray(values)).max() <= 1e-6:
        same.append(name)
print(json.dumps(same))
"""
    done = subprocess.run([sys.executable, "-I", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert set(json.loads(done.stdout.strip().splitlines()[-1])) == {str(a) for a in KERAS2_ACTIVATIONS}


def test_a_conversion_error_is_one_line_for_the_student(monkeypatch: pytest.MonkeyPatch) -> None:
    import tf2onnx

    def unsupported(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Unsupported ops: FancyOp\n  (a long detail)")

    monkeypatch.setattr(tf2onnx.convert, "from_function", unsupported)
    model = random_weights_model(STACKS["mlp"], seed=0)
    with pytest.raises(ExportFailed) as failed:
        export_bytes(model, analyze(STACKS["mlp"]).spec, ExportFormat.ONNX)
    assert str(failed.value) == "tf2onnx could not convert this model (Unsupported ops: FancyOp)"


def test_a_failing_keras2_process_is_reported_not_raised() -> None:
    model = random_weights_model(STACKS["mlp"], seed=0)  # weights that do not fit the stack below
    with pytest.raises(ExportFailed) as failed:
        export_bytes(model, analyze(STACKS["tiny"]).spec, ExportFormat.KERAS2_H5)
    assert str(failed.value).startswith("Keras 2 could not save this model (ValueError: ")
