"""Hostile input, generated: any JSON value (or byte string) gives a valid analysis or our own problems that
name the layer or field — never another exception."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnlab.bridge.modelfile import model_config_to_spec, read_model_file
from cnnlab.core.arithmetic import analysis_to_json, analyze, training_problems
from cnnlab.core.layer_types.registry import LAYER_TYPES
from cnnlab.core.layer_types.settings import Activation
from cnnlab.core.layers import MAX_LAYERS
from cnnlab.core.messages import SpecError
from cnnlab.core.parse import SPEC_KEYS, parse_spec, spec_from_parsed
from cnnlab.core.spec_json import decode_spec_from_url, decode_spec_json, spec_to_dict
from cnnlab.core.summary_table import render_summary

FIELDS = ("spec:", "input_shape:", "layers:", "name:", "parameters:")
FUZZ = settings(deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
SCALE = float(os.environ.get("CNNLAB_FUZZ_SCALE", "1"))  # `make test-fast` runs a tenth of the examples


def examples(count: int) -> int:
    """How many examples a fuzz test draws: `count` in `make test`, fewer while developing."""
    return max(10, round(count * SCALE))

scalars = (st.none() | st.booleans() | st.integers() | st.integers(-3, 70)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from([0.0, 1.0, 2.0, 3.5, -0.0, 1e308]) | st.text(max_size=12))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=5), max_leaves=15)

# Near-miss values: right shape, wrong details — these reach the deep checks that random JSON rarely does.
plausible = (st.integers(-2, 40) | st.sampled_from(["same", "valid", "Same", "relu", "softmax", "relux", "x"])
             | st.sampled_from(list(Activation)).map(str) | st.lists(st.integers(-1, 9), max_size=3)
             | st.lists(st.lists(st.integers(-1, 5), max_size=3), max_size=3) | st.floats(-1, 2) | scalars)
layer_types = st.sampled_from([*LAYER_TYPES, "Conv3D", "dense", "Lambda", ""]) | scalars
layers = st.one_of(
    *(st.fixed_dictionaries({"type": st.just(name)}, optional=dict.fromkeys(kind.setting_keys(), plausible))
      for name, kind in LAYER_TYPES.items()),
    st.fixed_dictionaries({"type": layer_types}, optional={"filter": plausible, "": scalars}),
    json_values,
)
specs = st.fixed_dictionaries({}, optional={
    "input_shape": st.lists(st.integers(-1, 40), min_size=2, max_size=4) | json_values,
    "layers": st.lists(layers, max_size=12) | json_values,
    "name": st.text(max_size=70) | scalars,
    "layer": json_values,
})


def _check(raw: object) -> None:
    """The contract of `analyze` on any input: our problems only, each naming a layer or a field."""
    analysis = analyze(raw)
    raw_layers = raw.get("layers") if isinstance(raw, dict) else None
    count = min(len(raw_layers), MAX_LAYERS) if isinstance(raw_layers, list) else 0
    assert len(analysis.layers) == count
    for problem in analysis.problems:
        text = str(problem)
        if problem.position is None:
            assert text.startswith(FIELDS), text
        else:
            assert 1 <= problem.position <= count and text.startswith(f"layer {problem.position}"), text
    assert analysis.ok == (not analysis.problems) == (analysis.spec is not None)
    json.dumps(analysis_to_json(analysis))
    render_summary(analysis)
    training_problems(analysis)
    if analysis.ok:
        assert analysis.total_params == sum(r.params for r in analysis.layers)
        assert all(side >= 1 for r in analysis.layers for side in r.output_shape)
        assert spec_from_parsed(parse_spec(spec_to_dict(analysis.spec))) == analysis.spec
        assert analyze(analysis.spec) == analysis


@settings(FUZZ, max_examples=examples(1200))
@given(json_values)
def test_any_json_value(raw: object) -> None:
    _check(raw)


@settings(FUZZ, max_examples=examples(1200))
@given(specs)
def test_spec_shaped_values(raw: dict) -> None:
    _check(raw)


@settings(FUZZ, max_examples=examples(1200))
@given(st.fixed_dictionaries({"input_shape": st.lists(st.integers(1, 40), min_size=3, max_size=3),
                              "layers": st.lists(layers, min_size=1, max_size=8)}))
def test_spec_shaped_values_with_a_valid_input(raw: dict) -> None:
    _check(raw)


@settings(FUZZ, max_examples=examples(400))
@given(st.text(max_size=200) | st.binary(max_size=200) | json_values.map(json.dumps))
def test_documents_decode_or_refuse(data: str | bytes) -> None:
    for decode in (decode_spec_json, decode_spec_from_url):
        try:
            value = decode(data)
        except SpecError as error:
            assert str(error).startswith(("spec", "spec link")) and "\n" not in str(error)
        else:
            _check(value)


keras_layers = st.fixed_dictionaries({"class_name": layer_types, "config": json_values})
keras_models = st.fixed_dictionaries({
    "class_name": st.just("Sequential"),
    "config": st.fixed_dictionaries({"layers": st.lists(keras_layers, max_size=5)})})


@settings(FUZZ, max_examples=examples(400))
@given(json_values | keras_models)
def test_model_configs_translate_or_refuse(config: object) -> None:
    try:
        raw = model_config_to_spec(config)
    except SpecError:
        return
    _check(raw)


@settings(FUZZ, max_examples=examples(150))
@given(st.sampled_from([b"", b"\x89HDF\r\n\x1a\n", b"PK\x03\x04", b"PK\x05\x06"]), st.binary(max_size=600))
def test_model_file_bytes_read_or_refuse(prefix: bytes, body: bytes) -> None:
    try:
        raw = read_model_file(prefix + body, "upload.h5")
    except SpecError:
        return
    _check(raw)


def test_the_fuzzers_reach_valid_stacks() -> None:
    """Guard against a vacuous fuzzer: the near-miss strategy must produce both valid and invalid stacks."""
    outcomes: set[bool] = set()

    @settings(FUZZ, max_examples=examples(300))
    @given(st.fixed_dictionaries({"layers": st.lists(layers, min_size=1, max_size=3)}))
    def collect(raw: dict) -> None:
        outcomes.add(analyze(raw).ok)

    collect()
    assert outcomes == {True, False}
    assert set(SPEC_KEYS) == {"name", "input_shape", "layers"}
