"""Presets: the reference's two models to the digit, and teaching contrasts that each build and teach."""

from __future__ import annotations

import pytest

from cnnlab.core.arithmetic import analyze, training_problems
from cnnlab.core.presets import PRESETS, preset_spec
from cnnlab.testing.stacks import CONVNET_TABLE, LENOT_TABLE


def test_reference_presets_match_the_reference_tables() -> None:
    convnet, lenot = analyze(preset_spec("convnet")), analyze(preset_spec("lenot"))
    assert [r.params for r in convnet.layers if r.params] == [160, 4640, 18496, 36928, 650]
    assert [r.params for r in lenot.layers if r.params] == [156, 2416, 48120, 10164, 850]
    assert [(r.type, r.output_shape, r.params) for r in convnet.layers] == CONVNET_TABLE
    assert [(r.type, r.output_shape, r.params) for r in lenot.layers] == LENOT_TABLE
    assert (convnet.total_params, lenot.total_params) == (60874, 61706)


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_is_valid_trainable_and_described(name: str) -> None:
    preset = PRESETS[name]
    analysis = analyze(preset.spec)
    assert analysis.ok and training_problems(analysis) == ()
    assert preset.name == name == preset.spec.name
    assert preset.title and len(preset.description) > 150 and "\n" not in preset.description
    assert "% on Fashion-MNIST" in preset.description.replace(" %", "%")  # bench/dataset_accuracy.py


def test_contrasts() -> None:
    mlp = analyze(preset_spec("mlp"))
    assert "Conv2D" not in {r.type for r in mlp.layers}
    assert mlp.layers[1].formula == "(784 × 128) + 128 = 100,480"
    assert analyze(preset_spec("tiny")).total_params == 3738
    batchnorm = analyze(preset_spec("batchnorm"))
    assert {"BatchNormalization", "Dropout", "GlobalAveragePooling2D"} <= {r.type for r in batchnorm.layers}
    assert (batchnorm.trainable_params, batchnorm.non_trainable_params) == (19658, 192)


def test_titles_state_the_totals() -> None:
    assert "60,874" in PRESETS["convnet"].title and "61,706" in PRESETS["lenot"].title


def test_unknown_preset_lists_the_names() -> None:
    names = "convnet, lenot, mlp, tiny, batchnorm, fast"
    with pytest.raises(KeyError, match=f"unknown preset 'lenet'; one of {names}"):
        preset_spec("lenet")
