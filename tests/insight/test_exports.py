"""A run's ONNX and Keras 2 files: made by the inference worker on first ask, kept with the run, refused with
the layer named when the format cannot carry it; the worker's Keras 3 answers stay the same afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from cnnlab.core.export_rules import ExportFormat
from cnnlab.engine.jobs import JobManager
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import ModelFormat
from cnnlab.insight.exports import exported_file
from cnnlab.insight.inference import InferenceClient, InferenceError
from cnnlab.testing.models import TrainedRun, register_run

pytestmark = pytest.mark.keras


@pytest.fixture(scope="module")
def client() -> Iterator[InferenceClient]:
    worker = InferenceClient()
    yield worker
    worker.close()


class _NoExports(InferenceClient):
    """A client that fails the test if asked to export: the file must come from the run's cache."""

    def export(self, *args: object, **kwargs: object) -> bytes:
        raise AssertionError("exported again instead of using the stored file")


def test_onnx_is_made_once_stored_with_the_run_and_predicts_as_keras(
        manager: JobManager, owner: str, trained: dict[str, TrainedRun], client: InferenceClient) -> None:
    import onnxruntime as ort

    run_id = register_run(manager.store, owner, trained["convnet"])
    path = exported_file(manager, owner, run_id, ExportFormat.ONNX, client)
    assert path == manager.store.root / run_id / "model.onnx"
    assert exported_file(manager, owner, run_id, ExportFormat.ONNX, _NoExports()) == path
    images = np.random.default_rng(2).random((6, 28, 28, 1), dtype=np.float32)
    expected = client.predict(manager.model_file(run_id, owner, ModelFormat.H5), images)
    got = ort.InferenceSession(path).run(["probabilities"], {"image": images})[0]
    assert np.abs(got - expected).max() <= 1e-5


def test_keras2_export_in_the_worker_leaves_its_keras_3_answers_alone(
        manager: JobManager, owner: str, trained: dict[str, TrainedRun], client: InferenceClient) -> None:
    run_id = register_run(manager.store, owner, trained["mlp"])
    model = manager.model_file(run_id, owner, ModelFormat.H5)
    images = np.random.default_rng(3).random((4, 28, 28), dtype=np.float32)
    before = client.predict(model, images)
    worker = client.pid
    path = exported_file(manager, owner, run_id, ExportFormat.KERAS2_H5, client)
    assert path.name == "model-keras2.h5" and path.read_bytes().startswith(b"\x89HDF\r\n\x1a\n")
    np.testing.assert_array_equal(client.predict(model, images), before)
    assert client.pid == worker  # no restart was needed


def test_a_layer_keras_2_cannot_carry_is_named(manager: JobManager, owner: str,
                                               trained: dict[str, TrainedRun]) -> None:
    spec = dict(trained["mlp"].spec, layers=[
        {"type": "Flatten"}, {"type": "Dense", "units": 32, "activation": "hard_swish"},
        {"type": "Dense", "units": 10, "activation": "softmax"}])
    run_id = register_run(manager.store, owner, trained["mlp"].with_spec(spec))
    with pytest.raises(InferenceError) as refused:
        exported_file(manager, owner, run_id, ExportFormat.KERAS2_H5, _NoExports())
    assert str(refused.value).startswith('No Keras 2 .h5 file: layer 2 (Dense): activation "hard_swish" does '
                                         "not exist in Keras 2 (tf_keras)")
    assert manager.model_file(run_id, owner, ExportFormat.KERAS2_H5) is None


def test_another_students_run_cannot_be_exported(manager: JobManager, owner: str,
                                                 trained: dict[str, TrainedRun]) -> None:
    run_id = register_run(manager.store, owner, trained["mlp"])
    with pytest.raises(InferenceError, match=r"^This run has no trained model to export\.$"):
        exported_file(manager, new_owner_token(), run_id, ExportFormat.ONNX, _NoExports())
