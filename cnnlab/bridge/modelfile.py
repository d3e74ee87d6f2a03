"""Open an uploaded Keras model file (.h5 or .keras) as a spec dict — reading its config, never running it.

The architecture is read as plain JSON: the `model_config` attribute of an HDF5 file, or `config.json`
inside a `.keras` zip. Nothing is deserialized by Keras (Keras is never imported here), so a `Lambda` layer's
marshalled Python code or a custom class is only ever looked at, named and refused. The returned dict goes
to `arithmetic.analyze` like any other spec.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Mapping

from cnnlab.core.layer_types.registry import LAYER_TYPES
from cnnlab.core.layers import MAX_NAME_LENGTH, MAX_SPEC_BYTES
from cnnlab.core.messages import SpecError, show_value
from cnnlab.core.spec_json import decode_spec_json

MAX_MODEL_FILE_BYTES = 100 * 1024 * 1024  # a 10,000,000-parameter model is 40 MB of float32 weights
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"


def read_model_file(data: bytes, filename: str) -> dict:
    """The spec dict ({"name", "input_shape", "layers"}) of a Keras Sequential model file, for `analyze`.

    Recognises the format by its content (HDF5 or zip), whatever the file is called. Raises SpecError naming
    every layer it refuses (Lambda, custom or unknown layers, unsupported settings) and for anything that is
    not a readable Keras Sequential model; never executes anything from the file.
    """
    label = _label(filename)
    if len(data) > MAX_MODEL_FILE_BYTES:
        raise SpecError(f"{label}: {len(data):,} bytes is more than the cap of "
                        f"{MAX_MODEL_FILE_BYTES:,} bytes")
    if data.startswith(HDF5_SIGNATURE):
        config_text = _hdf5_config(data, label)
    elif data.startswith(ZIP_SIGNATURE):
        config_text = _keras_zip_config(data, label)
    else:
        raise SpecError(f"{label}: not a Keras model file (expected an .h5 or .keras file saved by "
                        "model.save)")
    return model_config_to_spec(decode_spec_json(config_text, source=label), label)


def _label(filename: str) -> str:
    name = str(filename).replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(ch for ch in name if ch.isprintable())[:80]
    return printable or "model file"


def _hdf5_config(data: bytes, label: str) -> bytes:
    import h5py  # imported here: only uploads need it

    try:
        with h5py.File(io.BytesIO(data), "r") as handle:
            config = handle.attrs.get("model_config")
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
        raise SpecError(f"{label}: not a readable HDF5 file ({type(error).__name__})") from None
    if isinstance(config, str):
        config = config.encode("utf-8")
    if not isinstance(config, bytes):
        raise SpecError(f"{label}: this HDF5 file holds no Keras model architecture (no model_config); "
                        "files with weights only cannot be opened")
    return config


def _keras_zip_config(data: bytes, label: str) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            try:
                info = archive.getinfo("config.json")
            except KeyError:
                raise SpecError(f"{label}: a zip without config.json is not a .keras model") from None
            if info.file_size > MAX_SPEC_BYTES:
                raise SpecError(f"{label}: its config.json is larger than the cap of {MAX_SPEC_BYTES:,} "
                                "bytes")
            with archive.open(info) as member:
                return member.read(MAX_SPEC_BYTES + 1)
    except SpecError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, NotImplementedError, EOFError,
            ValueError, zlib.error) as error:
        raise SpecError(f"{label}: not a readable .keras file ({type(error).__name__})") from None


def model_config_to_spec(config: object, label: str = "model file") -> dict:
    """Translate a Keras Sequential config (Keras 2 or 3 layout) into our spec dict, refusing what we cannot
    show. Example: {"class_name": "Sequential", "config": {"layers": [{"class_name": "InputLayer", "config":
    {"batch_shape": [null, 28, 28, 1]}}, {"class_name": "Flatten", "config": {}}]}} →
    {"name": "", "input_shape": [28, 28, 1], "layers": [{"type": "Flatten"}]}.
    """
    if not isinstance(config, Mapping) or config.get("class_name") != "Sequential":
        kind = config.get("class_name") if isinstance(config, Mapping) else None
        found = f"this file holds a {kind} model" if isinstance(kind, str) and kind.isprintable() else (
            "this file holds no Sequential model")
        raise SpecError(f"{label}: only Sequential models (one layer after another) can be opened; {found}")
    body = config.get("config")
    layers = body if isinstance(body, list) else body.get("layers") if isinstance(body, Mapping) else None
    if not isinstance(layers, list):
        raise SpecError(f"{label}: the model config has no list of layers")
    raw_name = body.get("name") if isinstance(body, Mapping) else None
    name = "".join(ch for ch in raw_name if ch.isprintable()) if isinstance(raw_name, str) else ""
    input_shape, layers = _input_shape(config, layers, label)
    converted, refusals = [], []
    for position, item in enumerate(layers, start=1):
        layer, problem = _convert_layer(item, position)
        if problem:
            refusals.append(f"{label}: {problem}")
        converted.append(layer)
    if refusals:
        raise SpecError("\n".join(refusals))
    return {"name": name.strip()[:MAX_NAME_LENGTH], "input_shape": input_shape, "layers": converted}


def _layer_config(item: object) -> Mapping:
    config = item.get("config") if isinstance(item, Mapping) else None
    return config if isinstance(config, Mapping) else {}


def _input_shape(config: Mapping, layers: list, label: str) -> tuple[list, list]:
    """(input_shape, layers without the InputLayer) from the InputLayer, first layer or build_config."""
    first = layers[0] if layers else None
    first_config = _layer_config(first)
    rest = layers
    if isinstance(first, Mapping) and first.get("class_name") == "InputLayer":
        shape = first_config.get("batch_shape", first_config.get("batch_input_shape"))
        rest = layers[1:]
    elif "batch_input_shape" in first_config:
        shape = first_config["batch_input_shape"]
    else:
        build = config.get("build_config")
        shape = build.get("input_shape") if isinstance(build, Mapping) else None
    if not isinstance(shape, list) or len(shape) != 4 or shape[0] is not None:
        raise SpecError(f"{label}: the model's input must be images (batch, height, width, channels); "
                        "the file records no such input shape")
    return shape[1:], rest


def _convert_layer(item: object, position: int) -> tuple[dict, str | None]:
    """Our layer dict for one Keras layer config, or why it is refused ("layer 3 (Lambda): …")."""
    class_name = item.get("class_name") if isinstance(item, Mapping) else None
    if not isinstance(class_name, str) or not class_name.isprintable() or len(class_name) > 60:
        return {}, f"layer {position}: not a Keras layer config"
    short_name = class_name.rsplit(">", 1)[-1]  # HDF5 files name a registered class "package>Class"
    where = f"layer {position} ({short_name}):"
    if class_name == "Lambda":
        return {}, (f"{where} Lambda layers contain Python code, and CNN Lab never runs code from an "
                    "uploaded file; rebuild that step with the layers CNN Lab offers")
    module, registered = item.get("module"), item.get("registered_name")
    custom = short_name != class_name or (isinstance(module, str) and not module.startswith("keras")) or (
        registered is not None and registered != class_name)
    layer_type = None if custom else LAYER_TYPES.get(class_name)
    if layer_type is None:
        kind = "a custom layer" if custom else "not a layer CNN Lab can show"
        return {}, f"{where} {kind}; CNN Lab opens models made of {', '.join(LAYER_TYPES)}"
    config = _layer_config(item)
    for key, allowed in layer_type.keras_fixed.items():
        if key in config and config[key] not in allowed:
            only = show_value(allowed[0])
            return {}, f"{where} {key}={show_value(config[key])} is not supported (only {only})"
    activation = config.get("activation")
    if activation is not None and not isinstance(activation, str):
        return {}, f"{where} its activation is a custom function, which CNN Lab never runs"
    settings = {key: config[key] for key in layer_type.setting_keys() if key in config}
    return {"type": class_name} | settings, None
