"""Opening uploaded model files: real Keras files read back to the same spec; Lambda / custom layers refused
without running anything (proved by a payload that writes a file when executed)."""

from __future__ import annotations

import base64
import io
import json
import marshal
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import h5py
import pytest

from cnnlab.bridge.model import build_model
from cnnlab.bridge.modelfile import MAX_MODEL_FILE_BYTES, model_config_to_spec, read_model_file
from cnnlab.core.arithmetic import analyze
from cnnlab.core.layers import NetworkSpec
from cnnlab.core.messages import SpecError
from cnnlab.core.presets import PRESETS
from cnnlab.engine.paths import PROJECT_ROOT

pytestmark = pytest.mark.keras

ROOT = PROJECT_ROOT
VARIED = analyze({"input_shape": [20, 17, 3], "layers": [
    {"type": "ZeroPadding2D", "padding": [[0, 2], [1, 3]]},
    {"type": "Conv2D", "filters": 6, "kernel_size": [3, 5], "strides": [2, 1], "padding": "same",
     "activation": "tanh", "use_bias": False},
    {"type": "AveragePooling2D", "pool_size": [2, 3], "strides": [1, 2], "padding": "same"},
    {"type": "BatchNormalization"}, {"type": "Dense", "units": 5, "activation": "gelu"},
    {"type": "GlobalAveragePooling2D"}, {"type": "Dropout", "rate": 0.3},
    {"type": "Dense", "units": 4}]}).spec


def _saved(model, path: Path) -> bytes:
    model.save(path)
    return path.read_bytes()


@pytest.mark.parametrize("spec", [*(p.spec for p in PRESETS.values()), VARIED],
                         ids=[*PRESETS, "varied"])
def test_real_keras_files_read_back_to_the_same_spec(spec: NetworkSpec, tmp_path: Path) -> None:
    model = build_model(spec)
    expected = spec if spec.name else replace(spec, name="sequential")
    for suffix in (".h5", ".keras"):
        raw = read_model_file(_saved(model, tmp_path / f"model{suffix}"), f"upload{suffix}")
        assert analyze(raw).spec == expected, suffix


def test_format_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    data = _saved(build_model(PRESETS["tiny"].spec), tmp_path / "m.keras")
    assert analyze(read_model_file(data, "renamed.h5")).spec == PRESETS["tiny"].spec


# ------------------------------------------------------------------------------ code from uploads never runs


def _payload_code(sentinel: Path) -> str:
    """Keras's Lambda serialisation (marshal + base64) of a function that creates `sentinel` when called."""
    source = f"def payload(x):\n    open({str(sentinel)!r}, 'w').write('ran')\n    return x\n"
    namespace: dict = {}
    exec(compile(source, "<payload>", "exec"), namespace)
    return base64.encodebytes(marshal.dumps(namespace["payload"].__code__)).decode("ascii")


def _arm(config: dict, code: str) -> dict:
    """Put the payload into the config's Lambda layer."""
    lam = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "Lambda")
    lam["config"]["function"]["config"]["code"] = code
    return config


def _lambda_files(tmp_path: Path, sentinel: Path) -> dict[str, Path]:
    import keras

    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3),
                              keras.layers.Lambda(lambda x: x, name="innocent"), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    code = _payload_code(sentinel)
    h5 = tmp_path / "crafted.h5"
    model.save(h5)
    with h5py.File(h5, "r+") as handle:
        handle.attrs["model_config"] = json.dumps(_arm(json.loads(handle.attrs["model_config"]), code))
    plain = tmp_path / "plain.keras"
    model.save(plain)
    crafted = tmp_path / "crafted.keras"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(crafted, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "config.json":
                data = json.dumps(_arm(json.loads(data), code)).encode()
            target.writestr(item, data)
    return {"h5": h5, "keras": crafted}


def test_lambda_payload_is_refused_and_never_runs(tmp_path: Path) -> None:
    sentinel = tmp_path / "payload-ran"
    files = _lambda_files(tmp_path, sentinel)
    for path in files.values():
        with pytest.raises(SpecError) as refused:
            read_model_file(path.read_bytes(), path.name)
        assert str(refused.value) == (
            f"{path.name}: layer 2 (Lambda): Lambda layers contain Python code, and CNN Lab never runs code "
            "from an uploaded file; rebuild that step with the layers CNN Lab offers")
        assert not sentinel.exists()
    # Control: the payload is live — Keras itself, told to trust the file, runs it and the file appears.
    loader = ("import sys, keras; keras.config.enable_unsafe_deserialization(); "
              "keras.models.load_model(sys.argv[1], compile=False, safe_mode=False)")
    for path in files.values():
        command = [sys.executable, "-c", loader, str(path)]
        subprocess.run(command, capture_output=True, timeout=120, check=True)
        assert sentinel.read_text() == "ran"
        sentinel.unlink()


def test_reading_a_file_never_imports_keras(tmp_path: Path) -> None:
    sentinel = tmp_path / "payload-ran"
    path = _lambda_files(tmp_path, sentinel)["keras"]
    script = ("import sys; from cnnlab.bridge.modelfile import read_model_file\n"
              "try:\n    read_model_file(open(sys.argv[1], 'rb').read(), 'x.keras')\n"
              "except ValueError:\n    pass\n"
              "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))")
    command = [sys.executable, "-c", script, str(path)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.stdout.strip() == "[]"
    assert not sentinel.exists()


# ------------------------------------------------------------------------------ refusals name the layer


def _config(*layers: dict) -> dict:
    return {"class_name": "Sequential", "config": {"name": "m", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 28, 28, 1]}}, *layers]}}


def test_custom_and_unknown_layers_are_refused_by_name(tmp_path: Path) -> None:
    import keras

    @keras.saving.register_keras_serializable(package="class")
    class Squash(keras.layers.Layer):
        def call(self, x):
            return x

    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), Squash(),
                              keras.layers.Activation("relu"), keras.layers.Dense(3)])
    for suffix in (".h5", ".keras"):
        with pytest.raises(SpecError) as refused:
            read_model_file(_saved(model, tmp_path / f"c{suffix}"), f"c{suffix}")
        known = ("CNN Lab opens models made of Conv2D, MaxPooling2D, AveragePooling2D, ZeroPadding2D, "
                 "Flatten, GlobalAveragePooling2D, Dense, Dropout, BatchNormalization")
        assert str(refused.value).splitlines() == [
            f"c{suffix}: layer 2 (Squash): a custom layer; {known}",
            f"c{suffix}: layer 3 (Activation): not a layer CNN Lab can show; {known}"]


def test_a_keras_class_name_from_another_module_is_custom() -> None:
    fake = {"module": "evil.layers", "class_name": "Dense", "config": {"units": 3}, "registered_name": None}
    with pytest.raises(SpecError, match=r"layer 1 \(Dense\): a custom layer"):
        model_config_to_spec(_config(fake))


@pytest.mark.parametrize(("layer", "message"), [
    ({"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": [3, 3], "dilation_rate": [2, 2]}},
     "layer 1 (Conv2D): dilation_rate=[2, 2] is not supported (only [1, 1])"),
    ({"class_name": "BatchNormalization", "config": {"axis": 1}},
     "layer 1 (BatchNormalization): axis=1 is not supported (only -1)"),
    ({"class_name": "Dense", "config": {"units": 2, "activation": {"class_name": "function", "config": "f"}}},
     "layer 1 (Dense): its activation is a custom function, which CNN Lab never runs"),
    ("Dense", "layer 1: not a Keras layer config"),
])
def test_unsupported_settings_are_refused(layer: object, message: str) -> None:
    with pytest.raises(SpecError) as refused:
        model_config_to_spec(_config(layer))
    assert str(refused.value) == f"model file: {message}"


def test_keras2_layout_with_batch_input_shape_on_the_first_layer() -> None:
    config = {"class_name": "Sequential", "config": {"name": "cnn_mnist_v1", "layers": [
        {"class_name": "Conv2D", "config": {"batch_input_shape": [None, 28, 28, 1], "filters": 16,
                                            "kernel_size": [3, 3], "activation": "relu"}},
        {"class_name": "Flatten", "config": {"name": "flatten_7"}},
        {"class_name": "Dense", "config": {"units": 10, "activation": "softmax"}}]}}
    raw = model_config_to_spec(config)
    assert raw["name"] == "cnn_mnist_v1" and raw["input_shape"] == [28, 28, 1]
    assert analyze(raw).total_params == 16 * 10 + 26 * 26 * 16 * 10 + 10


@pytest.mark.parametrize(("data", "message"), [
    (b"hello", "up.h5: not a Keras model file (expected an .h5 or .keras file saved by model.save)"),
    (b"\x89HDF\r\n\x1a\n" + b"\x00" * 100, "up.h5: not a readable HDF5 file"),
    (b"PK\x03\x04garbage", "up.h5: not a readable .keras file (BadZipFile)"),
    (b"", "up.h5: not a Keras model file"),
])
def test_garbage_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(SpecError) as refused:
        read_model_file(data, "up.h5")
    assert str(refused.value).startswith(message)


def test_zips_without_config_functional_models_and_huge_files(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("weights.h5", b"")
    with pytest.raises(SpecError, match=r"a zip without config.json is not a .keras model"):
        read_model_file(buffer.getvalue(), "w.keras")
    with pytest.raises(SpecError, match=r"only Sequential models .* this file holds a Functional model"):
        model_config_to_spec({"class_name": "Functional", "config": {}})
    with pytest.raises(SpecError, match=f"more than the cap of {MAX_MODEL_FILE_BYTES:,} bytes"):
        read_model_file(b"\0" * (MAX_MODEL_FILE_BYTES + 1), "big.h5")
    with pytest.raises(SpecError, match=r"input must be images \(batch, height, width, channels\)"):
        model_config_to_spec({"class_name": "Sequential", "config": {"layers": [
            {"class_name": "InputLayer", "config": {"batch_shape": [None, 784]}}]}})


def test_zip_bomb_config_is_refused_before_reading() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", b" " * 50_000_000)
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(SpecError, match=r"its config.json is larger than the cap of 1,000,000 bytes"):
        read_model_file(buffer.getvalue(), "bomb.keras")
