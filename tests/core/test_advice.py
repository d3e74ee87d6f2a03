"""Advice at the layer: each rule fires at its layer, with its reason and fix, and stays quiet on the
near misses a student would not want to hear about (an activation between the two layers, softmax only at
the end, Dropout in the middle…)."""

from __future__ import annotations

from cnnlab.core.advice import Advice, Rule, advice_by_layer, advise
from cnnlab.core.arithmetic import analyze
from cnnlab.core.presets import PRESETS, preset_spec

SOFTMAX_10 = {"type": "Dense", "units": 10, "activation": "softmax"}


def _stack(*layers: dict) -> dict:
    return {"input_shape": [28, 28, 1], "layers": list(layers)}


def _conv(filters: int = 8, activation: str = "relu", **settings: object) -> dict:
    return {"type": "Conv2D", "filters": filters, "kernel_size": 3, "activation": activation, **settings}


def _found(spec: dict) -> list[tuple[int, Rule]]:
    return [(advice.position, advice.rule) for advice in advise(analyze(spec))]


def test_the_reference_convnet_gets_one_piece_its_dense_layer_holding_most_weights() -> None:
    (advice,) = advise(analyze(preset_spec("convnet")))
    assert (advice.position, advice.type, advice.rule) == (7, "Dense", Rule.dense_holds_most)
    assert advice.reason.startswith("holds 36,928 of the stack's 60,874 weights (61 %)")
    assert advice.fix == ("shrink its 576 inputs (one more pooling layer, or fewer filters, before the "
                          "Flatten), or give it fewer units")
    assert str(advice) == f"layer 7 (Dense): {advice.reason} — {advice.fix}"
    assert advice.to_json() == {"position": 7, "type": "Dense", "rule": "dense_holds_most",
                                "reason": advice.reason, "fix": advice.fix}


def test_every_preset_is_advised_only_about_its_big_dense_layer() -> None:
    for name, preset in PRESETS.items():
        rules = {advice.rule for advice in advise(analyze(preset.spec))}
        assert rules <= {Rule.dense_holds_most}, name


def test_two_linear_layers_in_a_row_collapse_into_one() -> None:
    spec = _stack(_conv(activation="linear"), {"type": "BatchNormalization"},
                  {"type": "Dropout", "rate": 0.2}, {"type": "AveragePooling2D"}, _conv(activation="linear"),
                  {"type": "Flatten"}, SOFTMAX_10)
    (advice,) = [a for a in advise(analyze(spec)) if a.rule == Rule.linear_pair]
    assert (advice.position, advice.type) == (5, "Conv2D")
    assert advice.reason.startswith("layers 1 (Conv2D) and 5 (Conv2D) collapse into one linear layer")
    assert advice.fix == 'give layer 1 an activation such as "relu"'
    flat = _stack({"type": "Flatten"}, {"type": "Dense", "units": 32}, {"type": "Dense", "units": 16},
                  SOFTMAX_10)
    assert (3, Rule.linear_pair) in _found(flat)


def test_anything_non_linear_between_them_breaks_the_pair() -> None:
    for between in ({"type": "MaxPooling2D"}, _conv(activation="relu")):
        spec = _stack(_conv(activation="linear"), between, _conv(activation="linear"), {"type": "Flatten"},
                      SOFTMAX_10)
        assert Rule.linear_pair not in {rule for _, rule in _found(spec)}, between


def test_softmax_before_the_end_and_batchnorm_after_it() -> None:
    spec = _stack({"type": "Flatten"}, {"type": "Dense", "units": 32, "activation": "softmax"},
                  {"type": "BatchNormalization"}, SOFTMAX_10)
    found = advice_by_layer(analyze(spec))
    assert [a.rule for a in found[2]] == [Rule.softmax_inside, Rule.dense_holds_most]
    assert found[2][0].fix == 'use "relu" here and keep "softmax" for the last layer'
    assert [a.rule for a in found[3]] == [Rule.batchnorm_after_softmax]
    assert found[3][0].reason == ("normalises the probabilities made by the softmax of layer 2, so they no "
                                  "longer add up to 1")
    assert 4 not in found  # the softmax of the last layer is where it belongs
    assert Rule.batchnorm_after_softmax not in {rule for _, rule in _found(
        _stack({"type": "Flatten"}, {"type": "BatchNormalization"}, SOFTMAX_10))}


def test_no_activation_anywhere() -> None:
    spec = _stack(_conv(activation="linear"), {"type": "MaxPooling2D"}, {"type": "Flatten"},
                  {"type": "Dense", "units": 10})
    (advice,) = [a for a in advise(analyze(spec)) if a.rule == Rule.no_activation]
    assert (advice.position, advice.type) == (4, "Dense")
    assert advice.reason.startswith("no layer of this stack has an activation, so, apart from its max "
                                    "pooling, the whole network is one linear function of the pixels")
    assert Rule.no_activation not in {rule for _, rule in _found(_stack({"type": "Flatten"}, SOFTMAX_10))}


def test_a_pooling_or_stride_that_shrinks_the_image_below_the_next_window() -> None:
    same = _stack(_conv(), {"type": "MaxPooling2D", "pool_size": 8}, {"type": "BatchNormalization"},
                  _conv(kernel_size=5, padding="same"), {"type": "Flatten"}, SOFTMAX_10)
    (advice,) = [a for a in advise(analyze(same)) if a.rule == Rule.shrinks_below_window]
    assert (advice.position, advice.type) == (2, "MaxPooling2D")
    assert advice.reason == ("shrinks the image to 3×3, smaller than the 5×5 window of layer 4 (Conv2D), "
                             "which then mostly sees the border of zeros")
    strided = _stack(_conv(strides=4), _conv(kernel_size=9), {"type": "Flatten"}, SOFTMAX_10)
    analysis = analyze(strided)
    assert not analysis.ok  # the 9×9 kernel does not fit the 7×7 image: a problem at layer 2 …
    (advice,) = advise(analysis)  # … and, at layer 1, the advice where the image got too small
    assert (advice.position, advice.rule) == (1, Rule.shrinks_below_window)
    assert advice.reason.endswith("which then does not fit at all")
    fits = _stack(_conv(), {"type": "MaxPooling2D"}, _conv(), {"type": "Flatten"}, SOFTMAX_10)
    assert Rule.shrinks_below_window not in {rule for _, rule in _found(fits)}


def test_dropout_at_the_very_start_or_end() -> None:
    spec = _stack({"type": "Dropout", "rate": 0.2}, {"type": "Flatten"}, SOFTMAX_10,
                  {"type": "Dropout", "rate": 0.5})
    assert [(p, r) for p, r in _found(spec) if r == Rule.dropout_at_edge] == [
        (1, Rule.dropout_at_edge), (4, Rule.dropout_at_edge)]
    middle = _stack({"type": "Flatten"}, {"type": "Dense", "units": 64, "activation": "relu"},
                    {"type": "Dropout", "rate": 0.5}, SOFTMAX_10)
    assert Rule.dropout_at_edge not in {rule for _, rule in _found(middle)}


def test_a_dense_layer_alone_is_not_told_it_holds_most_weights() -> None:
    assert _found(_stack({"type": "Flatten"}, SOFTMAX_10)) == []
    mlp = advise(analyze(preset_spec("mlp")))
    assert [a.rule for a in mlp] == [Rule.dense_holds_most]
    assert mlp[0].fix.startswith("add Conv2D and pooling layers before the Flatten to shrink its 784 inputs")


def test_layers_after_an_unreadable_layer_get_no_advice() -> None:
    spec = _stack({"type": "Dropout", "rate": 2}, {"type": "Flatten"}, {"type": "Dense", "units": 10},
                  {"type": "Dense", "units": 10})
    assert advise(analyze(spec)) == ()
    assert isinstance(advise(analyze(preset_spec("lenot")))[0], Advice)
