"""Finished runs written straight into a runs directory, for tests and benchmarks that need many (or big)
model files without training them: what the teacher's zip streams, what the storage budgets count."""

from __future__ import annotations

import os

from cnnlab.core.presets import preset_spec
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.owners import new_owner_token
from cnnlab.engine.store import JobState, ModelFormat, RunStore

BLOCK_BYTES = 1 << 20


def plant_runs(store: RunStore, count: int, model_bytes: int) -> list[str]:
    """`count` finished convnet runs, each of a new student, with a `model.h5` of `model_bytes` random bytes
    (incompressible, like trained weights), written a megabyte at a time; returns their ids."""
    spec = spec_to_dict(preset_spec("convnet"))
    lease = store.acquire_lease()
    run_ids = []
    try:
        for _ in range(count):
            run_id = store.create(new_owner_token(), "convnet", spec, {"epochs": 1}, 60_874, lease)
            path = store.root / run_id / ModelFormat.H5.filename
            with path.open("wb") as model:
                for start in range(0, model_bytes, BLOCK_BYTES):
                    model.write(os.urandom(min(BLOCK_BYTES, model_bytes - start)))
            store.set_state(run_id, JobState.FINISHED, "", test_accuracy=0.99, tested_images=10_000)
            run_ids.append(run_id)
    finally:
        store.release_lease(lease)
    return run_ids
