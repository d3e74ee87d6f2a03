"""The datasets without a network: the copies shipped in `cnnlab/assets` (MNIST also from the Keras cache).

Classrooms are often offline and `keras.datasets.mnist.load_data()` downloads, so it cannot be the only path.
Every file has the Keras layout (`x_train` (60000, 28, 28), `y_train`, `x_test`, `y_test`, all uint8); numpy
only (no TensorFlow), so the web server may read test images too. numpy itself is imported on first load, so
the size constants cost nothing to import (the CLI's `summary`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cnnlab.core.datasets import Dataset
from cnnlab.core.mnist import CLASSES, IMAGE_SIDE, TEST_IMAGES, TRAIN_IMAGES
from cnnlab.engine.paths import PROJECT_ROOT

if TYPE_CHECKING:
    import numpy as np

ASSETS = PROJECT_ROOT / "cnnlab" / "assets"
SHAPES = {
    "x_train": (TRAIN_IMAGES, IMAGE_SIDE, IMAGE_SIDE),
    "y_train": (TRAIN_IMAGES,),
    "x_test": (TEST_IMAGES, IMAGE_SIDE, IMAGE_SIDE),
    "y_test": (TEST_IMAGES,),
}


@dataclass(frozen=True, eq=False)
class LabelledImages:
    """A dataset's four arrays in the Keras layout, all uint8 (images 0–255, labels 0–9)."""

    x_train: np.ndarray  # (60000, 28, 28)
    y_train: np.ndarray  # (60000,)
    x_test: np.ndarray  # (10000, 28, 28)
    y_test: np.ndarray  # (10000,)


def shipped_file(dataset: Dataset) -> Path:
    """The copy that ships with the project: `cnnlab/assets/mnist.npz`, `cnnlab/assets/fashion-mnist.npz`."""
    return ASSETS / dataset.file


def keras_cache_file() -> Path:
    """Where `keras.datasets.mnist.load_data()` leaves its download: `$KERAS_HOME/datasets/mnist.npz`."""
    home = os.environ.get("KERAS_HOME", "").strip()
    return Path(home or Path.home() / ".keras").expanduser() / "datasets" / "mnist.npz"


def problems(arrays: dict[str, np.ndarray]) -> list[str]:
    """What keeps `arrays` from being a dataset in the Keras layout: a wrong shape or type, a label beyond 9.

    An empty list for a good one; the conversion script and the loader both check with it.
    """
    found = [f"{key} is {arrays[key].dtype} {arrays[key].shape}, not uint8 {shape}"
             for key, shape in SHAPES.items()
             if arrays[key].shape != shape or arrays[key].dtype.name != "uint8"]
    found += [f"{key} has a label above {CLASSES - 1}" for key in ("y_train", "y_test")
              if arrays[key].size and int(arrays[key].max()) >= CLASSES]
    return found


def read_npz(path: Path) -> LabelledImages | None:
    """The arrays in `path`, or None when the file is missing, unreadable or not in the Keras layout."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in SHAPES}
    except (OSError, EOFError, KeyError, ValueError):
        return None
    if problems(arrays):
        return None
    for array in arrays.values():
        array.setflags(write=False)  # shared by every caller through the cache below
    return LabelledImages(**arrays)


@cache
def load_dataset(dataset: Dataset) -> LabelledImages:
    """A dataset as uint8 arrays, read once per process from the shipped copy (MNIST: from the Keras cache
    first, when it holds a valid copy).

    >>> load_dataset(Dataset.FASHION).x_test.shape
    (10000, 28, 28)
    """
    paths = (keras_cache_file(),) if dataset is Dataset.MNIST else ()
    paths += (shipped_file(dataset),)
    for path in paths:
        images = read_npz(path)
        if images is not None:
            return images
    raise FileNotFoundError(f"{dataset.display_name} is missing: none of {', '.join(map(str, paths))} can be "
                            "read")


def load_mnist() -> LabelledImages:
    """MNIST, for what only digits have (drawing on Predict, the class's handwriting): `load_dataset(MNIST)`.

    >>> load_mnist().x_train.shape
    (60000, 28, 28)
    """
    return load_dataset(Dataset.MNIST)
