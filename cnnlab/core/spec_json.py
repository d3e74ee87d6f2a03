"""A spec as JSON and as a share link: explicit JSON with Keras argument names, URL-safe base64, and
the capped reader for any spec document (file, upload, link)."""

from __future__ import annotations

import base64
import binascii
import json
from enum import StrEnum

from cnnlab.core.layer_types.base import Layer
from cnnlab.core.layers import MAX_JSON_DEPTH, MAX_SPEC_BYTES, NetworkSpec
from cnnlab.core.messages import SpecError


def _json_value(value: object) -> object:
    """A setting as JSON: pairs (nested too) as lists, a choice as its name."""
    if isinstance(value, tuple):
        return [_json_value(item) for item in value]
    return str(value) if isinstance(value, StrEnum) else value


def layer_to_dict(layer: Layer) -> dict:
    """The layer as explicit JSON with Keras argument names (every setting written out, pairs as lists).

    Example: Conv2D(16, (3, 3), activation=relu) → {"type": "Conv2D", "filters": 16, "kernel_size": [3, 3],
    "strides": [1, 1], "padding": "valid", "activation": "relu", "use_bias": true}.
    """
    settings = {field.key: _json_value(getattr(layer, field.key)) for field in layer.fields}
    return {"type": layer.type} | settings


def spec_to_dict(spec: NetworkSpec) -> dict:
    """The spec as JSON-able data that `parse_spec` reads back to an equal spec (round trip)."""
    data: dict = {"name": spec.name} if spec.name else {}
    return data | {"input_shape": list(spec.input_shape), "layers": [layer_to_dict(x) for x in spec.layers]}


def encode_spec_for_url(spec: NetworkSpec) -> str:
    """Compact JSON in URL-safe base64 without '=' padding, for a shareable `?spec=` link."""
    text = json.dumps(spec_to_dict(spec), separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_spec_from_url(text: str) -> object:
    """Inverse of `encode_spec_for_url` (padding optional): the JSON value, to be checked by `analyze`.

    Raises SpecError with a message a student can act on when the text is not base64 JSON.
    """
    if not isinstance(text, str):
        raise SpecError("spec link: expected text")
    if len(text) > MAX_SPEC_BYTES * 4 // 3 + 4:
        raise SpecError(f"spec link: longer than the cap of {MAX_SPEC_BYTES:,} bytes of JSON")
    cleaned = text.strip()
    try:
        raw = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError) as error:
        raise SpecError("spec link: not a valid encoded spec (was it cut off when copied?)") from error
    return decode_spec_json(raw, source="spec link")


def decode_spec_json(data: str | bytes, source: str = "spec") -> object:
    """Parse a spec document (file, upload, link) as JSON with size and nesting caps.

    Raises SpecError naming the problem: too big, not UTF-8 text, not JSON (with line and column), too deep.
    """
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(f"{source}: {len(data):,} bytes is more than the cap of {MAX_SPEC_BYTES:,} bytes")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise SpecError(f"{source}: not UTF-8 text (is it a binary file?)") from error
    if _nesting_depth(data) > MAX_JSON_DEPTH:
        raise SpecError(f"{source}: nested more than {MAX_JSON_DEPTH} levels deep; a spec needs 3")
    try:
        return json.loads(data)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise SpecError(f"{source}: not valid JSON: {error.msg} at {where}") from error
    except (RecursionError, ValueError) as error:
        raise SpecError(f"{source}: not valid JSON ({type(error).__name__})") from error


def _nesting_depth(text: str) -> int:
    """Deepest bracket nesting outside strings (counting stops past MAX_JSON_DEPTH), found without recursion
    because json.loads itself would recurse."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                break
        elif char in "]}":
            depth -= 1
    return deepest

