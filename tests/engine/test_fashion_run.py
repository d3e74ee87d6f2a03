"""Fashion-MNIST trains through the same job manager, worker process, trainer and files as MNIST: the small
convnet trained on a slice of it stores its dataset and class names, and its `.h5`, loaded by plain Keras in
a fresh process without this project, scores on Fashion-MNIST's test set what the run reported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cnnlab.core.datasets import Dataset
from cnnlab.engine.data import load_dataset
from cnnlab.engine.store import ModelFormat, RunStore
from cnnlab.testing.models import TrainedRun, register_run

pytestmark = pytest.mark.keras

_EVALUATE = """
import json, sys
import numpy as np
import keras

model = keras.models.load_model(sys.argv[1])
report = {}
for name in sys.argv[2:]:
    with np.load(name) as test:
        images = test["x"].reshape((-1, 28, 28, 1)).astype("float32") / 255
        loss, accuracy = model.evaluate(images, test["y"], batch_size=1000, verbose=0)
        predicted = model.predict(images, batch_size=1000, verbose=0).argmax(axis=1)
    report[name] = {"accuracy": accuracy, "predicted": predicted.tolist()}
print(json.dumps(report))
"""


def test_the_run_keeps_its_dataset_and_the_stored_result_names_its_classes(
        trained_fashion: TrainedRun, store: RunStore, owner: str) -> None:
    assert trained_fashion.record.config["dataset"] == "fashion"
    assert trained_fashion.result.class_names == Dataset.FASHION.class_names
    run_id = register_run(store, owner, trained_fashion)
    document = json.loads((store.root / run_id / "result.json").read_text())
    assert document["classes"] == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                   "Sneaker", "Bag", "Ankle boot"]
    assert store.result(run_id, owner).class_names == Dataset.FASHION.class_names
    assert sum(map(sum, document["confusion"])) == 10_000
    assert 0.6 < trained_fashion.record.test_accuracy < 0.95  # learned clothes, not yet as well as digits


def test_the_h5_scores_in_plain_keras_on_fashion_mnist_as_the_run_reported(
        trained_fashion: TrainedRun, tmp_path: Path) -> None:
    model = tmp_path / "fashion.h5"
    model.write_bytes(trained_fashion.files[ModelFormat.H5])
    sets = {}
    for dataset in Dataset:
        images = load_dataset(dataset)
        sets[dataset] = tmp_path / f"{dataset}.npz"
        np.savez(sets[dataset], x=images.x_test, y=images.y_test)
    done = subprocess.run([sys.executable, "-I", "-c", _EVALUATE, str(model), *map(str, sets.values())],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    fashion, mnist = report[str(sets[Dataset.FASHION])], report[str(sets[Dataset.MNIST])]
    assert fashion["accuracy"] == pytest.approx(trained_fashion.record.test_accuracy, abs=2e-4)
    agree = np.mean(np.asarray(fashion["predicted"]) == trained_fashion.result.predicted)
    assert agree >= 0.9998  # the same answer for every test image, but for a float tie or two
    assert mnist["accuracy"] < 0.5  # it was trained on clothes: digits are not what it reads
