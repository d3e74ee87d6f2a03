"""The validator that turns ANY JSON value into a spec: its keys, name, input shape and each layer's values.

A spec uses Keras's own class names, argument names and defaults, so a student's JSON reads like Keras:

    {"input_shape": [28, 28, 1],
     "layers": [{"type": "Conv2D", "filters": 16, "kernel_size": 3, "activation": "relu"},
                {"type": "MaxPooling2D", "pool_size": 2},
                {"type": "Flatten"},
                {"type": "Dense", "units": 10, "activation": "softmax"}]}

A layer's "type" picks its layer type from `layer_types.registry`, whose fields say which keys it takes and
how each value is read (`layer_types.settings`); a type not in the registry is refused, naming the closest.
This module checks each layer's *own* values (types, ranges, unknown keys, caps); whether the layers fit
together (shapes) is `arithmetic`'s job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cnnlab.core.layer_types.base import Layer
from cnnlab.core.layer_types.registry import LAYER_TYPES
from cnnlab.core.layer_types.settings import InvalidSetting, read_setting, read_whole
from cnnlab.core.layers import (
    DEFAULT_INPUT_SHAPE,
    MAX_CHANNELS,
    MAX_INPUT_SIDE,
    MAX_LAYERS,
    MAX_NAME_LENGTH,
    NetworkSpec,
)
from cnnlab.core.messages import Problem, closest, did_you_mean, show_value
from cnnlab.core.spec_json import spec_to_dict


@dataclass(frozen=True)
class ParsedLayer:
    """One layer as read from JSON: the dataclass when its own values are valid, else its problems."""

    position: int
    type_name: str  # as written by the user ("" when missing or not a string), for messages
    layer: Layer | None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class ParsedSpec:
    """A spec document after value checks, before shape checks (see `arithmetic.analyze`)."""

    name: str
    input_shape: tuple[int, int, int] | None
    layers: tuple[ParsedLayer, ...]
    problems: tuple[Problem, ...] = ()  # spec-level only (input_shape, layers, name, keys)


def _unknown_type(raw: Mapping, position: int) -> ParsedLayer:
    """The layer whose "type" is missing or names no registered layer type, with the closest name."""
    types = list(LAYER_TYPES)
    type_value = raw.get("type")
    printable = isinstance(type_value, str) and len(type_value) <= 40 and type_value.isprintable()
    shown = type_value if printable else ""
    if "type" not in raw:
        message = f'missing "type"; one of {", ".join(types)}'
    elif isinstance(type_value, str) and closest(type_value, types):
        message = f"unknown layer type {show_value(type_value)}{did_you_mean(type_value, types)}"
    else:
        message = f"unknown layer type {show_value(type_value)}; one of {', '.join(types)}"
    return ParsedLayer(position, shown, None, (Problem(position, shown or None, message),))


def parse_layer(raw: object, position: int) -> ParsedLayer:
    """Check one layer's own values (not its fit with its neighbours) and build its dataclass.

    Every problem of the layer is reported: unknown type (with the closest name), unknown keys (with the
    keys it does take), missing required keys, and each bad value with its allowed range.
    """
    if not isinstance(raw, Mapping):
        return ParsedLayer(position, "", None, (Problem(position, None, (
            f'must be an object like {{"type": "Dense", "units": 10}}, got {show_value(raw)}')),))
    type_value = raw.get("type")
    layer_type = LAYER_TYPES.get(type_value) if isinstance(type_value, str) else None
    if layer_type is None:
        return _unknown_type(raw, position)
    kind = layer_type.type
    checks: list[str] = []
    allowed = layer_type.setting_keys()
    for key in raw:
        if key != "type" and key not in allowed:
            name = show_value(key) if isinstance(key, str) else show_value(str(key))
            hint = did_you_mean(key, list(allowed)) if isinstance(key, str) else ""
            takes = f"{kind} takes {', '.join(allowed)}" if allowed else f"{kind} takes no settings"
            checks.append(f"unknown setting {name}{hint} ({takes})")
    checks += [f'missing "{field.key}" ({field.required})' for field in layer_type.fields
               if field.required and field.key not in raw]
    settings: dict[str, object] = {}
    for field in layer_type.fields:
        if field.key in raw:
            try:
                settings[field.key] = read_setting(field, raw[field.key])
            except InvalidSetting as error:
                checks.append(str(error))
    problems = tuple(Problem(position, kind, message) for message in checks)
    layer = None if problems else layer_type.from_settings(settings)
    return ParsedLayer(position, kind, layer, problems)


def _input_shape(value: object) -> tuple[tuple[int, int, int] | None, list[str]]:
    example = "for example [28, 28, 1] for MNIST or [32, 32, 3] for colour images"
    if not isinstance(value, list | tuple) or len(value) != 3:
        return None, [f"input_shape: must be [height, width, channels], got {show_value(value)}; {example}"]
    problems = []
    sides = []
    for label, item, cap in zip(("height", "width", "channels"), value, (MAX_INPUT_SIDE, MAX_INPUT_SIDE,
                                                                           MAX_CHANNELS), strict=True):
        try:
            sides.append(read_whole(item, label, 1, cap, "28" if label != "channels" else "1"))
        except InvalidSetting as error:
            problems.append(f"input_shape: {error}")
    if problems:
        return None, problems
    return (sides[0], sides[1], sides[2]), []


def _name(value: object) -> tuple[str, list[str]]:
    if not isinstance(value, str):
        return "", [f"name: must be text, got {show_value(value)}"]
    text = value.strip()
    if len(text) > MAX_NAME_LENGTH:
        return "", [f"name: {len(text)} characters is more than the cap of {MAX_NAME_LENGTH}"]
    if any(not ch.isprintable() for ch in text):
        return "", ["name: must not contain control characters such as line breaks or tabs"]
    return text, []


SPEC_KEYS = ("name", "input_shape", "layers")


def parse_spec(raw: object) -> ParsedSpec:
    """Check a whole JSON value as a spec: its keys, name, input_shape and each layer's own values.

    Never raises for bad input. Layers beyond MAX_LAYERS are not examined (the cap is reported).
    """
    if isinstance(raw, NetworkSpec):
        raw = spec_to_dict(raw)
    if not isinstance(raw, Mapping):
        return ParsedSpec("", None, (), (Problem(None, None, (
            'spec: must be a JSON object like {"input_shape": [28, 28, 1], "layers": [...]}, '
            f"got {show_value(raw)}")),))
    messages: list[str] = []
    for key in raw:
        if key not in SPEC_KEYS:
            shown = show_value(key if isinstance(key, str) else str(key))
            hint = did_you_mean(key, list(SPEC_KEYS)) if isinstance(key, str) else ""
            messages.append(f"spec: unknown key {shown}{hint} (a spec has {', '.join(SPEC_KEYS)})")
    name, name_problems = _name(raw.get("name", ""))
    input_shape, shape_problems = _input_shape(raw.get("input_shape", list(DEFAULT_INPUT_SHAPE)))
    messages += name_problems + shape_problems
    raw_layers = raw.get("layers")
    parsed: list[ParsedLayer] = []
    if "layers" not in raw:
        messages.append('layers: missing; give a list such as [{"type": "Flatten"}, '
                        '{"type": "Dense", "units": 10, "activation": "softmax"}]')
    elif not isinstance(raw_layers, list | tuple):
        messages.append(f"layers: must be a list of layer objects, got {show_value(raw_layers)}")
    else:
        if len(raw_layers) > MAX_LAYERS:
            messages.append(f"layers: {len(raw_layers):,} layers is more than the cap of {MAX_LAYERS}; "
                            f"only the first {MAX_LAYERS} were checked")
        parsed = [parse_layer(item, i) for i, item in enumerate(raw_layers[:MAX_LAYERS], start=1)]
    return ParsedSpec(name, input_shape, tuple(parsed), tuple(Problem(None, None, m) for m in messages))


def spec_from_parsed(parsed: ParsedSpec) -> NetworkSpec | None:
    """The NetworkSpec when every value is valid (shapes not yet checked), else None."""
    if parsed.problems or parsed.input_shape is None or any(p.layer is None for p in parsed.layers):
        return None
    return NetworkSpec(parsed.input_shape, tuple(p.layer for p in parsed.layers if p.layer), parsed.name)
