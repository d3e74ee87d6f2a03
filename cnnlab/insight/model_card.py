"""The model card: a short Markdown text that travels with a trained model's files.

What the model is (architecture table with parameters), what it learned to read (its dataset and the class
names its 10 outputs stand for), how it was trained (every field of `TrainConfig`, so a new training setting
shows up here by itself), how well it reads its test set (test accuracy, per class), when, and a few lines
that load each file in Keras 3, Keras 2 (tf_keras) and onnxruntime. Those lines are run by the tests exactly
as written here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from cnnlab.bridge.export import INPUT_NAME, OUTPUT_NAME
from cnnlab.core.arithmetic import Analysis
from cnnlab.core.datasets import Dataset
from cnnlab.core.hyper import TrainConfig, config_to_dict
from cnnlab.core.keras_args import layer_names
from cnnlab.core.mnist import TEST_IMAGES
from cnnlab.insight.mistakes import class_accuracy

_BLANK = ('images = np.zeros((1, 28, 28, 1), dtype="float32")  # your images: (N, 28, 28, 1), '
          "white on black, in [0, 1]")


@dataclass(frozen=True)
class CardFiles:
    """The names the model's files are downloaded under (the card's code opens them by these names)."""

    keras3: str  # "convnet-98.91.keras"
    keras2_h5: str  # "convnet-98.91-keras2.h5"
    onnx: str  # "convnet-98.91.onnx"


def loading_code(files: CardFiles, dataset: Dataset = Dataset.MNIST) -> dict[str, str]:
    """Python that opens each file and reads (N, 10) `probabilities` for `images`, keyed by section title;
    for a model of garments the answers are printed by class name.

    Each runs on its own in a fresh interpreter (only numpy and that runtime installed).
    """
    code = {
        "Keras 3": "\n".join([
            "import keras",
            "import numpy as np",
            "",
            f"model = keras.models.load_model({_quoted(files.keras3)})",
            _BLANK,
            "probabilities = model.predict(images)",
            "print(probabilities.argmax(axis=1))  # the digit read in each image",
        ]),
        "Keras 2 (tf_keras)": "\n".join([
            "import os",
            "",
            "# pip install tf-keras; TensorFlow 2.15 and older had Keras 2 built in",
            'os.environ["TF_USE_LEGACY_KERAS"] = "1"  # before TensorFlow is imported: tf.keras is Keras 2',
            "import numpy as np",
            "import tensorflow as tf",
            "",
            f"model = tf.keras.models.load_model({_quoted(files.keras2_h5)})",
            _BLANK,
            "probabilities = model.predict(images)",
            "print(probabilities.argmax(axis=1))",
        ]),
        "onnxruntime": "\n".join([
            "import numpy as np",
            "import onnxruntime as ort",
            "",
            f"session = ort.InferenceSession({_quoted(files.onnx)})",
            _BLANK,
            f'probabilities = session.run(["{OUTPUT_NAME}"], {{"{INPUT_NAME}": images}})[0]',
            "print(probabilities.argmax(axis=1))",
        ]),
    }
    if dataset is Dataset.MNIST:
        return code
    names = f"classes = {list(dataset.class_names)!r}  # output i is the probability of classes[i]"
    answer = "print([classes[i] for i in probabilities.argmax(axis=1)])"
    return {title: "\n".join([*text.splitlines()[:-1], names, answer]) for title, text in code.items()}


def _quoted(text: str) -> str:
    """A Python string literal in double quotes: "convnet-98.91.onnx"."""
    return json.dumps(text)


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A Markdown table; "|" in a cell is escaped so user text cannot break it."""
    def line(cells: Sequence[object]) -> str:
        return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"

    return [line(header), line(["---"] * len(header)), *(line(row) for row in rows)]


def _shape(shape: Sequence[int] | None) -> str:
    return "(None, " + ", ".join(str(side) for side in shape) + ")" if shape else "?"


def model_card(name: str, analysis: Analysis, config: TrainConfig, test_accuracy: float | None,
               confusion: Sequence[Sequence[int]] | None, trained_at: dt.datetime, files: CardFiles,
               tested_images: int | None = None) -> str:
    """One trained run's card as Markdown: dataset, architecture, training settings, accuracy, date, loading
    code.

    `analysis` is the run's stack analysed; `confusion[true][predicted]` over the test images of the run's
    dataset (`config.dataset`) gives the per-class accuracy (left out when the run has no test result);
    `tested_images` below 10,000 marks a run stopped while testing. A stack with problems raises ValueError.
    """
    if analysis.spec is None:
        raise ValueError("a model card describes a stack without problems")
    dataset = config.dataset
    outputs = ("one per digit 0–9" if dataset is Dataset.MNIST
               else "one per class, in this order: " + ", ".join(dataset.class_names))
    lines = [f"# {name} — CNN Lab model card", "",
             f"Trained {trained_at:%Y-%m-%d %H:%M} on {dataset.display_name} ({dataset.pictures}, 10 "
             "classes). Input: float32 images of shape (N, 28, 28, 1) with values in [0, 1] (pixel / 255); "
             f"output: 10 probabilities that add up to 1, {outputs}.", "", "## Architecture", ""]
    names = layer_names(analysis.spec.layers)
    lines += _table(["Layer", "Output shape", "Parameters"],
                    [(f"{layer_name} ({report.type})", _shape(report.output_shape), f"{report.params:,}")
                     for layer_name, report in zip(names, analysis.layers, strict=True)])
    lines += ["", f"Total parameters: {analysis.total_params:,} ({analysis.trainable_params:,} trainable, "
              f"{analysis.non_trainable_params:,} non-trainable).", "", "## Training settings", ""]
    lines += _table(["Setting", "Value"], list(config_to_dict(config).items()))
    lines += ["", "## Test accuracy", ""]
    if test_accuracy is None:
        lines.append("This run has no test result.")
    elif tested_images is not None and tested_images < TEST_IMAGES:
        lines.append(f"{test_accuracy * 100:.2f} % of the first {tested_images:,} of MNIST's "
                     f"{TEST_IMAGES:,} test images read correctly (the run was stopped while testing: not "
                     "comparable with a whole score).")
    else:
        lines.append(f"{test_accuracy * 100:.2f} % of {dataset.display_name}'s {dataset.test_images:,} test "
                     "images read correctly.")
    if confusion is not None:
        per_class = class_accuracy(confusion)
        lines += ["", *_table([dataset.thing.capitalize(), "Test images", "Accuracy"], [
            (dataset.class_name(label), f"{sum(row):,}", "—" if share is None else f"{share * 100:.2f} %")
            for label, (row, share) in enumerate(zip(confusion, per_class, strict=True))])]
    lines += ["", "## Loading the files", ""]
    for title, code in loading_code(files, dataset).items():
        lines += [f"### {title}", "", "```python", code, "```", ""]
    return "\n".join(lines)
