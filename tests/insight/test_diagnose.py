"""The hints on Results: an exploding loss or an accuracy at chance names the learning rate; training far
ahead of validation names BatchNormalization's moving statistics (or overfitting); a healthy run gets
neither."""

from __future__ import annotations

import pytest

from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.jobs import EpochRecord
from cnnlab.insight.diagnose import learning_rate_hint, train_test_gap_hint


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
        "After 2 epochs the accuracy is 11.3%, about chance (10 % for ten classes): the model is not "
        "learning. Lower the learning rate (it is 0.5; try 0.05).")


def test_a_healthy_run_gets_no_hint() -> None:
    points = [(0.1, 2.3, 0.1), (0.5, 0.4, 0.88), (1.0, 0.2, 0.95)]
    assert learning_rate_hint(points, [epoch(0.95)], 0.001) is None
    assert learning_rate_hint([], [], 0.001) is None


def _epochs(train: float, validation: float | None) -> list[EpochRecord]:
    return [EpochRecord(epoch=1, loss=0.5, accuracy=train, val_loss=2.0 if validation is not None else None,
                        val_accuracy=validation, seconds=10.0, samples_per_second=2700.0)]


BATCHNORM = spec_to_dict(preset_spec("batchnorm"))  # its two BatchNormalization layers have momentum 0.9
KERAS_BATCHNORM = {**BATCHNORM, "layers": [  # the same with Keras's default momentum
    {**layer, "momentum": 0.99} if layer["type"] == "BatchNormalization" else layer
    for layer in BATCHNORM["layers"]]}


def test_training_far_ahead_of_validation_with_batchnorm_names_the_moving_statistics() -> None:
    hint = train_test_gap_hint(_epochs(0.8433, 0.1130), 0.1135, KERAS_BATCHNORM)
    assert hint.startswith("Training accuracy 84 %, validation 11 % (about what reading every image as one "
                           "class scores): the model reads images while it trains but not when it is tested")
    assert ("but a validation image by its moving mean and variance: running averages that follow the "
            "batches with momentum 0.99 (about the last 100 batches)") in hint
    assert ("Lower the momentum of each BatchNormalization on Build (0.9 follows about the last 10 "
            "batches)") in hint


def test_without_a_validation_split_the_test_accuracy_is_compared() -> None:
    hint = train_test_gap_hint(_epochs(0.94, None), 0.5512, BATCHNORM)
    assert hint.startswith("Training accuracy 94 %, test 55 %: ")
    assert "momentum 0.9 (about the last 10 batches)" in hint and "one class" not in hint


def test_a_gap_without_batchnorm_is_overfitting() -> None:
    hint = train_test_gap_hint(_epochs(1.0, 0.62), 0.6, spec_to_dict(preset_spec("mlp")))
    assert hint.endswith("It learned its training images rather than what the classes look like "
                         "(overfitting): use fewer parameters, add Dropout, or train on more images.")
    assert "BatchNormalization" not in hint


@pytest.mark.parametrize(("train", "validation", "test"), [
    (0.99, 0.98, 0.985),  # healthy
    (0.95, 0.70, 0.7),  # 25 points: within what noise and a hard dataset give
    (0.40, 0.05, 0.05),  # training itself did not learn: the learning-rate hint's case
    (0.99, None, None),  # no validation, no test result
])
def test_close_or_unlearned_runs_get_no_gap_hint(train: float, validation: float | None,
                                                 test: float | None) -> None:
    assert train_test_gap_hint(_epochs(train, validation), test, KERAS_BATCHNORM) is None
    assert train_test_gap_hint([], 0.1, KERAS_BATCHNORM) is None
