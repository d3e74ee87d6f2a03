"""The trained model files load in plain Keras, in a fresh process without this project, and answer the same.

`keras.models.load_model` runs in a subprocess started in an empty directory with `python -I` (no PYTHONPATH,
no current directory on sys.path), so nothing of cnnlab can help it. The model in memory is represented by
what the worker reported before saving: its prediction and confidence for each of the 10,000 test images.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.engine.data import load_mnist
from cnnlab.engine.store import ModelFormat
from cnnlab.testing.engine import SMALL, shared_manager, small_run

pytestmark = pytest.mark.keras  # every test here trains or loads a Keras model

_LOAD_AND_PREDICT = """
import json, sys
import numpy as np
import keras

images = np.load(sys.argv[1])
report = {"cnnlab_importable": any(m.startswith("cnnlab") for m in sys.modules)}
for path in sys.argv[2:]:
    model = keras.models.load_model(path)
    probabilities = model.predict(images, verbose=0)
    report[path] = {
        "params": model.count_params(),
        "layers": [[type(layer).__name__, list(layer.output.shape)] for layer in model.layers],
        "input": [list(model.inputs[0].shape), str(model.inputs[0].dtype)],
        "probabilities": probabilities.tolist(),
        "optimizer": model.optimizer.get_config() if model.compiled else None,
        "optimizer_class": type(model.optimizer).__name__ if model.compiled else None,
        "optimizer_steps": int(model.optimizer.iterations.numpy()) if model.compiled else None,
    }
try:
    import cnnlab
    report["cnnlab_importable"] = True
except ImportError:
    pass
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Both model files of the small run, copied to an empty folder and loaded there by a fresh Python."""
    manager, run = shared_manager(), small_run()
    folder = tmp_path_factory.mktemp("elsewhere")
    paths = []
    for fmt in ModelFormat:
        paths.append(folder / fmt.filename)
        shutil.copy(manager.model_file(run.job_id, run.owner, fmt), paths[-1])
    images = (load_mnist().x_test[..., np.newaxis] / 255).astype(np.float32)  # (10000, 28, 28, 1)
    np.save(folder / "images.npy", images)
    done = subprocess.run([sys.executable, "-I", "-c", _LOAD_AND_PREDICT, "images.npy", *map(str, paths)],
                          cwd=folder, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    return {"cnnlab_importable": report["cnnlab_importable"], "paths": paths, "run": run, "manager": manager,
            **{fmt: report[str(path)] for fmt, path in zip(ModelFormat, paths, strict=True)}}


def test_no_project_code_helped_the_fresh_process(loaded: dict) -> None:
    assert loaded["cnnlab_importable"] is False


@pytest.mark.parametrize("fmt", list(ModelFormat))
def test_same_architecture_and_parameters_as_the_model_in_memory(loaded: dict, fmt: ModelFormat) -> None:
    from cnnlab.bridge.model import build_model

    run = loaded["run"]
    in_memory = build_model(analyze(run.seen[-1].spec).spec)  # how the worker built the model it trained
    report = loaded[fmt]
    assert report["params"] == in_memory.count_params() == run.seen[-1].params == 60874
    layers = [[type(layer).__name__, list(layer.output.shape)] for layer in in_memory.layers]
    assert report["layers"] == layers
    assert report["input"] == [[None, 28, 28, 1], "float32"]


@pytest.mark.parametrize("fmt", list(ModelFormat))
def test_same_predictions_as_the_model_in_memory(loaded: dict, fmt: ModelFormat) -> None:
    run = loaded["run"]
    result = loaded["manager"].result(run.job_id, run.owner)
    probabilities = np.asarray(loaded[fmt]["probabilities"])
    assert probabilities.shape == (10000, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)  # softmax probabilities
    assert np.array_equal(probabilities.argmax(axis=1), result.predicted)
    np.testing.assert_allclose(probabilities.max(axis=1), result.confidence, atol=1e-4)
    accuracy = (probabilities.argmax(axis=1) == load_mnist().y_test).mean()
    assert accuracy == pytest.approx(run.seen[-1].test_accuracy)


@pytest.mark.parametrize("fmt", list(ModelFormat))
def test_the_file_is_compiled_with_keras_own_rmsprop_as_trained(loaded: dict, fmt: ModelFormat) -> None:
    """Compiled as the reference's file was: rmsprop, with the run's learning rate and step count."""
    report, run = loaded[fmt], loaded["run"]
    assert report["optimizer_class"] == "RMSprop"
    assert report["optimizer"]["learning_rate"] == pytest.approx(SMALL.learning_rate)
    assert report["optimizer"]["epsilon"] == pytest.approx(1e-7)
    assert report["optimizer_steps"] == SMALL.epochs * run.seen[-1].steps_per_epoch


def test_the_h5_file_is_keras_legacy_hdf5(loaded: dict) -> None:
    with h5py.File(loaded["paths"][0], "r") as model_file:
        assert json.loads(model_file.attrs["model_config"])["class_name"] == "Sequential"
        assert "model_weights" in model_file and model_file.attrs["backend"] == "tensorflow"
    assert Path(loaded["paths"][1]).read_bytes()[:2] == b"PK"  # .keras is a zip
