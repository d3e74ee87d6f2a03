"""MNIST without a network: the Keras cache when it is there, else the copy shipped in `cnnlab/assets`.

Classrooms are often offline and `keras.datasets.mnist.load_data()` downloads, so it cannot be the only path.
Both files have the Keras layout; numpy only (no TensorFlow), so the web server may read test images too.
numpy itself is imported on first load, so the size constants cost nothing to import (the CLI's `summary`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cnnlab.core.mnist import IMAGE_SIDE, TEST_IMAGES, TRAIN_IMAGES
from cnnlab.engine.paths import PROJECT_ROOT

if TYPE_CHECKING:
    import numpy as np

SHIPPED_MNIST = PROJECT_ROOT / "cnnlab" / "assets" / "mnist.npz"
_SHAPES = {
    "x_train": (TRAIN_IMAGES, IMAGE_SIDE, IMAGE_SIDE),
    "y_train": (TRAIN_IMAGES,),
    "x_test": (TEST_IMAGES, IMAGE_SIDE, IMAGE_SIDE),
    "y_test": (TEST_IMAGES,),
}


@dataclass(frozen=True, eq=False)
class Mnist:
    """The four MNIST arrays in the Keras layout, all uint8 (images 0–255, labels 0–9)."""

    x_train: np.ndarray  # (60000, 28, 28)
    y_train: np.ndarray  # (60000,)
    x_test: np.ndarray  # (10000, 28, 28)
    y_test: np.ndarray  # (10000,)


def keras_cache_file() -> Path:
    """Where `keras.datasets.mnist.load_data()` leaves its download: `$KERAS_HOME/datasets/mnist.npz`."""
    home = os.environ.get("KERAS_HOME", "").strip()
    return Path(home or Path.home() / ".keras").expanduser() / "datasets" / "mnist.npz"


def _read(path: Path) -> Mnist | None:
    """The arrays in `path`, or None when the file is missing, unreadable or not MNIST in the Keras layout."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in _SHAPES}
    except (OSError, EOFError, KeyError, ValueError):
        return None
    if any(arrays[key].shape != shape or arrays[key].dtype != np.uint8 for key, shape in _SHAPES.items()):
        return None
    for array in arrays.values():
        array.setflags(write=False)  # shared by every caller through the cache below
    return Mnist(**arrays)


@cache
def load_mnist() -> Mnist:
    """MNIST as uint8 arrays, read once per process from the Keras cache if valid, else the shipped copy.

    >>> load_mnist().x_train.shape
    (60000, 28, 28)
    """
    for path in (keras_cache_file(), SHIPPED_MNIST):
        mnist = _read(path)
        if mnist is not None:
            return mnist
    raise FileNotFoundError(f"MNIST is missing: neither {keras_cache_file()} nor {SHIPPED_MNIST} can be read")
