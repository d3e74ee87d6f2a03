"""A run's model in other formats, made on demand and kept with the run (`model.onnx`, `model-keras2.h5`, and
a big run's `model.keras`, which the trainer leaves out so that its files are written once).

The export itself runs in the export worker (`Lab.exports`, an `InferenceClient` of its own), never in the
web server and never in the worker that answers Predict; the file is then stored in the run's directory, so
the next download is a plain file read.
"""

from __future__ import annotations

from pathlib import Path

from cnnlab.core.arithmetic import analyze
from cnnlab.core.export_rules import ExportFormat, export_problems
from cnnlab.core.spec_json import spec_to_dict
from cnnlab.engine.jobs import JobManager
from cnnlab.engine.store import ModelFormat
from cnnlab.insight.inference import InferenceClient, InferenceError


def exported_file(manager: JobManager, owner: str, job_id: str, fmt: ExportFormat | ModelFormat,
                  client: InferenceClient) -> Path:
    """The run's model as an `fmt` file: the cached one, else made now by the export worker and stored.

    Raises InferenceError with a message for the student: no trained model, a layer `fmt` cannot carry (named
    with its position), or a worker that failed.
    """
    cached = manager.model_file(job_id, owner, fmt)
    if cached is not None:
        return cached
    snapshot = manager.snapshot(job_id, owner)
    source = manager.model_file(job_id, owner, ModelFormat.H5)
    if snapshot is None or source is None:
        raise InferenceError("This run has no trained model to export.")
    spec = analyze(snapshot.spec).spec
    if spec is None:
        raise InferenceError("This run's stack has problems, so its model cannot be exported.")
    if fmt is ModelFormat.KERAS:
        data = client.keras3(source)
    else:
        problems = export_problems(spec, fmt)
        if problems:
            raise InferenceError(f"No {fmt.title} file: " + "; ".join(str(problem) for problem in problems))
        data = client.export(source, spec_to_dict(spec), fmt)
    manager.store.save_model(job_id, fmt, data)
    path = manager.model_file(job_id, owner, fmt)
    if path is None:
        raise InferenceError(f"The {fmt.title} file was made but could not be stored; try again.")
    return path
