"""Results' second row of downloads: the model as ONNX and as a Keras 2 .h5 (made on demand, in the export
worker), a big run's .keras (made on demand: its files are written once), and the model card."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from cnnlab.core.arithmetic import analyze
from cnnlab.core.export_rules import ExportFormat, export_problems
from cnnlab.core.text import plain
from cnnlab.engine.jobs import JobManager, JobSnapshot
from cnnlab.engine.paths import file_stem
from cnnlab.engine.store import ModelFormat
from cnnlab.insight.exports import exported_file
from cnnlab.insight.inference import InferenceError
from cnnlab.insight.model_card import CardFiles, model_card
from cnnlab.lab import running_lab
from cnnlab.ui.job_view import model_file_name
from cnnlab.ui.session import Level, flash

MIME = {ExportFormat.ONNX: "application/octet-stream", ExportFormat.KERAS2_H5: "application/x-hdf5",
        ModelFormat.KERAS: "application/zip"}
HELP = {
    ModelFormat.KERAS: "Keras 3's own format, with the optimizer's state: keras.models.load_model opens it. "
                       "For a model this big it is made only when asked for, so the server keeps one file.",
    ExportFormat.ONNX: "For onnxruntime on a computer, a web page (onnxruntime-web) or a phone: input "
                       '"image" (N, 28, 28, 1) float32 in [0, 1], output "probabilities" (N, 10).',
    ExportFormat.KERAS2_H5: "For Keras 2 (tf_keras, TF_USE_LEGACY_KERAS=1) and notebooks written for "
                            "TensorFlow 2.15 or older: tf.keras.models.load_model opens it.",
}


def _make(manager: JobManager, owner: str, snapshot: JobSnapshot, fmt: ExportFormat | ModelFormat) -> None:
    """Export now (in the export worker) and say how it went, as a message for the next page run."""
    try:
        exported_file(manager, owner, snapshot.job_id, fmt, running_lab().exports)
    except InferenceError as error:
        flash(Level.error, plain(str(error)))
        return
    except OSError as error:  # the run's folder could not take the file
        flash(Level.error, plain(f"The {fmt.title} file could not be stored ({type(error).__name__}); try "
                                 "again, and tell your teacher if it keeps failing."))
        return
    flash(Level.success, plain(f"{model_file_name(snapshot, fmt)} is ready to download."))


def card_text(manager: JobManager, owner: str, snapshot: JobSnapshot) -> str:
    """The run's model card (Markdown), naming its files as this page downloads them."""
    analysis = analyze(snapshot.spec)
    result = manager.result(snapshot.job_id, owner)
    model = manager.model_file(snapshot.job_id, owner, ModelFormat.H5)
    trained = dt.datetime.fromtimestamp(model.stat().st_mtime if model else snapshot.created_at)
    files = CardFiles(keras3=model_file_name(snapshot, ModelFormat.KERAS),
                      keras2_h5=model_file_name(snapshot, ExportFormat.KERAS2_H5),
                      onnx=model_file_name(snapshot, ExportFormat.ONNX))
    return model_card(snapshot.name, analysis, snapshot.config, snapshot.test_accuracy,
                      result.confusion if result else None, trained, files, snapshot.tested_images)


def render_exports(manager: JobManager, owner: str, snapshot: JobSnapshot, key: str) -> None:
    """ONNX, Keras 2 .h5 and (for a big run, whose trainer kept only the .h5) .keras: a download once made,
    else a button that makes it (or why it cannot be made); and the model card. Nothing while the run has no
    trained model."""
    spec = analyze(snapshot.spec).spec
    if spec is None or manager.model_file(snapshot.job_id, owner, ModelFormat.H5) is None:
        return
    refusals = []
    kept = manager.model_file(snapshot.job_id, owner, ModelFormat.KERAS) is not None  # shown with the .h5
    made_on_demand = [] if kept else [ModelFormat.KERAS]
    with st.container(horizontal=True, key=f"{key}_row"):
        for fmt in [*made_on_demand, *ExportFormat]:
            path = manager.model_file(snapshot.job_id, owner, fmt)
            name = model_file_name(snapshot, fmt)
            problems = export_problems(spec, fmt) if isinstance(fmt, ExportFormat) else ()
            if path is not None:
                st.download_button(f"Download {name}", data=path.read_bytes, file_name=name, mime=MIME[fmt],
                                   on_click="ignore", key=f"{key}_{fmt.value}", icon=":material/download:",
                                   help=HELP[fmt])
            elif problems:
                refusals.append(f"No {fmt.title} file: " + "; ".join(str(problem) for problem in problems))
            elif st.button(f"Make the {fmt.title} file", key=f"{key}_make_{fmt.value}",
                           icon=":material/build:",
                           help=HELP[fmt] + " Made once, in a few seconds, then kept with the run."):
                with st.spinner(f"Making {name} …"):
                    _make(manager, owner, snapshot, fmt)
                st.rerun()  # show the download in its place, and the message
        st.download_button("Download the model card (.md)", data=lambda: card_text(manager, owner, snapshot),
                           file_name=f"{file_stem(snapshot.name, 'model')}-card.md", mime="text/markdown",
                           on_click="ignore", key=f"{key}_card", icon=":material/description:")
    for refusal in refusals:
        st.info(plain(refusal), icon=":material/info:")
