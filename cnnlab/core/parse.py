"""Architecture specs: frozen layer dataclasses, and the validator that turns ANY JSON value into them.

A spec uses Keras's own class names, argument names and defaults, so a student's JSON reads like Keras:

    {"input_shape": [28, 28, 1],
     "layers": [{"type": "Conv2D", "filters": 16, "kernel_size": 3, "activation": "relu"},
                {"type": "MaxPooling2D", "pool_size": 2},
                {"type": "Flatten"},
                {"type": "Dense", "units": 10, "activation": "softmax"}]}

This module checks each layer's *own* values (types, ranges, unknown keys, caps); whether the layers fit
together (shapes) is `arithmetic`'s job. Numbers: JSON has a single number type, so a whole number written as
3.0 is accepted as 3; 3.5, booleans, strings, NaN and infinities are refused where a whole number belongs.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cnnlab.core.layers import (
    DEFAULT_INPUT_SHAPE,
    MAX_CHANNELS,
    MAX_FILTERS,
    MAX_INPUT_SIDE,
    MAX_KERNEL_SIDE,
    MAX_LAYERS,
    MAX_NAME_LENGTH,
    MAX_STRIDE,
    MAX_UNITS,
    MAX_ZERO_PADDING,
    Activation,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    Layer,
    LayerType,
    NetworkSpec,
    Padding,
    Pair,
    Pooling2D,
    ZeroPadding2D,
)
from cnnlab.core.messages import Problem, show_value, whole_number
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




class _Invalid(Exception):
    """A single bad value inside a layer; caught by `parse_layer` and turned into a Problem."""


def closest(word: str, choices: list[str]) -> str | None:
    """The choice closest to `word` (case-insensitive) for "did you mean …?" hints; None if none is close."""
    by_lower = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[match[0]] if match else None


def _did_you_mean(word: str, choices: list[str]) -> str:
    guess = closest(word, choices)
    return f"; did you mean {json.dumps(guess)}?" if guess else ""



def _whole(value: object, key: str, low: int, high: int, example: str) -> int:
    """A whole number in [low, high]; 3.0 counts as 3, while true, 3.5, "3" and NaN are refused."""
    number = whole_number(value)
    if number is None or not low <= number <= high:
        cap = f" (the cap is {high:,})" if number is not None and number > high else ""
        raise _Invalid(f"{key} must be a whole number from {low:,} to {high:,}, "
                       f"got {show_value(value)}{cap}; for example {example}")
    return number


def _pair(value: object, key: str, low: int, high: int, example: str) -> Pair:
    """An int or [h, w] of whole numbers in [low, high] → (h, w)."""
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise _Invalid(f"{key} must be one whole number or [height, width], got {show_value(value)}; "
                           f"for example {example}")
        return (_whole(value[0], f"{key} height", low, high, example),
                _whole(value[1], f"{key} width", low, high, example))
    side = _whole(value, key, low, high, example)
    return (side, side)


def _window(value: object, key: str, example: str) -> Pair:
    return _pair(value, key, 1, MAX_KERNEL_SIDE, example)


def _strides(value: object) -> Pair:
    return _pair(value, "strides", 1, MAX_STRIDE, "1 or [2, 2]")


def _zero_padding(value: object) -> tuple[Pair, Pair]:
    """ZeroPadding2D padding: int, [h, w] (symmetric) or [[top, bottom], [left, right]]."""
    example = "2, [2, 3] or [[1, 2], [0, 3]]"
    nested = [isinstance(x, list | tuple) for x in value] if isinstance(value, list | tuple) else []
    if nested == [True, True]:
        return (_pair(value[0], "padding [top, bottom]", 0, MAX_ZERO_PADDING, example),
                _pair(value[1], "padding [left, right]", 0, MAX_ZERO_PADDING, example))
    if any(nested):
        raise _Invalid(f"padding must be a whole number, [height, width] or [[top, bottom], [left, right]], "
                       f"got {show_value(value)}")
    height, width = _pair(value, "padding", 0, MAX_ZERO_PADDING, example)
    return ((height, height), (width, width))


def _choice(value: object, key: str, enum: type[StrEnum]) -> StrEnum:
    names = [str(m) for m in enum]
    if isinstance(value, str) and value in names:
        return enum(value)
    hint = _did_you_mean(value, names) if isinstance(value, str) else ""
    listing = "" if hint else f"; one of {', '.join(names)}"
    raise _Invalid(f"unknown {key} {show_value(value)}{hint}{listing}")


def _activation(value: object) -> Activation:
    return Activation.linear if value is None else _choice(value, "activation", Activation)


def _flag(value: object, key: str) -> bool:
    if isinstance(value, bool):
        return value
    raise _Invalid(f"{key} must be true or false, got {show_value(value)}")


def _rate(value: object) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1
    if not ok:
        raise _Invalid(f"rate must be a fraction from 0 up to (not including) 1, got {show_value(value)}; "
                       "for example 0.25 drops a quarter of the values while training")
    return float(value)


_KNOWN_KEYS: dict[LayerType, tuple[str, ...]] = {
    LayerType.Conv2D: ("filters", "kernel_size", "strides", "padding", "activation", "use_bias"),
    LayerType.MaxPooling2D: ("pool_size", "strides", "padding"),
    LayerType.AveragePooling2D: ("pool_size", "strides", "padding"),
    LayerType.ZeroPadding2D: ("padding",),
    LayerType.Flatten: (),
    LayerType.GlobalAveragePooling2D: (),
    LayerType.Dense: ("units", "activation", "use_bias"),
    LayerType.Dropout: ("rate",),
    LayerType.BatchNormalization: (),
}
_REQUIRED_KEYS: dict[LayerType, dict[str, str]] = {
    LayerType.Conv2D: {"filters": "how many kernels, e.g. 32", "kernel_size": "e.g. 3 or [3, 3]"},
    LayerType.Dense: {"units": "how many neurons, e.g. 64"},
    LayerType.Dropout: {"rate": "the fraction to drop, e.g. 0.25"},
}


def known_keys(layer_type: LayerType) -> tuple[str, ...]:
    """The settings a layer type accepts besides "type" (Keras argument names)."""
    return _KNOWN_KEYS[layer_type]


def _build(kind: LayerType, raw: Mapping, checks: list[str]) -> Layer:
    """Make the dataclass, collecting one message per bad setting into `checks` (so all are reported)."""

    def get(key: str, read: Callable[[object], Any], default: Any) -> Any:
        if key not in raw:
            return default
        try:
            return read(raw[key])
        except _Invalid as error:
            checks.append(str(error))
            return default

    match kind:
        case LayerType.Conv2D:
            return Conv2D(
                filters=get("filters", lambda v: _whole(v, "filters", 1, MAX_FILTERS, "32"), 1),
                kernel_size=get("kernel_size", lambda v: _window(v, "kernel_size", "3 or [3, 3]"), (1, 1)),
                strides=get("strides", _strides, (1, 1)),
                padding=get("padding", lambda v: _choice(v, "padding", Padding), Padding.valid),
                activation=get("activation", _activation, Activation.linear),
                use_bias=get("use_bias", lambda v: _flag(v, "use_bias"), True),
            )
        case LayerType.MaxPooling2D | LayerType.AveragePooling2D:
            pool = get("pool_size", lambda v: _window(v, "pool_size", "2 or [2, 2]"), (2, 2))
            strides = get("strides", lambda v: None if v is None else _strides(v), None)
            padding = get("padding", lambda v: _choice(v, "padding", Padding), Padding.valid)
            return Pooling2D(kind=kind, pool_size=pool, strides=strides or pool, padding=padding)
        case LayerType.ZeroPadding2D:
            return ZeroPadding2D(padding=get("padding", _zero_padding, ((1, 1), (1, 1))))
        case LayerType.Dense:
            return Dense(
                units=get("units", lambda v: _whole(v, "units", 1, MAX_UNITS, "64"), 1),
                activation=get("activation", _activation, Activation.linear),
                use_bias=get("use_bias", lambda v: _flag(v, "use_bias"), True),
            )
        case LayerType.Dropout:
            return Dropout(rate=get("rate", _rate, 0.0))
        case LayerType.Flatten:
            return Flatten()
        case LayerType.GlobalAveragePooling2D:
            return GlobalAveragePooling2D()
    return BatchNormalization()


def parse_layer(raw: object, position: int) -> ParsedLayer:
    """Check one layer's own values (not its fit with its neighbours) and build its dataclass.

    Every problem of the layer is reported: unknown type (with the closest name), unknown keys (with the
    keys it does take), missing required keys, and each bad value with its allowed range.
    """
    types = [str(t) for t in LayerType]
    if not isinstance(raw, Mapping):
        return ParsedLayer(position, "", None, (Problem(position, None, (
            f'must be an object like {{"type": "Dense", "units": 10}}, got {show_value(raw)}')),))
    type_value = raw.get("type")
    if not isinstance(type_value, str) or type_value not in types:
        printable = isinstance(type_value, str) and len(type_value) <= 40 and type_value.isprintable()
        shown = type_value if printable else ""
        if "type" not in raw:
            message = f'missing "type"; one of {", ".join(types)}'
        elif isinstance(type_value, str) and closest(type_value, types):
            message = f"unknown layer type {show_value(type_value)}{_did_you_mean(type_value, types)}"
        else:
            message = f"unknown layer type {show_value(type_value)}; one of {', '.join(types)}"
        return ParsedLayer(position, shown, None, (Problem(position, shown or None, message),))
    kind = LayerType(type_value)
    checks: list[str] = []
    allowed = _KNOWN_KEYS[kind]
    for key in raw:
        if key != "type" and key not in allowed:
            name = show_value(key) if isinstance(key, str) else show_value(str(key))
            hint = _did_you_mean(key, list(allowed)) if isinstance(key, str) else ""
            takes = f"{kind} takes {', '.join(allowed)}" if allowed else f"{kind} takes no settings"
            checks.append(f"unknown setting {name}{hint} ({takes})")
    for key, what in _REQUIRED_KEYS.get(kind, {}).items():
        if key not in raw:
            checks.append(f'missing "{key}" ({what})')
    layer = _build(kind, raw, checks)
    problems = tuple(Problem(position, str(kind), message) for message in checks)
    return ParsedLayer(position, str(kind), None if problems else layer, problems)


def _input_shape(value: object) -> tuple[tuple[int, int, int] | None, list[str]]:
    example = "for example [28, 28, 1] for MNIST or [32, 32, 3] for colour images"
    if not isinstance(value, list | tuple) or len(value) != 3:
        return None, [f"input_shape: must be [height, width, channels], got {show_value(value)}; {example}"]
    problems = []
    sides = []
    for label, item, cap in zip(("height", "width", "channels"), value, (MAX_INPUT_SIDE, MAX_INPUT_SIDE,
                                                                           MAX_CHANNELS), strict=True):
        try:
            sides.append(_whole(item, label, 1, cap, "28" if label != "channels" else "1"))
        except _Invalid as error:
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
            hint = _did_you_mean(key, list(SPEC_KEYS)) if isinstance(key, str) else ""
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
