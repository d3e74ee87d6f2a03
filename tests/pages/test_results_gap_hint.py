"""Results explains a run that read its training images but not its validation images where the student meets
it: the batchnorm preset with Keras's momentum 0.99 after the Train page's defaults (training 84 %, validation
11 %) names BatchNormalization's moving statistics; a healthy run of the fixed preset gets no such warning."""

from __future__ import annotations

import pytest

from cnnlab.core.hyper import CLASS_DEMO
from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.jobs import JobManager, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.testing.apptest import RESULTS, messages, open_page
from cnnlab.testing.engine import ScriptedRunner, finished_event

BATCHNORM = spec_to_dict(preset_spec("batchnorm"))
KERAS_MOMENTUM = {**BATCHNORM, "layers": [  # the preset as it was: Keras's default momentum
    {key: value for key, value in layer.items() if key != "momentum"} for layer in BATCHNORM["layers"]]}


def _run(manager: JobManager, runner: ScriptedRunner, spec: dict, training: float, validation: float,
         test: float) -> str:
    """A student's finished run of `spec` whose one epoch read `training` / `validation` and whose test set
    scored `test`; returns the student."""
    owner = new_owner_token()
    job_id = manager.submit(owner, spec, CLASS_DEMO)
    manager.step()
    runner.send(runner.tasks[-1], {"event": "started", "steps_per_epoch": 211},
                {"event": "batch", "epoch": 1, "step": 211, "loss": 0.45, "accuracy": training,
                 "samples_per_second": 800.0, "elapsed_s": 30.0},
                {"event": "epoch", "epoch": 1, "loss": 0.45, "accuracy": training, "val_loss": 9.2,
                 "val_accuracy": validation, "seconds": 30.0, "samples_per_second": 800.0},
                finished_event(accuracy=test), {"event": "done"})
    manager.step()
    assert manager.snapshot(job_id, owner).state == JobState.FINISHED
    return owner


def test_results_names_the_moving_statistics_when_validation_lags_training(scripted) -> None:
    manager, runner = scripted
    owner = _run(manager, runner, KERAS_MOMENTUM, 0.8433, 0.1130, 0.1135)
    at = open_page(RESULTS, u=owner)
    assert not at.exception
    [hint] = [text for text in messages(at, "warning") if text.startswith("Training accuracy")]
    assert hint.startswith("Training accuracy 84 %, validation 11 % (about what reading every image as one "
                           "class scores): the model reads images while it trains but not when it is tested")
    assert "momentum 0.99 (about the last 100 batches)" in hint
    assert "Lower the momentum of each BatchNormalization on Build" in hint


@pytest.mark.parametrize("spec", [BATCHNORM, spec_to_dict(preset_spec("convnet"))])
def test_a_run_whose_validation_follows_training_gets_no_gap_warning(scripted, spec: dict) -> None:
    manager, runner = scripted
    owner = _run(manager, runner, spec, 0.9433, 0.9637, 0.9669)
    at = open_page(RESULTS, u=owner)
    assert not at.exception
    assert not [text for text in messages(at, "warning") if text.startswith("Training accuracy")]
