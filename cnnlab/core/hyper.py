"""Training hyperparameters: one frozen `TrainConfig`, its caps, and the single validator for user input.

Defaults are the Keras intro post's convnet settings (rmsprop, batch 128, 5 epochs, learning rate 0.001,
constant); the optional settings (a learning-rate schedule, Adam's betas, SGD's momentum) default to Keras's
own. The Train page starts from `CLASS_DEMO` instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from enum import StrEnum

from cnnlab.core.datasets import DEFAULT_DATASET, Dataset
from cnnlab.core.mnist import TRAIN_IMAGES

MAX_EPOCHS = 50
MIN_BATCH_SIZE = 8
MAX_BATCH_SIZE = 2048
MIN_TRAIN_SIZE = 100
MAX_TRAIN_SIZE = TRAIN_IMAGES
MAX_LEARNING_RATE = 10.0
MAX_VALIDATION_SPLIT = 0.5
MAX_SEED = 2**31 - 1
MAX_WARMUP_FRACTION = 0.9


class Optimizer(StrEnum):
    """Optimizers a student can pick, by the names Keras accepts ("rmsprop"); `keras_class` is the class."""

    SGD = "sgd"
    RMSPROP = "rmsprop"
    ADAM = "adam"
    ADAMW = "adamw"
    NADAM = "nadam"
    ADAMAX = "adamax"
    ADAGRAD = "adagrad"
    ADADELTA = "adadelta"

    @property
    def keras_class(self) -> str:
        """Its class in `keras.optimizers`.

        >>> Optimizer.RMSPROP.keras_class
        'RMSprop'
        """
        return _KERAS_CLASSES[self]


_KERAS_CLASSES = {
    Optimizer.SGD: "SGD", Optimizer.RMSPROP: "RMSprop", Optimizer.ADAM: "Adam", Optimizer.ADAMW: "AdamW",
    Optimizer.NADAM: "Nadam", Optimizer.ADAMAX: "Adamax", Optimizer.ADAGRAD: "Adagrad",
    Optimizer.ADADELTA: "Adadelta",
}


class Schedule(StrEnum):
    """How the learning rate moves over the run (see `cnnlab.core.optimizer_args` for the formulas)."""

    CONSTANT = "constant"  # the same rate at every step
    ONE_CYCLE = "one-cycle"  # climbs from a tenth of the rate to the rate, then falls along a half cosine
    COSINE = "cosine"  # falls from the rate along a half cosine


BETA_OPTIMIZERS = frozenset({Optimizer.ADAM, Optimizer.ADAMW, Optimizer.NADAM, Optimizer.ADAMAX})
MOMENTUM_OPTIMIZERS = frozenset({Optimizer.SGD})


@dataclass(frozen=True)
class TrainConfig:
    """How to train one stack, and on which dataset."""

    dataset: Dataset = DEFAULT_DATASET  # what it learns from and is tested on (MNIST digits, Fashion-MNIST)
    epochs: int = 5  # passes over the training images
    batch_size: int = 128  # images per gradient step
    optimizer: Optimizer = Optimizer.RMSPROP
    learning_rate: float = 0.001
    train_size: int = TRAIN_IMAGES  # images taken from the 60,000, validation images included
    validation_split: float = 0.1  # fraction of train_size held out to watch overfitting
    seed: int = 0  # weights, shuffling: same seed, same run
    schedule: Schedule = Schedule.CONSTANT
    warmup_fraction: float = 0.25  # one-cycle: share of the steps in which the rate climbs
    final_fraction: float = 0.0  # one-cycle, cosine: the last step's rate as a fraction of learning_rate
    beta_1: float = 0.9  # adam, adamw, nadam, adamax: decay of the gradients' running mean (Keras's default)
    beta_2: float = 0.999  # the same optimizers: decay of the squared gradients' running mean
    momentum: float = 0.0  # sgd: share of the previous step added to the next (Keras's default)

    @property
    def validation_size(self) -> int:
        """Images held out for validation.

        >>> TrainConfig(train_size=6000, validation_split=0.1).validation_size
        600
        """
        return int(self.train_size * self.validation_split)

    @property
    def fit_size(self) -> int:
        """Images the weights learn from: train_size − validation_size (6000 − 600 = 5400)."""
        return self.train_size - self.validation_size

    @property
    def steps_per_epoch(self) -> int:
        """Gradient steps per epoch, the last batch possibly short: ⌈54000 / 128⌉ = 422."""
        return math.ceil(self.fit_size / self.batch_size)


CLASS_DEMO = TrainConfig(  # the Train page's defaults: a class demo, ≥ 97 % on the convnet in a few seconds
    epochs=1, batch_size=128, optimizer=Optimizer.ADAM, learning_rate=0.01, train_size=30_000,
    schedule=Schedule.ONE_CYCLE, warmup_fraction=0.15, beta_1=0.7, beta_2=0.9,
)


@dataclass(frozen=True)
class _Rule:
    """The range a number must lie in; `whole` for counts."""

    low: float
    high: float
    whole: bool
    low_open: bool = False
    note: str = ""
    high_open: bool = False

    def describe(self) -> str:
        """The rule in words, e.g. 'a whole number from 1 to 50', '… up to (not including) 1'."""
        kind = "a whole number" if self.whole else "a number"
        low = _format(self.low)
        span = f"above {low} and at most" if self.low_open else f"from {low} to"
        if self.high_open:
            span = f"from {low} up to (not including)"
        return f"{kind} {span} {_format(self.high)}{self.note}"


_RULES: dict[str, _Rule] = {
    "epochs": _Rule(1, MAX_EPOCHS, whole=True, note=" (the cap keeps the class queue moving)"),
    "batch_size": _Rule(MIN_BATCH_SIZE, MAX_BATCH_SIZE, whole=True),
    "learning_rate": _Rule(0, MAX_LEARNING_RATE, whole=False, low_open=True),
    "train_size": _Rule(
        MIN_TRAIN_SIZE, MAX_TRAIN_SIZE, whole=True, note=" (each dataset has 60,000 training images)"
    ),
    "validation_split": _Rule(0, MAX_VALIDATION_SPLIT, whole=False),
    "seed": _Rule(0, MAX_SEED, whole=True),
    "warmup_fraction": _Rule(0, MAX_WARMUP_FRACTION, whole=False),
    "final_fraction": _Rule(0, 1, whole=False),
    "beta_1": _Rule(0, 1, whole=False, high_open=True),
    "beta_2": _Rule(0, 1, whole=False, high_open=True),
    "momentum": _Rule(0, 1, whole=False, high_open=True),
}
_USED_BY: dict[str, tuple[str, Callable[[TrainConfig], bool]]] = {  # optional setting → (who uses it, test)
    "warmup_fraction": ("the one-cycle schedule", lambda config: config.schedule is Schedule.ONE_CYCLE),
    "final_fraction": ("the one-cycle and cosine schedules",
                       lambda config: config.schedule is not Schedule.CONSTANT),
    "beta_1": ("adam, adamw, nadam and adamax", lambda config: config.optimizer in BETA_OPTIMIZERS),
    "beta_2": ("adam, adamw, nadam and adamax", lambda config: config.optimizer in BETA_OPTIMIZERS),
    "momentum": ("sgd", lambda config: config.optimizer in MOMENTUM_OPTIMIZERS),
}


def _format(value: float) -> str:
    """A bound as people write it: 60000 → '60,000', 0.5 → '0.5'."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _quote(value: object, limit: int = 40) -> str:
    """`repr(value)` cut to `limit` characters, so hostile input cannot flood a message."""
    try:
        text = repr(value)
    except ValueError:  # an int beyond Python's 4,300-digit limit for str(): worded as `spec.show_value` does
        text = "a huge number"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(name: str, value: object, rule: _Rule) -> tuple[float | int | None, str | None]:
    """`value` checked against `rule`: (number, None), or (None, a message naming field, rule and value)."""
    problem = f"{name} must be {rule.describe()} (got {_quote(value)})"
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None, problem
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, problem
    if isinstance(value, float):
        if not math.isfinite(value) or (rule.whole and not value.is_integer()):
            return None, problem
        value = int(value) if rule.whole else value
    elif not rule.whole:
        value = float(value)
    too_low = value <= rule.low if rule.low_open else value < rule.low
    too_high = value >= rule.high if rule.high_open else value > rule.high
    if too_low or too_high:
        return None, problem
    return value, None


def parse_train_config(raw: Mapping) -> tuple[TrainConfig | None, tuple[str, ...]]:
    """Check user settings (form, JSON, CLI) against the caps: (config, ()) or (None, a message per problem).

    Missing fields take the defaults; numeric strings are accepted; each message names the field, the rule and
    the received value, e.g. "epochs must be a whole number from 1 to 50 (the cap keeps the class queue
    moving) (got 80)".
    """
    if not isinstance(raw, Mapping):
        return None, (f"training settings must be an object of named values (got {type(raw).__name__})",)
    known = {field.name for field in fields(TrainConfig)}
    unknown = [_quote(key) for key in raw if key not in known]
    problems = [f"unknown training setting {', '.join(unknown[:5])}; known: {', '.join(sorted(known))}"]
    problems = problems if unknown else []
    values: dict[str, object] = {}
    for name, rule in _RULES.items():
        if name in raw:
            values[name], problem = _number(name, raw[name], rule)
            if problem:
                problems.append(problem)
    for name, kind in (("dataset", Dataset), ("optimizer", Optimizer), ("schedule", Schedule)):
        if name in raw:
            choice = str(raw[name]).strip().lower()
            if choice in set(kind):
                values[name] = kind(choice)
            else:
                problems.append(f"{name} must be one of {', '.join(kind)} (got {_quote(raw[name])})")
    if problems:
        return None, tuple(problems)
    config = TrainConfig(**values)
    unused = [f"{name} is a setting of {user} only (got {_quote(raw[name])} with {config.optimizer} and a "
              f"{config.schedule} learning rate); leave it out" for name, (user, used) in _USED_BY.items()
              if name in raw and not used(config) and values[name] != getattr(TrainConfig, name)]
    return (None, tuple(unused)) if unused else (config, ())


def config_to_dict(config: TrainConfig) -> dict:
    """The config as JSON-able values (`parse_train_config` reads it back unchanged); optional settings that
    the optimizer or schedule does not use are left out."""
    document = {**asdict(config), "dataset": str(config.dataset), "optimizer": str(config.optimizer),
                "schedule": str(config.schedule)}
    return {name: value for name, value in document.items()
            if name not in _USED_BY or _USED_BY[name][1](config)}


def without_unused(raw: Mapping) -> dict:
    """`raw` without the optional settings its optimizer and schedule do not use (a form shows them all):
    {"optimizer": "sgd", "beta_1": 0.7, "momentum": 0.8} → {"optimizer": "sgd", "momentum": 0.8}.

    Left as it is when the optimizer or schedule itself is not valid (`parse_train_config` reports that).
    """
    choices, _ = parse_train_config({name: raw[name] for name in ("optimizer", "schedule") if name in raw})
    if choices is None:
        return dict(raw)
    return {name: value for name, value in raw.items() if name not in _USED_BY or _USED_BY[name][1](choices)}
