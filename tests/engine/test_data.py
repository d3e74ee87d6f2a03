"""The datasets load offline in the Keras layout: MNIST from the Keras cache when valid, else the shipped
copy; Fashion-MNIST from its shipped copy, with Zalando's published counts per class."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cnnlab.core.datasets import Dataset
from cnnlab.engine import data

TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture
def no_keras_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty KERAS_HOME, and a fresh `load_dataset` cache before and after the test."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    data.load_dataset.cache_clear()
    yield tmp_path / "datasets" / "mnist.npz"
    data.load_dataset.cache_clear()


def test_shipped_copy_has_the_keras_layout(no_keras_cache: Path) -> None:
    mnist = data.load_mnist()
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_train.dtype == np.uint8
    assert mnist.y_train.shape == (60000,) and mnist.y_train.dtype == np.uint8
    assert mnist.x_test.shape == (10000, 28, 28) and mnist.x_test.dtype == np.uint8
    assert mnist.y_test.shape == (10000,) and mnist.y_test.dtype == np.uint8
    assert np.bincount(mnist.y_test).tolist() == TEST_LABEL_COUNTS
    assert np.bincount(mnist.y_train).sum() == 60000 and mnist.y_train.max() == 9
    assert mnist.x_train.max() == 255 and mnist.x_test.min() == 0


def test_arrays_are_read_only_and_read_once(no_keras_cache: Path) -> None:
    mnist = data.load_mnist()
    assert data.load_mnist() is mnist
    with pytest.raises(ValueError):
        mnist.x_train[0, 0, 0] = 1


def test_a_valid_keras_cache_wins(no_keras_cache: Path) -> None:
    shipped = data.load_mnist()
    no_keras_cache.parent.mkdir(parents=True)
    np.savez(no_keras_cache, x_train=255 - shipped.x_train, y_train=shipped.y_train, x_test=shipped.x_test,
             y_test=shipped.y_test)
    data.load_dataset.cache_clear()
    assert data.load_mnist().x_train[0, 0, 0] == 255 - shipped.x_train[0, 0, 0]


@pytest.mark.parametrize("content", [b"not a zip", b""])
def test_a_broken_keras_cache_falls_back_to_the_shipped_copy(no_keras_cache: Path, content: bytes) -> None:
    no_keras_cache.parent.mkdir(parents=True)
    no_keras_cache.write_bytes(content)
    assert np.bincount(data.load_mnist().y_test).tolist() == TEST_LABEL_COUNTS


def test_a_cache_with_wrong_shapes_is_ignored(no_keras_cache: Path) -> None:
    no_keras_cache.parent.mkdir(parents=True)
    small = np.zeros((5, 28, 28), np.uint8)
    np.savez(no_keras_cache, x_train=small, y_train=np.zeros(5, np.uint8), x_test=small,
             y_test=np.zeros(5, np.uint8))
    assert data.load_mnist().x_train.shape == (60000, 28, 28)


def test_fashion_mnist_ships_in_the_keras_layout_with_zalandos_counts(no_keras_cache: Path) -> None:
    fashion = data.load_dataset(Dataset.FASHION)
    assert data.problems({key: getattr(fashion, key) for key in data.SHAPES}) == []
    assert np.bincount(fashion.y_train).tolist() == [6000] * 10  # Zalando: 6,000 training images per class
    assert np.bincount(fashion.y_test).tolist() == [1000] * 10  # and 1,000 test images per class
    assert fashion.x_test.max() == 255 and fashion.x_test[:, 0, 0].mean() < 5  # garments light on black
    mnist = data.load_dataset(Dataset.MNIST)
    assert not np.array_equal(fashion.x_test[:10], mnist.x_test[:10])
    assert data.load_dataset(Dataset.FASHION) is fashion


def test_a_keras_cache_of_mnist_never_stands_in_for_fashion_mnist(no_keras_cache: Path) -> None:
    mnist = data.load_mnist()
    no_keras_cache.parent.mkdir(parents=True)
    np.savez(no_keras_cache, x_train=mnist.x_train, y_train=mnist.y_train, x_test=mnist.x_test,
             y_test=mnist.y_test)
    data.load_dataset.cache_clear()
    assert np.bincount(data.load_dataset(Dataset.FASHION).y_test).tolist() == [1000] * 10
