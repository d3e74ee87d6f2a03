"""Read a run's curves for the failures a student cannot see the cause of: steps too big to learn, and a
model that reads its training images but not the ones it is tested on.

A learning rate far too high makes the loss explode (grow by orders of magnitude) or leaves the accuracy at
chance (about 10 % on ten classes) after whole epochs, yet the run "finishes". `learning_rate_hint` says so
and suggests a rate ten times lower. When the training accuracy is far above the validation (or test)
accuracy, `train_test_gap_hint` says why: with BatchNormalization, moving statistics that lag behind a short,
fast run (training and testing normalise differently); without it, overfitting. Plain Python over the run's
history and its stack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cnnlab.core.arithmetic import analyze
from cnnlab.core.layer_types.batch_normalization import BatchNormalization
from cnnlab.engine.jobs import EpochRecord

EXPLODED_FACTOR = 10.0  # the loss grew this many times over its first live point
CHANCE_ACCURACY = 0.2  # ten classes: 10 % is guessing; below 20 % after an epoch nothing was learned
GAP = 0.3  # training accuracy this far above validation (or test) accuracy is not noise
LEARNED = 0.5  # … when training itself reads at least half of the images


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
                f"chance (10 % for ten classes): the model is not learning. {advice}")
    return None


def train_test_gap_hint(epochs: Sequence[EpochRecord], test_accuracy: float | None,
                        spec: Mapping) -> str | None:
    """Why a run that trained well reads far fewer validation (or, without a validation split, test) images;
    None when the two are close.

    Example: the batchnorm preset with Keras's momentum 0.99 after 1 epoch of 211 batches → "Training
    accuracy 84 %, validation 11 % (…): the model reads images while it trains but not when it is tested …
    moving mean and variance … momentum 0.99 (about the last 100 batches) …".
    """
    last = epochs[-1] if epochs else None
    if last is None or last.accuracy is None:
        return None
    other, where = last.val_accuracy, "validation"
    if other is None:
        other, where = test_accuracy, "test"
    if other is None or last.accuracy < LEARNED or last.accuracy - other < GAP:
        return None
    one_class = " (about what reading every image as one class scores)" if other < CHANCE_ACCURACY else ""
    opening = (f"Training accuracy {last.accuracy * 100:.0f} %, {where} {other * 100:.0f} %{one_class}: the "
               "model reads "
               "images while it trains but not when it is tested — the same weights, two behaviours.")
    stack = analyze(dict(spec)).spec
    layers = stack.layers if stack is not None else ()
    momenta = [layer.momentum for layer in layers if isinstance(layer, BatchNormalization)]
    if not momenta:
        return (f"{opening} It learned its training images rather than what the classes look like "
                "(overfitting): use fewer parameters, add Dropout, or train on more images.")
    momentum = max(momenta)
    batches = round(1 / (1 - momentum))  # 0 ≤ momentum < 1
    return (f"{opening} BatchNormalization normalises each training batch by that batch's own mean and "
            f"variance, but a {where} image by its moving mean and variance: running averages that follow "
            f"the batches with momentum {momentum:g} (about the last {batches} batches). When the weights "
            "change faster than that — a short run, a high learning rate — the averages lag behind and push "
            f"every {where} image the same wrong way. Lower the momentum of each BatchNormalization on Build "
            "(0.9 follows about the last 10 batches), or train longer so the averages catch up.")
