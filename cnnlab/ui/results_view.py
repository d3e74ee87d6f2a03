"""The Results page's parts: the list of the student's runs, and one run in detail.

A run's detail puts learning first: its test figures, then the first `LEAD_SECTIONS` entries of
`RUN_SECTIONS` (the curves, and the confusion matrix), then a row of tabs for the others; the files come
last, in one "Download" menu. A new view of a run (for example the misclassified digits or feature maps) is
one more `(title, render)` entry there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st

from cnnlab.core.arithmetic import analyze
from cnnlab.core.hyper import config_to_dict
from cnnlab.core.text import duration, plain
from cnnlab.engine.jobs import JobSnapshot, JobState
from cnnlab.lab import running_lab
from cnnlab.ui import class_digits_view, insight, run_actions, session
from cnnlab.ui.export_view import render_exports
from cnnlab.ui.job_view import (
    STATE_WORDS,
    config_text,
    render_downloads,
    render_ending,
    render_hint,
    score_text,
    submit_job,
    test_accuracy_help,
)
from cnnlab.ui.replay_view import render_curves_with_replay
from cnnlab.ui.session import Level, flash
from cnnlab.ui.stack_view import shared_stack_table

RUN_KEY = "results_run"
RERUNNABLE = (JobState.FAILED, JobState.INTERRUPTED, JobState.STOPPED)


def started(snapshot: JobSnapshot) -> str:
    """When the run was submitted, in the server's local time: "2026-11-26 09:41"."""
    return dt.datetime.fromtimestamp(snapshot.created_at).strftime("%Y-%m-%d %H:%M")


def runs_table(snapshots: list[JobSnapshot]) -> pd.DataFrame:
    """One row per run, newest first: name, state, dataset, test accuracy, parameters, epochs, images, start
    time."""
    rows = [(s.name, STATE_WORDS[s.state], s.config.dataset.display_name, score_text(s), f"{s.params:,}",
             str(s.config.epochs), f"{s.config.train_size:,}", started(s)) for s in snapshots]
    columns = ["Run", "State", "Dataset", "Test accuracy", "Parameters", "Epochs", "Training images",
               "Started"]
    return pd.DataFrame([[plain(cell) for cell in row] for row in rows], columns=columns)


def run_label(snapshot: JobSnapshot) -> str:
    """How a run is named in the picker: "convnet · 98.91 % · 2026-11-26 09:41"."""
    figure = score_text(snapshot) if snapshot.test_accuracy is not None else STATE_WORDS[snapshot.state]
    return f"{snapshot.name} · {figure} · {started(snapshot)}"


def pick_run(snapshots: list[JobSnapshot]) -> JobSnapshot:
    """The run the student selected (the newest at first)."""
    by_id = {s.job_id: s for s in snapshots}
    if st.session_state.get(RUN_KEY) not in by_id:
        st.session_state[RUN_KEY] = snapshots[0].job_id
    chosen = st.selectbox("Run", list(by_id), key=RUN_KEY,
                          format_func=lambda job_id: run_label(by_id[job_id]))
    return by_id[chosen]


def _run_again(owner: str, snapshot: JobSnapshot) -> None:
    if submit_job(running_lab().jobs, owner, snapshot.spec, snapshot.config, snapshot.name):
        flash(Level.success, plain(f"{snapshot.name} is queued again; follow it on the Train page."))


def render_outcome(owner: str, snapshot: JobSnapshot) -> None:
    """Test figures, or why the run has none (with "Run again" for a failed, interrupted or stopped run)."""
    if not snapshot.state.is_final:
        st.info(f"This run is {STATE_WORDS[snapshot.state]}; watch it live on the Train page.")
        session.link(session.Page.TRAIN, "Go to Train", ":material/model_training:", owner)
    render_ending(snapshot)
    render_hint(snapshot)
    if snapshot.test_accuracy is not None:
        accuracy, loss, params, elapsed = st.columns(4)
        accuracy.metric("Test accuracy", score_text(snapshot), help=test_accuracy_help(snapshot.config))
        class_digits_view.render_class_score(owner, snapshot, accuracy)
        loss.metric("Test loss", f"{snapshot.test_loss:.4f}" if snapshot.test_loss is not None else "—")
        params.metric("Parameters", f"{snapshot.params:,}")
        elapsed.metric("Training time", duration(snapshot.elapsed_s),
                       help=f"{snapshot.samples_per_second or 0:,.0f} images per second")
    if snapshot.state in RERUNNABLE:
        st.button("Run again", key=f"results_again_{snapshot.job_id}", icon=":material/replay:",
                  on_click=_run_again, args=(owner, snapshot),
                  help="Queues the same architecture with the same hyperparameters.")


def _architecture(owner: str, snapshot: JobSnapshot) -> None:
    st.table(shared_stack_table(analyze(snapshot.spec), snapshot.spec.get("layers", [])), hide_index=True)
    settings = config_to_dict(snapshot.config)
    st.table(pd.DataFrame({"Hyperparameter": list(settings), "Value": [plain(v) for v in settings.values()]}),
             hide_index=True)


def _curves(owner: str, snapshot: JobSnapshot) -> None:
    render_curves_with_replay(snapshot, key=f"results_curves_{snapshot.job_id}")


RunSection = Callable[[str, JobSnapshot], None]
RUN_SECTIONS: list[tuple[str, RunSection]] = [
    ("Curves", _curves),
    ("Where it errs", insight.render_errors_section),
    ("Our class's handwriting", class_digits_view.render_class_section),
    ("Architecture", _architecture),
]


LEAD_SECTIONS = 2  # the curves and the confusion matrix, drawn in the page before any tab


def render_run(owner: str, snapshot: JobSnapshot) -> None:
    """One run: its outcome, its curves and where it errs, a tab per further entry of `RUN_SECTIONS`, then
    its files in one "Download" menu."""
    st.subheader(plain(f"{snapshot.name} — {STATE_WORDS[snapshot.state]}"))
    st.caption(f"Started {started(snapshot)} · {config_text(snapshot.config)}")
    render_outcome(owner, snapshot)
    run_actions.render_partial_score(owner, snapshot)
    lead, rest = RUN_SECTIONS[:LEAD_SECTIONS], RUN_SECTIONS[LEAD_SECTIONS:]
    for title, render in lead:
        st.markdown(f"#### {title}")
        render(owner, snapshot)
    for tab, (_, render) in zip(st.tabs([title for title, _ in rest]), rest, strict=True):
        with tab:
            render(owner, snapshot)
    with st.popover("Download", icon=":material/download:", key=f"results_files_{snapshot.job_id}"):
        render_downloads(running_lab().jobs, owner, snapshot, key=f"results_download_{snapshot.job_id}")
        render_exports(running_lab().jobs, owner, snapshot, key=f"results_export_{snapshot.job_id}")
    run_actions.render_delete(owner, snapshot)
    run_actions.render_storage(owner)
