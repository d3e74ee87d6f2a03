"""The worked examples in the core's docstrings (`conv_formula(32, (3, 3), 16, True)` and the like) run as
doctests, so a docstring can never show an example the code no longer gives."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cnnlab.core

CORE_MODULES = sorted(info.name for info in pkgutil.walk_packages(cnnlab.core.__path__, "cnnlab.core."))
WITH_EXAMPLES = {"cnnlab.core.advice", "cnnlab.core.layer_walk", "cnnlab.core.receptive_field",
                 "cnnlab.core.arithmetic", "cnnlab.core.class_digits", "cnnlab.core.datasets",
                 "cnnlab.core.export_rules",
                 "cnnlab.core.hyper",
                 "cnnlab.core.keras_args", "cnnlab.core.layer_fields", "cnnlab.core.messages",
                 "cnnlab.core.lesson_answers", "cnnlab.core.lesson_goals", "cnnlab.core.toml_lines",
                 "cnnlab.core.summary_table", "cnnlab.core.text", "cnnlab.core.layer_types.base",
                 "cnnlab.core.layer_types.batch_normalization",
                 "cnnlab.core.layer_types.conv2d", "cnnlab.core.layer_types.dense",
                 "cnnlab.core.layer_types.flatten",
                 "cnnlab.core.layer_types.pooling", "cnnlab.core.layer_types.shapes",
                 "cnnlab.core.layer_types.zero_padding"}


@pytest.mark.parametrize("name", CORE_MODULES)
def test_docstring_examples_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), report=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} fail: run python -m doctest"
    assert (result.attempted > 0) == (name in WITH_EXAMPLES)
