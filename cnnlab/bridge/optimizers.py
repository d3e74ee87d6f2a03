"""The optimizer a training job uses: Keras's own, except that rmsprop steps as the intro post's Keras 2 did.

Keras 2, which the Keras intro post (README) ran, updated v ← ρ·v + (1 − ρ)·g², w ← w − lr·g / (√v + ε).
Keras 3 puts ε = 1e-7 under the root, w ← w − lr·g / √(v + ε): a floor of √1e-7 ≈ 3e-4 instead of 1e-7 under
every step, which holds back each weight whose gradients are small and costs the post's convnet accuracy
(measured over seeds in the README's Performance table). The saved model files name Keras's own `RMSprop`
(with this run's state), so they load anywhere without this project. Imports Keras: only worker processes and
the command line import this module.
"""

from __future__ import annotations

import keras
from keras import ops

from cnnlab.core.hyper import Optimizer, TrainConfig
from cnnlab.core.optimizer_args import optimizer_arguments, schedule_arguments


class Keras2RMSprop(keras.optimizers.RMSprop):
    """RMSprop with Keras 2's update: ε added after the square root (no momentum, not centred)."""

    def update_step(self, gradient: object, variable: keras.Variable, learning_rate: object) -> None:
        """v ← ρ·v + (1 − ρ)·g²; w ← w − lr·g / (√v + ε)."""
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        velocity = self._velocities[self._get_variable_index(variable)]
        self.assign(velocity, ops.add(ops.multiply(self.rho, velocity),
                                      ops.multiply(1 - self.rho, ops.square(gradient))))
        step = ops.divide(ops.multiply(lr, gradient), ops.add(ops.sqrt(velocity), self.epsilon))
        self.assign_sub(variable, step)


def learning_rate(config: TrainConfig) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """The run's rate: a number when constant, else Keras's `CosineDecay` (see `core.optimizer_args`)."""
    arguments = schedule_arguments(config)
    if arguments is None:
        return config.learning_rate
    return keras.optimizers.schedules.CosineDecay(**arguments)


def make_optimizer(config: TrainConfig) -> keras.optimizers.Optimizer:
    """A fresh optimizer for one training job, with the run's schedule and settings (betas, momentum):
    `Keras2RMSprop` for rmsprop, Keras's own class otherwise."""
    rate = learning_rate(config)
    if config.optimizer is Optimizer.RMSPROP:
        return Keras2RMSprop(learning_rate=rate)
    optimizer_class = getattr(keras.optimizers, config.optimizer.keras_class)
    return optimizer_class(learning_rate=rate, **optimizer_arguments(config))


def portable_optimizer(
    optimizer: keras.optimizers.Optimizer, variables: list[keras.Variable]
) -> keras.optimizers.Optimizer:
    """An optimizer a model file can name: Keras's `RMSprop` with a `Keras2RMSprop`'s settings and state.

    `variables` are the model's trainable weights the optimizer was built for. Any other optimizer is
    returned as it is. Plain Keras loading the file then goes on training with its own rule.
    """
    if not isinstance(optimizer, Keras2RMSprop):
        return optimizer
    portable = keras.optimizers.RMSprop.from_config(optimizer.get_config())
    if optimizer.built:
        portable.build(variables)
        for mine, theirs in zip(portable.variables, optimizer.variables, strict=True):
            mine.assign(theirs)
    return portable
