"""Shapes, parameter counts, formulas, MACs and stack-level problems from `analyze`, as literal values."""

from __future__ import annotations

import pytest

from cnnlab.core.arithmetic import (
    MNIST_INPUT_SHAPE,
    analysis_to_json,
    analyze,
    trainability,
    training_problems,
)
from cnnlab.core.layer_types.batch_normalization import batchnorm_formula
from cnnlab.core.layer_types.conv2d import conv_formula
from cnnlab.core.layer_types.dense import dense_formula
from cnnlab.core.layer_types.settings import Padding
from cnnlab.core.layer_types.shapes import axis_formula, output_length
from cnnlab.core.layers import MAX_PARAMS
from cnnlab.core.presets import preset_spec
from cnnlab.testing.stacks import CONVNET_TABLE, LENOT_TABLE


def _stack(*layers: dict, input_shape: list[int] | None = None) -> dict:
    return {"input_shape": input_shape or [28, 28, 1], "layers": list(layers)}


def _messages(raw: object) -> list[str]:
    return [str(p) for p in analyze(raw).problems]


@pytest.mark.parametrize(("name", "table", "total"), [("convnet", CONVNET_TABLE, 60874),
                                                      ("lenot", LENOT_TABLE, 61706)])
def test_reference_tables_to_the_digit(name: str, table: list, total: int) -> None:
    analysis = analyze(preset_spec(name))
    assert [(r.type, r.output_shape, r.params) for r in analysis.layers] == table
    assert (analysis.total_params, analysis.trainable_params) == (total, total)
    assert analysis.non_trainable_params == 0
    assert analysis.weight_bytes == total * 4
    assert analysis.output_shape == (10,)


def test_convnet_formulas_and_macs() -> None:
    layers = analyze(preset_spec("convnet")).layers
    assert [r.formula for r in layers] == [
        "16 × (3×3×1) + 16 = 160", "no weights = 0", "32 × (3×3×16) + 32 = 4,640", "no weights = 0",
        "64 × (3×3×32) + 64 = 18,496", "no weights = 0", "(576 × 64) + 64 = 36,928", "(64 × 10) + 10 = 650"]
    assert [r.shape_formula for r in layers[:6]] == [
        "⌊(28 − 3) / 1⌋ + 1 = 26", "⌊(26 − 2) / 2⌋ + 1 = 13", "⌊(13 − 3) / 1⌋ + 1 = 11",
        "⌊(11 − 2) / 2⌋ + 1 = 5", "⌊(5 − 3) / 1⌋ + 1 = 3", "3 × 3 × 64 = 576"]
    assert [r.macs for r in layers] == [97344, 0, 557568, 0, 165888, 0, 36864, 640]
    assert analyze(preset_spec("convnet")).macs == 858304
    assert [r.output_size for r in layers] == [10816, 2704, 3872, 800, 576, 576, 64, 10]


def test_lenot_zero_padding_formula() -> None:
    first = analyze(preset_spec("lenot")).layers[0]
    assert (first.shape_formula, first.output_shape, first.params) == ("28 + 2 + 2 = 32", (32, 32, 1), 0)


@pytest.mark.parametrize(("args", "expected"), [
    ((28, 3, 1, Padding.valid), 26), ((28, 3, 2, Padding.valid), 13), ((7, 7, 3, Padding.valid), 1),
    ((28, 3, 2, Padding.same), 14), ((27, 4, 2, Padding.same), 14), ((5, 9, 1, Padding.same), 5),
    ((4, 5, 1, Padding.valid), 0),
])
def test_output_length(args: tuple, expected: int) -> None:
    assert output_length(*args) == expected


def test_axis_formula() -> None:
    assert axis_formula(28, 3, 1, Padding.valid) == "⌊(28 − 3) / 1⌋ + 1 = 26"
    assert axis_formula(28, 3, 2, Padding.same) == "⌈28 / 2⌉ = 14"
    assert axis_formula(1200, 3, 1, Padding.valid) == "⌊(1,200 − 3) / 1⌋ + 1 = 1,198"


def test_parameter_formulas() -> None:
    assert conv_formula(32, (3, 3), 16, True) == (4640, "32 × (3×3×16) + 32 = 4,640")
    assert conv_formula(32, (3, 3), 16, False) == (4608, "32 × (3×3×16) = 4,608")
    assert conv_formula(1024, (3, 5), 1024, True) == (15729664, "1,024 × (3×5×1,024) + 1,024 = 15,729,664")
    assert dense_formula(576, 64, True) == (36928, "(576 × 64) + 64 = 36,928")
    assert dense_formula(576, 64, False) == (36864, "576 × 64 = 36,864")
    assert batchnorm_formula(32) == (64, 64, "2 × 32 trainable (γ, β) + 2 × 32 non-trainable "
                                             "(moving mean, variance) = 128")


def test_rectangular_window_shows_both_axes() -> None:
    report = analyze(_stack({"type": "Conv2D", "filters": 4, "kernel_size": [5, 3], "strides": [1, 2]},
                            input_shape=[28, 20, 3])).layers[0]
    assert report.output_shape == (24, 9, 4)
    assert report.shape_formula == "height ⌊(28 − 5) / 1⌋ + 1 = 24; width ⌊(20 − 3) / 2⌋ + 1 = 9"
    assert report.formula == "4 × (5×3×3) + 4 = 184"
    assert report.macs == 24 * 9 * 4 * 5 * 3 * 3


def test_same_padding_and_pooling_with_own_strides() -> None:
    layers = analyze(_stack(
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "strides": 2, "padding": "same"},
        {"type": "MaxPooling2D", "pool_size": 3, "strides": 1, "padding": "same"},
        {"type": "AveragePooling2D", "pool_size": [2, 3]},
    )).layers
    assert [r.output_shape for r in layers] == [(14, 14, 8), (14, 14, 8), (7, 4, 8)]
    assert [r.shape_formula for r in layers] == [
        "⌈28 / 2⌉ = 14", "⌈14 / 1⌉ = 14", "height ⌊(14 − 2) / 2⌋ + 1 = 7; width ⌊(14 − 3) / 3⌋ + 1 = 4"]


def test_asymmetric_zero_padding() -> None:
    report = analyze(_stack({"type": "ZeroPadding2D", "padding": [[1, 2], [0, 3]]})).layers[0]
    assert report.output_shape == (31, 31, 1)
    assert report.shape_formula == "height 28 + 1 + 2 = 31; width 28 + 0 + 3 = 31"


def test_dense_on_a_3d_tensor_is_shown_with_a_hint() -> None:
    analysis = analyze(_stack({"type": "Conv2D", "filters": 16, "kernel_size": 3},
                              {"type": "Dense", "units": 64}))
    dense = analysis.layers[1]
    assert analysis.ok
    assert (dense.output_shape, dense.params, dense.formula) == ((26, 26, 64), 1088, "(16 × 64) + 64 = 1,088")
    assert dense.macs == 26 * 26 * 16 * 64
    assert "Flatten" in dense.hint and "26×26 positions" in dense.hint
    assert analysis.layers[0].hint is None


def test_flatten_on_a_flat_tensor_changes_nothing() -> None:
    analysis = analyze(_stack({"type": "Flatten"}, {"type": "Flatten"}))
    assert [r.output_shape for r in analysis.layers] == [(784,), (784,)]
    assert analysis.layers[1].hint == "the input is already flat, so this Flatten changes nothing"


def test_batchnorm_on_any_rank_counts_the_last_axis() -> None:
    batchnorm = {"type": "BatchNormalization"}
    analysis = analyze(_stack({"type": "Conv2D", "filters": 32, "kernel_size": 3}, batchnorm,
                              {"type": "Flatten"}, {"type": "Dense", "units": 12}, batchnorm))
    conv_bn, dense_bn = analysis.layers[1], analysis.layers[4]
    assert (conv_bn.params, conv_bn.trainable_params, conv_bn.non_trainable_params) == (128, 64, 64)
    assert (dense_bn.params, dense_bn.trainable_params, dense_bn.non_trainable_params) == (48, 24, 24)
    assert (analysis.non_trainable_params, analysis.trainable_params) == (88, analysis.total_params - 88)


def test_global_average_pooling_and_dropout() -> None:
    layers = analyze(_stack({"type": "GlobalAveragePooling2D"}, {"type": "Dropout", "rate": 0.5})).layers
    assert [r.output_shape for r in layers] == [(1,), (1,)]
    assert layers[0].shape_formula == "one mean per channel over 28×28 → 1"
    assert layers[1].shape_formula == "unchanged"


def test_kernel_larger_than_input_names_the_layer_and_the_fix() -> None:
    raw = _stack({"type": "Conv2D", "filters": 8, "kernel_size": 3}, {"type": "MaxPooling2D"},
                 {"type": "Conv2D", "filters": 4, "kernel_size": 15}, input_shape=[28, 28, 1])
    assert _messages(raw) == ['layer 3 (Conv2D): kernel 15×15 is larger than its 13×13×8 input; '
                              'use kernel_size ≤ 13 or padding="same"']


def test_pool_larger_than_a_rectangular_input() -> None:
    raw = _stack({"type": "MaxPooling2D", "pool_size": [3, 9]}, input_shape=[6, 8, 2])
    assert _messages(raw) == ['layer 1 (MaxPooling2D): pool 3×9 is larger than its 6×8×2 input; '
                              'use pool_size ≤ [6, 8] or padding="same"']


def test_conv_after_flatten_says_where_the_tensor_became_flat() -> None:
    raw = _stack({"type": "Flatten"}, {"type": "Dense", "units": 5}, {"type": "Conv2D", "filters": 2,
                                                                      "kernel_size": 3})
    assert _messages(raw) == [
        "layer 3 (Conv2D): needs a height × width × channels input, but gets the flat vector (5,) made by "
        "layer 1 (Flatten); put this layer before layer 1 (or remove that Flatten)"]


def test_every_problem_is_reported_and_earlier_layers_keep_their_shapes() -> None:
    analysis = analyze(_stack(
        {"type": "Conv2D", "filters": 8, "kernel_size": 3},
        {"type": "Conv2D", "filters": 8, "kernel_size": 40},
        {"type": "Dense", "units": "sixteen"},
        {"type": "Dropout", "rate": 1.5},
        {"type": "Flatten"},
    ))
    where = [(p.position, p.layer_type) for p in analysis.problems]
    assert where == [(2, "Conv2D"), (3, "Dense"), (4, "Dropout")]
    assert [r.output_shape for r in analysis.layers] == [(26, 26, 8), None, None, None, None]
    assert analysis.layers[0].params == 80
    assert not analysis.ok and analysis.spec is None and analysis.output_shape is None


def test_parameter_cap_names_the_layer() -> None:
    raw = _stack({"type": "Flatten"}, {"type": "Dense", "units": 8192}, {"type": "Dense", "units": 8192},
                 input_shape=[512, 512, 1])
    advice = "use fewer units, or shrink its input first (pooling, strides, or GlobalAveragePooling2D)"
    assert _messages(raw) == [
        f"layer 2 (Dense): 2,147,491,840 parameters is more than the cap of {MAX_PARAMS:,} for the whole "
        f"network; {advice}",
        f"layer 3 (Dense): 67,117,056 parameters is more than the cap of {MAX_PARAMS:,} for the whole "
        f"network; {advice}"]


def test_total_parameter_cap_names_the_biggest_layer() -> None:
    dense = {"type": "Dense", "units": 2000}
    analysis = analyze(_stack({"type": "Flatten"}, {"type": "Dense", "units": 3000}, *[dense] * 3))
    assert [str(p) for p in analysis.problems] == [
        f"parameters: 16,361,000 in total is more than the cap of {MAX_PARAMS:,}; the biggest is layer 3 "
        "(Dense) with 6,002,000, so shrink that one first"]


def test_spec_is_set_only_when_ok() -> None:
    analysis = analyze(preset_spec("lenot"))
    assert analysis.ok and analysis.spec == preset_spec("lenot")


def test_empty_stack_is_the_input() -> None:
    analysis = analyze({"input_shape": [4, 5, 6], "layers": []})
    assert (analysis.ok, analysis.output_shape, analysis.total_params) == (True, (4, 5, 6), 0)


def test_training_problems() -> None:
    assert training_problems(analyze(preset_spec("convnet"))) == ()
    assert MNIST_INPUT_SHAPE == (28, 28, 1)
    wrong = analyze(_stack({"type": "Conv2D", "filters": 3, "kernel_size": 3}, {"type": "Dense", "units": 7,
                                                                                "activation": "relu"},
                           input_shape=[32, 32, 3]))
    assert [str(p) for p in training_problems(wrong)] == [
        "input_shape: MNIST images are 28×28×1 but this stack expects 32×32×3; set input_shape to "
        "[28, 28, 1] (a ZeroPadding2D layer can then enlarge them)",
        "layer 2 (Dense): the last Dense has 7 units but MNIST has 10 digits; use units=10",
        'layer 2 (Dense): the last Dense uses activation "relu"; use "softmax" so its outputs are '
        "probabilities that add up to 1",
        "layer 2 (Dense): outputs 30×30×7 values instead of one vector of 10; put a Flatten (or "
        "GlobalAveragePooling2D) before the Dense layers"]
    no_dense = analyze(_stack({"type": "Flatten"}))
    assert [p.position for p in training_problems(no_dense)] == [1]
    assert [str(p) for p in training_problems(analyze(_stack()))] == [
        'layers: the stack is empty; end the stack with Flatten and Dense(units=10, activation="softmax")']


def test_summary_json_shape() -> None:
    data = analysis_to_json(analyze(preset_spec("convnet")))
    assert data["input_shape"] == [28, 28, 1]
    assert (data["total_params"], data["trainable_params"], data["non_trainable_params"]) == (60874, 60874, 0)
    assert (data["macs"], data["weight_bytes"], data["ok"], data["problems"]) == (858304, 243496, True, [])
    first = data["layers"][0]
    assert {key: first[key] for key in ("type", "output_shape", "params", "trainable_params", "formula",
                                        "shape_formula", "macs")} == {
        "type": "Conv2D", "output_shape": [26, 26, 16], "params": 160, "trainable_params": 160,
        "formula": "16 × (3×3×1) + 16 = 160", "shape_formula": "⌊(28 − 3) / 1⌋ + 1 = 26", "macs": 97344}


def test_trainability_is_the_one_answer_to_can_this_be_trained() -> None:
    ready = trainability(preset_spec("convnet"))
    assert ready.problems == () and ready.spec == analyze(preset_spec("convnet")).spec
    not_mnist = {"input_shape": [32, 32, 3], "layers": [{"type": "Conv2D", "filters": 0, "kernel_size": 3}]}
    check = trainability(not_mnist)
    assert check.spec is None
    assert str(check.problems[0]).startswith("layer 1 (Conv2D): filters must be a whole number")
    assert any(str(p).startswith("input_shape: MNIST images are 28×28×1") for p in check.problems)
    assert check.message(limit=1) == str(check.problems[0])
    assert trainability("not a spec").message().startswith("spec: ")
