"""`cnnlab train --out NAME.keras` for a big model, whose trainer sends only its .h5 (issue 21: big runs are
written once): the .keras is made from the .h5 in the command's own process, with the same weights."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnnlab.cli.train import _model_bytes
from cnnlab.engine.store import ModelFormat
from cnnlab.testing.models import TrainedRun

pytestmark = pytest.mark.keras


def test_a_keras_file_is_made_from_the_h5_when_the_trainer_left_it_out(trained: dict[str, TrainedRun],
                                                                       tmp_path) -> None:
    run = trained["mlp"]
    finished = {"h5": run.files[ModelFormat.H5]}
    assert _model_bytes(finished, ".h5") == run.files[ModelFormat.H5]
    made, original = tmp_path / "made.keras", tmp_path / "original.keras"
    made.write_bytes(_model_bytes(finished, ".keras"))
    original.write_bytes(run.files[ModelFormat.KERAS])
    for mine, theirs in zip(keras.models.load_model(made).weights, keras.models.load_model(original).weights,
                            strict=True):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))
