"""A run's optimizer and learning-rate schedule as Keras arguments: plain values, one source for the trainer
(`bridge.optimizers` builds them) and for the "Keras code" download (`bridge.code` writes them out).

Schedules are Keras's own `CosineDecay`, so a saved model file names nothing of this project:
- constant: `learning_rate` at every step;
- cosine: from `learning_rate` down a half cosine to `learning_rate × final_fraction` at the last step;
- one-cycle: a straight climb from `learning_rate / 10` to `learning_rate` over the first `warmup_fraction` of
  the steps, then the cosine down to `learning_rate × final_fraction` (`CosineDecay` with `warmup_target`).
"""

from __future__ import annotations

import math

from cnnlab.core.hyper import BETA_OPTIMIZERS, MOMENTUM_OPTIMIZERS, Schedule, TrainConfig

ONE_CYCLE_START = 0.1  # one-cycle starts at this fraction of the peak rate


def total_steps(config: TrainConfig) -> int:
    """Gradient steps of the whole run: 1 epoch × ⌈60000 / 128⌉ = 469."""
    return config.epochs * config.steps_per_epoch


def warmup_steps(config: TrainConfig) -> int:
    """One-cycle's climbing steps: round(0.15 × 469) = 70; 0 for the other schedules (always one step left
    for the descent)."""
    if config.schedule is not Schedule.ONE_CYCLE:
        return 0
    total = total_steps(config)
    return min(round(config.warmup_fraction * total), total - 1)


def schedule_arguments(config: TrainConfig) -> dict[str, float | int] | None:
    """`keras.optimizers.schedules.CosineDecay`'s arguments for the run's schedule; None for a constant rate.

    One-cycle peaking at 0.01 over 469 steps, warmup 0.15 → {"initial_learning_rate": 0.001,
    "decay_steps": 399, "alpha": 0.0, "warmup_target": 0.01, "warmup_steps": 70}.
    """
    if config.schedule is Schedule.CONSTANT:
        return None
    rising = warmup_steps(config)
    arguments: dict[str, float | int] = {
        "initial_learning_rate": config.learning_rate,
        "decay_steps": max(1, total_steps(config) - rising),
        "alpha": config.final_fraction,
    }
    if config.schedule is Schedule.ONE_CYCLE:
        arguments |= {"initial_learning_rate": config.learning_rate * ONE_CYCLE_START,
                      "warmup_target": config.learning_rate, "warmup_steps": rising}
    return arguments


def optimizer_arguments(config: TrainConfig) -> dict[str, float]:
    """The optimizer's settings besides the learning rate, those that differ from Keras's defaults only:
    adam with β₁ 0.7, β₂ 0.9 → {"beta_1": 0.7, "beta_2": 0.9}; sgd with momentum 0.9 → {"momentum": 0.9}."""
    chosen: dict[str, float] = {}
    if config.optimizer in BETA_OPTIMIZERS:
        chosen = {"beta_1": config.beta_1, "beta_2": config.beta_2}
    elif config.optimizer in MOMENTUM_OPTIMIZERS:
        chosen = {"momentum": config.momentum}
    defaults = TrainConfig()
    return {name: value for name, value in chosen.items() if value != getattr(defaults, name)}


def learning_rate_at(config: TrainConfig, step: int) -> float:
    """The rate the `step`-th update (0-based) uses, as Keras's `CosineDecay` computes it.

    One-cycle to 0.01 over 469 steps: step 0 → 0.001, step 70 → 0.01, step 469 → 0.0.
    """
    arguments = schedule_arguments(config)
    if arguments is None:
        return config.learning_rate
    rising = int(arguments.get("warmup_steps", 0))
    decay = int(arguments["decay_steps"])
    step = min(step, rising + decay)
    if step < rising:
        start, peak = arguments["initial_learning_rate"], arguments["warmup_target"]
        return start + (peak - start) * step / rising
    peak = arguments.get("warmup_target", arguments["initial_learning_rate"])
    alpha = arguments["alpha"]
    cosine = 0.5 * (1 + math.cos(math.pi * (step - rising) / decay))
    return peak * ((1 - alpha) * cosine + alpha)
