"""Challenge limits: the validator's messages, the checks a stack and its settings must pass, the filling of
the Train form, all against the presets' known figures (convnet: 60,874 parameters)."""

from __future__ import annotations

import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.challenge import (
    Challenge,
    LockField,
    challenge_to_dict,
    config_checks,
    describe_limits,
    fill_config,
    parse_challenge,
    refusals,
    stack_checks,
)
from cnnlab.core.datasets import Dataset
from cnnlab.core.hyper import Optimizer, TrainConfig
from cnnlab.core.presets import preset_spec

CLASS = {
    "title": "Small and sharp",
    "text": "≥ 98 % with at most 10,000 parameters",
    "max_params": 10_000,
    "epochs": 1,
    "train_images": 2000,
    "locks": {"optimizer": "adam"},
}
TINY = {
    "input_shape": [28, 28, 1],
    "layers": [  # 8 × 9 + 8 = 80, Dense 1,352 × 10 + 10 = 13,530
        {"type": "Conv2D", "filters": 8, "kernel_size": 3},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ],
}


def _challenge(**changes: object) -> Challenge:
    challenge, problems = parse_challenge({**CLASS, **changes})
    assert problems == ()
    return challenge


def test_the_class_challenge_parses_to_its_limits() -> None:
    challenge = _challenge()
    assert challenge == Challenge(
        title="Small and sharp",
        text="≥ 98 % with at most 10,000 parameters",
        max_params=10_000,
        epochs=1,
        train_images=2000,
        locks=((LockField.optimizer, "adam"),),
    )
    assert describe_limits(challenge) == (
        "at most 10,000 parameters",
        "at most 1 epoch",
        "at most 2,000 training images",
        "optimizer = adam",
    )


def test_a_challenge_round_trips_through_its_json_form() -> None:
    challenge = _challenge(
        layers="conv2d, MaxPooling2D,Dense,Flatten",
        max_macs="500000",
        locks={"batch_size": "128", "learning_rate": 0.01, "optimizer": "ADAM"},
    )
    assert challenge.layers == ("Conv2D", "MaxPooling2D", "Flatten", "Dense")
    assert challenge.locked == {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 128}
    assert parse_challenge(challenge_to_dict(challenge)) == (challenge, ())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_params": -5}, "max_params (parameters) must be a whole number from 1 to 10,000,000 (got -5)"),
        (
            {"max_params": 10**40},
            "max_params (parameters) must be a whole number from 1 to 10,000,000 (got a huge number)",
        ),
        ({"epochs": 0}, "epochs (epochs) must be a whole number from 1 to 50 (got 0)"),
        (
            {"train_images": 2.5},
            "train_images (training images) must be a whole number from 100 to 60,000 (got 2.5)",
        ),
        (
            {"max_macs": "lots"},
            'max_macs (MACs per image) must be a whole number from 1 to 1,000,000,000,000 (got "lots")',
        ),
        ({"title": "   "}, "title is required: a few words naming the challenge"),
        ({"title": "x" * 81}, "title must be at most 80 printable characters (got 81 characters)"),
        ({"title": "a\x00b"}, "title must be at most 80 printable characters (got 3 characters)"),
        (
            {"layers": "Conv2D,Convolution"},
            'unknown layer type "Convolution"; the types are Conv2D, MaxPooling2D, '
            "AveragePooling2D, ZeroPadding2D, Flatten, GlobalAveragePooling2D, Dense, "
            "Dropout, BatchNormalization",
        ),
        (
            {"locks": {"colour": "red"}},
            'unknown locked setting "colour"; one can lock optimizer, learning_rate, batch_size, seed',
        ),
        (
            {"locks": {"epochs": 3}},
            'unknown locked setting "epochs"; one can lock optimizer, learning_rate, batch_size, seed',
        ),
        ({"locks": {"batch_size": 4}}, "batch_size must be a whole number from 8 to 2,048 (got 4)"),
        (
            {"colour": "red"},
            'unknown challenge field "colour"; the fields are title, text, max_params, max_macs, '
            "epochs, train_images, layers, locks, dataset, score",
        ),
        ({"dataset": "cifar10"}, 'dataset must be one of mnist, fashion (got "cifar10")'),
        ({"dataset": ["fashion"]}, 'dataset must be one of mnist, fashion (got ["fashion"])'),
        ({"score": "fastest"}, 'score must be one of test, class-digits (got "fastest")'),
        ({"dataset": "fashion", "score": "class-digits"},
         "score class-digits ranks digits runs by our class's handwriting: it needs the dataset mnist "
         "(got fashion)"),
    ],
)
def test_a_bad_value_is_refused_with_a_message_naming_it(changes: dict, message: str) -> None:
    assert parse_challenge({**CLASS, **changes}) == (None, (message,))


def test_a_non_object_is_refused() -> None:
    assert parse_challenge([1, 2]) == (None, ("a challenge must be an object of named values (got [1, 2])",))


def test_the_convnet_is_over_the_parameter_limit_by_its_excess() -> None:
    checks = stack_checks(_challenge(), analyze(preset_spec("convnet")))
    assert [(c.limit, c.ok, c.message) for c in checks] == [
        ("parameters", False, "60,874 parameters — over the limit of 10,000 by 50,874")
    ]


def test_a_small_stack_meets_every_stack_limit() -> None:
    challenge = _challenge(max_macs=200_000, layers=["Conv2D", "MaxPooling2D", "Flatten", "Dense"])
    analysis = analyze(TINY)
    assert analysis.total_params == 13_610
    checks = stack_checks(_challenge(max_params=20_000, max_macs=200_000, layers=challenge.layers), analysis)
    assert [c.message for c in checks] == [
        "13,610 parameters — within the limit of 20,000",
        f"{analysis.macs:,} MACs — within the limit of 200,000",
        "only allowed layer types (Conv2D, MaxPooling2D, Flatten, Dense)",
    ]
    assert all(check.ok for check in checks)


def test_a_layer_type_outside_the_allowed_ones_is_named() -> None:
    (check,) = stack_checks(Challenge(title="T", layers=("Flatten", "Dense")), analyze(TINY))
    assert (check.ok, check.message) == (
        False,
        "Conv2D, MaxPooling2D not allowed — the challenge allows Flatten, Dense",
    )


def test_training_settings_are_checked_against_epochs_images_and_locks() -> None:
    checks = config_checks(_challenge(), TrainConfig(epochs=3, train_size=6000, optimizer=Optimizer.RMSPROP))
    assert [(c.ok, c.message) for c in checks] == [
        (True, "MNIST digits — the challenge's dataset"),
        (False, "3 epochs — over the limit of 1 by 2"),
        (False, "6,000 training images — over the limit of 2,000 by 4,000"),
        (False, "optimizer rmsprop — the challenge locks optimizer to adam"),
    ]


def test_refusals_name_the_challenge_and_each_broken_limit() -> None:
    config = TrainConfig(epochs=1, train_size=2000, optimizer=Optimizer.ADAM)
    assert refusals(_challenge(), analyze(preset_spec("convnet")), config) == (
        "Small and sharp: 60,874 parameters — over the limit of 10,000 by 50,874",
    )
    assert refusals(_challenge(max_params=20_000), analyze(TINY), config) == ()


def test_the_train_form_takes_the_challenge_values() -> None:
    challenge = _challenge(locks={"optimizer": "adam", "batch_size": 64, "seed": 7})
    filled = fill_config(challenge, TrainConfig(train_size=6000))
    assert filled == TrainConfig(epochs=1, batch_size=64, optimizer=Optimizer.ADAM, train_size=2000, seed=7)
    assert fill_config(Challenge(title="no limits"), TrainConfig()) == TrainConfig()


def test_a_challenge_names_its_dataset_and_runs_on_another_are_refused() -> None:
    fashion = _challenge(dataset=" Fashion ", max_params=20_000)
    assert fashion.dataset is Dataset.FASHION and _challenge().dataset is Dataset.MNIST
    assert parse_challenge(challenge_to_dict(fashion)) == (fashion, ())
    assert describe_limits(fashion)[0] == "on Fashion-MNIST clothes"
    config = TrainConfig(epochs=1, train_size=2000, optimizer=Optimizer.ADAM)
    assert refusals(fashion, analyze(TINY), config) == (
        "Small and sharp: MNIST digits — the challenge is on Fashion-MNIST clothes; choose Fashion-MNIST "
        "clothes as the dataset",)
    on_fashion = fill_config(fashion, config)
    assert on_fashion.dataset is Dataset.FASHION and refusals(fashion, analyze(TINY), on_fashion) == ()
    assert refusals(_challenge(max_params=20_000), analyze(TINY), on_fashion) == (
        "Small and sharp: Fashion-MNIST clothes — the challenge is on MNIST digits; choose MNIST digits as "
        "the dataset",)


def test_a_challenge_stored_before_datasets_is_on_mnist() -> None:
    stored = {key: value for key, value in challenge_to_dict(_challenge()).items() if key != "dataset"}
    assert parse_challenge(stored) == (_challenge(), ())
