"""What every command shares: exit statuses, the user-fixable error, and reading a spec or model file
safely."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from cnnlab.bridge.export import ExportFailed, trained_model
from cnnlab.bridge.modelfile import HDF5_SIGNATURE, MAX_MODEL_FILE_BYTES, ZIP_SIGNATURE, read_model_file
from cnnlab.core.layers import MAX_SPEC_BYTES, NetworkSpec
from cnnlab.core.messages import SpecError
from cnnlab.core.spec_json import decode_spec_json

if TYPE_CHECKING:
    import keras

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Input the user can fix (bad file, bad spec, unknown preset); its message is printed, exit status 2."""


def output_path(text: str, suffix: str, what: str) -> Path:
    """--out, checked before any slow work: a name ending in `suffix` (".npz"), in an existing folder this
    process may write to; raises UsageError naming `what` ("the ONNX file") otherwise."""
    path = Path(text)
    if path.suffix.lower() != suffix:
        raise UsageError(f"--out {text}: {what}'s name must end in {suffix}")
    if path.is_dir() or not path.absolute().parent.is_dir():
        raise UsageError(f"--out {text}: not a file in an existing folder")
    if not os.access(path.absolute().parent, os.W_OK):
        raise UsageError(f"--out {text}: that folder cannot be written to")
    return path


def _is_model_file(head: bytes) -> bool:
    """True for the first bytes of an HDF5 (.h5) or zip (.keras) file."""
    return head.startswith((HDF5_SIGNATURE, ZIP_SIGNATURE))


def read_spec_file(path: str) -> object:
    """The stack in the file at `path` ("-" reads stdin): a spec's JSON value, or the architecture of a Keras
    model file (.h5 / .keras, recognised by content and read as Build reads it, without running anything),
    refusing directories, huge and other binary files.

    Raises UsageError with a one-line message.
    """
    source = path if path != "-" else "stdin"
    if path == "-":
        data = sys.stdin.buffer.read(MAX_MODEL_FILE_BYTES + 1)
    else:
        file = Path(path)
        try:
            if file.is_dir():
                raise UsageError(f"{path}: is a directory, not a spec file")
            with file.open("rb") as handle:
                head = handle.read(8)
                cap = MAX_MODEL_FILE_BYTES if _is_model_file(head) else MAX_SPEC_BYTES
                if (size := file.stat().st_size) > cap:
                    raise UsageError(f"{path}: {size:,} bytes is more than the cap of {cap:,} bytes")
                data = head + handle.read(cap + 1 - len(head))
        except FileNotFoundError:
            raise UsageError(f"{path}: no such file") from None
        except OSError as error:
            raise UsageError(f"{path}: cannot be read ({error.strerror or type(error).__name__})") from None
    try:
        if _is_model_file(data):
            return read_model_file(data, source)
        return decode_spec_json(data[:MAX_SPEC_BYTES + 1], source=source)
    except SpecError as error:
        raise UsageError(str(error)) from None


def read_model_bytes(path: Path) -> bytes:
    """The model file's bytes; a missing, unreadable or oversized file is a UsageError."""
    try:
        if path.is_dir():
            raise UsageError(f"{path}: is a directory, not a model file")
        if path.stat().st_size > MAX_MODEL_FILE_BYTES:
            raise UsageError(f"{path}: more than the cap of {MAX_MODEL_FILE_BYTES:,} bytes")
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror or type(error).__name__})") from None


def model_with_weights(spec: NetworkSpec, data: bytes, label: str) -> keras.Sequential:
    """The Keras model of the checked `spec` with the weights of the model file `data` (named `label` in
    messages): nothing of the file's own config is run. Imports TensorFlow. Weights that do not fit are a
    UsageError."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before trained_model imports TensorFlow
    with tempfile.TemporaryDirectory(prefix="cnnlab-weights-") as folder:
        # Keras picks its weights reader by the suffix: name the copy after its content, not its name.
        weights = Path(folder) / ("weights.h5" if data.startswith(HDF5_SIGNATURE) else "weights.keras")
        weights.write_bytes(data)
        try:
            return trained_model(spec, weights, label=label)
        except ExportFailed as error:
            raise UsageError(str(error)) from None
