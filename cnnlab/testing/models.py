"""Trained runs for the page, insight and browser tests: two small stacks trained on MNIST, and the small
convnet trained on Fashion-MNIST, each once per test process by the product itself (its job manager, worker
process and trainer), then copied into a test's own runs directory exactly as the job left them; and Keras
models with random weights for the export tests."""

from __future__ import annotations

import atexit
import dataclasses
import functools
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnnlab.core.arithmetic import analyze
from cnnlab.core.datasets import Dataset
from cnnlab.core.hyper import TrainConfig
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.jobs import JobLimits, JobState
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import ModelFormat, RunRecord, RunResult, RunStore
from cnnlab.lab import Lab, Settings

SMALL_CONVNET = {"name": "small convnet", "input_shape": [28, 28, 1], "layers": [
    {"type": "Conv2D", "filters": 8, "kernel_size": [3, 3], "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": [2, 2]},
    {"type": "Conv2D", "filters": 24, "kernel_size": [3, 3], "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": [2, 2]},
    {"type": "Flatten"},
    {"type": "Dense", "units": 10, "activation": "softmax"},
]}
SMALL_MLP = {"name": "small mlp", "input_shape": [28, 28, 1], "layers": [
    {"type": "Flatten"},
    {"type": "Dense", "units": 32, "activation": "relu"},
    {"type": "Dense", "units": 10, "activation": "softmax"},
]}
TRAINING = TrainConfig(epochs=2, train_size=6000)  # rmsprop at batch 128, 600 images held out: seconds each
FASHION_TRAINING = dataclasses.replace(TRAINING, dataset=Dataset.FASHION)


@dataclass(frozen=True)
class TrainedRun:
    """A finished run as the job manager stored it: its index row, metric history, test result and model
    files (`register_run` copies it into another store)."""

    record: RunRecord
    metrics: dict
    result: RunResult
    files: dict[ModelFormat, bytes]

    @property
    def spec(self) -> dict:
        """The stack, as the job manager stored it."""
        return self.record.spec

    @property
    def params(self) -> int:
        """Its parameter count."""
        return self.record.params

    def with_spec(self, spec: dict) -> TrainedRun:
        """The same run recorded under another stack (normalised as the job manager stores it), e.g. one with
        a layer a format cannot carry."""
        stored = spec_to_dict(analyze(spec).spec)
        return dataclasses.replace(self, record=dataclasses.replace(self.record, spec=stored))


@functools.cache
def trained_runs() -> dict[str, TrainedRun]:
    """The small convnet and the small MLP trained on MNIST by the product's job manager in a worker process,
    once per test process, whichever test asks first."""
    return _trained({"convnet": (SMALL_CONVNET, TRAINING), "mlp": (SMALL_MLP, TRAINING)})


@functools.cache
def trained_fashion_run() -> TrainedRun:
    """The small convnet trained on Fashion-MNIST (2 epochs on 6,000 images) by the product's job manager in
    a worker process, once per test process."""
    return _trained({"fashion": (SMALL_CONVNET, FASHION_TRAINING)})["fashion"]


def _trained(jobs: dict[str, tuple[dict, TrainConfig]]) -> dict[str, TrainedRun]:
    """Train each named (stack, settings) through a Lab of its own, one job at a time; the stored runs."""
    root = Path(tempfile.mkdtemp(prefix="cnnlab-trained-runs-"))
    atexit.register(shutil.rmtree, root, True)
    lab = Lab(Settings(runs_dir=root), limits=JobLimits(max_running=1))
    try:
        owner = new_owner_token()
        job_ids = {name: lab.jobs.submit(owner, spec, config) for name, (spec, config) in jobs.items()}
        if not lab.jobs.drain(timeout_s=600):
            raise AssertionError(f"the small runs {', '.join(jobs)} did not finish within 10 minutes")
        return {name: _stored(lab.store, owner, job_id) for name, job_id in job_ids.items()}
    finally:
        lab.close()


def _stored(store: RunStore, owner: str, run_id: str) -> TrainedRun:
    """The finished run `run_id` read back from `store`."""
    record = store.get(run_id, owner)
    if record is None or record.state != JobState.FINISHED:
        raise AssertionError(f"a small run did not finish: {record}")
    files = {fmt: store.model_file(run_id, owner, fmt).read_bytes() for fmt in ModelFormat}
    return TrainedRun(record, store.metrics(run_id, owner), store.result(run_id, owner), files)


def register_run(store: RunStore, owner: str, trained: TrainedRun, *, model: bytes | None = None) -> str:
    """Store `trained` as a finished run of `owner`, exactly as its job left it; returns the new run id.

    `model` replaces the .h5 file's bytes (to store a broken model file).
    """
    record = trained.record
    lease = store.acquire_lease()
    try:
        run_id = store.create(owner, record.name, record.spec, record.config, record.params, lease)
        store.save_metrics(run_id, trained.metrics)
        store.save_result(run_id, trained.result)
        for fmt, data in trained.files.items():
            store.save_model(run_id, fmt, model if model is not None and fmt == ModelFormat.H5 else data)
        store.set_state(run_id, JobState.FINISHED, record.message, test_loss=record.test_loss,
                        test_accuracy=record.test_accuracy, samples_per_second=record.samples_per_second,
                        elapsed_s=record.elapsed_s, tested_images=record.tested_images)
    finally:
        store.release_lease(lease)
    time.sleep(0.01)  # distinct creation times keep "newest first" well defined
    return run_id


def random_weights_model(spec: dict, seed: int):
    """`spec` built in Keras 3 with seeded random weights: Keras's own initial kernels, and random biases and
    batch-norm statistics (variances positive) instead of zeros and ones, so that two runtimes agreeing on
    its outputs means they compute the same function."""
    import keras

    from cnnlab.bridge.model import build_model

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model = build_model(analyze(spec).spec)
    for layer in model.layers:
        weights = [w if w.ndim > 1 else w + rng.normal(0, 0.1, w.shape).astype(np.float32)
                   for w in layer.get_weights()]
        if type(layer).__name__ == "BatchNormalization":
            weights[3] = np.abs(weights[3]) + 0.5  # moving variance
        layer.set_weights(weights)
    return model
