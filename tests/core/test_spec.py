"""Spec parsing and value validation: every bad value named with its layer, its rule and the fix."""

from __future__ import annotations

import json

import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.keras_args import layer_names
from cnnlab.core.layer_types.conv2d import MAX_FILTERS, Conv2D
from cnnlab.core.layer_types.dense import Dense
from cnnlab.core.layer_types.pooling import AveragePooling2D, MaxPooling2D
from cnnlab.core.layer_types.settings import Activation, Padding
from cnnlab.core.layer_types.zero_padding import ZeroPadding2D
from cnnlab.core.layers import MAX_JSON_DEPTH, MAX_LAYERS, MAX_NAME_LENGTH, MAX_SPEC_BYTES, NetworkSpec
from cnnlab.core.messages import Problem, SpecError
from cnnlab.core.parse import parse_spec, spec_from_parsed
from cnnlab.core.presets import PRESETS
from cnnlab.core.spec_json import (
    decode_spec_from_url,
    decode_spec_json,
    encode_spec_for_url,
    layer_to_dict,
    spec_to_dict,
)


def _layer_messages(*layers: object) -> list[str]:
    return [str(p) for p in analyze({"input_shape": [28, 28, 1], "layers": list(layers)}).problems]


def _parse(raw: object) -> NetworkSpec | None:
    return spec_from_parsed(parse_spec(raw))


def test_issue_example_parses_with_keras_defaults() -> None:
    spec = _parse({"input_shape": [28, 28, 1], "layers": [
        {"type": "Conv2D", "filters": 16, "kernel_size": 3, "activation": "relu"},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"}]})
    assert spec is not None
    assert spec.layers[0] == Conv2D(16, (3, 3), (1, 1), Padding.valid, Activation.relu, True)
    assert spec.layers[1] == MaxPooling2D((2, 2), (2, 2), Padding.valid)
    assert spec.layers[3] == Dense(10, Activation.softmax, True)


def test_defaults_and_normalised_forms() -> None:
    spec = _parse({"layers": [
        {"type": "AveragePooling2D"},
        {"type": "MaxPooling2D", "pool_size": [3, 2], "strides": None},
        {"type": "ZeroPadding2D"},
        {"type": "ZeroPadding2D", "padding": [1, 3]},
        {"type": "ZeroPadding2D", "padding": [[0, 1], [2, 3]]},
        {"type": "Conv2D", "filters": 4.0, "kernel_size": [3, 5], "activation": None}]})
    assert spec is not None and spec.input_shape == (28, 28, 1) and spec.name == ""
    assert spec.layers[0] == AveragePooling2D((2, 2), (2, 2))
    assert spec.layers[1] == MaxPooling2D((3, 2), (3, 2))
    paddings = [layer.padding for layer in spec.layers[2:5]]
    assert paddings == [((1, 1), (1, 1)), ((1, 1), (3, 3)), ((0, 1), (2, 3))]
    assert spec.layers[5] == Conv2D(4, (3, 5), activation=Activation.linear)


@pytest.mark.parametrize("name", list(PRESETS))
def test_round_trip_through_dict_json_and_url(name: str) -> None:
    spec = PRESETS[name].spec
    assert _parse(spec_to_dict(spec)) == spec
    assert _parse(json.loads(json.dumps(spec_to_dict(spec)))) == spec
    encoded = encode_spec_for_url(spec)
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    assert _parse(decode_spec_from_url(encoded)) == spec
    assert _parse(decode_spec_from_url(encoded + "=" * (-len(encoded) % 4))) == spec


def test_layer_to_dict_is_explicit() -> None:
    assert layer_to_dict(Conv2D(16, (3, 3), activation=Activation.relu)) == {
        "type": "Conv2D", "filters": 16, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
        "activation": "relu", "use_bias": True}
    padding = ZeroPadding2D(((0, 1), (2, 3)))
    assert layer_to_dict(padding) == {"type": "ZeroPadding2D", "padding": [[0, 1], [2, 3]]}


def test_spec_to_dict_keeps_the_name() -> None:
    spec = NetworkSpec((28, 28, 1), (Dense(10, Activation.softmax),), "My net")
    assert spec_to_dict(spec)["name"] == "My net"
    assert _parse(spec_to_dict(spec)) == spec


def test_layer_names_are_counted_per_type() -> None:
    spec = PRESETS["lenot"].spec
    assert layer_names(spec.layers) == ("zero_padding2d_1", "conv2d_1", "max_pooling2d_1", "conv2d_2",
                                        "max_pooling2d_2", "flatten_1", "dense_1", "dense_2", "dense_3")


def test_problem_str() -> None:
    assert str(Problem(3, "Conv2D", "kernel too big")) == "layer 3 (Conv2D): kernel too big"
    assert str(Problem(2, None, "missing type")) == "layer 2: missing type"
    assert str(Problem(None, None, "input_shape: bad")) == "input_shape: bad"


@pytest.mark.parametrize(("layer", "message"), [
    ({"type": "Conv2d", "filters": 3, "kernel_size": 3},
     'layer 1 (Conv2d): unknown layer type "Conv2d"; did you mean "Conv2D"?'),
    ({"type": "MaxPool2D"},
     'layer 1 (MaxPool2D): unknown layer type "MaxPool2D"; did you mean "MaxPooling2D"?'),
    ({"type": 7},
     "layer 1: unknown layer type 7; one of Conv2D, MaxPooling2D, AveragePooling2D, ZeroPadding2D, "
     "Flatten, GlobalAveragePooling2D, Dense, Dropout, BatchNormalization"),
    ({"units": 3}, 'layer 1: missing "type"; one of Conv2D, MaxPooling2D, AveragePooling2D, ZeroPadding2D, '
                   "Flatten, GlobalAveragePooling2D, Dense, Dropout, BatchNormalization"),
    ("Dense", 'layer 1: must be an object like {"type": "Dense", "units": 10}, got "Dense"'),
    ({"type": "Conv2D", "filters": "sixteen", "kernel_size": 3},
     'layer 1 (Conv2D): filters must be a whole number from 1 to 1,024, got "sixteen"; for example 32'),
    ({"type": "Conv2D", "filters": True, "kernel_size": 3},
     "layer 1 (Conv2D): filters must be a whole number from 1 to 1,024, got true; for example 32"),
    ({"type": "Conv2D", "filters": 3.5, "kernel_size": 3},
     "layer 1 (Conv2D): filters must be a whole number from 1 to 1,024, got 3.5; for example 32"),
    ({"type": "Conv2D", "filters": 0, "kernel_size": 3},
     "layer 1 (Conv2D): filters must be a whole number from 1 to 1,024, got 0; for example 32"),
    ({"type": "Conv2D", "filters": 5000, "kernel_size": 3},
     "layer 1 (Conv2D): filters must be a whole number from 1 to 1,024, got 5,000 (the cap is 1,024); "
     "for example 32"),
    ({"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 0},
     "layer 1 (Conv2D): strides must be a whole number from 1 to 64, got 0; for example 1 or [2, 2]"),
    ({"type": "Conv2D", "filters": 2, "kernel_size": [3, 3, 3]},
     "layer 1 (Conv2D): kernel_size must be one whole number or [height, width], got [3, 3, 3]; "
     "for example 3 or [3, 3]"),
    ({"type": "Conv2D", "filters": 2, "kernel_size": [3, "x"]},
     'layer 1 (Conv2D): kernel_size width must be a whole number from 1 to 64, got "x"; '
     "for example 3 or [3, 3]"),
    ({"type": "Conv2D", "filters": 2, "kernel_size": 3, "padding": "Same"},
     'layer 1 (Conv2D): unknown padding "Same"; did you mean "same"?'),
    ({"type": "Conv2D", "filters": 2, "kernel_size": 3, "activation": "relux"},
     'layer 1 (Conv2D): unknown activation "relux"; did you mean "relu"?'),
    ({"type": "Dense", "units": 2, "activation": "banana"},
     f'layer 1 (Dense): unknown activation "banana"; one of {", ".join(Activation)}'),
    ({"type": "Dense", "units": 2, "use_bias": 1}, "layer 1 (Dense): use_bias must be true or false, got 1"),
    ({"type": "Dropout", "rate": 1.5},
     "layer 1 (Dropout): rate must be a fraction from 0 up to (not including) 1, got 1.5; "
     "for example 0.25 drops a quarter of the values while training"),
    ({"type": "Dropout", "rate": 1},
     "layer 1 (Dropout): rate must be a fraction from 0 up to (not including) 1, got 1; "
     "for example 0.25 drops a quarter of the values while training"),
    ({"type": "Dropout"}, 'layer 1 (Dropout): missing "rate" (the fraction to drop, e.g. 0.25)'),
    ({"type": "ZeroPadding2D", "padding": [[1, 2], 3]},
     "layer 1 (ZeroPadding2D): padding must be a whole number, [height, width] or [[top, bottom], "
     "[left, right]], got [[1, 2], 3]"),
    ({"type": "ZeroPadding2D", "padding": -1},
     "layer 1 (ZeroPadding2D): padding must be a whole number from 0 to 64, got -1; "
     "for example 2, [2, 3] or [[1, 2], [0, 3]]"),
    ({"type": "Flatten", "units": 3},
     'layer 1 (Flatten): unknown setting "units" (Flatten takes no settings)'),
])
def test_bad_values_name_the_layer_and_the_rule(layer: object, message: str) -> None:
    assert _layer_messages(layer) == [message]


def test_unknown_keys_are_never_silently_ignored() -> None:
    assert _layer_messages({"type": "Conv2D", "filter": 16, "kernel_size": 3}) == [
        'layer 1 (Conv2D): unknown setting "filter"; did you mean "filters"? '
        "(Conv2D takes filters, kernel_size, strides, padding, activation, use_bias)",
        'layer 1 (Conv2D): missing "filters" (how many kernels, e.g. 32)']


def test_missing_required_keys() -> None:
    assert _layer_messages({"type": "Conv2D"}, {"type": "Dense"}) == [
        'layer 1 (Conv2D): missing "filters" (how many kernels, e.g. 32)',
        'layer 1 (Conv2D): missing "kernel_size" (e.g. 3 or [3, 3])',
        'layer 2 (Dense): missing "units" (how many neurons, e.g. 64)']


def test_bad_values_after_a_shape_break_are_still_reported() -> None:
    messages = _layer_messages({"type": "Flatten"}, {"type": "Conv2D", "filters": 2, "kernel_size": 3},
                               {"type": "Dense", "units": -4})
    assert [m.split(":")[0] for m in messages] == ["layer 2 (Conv2D)", "layer 3 (Dense)"]


@pytest.mark.parametrize(("shape", "message"), [
    ([28, 28], "input_shape: must be [height, width, channels], got [28, 28]; for example "
               "[28, 28, 1] for MNIST or [32, 32, 3] for colour images"),
    ([28, 0, 1], "input_shape: width must be a whole number from 1 to 512, got 0; for example 28"),
    ([28, 28, "one"],
     'input_shape: channels must be a whole number from 1 to 1,024, got "one"; for example 1'),
    ([28, 1000, 1], "input_shape: width must be a whole number from 1 to 512, got 1,000 (the cap is 512); "
                    "for example 28"),
])
def test_input_shape_problems(shape: object, message: str) -> None:
    assert [str(p) for p in analyze({"input_shape": shape, "layers": []}).problems] == [message]


def test_spec_level_problems() -> None:
    assert [str(p) for p in analyze([1, 2]).problems] == [
        'spec: must be a JSON object like {"input_shape": [28, 28, 1], "layers": [...]}, got [1, 2]']
    assert [str(p) for p in analyze({"input_shape": [28, 28, 1], "layer": []}).problems] == [
        'spec: unknown key "layer"; did you mean "layers"? (a spec has name, input_shape, layers)',
        'layers: missing; give a list such as [{"type": "Flatten"}, {"type": "Dense", "units": 10, '
        '"activation": "softmax"}]']
    assert [str(p) for p in analyze({"layers": {"type": "Flatten"}}).problems] == [
        "layers: must be a list of layer objects, got an object with 1 key"]


def test_layer_cap() -> None:
    analysis = analyze({"layers": [{"type": "Dropout", "rate": 0.1}] * (MAX_LAYERS + 5)})
    assert [str(p) for p in analysis.problems] == [
        f"layers: {MAX_LAYERS + 5} layers is more than the cap of {MAX_LAYERS}; only the first {MAX_LAYERS} "
        "were checked"]
    assert len(analysis.layers) == MAX_LAYERS


def test_name() -> None:
    assert analyze({"name": "  LeNot v2 ", "layers": []}).name == "LeNot v2"
    assert [str(p) for p in analyze({"name": "x" * (MAX_NAME_LENGTH + 1), "layers": []}).problems] == [
        f"name: {MAX_NAME_LENGTH + 1} characters is more than the cap of {MAX_NAME_LENGTH}"]
    assert [str(p) for p in analyze({"name": "a\nb", "layers": []}).problems] == [
        "name: must not contain control characters such as line breaks or tabs"]
    assert [str(p) for p in analyze({"name": 5, "layers": []}).problems] == ["name: must be text, got 5"]


def test_caps_are_stated() -> None:
    message = _layer_messages({"type": "Conv2D", "filters": MAX_FILTERS + 1, "kernel_size": 3})[0]
    assert f"the cap is {MAX_FILTERS:,}" in message


def test_decode_spec_json() -> None:
    assert decode_spec_json('{"layers": []}') == {"layers": []}
    assert decode_spec_json(b'\xef\xbb\xbf{"layers": []}') == {"layers": []}
    with pytest.raises(SpecError, match=r"^spec: not valid JSON: Expecting value at line 1, column 1$"):
        decode_spec_json("nope")
    with pytest.raises(SpecError, match="not UTF-8 text"):
        decode_spec_json(b"\xff\xfe\x00garbage")
    with pytest.raises(SpecError, match=f"more than the cap of {MAX_SPEC_BYTES:,} bytes"):
        decode_spec_json(b" " * (MAX_SPEC_BYTES + 1))
    with pytest.raises(SpecError, match=f"nested more than {MAX_JSON_DEPTH} levels deep"):
        decode_spec_json("[" * 100_000 + "]" * 100_000)
    brackets_in_a_string = json.dumps(["[" * 40])
    assert decode_spec_json(brackets_in_a_string) == ["[" * 40]


def test_decode_spec_from_url_refuses_garbage() -> None:
    with pytest.raises(SpecError, match=r"^spec link: not a valid encoded spec"):
        decode_spec_from_url("a")
    with pytest.raises(SpecError, match=r"^spec link: not UTF-8 text"):
        decode_spec_from_url("__-_")
    with pytest.raises(SpecError, match=r"^spec link: not valid JSON"):
        decode_spec_from_url("bm9wZQ")  # "nope"
