"""The model card: architecture, every training setting, accuracy per digit, date — and its loading code for
Keras 3, Keras 2 and onnxruntime runs, as written, in fresh interpreters without project code."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from cnnlab.bridge.code import keras_code
from cnnlab.bridge.export import export_bytes
from cnnlab.core.arithmetic import analyze
from cnnlab.core.datasets import Dataset
from cnnlab.core.export_rules import ExportFormat
from cnnlab.core.hyper import Optimizer, TrainConfig, config_to_dict
from cnnlab.core.presets import PRESETS
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.insight.model_card import CardFiles, loading_code, model_card

FILES = CardFiles(keras3="convnet-98.91.keras", keras2_h5="convnet-98.91-keras2.h5",
                  onnx="convnet-98.91.onnx")
CONFUSION = [[970 if true == predicted else 0 for predicted in range(10)] for true in range(10)]
CONFUSION[7][1] = 10  # digit 7: 970 of 980 right


def _card(confusion: list[list[int]] | None = CONFUSION) -> str:
    config = TrainConfig(epochs=3, optimizer=Optimizer.ADAM, learning_rate=0.002, seed=7)
    return model_card("convnet", analyze(PRESETS["convnet"].spec), config, 0.9891, confusion,
                      dt.datetime(2026, 11, 29, 9, 41), FILES)


def test_card_gives_architecture_with_parameters() -> None:
    card = _card()
    assert card.startswith("# convnet — CNN Lab model card\n")
    assert "| conv2d_1 (Conv2D) | (None, 26, 26, 16) | 160 |" in card
    assert "| max_pooling2d_1 (MaxPooling2D) | (None, 13, 13, 16) | 0 |" in card
    assert "| dense_2 (Dense) | (None, 10) | 650 |" in card
    assert "Total parameters: 60,874 (60,874 trainable, 0 non-trainable)." in card


def test_card_lists_every_training_setting_the_run_used() -> None:
    card = _card()
    used = config_to_dict(TrainConfig(epochs=3, optimizer=Optimizer.ADAM, learning_rate=0.002, seed=7))
    for field in fields(TrainConfig):
        assert (f"| {field.name} |" in card) == (field.name in used), field.name
    assert "| beta_1 |" in card and "| momentum |" not in card  # adam's own settings, not sgd's
    assert "| optimizer | adam |" in card and "| learning_rate | 0.002 |" in card and "| seed | 7 |" in card


def test_card_gives_accuracy_per_digit_and_date() -> None:
    card = _card()
    assert "Trained 2026-11-29 09:41 on MNIST" in card
    assert "98.91 % of MNIST's 10,000 test images read correctly." in card
    partial = model_card("convnet", analyze(PRESETS["convnet"].spec), TrainConfig(), 0.997, CONFUSION,
                         dt.datetime(2026, 11, 29, 9, 41), FILES, tested_images=1928)
    assert ("99.70 % of the first 1,928 of MNIST's 10,000 test images read correctly (the run was stopped "
            "while testing: not comparable with a whole score).") in partial
    assert "| 0 | 970 | 100.00 % |" in card
    assert "| 7 | 980 | 98.98 % |" in card
    assert "| Digit |" not in _card(confusion=None)


def test_card_code_opens_the_named_files() -> None:
    code = loading_code(FILES)
    assert list(code) == ["Keras 3", "Keras 2 (tf_keras)", "onnxruntime"]
    assert 'model = keras.models.load_model("convnet-98.91.keras")' in code["Keras 3"]
    assert 'model = tf.keras.models.load_model("convnet-98.91-keras2.h5")' in code["Keras 2 (tf_keras)"]
    assert 'os.environ["TF_USE_LEGACY_KERAS"] = "1"' in code["Keras 2 (tf_keras)"]
    assert 'session.run(["probabilities"], {"image": images})' in code["onnxruntime"]


def test_card_refuses_a_stack_with_problems() -> None:
    with pytest.raises(ValueError, match="without problems"):
        model_card("x", analyze({"layers": [{"type": "Conv2D"}]}), TrainConfig(), None, None,
                   dt.datetime(2026, 1, 1), FILES)


@pytest.mark.keras
def test_card_code_runs_and_reads_what_keras_3_reads(tmp_path: Path) -> None:
    from cnnlab.testing.models import random_weights_model

    raw = spec_to_dict(PRESETS["convnet"].spec)
    model = random_weights_model(raw, seed=5)
    model.save(tmp_path / FILES.keras3)
    spec = analyze(raw).spec
    for fmt, name in ((ExportFormat.ONNX, FILES.onnx), (ExportFormat.KERAS2_H5, FILES.keras2_h5)):
        (tmp_path / name).write_bytes(export_bytes(model, spec, fmt))
    expected = np.asarray(model(np.zeros((1, 28, 28, 1), dtype=np.float32), training=False))
    blocks = re.findall(r"```python\n(.*?)\n```", _card(), flags=re.DOTALL)
    assert blocks == list(loading_code(FILES).values())
    for code in blocks:
        script = code + "\nimport json\nprint(json.dumps(probabilities.tolist()))\n"
        done = subprocess.run([sys.executable, "-I", "-c", script], cwd=tmp_path, capture_output=True,
                              text=True, timeout=600, env=os.environ | {"TF_CPP_MIN_LOG_LEVEL": "2"})
        assert done.returncode == 0, done.stderr[-2000:]
        printed = done.stdout.strip().splitlines()
        assert printed[-2].endswith(f"[{expected.argmax()}]")
        assert np.abs(np.asarray(json.loads(printed[-1])) - expected).max() <= 1e-5


def test_a_fashion_mnist_card_names_its_dataset_and_classes() -> None:
    config = TrainConfig(dataset=Dataset.FASHION, epochs=3, optimizer=Optimizer.ADAM, learning_rate=0.002)
    card = model_card("convnet", analyze(PRESETS["convnet"].spec), config, 0.9012, CONFUSION,
                      dt.datetime(2026, 11, 29, 9, 41), FILES)
    assert ("Trained 2026-11-29 09:41 on Fashion-MNIST (28×28 grey photos of clothes, shoes and bags from "
            "Zalando's shop, 10 classes).") in card
    assert ("one per class, in this order: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, "
            "Sneaker, Bag, Ankle boot.") in card
    assert "90.12 % of Fashion-MNIST's 10,000 test images read correctly." in card
    assert "| Garment | Test images | Accuracy |" in card and "| Sneaker | 980 | 98.98 % |" in card
    assert "| dataset | fashion |" in card
    code = loading_code(FILES, Dataset.FASHION)
    for text in code.values():
        assert text.splitlines()[-2].startswith("classes = ['T-shirt/top', 'Trouser',")
        assert text.splitlines()[-1] == "print([classes[i] for i in probabilities.argmax(axis=1)])"
    assert loading_code(FILES) == loading_code(FILES, Dataset.MNIST)  # digits print their labels as before


def test_the_keras_code_of_a_fashion_run_loads_fashion_mnist() -> None:
    code = keras_code(PRESETS["convnet"].spec, TrainConfig(dataset=Dataset.FASHION, train_size=6000))
    assert "# As trained in CNN Lab: 5 epoch(s) on 6,000 Fashion-MNIST training images" in code
    assert ("(train_images, train_labels), (test_images, test_labels) = "
            "keras.datasets.fashion_mnist.load_data()") in code
    assert "keras.datasets.mnist" not in code
    assert "keras.datasets.mnist.load_data()" in keras_code(PRESETS["convnet"].spec, TrainConfig())
