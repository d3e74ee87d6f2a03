"""The learning-rate hint: an exploding loss or an accuracy at chance is named, a healthy run is not."""

from __future__ import annotations

from cnnlab.engine.jobs import EpochRecord
from cnnlab.insight.diagnose import learning_rate_hint


def epoch(accuracy: float) -> EpochRecord:
    return EpochRecord(epoch=1, loss=2.3, accuracy=accuracy, val_loss=None, val_accuracy=None, seconds=1.0,
                       samples_per_second=100.0)


def test_an_exploding_loss_is_named_with_a_lower_rate() -> None:
    points = [(0.02, 2.3, 0.1), (0.5, 40.0, 0.1), (1.0, 1.5e14, 0.11)]
    assert learning_rate_hint(points, [epoch(0.1115)], 10.0) == (
        "The loss exploded (from 2.3 to 1.5e+14): the steps were too big. Lower the learning rate (it is 10; "
        "try 1).")


def test_an_accuracy_at_chance_after_an_epoch_is_named() -> None:
    points = [(0.5, 2.31, 0.1), (1.0, 2.30, 0.11)]
    assert learning_rate_hint(points, [epoch(0.1135), epoch(0.1135)], 0.5) == (
        "After 2 epochs the accuracy is 11.3%, about chance (10 % for ten digits): the model is not "
        "learning. Lower the learning rate (it is 0.5; try 0.05).")


def test_a_healthy_run_gets_no_hint() -> None:
    points = [(0.1, 2.3, 0.1), (0.5, 0.4, 0.88), (1.0, 0.2, 0.95)]
    assert learning_rate_hint(points, [epoch(0.95)], 0.001) is None
    assert learning_rate_hint([], [], 0.001) is None
