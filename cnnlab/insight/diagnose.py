"""Read a run's curves for the one failure a student cannot see the cause of: steps too big to learn.

A learning rate far too high makes the loss explode (grow by orders of magnitude) or leaves the accuracy at
chance (about 10 % on ten digits) after whole epochs, yet the run "finishes". `learning_rate_hint` says so
and suggests a rate ten times lower. Plain Python over the run's history.
"""

from __future__ import annotations

from collections.abc import Sequence

from cnnlab.engine.jobs import EpochRecord

EXPLODED_FACTOR = 10.0  # the loss grew this many times over its first live point
CHANCE_ACCURACY = 0.2  # ten digits: 10 % is guessing; below 20 % after an epoch nothing was learned


def learning_rate_hint(batch_points: Sequence[tuple[float, float, float | None]],
                       epochs: Sequence[EpochRecord], learning_rate: float) -> str | None:
    """What to tell a student whose loss exploded or whose accuracy stayed at chance; None otherwise.

    Example: batch losses 2.3 → 150e12 at learning rate 10 → "The loss exploded (from 2.3 to 1.5e+14):
    the steps were too big. Lower the learning rate (it is 10; try 1)."
    """
    advice = f"Lower the learning rate (it is {learning_rate:g}; try {learning_rate / 10:g})."
    losses = [loss for _, loss, _ in batch_points]
    if losses and losses[0] > 0 and max(losses) >= EXPLODED_FACTOR * losses[0]:
        growth = f"from {losses[0]:.3g} to {max(losses):.3g}"
        return f"The loss exploded ({growth}): the steps were too big. {advice}"
    if epochs and epochs[-1].accuracy is not None and epochs[-1].accuracy < CHANCE_ACCURACY:
        count = len(epochs)
        return (f"After {count} epoch{'s' * (count != 1)} the accuracy is {epochs[-1].accuracy:.1%}, about "
                f"chance (10 % for ten digits): the model is not learning. {advice}")
    return None
