"""Keras is the oracle: every shape and weight count `analyze` reports must equal what Keras 3 builds."""

from __future__ import annotations

import math
import random

import keras
import pytest

from cnnlab.bridge.model import build_model
from cnnlab.core.arithmetic import Analysis, analyze
from cnnlab.core.layer_types.settings import Activation
from cnnlab.core.parse import parse_spec, spec_from_parsed
from cnnlab.core.presets import PRESETS
from cnnlab.testing.stacks import random_stack, random_valid_stack

pytestmark = pytest.mark.keras

RANDOM_STACKS = 240
ANY_STACKS = 200
SEED = 20240611


def _weights(variables: list) -> int:
    return sum(math.prod(v.shape) for v in variables)


def _mismatches(analysis: Analysis, model: keras.Sequential | None = None) -> list[str]:
    """Every difference between our reports and the Keras model built from the same spec."""
    assert analysis.ok, [str(p) for p in analysis.problems]
    model = model or build_model(analysis.spec)
    found = []
    assert len(model.layers) == len(analysis.layers)
    for report, layer in zip(analysis.layers, model.layers, strict=True):
        keras_numbers = (tuple(layer.output.shape), layer.count_params(), _weights(layer.trainable_weights),
                         _weights(layer.non_trainable_weights))
        ours = ((None, *report.output_shape), report.params, report.trainable_params,
                report.non_trainable_params)
        if keras_numbers != ours:
            found.append(f"{report.config} on {report.input_shape}: keras {keras_numbers}, ours {ours}")
    totals = (model.count_params(), _weights(model.trainable_weights), _weights(model.non_trainable_weights))
    if totals != (analysis.total_params, analysis.trainable_params, analysis.non_trainable_params):
        found.append(f"totals: keras {totals}, ours {analysis.total_params, analysis.trainable_params}")
    keras_output = tuple(model.compute_output_shape((None, *analysis.input_shape)))
    if keras_output != (None, *analysis.output_shape):
        found.append(f"model output: keras {keras_output}, ours {analysis.output_shape}")
    return found


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_matches_keras(name: str) -> None:
    assert _mismatches(analyze(PRESETS[name].spec)) == []


EDGE_CASES = {
    "rectangular kernel, non-dividing strides": [
        {"type": "Conv2D", "filters": 4, "kernel_size": [5, 2], "strides": [3, 2]}],
    "same padding with stride 2 on odd sides": [
        {"type": "Conv2D", "filters": 3, "kernel_size": 4, "strides": 2, "padding": "same"}],
    "same padding, kernel larger than input": [
        {"type": "Conv2D", "filters": 2, "kernel_size": 9, "padding": "same"}],
    "pooling with its own strides and padding": [
        {"type": "MaxPooling2D", "pool_size": [3, 2], "strides": [1, 3], "padding": "same"},
        {"type": "AveragePooling2D", "pool_size": [3, 2], "strides": 2}],
    "asymmetric zero padding": [{"type": "ZeroPadding2D", "padding": [[0, 3], [2, 1]]}],
    "symmetric [h, w] zero padding": [{"type": "ZeroPadding2D", "padding": [1, 4]}],
    "Dense on a 3-D tensor": [{"type": "Dense", "units": 7, "activation": "relu"}, {"type": "Flatten"}],
    "BatchNormalization on 3-D and flat": [
        {"type": "BatchNormalization"}, {"type": "GlobalAveragePooling2D"}, {"type": "BatchNormalization"}],
    "Flatten on a flat tensor": [{"type": "Flatten"}, {"type": "Flatten"}, {"type": "Dropout", "rate": 0.5}],
    "no biases": [{"type": "Conv2D", "filters": 5, "kernel_size": 3, "use_bias": False}, {"type": "Flatten"},
                  {"type": "Dense", "units": 3, "use_bias": False}],
    "kernel exactly the input's size": [{"type": "Conv2D", "filters": 6, "kernel_size": [7, 5]}],
}


@pytest.mark.parametrize("layers", list(EDGE_CASES.values()), ids=list(EDGE_CASES))
def test_edge_case_matches_keras(layers: list[dict]) -> None:
    assert _mismatches(analyze({"input_shape": [7, 5, 3], "layers": layers})) == []


def test_random_valid_stacks_match_keras() -> None:
    rng = random.Random(SEED)
    stacks = [random_valid_stack(rng) for _ in range(RANDOM_STACKS)]
    kinds = {layer["type"] for stack in stacks for layer in stack["layers"]}
    assert len(kinds) == 9  # every layer type was exercised
    mismatches = [m for stack in stacks for m in _mismatches(analyze(stack))]
    assert mismatches == []


def test_we_refuse_exactly_what_keras_refuses() -> None:
    rng = random.Random(SEED + 1)
    disagreements, refused = [], 0
    for _ in range(ANY_STACKS):
        raw = random_stack(rng)
        analysis = analyze(raw)
        spec = spec_from_parsed(parse_spec(raw))
        assert spec is not None  # every value is valid; only the fit between layers varies
        try:
            model = build_model(spec)
        except ValueError:
            refused += 1
            if analysis.ok:
                disagreements.append(f"keras refuses, we accept: {raw}")
            continue
        if not analysis.ok:
            disagreements.append(f"keras accepts, we refuse: {raw} {[str(p) for p in analysis.problems]}")
        else:
            disagreements += _mismatches(analysis, model)
    assert disagreements == []
    assert ANY_STACKS // 5 < refused < ANY_STACKS * 4 // 5  # both outcomes are well exercised


REFUSED = {
    "Conv2D after Flatten": ([{"type": "Flatten"}, {"type": "Conv2D", "filters": 2, "kernel_size": 1}], 2),
    "kernel larger than input": ([{"type": "Conv2D", "filters": 2, "kernel_size": [9, 1]}], 1),
    "pool larger than input": ([{"type": "MaxPooling2D", "pool_size": 8}], 1),
    "GlobalAveragePooling2D on flat": ([{"type": "GlobalAveragePooling2D"}] * 2, 2),
    "ZeroPadding2D on flat": ([{"type": "Flatten"}, {"type": "ZeroPadding2D"}], 2),
}


@pytest.mark.parametrize(("layers", "position"), list(REFUSED.values()), ids=list(REFUSED))
def test_stacks_keras_refuses_are_refused_naming_the_layer(layers: list[dict], position: int) -> None:
    raw = {"input_shape": [7, 7, 2], "layers": layers}
    analysis = analyze(raw)
    assert [p.position for p in analysis.problems] == [position]
    values_ok = spec_from_parsed(parse_spec(raw))
    assert values_ok is not None
    with pytest.raises(ValueError):
        build_model(values_ok)


def test_every_activation_is_a_keras_activation_that_keeps_the_shape() -> None:
    for activation in Activation:
        keras.activations.get(str(activation))
    layers = [{"type": "Dense", "units": 4, "activation": str(a)} for a in Activation]
    assert _mismatches(analyze({"input_shape": [3, 3, 2], "layers": layers})) == []
