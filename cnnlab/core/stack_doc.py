"""The stack document the Build page edits, and the edits themselves: insert, replace, delete, move.

A stack document is `{"name": str, "input_shape": [h, w, c], "layers": [layer documents]}` — the spec JSON,
kept raw so a layer with a bad value stays in place (with its message) until the student fixes it. Every
edit returns a new document; `Drafts.save` keeps it as the owner's stack. Plain Python, no Streamlit.
"""

from __future__ import annotations

from typing import Any

from cnnlab.core.layers import DEFAULT_INPUT_SHAPE, MAX_LAYERS, NetworkSpec
from cnnlab.core.messages import show_value
from cnnlab.core.parse import SPEC_KEYS
from cnnlab.core.spec_json import spec_to_dict

Stack = dict[str, Any]


class StackRefused(ValueError):
    """A document that cannot become the student's stack (not an object, layers not a list, over a cap)."""


def empty_stack() -> Stack:
    """A stack with the MNIST input and no layers yet."""
    return {"name": "", "input_shape": list(DEFAULT_INPUT_SHAPE), "layers": []}


def stack_from_spec(spec: NetworkSpec) -> Stack:
    """The document of a valid spec (a preset, an earlier run)."""
    return empty_stack() | spec_to_dict(spec)


def stack_from_json(document: object) -> tuple[Stack, tuple[str, ...]]:
    """Adopt any JSON value as the stack to edit, keeping bad layers so their messages show where they are.

    Returns the stack and notes about what was left out (unknown top-level keys). Raises StackRefused, with
    the reason and the fix, when there is nothing to edit: not an object, "layers" not a list, over the cap.
    """
    if not isinstance(document, dict):
        example = '{"input_shape": [28, 28, 1], "layers": [...]}'
        raise StackRefused(f"a stack must be a JSON object like {example}, got {show_value(document)}")
    layers = document.get("layers", [])
    if not isinstance(layers, list):
        raise StackRefused(f'"layers" must be a list of layer objects, got {show_value(layers)}')
    if len(layers) > MAX_LAYERS:
        raise StackRefused(f"{len(layers):,} layers is more than the cap of {MAX_LAYERS}; remove some and "
                           "try again")
    ignored = [show_value(key) for key in document if key not in SPEC_KEYS]
    note = f"left out unknown keys {', '.join(ignored)} (a stack has {', '.join(SPEC_KEYS)})"
    notes = (note,) if ignored else ()
    stack = empty_stack() | {key: document[key] for key in SPEC_KEYS if key in document}
    return stack, notes


def layers_of(stack: Stack) -> list[Any]:
    """The stack's layer list (an empty list if the document has none or a non-list)."""
    layers = stack.get("layers")
    return list(layers) if isinstance(layers, list) else []


def with_layers(stack: Stack, layers: list[Any]) -> Stack:
    """A copy of `stack` with a new layer list."""
    return stack | {"layers": layers}


def insert_layer(stack: Stack, position: int, layer: dict) -> Stack:
    """Insert `layer` so it becomes 1-based `position` (len + 1 appends). Raises StackRefused at the cap."""
    layers = layers_of(stack)
    if len(layers) >= MAX_LAYERS:
        raise StackRefused(f"the stack already has {len(layers)} layers, the cap; delete one to add another")
    index = min(max(position, 1), len(layers) + 1) - 1
    return with_layers(stack, [*layers[:index], layer, *layers[index:]])


def _has_position(stack: Stack, position: int) -> bool:
    return 1 <= position <= len(layers_of(stack))


def replace_layer(stack: Stack, position: int, layer: object) -> Stack:
    """Put `layer` at 1-based `position` instead of what is there (no change if there is no such layer)."""
    if not _has_position(stack, position):
        return stack
    layers = layers_of(stack)
    layers[position - 1] = layer
    return with_layers(stack, layers)


def set_setting(stack: Stack, position: int, key: str, value: object) -> Stack:
    """Set one setting of the layer at `position`; None removes it (Keras's default applies).

    No change if there is no such layer or it is not an object.
    Example: set_setting(convnet, 1, "filters", 32) makes the first layer Conv2D(32, …).
    """
    if not _has_position(stack, position) or not isinstance(layers_of(stack)[position - 1], dict):
        return stack
    layer = dict(layers_of(stack)[position - 1])
    if value is None:
        layer.pop(key, None)
    else:
        layer[key] = value
    return replace_layer(stack, position, layer)


def delete_layer(stack: Stack, position: int) -> Stack:
    """Remove the layer at 1-based `position` (no change if there is no such layer)."""
    if not _has_position(stack, position):
        return stack
    layers = layers_of(stack)
    del layers[position - 1]
    return with_layers(stack, layers)


def move_layer(stack: Stack, position: int, offset: int) -> Stack:
    """Swap the layer at 1-based `position` with its neighbour `offset` (−1 up, +1 down); no-op at an end."""
    target = position + offset
    if not (_has_position(stack, position) and _has_position(stack, target)):
        return stack
    layers = layers_of(stack)
    layers[position - 1], layers[target - 1] = layers[target - 1], layers[position - 1]
    return with_layers(stack, layers)
