"""A lesson: a guided path through one idea, written as a TOML file (read with Python's `tomllib`) and checked
before a class sees it.

    title = "Counting a convolution's parameters"
    summary = "One line for the lesson list."
    start = "convnet"            # optional: a preset opened for the student at the start
    [[steps]]
    kind = "guess"               # guess | stack | run | read
    text = "How many parameters does layer 1 have?"
    quantity = "params"          # params | output_shape | macs | receptive_field | total_params
    layer = 1                    # 1-based, as in the Build table (not for total_params)
    hint = "filters × (kernel rows × kernel cols × input channels) + one bias per filter"
    [[steps]]
    kind = "stack"
    text = "Give layer 1 32 filters and watch the total."
    expect = { layer = 1, type = "Conv2D", filters = 32 }    # any Build field of that layer
    [[steps]]
    kind = "run"
    text = "Train it for one epoch."
    expect = { min_accuracy = 0.97, max_params = 70000 }     # also: max_epochs, max_macs

A guess's answer is never written in the file: it is computed from the student's own stack
(`lesson_answers`). The last step may carry `challenge = { title = "…", max_params = 10000, epochs = 1 }`,
started for the class when a class lesson reaches it.

`read_lesson` never raises: every problem comes back as "line N: …" (with "step K:" when it is inside a
step), so `cnnlab lesson check` and the dashboard's upload can list them all. Layer numbers are checked
against the start preset's stack as the lesson's stack steps change it: a guess may ask about any layer the
stack has by then, a stack step may also add the next one.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from cnnlab.core.challenge import Challenge, parse_challenge
from cnnlab.core.layer_types.registry import LAYER_TYPES
from cnnlab.core.layer_types.settings import InvalidSetting, read_setting
from cnnlab.core.layers import MAX_LAYERS, MAX_PARAMS
from cnnlab.core.messages import did_you_mean, show_value, whole_number
from cnnlab.core.presets import PRESETS
from cnnlab.core.toml_lines import KeyLines, TableLines, key_lines

MAX_LESSON_BYTES = 64_000
MAX_STEPS = 30
MAX_TITLE_CHARS = 80
MAX_SUMMARY_CHARS = 200
MAX_TEXT_CHARS = 1_500
MAX_HINT_CHARS = 500
MAX_EPOCHS_LIMIT = 50
MAX_MACS_LIMIT = 10**12


class StepKind(StrEnum):
    """What a step asks of the student."""

    guess = "guess"  # type a number read off their own stack, checked against the arithmetic
    stack = "stack"  # change the stack on Build until a layer (or the total) is as expected
    run = "run"  # train a run that reaches the expected accuracy within the limits
    read = "read"  # read, then press Next


class Quantity(StrEnum):
    """What a guess step asks for, as the Build table shows it."""

    params = "params"
    output_shape = "output_shape"
    macs = "macs"
    receptive_field = "receptive_field"
    total_params = "total_params"

    @property
    def per_layer(self) -> bool:
        """True for a quantity of one layer (the step names it); total_params is about the whole stack."""
        return self != Quantity.total_params


LESSON_KEYS = ("title", "summary", "start", "steps")
_COMMON_STEP_KEYS = ("kind", "text", "challenge")
STEP_KEYS = {  # the keys each kind of step takes
    StepKind.guess: (*_COMMON_STEP_KEYS, "quantity", "layer", "hint"),
    StepKind.stack: (*_COMMON_STEP_KEYS, "expect", "hint"),
    StepKind.run: (*_COMMON_STEP_KEYS, "expect", "hint"),
    StepKind.read: _COMMON_STEP_KEYS,
}
ALL_STEP_KEYS = tuple(dict.fromkeys(key for keys in STEP_KEYS.values() for key in keys))
STACK_EXPECT_KEYS = ("layer", "type", "max_params")  # besides the fields of the layer's type
RUN_EXPECT_KEYS = ("min_accuracy", "max_params", "max_epochs", "max_macs")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,47}")


@dataclass(frozen=True)
class StackGoal:
    """What a stack step wants: layer `layer` of type `type` (None: any) with these settings (as the layer
    type reads them: kernel_size (5, 5)), and/or at most `max_params` parameters in the whole stack."""

    layer: int | None = None
    type: str | None = None
    settings: tuple[tuple[str, object], ...] = ()
    max_params: int | None = None


@dataclass(frozen=True)
class RunGoal:
    """What a run step wants of a finished run; None: no condition."""

    min_accuracy: float | None = None  # a fraction: 0.97 is 97 %
    max_params: int | None = None
    max_epochs: int | None = None
    max_macs: int | None = None


@dataclass(frozen=True)
class Step:
    """One step of a lesson (see the module docstring for what each kind uses)."""

    kind: StepKind
    text: str
    quantity: Quantity | None = None
    layer: int | None = None
    hint: str = ""
    stack: StackGoal | None = None
    run: RunGoal | None = None
    challenge: Challenge | None = None


@dataclass(frozen=True)
class Lesson:
    """A whole lesson: its name (the file's name without .toml), title, summary, start preset and steps."""

    name: str
    title: str
    summary: str
    start: str | None
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class LessonProblem:
    """One problem in a lesson file; `str()` is what `lesson check` prints: "line 12: step 3: …"."""

    line: int | None
    step: int | None
    message: str

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line is not None else []
        where += [f"step {self.step}"] if self.step is not None else []
        return ": ".join([*where, self.message])


@dataclass(frozen=True)
class LessonReading:
    """A lesson file read and checked: the lesson when it has no problem, else every problem."""

    lesson: Lesson | None
    problems: tuple[LessonProblem, ...]


def is_lesson_name(value: object) -> bool:
    """True for a lesson's name: lower-case letters, digits, - and _, starting with a letter or digit."""
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


def lesson_name(filename: str) -> str:
    """The lesson name a file name gives: "My Lesson (2).toml" → "my-lesson-2"; "" when nothing is left."""
    stem = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].removesuffix(".toml")
    words = re.findall(r"[a-z0-9]+", stem.lower())
    return "-".join(words)[:48].strip("-")


# ----------------------------------------------------------------------------------------- small values


def _text(value: object, what: str, limit: int, *, required: bool) -> tuple[str, str | None]:
    """A text value: (the text, None) or ("", what is wrong)."""
    if value is None and not required:
        return "", None
    if not isinstance(value, str):
        return "", f"{what} must be text in quotes, got {show_value(value)}"
    text = value.strip()
    if required and not text:
        return "", f"{what} is empty; write what the student should read"
    if len(text) > limit:
        return "", f"{what} has {len(text):,} characters, more than the cap of {limit:,}"
    if any(not (char.isprintable() or char in "\n\t") for char in text):
        return "", f"{what} must not contain control characters"
    return text, None


def _whole(value: object, what: str, low: int, high: int) -> tuple[int | None, str | None]:
    """A whole number in [low, high]: (number, None) or (None, the rule and the value)."""
    number = whole_number(value)
    if number is None or not low <= number <= high:
        return None, f"{what} must be a whole number from {low:,} to {high:,}, got {show_value(value)}"
    return number, None


def _unknown_choice(what: str, value: object, choices: list[str]) -> str:
    """ 'unknown kind "gues"; did you mean "guess"?', or the choices when none is close."""
    hint = did_you_mean(value, choices) if isinstance(value, str) else ""
    return f"unknown {what} {show_value(value)}{hint or '; one of ' + ', '.join(choices)}"


def _unknown_key(key: object, allowed: tuple[str, ...], where: str) -> str:
    shown = show_value(key if isinstance(key, str) else str(key))
    hint = did_you_mean(key, list(allowed)) if isinstance(key, str) else ""
    return f"unknown key {shown}{hint} ({where} takes {', '.join(allowed)})"


# ------------------------------------------------------------------------------------------------ steps


@dataclass
class _Stack:
    """What the lesson's stack is known to hold as its steps go by: how many layers (None: unknown, no start
    preset), and the type of each numbered layer."""

    layers: int | None
    types: dict[int, str]

    def guess_problem(self, layer: int) -> str | None:
        """Why a guess cannot ask about `layer` at this step (past the stack), or None."""
        if self.layers is not None and layer > self.layers:
            return (f"layer {layer} is past the stack, which has {self.layers} layers at this step "
                    "(the start preset's, and any a stack step added)")
        return None


def _expect_table(raw: Mapping, kind: StepKind) -> tuple[Mapping | None, str | None]:
    value = raw.get("expect")
    if value is None:
        example = ("{ layer = 1, type = \"Conv2D\", filters = 32 }" if kind == StepKind.stack
                   else "{ min_accuracy = 0.97 }")
        return None, f"a {kind} step needs expect, e.g. expect = {example}"
    if not isinstance(value, Mapping):
        return None, f"expect must be a table like {{ layer = 1 }}, got {show_value(value)}"
    return value, None


def _stack_goal(expect: Mapping, stack: _Stack) -> tuple[StackGoal | None, list[tuple[str | None, str]]]:
    """A stack step's goal, and its problems as (key of expect, message)."""
    problems: list[tuple[str | None, str]] = []
    layer = max_params = None
    if "layer" in expect:
        high = min(stack.layers + 1, MAX_LAYERS) if stack.layers is not None else MAX_LAYERS
        layer, problem = _whole(expect["layer"], "layer", 1, MAX_LAYERS)
        if problem is None and layer is not None and layer > high:
            problem = (f"layer {layer} is past the stack, which has {stack.layers} layers at this step "
                       f"(a stack step may add layer {stack.layers + 1} at the end)")
            layer = None
        problems += [("layer", problem)] if problem else []
    if "max_params" in expect:
        max_params, problem = _whole(expect["max_params"], "max_params", 1, MAX_PARAMS)
        problems += [("max_params", problem)] if problem else []
    if "layer" not in expect and "max_params" not in expect:
        problems.append((None, "expect needs layer (the layer to change) or max_params (a limit on the "
                               "whole stack)"))
    kind = expect.get("type")
    if kind is not None and (not isinstance(kind, str) or kind not in LAYER_TYPES):
        problems.append(("type", _unknown_choice("layer type", kind, list(LAYER_TYPES))))
        kind = None
    known = kind if kind is not None else (stack.types.get(layer) if layer is not None else None)
    if "type" in expect and kind is None:
        known = None  # its problem is reported: the fields cannot be checked against any type
    fields = {field.key: field for field in LAYER_TYPES[known].fields} if known else {}
    settings: list[tuple[str, object]] = []
    for key, value in expect.items():
        if key in STACK_EXPECT_KEYS:
            continue
        if "layer" not in expect:
            problems.append((key, f"{show_value(key)} is a layer's setting: give layer too"))
        elif known is None:
            if layer is not None and "type" not in expect:
                problems.append((key, f"give type too: nothing says what layer {layer} is at this step"))
        elif key not in fields:
            takes = ", ".join(fields) or "no settings"
            hint = did_you_mean(key, list(fields))
            problems.append((key, f"{known} has no field {show_value(key)}{hint} ({known} takes {takes}; "
                                  f"expect also takes {', '.join(STACK_EXPECT_KEYS)})"))
        else:
            try:
                settings.append((key, read_setting(fields[key], value)))
            except InvalidSetting as error:
                problems.append((key, str(error)))
    if layer is not None:
        stack.layers = max(stack.layers, layer) if stack.layers is not None else None
        if known is not None:
            stack.types[layer] = known
    if problems:
        return None, problems
    return StackGoal(layer, kind, tuple(settings), max_params), []


def _run_goal(expect: Mapping) -> tuple[RunGoal | None, list[tuple[str | None, str]]]:
    """A run step's goal, and its problems as (key of expect, message)."""
    problems: list[tuple[str | None, str]] = []
    for key in expect:
        if key not in RUN_EXPECT_KEYS:
            problems.append((key if isinstance(key, str) else None,
                             _unknown_key(key, RUN_EXPECT_KEYS, "a run step's expect")))
    if not any(key in expect for key in RUN_EXPECT_KEYS):
        problems.append((None, f"expect needs at least one of {', '.join(RUN_EXPECT_KEYS)}"))
    accuracy = expect.get("min_accuracy")
    if accuracy is not None and (isinstance(accuracy, bool) or not isinstance(accuracy, int | float)
                                 or not 0 < accuracy <= 1):
        problems.append(("min_accuracy", f"min_accuracy is a fraction from 0 to 1 (0.97 is 97 %), got "
                                         f"{show_value(accuracy)}"))
        accuracy = None
    limits: dict[str, int | None] = {}
    highs = {"max_params": MAX_PARAMS, "max_epochs": MAX_EPOCHS_LIMIT, "max_macs": MAX_MACS_LIMIT}
    for key, high in highs.items():
        limits[key], problem = (None, None) if key not in expect else _whole(expect[key], key, 1, high)
        problems += [(key, problem)] if problem else []
    if problems:
        return None, problems
    return RunGoal(None if accuracy is None else float(accuracy), **limits), []


@dataclass
class _StepReader:
    """Reads one step, collecting its problems with their lines."""

    raw: Mapping
    number: int  # 1-based
    last: bool
    lines: TableLines | None
    fallback_line: int  # where the steps are, for a step the line map does not find
    problems: list[LessonProblem]

    def problem(self, message: str, key: str | None = None, sub: str | None = None) -> None:
        """Record a problem of this step at the line of `key` (of `sub` in the table `key`), else of the
        step's header."""
        if self.lines is None:
            line = self.fallback_line
        elif sub is not None and key is not None:
            line = self.lines.sub_key(key, sub)
        else:
            line = self.lines.key(key) if key is not None else self.lines.line
        self.problems.append(LessonProblem(line, self.number, message))

    def read(self, stack: _Stack) -> Step | None:
        """The step, or None with its problems recorded; `stack` follows what its stack steps change."""
        raw = self.raw
        before = len(self.problems)
        kind_value = raw.get("kind")
        if "kind" not in raw:
            self.problem(f"missing kind; one of {', '.join(StepKind)}")
            return None
        if not isinstance(kind_value, str) or kind_value not in set(StepKind):
            self.problem(_unknown_choice("kind", kind_value, list(StepKind)), "kind")
            return None
        kind = StepKind(kind_value)
        for key in raw:
            if key not in STEP_KEYS[kind]:
                where = f"a {kind} step"
                used = [str(k) for k in STEP_KEYS if key in STEP_KEYS[k]]
                kinds = " and ".join(filter(None, (", ".join(used[:-1]), used[-1]))) if used else ""
                message = (f"{key} is not for {where} (only for {kinds} steps)" if used
                           else _unknown_key(key, STEP_KEYS[kind], where))
                self.problem(message, key if isinstance(key, str) else None)
        if "text" not in raw:
            self.problem("missing text: what the student reads at this step")
        text, problem = _text(raw.get("text"), "text", MAX_TEXT_CHARS, required=True)
        if problem and "text" in raw:
            self.problem(problem, "text")
        hint, problem = _text(raw.get("hint"), "hint", MAX_HINT_CHARS, required=False)
        if problem:
            self.problem(problem, "hint")
        step = Step(kind, text, hint=hint)
        if kind == StepKind.guess:
            step = self._guess(step, stack)
        elif kind in (StepKind.stack, StepKind.run):
            step = self._goal(step, stack)
        if "challenge" in raw:
            step = self._challenge(step)
        return step if len(self.problems) == before else None

    def _guess(self, step: Step, stack: _Stack) -> Step:
        raw = self.raw
        value = raw.get("quantity")
        if value is None:
            self.problem(f"a guess step needs quantity; one of {', '.join(Quantity)}")
            return step
        if not isinstance(value, str) or value not in set(Quantity):
            self.problem(_unknown_choice("quantity", value, list(Quantity)), "quantity")
            return step
        quantity = Quantity(value)
        layer = None
        if not quantity.per_layer:
            if "layer" in raw:
                self.problem("total_params is about the whole stack: leave out layer", "layer")
        elif "layer" not in raw:
            self.problem(f"a {quantity} guess needs layer: the layer's number in the Build table (1 is the "
                         "first)")
        else:
            layer, problem = _whole(raw["layer"], "layer", 1, MAX_LAYERS)
            problem = problem or stack.guess_problem(layer)
            if problem:
                self.problem(problem, "layer")
        return Step(step.kind, step.text, quantity, layer, step.hint)

    def _goal(self, step: Step, stack: _Stack) -> Step:
        expect, problem = _expect_table(self.raw, step.kind)
        if expect is None:
            self.problem(problem, "expect" if "expect" in self.raw else None)
            return step
        if step.kind == StepKind.stack:
            goal, problems = _stack_goal(expect, stack)
            found = Step(step.kind, step.text, hint=step.hint, stack=goal)
        else:
            goal, problems = _run_goal(expect)
            found = Step(step.kind, step.text, hint=step.hint, run=goal)
        for key, message in problems:
            self.problem(f"expect: {message}", "expect", key)
        return found

    def _challenge(self, step: Step) -> Step:
        if not self.last:
            self.problem("only the last step may start a challenge", "challenge")
            return step
        challenge, problems = parse_challenge(self.raw["challenge"])
        for message in problems:
            self.problem(f"challenge: {message}", "challenge")
        return dataclasses.replace(step, challenge=challenge)


# ------------------------------------------------------------------------------------------ the lesson


def _decode(data: bytes | str) -> tuple[str | None, LessonProblem | None]:
    """The document as text, or the problem: too big, not UTF-8."""
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > MAX_LESSON_BYTES:
        return None, LessonProblem(1, None, f"the file has {size:,} bytes, more than the cap of "
                                            f"{MAX_LESSON_BYTES:,} for a lesson")
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), None
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), None
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        return None, LessonProblem(line, None, "the file is not UTF-8 text; save it as UTF-8")


_AT_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


def _toml(text: str) -> tuple[dict | None, LessonProblem | None]:
    """The TOML document, or its syntax error at its line (tomllib says "(at line 3, column 7)")."""
    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = _AT_LINE.search(message)
        line = int(found.group(1)) if found else max(text.count("\n") + 1, 1)
        detail = _AT_LINE.sub("", message).strip().rstrip(".")
        column = f", column {found.group(2)}" if found else ""
        return None, LessonProblem(line, None, f"not valid TOML{column}: {detail}")
    except RecursionError:
        return None, LessonProblem(1, None, "not valid TOML: arrays or tables nested too deeply")
    except ValueError as error:  # e.g. an integer of thousands of digits
        return None, LessonProblem(1, None, f"not valid TOML: {str(error)[:120]}")


def _start_stack(start: str | None) -> _Stack:
    if start is None:
        return _Stack(None, {})
    layers = PRESETS[start].spec.layers
    return _Stack(len(layers), {position: layer.type for position, layer in enumerate(layers, start=1)})


def _top(document: Mapping, lines: KeyLines, problems: list[LessonProblem]) -> tuple[str, str, str | None]:
    """Title, summary and start preset, with their problems."""
    def problem(key: str, message: str) -> None:
        """Record a problem of the lesson at the line of its key `key`."""
        problems.append(LessonProblem(lines.top.get(key, 1), None, message))

    for key in document:
        if key not in LESSON_KEYS:
            problem(key, _unknown_key(key, LESSON_KEYS, "a lesson"))
    if "title" not in document:
        problem("title", 'missing title, e.g. title = "Counting a convolution\'s parameters"')
    title, message = _text(document.get("title"), "title", MAX_TITLE_CHARS, required=True)
    if message and "title" in document:
        problem("title", message)
    if "\n" in title:
        problem("title", "title must be one line")
    summary, message = _text(document.get("summary"), "summary", MAX_SUMMARY_CHARS, required=False)
    if message:
        problem("summary", message)
    start = document.get("start")
    if start is not None and (not isinstance(start, str) or start not in PRESETS):
        problem("start", f"start must be a preset name: {_unknown_choice('preset', start, list(PRESETS))}")
        start = None
    return title, " ".join(summary.split()), start


def read_lesson(data: bytes | str, name: str) -> LessonReading:
    """Read and check a lesson file's contents (bytes as stored, or text) under the lesson name `name`.

    Never raises: a syntax error, a wrong or missing value, a layer past the stack, a field the layer's
    type does not have, a challenge anywhere but on the last step — each is a `LessonProblem` at its line.
    """
    text, problem = _decode(data)
    if text is None:
        return LessonReading(None, (problem,))
    document, problem = _toml(text)
    if document is None:
        return LessonReading(None, (problem,))
    lines = key_lines(text)
    problems: list[LessonProblem] = []
    title, summary, start = _top(document, lines, problems)
    raw_steps = document.get("steps")
    steps_line = lines.top.get("steps", 1)
    steps: list[Step] = []
    if raw_steps is None:
        problems.append(LessonProblem(1, None, 'missing steps: add [[steps]] tables, e.g.\n[[steps]]\nkind = '
                                               '"read"\ntext = "…"'))
    elif not isinstance(raw_steps, list) or not raw_steps:
        problems.append(LessonProblem(steps_line, None, f"steps must be [[steps]] tables, got "
                                                        f"{show_value(raw_steps)}"))
    elif len(raw_steps) > MAX_STEPS:
        problems.append(LessonProblem(steps_line, None, f"{len(raw_steps)} steps is more than the cap of "
                                                        f"{MAX_STEPS}; split it into two lessons"))
    else:
        stack = _start_stack(start)
        for index, raw in enumerate(raw_steps):
            table = lines.table("steps", index)
            if not isinstance(raw, Mapping):
                line = table.line if table else steps_line
                problems.append(LessonProblem(line, index + 1, f"a step must be a table with kind and text, "
                                                              f"got {show_value(raw)}"))
                continue
            reader = _StepReader(raw, index + 1, index == len(raw_steps) - 1, table, steps_line, problems)
            step = reader.read(stack)
            if step is not None:
                steps.append(step)
    if problems:
        return LessonReading(None, tuple(sorted(problems, key=lambda p: (p.line or 0, p.step or 0))))
    return LessonReading(Lesson(name, title, summary, start, tuple(steps)), ())
