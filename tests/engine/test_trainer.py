"""The trainer's own arithmetic: compiled-call size and test figures, checked against Keras."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import TrainConfig
from cnnlab.core.presets import preset_spec

pytestmark = pytest.mark.keras


@pytest.mark.parametrize(
    ("config", "macs", "expected"),
    [
        (TrainConfig(), analyze(preset_spec("convnet")).macs, 16),  # 422 steps per epoch, 858,304 MACs
        (TrainConfig(train_size=6000), analyze(preset_spec("convnet")).macs, 1),  # 43 steps: a point each
        (TrainConfig(), 4_000_000, 3),  # heavy stack: calls stay short so Stop answers quickly
        (TrainConfig(batch_size=2048, validation_split=0.0), 100_000, 1),  # 30 steps per epoch
    ],
)
def test_steps_per_execution(config: TrainConfig, macs: int, expected: int) -> None:
    from cnnlab.engine.trainer import steps_per_execution

    assert steps_per_execution(config, macs) == expected


def test_test_figures_agree_with_keras() -> None:
    import keras

    from cnnlab.engine.trainer import test_figures

    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(10), size=500).astype(np.float32)
    probabilities[0] = np.eye(10)[3]  # a certain, wrong answer: Keras clips it to 1e-7
    labels = rng.integers(0, 10, size=500).astype(np.uint8)
    labels[0] = 4
    figures = test_figures(probabilities, labels)
    loss = keras.losses.SparseCategoricalCrossentropy()(labels, probabilities)
    assert figures["test_loss"] == pytest.approx(float(loss), rel=1e-5)
    metric = keras.metrics.SparseCategoricalAccuracy()
    metric.update_state(labels, probabilities)
    assert figures["test_accuracy"] == pytest.approx(float(metric.result()))
    confusion = np.asarray(figures["confusion"])
    assert confusion.sum() == 500 and confusion[4, 3] >= 1
    assert np.trace(confusion) / 500 == pytest.approx(figures["test_accuracy"])
    assert figures["predicted"].dtype == np.uint8 and figures["confidence"].dtype == np.float32
    assert figures["confidence"][0] == 1.0


def test_failure_messages_for_students() -> None:
    import tensorflow as tf

    from cnnlab.engine.events import OUT_OF_MEMORY_MESSAGE
    from cnnlab.engine.trainer import TrainingFailed, failure_message

    assert failure_message(TrainingFailed("loss became NaN in epoch 2")) == "loss became NaN in epoch 2"
    assert failure_message(tf.errors.ResourceExhaustedError(None, None, "OOM when allocating")) == (
        OUT_OF_MEMORY_MESSAGE)
    assert failure_message(MemoryError()) == OUT_OF_MEMORY_MESSAGE
    message = failure_message(ValueError("first line\nsecond line"))
    assert message == "training failed (ValueError: first line)"
    assert failure_message(RuntimeError()) == "training failed (RuntimeError)"

