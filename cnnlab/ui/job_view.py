"""How a training job looks on Train and Results: its status in words, progress, curves and downloads."""

from __future__ import annotations

import streamlit as st

from cnnlab.bridge.code import keras_code
from cnnlab.core.arithmetic import analyze
from cnnlab.core.datasets import DEFAULT_DATASET
from cnnlab.core.hyper import Schedule, TrainConfig
from cnnlab.core.optimizer_args import optimizer_arguments
from cnnlab.core.text import duration, plain
from cnnlab.engine.jobs import JobKind, JobManager, JobRefused, JobSnapshot, JobState
from cnnlab.engine.paths import file_stem
from cnnlab.engine.scores import partial_note, test_set_size
from cnnlab.engine.store import ModelFormat, RunFile
from cnnlab.insight.charts import training_figure
from cnnlab.insight.diagnose import learning_rate_hint, train_test_gap_hint
from cnnlab.ui.identity import browser_id
from cnnlab.ui.session import Level, flash

STATE_WORDS = {
    JobState.QUEUED: "waiting in the queue",
    JobState.RUNNING: "training",
    JobState.STOPPING: "stopping",
    JobState.FINISHED: "finished",
    JobState.STOPPED: "stopped",
    JobState.FAILED: "failed",
    JobState.INTERRUPTED: "interrupted",
}
EPOCH_NOTE = ("Why is the end-of-epoch dot below the curve? It averages the whole epoch, from the untrained "
              "start; the curve shows the latest batches.")
MIME = {ModelFormat.H5: "application/x-hdf5", ModelFormat.KERAS: "application/zip"}


def submit_job(manager: JobManager, owner: str, spec: object, config: TrainConfig, name: str) -> bool:
    """Queue a job for this browser (`identity.browser_id`); True on success. A refusal (a cap, a bad stack)
    or a failing disk becomes an error message saying what to do, never a traceback."""
    try:
        manager.submit(owner, spec, config, name, browser=browser_id())
    except JobRefused as refusal:
        flash(Level.error, plain(f"Not started: {refusal}."))
        return False
    except OSError as error:
        reason = type(error).__name__
        flash(Level.error, plain(f"Not started: the server could not record the job ({reason}). Try again; "
                                 "tell your teacher if it keeps failing."))
        return False
    return True


def accuracy_text(accuracy: float | None) -> str:
    """A test accuracy (fraction) as the Keras intro post writes it: 0.9891 → "98.91 %"; None → "—"."""
    return "—" if accuracy is None else f"{accuracy * 100:.2f} %"


def test_accuracy_help(config: TrainConfig) -> str:
    """What a run's test accuracy measures, on its own dataset."""
    dataset = config.dataset
    return (f"Share of {dataset.display_name}'s {dataset.test_images:,} test images (never seen in training) "
            "read correctly.")


def score_text(snapshot: JobSnapshot) -> str:
    """The run's test accuracy, marked when it covers only some test images: "98.91 %", "99.70 % on 1,928
    test images" (a run stopped while testing; `engine.scores`)."""
    note = partial_note(snapshot.tested_images, snapshot.config) if snapshot.test_accuracy is not None else ""
    return " ".join(filter(None, (accuracy_text(snapshot.test_accuracy), note)))


def config_text(config: TrainConfig) -> str:
    """Hyperparameters in one line: "1 epoch on 24,000 MNIST images · rmsprop, batch 8, learning rate 0.001";
    a schedule and optimizer settings follow: "… learning rate 0.01 (one-cycle), beta_1 0.7, beta_2 0.9"."""
    epochs = f"{config.epochs} epoch{'s' * (config.epochs != 1)}"
    schedule = f" ({config.schedule})" if config.schedule is not Schedule.CONSTANT else ""
    settings = "".join(f", {name} {value:g}" for name, value in optimizer_arguments(config).items())
    return (f"{epochs} on {config.train_size:,} {config.dataset.display_name} images · {config.optimizer}, "
            f"batch {config.batch_size}, "
            f"learning rate {config.learning_rate:g}{schedule}{settings}")


def progress(snapshot: JobSnapshot) -> float:
    """Fraction of the planned batches done: epoch 2 of 5, batch 211 of 422 → (1 × 422 + 211) / 2110 = 0.3;
    while a run's test is being finished, of its test images scored."""
    total = snapshot.epochs * snapshot.steps_per_epoch
    if snapshot.state.is_final and snapshot.state != JobState.STOPPED:
        return 1.0 if snapshot.state == JobState.FINISHED else 0.0
    if snapshot.kind is JobKind.TEST:
        return (snapshot.tested_images or 0) / test_set_size(snapshot.config)
    done = max(snapshot.epoch - 1, 0) * snapshot.steps_per_epoch + snapshot.step
    return min(done / total, 1.0) if total else 0.0


def progress_text(snapshot: JobSnapshot) -> str:
    """The words under the progress bar: epoch, batch, pace and time left."""
    if snapshot.state == JobState.QUEUED:
        wait = "" if snapshot.wait_s is None else f" · starts in about {duration(snapshot.wait_s)}"
        return f"waiting in the queue: position {snapshot.queue_position}{wait}"
    if snapshot.kind is JobKind.TEST:
        return f"{snapshot.tested_images or 0:,} of {test_set_size(snapshot.config):,} test images scored"
    parts = [f"epoch {max(snapshot.epoch, 1)} of {snapshot.epochs}",
             f"batch {snapshot.step:,} of {snapshot.steps_per_epoch:,}"]
    if snapshot.samples_per_second:
        parts.append(f"{snapshot.samples_per_second:,.0f} images/s")
    if snapshot.eta_s is not None:
        parts.append(f"about {duration(snapshot.eta_s)} left")
    return " · ".join(parts)


def render_ending(snapshot: JobSnapshot) -> None:
    """Why a run ended without finishing, in a sentence: failed or interrupted (an error), stopped (a note
    saying how much of the test set its model was scored on)."""
    if snapshot.state in (JobState.FAILED, JobState.INTERRUPTED):
        verb = "was interrupted" if snapshot.state == JobState.INTERRUPTED else "failed"
        st.error(plain(f"This run {verb}: {snapshot.message}"), icon=":material/error:")
    elif snapshot.state == JobState.STOPPED and snapshot.message:
        sentence = f"{snapshot.message[:1].upper()}{snapshot.message[1:]}."
        st.warning(plain(sentence), icon=":material/stop_circle:")


def render_hint(snapshot: JobSnapshot) -> None:
    """A warning when the curves show steps too big to learn (`diagnose.learning_rate_hint`), or training far
    ahead of validation or test (`diagnose.train_test_gap_hint`)."""
    hint = learning_rate_hint(snapshot.batch_points, snapshot.epochs_history, snapshot.config.learning_rate)
    if hint is not None:
        st.warning(plain(hint), icon=":material/trending_up:")
    gap = train_test_gap_hint(snapshot.epochs_history, snapshot.test_accuracy, snapshot.spec)
    if gap is not None:
        st.warning(plain(gap), icon=":material/call_split:")


def render_curves(snapshot: JobSnapshot, key: str) -> None:
    """The loss and accuracy curves of the job (batch line, epoch markers)."""
    if not snapshot.batch_points:
        st.caption("No curve was recorded for this run." if snapshot.state.is_final else
                   "The curves appear with the first batches.")
        return
    st.plotly_chart(training_figure(snapshot.batch_points, snapshot.epochs_history, snapshot.epochs), key=key,
                    config={"displayModeBar": False})
    if snapshot.epochs_history:
        st.caption(EPOCH_NOTE)


def model_file_name(snapshot: JobSnapshot, fmt: RunFile) -> str:
    """Download name with the architecture, its dataset when not MNIST, and its accuracy, e.g.
    "convnet-98.91.h5", "convnet-98.91.onnx", "convnet-fashion-90.12.h5"."""
    stem = file_stem(snapshot.name, "model")
    if snapshot.config.dataset is not DEFAULT_DATASET:
        stem += f"-{snapshot.config.dataset}"
    if snapshot.test_accuracy is not None:
        stem += f"-{snapshot.test_accuracy * 100:.2f}"
    return f"{stem}{fmt.suffix}"


def render_downloads(manager: JobManager, owner: str, snapshot: JobSnapshot, key: str) -> None:
    """Download buttons for the trained .h5 and .keras (read from disk only on click) and the Keras code."""
    with st.container(horizontal=True, key=f"{key}_row"):
        for fmt in ModelFormat:
            path = manager.model_file(snapshot.job_id, owner, fmt)
            if path is not None:
                name = model_file_name(snapshot, fmt)
                st.download_button(f"Download {name}", data=path.read_bytes, file_name=name, mime=MIME[fmt],
                                   on_click="ignore", key=f"{key}_{fmt.value}", icon=":material/download:")
        spec = analyze(snapshot.spec).spec
        if spec is not None:
            st.download_button("Download the Keras code (.py)", keras_code(spec, snapshot.config),
                               file_name=f"{file_stem(snapshot.name, 'model')}.py", mime="text/x-python",
                               on_click="ignore", key=f"{key}_code", icon=":material/code:")
