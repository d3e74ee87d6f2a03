"""The registry of layer types: every file in `layer_types/` is complete and agrees with itself."""

from __future__ import annotations

import dataclasses

import pytest

from cnnlab.core.layer_fields import default_layer
from cnnlab.core.layer_types.registry import LAYER_TYPES
from cnnlab.core.parse import parse_layer
from cnnlab.core.spec_json import layer_to_dict


def test_the_registry_lists_keras_class_names_in_the_forms_order() -> None:
    assert list(LAYER_TYPES) == ["Conv2D", "MaxPooling2D", "AveragePooling2D", "ZeroPadding2D", "Flatten",
                                 "GlobalAveragePooling2D", "Dense", "Dropout", "BatchNormalization"]
    assert all(layer_type.type == name for name, layer_type in LAYER_TYPES.items())


@pytest.mark.parametrize("name", list(LAYER_TYPES))
def test_each_field_is_a_setting_of_the_dataclass(name: str) -> None:
    layer_type = LAYER_TYPES[name]
    assert dataclasses.is_dataclass(layer_type) and layer_type.__dataclass_params__.frozen
    assert [field.name for field in dataclasses.fields(layer_type)] == list(layer_type.setting_keys())
    assert layer_type.help and layer_type.colour.startswith("#")
    assert all(field.label and field.help for field in layer_type.fields)


@pytest.mark.parametrize("name", list(LAYER_TYPES))
def test_the_forms_starting_values_are_valid_settings_that_read_back_the_same(name: str) -> None:
    document = default_layer(name)
    parsed = parse_layer(document, 1)
    assert parsed.problems == () and parsed.layer is not None
    assert parse_layer(layer_to_dict(parsed.layer), 1).layer == parsed.layer
