"""Whether a stack step or a run step is done: the student's stack against a `StackGoal`, a finished run
against a `RunGoal` — and, while not, what is still missing, in words a student can act on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cnnlab.core.arithmetic import Analysis
from cnnlab.core.lesson import RunGoal, StackGoal


@dataclass(frozen=True)
class GoalStatus:
    """A goal against the stack or a run: done, or the notes saying what is still missing."""

    notes: tuple[str, ...]

    @property
    def done(self) -> bool:
        """True when nothing is missing."""
        return not self.notes


def shown_setting(value: object) -> str:
    """A setting as the Build form shows it: (5, 5) → "5×5", Padding.same → "same", True → "on".

    >>> shown_setting((5, 5)), shown_setting(((2, 2), (2, 2))), shown_setting(0.25), shown_setting(True)
    ('5×5', '2, 2, 2, 2', '0.25', 'on')
    """
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, tuple) and all(isinstance(item, tuple) for item in value):
        return ", ".join(str(side) for pair in value for side in pair)
    if isinstance(value, tuple):
        return "×".join(str(side) for side in value)
    if isinstance(value, float):
        return f"{value:g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def stack_status(goal: StackGoal, analysis: Analysis) -> GoalStatus:
    """The student's stack against a stack step's goal.

    >>> from cnnlab.core.presets import preset_spec
    >>> from cnnlab.core.arithmetic import analyze
    >>> stack_status(StackGoal(1, "Conv2D", (("filters", 32),)), analyze(preset_spec("convnet"))).notes
    ('layer 1 has filters 16; make it 32',)
    """
    notes: list[str] = []
    if goal.layer is not None:
        count = len(analysis.layers)
        if goal.layer > count:
            what = f"a {goal.type}" if goal.type else "one"
            notes.append(f"your stack has {count} layer{'s' * (count != 1)}; add {what} as layer "
                         f"{goal.layer}")
        else:
            report = analysis.layers[goal.layer - 1]
            if goal.type is not None and report.type != goal.type:
                notes.append(f"layer {goal.layer} is {report.type or 'a layer of unknown type'}; make it a "
                             f"{goal.type}")
            elif report.layer is None:
                notes.append(f"layer {goal.layer} has a problem: fix it on Build first")
            else:
                for key, value in goal.settings:
                    actual = getattr(report.layer, key, None)
                    if actual != value:
                        notes.append(f"layer {goal.layer} has {key} {shown_setting(actual)}; make it "
                                     f"{shown_setting(value)}")
    if goal.max_params is not None:
        if not analysis.ok:
            notes.append("your stack has a problem, so its total is not known: fix it on Build first")
        elif analysis.total_params > goal.max_params:
            notes.append(f"your stack has {analysis.total_params:,} parameters; get it to at most "
                         f"{goal.max_params:,}")
    return GoalStatus(tuple(notes))


@dataclass(frozen=True)
class RunFacts:
    """What a run step looks at in a finished run."""

    test_accuracy: float | None  # a fraction
    params: int
    epochs: int
    macs: int  # per image


def describe_run_goal(goal: RunGoal) -> tuple[str, ...]:
    """The goal in words: ("at least 97 % test accuracy", "at most 70,000 parameters", …)."""
    parts = []
    if goal.min_accuracy is not None:
        parts.append(f"at least {goal.min_accuracy * 100:g} % test accuracy")
    if goal.max_params is not None:
        parts.append(f"at most {goal.max_params:,} parameters")
    if goal.max_epochs is not None:
        parts.append(f"at most {goal.max_epochs} epoch{'s' * (goal.max_epochs != 1)}")
    if goal.max_macs is not None:
        parts.append(f"at most {goal.max_macs:,} MACs per image")
    return tuple(parts)


def run_status(goal: RunGoal, run: RunFacts) -> GoalStatus:
    """A finished run against a run step's goal.

    >>> run_status(RunGoal(min_accuracy=0.97, max_params=10_000), RunFacts(0.981, 60_874, 1, 0)).notes
    ('60,874 parameters — more than 10,000',)
    """
    notes = []
    if goal.min_accuracy is not None:
        if run.test_accuracy is None:
            notes.append("no test accuracy (the run was not tested)")
        elif run.test_accuracy < goal.min_accuracy - 1e-9:
            notes.append(f"{run.test_accuracy * 100:.2f} % test accuracy — below "
                         f"{goal.min_accuracy * 100:g} %")
    if goal.max_params is not None and run.params > goal.max_params:
        notes.append(f"{run.params:,} parameters — more than {goal.max_params:,}")
    if goal.max_epochs is not None and run.epochs > goal.max_epochs:
        notes.append(f"{run.epochs} epochs — more than {goal.max_epochs}")
    if goal.max_macs is not None and run.macs > goal.max_macs:
        notes.append(f"{run.macs:,} MACs per image — more than {goal.max_macs:,}")
    return GoalStatus(tuple(notes))
