"""A run's schedule and optimizer settings as Keras arguments, and the rate at each step (Keras is the
oracle in tests/bridge/test_optimizers.py)."""

from __future__ import annotations

import pytest

from cnnlab.core.hyper import Optimizer, Schedule, TrainConfig
from cnnlab.core.optimizer_args import (
    learning_rate_at,
    optimizer_arguments,
    schedule_arguments,
    total_steps,
    warmup_steps,
)
from cnnlab.core.presets import PRESETS

FAST = PRESETS["fast"].training


def test_the_fast_recipe_is_a_one_cycle_over_469_steps() -> None:
    assert (total_steps(FAST), warmup_steps(FAST)) == (469, 70)  # ⌈60000 / 128⌉; round(0.15 × 469)
    assert schedule_arguments(FAST) == {"initial_learning_rate": pytest.approx(0.001), "decay_steps": 399,
                                        "alpha": 0.0, "warmup_target": 0.01, "warmup_steps": 70}
    assert optimizer_arguments(FAST) == {"beta_1": 0.7, "beta_2": 0.9}


def test_rates_along_a_one_cycle() -> None:
    assert learning_rate_at(FAST, 0) == pytest.approx(0.001)
    assert learning_rate_at(FAST, 35) == pytest.approx(0.0055)  # half way up
    assert learning_rate_at(FAST, 70) == pytest.approx(0.01)  # the peak
    assert learning_rate_at(FAST, 70 + 133) == pytest.approx(0.0075)  # ½(1 + cos π/3) of the peak
    assert learning_rate_at(FAST, 469) == pytest.approx(0.0, abs=1e-12)
    assert learning_rate_at(FAST, 1000) == pytest.approx(0.0, abs=1e-12)  # past the end: stays at the end


def test_cosine_and_constant() -> None:
    cosine = TrainConfig(epochs=2, train_size=1000, validation_split=0.0, batch_size=100, learning_rate=0.1,
                         schedule=Schedule.COSINE, final_fraction=0.2)
    assert schedule_arguments(cosine) == {"initial_learning_rate": 0.1, "decay_steps": 20, "alpha": 0.2}
    assert [round(learning_rate_at(cosine, step), 6) for step in (0, 10, 20)] == [0.1, 0.06, 0.02]
    constant = TrainConfig(learning_rate=0.003)
    assert schedule_arguments(constant) is None and learning_rate_at(constant, 400) == 0.003


def test_one_cycle_always_keeps_a_step_to_come_down() -> None:
    config = TrainConfig(epochs=1, train_size=100, validation_split=0.0, batch_size=100,
                         schedule=Schedule.ONE_CYCLE, warmup_fraction=0.9)
    assert (total_steps(config), warmup_steps(config)) == (1, 0)
    assert schedule_arguments(config)["decay_steps"] == 1


def test_only_settings_the_optimizer_uses_and_only_when_not_keras_defaults() -> None:
    assert optimizer_arguments(TrainConfig(optimizer=Optimizer.ADAM)) == {}
    assert optimizer_arguments(TrainConfig(optimizer=Optimizer.NADAM, beta_2=0.99)) == {"beta_2": 0.99}
    assert optimizer_arguments(TrainConfig(optimizer=Optimizer.SGD, momentum=0.9)) == {"momentum": 0.9}
    assert optimizer_arguments(TrainConfig(optimizer=Optimizer.RMSPROP, momentum=0.9, beta_1=0.5)) == {}
