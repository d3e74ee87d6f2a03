"""Training settings: defaults are the reference's, every cap is enforced and named in its message."""

from __future__ import annotations

import math

import pytest

from cnnlab.core.datasets import Dataset
from cnnlab.core.hyper import (
    Optimizer,
    Schedule,
    TrainConfig,
    config_to_dict,
    parse_train_config,
    without_unused,
)


def test_defaults_are_the_reference_settings() -> None:
    config, problems = parse_train_config({})
    assert problems == ()
    assert config == TrainConfig(epochs=5, batch_size=128, optimizer=Optimizer.RMSPROP, learning_rate=0.001,
                                 train_size=60000, validation_split=0.1, seed=0)


def test_derived_sizes() -> None:
    config = TrainConfig(train_size=6000, validation_split=0.1, batch_size=128)
    assert (config.validation_size, config.fit_size, config.steps_per_epoch) == (600, 5400, 43)
    assert TrainConfig(validation_split=0.0).steps_per_epoch == 469  # ⌈60000 / 128⌉


def test_round_trip_through_json_values() -> None:
    config = TrainConfig(epochs=3, batch_size=64, optimizer=Optimizer.SGD, learning_rate=0.1, train_size=512,
                         validation_split=0.0, seed=7)
    assert config_to_dict(config)["optimizer"] == "sgd"
    assert parse_train_config(config_to_dict(config)) == (config, ())


def test_lenient_about_form_values() -> None:
    config, problems = parse_train_config({"epochs": "7", "batch_size": 64.0, "optimizer": " Adam ",
                                           "learning_rate": 1, "validation_split": 0})
    assert problems == ()
    assert (config.epochs, config.batch_size, config.optimizer) == (7, 64, Optimizer.ADAM)
    assert config.learning_rate == 1.0
    assert isinstance(config.learning_rate, float) and isinstance(config.batch_size, int)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"epochs": 51},
         "epochs must be a whole number from 1 to 50 (the cap keeps the class queue moving) (got 51)"),
        ({"epochs": 0}, "epochs must be a whole number from 1 to 50"),
        ({"epochs": 2.5}, "(got 2.5)"),
        ({"epochs": True}, "(got True)"),
        ({"epochs": None}, "(got None)"),
        ({"batch_size": 4096}, "batch_size must be a whole number from 8 to 2,048 (got 4096)"),
        ({"learning_rate": 0}, "learning_rate must be a number above 0 and at most 10 (got 0)"),
        ({"learning_rate": math.nan}, "learning_rate must be a number above 0 and at most 10 (got nan)"),
        ({"learning_rate": "inf"}, "(got 'inf')"),
        ({"learning_rate": "fast"}, "(got 'fast')"),
        ({"train_size": 60001},
         "train_size must be a whole number from 100 to 60,000 (each dataset has 60,000 training images)"),
        ({"validation_split": 0.9}, "validation_split must be a number from 0 to 0.5 (got 0.9)"),
        ({"seed": -1}, "seed must be a whole number from 0 to 2,147,483,647 (got -1)"),
        ({"optimizer": "lbfgs"},
         "optimizer must be one of sgd, rmsprop, adam, adamw, nadam, adamax, adagrad, adadelta "
         "(got 'lbfgs')"),
        ({"epoch": 3},
         "unknown training setting 'epoch'; known: batch_size, beta_1, beta_2, dataset, epochs"),
        ({"dataset": "cifar10"}, "dataset must be one of mnist, fashion (got 'cifar10')"),
        ({"dataset": ["fashion"]}, "dataset must be one of mnist, fashion (got ['fashion'])"),
    ],
)
def test_each_bad_value_gets_a_message_naming_field_rule_and_value(raw: dict, message: str) -> None:
    config, problems = parse_train_config(raw)
    assert config is None
    assert len(problems) == 1 and message in problems[0]


def test_all_problems_are_reported_at_once() -> None:
    config, problems = parse_train_config({"epochs": 0, "batch_size": 0, "optimizer": "x"})
    assert config is None
    assert [problem.split()[0] for problem in problems] == ["epochs", "batch_size", "optimizer"]


def test_hostile_values_are_cut_short_in_messages() -> None:
    config, problems = parse_train_config({"epochs": 10**400, "x" * 10_000: 1})
    assert config is None
    assert all(len(problem) < 300 for problem in problems)


def test_an_integer_too_long_to_print_is_reported_not_raised() -> None:
    config, problems = parse_train_config({"epochs": 10**5000})
    assert config is None
    assert problems == ("epochs must be a whole number from 1 to 50 (the cap keeps the class queue moving) "
                        "(got a huge number)",)


def test_not_a_mapping() -> None:
    message = "training settings must be an object of named values (got list)"
    assert parse_train_config([1, 2]) == (None, (message,))


def test_schedules_and_optimizer_settings_round_trip() -> None:
    config, problems = parse_train_config({"optimizer": "adam", "schedule": " One-Cycle ",
                                           "warmup_fraction": "0.3", "final_fraction": 0.05, "beta_1": 0.7,
                                           "beta_2": "0.9"})
    assert problems == ()
    assert (config.schedule, config.warmup_fraction, config.final_fraction) == (Schedule.ONE_CYCLE, 0.3, 0.05)
    assert (config.beta_1, config.beta_2, config.momentum) == (0.7, 0.9, 0.0)
    assert config_to_dict(config)["schedule"] == "one-cycle"
    assert "momentum" not in config_to_dict(config)  # sgd's setting: not part of an adam run
    assert parse_train_config(config_to_dict(config)) == (config, ())


def test_optional_settings_default_to_keras() -> None:
    config = TrainConfig()
    assert (config.schedule, config.beta_1, config.beta_2) == (Schedule.CONSTANT, 0.9, 0.999)
    assert config.momentum == 0.0
    assert set(config_to_dict(config)) == {"dataset", "epochs", "batch_size", "optimizer", "learning_rate",
                                           "train_size", "validation_split", "seed", "schedule"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"schedule": "step"}, "schedule must be one of constant, one-cycle, cosine (got 'step')"),
        ({"optimizer": "adam", "beta_1": 1},
         "beta_1 must be a number from 0 up to (not including) 1 (got 1)"),
        ({"optimizer": "sgd", "momentum": -0.1}, "momentum must be a number from 0 up to (not including) 1"),
        ({"schedule": "one-cycle", "warmup_fraction": 0.95},
         "warmup_fraction must be a number from 0 to 0.9"),
        ({"momentum": 0.9}, "momentum is a setting of sgd only (got 0.9 with rmsprop and a constant learning "
                            "rate); leave it out"),
        ({"optimizer": "sgd", "beta_1": 0.5}, "beta_1 is a setting of adam, adamw, nadam and adamax only"),
        ({"schedule": "cosine", "warmup_fraction": 0.3}, "warmup_fraction is a setting of the one-cycle "
                                                         "schedule only"),
    ],
)
def test_bad_or_unused_optional_settings(raw: dict, message: str) -> None:
    config, problems = parse_train_config(raw)
    assert config is None
    assert len(problems) == 1 and message in problems[0]


def test_without_unused_keeps_what_the_choices_use() -> None:
    form = {"optimizer": "sgd", "schedule": "cosine", "warmup_fraction": 0.3, "final_fraction": 0.1,
            "beta_1": 0.7, "beta_2": 0.9, "momentum": 0.8, "epochs": 1}
    assert without_unused(form) == {"optimizer": "sgd", "schedule": "cosine", "final_fraction": 0.1,
                                    "momentum": 0.8, "epochs": 1}
    assert without_unused({"optimizer": "lbfgs", "momentum": 0.8}) == {"optimizer": "lbfgs", "momentum": 0.8}


def test_the_dataset_is_a_setting_of_every_run_and_mnist_by_default() -> None:
    assert TrainConfig().dataset is Dataset.MNIST
    assert config_to_dict(TrainConfig())["dataset"] == "mnist"
    fashion, problems = parse_train_config({"dataset": " Fashion ", "epochs": 2})
    assert problems == () and fashion.dataset is Dataset.FASHION
    assert config_to_dict(fashion)["dataset"] == "fashion"
    assert parse_train_config(config_to_dict(fashion)) == (fashion, ())


def test_a_stored_config_without_a_dataset_reads_as_mnist() -> None:
    before = {"epochs": 5, "batch_size": 128, "optimizer": "rmsprop", "learning_rate": 0.001}
    config, problems = parse_train_config(before)
    assert problems == () and config.dataset is Dataset.MNIST
