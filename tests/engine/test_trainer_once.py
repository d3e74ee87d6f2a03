"""The trainer's part in issue 21: a big model's files are written once (its .h5), the speed it reports leaves
out the first compiled call (which traces the model), and `test_rest` scores the test images a stopped run did
not see, exactly as the training job would have."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import Optimizer, TrainConfig
from cnnlab.engine.estimate import StackCost
from cnnlab.engine.storage import ONE_FILE_OVER_BYTES
from cnnlab.engine.store import ModelFormat
from cnnlab.testing.models import TrainedRun

pytestmark = pytest.mark.keras

BIG = {"input_shape": [28, 28, 1], "layers": [  # 3,180,010 weights: 38 MB a file with Adam's two slots
    {"type": "Flatten"}, {"type": "Dense", "units": 4000, "activation": "relu"},
    {"type": "Dense", "units": 10, "activation": "softmax"}]}


SMALL = {"input_shape": [28, 28, 1], "layers": [
    {"type": "Flatten"}, {"type": "Dense", "units": 10, "activation": "softmax"}]}


@pytest.mark.parametrize(("spec", "formats"), [(BIG, {"h5"}), (SMALL, {"h5", "keras"})])
def test_a_big_models_files_are_written_once(spec: dict, formats: set[str]) -> None:
    from cnnlab.bridge.model import build_model
    from cnnlab.bridge.optimizers import make_optimizer
    from cnnlab.engine.trainer import LOSS, METRICS, _model_files

    model = build_model(analyze(spec).spec)
    model.compile(optimizer=make_optimizer(TrainConfig(optimizer=Optimizer.ADAM)), loss=LOSS, metrics=METRICS)
    model.optimizer.build(model.trainable_variables)
    files = _model_files(model)
    assert set(files) == formats
    assert (len(files["h5"]) > ONE_FILE_OVER_BYTES) == (formats == {"h5"})


def test_the_reported_speed_leaves_out_the_first_call() -> None:
    from cnnlab.engine.trainer import train

    events: list[dict] = []
    config = TrainConfig(epochs=3, batch_size=50, train_size=300, validation_split=0.0)
    train(BIG, config, events.append, lambda: False)
    finished = events[-1]
    assert finished["event"] == "finished" and set(finished) >= {"h5"} and "keras" not in finished
    # 6 steps of 50 images an epoch, one step per call: the first call is left out of the steady figures
    assert (finished["steady_images"], finished["steady_steps"]) == (3 * 300 - 50, 3 * 6 - 1)
    assert 0 < finished["steady_seconds"] < finished["seconds"]


def test_test_rest_scores_the_images_a_stopped_run_did_not_see(trained: dict[str, TrainedRun]) -> None:
    from cnnlab.engine.trainer import test_rest

    run = trained["convnet"]
    events: list[dict] = []
    test_rest(run.spec, run.files[ModelFormat.H5], 9_000, events.append, lambda: False)
    assert events[0] == {"event": "testing"} and events[-2:-1] == [{"event": "scored", "images": 10_000}]
    tested = events[-1]
    assert (tested["event"], tested["start"], tested["stopped"]) == ("tested", 9_000, False)
    np.testing.assert_array_equal(tested["predicted"], run.result.predicted[9_000:])
    assert sum(map(sum, tested["confusion"])) == 1_000


def test_a_stop_ends_test_rest_after_a_chunk(trained: dict[str, TrainedRun],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from cnnlab.engine import trainer

    # No grace after the stop (a fast machine scores all 8,000 images of the convnet within the real 1 s):
    # exactly the one chunk that is always scored.
    monkeypatch.setattr(trainer, "STOP_SCORING_S", 0.0)
    run = trained["convnet"]
    events: list[dict] = []
    trainer.test_rest(run.spec, run.files[ModelFormat.H5], 2_000, events.append, lambda: True)
    tested = events[-1]
    chunk = trainer.test_chunk(StackCost.of(analyze(run.spec)))
    assert tested["stopped"] and len(tested["predicted"]) == chunk < 8_000
