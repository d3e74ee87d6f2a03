"""The trainer's own arithmetic: compiled-call size and test figures, checked against Keras."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import Optimizer, Schedule, TrainConfig
from cnnlab.core.presets import preset_spec
from cnnlab.engine.estimate import StackCost
from cnnlab.testing.stacks import SLOW_TO_TRAIN

pytestmark = pytest.mark.keras


CONVNET = StackCost.of(analyze(preset_spec("convnet")))


@pytest.mark.parametrize(
    ("config", "cost", "expected"),
    [
        (TrainConfig(), CONVNET, 16),  # 422 steps per epoch, 1.25·10⁹ MACs a step
        (TrainConfig(train_size=6000), CONVNET, 1),  # 43 steps: a point each
        (TrainConfig(), StackCost(4_000_000, 10_000, 100_000), 9),  # heavy: a call stays under about 1 s
        # 30 steps per epoch
        (TrainConfig(batch_size=2048, validation_split=0.0), StackCost(100_000, 1_000, 100_000), 1),
    ],
)
def test_steps_per_execution(config: TrainConfig, cost: StackCost, expected: int) -> None:
    from cnnlab.engine.trainer import steps_per_execution

    assert steps_per_execution(config, cost) == expected


def test_test_chunks_stay_short_for_a_quick_stop() -> None:
    from cnnlab.engine.trainer import test_chunk

    assert test_chunk(CONVNET) == 1000
    assert test_chunk(StackCost.of(analyze(SLOW_TO_TRAIN))) == 6  # 9.9·10⁸ MACs a test image


def test_the_batch_count_never_passes_the_epochs_steps() -> None:
    """211 steps per epoch, compiled 8 at a time: the epoch's last call is short, yet Keras reports its last
    index as if it were full (215, "batch 216"); the count, and what the live panel reads, ends at 211."""
    from cnnlab.core.spec_json import spec_to_dict
    from cnnlab.engine.trainer import _Reporter, steps_per_execution

    config = TrainConfig(epochs=1, batch_size=128, train_size=30_000, validation_split=0.1)
    assert config.steps_per_epoch == 211
    assert steps_per_execution(config, StackCost.of(analyze(spec_to_dict(preset_spec("tiny"))))) == 8
    events: list[dict] = []
    reporter = _Reporter(config, events.append, lambda: False)
    reporter.on_epoch_begin(0)
    reporter.on_train_batch_end(7, {"loss": 2.0, "accuracy": 0.2})  # the first call: batches 1-8
    reporter.on_train_batch_end(215, {"loss": 0.3, "accuracy": 0.9})  # the last, 3 batches long
    assert reporter.step == 211
    assert [event["step"] for event in events if event["event"] == "batch"] in ([8], [8, 211])


def test_evaluated_figures_agree_with_keras() -> None:
    import keras

    from cnnlab.engine.evaluation import evaluate

    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(10), size=500).astype(np.float32)
    probabilities[0] = np.eye(10)[3]  # a certain, wrong answer: Keras clips it to 1e-7
    labels = rng.integers(0, 10, size=500).astype(np.uint8)
    labels[0] = 4
    figures = evaluate(probabilities, labels)
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



@pytest.mark.parametrize("fmt", ["h5", "keras"])
def test_model_files_keep_the_schedule_and_optimizer_settings(tmp_path, fmt: str) -> None:
    """A one-cycle Adam run's files load in plain Keras with Keras's own CosineDecay and the run's betas, at
    the step the run reached (its rate there is the schedule's last: 0.01 × final_fraction)."""
    import keras

    from cnnlab.core.spec_json import spec_to_dict
    from cnnlab.engine.trainer import train

    config = TrainConfig(epochs=1, batch_size=100, optimizer=Optimizer.ADAM, learning_rate=0.01,
                         train_size=300, validation_split=0.0, schedule=Schedule.ONE_CYCLE,
                         final_fraction=0.1, beta_1=0.7, beta_2=0.9)
    events: list[dict] = []
    train(spec_to_dict(preset_spec("tiny")), config, events.append, lambda: False)
    path = tmp_path / f"model.{fmt}"
    path.write_bytes(events[-1][fmt])
    optimizer = keras.models.load_model(path).optimizer
    settings = optimizer.get_config()
    assert type(optimizer) is keras.optimizers.Adam and (settings["beta_1"], settings["beta_2"]) == (0.7, 0.9)
    assert settings["learning_rate"]["class_name"] == "CosineDecay"
    assert settings["learning_rate"]["config"] | {"name": None} == {
        "initial_learning_rate": pytest.approx(0.001), "decay_steps": 2, "alpha": 0.1, "warmup_target": 0.01,
        "warmup_steps": 1, "name": None}  # 3 steps: round(0.25 × 3) = 1 climbing
    assert int(optimizer.iterations) == 3
    assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(0.001)
