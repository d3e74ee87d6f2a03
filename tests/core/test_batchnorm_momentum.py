"""BatchNormalization's momentum: a setting of the layer (Keras's default 0.99), checked like every setting,
and 0.9 in the batchnorm preset, whose moving statistics must follow a short, fast run."""

from __future__ import annotations

from cnnlab.core.arithmetic import analyze
from cnnlab.core.layer_types.batch_normalization import BatchNormalization
from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import layer_to_dict, spec_to_dict

STACK = {"input_shape": [28, 28, 1], "layers": [
    {"type": "Conv2D", "filters": 4, "kernel_size": 3}, {"type": "BatchNormalization", "momentum": 0.8},
    {"type": "BatchNormalization"}, {"type": "Flatten"},
    {"type": "Dense", "units": 10, "activation": "softmax"}]}


def test_momentum_is_read_written_and_passed_to_keras_only_when_not_the_default() -> None:
    analysis = analyze(STACK)
    chosen, default = analysis.spec.layers[1], analysis.spec.layers[2]
    assert (chosen.momentum, default.momentum) == (0.8, 0.99)
    assert layer_to_dict(chosen) == {"type": "BatchNormalization", "momentum": 0.8}
    assert (chosen.keras_arguments(), default.keras_arguments()) == ({"momentum": 0.8}, {})
    assert analyze(spec_to_dict(analysis.spec)).spec == analysis.spec
    assert analysis.layers[1].params == 16 and analysis.non_trainable_params == 16  # momentum adds no weight


def test_a_bad_momentum_names_the_layer_and_the_rule() -> None:
    for bad in (1, 1.5, -0.1, "0.9", True):
        layers = [{**layer, "momentum": bad} if index == 1 else layer
                  for index, layer in enumerate(STACK["layers"])]
        problems = [str(problem) for problem in analyze({**STACK, "layers": layers}).problems]
        assert any(problem.startswith("layer 2 (BatchNormalization): momentum must be a fraction from 0 up "
                                      "to (not including) 1") for problem in problems), problems


def test_the_batchnorm_preset_follows_its_batches_with_momentum_0_9() -> None:
    layers = [layer for layer in preset_spec("batchnorm").layers if isinstance(layer, BatchNormalization)]
    assert [layer.momentum for layer in layers] == [0.9, 0.9]
    assert BatchNormalization().momentum == 0.99  # Keras's default everywhere else
