"""A guess step's answer: computed from the student's own stack by the Build table's arithmetic (the reference
post's Keras summaries layer by layer, any random stack), and what a student types read generously — the
issue's three ways of writing a shape, thousands separators — while text that says no number is neither right
nor wrong."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_spec_fuzz import FUZZ, examples  # the fuzz settings every fuzz test shares

from cnnlab.core.arithmetic import Analysis, analyze
from cnnlab.core.lesson import Quantity, Step, StepKind
from cnnlab.core.lesson_answers import Answer, NoAnswer, Verdict, answer, judge, read_number, read_shapes
from cnnlab.core.presets import preset_spec
from cnnlab.core.receptive_field import receptive_fields
from cnnlab.testing.stacks import CONVNET_TABLE, LENOT_TABLE, random_valid_stack


def _ask(quantity: Quantity, layer: int | None = None) -> Step:
    return Step(StepKind.guess, "?", quantity, layer)


@pytest.mark.parametrize(("preset", "table", "total"), [("convnet", CONVNET_TABLE, 60_874),
                                                       ("lenot", LENOT_TABLE, 61_706)])
def test_answers_on_the_reference_models_are_the_keras_summaries_numbers(preset: str, table: list,
                                                                         total: int) -> None:
    analysis = analyze(preset_spec(preset))
    for position, (_kind, shape, params) in enumerate(table, start=1):
        assert answer(_ask(Quantity.params, position), analysis).value == params
        assert answer(_ask(Quantity.output_shape, position), analysis).value == shape
    found = answer(_ask(Quantity.total_params), analysis)
    assert (found.value, found.formula.rsplit(" = ", 1)[-1]) == (total, f"{total:,}")


def test_the_answer_comes_with_its_worked_formula_and_names_the_layer() -> None:
    analysis = analyze(preset_spec("convnet"))
    params = answer(_ask(Quantity.params, 3), analysis)
    assert (params.text, params.formula, params.what) == (
        "4,640", "32 × (3×3×16) + 32 = 4,640", "the parameters of layer 3 (Conv2D)")
    shape = answer(_ask(Quantity.output_shape, 2), analysis)
    assert (shape.text, shape.formula.endswith("→ 13×13×16")) == ("13×13×16", True)
    macs = answer(_ask(Quantity.macs, 1), analysis)
    assert (macs.value, macs.formula) == (97_344, "26×26 positions × 16 filters × (3×3×1) = 97,344")
    view = answer(_ask(Quantity.receptive_field, 3), analysis)
    assert (view.text, view.formula) == ("8×8 px", "4 + (3 − 1) × 2 = 8 px a side")
    assert answer(_ask(Quantity.receptive_field, 8), analysis).text == "whole image"


@pytest.mark.parametrize("typed", ["13×13×32", "13x13x32", "(13, 13, 32)", "13 × 13 × 32", "13X13X32",
                                   "[13, 13, 32]", "(None, 13, 13, 32)", " 13*13*32 "])
def test_a_shape_reads_in_every_way_a_student_writes_it(typed: str) -> None:
    found = Answer(Quantity.output_shape, (13, 13, 32), "13×13×32", "", "")
    assert judge(typed, found) == Verdict.right


@pytest.mark.parametrize(("typed", "verdict"), [("13×13×16", Verdict.wrong), ("13×13", Verdict.wrong),
                                                ("32×13×13", Verdict.wrong), ("5408", Verdict.wrong),
                                                ("big", Verdict.unreadable), ("", Verdict.unreadable),
                                                ("13×13×thirty-two", Verdict.unreadable)])
def test_a_wrong_shape_is_wrong_and_words_are_neither_right_nor_wrong(typed: str, verdict: Verdict) -> None:
    found = Answer(Quantity.output_shape, (13, 13, 32), "13×13×32", "", "")
    assert judge(typed, found) == verdict


def test_numbers_read_with_thousands_separators_or_after_an_equals_sign() -> None:
    found = Answer(Quantity.params, 4_640, "4,640", "", "")
    for typed in ("4640", "4,640", "4 640", "4\u202f640", "= 4,640 parameters", "32 × (3×3×16) + 32 = 4640"):
        assert judge(typed, found) == Verdict.right, typed
    assert [judge(typed, found) for typed in ("4,641", "464", "many", "32 and 16", 4640, "9" * 300)] == [
        Verdict.wrong, Verdict.wrong, Verdict.unreadable, Verdict.unreadable, Verdict.unreadable,
        Verdict.unreadable]
    assert read_number("1,024") == 1024 and read_shapes("1,024") >= {(1024,)}


def test_a_receptive_field_reads_as_one_side_both_sides_or_the_whole_image() -> None:
    analysis = analyze(preset_spec("convnet"))
    eight = answer(_ask(Quantity.receptive_field, 3), analysis)
    assert [judge(typed, eight) for typed in ("8", "8×8", "8x8 px", "8 pixels", "9×9", "whole image")] == [
        Verdict.right, Verdict.right, Verdict.right, Verdict.right, Verdict.wrong, Verdict.wrong]
    whole = answer(_ask(Quantity.receptive_field, 8), analysis)
    assert [judge(typed, whole) for typed in ("the whole image", "28×28", "18")] == [
        Verdict.right, Verdict.right, Verdict.wrong]


def test_a_question_the_stack_cannot_answer_says_why() -> None:
    analysis = analyze(preset_spec("convnet"))
    missing = answer(_ask(Quantity.params, 12), analysis)
    assert isinstance(missing, NoAnswer) and "your stack has 8 layers" in missing.reason
    too_big_a_kernel = {"type": "Conv2D", "filters": 8, "kernel_size": 5}
    broken = analyze({"input_shape": [4, 4, 1], "layers": [too_big_a_kernel]})
    assert isinstance(answer(_ask(Quantity.params, 1), broken), NoAnswer)
    assert isinstance(answer(_ask(Quantity.total_params), broken), NoAnswer)


def _table_value(step: Step, analysis: Analysis) -> object:
    """What the Build table shows for the step's quantity, read off the analysis directly."""
    if step.quantity == Quantity.total_params:
        return analysis.total_params
    if step.quantity == Quantity.receptive_field:
        return receptive_fields(analysis)[step.layer - 1]
    report = analysis.layers[step.layer - 1]
    return {Quantity.params: report.params, Quantity.macs: report.macs,
            Quantity.output_shape: report.output_shape}[step.quantity]


@settings(FUZZ, max_examples=examples(150))
@given(st.integers(0, 2**32 - 1))
def test_on_any_stack_the_table_s_own_text_is_right_and_one_more_is_wrong(seed: int) -> None:
    analysis = analyze(random_valid_stack(random.Random(seed)))
    views = receptive_fields(analysis)
    steps = [_ask(Quantity.total_params)] + [_ask(quantity, position)
                                             for position in range(1, len(analysis.layers) + 1)
                                             for quantity in Quantity if quantity.per_layer]
    for step in steps:
        found = answer(step, analysis)
        if step.quantity == Quantity.receptive_field and views[step.layer - 1] is None:
            assert isinstance(found, NoAnswer)
            continue
        assert isinstance(found, Answer), (step, found)
        assert found.value == _table_value(step, analysis)
        assert judge(found.text, found) == Verdict.right, (found.text, step)
        if isinstance(found.value, int):
            assert judge(f"{found.value + 1:,}", found) == Verdict.wrong
        if step.quantity != Quantity.receptive_field:
            assert found.formula.endswith(found.text), (found.formula, found.text)
