"""The idx → .npz conversion that made cnnlab/assets/fashion-mnist.npz: headers checked, the Keras layout
checked, and the shipped file is what the conversion gives (when Debian's package is installed)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from cnnlab.core.datasets import Dataset
from cnnlab.engine import data, idx
from cnnlab.engine.data import read_npz, shipped_file

DEBIAN_FOLDER = Path("/usr/share/datasets/fashion-mnist")


def _idx(array: np.ndarray, kind: int = 0x08) -> bytes:
    header = bytes([0, 0, kind, array.ndim]) + b"".join(side.to_bytes(4, "big") for side in array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def small_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Keras layout at 60 training and 10 test images, so a conversion takes milliseconds."""
    monkeypatch.setattr(data, "SHAPES", {"x_train": (60, 28, 28), "y_train": (60,), "x_test": (10, 28, 28),
                                         "y_test": (10,)})


def _folder(tmp_path: Path, train: int = 60, test: int = 10) -> Path:
    arrays = {"x_train": np.full((train, 28, 28), 7), "y_train": np.arange(train) % 10,
              "x_test": np.full((test, 28, 28), 9), "y_test": np.arange(test) % 10}
    for key, name in idx.FILES.items():
        (tmp_path / name).write_bytes(gzip.compress(_idx(arrays[key]), compresslevel=1))
    return tmp_path


def test_an_idx_file_is_read_by_its_header() -> None:
    assert idx.parse_idx(b"\0\0\x08\x01" + (3).to_bytes(4, "big") + bytes([7, 8, 9])).tolist() == [7, 8, 9]
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    assert np.array_equal(idx.parse_idx(_idx(images)), images)


@pytest.mark.parametrize(("data", "message"), [
    (b"PK\x03\x04", "x is not an idx file (it does not start with two zero bytes)"),
    (_idx(np.zeros(3), kind=0x0D), "x holds values of type 0x0d, not unsigned bytes (0x08)"),
    (b"\0\0\x08\x03" + (60000).to_bytes(4, "big"), "x has a header of 3 dimensions but only 8 bytes"),
    (_idx(np.zeros((4, 2)))[:-1], "x says 4 × 2 values but holds 7"),
])
def test_a_file_that_is_not_idx_of_bytes_is_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(idx.IdxError, match="^" + message.replace("(", r"\(").replace(")", r"\)") + "$"):
        idx.parse_idx(data, "x")


def test_a_folder_converts_to_an_npz_the_loader_accepts(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                        small_layout: None) -> None:
    out = tmp_path / "out.npz"
    assert idx.main([str(_folder(tmp_path)), str(out)]) == 0
    printed = capsys.readouterr().out
    assert "y_test: uint8 (10,) md5 " in printed and "per class [1, 1, 1" in printed
    loaded = read_npz(out)
    assert loaded is not None and loaded.x_train.shape == (60, 28, 28) and loaded.x_test[0, 0, 0] == 9
    assert loaded.y_test[:3].tolist() == [0, 1, 2]


def test_wrong_counts_are_refused_and_nothing_is_written(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                         small_layout: None) -> None:
    out = tmp_path / "out.npz"
    assert idx.main([str(_folder(tmp_path, train=6)), str(out)]) == 2
    assert "x_train is uint8 (6, 28, 28), not uint8 (60, 28, 28)" in capsys.readouterr().err
    assert not out.exists()
    assert idx.main([str(tmp_path / "missing"), str(out)]) == 2


@pytest.mark.skipif(not DEBIAN_FOLDER.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_the_shipped_file_is_debians_fashion_mnist() -> None:
    converted = idx.read_idx_folder(DEBIAN_FOLDER)
    shipped = read_npz(shipped_file(Dataset.FASHION))
    for key, array in converted.items():
        assert np.array_equal(getattr(shipped, key), array), key
