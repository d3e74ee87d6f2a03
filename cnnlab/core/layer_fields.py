"""The settings form of each layer type: which fields, their Keras defaults, a one-line help each.

Plain Python (no Streamlit), shared by "Add a layer" and "Edit a layer". A field's value in the form is a
tuple of *parts* (one per input box: kernel_size has rows and columns); `parts_from_raw` reads them
leniently from whatever the stack document holds (a bad value becomes an empty box, never an exception)
and `raw_from_parts` writes them back with Keras argument names. Checking values is `analyze`'s job.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import StrEnum

from cnnlab.core import layers as spec
from cnnlab.core.keras_args import layer_arguments
from cnnlab.core.layers import Activation, LayerType, Padding
from cnnlab.core.messages import show_value, whole_number
from cnnlab.core.parse import parse_layer

Part = int | float | str | bool | None


class FieldKind(StrEnum):
    """How a setting is entered: whole number, fraction, rows × columns, four paddings, choice or flag."""

    whole = "whole"
    fraction = "fraction"
    pair = "pair"
    optional_pair = "optional_pair"  # blank means "use Keras's default" (pooling strides = pool_size)
    padding4 = "padding4"
    choice = "choice"
    flag = "flag"


PART_LABELS: dict[FieldKind, tuple[str, ...]] = {
    FieldKind.whole: ("",), FieldKind.fraction: ("",), FieldKind.choice: ("",), FieldKind.flag: ("",),
    FieldKind.pair: ("rows", "cols"), FieldKind.optional_pair: ("rows", "cols"),
    FieldKind.padding4: ("top", "bottom", "left", "right"),
}


@dataclass(frozen=True)
class Field:
    """One setting of a layer type: Keras argument name, how it is entered, its starting parts and help."""

    key: str
    kind: FieldKind
    default: tuple[Part, ...]
    help: str
    choices: tuple[str, ...] = ()


def _keras_default(layer_class: type, name: str) -> object:
    """The default of a spec dataclass field (our dataclasses carry Keras's defaults)."""
    return next(f.default for f in dataclasses.fields(layer_class) if f.name == name)


def _padding_field() -> Field:
    return Field("padding", FieldKind.choice, (str(_keras_default(spec.Conv2D, "padding")),),
                 '"valid" adds no border (the output shrinks); "same" pads so that output side = '
                 "⌈input / stride⌉.",
                 tuple(str(p) for p in Padding))


def _activation_field(advice: str) -> Field:
    return Field("activation", FieldKind.choice, (str(_keras_default(spec.Dense, "activation")),),
                 f'Applied to each output value; Keras\'s default is "linear" (none). {advice}',
                 tuple(str(a) for a in Activation))


def _use_bias_field() -> Field:
    return Field("use_bias", FieldKind.flag, (bool(_keras_default(spec.Dense, "use_bias")),),
                 "Adds one learned bias per output channel/unit (Keras default: on).")


_CONV_STRIDES = _keras_default(spec.Conv2D, "strides")
_POOL_SIZE = _keras_default(spec.Pooling2D, "pool_size")
_ZERO_PADDING = _keras_default(spec.ZeroPadding2D, "padding")



def _pooling_fields(kept: str) -> tuple[Field, ...]:
    """MaxPooling2D's and AveragePooling2D's fields, which differ only in what a window keeps."""
    return (
        Field("pool_size", FieldKind.pair, tuple(_POOL_SIZE),
              f"Window whose {kept} is kept (Keras default 2×2)."),
        Field("strides", FieldKind.optional_pair, (None, None), "Step of the window; leave blank for Keras's "
              "default, the pool size (so 2×2 pooling halves each side)."),
        _padding_field(),
    )


FIELDS: dict[LayerType, tuple[Field, ...]] = {
    LayerType.Conv2D: (
        Field("filters", FieldKind.whole, (32,), f"How many kernels, so how many output channels "
              f"(1–{spec.MAX_FILTERS:,}; Keras has no default, 32 is a common start)."),
        Field("kernel_size", FieldKind.pair, (3, 3),
              f"Height × width of each kernel (1–{spec.MAX_KERNEL_SIDE}); 3×3 is the usual choice."),
        Field("strides", FieldKind.pair, tuple(_CONV_STRIDES), "Step of the kernel down and across "
              "(Keras default 1×1); 2×2 halves the output."),
        _padding_field(),
        _activation_field('"relu" is the usual choice after a convolution.'),
        _use_bias_field(),
    ),
    LayerType.MaxPooling2D: _pooling_fields("maximum"),
    LayerType.AveragePooling2D: _pooling_fields("average"),
    LayerType.ZeroPadding2D: (
        Field("padding", FieldKind.padding4, (*_ZERO_PADDING[0], *_ZERO_PADDING[1]),
              f"Rows of zeros added at the top and bottom, columns at the left and right "
              f"(Keras default 1 each; 0–{spec.MAX_ZERO_PADDING})."),
    ),
    LayerType.Flatten: (),
    LayerType.GlobalAveragePooling2D: (),
    LayerType.Dense: (
        Field("units", FieldKind.whole, (64,),
              f"How many neurons, so how many outputs (1–{spec.MAX_UNITS:,}; Keras has no default). "
              "The last layer needs 10, one per digit."),
        _activation_field('Use "relu" inside the stack and "softmax" on the last layer.'),
        _use_bias_field(),
    ),
    LayerType.Dropout: (
        Field("rate", FieldKind.fraction, (0.25,), "Fraction of values zeroed at random while training "
              "(0 up to, not including, 1; Keras has no default)."),
    ),
    LayerType.BatchNormalization: (),
}

LAYER_HELP: dict[LayerType, str] = {
    LayerType.Conv2D: "Slides small learned kernels over the image; each filter makes one feature map.",
    LayerType.MaxPooling2D: "Keeps the largest value of each window: a smaller image, no weights.",
    LayerType.AveragePooling2D: "Keeps the average of each window: a smaller image, no weights.",
    LayerType.ZeroPadding2D: "Adds a border of zeros around the image (LeNet pads 28×28 to 32×32).",
    LayerType.Flatten: "Unrolls height × width × channels into one vector for Dense layers. No settings.",
    LayerType.GlobalAveragePooling2D: "Averages each feature map to one number: (h, w, c) → (c,).",
    LayerType.Dense: "Connects every input to every neuron.",
    LayerType.Dropout: "Switches off random values while training, against overfitting; no weights.",
    LayerType.BatchNormalization: "Normalises each channel; 4 numbers per channel (2 learned). No settings.",
}


WHOLE_NUMBER_KINDS = frozenset({FieldKind.whole, FieldKind.pair, FieldKind.optional_pair, FieldKind.padding4})


def whole_or_none(value: object) -> int | None:
    """`value` as a whole number a number box can show (3.0 counts as 3), else None (so the box is empty)."""
    return whole_number(value)


def typed_number(value: object) -> object:
    """A number box's value as the student meant it: a whole float as the int it is, anything else as is.

    The boxes for whole numbers send floats, so that what a student types arrives whole — 1e9 as
    1,000,000,000, not the 1 an integer box would make of it — and the validator then reports it at its
    layer like 0 or −5 ("must be a whole number from 1 to 1,024").

    >>> typed_number(1e9), typed_number(32.0), typed_number(2.5), typed_number(None)
    (1000000000, 32, 2.5, None)
    """
    number = whole_number(value) if isinstance(value, float) else None
    return value if number is None else number


def _pair_parts(value: object) -> tuple[int | None, int | None]:
    if isinstance(value, list | tuple):
        if len(value) == 2:
            return whole_or_none(value[0]), whole_or_none(value[1])
        return None, None
    side = whole_or_none(value)
    return side, side


def _padding4_parts(value: object) -> tuple[int | None, ...]:
    nested = isinstance(value, list | tuple) and len(value) == 2
    if nested and all(isinstance(side, list | tuple) for side in value):
        return (*_pair_parts(value[0]), *_pair_parts(value[1]))
    height, width = _pair_parts(value)
    return height, height, width, width


def parts_from_raw(field: Field, layer: object) -> tuple[Part, ...]:
    """The form's parts for `field` of a raw layer document; its default when the key is absent.

    A value that cannot be shown (a string where a number belongs, a wrong-length list) becomes an empty
    box (None), so the student sees the problem message and types a new value.
    Example: kernel_size 5 → (5, 5); kernel_size "big" → (None, None).
    """
    if not isinstance(layer, dict) or field.key not in layer:
        return field.default
    value = layer[field.key]
    match field.kind:
        case FieldKind.whole:
            return (whole_or_none(value),)
        case FieldKind.fraction:
            number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
            return (float(number) if number is not None and math.isfinite(number) else None,)
        case FieldKind.pair:
            return _pair_parts(value)
        case FieldKind.optional_pair:
            return (None, None) if value is None else _pair_parts(value)
        case FieldKind.padding4:
            return _padding4_parts(value)
        case FieldKind.choice:
            if value is None and field.key == "activation":
                return (str(Activation.linear),)
            return (value if isinstance(value, str) and value in field.choices else None,)
    return (value if isinstance(value, bool) else field.default[0],)


def raw_from_parts(field: Field, parts: tuple[Part, ...]) -> object:
    """The JSON value for `field` from the form's parts (inverse of `parts_from_raw`).

    Example: kernel_size (3, 5) → [3, 5]; blank pooling strides → None (the key is then left out).
    """
    match field.kind:
        case FieldKind.pair:
            return list(parts)
        case FieldKind.optional_pair:
            return None if all(p is None for p in parts) else list(parts)
        case FieldKind.padding4:
            return [list(parts[:2]), list(parts[2:])]
    return parts[0]


def layer_from_parts(layer_type: LayerType, values: dict[str, tuple[Part, ...]]) -> dict:
    """A layer document from the form: {"type": …, then each field with Keras's argument name}.

    A field missing from `values` takes its default; an optional field left blank is left out.
    """
    layer: dict = {"type": str(layer_type)}
    for field in FIELDS[layer_type]:
        value = raw_from_parts(field, values.get(field.key, field.default))
        if value is not None or field.kind != FieldKind.optional_pair:
            layer[field.key] = value
    return layer


def default_layer(layer_type: LayerType) -> dict:
    """A new layer of `layer_type` with the form's starting values, e.g. Conv2D(32, 3×3, strides 1×1, …)."""
    return layer_from_parts(layer_type, {})


def settings_text(layer: object, position: int) -> str:
    """The layer's settings as they would read in Keras: only those that differ from Keras's defaults.

    A layer with a bad value shows every setting as written, so the student can see what to change.
    Example: the Keras intro post's first layer → "filters=16, kernel_size=(3, 3), activation='relu'".
    """
    parsed = parse_layer(layer, position)
    if parsed.layer is not None:
        return ", ".join(f"{key}={value!r}" for key, value in layer_arguments(parsed.layer).items())
    if not isinstance(layer, dict):
        return show_value(layer)
    return ", ".join(f"{key}={show_value(value)}" for key, value in layer.items() if key != "type")
