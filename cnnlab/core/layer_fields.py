"""The Build form of each layer type: its fields as input boxes, read from and written back to a layer's JSON.

Plain Python (no Streamlit), shared by "Add a layer" and "Edit a layer"; the fields themselves (labels,
Keras defaults, help) are the layer type's own (`layer_types/`). A field's value in the form is a tuple of
*boxes* (one per input box: kernel_size has rows and columns); `boxes_from_raw` reads them leniently from
whatever the stack document holds (a bad value becomes an empty box, never an exception) and
`raw_from_boxes` writes them back with Keras argument names. Checking values is `analyze`'s job.
"""

from __future__ import annotations

import math

from cnnlab.core.layer_types.registry import LAYER_TYPES
from cnnlab.core.layer_types.settings import BoxValue, Field, FieldKind
from cnnlab.core.messages import show_value, whole_number
from cnnlab.core.parse import parse_layer

BOX_LABELS: dict[FieldKind, tuple[str, ...]] = {
    FieldKind.whole: ("",), FieldKind.fraction: ("",), FieldKind.choice: ("",), FieldKind.flag: ("",),
    FieldKind.pair: ("rows", "cols"), FieldKind.optional_pair: ("rows", "cols"),
    FieldKind.padding4: ("top", "bottom", "left", "right"),
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


def _pair_boxes(value: object) -> tuple[int | None, int | None]:
    if isinstance(value, list | tuple):
        if len(value) == 2:
            return whole_or_none(value[0]), whole_or_none(value[1])
        return None, None
    side = whole_or_none(value)
    return side, side


def _padding4_boxes(value: object) -> tuple[int | None, ...]:
    nested = isinstance(value, list | tuple) and len(value) == 2
    if nested and all(isinstance(side, list | tuple) for side in value):
        return (*_pair_boxes(value[0]), *_pair_boxes(value[1]))
    height, width = _pair_boxes(value)
    return height, height, width, width


def boxes_from_raw(field: Field, layer: object) -> tuple[BoxValue, ...]:
    """The form's boxes for `field` of a raw layer document; its default when the key is absent.

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
            return _pair_boxes(value)
        case FieldKind.optional_pair:
            return (None, None) if value is None else _pair_boxes(value)
        case FieldKind.padding4:
            return _padding4_boxes(value)
        case FieldKind.choice:
            if value is None and field.null is not None:
                return (field.null,)
            return (value if isinstance(value, str) and value in field.choices else None,)
    return (value if isinstance(value, bool) else field.default[0],)


def raw_from_boxes(field: Field, boxes: tuple[BoxValue, ...]) -> object:
    """The JSON value for `field` from the form's boxes (inverse of `boxes_from_raw`).

    Example: kernel_size (3, 5) → [3, 5]; blank pooling strides → None (the key is then left out).
    """
    match field.kind:
        case FieldKind.pair:
            return list(boxes)
        case FieldKind.optional_pair:
            return None if all(box is None for box in boxes) else list(boxes)
        case FieldKind.padding4:
            return [list(boxes[:2]), list(boxes[2:])]
    return boxes[0]


def layer_from_boxes(layer_type: str, values: dict[str, tuple[BoxValue, ...]]) -> dict:
    """A layer document from the form: {"type": …, then each field with Keras's argument name}.

    A field missing from `values` takes its default; an optional field left blank is left out.
    """
    layer: dict = {"type": layer_type}
    for field in LAYER_TYPES[layer_type].fields:
        value = raw_from_boxes(field, values.get(field.key, field.default))
        if value is not None or field.kind != FieldKind.optional_pair:
            layer[field.key] = value
    return layer


def default_layer(layer_type: str) -> dict:
    """A new layer of `layer_type` with the form's starting values, e.g. Conv2D(32, 3×3, strides 1×1, …)."""
    return layer_from_boxes(layer_type, {})


def settings_text(layer: object, position: int) -> str:
    """The layer's settings as they would read in Keras: only those that differ from Keras's defaults.

    A layer with a bad value shows every setting as written, so the student can see what to change.
    Example: the Keras intro post's first layer → "filters=16, kernel_size=(3, 3), activation='relu'".
    """
    parsed = parse_layer(layer, position)
    if parsed.layer is not None:
        return ", ".join(f"{key}={value!r}" for key, value in parsed.layer.keras_arguments().items())
    if not isinstance(layer, dict):
        return show_value(layer)
    return ", ".join(f"{key}={show_value(value)}" for key, value in layer.items() if key != "type")
