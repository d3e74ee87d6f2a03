"""The shipped lessons, followed by a student who does exactly what each step says: every stack step's goal is
met by that edit (and not before it), every guess's answer — computed from the stack by the Build table's
arithmetic — is the number the lesson is about (the reference convnet layer by layer to 60,874), and every
number written in a text or a hint is one the arithmetic gives at that point of the lesson (or a goal, a
layer's position, or one of the few figures listed here with where they come from)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from cnnlab.classroom.lesson_library import SHIPPED_LESSONS
from cnnlab.core.arithmetic import Analysis, analyze
from cnnlab.core.layer_fields import default_layer
from cnnlab.core.layer_types.shapes import format_shape
from cnnlab.core.lesson import Lesson, StepKind, read_lesson
from cnnlab.core.lesson_answers import Answer, answer
from cnnlab.core.lesson_goals import stack_status
from cnnlab.core.presets import preset_spec
from cnnlab.core.receptive_field import receptive_fields, view_formula
from cnnlab.core.stack_doc import Stack, delete_layer, replace_layer, set_setting, stack_from_spec

Edit = Callable[[Stack], Stack]


def _gap(stack: Stack) -> Stack:
    return replace_layer(stack, 6, default_layer("GlobalAveragePooling2D"))


# lesson: (what the student does at each stack step, the answers of its guess steps in order,
#          figures its texts quote that are not the arithmetic's, with where they come from)
LESSONS: dict[str, tuple[list[Edit], list[object], dict[str, str]]] = {
    "convnet-parameters": (
        [lambda stack: set_setting(stack, 1, "filters", 32)],
        [160, 0, 4640, 18496, 36928, 60874, 320, 9248],
        {},
    ),
    "shapes": (
        [lambda stack: set_setting(stack, 1, "padding", "same"),
         lambda stack: set_setting(stack, 1, "strides", [2, 2]),
         lambda stack: delete_layer(stack, 2)],
        [(26, 26, 16), (13, 13, 16), (5, 5, 32), (28, 28, 16), (1024,), (14, 14, 16)],
        {"5.5": "half of 11, before pooling rounds it down"},
    ),
    "where-the-weights-live": (
        [_gap],
        [36928, (64,), 4160, 28106],
        {},
    ),
    "reading-lenot": (
        [],
        [(32, 32, 1), (28, 28, 6), 156, 2416, (14, 14), (400,), 48120, 61706],
        {"1998": "the year LeNet-5 was published", "99.11": "LeNot's test accuracy in the Keras intro post",
         "98.91": "the convnet's test accuracy in the Keras intro post", "60874": "the convnet's parameters"},
    ),
    "small-and-sharp": (
        [_gap, lambda stack: set_setting(stack, 5, "filters", 32),
         lambda stack: set_setting(stack, 3, "filters", 16)],
        [36928, 28106, 9248, 4640, 9882],
        {"10000": "the challenge's limit, set by its last step",
         "60000": "MNIST's training images, for the challenge's best score"},
    ),
}
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _numbers(text: str) -> set[str]:
    """Every number in `text`, thousands separators dropped: "4,640" → "4640"."""
    return {match.replace(",", "") for match in _NUMBER.findall(text)}


def _arithmetic(analysis: Analysis) -> set[str]:
    """Every number the Build table and its totals show for this stack."""
    texts = [format_shape(analysis.input_shape), f"{analysis.total_params}", f"{analysis.macs}"]
    for report, view in zip(analysis.layers, receptive_fields(analysis), strict=True):
        texts += [report.formula, report.shape_formula, report.macs_formula, f"{report.params}",
                  format_shape(report.output_shape) if report.output_shape else "",
                  view.text() if view else "", view_formula(analysis, report.position)]
    return set().union(*map(_numbers, texts))


def _value(found: Answer) -> object:
    return (found.value.rows, found.value.cols) if hasattr(found.value, "rows") else found.value


def _lesson(name: str) -> Lesson:
    path = SHIPPED_LESSONS / f"{name}.toml"
    return read_lesson(path.read_bytes(), name).lesson


def test_the_table_lists_every_shipped_lesson() -> None:
    assert sorted(LESSONS) == sorted(path.stem for path in SHIPPED_LESSONS.glob("*.toml"))


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_a_student_doing_each_step_meets_every_goal_and_every_number_is_the_arithmetics(name: str) -> None:
    edits, answers, quoted = LESSONS[name]
    lesson = _lesson(name)
    stack = stack_from_spec(preset_spec(lesson.start))
    known = _arithmetic(analyze(stack))
    edits, found_answers = list(edits), []
    for number, step in enumerate(lesson.steps, start=1):
        analysis = analyze(stack)
        if step.kind == StepKind.stack:
            assert not stack_status(step.stack, analysis).done, f"step {number} is done before its edit"
            stack = edits.pop(0)(stack)
            analysis = analyze(stack)
            status = stack_status(step.stack, analysis)
            assert status.done, f"step {number}: {status.notes}"
        known |= _arithmetic(analysis)
        if step.kind == StepKind.guess:
            found = answer(step, analysis)
            assert isinstance(found, Answer), f"step {number}: {found}"
            found_answers.append(_value(found))
        goals = {str(step.layer or "")} | {str(position) for position in range(1, len(analysis.layers) + 1)}
        if step.run is not None:
            goals |= {f"{step.run.min_accuracy * 100:g}", str(step.run.max_params), str(step.run.max_epochs)}
        if step.stack is not None:
            goals |= set().union(*(_numbers(str(value)) for _, value in step.stack.settings), set())
        if step.challenge is not None:
            goals |= {str(step.challenge.max_params), str(step.challenge.epochs)}
        unexplained = _numbers(step.text + " " + step.hint) - known - goals - set(quoted)
        assert not unexplained, f"{name} step {number} quotes {sorted(unexplained)}: no arithmetic gives it"
    assert edits == [], "a scripted edit was left over"
    assert found_answers == answers


def test_the_reference_convnet_is_counted_layer_by_layer_to_60874() -> None:
    lesson = _lesson("convnet-parameters")
    analysis = analyze(preset_spec("convnet"))
    formulas = [answer(step, analysis).formula for step in lesson.steps[:6]]
    assert formulas == ["16 × (3×3×1) + 16 = 160", "no weights = 0", "32 × (3×3×16) + 32 = 4,640",
                        "64 × (3×3×32) + 64 = 18,496", "(576 × 64) + 64 = 36,928",
                        "160 + 0 + 4,640 + 0 + 18,496 + 0 + 36,928 + 650 = 60,874"]


def test_the_last_step_of_small_and_sharp_starts_the_challenge_it_trains_for() -> None:
    last = _lesson("small-and-sharp").steps[-1]
    assert (last.kind, last.challenge.title, last.challenge.max_params, last.challenge.epochs) == (
        StepKind.run, "Small and sharp", 10_000, 1)
    assert (last.run.max_params, last.run.max_epochs) == (10_000, 1)
