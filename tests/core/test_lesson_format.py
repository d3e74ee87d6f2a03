"""Lesson files: every shipped lesson is accepted; broken files are refused with the exact line (and step) of
each problem, as `cnnlab lesson check` prints them; arbitrary TOML and arbitrary bytes never raise."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_spec_fuzz import FUZZ, examples  # the fuzz settings every fuzz test shares

from cnnlab.classroom.lesson_library import SHIPPED_LESSONS
from cnnlab.core.layer_types.settings import Padding
from cnnlab.core.lesson import (
    LESSON_KEYS,
    MAX_LESSON_BYTES,
    MAX_STEPS,
    Quantity,
    RunGoal,
    StackGoal,
    StepKind,
    is_lesson_name,
    lesson_name,
    read_lesson,
)
from cnnlab.core.toml_lines import key_lines

SHIPPED = sorted(SHIPPED_LESSONS.glob("*.toml"))
GOOD = '''title = "Counting a convolution's parameters"
summary = "One line for the lesson list."
start = "convnet"

[[steps]]
kind = "guess"
text = "How many parameters does layer 1 have?"
quantity = "params"
layer = 1
hint = "filters × (kernel rows × kernel cols × input channels) + one bias per filter"

[[steps]]
kind = "stack"
text = "Give layer 1 32 filters and watch the total."
expect = { layer = 1, type = "Conv2D", filters = 32 }

[[steps]]
kind = "run"
text = "Train it for one epoch."
expect = { min_accuracy = 0.97, max_params = 70000 }
'''


def test_at_least_five_shipped_lessons_of_five_to_ten_steps_are_all_accepted() -> None:
    assert len(SHIPPED) >= 5
    for path in SHIPPED:
        reading = read_lesson(path.read_bytes(), path.stem)
        assert reading.problems == (), (path.name, [str(p) for p in reading.problems])
        assert 5 <= len(reading.lesson.steps) <= 10, path.name
        assert is_lesson_name(path.stem)


def test_the_issues_example_reads_into_steps_with_their_goals() -> None:
    reading = read_lesson(GOOD, "example")
    lesson = reading.lesson
    assert reading.problems == ()
    assert (lesson.name, lesson.title, lesson.summary, lesson.start) == (
        "example", "Counting a convolution's parameters", "One line for the lesson list.", "convnet")
    guess, stack, run = lesson.steps
    assert (guess.kind, guess.quantity, guess.layer) == (StepKind.guess, Quantity.params, 1)
    assert guess.hint.startswith("filters × (kernel rows")
    assert stack.stack == StackGoal(1, "Conv2D", (("filters", 32),))
    assert run.run == RunGoal(min_accuracy=0.97, max_params=70_000)


def test_settings_in_a_stack_goal_are_read_as_the_layer_type_reads_them() -> None:
    settings = 'filters = 32, kernel_size = 5, padding = "same", strides = [2, 1] }'
    text = GOOD.replace("filters = 32 }", settings)
    goal = read_lesson(text, "x").lesson.steps[1].stack
    assert dict(goal.settings) == {"filters": 32, "kernel_size": (5, 5), "padding": Padding.same,
                                   "strides": (2, 1)}


# (what is broken, the lesson text, every problem exactly as `lesson check` prints it)
BROKEN = [
    ("unknown kind and quantity", GOOD.replace('kind = "guess"', 'kind = "gues"', 1)
     .replace('quantity = "params"', 'quantity = "weights"'),
     ['line 6: step 1: unknown kind "gues"; did you mean "guess"?']),
    ("unknown quantity", GOOD.replace('quantity = "params"', 'quantity = "weights"'),
     ['line 8: step 1: unknown quantity "weights"; one of params, output_shape, macs, receptive_field, '
      'total_params']),
    ("layer 0", GOOD.replace("layer = 1\n", "layer = 0\n"),
     ["line 9: step 1: layer must be a whole number from 1 to 40, got 0"]),
    ("a layer past the start stack", GOOD.replace("layer = 1\n", "layer = 9\n"),
     ["line 9: step 1: layer 9 is past the stack, which has 8 layers at this step (the start preset's, and "
      "any a stack step added)"]),
    ("a field the layer's type does not have", GOOD.replace("filters = 32 }", "units = 32 }"),
     ['line 15: step 2: expect: Conv2D has no field "units" (Conv2D takes filters, kernel_size, strides, '
      "padding, activation, use_bias; expect also takes layer, type, max_params)"]),
    ("a field the start preset's layer does not have (no type given)",
     GOOD.replace('type = "Conv2D", filters = 32', 'pool_size = 2'),
     ['line 15: step 2: expect: Conv2D has no field "pool_size"; did you mean "kernel_size"? (Conv2D takes '
      "filters, kernel_size, strides, padding, activation, use_bias; expect also takes layer, type, "
      "max_params)"]),
    ("a missing text", GOOD.replace('text = "Give layer 1 32 filters and watch the total."\n', ""),
     ["line 12: step 2: missing text: what the student reads at this step"]),
    ("an empty text", GOOD.replace('text = "Train it for one epoch."', 'text = "  "'),
     ["line 19: step 3: text is empty; write what the student should read"]),
    ("a bad value in a stack goal", GOOD.replace("filters = 32 }", "filters = 0 }"),
     ["line 15: step 2: expect: filters must be a whole number from 1 to 1,024, got 0; for example 32"]),
    ("an unknown layer type", GOOD.replace('type = "Conv2D"', 'type = "Conv3D"'),
     ['line 15: step 2: expect: unknown layer type "Conv3D"; did you mean "Conv2D"?']),
    ("accuracy as a percentage", GOOD.replace("min_accuracy = 0.97", "min_accuracy = 97"),
     ["line 20: step 3: expect: min_accuracy is a fraction from 0 to 1 (0.97 is 97 %), got 97"]),
    ("a run goal in a sub-table, with an unknown key",
     GOOD.replace("expect = { min_accuracy = 0.97, max_params = 70000 }",
                  "[steps.expect]\nmin_accuracy = 0.97\nmax_param = 70000"),
     ['line 22: step 3: expect: unknown key "max_param"; did you mean "max_params"? (a run step\'s expect '
      "takes min_accuracy, max_params, max_epochs, max_macs)"]),
    ("a key of another kind of step",
     GOOD.replace("expect = { min_accuracy", "layer = 2\nexpect = { min_accuracy"),
     ["line 20: step 3: layer is not for a run step (only for guess steps)"]),
    ("total_params with a layer", GOOD.replace('quantity = "params"', 'quantity = "total_params"'),
     ["line 9: step 1: total_params is about the whole stack: leave out layer"]),
    ("a guess without its layer", GOOD.replace("layer = 1\nhint", "hint"),
     ["line 5: step 1: a params guess needs layer: the layer's number in the Build table (1 is the first)"]),
    ("an unknown preset", GOOD.replace('start = "convnet"', 'start = "convnett"'),
     ['line 3: start must be a preset name: unknown preset "convnett"; did you mean "convnet"?']),
    ("a missing title and an unknown top-level key", GOOD.replace('title = "Counting', 'titel = "Counting'),
     ['line 1: unknown key "titel"; did you mean "title"? (a lesson takes title, summary, start, steps)',
      "line 1: missing title, e.g. title = \"Counting a convolution's parameters\""]),
    ("a challenge before the last step",
     GOOD.replace('hint = "filters', 'challenge = { title = "T" }\nhint = "filters'),
     ["line 10: step 1: only the last step may start a challenge"]),
    ("a bad challenge on the last step", GOOD + 'challenge = { title = "T", max_params = -5 }\n',
     ["line 21: step 3: challenge: max_params (parameters) must be a whole number from 1 to 10,000,000 "
      "(got -5)"]),
    ("no steps", 'title = "T"\n', ['line 1: missing steps: add [[steps]] tables, e.g.\n[[steps]]\nkind = '
                                   '"read"\ntext = "…"']),
    ("steps that are not tables", 'title = "T"\nsteps = [1, 2]\n',
     ["line 2: step 1: a step must be a table with kind and text, got 1",
      "line 2: step 2: a step must be a table with kind and text, got 2"]),
    ("a TOML syntax error", GOOD.replace('layer = 1\n', 'layer = \n'),
     ["line 9: not valid TOML, column 9: Invalid value"]),
    ("not UTF-8", "title = \"é\"\n".encode("latin-1"),
     ["line 1: the file is not UTF-8 text; save it as UTF-8"]),
]


@pytest.mark.parametrize(("text", "expected"), [case[1:] for case in BROKEN],
                         ids=[case[0] for case in BROKEN])
def test_a_broken_lesson_is_refused_with_the_line_and_step_of_every_problem(text: str | bytes,
                                                                             expected: list[str]) -> None:
    reading = read_lesson(text, "broken")
    assert reading.lesson is None
    assert [str(problem) for problem in reading.problems] == expected


def test_stack_steps_may_add_the_next_layer_and_later_steps_may_ask_about_it() -> None:
    text = GOOD.replace('expect = { layer = 1, type = "Conv2D", filters = 32 }',
                        'expect = { layer = 9, type = "Dense", units = 10 }')
    text += '[[steps]]\nkind = "guess"\ntext = "?"\nquantity = "output_shape"\nlayer = 9\n'
    assert read_lesson(text, "x").problems == ()
    too_far = text.replace("layer = 9, type", "layer = 10, type")
    assert [str(p) for p in read_lesson(too_far, "x").problems] == [
        "line 15: step 2: expect: layer 10 is past the stack, which has 8 layers at this step (a stack step "
        "may add layer 9 at the end)",
        "line 25: step 4: layer 9 is past the stack, which has 8 layers at this step (the start preset's, "
        "and any a stack step added)"]


def test_without_a_start_preset_a_stack_goal_names_its_type() -> None:
    text = GOOD.replace('start = "convnet"\n', "").replace('type = "Conv2D", ', "")
    assert [str(p) for p in read_lesson(text, "x").problems] == [
        'line 14: step 2: expect: give type too: nothing says what layer 1 is at this step']


def test_caps_on_size_and_steps() -> None:
    big = read_lesson(b"#" * (MAX_LESSON_BYTES + 1), "x")
    assert [str(p) for p in big.problems] == [f"line 1: the file has {MAX_LESSON_BYTES + 1:,} bytes, more "
                                              f"than the cap of {MAX_LESSON_BYTES:,} for a lesson"]
    many = 'title = "T"\n' + '[[steps]]\nkind = "read"\ntext = "r"\n' * (MAX_STEPS + 1)
    assert [str(p) for p in read_lesson(many, "x").problems] == [
        f"line 1: {MAX_STEPS + 1} steps is more than the cap of {MAX_STEPS}; split it into two lessons"]


def test_lesson_names_come_from_file_names() -> None:
    assert lesson_name("My Lesson (2).toml") == "my-lesson-2"
    assert lesson_name("C:\\lessons\\shapes.toml") == "shapes"
    assert lesson_name("!!!.toml") == ""
    assert not is_lesson_name("../x") and not is_lesson_name("") and is_lesson_name("small-and-sharp")


def test_key_lines_follow_strings_arrays_and_comments_across_lines() -> None:
    text = ('title = """a\n[[steps]]\nkind = 1"""  # not a table\n'
            'steps_count = [\n  1,\n  2,\n]\n'
            '[[steps]]  # first\n"kind" = "read"\ntext = \'\'\'x\ny = 1\'\'\'\nexpect.layer = 3\n'
            '[steps.expect]\ntype = "Dense"\n[other]\nkind = 9\n[[steps]]\nkind = "read"\n')
    lines = key_lines(text)
    assert lines.top == {"title": 1, "steps_count": 4}
    first, second = lines.arrays["steps"]
    assert (first.line, first.keys["kind"], first.keys["text"], first.key("expect")) == (8, 9, 10, 12)
    assert first.sub_key("expect", "layer") == 12 and first.sub_key("expect", "type") == 14
    assert (second.line, second.keys) == (17, {"kind": 18})


# ------------------------------------------------------------------------------- any input, no traceback

_WORDS = st.sampled_from(["guess", "stack", "run", "read", "params", "output_shape", "macs",
                          "receptive_field", "total_params", "convnet", "lenot", "Conv2D", "Dense", "same",
                          ""])
_SCALARS = st.one_of(_WORDS, st.integers(-3, 12), st.integers(), st.booleans(), st.floats(),
                     st.text(max_size=6))
_KEYS = st.one_of(st.sampled_from([*LESSON_KEYS, "kind", "text", "quantity", "layer", "hint", "expect",
                                   "challenge", "type", "filters", "units", "kernel_size", "padding",
                                   "min_accuracy", "max_params", "max_epochs", "max_macs", "title"]),
                  st.text(min_size=1, max_size=5))
_VALUES = st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3), st.dictionaries(_KEYS, _SCALARS, max_size=4))


def _toml_value(value: object) -> str:
    """One TOML value (inline tables and arrays), written the way a teacher might."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(key)} = {_toml_value(item)}" for key, item in value.items()) + " }"


def _toml(document: dict[str, object], steps: list[dict[str, object]]) -> str:
    top = "".join(f"{json.dumps(key)} = {_toml_value(value)}\n" for key, value in document.items()
                  if key != "steps")
    tables = "".join("[[steps]]\n" + "".join(f"{json.dumps(key)} = {_toml_value(value)}\n"
                                            for key, value in step.items()) for step in steps)
    return top + tables


@settings(FUZZ, max_examples=examples(300))
@given(st.dictionaries(_KEYS, _VALUES, max_size=4), st.lists(st.dictionaries(_KEYS, _VALUES, max_size=6),
                                                            max_size=4))
def test_any_toml_lesson_is_read_or_refused_line_by_line_without_an_exception(document: dict,
                                                                               steps: list[dict]) -> None:
    text = _toml(document, steps)
    reading = read_lesson(text, "fuzz")
    assert (reading.lesson is None) == bool(reading.problems)
    line_count = text.count("\n") + 1
    for problem in reading.problems:
        assert problem.line is not None and 1 <= problem.line <= line_count, (text, str(problem))
        assert str(problem).startswith(f"line {problem.line}: ")


@settings(FUZZ, max_examples=examples(400))
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_any_bytes_or_text_is_read_or_refused_without_an_exception(data: bytes | str) -> None:
    reading = read_lesson(data, "fuzz")
    assert (reading.lesson is None) == bool(reading.problems)
    assert all(str(problem).startswith("line ") for problem in reading.problems)


def test_every_shipped_lesson_file_maps_every_step_to_its_header_line() -> None:
    for path in SHIPPED:
        text = path.read_text(encoding="utf-8")
        headers = [number for number, line in enumerate(text.splitlines(), start=1) if line == "[[steps]]"]
        assert [table.line for table in key_lines(text).arrays["steps"]] == headers


def test_a_problem_without_a_known_line_names_its_step(tmp_path: Path) -> None:
    text = 'title = "T"\nsteps = [{ kind = "read" }, { kind = "gues", text = "x" }]\n'
    assert [str(p) for p in read_lesson(text, "x").problems] == [
        "line 2: step 1: missing text: what the student reads at this step",
        'line 2: step 2: unknown kind "gues"; did you mean "guess"?']
