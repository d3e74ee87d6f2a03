"""The idx files MNIST and Fashion-MNIST were published as → one `.npz` in the Keras layout: how
`cnnlab/assets/fashion-mnist.npz` was made, once, from Debian's `dataset-fashion-mnist` package.

    apt-get install dataset-fashion-mnist   # the four original .gz files: /usr/share/datasets/fashion-mnist
    python -m cnnlab.engine.idx /usr/share/datasets/fashion-mnist cnnlab/assets/fashion-mnist.npz

An idx file is a 4-byte magic number (two zero bytes, the element type — 0x08 for unsigned bytes — and the
number of dimensions), one big-endian 4-byte size per dimension, then the values in row-major order: a
training-images file starts 00 00 08 03, 60000, 28, 28. Every header is checked against the file's length
and the arrays against the Keras layout (`engine.data.problems`) before anything is written.
"""

from __future__ import annotations

import gzip
import hashlib
import sys
from pathlib import Path

import numpy as np

from cnnlab.engine.data import problems

UNSIGNED_BYTE = 0x08
FILES = {  # Keras's array → the file it is read from (the names Zalando and LeCun published)
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}


class IdxError(ValueError):
    """A file that is not an idx file of unsigned bytes; the message names the file and what is wrong."""


def parse_idx(data: bytes, name: str = "the file") -> np.ndarray:
    """The array an idx file holds: its header checked (zero bytes, unsigned-byte type, sizes that match the
    data's length).

    Example: b"\\0\\0\\x08\\x01" + (3).to_bytes(4, "big") + bytes([7, 8, 9]) → array([7, 8, 9], dtype=uint8).
    """
    if len(data) < 4 or data[:2] != b"\0\0":
        raise IdxError(f"{name} is not an idx file (it does not start with two zero bytes)")
    kind, dimensions = data[2], data[3]
    if kind != UNSIGNED_BYTE:
        raise IdxError(f"{name} holds values of type 0x{kind:02x}, not unsigned bytes (0x08)")
    start = 4 + 4 * dimensions
    if dimensions == 0 or len(data) < start:
        raise IdxError(f"{name} has a header of {dimensions} dimensions but only {len(data)} bytes")
    shape = tuple(int.from_bytes(data[4 + 4 * axis: 8 + 4 * axis], "big") for axis in range(dimensions))
    if len(data) - start != int(np.prod(shape)):
        raise IdxError(f"{name} says {' × '.join(map(str, shape))} values but holds {len(data) - start:,}")
    return np.frombuffer(data, dtype=np.uint8, offset=start).reshape(shape)


def read_idx_folder(folder: Path) -> dict[str, np.ndarray]:
    """The four arrays of a dataset from its four `.gz` idx files in `folder`, checked against the layout."""
    arrays = {key: parse_idx(gzip.decompress((folder / name).read_bytes()), name)
              for key, name in FILES.items()}
    wrong = problems(arrays)
    if wrong:
        raise IdxError(f"{folder}: " + "; ".join(wrong))
    return arrays


def describe(arrays: dict[str, np.ndarray]) -> list[str]:
    """Lines to compare with the published figures: each array's shape, images per class, and an MD5 of its
    bytes (so a later conversion can be checked against this one)."""
    lines = []
    for key, array in arrays.items():
        line = f"{key}: {array.dtype} {array.shape} md5 {hashlib.md5(array.tobytes()).hexdigest()}"
        if key.startswith("y_"):
            line += f", per class {np.bincount(array, minlength=10).tolist()}"
        lines.append(line)
    return lines


def main(argv: list[str]) -> int:
    """`python -m cnnlab.engine.idx FOLDER OUT.npz`: convert, check, write with `np.savez_compressed`."""
    if len(argv) != 2:
        print("usage: python -m cnnlab.engine.idx FOLDER_WITH_IDX_GZ_FILES OUT.npz", file=sys.stderr)
        return 2
    folder, out = Path(argv[0]), Path(argv[1])
    try:
        arrays = read_idx_folder(folder)
    except (OSError, IdxError) as error:
        print(f"cannot convert: {error}", file=sys.stderr)
        return 2
    np.savez_compressed(out, **arrays)
    print("\n".join([*describe(arrays), f"wrote {out} ({out.stat().st_size:,} bytes)"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
