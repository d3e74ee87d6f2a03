"""The optimizers a job trains with: rmsprop steps as the reference's Keras 2 did; files name plain Keras."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab.core.hyper import Optimizer, Schedule, TrainConfig
from cnnlab.core.optimizer_args import learning_rate_at, total_steps, warmup_steps
from cnnlab.core.presets import PRESETS

pytestmark = pytest.mark.keras

GRADIENTS = [np.array([0.5, 1e-3, 1e-5, 1e-7, 0.0, -2e-6], dtype=np.float32) * scale
             for scale in (1.0, 0.5, 2.0, -1.0)]
START = np.linspace(-1, 1, 6).astype(np.float32)


def _keras2_rmsprop(weights: np.ndarray, gradients: list[np.ndarray], lr: float) -> np.ndarray:
    """Keras 2's RMSprop in float64: v ← 0.9·v + 0.1·g², w ← w − lr·g / (√v + 1e-7)."""
    velocity = np.zeros_like(weights)
    for gradient in gradients:
        velocity = 0.9 * velocity + 0.1 * gradient**2
        weights = weights - lr * gradient / (np.sqrt(velocity) + 1e-7)
    return weights


def _train(optimizer: object) -> tuple[object, np.ndarray]:
    """Apply GRADIENTS to a variable starting at START; the variable and how far it moved."""
    import keras

    variable = keras.Variable(START)
    for gradient in GRADIENTS:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(gradient), variable)])
    return variable, keras.ops.convert_to_numpy(variable) - START


@pytest.mark.parametrize("ours", [True, False])
def test_rmsprop_steps_as_the_references_keras_2(ours: bool) -> None:
    """Ours matches Keras 2 for every gradient size; Keras 3's own RMSprop does not (so this can fail)."""
    import keras

    from cnnlab.bridge.optimizers import make_optimizer

    optimizer = make_optimizer(TrainConfig(learning_rate=0.01)) if ours else keras.optimizers.RMSprop(0.01)
    _, moved = _train(optimizer)
    expected = _keras2_rmsprop(START.astype(np.float64), [g.astype(np.float64) for g in GRADIENTS], 0.01)
    assert np.allclose(moved, expected - START, rtol=1e-4, atol=1e-7) == ours


def test_every_choice_is_a_keras_optimizer_with_its_learning_rate() -> None:
    import keras

    from cnnlab.bridge.optimizers import make_optimizer

    for choice in Optimizer:
        optimizer = make_optimizer(TrainConfig(optimizer=choice, learning_rate=0.02))
        assert isinstance(optimizer, keras.optimizers.Optimizer)
        assert type(optimizer).__name__.lower() == str(choice) or choice is Optimizer.RMSPROP
        assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(0.02)


def test_the_portable_optimizer_is_keras_rmsprop_with_the_same_settings_and_state() -> None:
    import keras

    from cnnlab.bridge.optimizers import make_optimizer, portable_optimizer

    ours = make_optimizer(TrainConfig(learning_rate=0.003))
    variable, _ = _train(ours)
    portable = portable_optimizer(ours, [variable])
    assert type(portable) is keras.optimizers.RMSprop
    assert portable.get_config() == ours.get_config()
    assert [v.path for v in portable.variables] == [v.path for v in ours.variables]
    for theirs, mine in zip(portable.variables, ours.variables, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(theirs), keras.ops.convert_to_numpy(mine))
    assert int(keras.ops.convert_to_numpy(portable.iterations)) == len(GRADIENTS)
    adam = make_optimizer(TrainConfig(optimizer=Optimizer.ADAM))
    assert portable_optimizer(adam, [variable]) is adam


@pytest.mark.parametrize(
    "config",
    [
        PRESETS["fast"].training,
        TrainConfig(epochs=3, train_size=1000, validation_split=0.2, batch_size=64, learning_rate=0.05,
                    optimizer=Optimizer.SGD, momentum=0.9, schedule=Schedule.COSINE, final_fraction=0.1),
        TrainConfig(schedule=Schedule.ONE_CYCLE, warmup_fraction=0.5, final_fraction=0.02),
    ],
)
def test_the_rate_at_each_step_is_keras_own_schedule(config: TrainConfig) -> None:
    """The optimizer's rate as Keras computes it at steps 0, 1, …, past the end equals `learning_rate_at`."""
    import keras

    from cnnlab.bridge.optimizers import make_optimizer

    optimizer = make_optimizer(config)
    steps = total_steps(config)
    for step in sorted({0, 1, warmup_steps(config), steps // 2, steps - 1, steps, steps + 10}):
        optimizer.iterations.assign(step)
        keras_rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        assert keras_rate == pytest.approx(learning_rate_at(config, step), rel=1e-5, abs=1e-9), step


def test_the_fast_recipe_in_keras_numbers() -> None:
    """One-cycle to 0.01 over 469 steps with Adam β₁ 0.7, β₂ 0.9, as Keras sees it."""
    import keras

    from cnnlab.bridge.optimizers import make_optimizer

    optimizer = make_optimizer(PRESETS["fast"].training)
    assert type(optimizer) is keras.optimizers.Adam
    assert (optimizer.beta_1, optimizer.beta_2) == (0.7, 0.9)
    rates = []
    for step in (0, 70, 203, 469):
        optimizer.iterations.assign(step)
        rates.append(round(float(keras.ops.convert_to_numpy(optimizer.learning_rate)), 6))
    assert rates == [0.001, 0.01, 0.0075, 0.0]
    sgd = make_optimizer(TrainConfig(optimizer=Optimizer.SGD, momentum=0.9, learning_rate=0.1))
    assert (type(sgd), sgd.momentum, float(keras.ops.convert_to_numpy(sgd.learning_rate))) == (
        keras.optimizers.SGD, 0.9, pytest.approx(0.1))
