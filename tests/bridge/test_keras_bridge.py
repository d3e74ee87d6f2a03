"""The Keras bridge: the model it builds, the script it writes (run for real), and its lazy import."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cnnlab.bridge.code import keras_code
from cnnlab.bridge.model import build_model
from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import Optimizer, Schedule, TrainConfig
from cnnlab.core.keras_args import model_name
from cnnlab.core.layer_types.conv2d import Conv2D
from cnnlab.core.layer_types.dense import Dense
from cnnlab.core.layer_types.pooling import AveragePooling2D, MaxPooling2D
from cnnlab.core.layer_types.settings import Activation, Padding
from cnnlab.core.layer_types.zero_padding import ZeroPadding2D
from cnnlab.core.layers import NetworkSpec
from cnnlab.core.presets import PRESETS, preset_spec
from cnnlab.engine.paths import PROJECT_ROOT

pytestmark = pytest.mark.keras


def test_keras_arguments_keep_keras_names_and_skip_defaults() -> None:
    conv = Conv2D(8, (3, 5), (2, 1), Padding.same, Activation.relu, False)
    assert conv.keras_arguments() == {"filters": 8, "kernel_size": (3, 5), "strides": (2, 1),
                                      "padding": "same", "activation": "relu", "use_bias": False}
    assert MaxPooling2D((2, 2), (2, 2)).keras_arguments() == {"pool_size": (2, 2)}
    assert AveragePooling2D((3, 3), (1, 1)).keras_arguments() == {"pool_size": (3, 3), "strides": (1, 1)}
    assert ZeroPadding2D(((2, 2), (2, 2))).keras_arguments() == {"padding": 2}
    assert ZeroPadding2D(((1, 1), (3, 3))).keras_arguments() == {"padding": (1, 3)}
    assert ZeroPadding2D(((0, 1), (3, 3))).keras_arguments() == {"padding": ((0, 1), (3, 3))}
    assert Dense(10).keras_arguments() == {"units": 10}


def test_model_names() -> None:
    assert model_name(NetworkSpec(name="My net #2")) == "My_net_2"
    assert model_name(NetworkSpec()) == "sequential"


def test_build_model_names_layers_like_the_reference() -> None:
    model = build_model(preset_spec("convnet"))
    assert [layer.name for layer in model.layers] == ["conv2d_1", "max_pooling2d_1", "conv2d_2",
                                                      "max_pooling2d_2", "conv2d_3", "flatten_1", "dense_1",
                                                      "dense_2"]
    assert model.count_params() == 60874
    assert model.layers[0].get_config()["activation"] == "relu"


def test_keras_code_for_lenot_reads_like_the_reference() -> None:
    code = keras_code(preset_spec("lenot"))
    assert 'model.add(layers.ZeroPadding2D(padding=2))' in code
    assert 'model.add(layers.Conv2D(filters=6, kernel_size=(5, 5), activation="relu"))' in code
    assert 'model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])' in code
    assert "model.summary()" in code


def test_keras_code_runs_and_builds_the_same_model(tmp_path) -> None:
    specs = [PRESETS[name].spec for name in PRESETS]
    specs.append(analyze({"name": "odd \"quotes\"", "input_shape": [17, 9, 2], "layers": [
        {"type": "ZeroPadding2D", "padding": [[0, 3], [2, 1]]},
        {"type": "Conv2D", "filters": 5, "kernel_size": [4, 2], "strides": [3, 1], "padding": "same",
         "use_bias": False},
        {"type": "AveragePooling2D", "pool_size": [2, 3], "strides": 1},
        {"type": "Dense", "units": 3, "activation": "gelu"}, {"type": "BatchNormalization"},
        {"type": "Flatten"}, {"type": "Dropout", "rate": 0.3}, {"type": "Dense", "units": 4}]}).spec)
    script = "\n".join(
        f"{keras_code(spec)}\nprint('COUNT', model.count_params(), model.name)\n" for spec in specs)
    path = tmp_path / "notebook.py"
    path.write_text(script)
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    counts = [line.split()[1:] for line in result.stdout.splitlines() if line.startswith("COUNT ")]
    assert counts == [[str(analyze(spec).total_params), model_name(spec)] for spec in specs]


def test_importing_the_bridge_does_not_import_keras() -> None:
    code = ("import sys, cnnlab.bridge.model, cnnlab.bridge.code; "
            "print('keras' in sys.modules, 'tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["False", "False"]


_OFFLINE_MNIST = """
import keras
from cnnlab.engine.data import load_mnist

_mnist = load_mnist()  # the script asks Keras to download MNIST; tests stay offline
keras.datasets.mnist.load_data = lambda: ((_mnist.x_train, _mnist.y_train), (_mnist.x_test, _mnist.y_test))
"""
_REPORT = """
import json
optimizer = model.optimizer
saved = keras.models.load_model("convnet.h5")
print("REPORT", json.dumps({"optimizer": type(optimizer).__name__, "steps": int(optimizer.iterations),
                            "learning_rate": float(optimizer.learning_rate), "params": model.count_params(),
                            "saved": saved.count_params(),
                            "saved_optimizer": keras.saving.serialize_keras_object(saved.optimizer),
                            "config": {key: value for key, value in optimizer.get_config().items()
                                       if key in ("beta_1", "beta_2", "momentum")}}))
"""


ONE_CYCLE_ADAM = TrainConfig(epochs=2, batch_size=32, optimizer=Optimizer.ADAM, learning_rate=0.002,
                             train_size=600, validation_split=0.1, seed=3, schedule=Schedule.ONE_CYCLE,
                             final_fraction=0.1, beta_1=0.7, beta_2=0.9)
COSINE_SGD = TrainConfig(epochs=2, batch_size=32, optimizer=Optimizer.SGD, learning_rate=0.002,
                         train_size=600, validation_split=0.1, seed=3, schedule=Schedule.COSINE,
                         final_fraction=0.1, momentum=0.9)


@pytest.mark.parametrize(
    ("run", "optimizer", "rate_at_end", "settings"),
    [
        (TrainConfig(epochs=2, batch_size=32, optimizer=Optimizer.ADAM, learning_rate=0.002, train_size=600,
                     validation_split=0.1, seed=3), "Adam", 0.002, {"beta_1": 0.9, "beta_2": 0.999}),
        (ONE_CYCLE_ADAM, "Adam", 0.0002, {"beta_1": 0.7, "beta_2": 0.9}),
        (COSINE_SGD, "SGD", 0.0002, {"momentum": 0.9}),
    ],
)
def test_the_code_of_a_run_trains_as_that_run_did(tmp_path, run: TrainConfig, optimizer: str,
                                                   rate_at_end: float, settings: dict) -> None:
    """Results' script uses the run's optimizer, its settings and learning-rate schedule, images, validation
    split, epochs, batch; the saved file keeps the schedule (Keras's own CosineDecay)."""
    script = tmp_path / "run.py"
    script.write_text(_OFFLINE_MNIST + keras_code(preset_spec("convnet"), run) + _REPORT)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.split("REPORT ", 1)[1])
    assert report["optimizer"] == optimizer and report["learning_rate"] == pytest.approx(rate_at_end)
    assert report["config"] == pytest.approx(settings)
    assert report["steps"] == run.epochs * run.steps_per_epoch == 2 * 17  # ⌈540 / 32⌉ per epoch
    saved_rate = report["saved_optimizer"]["config"]["learning_rate"]
    if run.schedule is Schedule.CONSTANT:
        assert saved_rate == pytest.approx(0.002)
    else:
        assert saved_rate["class_name"] == "CosineDecay"
        decay_steps = 34 - 8 if run.schedule is Schedule.ONE_CYCLE else 34  # climbs round(8.5)
        assert saved_rate["config"]["decay_steps"] == decay_steps
    assert report["params"] == report["saved"] == 60874
    assert "Test accuracy:" in result.stdout


def test_every_optimizer_choice_is_written_as_a_keras_class() -> None:
    import keras

    for choice in Optimizer:
        code = keras_code(preset_spec("tiny"), TrainConfig(optimizer=choice))
        written = code.split("optimizer = keras.optimizers.", 1)[1].split("(", 1)[0]
        assert getattr(keras.optimizers, written)().__class__.__name__.lower() == str(choice)
