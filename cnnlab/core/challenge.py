"""A class challenge: its limits, the single validator for them, and the checks a stack and its training
settings must pass. Plain Python: the job manager enforces these checks, Build and Train show them.

Example: a challenge "≥ 98 % with at most 10,000 parameters" is
`Challenge(title="Small and sharp", max_params=10_000, epochs=1, locks=(("optimizer", "adam"),))`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from cnnlab.core.arithmetic import Analysis
from cnnlab.core.datasets import DEFAULT_DATASET, Dataset
from cnnlab.core.hyper import (
    MAX_EPOCHS,
    MAX_TRAIN_SIZE,
    MIN_TRAIN_SIZE,
    TrainConfig,
    config_to_dict,
    parse_train_config,
)
from cnnlab.core.layer_types.registry import LAYER_TYPES
from cnnlab.core.layers import MAX_PARAMS
from cnnlab.core.messages import show_value, whole_number

MAX_TITLE_CHARS = 80
MAX_TEXT_CHARS = 300
MAX_MACS = 10**12
_MAX_DIGITS = 15  # a whole number typed as text, longer than any limit's digits


class ChallengeScore(StrEnum):
    """What a challenge's leaderboard ranks runs by (ties: fewer parameters, then the earlier run)."""

    TEST = "test"  # accuracy on the 10,000 test images
    CLASS_DIGITS = "class-digits"  # accuracy on our class's handwriting (`core.class_digits`)

    @property
    def words(self) -> str:
        """The score in words, for the leaderboard's column and the challenge's description."""
        return {ChallengeScore.TEST: "test accuracy",
                ChallengeScore.CLASS_DIGITS: "accuracy on our class's handwriting"}[self]


class LockField(StrEnum):
    """Training settings a teacher can lock to one value for the whole class."""

    optimizer = "optimizer"
    learning_rate = "learning_rate"
    batch_size = "batch_size"
    seed = "seed"

    @property
    def words(self) -> str:
        """The setting as the Train page names it: "learning rate" for `learning_rate`."""
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class Challenge:
    """The task the teacher set; every limit is optional (None: no limit)."""

    title: str
    text: str = ""
    max_params: int | None = None
    max_macs: int | None = None  # multiply-accumulates per image
    layers: tuple[str, ...] | None = None  # the layer types allowed, in the registry's order
    epochs: int | None = None  # most epochs a run may train
    train_images: int | None = None  # most training images a run may use
    locks: tuple[tuple[LockField, object], ...] = ()  # (setting, the teacher's value), in LockField order
    dataset: Dataset = DEFAULT_DATASET  # every run trains and is scored on it (challenges from before: MNIST)
    score: ChallengeScore = ChallengeScore.TEST  # what the leaderboard ranks by

    @property
    def locked(self) -> dict[str, object]:
        """The locked settings by name: {"optimizer": "adam", "batch_size": 128}."""
        return {str(name): value for name, value in self.locks}


@dataclass(frozen=True)
class LimitCheck:
    """One limit applied to one stack or one set of training settings; `message` says how it stands."""

    limit: str  # "dataset", "parameters", "MACs", "layer types", "epochs", "training images", or a lock
    ok: bool
    message: str  # "12,340 parameters — over the limit of 10,000 by 2,340"


_NUMBER_LIMITS = {  # key: (low, high, what the number counts)
    "max_params": (1, MAX_PARAMS, "parameters"),
    "max_macs": (1, MAX_MACS, "MACs per image"),
    "epochs": (1, MAX_EPOCHS, "epochs"),
    "train_images": (MIN_TRAIN_SIZE, MAX_TRAIN_SIZE, "training images"),
}
CHALLENGE_KEYS = ("title", "text", *_NUMBER_LIMITS, "layers", "locks", "dataset", "score")


def _text(raw: Mapping, key: str, limit: int, required: bool) -> tuple[str, str | None]:
    value = raw.get(key, "")
    if not isinstance(value, str):
        return "", f"{key} must be text (got {show_value(value)})"
    value = " ".join(value.split())
    if required and not value:
        return "", f"{key} is required: a few words naming the challenge"
    if len(value) > limit or not value.isprintable():
        return "", f"{key} must be at most {limit} printable characters (got {len(value):,} characters)"
    return value, None


def _limit(raw: Mapping, key: str) -> tuple[int | None, str | None]:
    low, high, what = _NUMBER_LIMITS[key]
    if raw.get(key) is None:
        return None, None
    value = raw[key]
    number = whole_number(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= _MAX_DIGITS:
        number = int(value.strip())  # the command line's text; longer digit strings are over any limit
    if number is None or not low <= number <= high:
        return (
            None,
            f"{key} ({what}) must be a whole number from {low:,} to {high:,} (got {show_value(value)})",
        )
    return number, None


def _dataset(value: object) -> tuple[Dataset, str | None]:
    if value is None:
        return DEFAULT_DATASET, None
    name = value.strip().lower() if isinstance(value, str) else None
    if name not in set(Dataset):
        return DEFAULT_DATASET, f"dataset must be one of {', '.join(Dataset)} (got {show_value(value)})"
    return Dataset(name), None


def _layers(value: object) -> tuple[tuple[str, ...] | None, str | None]:
    if value is None:
        return None, None
    names = [part.strip() for part in value.split(",")] if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not names:
        return None, f"layers must be a list of layer types (got {show_value(value)})"
    by_lower = {kind.lower(): kind for kind in LAYER_TYPES}
    unknown = [
        show_value(name) for name in names if not isinstance(name, str) or name.lower() not in by_lower
    ]
    if unknown:
        return None, (f"unknown layer type {', '.join(unknown[:3])}; the types are {', '.join(LAYER_TYPES)}")
    chosen = {by_lower[name.lower()] for name in names}
    return tuple(kind for kind in LAYER_TYPES if kind in chosen), None


def _locks(value: object) -> tuple[tuple[tuple[LockField, object], ...], list[str]]:
    if value is None:
        return (), []
    if not isinstance(value, Mapping):
        return (), [f"locks must be named settings like optimizer=adam (got {show_value(value)})"]
    unknown = [show_value(key) for key in value if key not in set(LockField)]
    if unknown:
        return (), [f"unknown locked setting {', '.join(unknown[:3])}; one can lock {', '.join(LockField)}"]
    config, problems = parse_train_config(dict(value))
    if config is None:
        return (), list(problems)
    return tuple((field, _config_value(config, field)) for field in LockField if field in value), []


def _config_value(config: TrainConfig, field: LockField) -> object:
    value = getattr(config, field)
    return str(value) if field == LockField.optimizer else value


def _score(value: object) -> tuple[ChallengeScore, str | None]:
    if value is None:
        return ChallengeScore.TEST, None
    if value not in set(ChallengeScore):
        choices = ", ".join(ChallengeScore)
        return ChallengeScore.TEST, f"score must be one of {choices} (got {show_value(value)})"
    return ChallengeScore(value), None


def parse_challenge(raw: object) -> tuple[Challenge | None, tuple[str, ...]]:
    """Check a challenge from the dashboard, the command line or the store: (challenge, ()) or (None, a
    message per problem naming the field, the rule and the received value).

    Example: parse_challenge({"title": "T", "max_params": -5})[1] ==
    ("max_params (parameters) must be a whole number from 1 to 10,000,000 (got -5)",).
    """
    if not isinstance(raw, Mapping):
        return None, (f"a challenge must be an object of named values (got {show_value(raw)})",)
    problems = [
        f"unknown challenge field {show_value(key)}; the fields are {', '.join(CHALLENGE_KEYS)}"
        for key in raw
        if key not in CHALLENGE_KEYS
    ][:3]
    title, problem = _text(raw, "title", MAX_TITLE_CHARS, required=True)
    problems += [problem] if problem else []
    text, problem = _text(raw, "text", MAX_TEXT_CHARS, required=False)
    problems += [problem] if problem else []
    numbers: dict[str, int | None] = {}
    for key in _NUMBER_LIMITS:
        numbers[key], problem = _limit(raw, key)
        problems += [problem] if problem else []
    layers, problem = _layers(raw.get("layers"))
    problems += [problem] if problem else []
    dataset, problem = _dataset(raw.get("dataset"))
    problems += [problem] if problem else []
    locks, lock_problems = _locks(raw.get("locks"))
    problems += lock_problems
    score, problem = _score(raw.get("score"))
    problems += [problem] if problem else []
    if score == ChallengeScore.CLASS_DIGITS and dataset is not Dataset.MNIST:
        problems.append(f"score {score} ranks digits runs by our class's handwriting: it needs the dataset "
                        f"{Dataset.MNIST} (got {dataset})")
    if problems:
        return None, tuple(problems)
    return Challenge(title=title, text=text, layers=layers, locks=locks, dataset=dataset, score=score,
                     **numbers), ()


def challenge_to_dict(challenge: Challenge) -> dict:
    """The challenge as JSON-able values; `parse_challenge` reads it back unchanged."""
    return {
        "title": challenge.title,
        "text": challenge.text,
        "dataset": str(challenge.dataset),
        "max_params": challenge.max_params,
        "max_macs": challenge.max_macs,
        "epochs": challenge.epochs,
        "train_images": challenge.train_images,
        "layers": None if challenge.layers is None else list(challenge.layers),
        "locks": challenge.locked,
        "score": str(challenge.score),
    }


def _over(value: int, limit: int, what: str) -> LimitCheck:
    """`value` against a maximum: "12,340 parameters — over the limit of 10,000 by 2,340"."""
    if value > limit:
        return LimitCheck(what, False, f"{value:,} {what} — over the limit of {limit:,} by {value - limit:,}")
    return LimitCheck(what, True, f"{value:,} {what} — within the limit of {limit:,}")


def stack_checks(challenge: Challenge, analysis: Analysis) -> tuple[LimitCheck, ...]:
    """How a stack stands against each of the challenge's stack limits (parameters, MACs, layer types)."""
    checks = []
    if challenge.max_params is not None:
        checks.append(_over(analysis.total_params, challenge.max_params, "parameters"))
    if challenge.max_macs is not None:
        checks.append(_over(analysis.macs, challenge.max_macs, "MACs"))
    if challenge.layers is not None:
        allowed = set(challenge.layers)
        banned = sorted({layer.type for layer in analysis.layers if layer.type not in allowed})
        allowed_text = ", ".join(challenge.layers)
        if banned:
            checks.append(
                LimitCheck(
                    "layer types",
                    False,
                    f"{', '.join(banned)} not allowed — the challenge allows {allowed_text}",
                )
            )
        else:
            checks.append(LimitCheck("layer types", True, f"only allowed layer types ({allowed_text})"))
    return tuple(checks)


def config_checks(challenge: Challenge, config: TrainConfig) -> tuple[LimitCheck, ...]:
    """How training settings stand against the challenge's dataset, epochs, training images and locked
    settings."""
    wanted = challenge.dataset
    if config.dataset is wanted:
        checks = [LimitCheck("dataset", True, f"{wanted.title} — the challenge's dataset")]
    else:
        checks = [LimitCheck("dataset", False, f"{config.dataset.title} — the challenge is on "
                                               f"{wanted.title}; choose {wanted.title} as the dataset")]
    if challenge.epochs is not None:
        checks.append(_over(config.epochs, challenge.epochs, "epochs"))
    if challenge.train_images is not None:
        checks.append(_over(config.train_size, challenge.train_images, "training images"))
    for field, value in challenge.locks:
        chosen = _config_value(config, field)
        if chosen == value:
            checks.append(LimitCheck(str(field), True, f"{field.words} {value} — locked by the challenge"))
        else:
            checks.append(LimitCheck(
                str(field), False, f"{field.words} {chosen} — the challenge locks {field.words} to {value}"))
    return tuple(checks)


def refusals(challenge: Challenge, analysis: Analysis, config: TrainConfig) -> tuple[str, ...]:
    """Why a run breaks the challenge, one message per broken limit; () when it may train."""
    checks = (*stack_checks(challenge, analysis), *config_checks(challenge, config))
    return tuple(f"{challenge.title}: {check.message}" for check in checks if not check.ok)


def fill_config(challenge: Challenge, config: TrainConfig) -> TrainConfig:
    """`config` with the challenge's epochs, training images and locked settings filled in (the Train form's
    starting values while a challenge is active)."""
    settings = {**config_to_dict(config), **challenge.locked, "dataset": str(challenge.dataset)}
    if challenge.epochs is not None:
        settings["epochs"] = challenge.epochs
    if challenge.train_images is not None:
        settings["train_size"] = challenge.train_images
    filled, _ = parse_train_config(settings)
    return filled or config


def describe_limits(challenge: Challenge) -> tuple[str, ...]:
    """The challenge's limits in words, for banners and the projector: ("at most 10,000 parameters", …); the
    dataset leads when it is not the default one ("on Fashion-MNIST clothes")."""
    parts = [] if challenge.dataset is DEFAULT_DATASET else [f"on {challenge.dataset.title}"]
    if challenge.max_params is not None:
        parts.append(f"at most {challenge.max_params:,} parameters")
    if challenge.max_macs is not None:
        parts.append(f"at most {challenge.max_macs:,} MACs per image")
    if challenge.layers is not None:
        parts.append(f"layers: {', '.join(challenge.layers)}")
    if challenge.epochs is not None:
        parts.append(f"at most {challenge.epochs} epoch{'s' * (challenge.epochs != 1)}")
    if challenge.train_images is not None:
        parts.append(f"at most {challenge.train_images:,} training images")
    parts += [f"{field.words} = {value}" for field, value in challenge.locks]
    if challenge.score != ChallengeScore.TEST:
        parts.append(f"ranked by {challenge.score.words}")
    return tuple(parts)
